//! The connection to Redis: one server (a reconnecting [`ConnectionManager`]) or a Redis Cluster
//! (the `redis` crate's async cluster connection, which follows `MOVED` and `ASK` redirections
//! and refreshes its slot map after a failover).

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};
use session_core::Result;
use std::sync::OnceLock;

use crate::error::from_redis;

/// Where the store's commands go.
pub(crate) enum Backend {
    /// One server, or a primary behind a stable address.
    Single {
        client: redis::Client,
        config: ConnectionManagerConfig,
        connection: OnceLock<ConnectionManager>,
    },
    /// A Redis (or Valkey) Cluster, reached through its seed nodes.
    Cluster {
        client: ClusterClient,
        connection: tokio::sync::OnceCell<ClusterConnection>,
    },
}

/// A connection handle of either kind; cheap to clone.
#[derive(Clone)]
pub(crate) enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(c) => c.req_packed_command(cmd),
            Self::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Self::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(c) => c.get_db(),
            Self::Cluster(c) => c.get_db(),
        }
    }
}

impl Backend {
    /// Whether this is a cluster.
    pub(crate) fn is_cluster(&self) -> bool {
        matches!(self, Self::Cluster { .. })
    }

    /// The shared connection, made on first use. A single server's connection manager connects
    /// lazily (two first calls racing may both build one; the loser is dropped unused); a
    /// cluster connection is made once, and again after a failed attempt.
    pub(crate) async fn connection(&self) -> Result<Conn> {
        match self {
            Self::Single {
                client,
                config,
                connection,
            } => {
                if let Some(c) = connection.get() {
                    return Ok(Conn::Single(c.clone()));
                }
                let made = ConnectionManager::new_lazy_with_config(client.clone(), config.clone())
                    .map_err(|e| from_redis(&e))?;
                Ok(Conn::Single(connection.get_or_init(|| made).clone()))
            }
            Self::Cluster { client, connection } => connection
                .get_or_try_init(|| client.get_async_connection())
                .await
                .map(|c| Conn::Cluster(c.clone()))
                .map_err(|e| from_redis(&e)),
        }
    }
}
