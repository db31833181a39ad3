//! Test support (feature `test-util`): a throw-away local Redis Cluster.
//!
//! [`TestCluster::start`] starts `redis-server --cluster-enabled yes` on free loopback ports (3
//! masters, optionally with replicas) and joins them with `redis-cli --cluster create`. Nodes use
//! a one-second node timeout, so a replica takes over a killed master within a few seconds. Every
//! node is killed, and its folder removed, when the value is dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use crate::test_support::{Launch, free_port, launch};

/// A local Redis Cluster for tests.
pub struct TestCluster {
    dir: PathBuf,
    nodes: Mutex<Vec<Node>>,
}

struct Node {
    port: u16,
    child: Option<Child>,
}

impl std::fmt::Debug for TestCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCluster")
            .field("ports", &self.ports())
            .finish_non_exhaustive()
    }
}

/// One line of `CLUSTER NODES`: address, whether it is a healthy master, its slot ranges.
struct NodeLine {
    port: u16,
    healthy_master: bool,
    slots: Vec<(u16, u16)>,
}

fn parse_nodes(text: &str) -> Vec<NodeLine> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let addr = fields.get(1)?;
            let port = addr.split('@').next()?.rsplit(':').next()?.parse().ok()?;
            let flags = fields.get(2)?;
            let healthy_master = flags.contains("master") && !flags.contains("fail");
            let slots = fields
                .iter()
                .skip(8)
                .filter(|f| !f.starts_with('['))
                .filter_map(|range| {
                    let mut ends = range.split('-');
                    let start: u16 = ends.next()?.parse().ok()?;
                    let end: u16 = ends.next().map_or(Some(start), |e| e.parse().ok())?;
                    Some((start, end))
                })
                .collect();
            Some(NodeLine {
                port,
                healthy_master,
                slots,
            })
        })
        .collect()
}

/// Runs one command on a node, with short timeouts; `None` when the node does not answer.
fn query<T: redis::FromRedisValue>(port: u16, cmd: &redis::Cmd) -> Option<T> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).ok()?;
    let mut conn = client
        .get_connection_with_timeout(Duration::from_millis(300))
        .ok()?;
    conn.set_read_timeout(Some(Duration::from_millis(1000)))
        .ok()?;
    cmd.query(&mut conn).ok()
}

impl TestCluster {
    /// Starts `masters` masters with `replicas` replicas each and waits until the cluster serves
    /// every slot. Panics with installation advice when `redis-server` or `redis-cli` is missing.
    pub fn start(masters: usize, replicas: usize) -> Self {
        Self::try_start(masters, replicas).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`start`](Self::start), or why it could not.
    pub fn try_start(masters: usize, replicas: usize) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!(
            "session-redis-cluster-{}-{:08x}",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {dir:?}: {e}"))?;
        let cluster = Self {
            dir: dir.clone(),
            nodes: Mutex::new(Vec::new()),
        };
        let how = Launch {
            cluster_dir: Some(dir),
            ..Launch::default()
        };
        for _ in 0..masters * (1 + replicas) {
            let mut started = Err(String::new());
            for _ in 0..5 {
                let port = free_port()?;
                started = launch(port, &how).map(|child| (port, child));
                if started.is_ok() {
                    break;
                }
            }
            let (port, child) = started?;
            cluster.lock().push(Node {
                port,
                child: Some(child),
            });
        }
        let mut create = Command::new("redis-cli");
        create.arg("--cluster").arg("create");
        for port in cluster.ports() {
            create.arg(format!("127.0.0.1:{port}"));
        }
        let out = create
            .arg("--cluster-replicas")
            .arg(replicas.to_string())
            .arg("--cluster-yes")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                format!(
                    "cannot run `redis-cli` ({e}); install the redis-tools package \
                     (Debian/Ubuntu), or run `cargo xtask test`"
                )
            })?;
        if !out.status.success() {
            return Err(format!(
                "redis-cli --cluster create failed: {}",
                String::from_utf8_lossy(&out.stdout)
            ));
        }
        if !cluster.wait_until_serving(Duration::from_secs(30)) {
            return Err("the test cluster did not come up within 30 s".into());
        }
        Ok(cluster)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Node>> {
        self.nodes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every node's port, masters and replicas, killed ones included.
    pub fn ports(&self) -> Vec<u16> {
        self.lock().iter().map(|n| n.port).collect()
    }

    /// A `redis://` URL for every node still running.
    pub fn urls(&self) -> Vec<String> {
        self.lock()
            .iter()
            .filter(|n| n.child.is_some())
            .map(|n| format!("redis://127.0.0.1:{}/", n.port))
            .collect()
    }

    fn live_ports(&self) -> Vec<u16> {
        self.lock()
            .iter()
            .filter(|n| n.child.is_some())
            .map(|n| n.port)
            .collect()
    }

    /// The port of the healthy master serving `key`'s slot, as a live node sees it.
    pub fn master_of(&self, key: &str) -> Option<u16> {
        let slot: u16 = self
            .live_ports()
            .into_iter()
            .find_map(|p| query(p, redis::cmd("CLUSTER").arg("KEYSLOT").arg(key)))?;
        self.live_ports().into_iter().find_map(|p| {
            let text: String = query(p, redis::cmd("CLUSTER").arg("NODES"))?;
            parse_nodes(&text)
                .into_iter()
                .find(|n| n.healthy_master && n.slots.iter().any(|&(a, b)| a <= slot && slot <= b))
                .map(|n| n.port)
        })
    }

    /// Kills the node on `port` at once (`SIGKILL`).
    pub fn kill(&self, port: u16) {
        let mut nodes = self.lock();
        if let Some(node) = nodes.iter_mut().find(|n| n.port == port)
            && let Some(mut child) = node.child.take()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits until every live node reports `cluster_state:ok` and every slot has a healthy
    /// master that is alive; false after `limit`.
    pub fn wait_until_serving(&self, limit: Duration) -> bool {
        let step = Duration::from_millis(100);
        let mut waited = Duration::ZERO;
        while waited < limit {
            if self.serving() {
                return true;
            }
            std::thread::sleep(step);
            waited = waited.saturating_add(step);
        }
        false
    }

    fn serving(&self) -> bool {
        let live = self.live_ports();
        for &port in &live {
            let Some(info) = query::<String>(port, redis::cmd("CLUSTER").arg("INFO")) else {
                return false;
            };
            if !info.contains("cluster_state:ok") {
                return false;
            }
            let Some(text) = query::<String>(port, redis::cmd("CLUSTER").arg("NODES")) else {
                return false;
            };
            let covered: u32 = parse_nodes(&text)
                .iter()
                .filter(|n| n.healthy_master && live.contains(&n.port))
                .flat_map(|n| n.slots.iter())
                .map(|&(a, b)| u32::from(b - a) + 1)
                .sum();
            if covered != 16384 {
                return false;
            }
        }
        true
    }
}

/// A slot being moved from one master to another; see [`TestCluster::begin_migration`].
#[derive(Clone, Debug)]
pub struct Migration {
    /// The slot.
    pub slot: u16,
    /// The port of the master giving it up.
    pub from: u16,
    /// The port of the master taking it.
    pub to: u16,
}

impl TestCluster {
    fn node_id(port: u16) -> Option<String> {
        query(port, redis::cmd("CLUSTER").arg("MYID"))
    }

    /// Starts moving `key`'s slot to another master, as `redis-cli --cluster reshard` does: the
    /// target is marked `IMPORTING` and the source `MIGRATING`, so until
    /// [`finish_migration`](Self::finish_migration) clients get `ASK` redirections (or
    /// `TRYAGAIN` for a command whose keys are split between the two). Panics when the cluster
    /// refuses.
    pub fn begin_migration(&self, key: &str) -> Migration {
        let slot: u16 = self
            .live_ports()
            .into_iter()
            .find_map(|p| query(p, redis::cmd("CLUSTER").arg("KEYSLOT").arg(key)))
            .expect("a node answers CLUSTER KEYSLOT");
        let from = self.master_of(key).expect("a master serves the key");
        let text: String = query(from, redis::cmd("CLUSTER").arg("NODES")).expect("CLUSTER NODES");
        let to = parse_nodes(&text)
            .into_iter()
            .find(|n| n.healthy_master && n.port != from && !n.slots.is_empty())
            .map(|n| n.port)
            .expect("another master");
        let (from_id, to_id) = (
            Self::node_id(from).expect("source id"),
            Self::node_id(to).expect("target id"),
        );
        let ok = |port: u16, state: &str, id: &str| {
            let reply: Option<String> = query(
                port,
                redis::cmd("CLUSTER")
                    .arg("SETSLOT")
                    .arg(slot)
                    .arg(state)
                    .arg(id),
            );
            assert_eq!(reply.as_deref(), Some("OK"), "CLUSTER SETSLOT {state}");
        };
        ok(to, "IMPORTING", &from_id);
        ok(from, "MIGRATING", &to_id);
        Migration { slot, from, to }
    }

    /// Moves the slot's keys (`MIGRATE`) and assigns the slot to the target on every master,
    /// after which clients get `MOVED`. Panics when the cluster refuses.
    pub fn finish_migration(&self, m: &Migration) {
        loop {
            let keys: Vec<Vec<u8>> = query(
                m.from,
                redis::cmd("CLUSTER")
                    .arg("GETKEYSINSLOT")
                    .arg(m.slot)
                    .arg(100),
            )
            .expect("CLUSTER GETKEYSINSLOT");
            if keys.is_empty() {
                break;
            }
            let mut migrate = redis::cmd("MIGRATE");
            migrate
                .arg("127.0.0.1")
                .arg(m.to)
                .arg("")
                .arg(0)
                .arg(5000)
                .arg("KEYS")
                .arg(&keys);
            let reply: Option<String> = query(m.from, &migrate);
            assert!(reply.is_some(), "MIGRATE failed");
        }
        let to_id = Self::node_id(m.to).expect("target id");
        for port in self.live_ports() {
            let _: Option<String> = query(
                port,
                redis::cmd("CLUSTER")
                    .arg("SETSLOT")
                    .arg(m.slot)
                    .arg("NODE")
                    .arg(&to_id),
            );
        }
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        for node in self.lock().iter_mut() {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
