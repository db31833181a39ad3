//! [`RedisStoreBuilder`]: the connection, key prefix, timeouts, TTL policy and sealing of a
//! [`RedisSessionStore`].

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use redis::IntoConnectionInfo;
use redis::aio::ConnectionManagerConfig;
use session_core::{Clock, Password, Result, SystemClock};

use crate::backend::Backend;
use crate::error::configuration;
use crate::seal::{EncryptionKey, Sealer};
use crate::store::{Inner, RedisSessionStore};

mod connect;

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "session-clients:";

#[allow(dead_code, unreachable_pub)] // The macro gives the newtype more methods than it needs here.
mod secret {
    session_core::secret_type! {
        /// A connection URL, which may hold a password.
        pub(crate) struct ConnectionUrl;
    }
    session_core::secret_type! {
        /// A client private key in PEM form.
        pub(crate) struct KeyPem;
    }
}
use secret::ConnectionUrl;

/// Settings of a [`RedisSessionStore`]. Start with [`RedisSessionStore::builder`].
///
/// | setting | default |
/// |---|---|
/// | [`prefix`](Self::prefix) | `session-clients:` |
/// | [`connect_timeout`](Self::connect_timeout) | 1 s per connection attempt |
/// | [`command_timeout`](Self::command_timeout) | 1 s per store operation, reconnecting included |
/// | [`lock_poll_interval`](Self::lock_poll_interval) | 25 ms (plus up to 50 % jitter) |
/// | [`ttl_margin`](Self::ttl_margin) | 5 s (at most a tenth of the session's life) |
/// | [`max_key_ttl`](Self::max_key_ttl) | none |
/// | [`encryption_key`](Self::encryption_key) | none: values are stored as JSON |
/// | [`clock`](Self::clock) | [`SystemClock`] |
/// | `add_root_pem`, `client_identity_pem` (feature `tls`, `rediss://` only) | webpki roots, no client certificate |
pub struct RedisStoreBuilder {
    url: ConnectionUrl,
    /// More seed nodes, and whether this is a cluster store at all.
    cluster: Option<Vec<ConnectionUrl>>,
    username: Option<String>,
    password: Option<Password>,
    prefix: String,
    connect_timeout: Duration,
    command_timeout: Duration,
    lock_poll_interval: Duration,
    ttl_margin: Duration,
    max_key_ttl: Option<Duration>,
    encryption_key: Option<EncryptionKey>,
    previous_keys: Vec<EncryptionKey>,
    clock: Arc<dyn Clock>,
    #[cfg(feature = "tls")]
    tls: TlsSettings,
}

#[cfg(feature = "tls")]
const CERT_MARK: &str = "-----BEGIN CERTIFICATE-----";

/// Custom TLS roots and a client identity (feature `tls`).
#[cfg(feature = "tls")]
#[derive(Clone, Default)]
struct TlsSettings {
    root_pem: Option<Vec<u8>>,
    client_cert_pem: Option<Vec<u8>>,
    client_key_pem: Option<secret::KeyPem>,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("url", &redact(self.url.expose_secret()))
            .field(
                "cluster_nodes",
                &self.cluster.as_ref().map(|nodes| {
                    nodes
                        .iter()
                        .map(|u| redact(u.expose_secret()))
                        .collect::<Vec<_>>()
                }),
            )
            .field("username", &self.username)
            .field("password", &self.password)
            .field("prefix", &self.prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("lock_poll_interval", &self.lock_poll_interval)
            .field("ttl_margin", &self.ttl_margin)
            .field("max_key_ttl", &self.max_key_ttl)
            .field("encryption_key", &self.encryption_key)
            .field("previous_keys", &self.previous_keys.len())
            .field("tls", &self.tls_summary())
            .finish_non_exhaustive()
    }
}

impl RedisStoreBuilder {
    pub(crate) fn new(url: String) -> Self {
        Self {
            url: ConnectionUrl::new(url),
            cluster: None,
            username: None,
            password: None,
            prefix: DEFAULT_PREFIX.to_owned(),
            connect_timeout: Duration::from_secs(1),
            command_timeout: Duration::from_secs(1),
            lock_poll_interval: Duration::from_millis(25),
            ttl_margin: Duration::from_secs(5),
            max_key_ttl: None,
            encryption_key: None,
            previous_keys: Vec::new(),
            clock: Arc::new(SystemClock),
            #[cfg(feature = "tls")]
            tls: TlsSettings::default(),
        }
    }

    fn tls_summary(&self) -> &'static str {
        #[cfg(feature = "tls")]
        {
            match (&self.tls.root_pem, &self.tls.client_cert_pem) {
                (None, None) => "webpki roots",
                (Some(_), None) => "custom roots",
                (None, Some(_)) => "webpki roots, client certificate",
                (Some(_), Some(_)) => "custom roots, client certificate",
            }
        }
        #[cfg(not(feature = "tls"))]
        {
            "not built"
        }
    }

    /// Trusts only these root certificates (PEM, one or more) for `rediss://` instead of the
    /// webpki roots: for a private CA. Checked by [`build`](Self::build).
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    #[must_use]
    pub fn add_root_pem(mut self, pem: &[u8]) -> Self {
        let mut roots = self.tls.root_pem.take().unwrap_or_default();
        roots.extend_from_slice(pem);
        roots.push(b'\n');
        self.tls.root_pem = Some(roots);
        self
    }

    /// Presents this client certificate chain and private key (both PEM) to a server that
    /// requires client certificates (`tls-auth-clients yes`). The key is kept in a redacted
    /// secret type. Checked by [`build`](Self::build).
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    #[must_use]
    pub fn client_identity_pem(mut self, cert_chain_pem: &[u8], key_pem: &str) -> Self {
        self.tls.client_cert_pem = Some(cert_chain_pem.to_vec());
        self.tls.client_key_pem = Some(secret::KeyPem::new(key_pem));
        self
    }

    /// The prefix of every key this store touches (default `session-clients:`). Processes that
    /// share sessions must use the same prefix; use different prefixes to keep environments apart
    /// in one Redis database.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The Redis username (ACL), overriding one in the URL.
    #[must_use]
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The Redis password, overriding one in the URL. Prefer this over a password in the URL:
    /// it stays in a redacted secret type from your secret manager to the connection.
    #[must_use]
    pub fn password(mut self, password: Password) -> Self {
        self.password = Some(password);
        self
    }

    /// How long one connection attempt may take (default 1 s).
    #[must_use]
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// How long one store operation may take from start to finish, waiting for a (re)connection
    /// included (default 1 s). Slower operations fail with `ErrorKind::Timeout`. Keep it below
    /// the manager's `store_timeout` (default 2 s). Waiting for the login lock is not one
    /// operation: each poll is.
    #[must_use]
    pub fn command_timeout(mut self, d: Duration) -> Self {
        self.command_timeout = d;
        self
    }

    /// How often a process waiting for another's login lock asks again (default 25 ms, plus up to
    /// half of that at random so waiters spread out).
    #[must_use]
    pub fn lock_poll_interval(mut self, d: Duration) -> Self {
        self.lock_poll_interval = d.max(Duration::from_millis(1));
        self
    }

    /// How much earlier than the session a record's key expires (default 5 s, never more than a
    /// tenth of the session's remaining life), so that no process adopts a session in its last
    /// moments.
    #[must_use]
    pub fn ttl_margin(mut self, d: Duration) -> Self {
        self.ttl_margin = d;
        self
    }

    /// The longest a record's key lives, also for sessions that never expire (default: no cap;
    /// such sessions' keys then have no TTL).
    #[must_use]
    pub fn max_key_ttl(mut self, d: Duration) -> Self {
        self.max_key_ttl = Some(d);
        self
    }

    /// Seals every stored value with this key (XChaCha20-Poly1305). Every process sharing the
    /// prefix needs the same key. With a key set, plain stored values are refused (and replaced
    /// by the next login's sealed value).
    #[must_use]
    pub fn encryption_key(mut self, key: EncryptionKey) -> Self {
        self.encryption_key = Some(key);
        self
    }

    /// A retired key that still opens values sealed before a key rotation (new values are sealed
    /// with [`encryption_key`](Self::encryption_key)). May be called more than once.
    #[must_use]
    pub fn previous_encryption_key(mut self, key: EncryptionKey) -> Self {
        self.previous_keys.push(key);
        self
    }

    /// The clock that key TTLs are computed with (default [`SystemClock`]); use the manager's.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Talks to a Redis Cluster (or a Valkey cluster): the URL names one of its nodes, from which
    /// the store learns the others. Commands follow `MOVED` and `ASK` redirections and the slot
    /// map is refreshed after a failover; an account's keys share one hash slot, so each script
    /// runs on one node. Add more seed nodes with [`cluster_node`](Self::cluster_node).
    #[must_use]
    pub fn cluster(mut self) -> Self {
        self.cluster.get_or_insert_with(Vec::new);
        self
    }

    /// Adds a seed node of the cluster (same settings as the URL: credentials, TLS); implies
    /// [`cluster`](Self::cluster).
    ///
    /// ```no_run
    /// # fn main() -> session_redis::Result<()> {
    /// use std::time::Duration;
    /// let store = session_redis::RedisSessionStore::builder("redis://node-1.internal:6379/")
    ///     .cluster_node("redis://node-2.internal:6379/")
    ///     .cluster_node("redis://node-3.internal:6379/")
    ///     // Long enough for an operation to outlast a failover.
    ///     .command_timeout(Duration::from_secs(5))
    ///     .build()?;
    /// assert!(store.is_cluster());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn cluster_node(mut self, url: impl Into<String>) -> Self {
        self.cluster
            .get_or_insert_with(Vec::new)
            .push(ConnectionUrl::new(url.into()));
        self
    }

    /// Checks the settings and builds the store, without connecting (the first operation
    /// connects). Errors are of kind `Configuration` and never quote the URL.
    pub fn build(self) -> Result<RedisSessionStore> {
        let raw = self.url.expose_secret();
        let (info, tls) = self.connection_info(raw)?;
        let redacted_url = redact(raw);
        let backend = match &self.cluster {
            None => self.single(info, tls)?,
            Some(more) => {
                let mut nodes = vec![info];
                for url in more {
                    let (node, node_tls) = self.connection_info(url.expose_secret())?;
                    if node_tls != tls {
                        return Err(configuration(
                            "cluster nodes mix redis:// and rediss:// urls",
                        ));
                    }
                    nodes.push(node);
                }
                self.cluster_backend(nodes, tls)?
            }
        };
        let sealer = self
            .encryption_key
            .map(|key| Sealer::new(key, self.previous_keys));
        Ok(RedisSessionStore::from_inner(Inner {
            backend,
            redacted_url,
            prefix: self.prefix,
            connect_timeout: self.connect_timeout,
            command_timeout: self.command_timeout,
            lock_poll_interval: self.lock_poll_interval,
            ttl_margin: self.ttl_margin,
            max_key_ttl: self.max_key_ttl,
            sealer,
            clock: self.clock,
        }))
    }

    /// [`build`](Self::build)s the store and checks that Redis answers, so that a process can
    /// refuse to start without its store. Errors are `Configuration`, `Unavailable` or `Timeout`.
    pub async fn connect(self) -> Result<RedisSessionStore> {
        let store = self.build()?;
        store.ping().await?;
        Ok(store)
    }
}

/// The URL without its password (shown as `***`), query or fragment: safe for `Debug` and logs.
pub(crate) fn redact(raw: &str) -> String {
    let Ok(url) = url::Url::parse(raw) else {
        return "<invalid url>".to_owned();
    };
    let mut out = format!("{}://", url.scheme());
    let user = url.username();
    match (user.is_empty(), url.password().is_some()) {
        (_, true) => out.push_str(&format!("{user}:***@")),
        (false, false) => out.push_str(&format!("{user}@")),
        (true, false) => {}
    }
    if let Some(host) = url.host_str() {
        out.push_str(host);
    }
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(url.path());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_core::ErrorKind;

    #[test]
    fn redaction_hides_the_password_and_the_query() {
        assert_eq!(
            redact("redis://app:PW-SENTINEL@cache.internal:6380/2"),
            "redis://app:***@cache.internal:6380/2"
        );
        assert_eq!(
            redact("redis://:PW-SENTINEL@127.0.0.1/"),
            "redis://:***@127.0.0.1/"
        );
        assert_eq!(
            redact("redis+unix:///run/redis.sock?pass=PW-SENTINEL&db=1"),
            "redis+unix:///run/redis.sock"
        );
        assert_eq!(redact("redis://127.0.0.1"), "redis://127.0.0.1");
        assert_eq!(redact("not a url PW-SENTINEL"), "<invalid url>");
    }

    #[test]
    fn bad_urls_are_configuration_errors_without_echo() {
        #[cfg(not(feature = "tls"))]
        let tls_url = "rediss://user:PW-SENTINEL@host/";
        #[cfg(feature = "tls")]
        let tls_url = "rediss://user:PW-SENTINEL@host/#insecure";
        for url in ["PW-SENTINEL", "http://user:PW-SENTINEL@host/", tls_url] {
            let e = RedisSessionStore::builder(url).build().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Configuration);
            assert!(!format!("{e} {e:?}").contains("PW-SENTINEL"));
        }
    }

    #[test]
    fn the_builder_debug_hides_passwords() {
        let b = RedisSessionStore::builder("redis://u:PW-SENTINEL@h/")
            .password(Password::new("OTHER-SENTINEL"))
            .encryption_key(EncryptionKey::from_bytes([9; 32]));
        let text = format!("{b:?} {b:#?}");
        assert!(!text.contains("PW-SENTINEL"));
        assert!(!text.contains("OTHER-SENTINEL"));
        assert!(text.contains("redis://u:***@h/"));
    }

    #[test]
    fn a_store_builds_without_a_running_redis() {
        let store = RedisSessionStore::builder("redis://127.0.0.1:1/")
            .prefix("p:")
            .build()
            .unwrap();
        assert_eq!(store.record_key("acct"), "p:{acct}:session");
        assert_eq!(store.lock_key("acct"), "p:{acct}:lock");
        assert_eq!(store.fence_key("acct"), "p:{acct}:fence");
        assert_eq!(store.prefix(), "p:");
        assert!(!store.is_cluster());
    }

    #[test]
    fn a_cluster_store_builds_from_seed_nodes_and_keeps_passwords_out_of_debug() {
        let b = RedisSessionStore::builder("redis://:PW-SENTINEL@127.0.0.1:1/")
            .cluster_node("redis://:PW-SENTINEL@127.0.0.1:2/");
        let text = format!("{b:?}");
        assert!(!text.contains("PW-SENTINEL"), "{text}");
        assert!(text.contains("127.0.0.1:2"));
        let store = b.build().unwrap();
        assert!(store.is_cluster());
        assert!(!format!("{store:?}").contains("PW-SENTINEL"));
        let e = RedisSessionStore::builder("redis://127.0.0.1:1/")
            .cluster_node("http://127.0.0.1:2/")
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), session_core::ErrorKind::Configuration);
    }

    #[test]
    fn an_accounts_keys_share_one_cluster_slot_whatever_the_prefix_or_key() {
        for (prefix, key) in [
            ("p:", "acct"),
            ("{p", "a}b"),
            ("p{x}:", "acct"),
            ("", "k{}"),
            ("p:", "ünï{cödé"),
        ] {
            let store = RedisSessionStore::builder("redis://127.0.0.1:1/")
                .prefix(prefix)
                .build()
                .unwrap();
            let slot = |k: String| redis::cluster_routing::Slot::for_key(k);
            let record = slot(store.record_key(key));
            assert_eq!(record, slot(store.lock_key(key)), "{prefix} {key}");
            assert_eq!(record, slot(store.fence_key(key)), "{prefix} {key}");
        }
    }
}
