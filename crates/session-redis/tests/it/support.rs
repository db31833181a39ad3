//! Shared helpers: stores on a test Redis, a raw connection for assertions, and a small provider
//! that logs in over HTTP to a simulator that counts logins.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use http::HeaderMap;
use session_core::http::{HttpClient, finish, parse_base_url, request};
use session_core::test_util::{SimRequest, SimResponse, SimServer};
use session_core::{
    Clock, Error, Expiry, PersistedSession, Result, SecretState, Session, SessionProvider,
    SessionToken, sensitive_value,
};
use session_redis::{RedisSessionStore, TestRedis};

/// Every token the simulator issues starts with this.
pub(crate) const TOKEN_SENTINEL: &str = "TOKEN-SENTINEL-5b7e";

/// The session lifetime the simulator grants.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(900);

/// A store on `redis` under `prefix`, with short test timeouts and the given clock.
pub(crate) fn store(redis: &TestRedis, prefix: &str, clock: Arc<dyn Clock>) -> RedisSessionStore {
    store_at(redis.url(), prefix, clock)
}

/// A store at `url` under `prefix`, with short test timeouts.
pub(crate) fn store_at(url: &str, prefix: &str, clock: Arc<dyn Clock>) -> RedisSessionStore {
    RedisSessionStore::builder(url)
        .prefix(prefix)
        .clock(clock)
        .connect_timeout(Duration::from_millis(300))
        .command_timeout(Duration::from_millis(500))
        .lock_poll_interval(Duration::from_millis(10))
        .build()
        .expect("store settings")
}

/// Writes `record` as a lock holder would: takes the lock, saves under its generation, releases.
pub(crate) async fn save(
    store: &RedisSessionStore,
    key: &str,
    record: &session_core::StoredRecord,
) -> Result<bool> {
    use session_core::SessionStore;
    let lock = store.lock(key, Duration::from_secs(5)).await?;
    let written = store.save(key, record, lock.generation()).await;
    lock.release().await?;
    written
}

/// A plain connection for looking at what the store wrote.
pub(crate) async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("redis url")
        .get_multiplexed_async_connection()
        .await
        .expect("raw connection to the test redis")
}

/// A login simulator: `POST /login` issues `TOKEN-SENTINEL-5b7e-<n>` after `delay`.
pub(crate) struct LoginSim {
    server: SimServer,
    logins: Arc<AtomicUsize>,
}

impl LoginSim {
    /// Starts the simulator on loopback.
    pub(crate) async fn start(delay: Duration) -> Self {
        let logins = Arc::new(AtomicUsize::new(0));
        let count = logins.clone();
        let server = SimServer::start(move |req: SimRequest| {
            if req.method != http::Method::POST || req.path != "/login" {
                return SimResponse::status(404);
            }
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            let mut resp = SimResponse::json(
                200,
                serde_json::json!({
                    "token": format!("{TOKEN_SENTINEL}-{n}"),
                    "serial": n,
                    "expires_in": SESSION_TTL.as_secs(),
                }),
            );
            if !delay.is_zero() {
                resp = resp.delayed(delay);
            }
            resp
        })
        .await
        .expect("simulator");
        Self { server, logins }
    }

    /// Logins served so far.
    pub(crate) fn logins(&self) -> usize {
        self.logins.load(Ordering::SeqCst)
    }

    /// The base URL.
    pub(crate) fn url(&self) -> String {
        self.server.base_url()
    }
}

/// A session from the simulator.
pub(crate) struct SimSession {
    pub(crate) token: SessionToken,
    pub(crate) serial: u64,
    expiry: Expiry,
}

impl fmt::Debug for SimSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimSession")
            .field("token", &self.token)
            .field("serial", &self.serial)
            .finish()
    }
}

impl Session for SimSession {
    fn expiry(&self) -> Expiry {
        self.expiry
    }
    fn authenticate(&self, headers: &mut HeaderMap) {
        if let Some(v) = sensitive_value(self.token.expose_secret()) {
            headers.insert("x-session", v);
        }
    }
}

/// A provider that logs in to a [`LoginSim`] over HTTP.
#[derive(Clone)]
pub(crate) struct HttpLogin {
    client: HttpClient,
    base: url::Url,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for HttpLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpLogin")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

const NAME: &str = "simhttp";

impl HttpLogin {
    /// A provider for the simulator at `base`.
    pub(crate) fn new(base: &str, clock: Arc<dyn Clock>) -> Self {
        Self {
            client: HttpClient::builder(NAME)
                .allow_insecure_loopback(true)
                .timeout(Duration::from_secs(10))
                .build()
                .expect("http client"),
            base: parse_base_url(NAME, base, true).expect("base url"),
            clock,
        }
    }
}

#[derive(serde::Deserialize)]
struct LoginReply {
    token: SessionToken,
    serial: u64,
    expires_in: u64,
}

#[async_trait]
impl SessionProvider for HttpLogin {
    type Session = SimSession;

    fn name(&self) -> &'static str {
        NAME
    }

    async fn login(&self) -> Result<SimSession> {
        let url = self.base.join("login").expect("login url");
        let req = finish(NAME, request(http::Method::POST, &url), b"{}".to_vec())?;
        let resp = self.client.send(req).await?;
        if resp.status() != http::StatusCode::OK {
            return Err(resp.unexpected_status());
        }
        let reply: LoginReply = resp.json()?;
        Ok(SimSession {
            token: reply.token,
            serial: reply.serial,
            expiry: Expiry::after(self.clock.now(), Duration::from_secs(reply.expires_in)),
        })
    }

    fn store_key(&self) -> String {
        format!("{NAME}:{}:account-1", self.base)
    }

    fn persist(&self, session: &SimSession) -> Option<PersistedSession> {
        let state = serde_json::json!({
            "token": session.token.expose_secret(),
            "serial": session.serial,
        });
        Some(PersistedSession::new(
            SecretState::new(state.to_string()),
            session.expiry.at(),
        ))
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<SimSession> {
        #[derive(serde::Deserialize)]
        struct Stored {
            token: SessionToken,
            serial: u64,
        }
        let s: Stored = serde_json::from_str(persisted.state.expose_secret())
            .map_err(|_| Error::configuration(NAME, "unreadable stored session"))?;
        Ok(SimSession {
            token: s.token,
            serial: s.serial,
            expiry: persisted.expires_at.map_or(Expiry::Never, Expiry::At),
        })
    }
}

/// Runs `f` and fails the test if it takes longer than `limit` (nothing may hang).
pub(crate) async fn within<T>(
    limit: Duration,
    what: &str,
    f: impl std::future::Future<Output = T>,
) -> T {
    match tokio::time::timeout(limit, f).await {
        Ok(v) => v,
        Err(_) => panic!("{what} took longer than {limit:?}"),
    }
}
