//! A stateful simulator of a SpreadsheetWEB Server (feature `test-util`): an OAuth
//! client-credentials token endpoint, `OpenDedicatedSession`, `CloseDedicatedSession` and
//! `GetResult`, on a loopback port.
//!
//! - `POST /token` (form body `grant_type=client_credentials&client_id=..&client_secret=..`) issues
//!   tokens that expire `token_ttl` after the injected clock's now; wrong credentials get
//!   `401 {"error":"invalid_client"}`, another grant `400 {"error":"unsupported_grant_type"}`.
//!   Only form-body client authentication is simulated (not HTTP Basic).
//! - Every `/Api/Applications/*` call needs `Authorization: Bearer <token>` with a token the
//!   simulator issued (or was given with [`PagosSimBuilder::static_token`]) that has not expired
//!   or been revoked; otherwise it answers the documented `InvalidToken` failure (HTTP 200).
//! - An unknown `ApplicationKey` gets the documented "The requested application is invalid."
//!   failure.
//! - `GetResult` answers `Success: true` with `"SessionOpen": true|false` saying whether the
//!   body's `SessionId` names an open session (`null` without one).
//! - Requests are counted and logged per [`SimOp`] ([`PagosSim::calls`], [`PagosSim::requests`]);
//!   [`PagosSim::fail_next`] makes the next request of an operation fail with a [`SimFault`]:
//!   one of the kit's common faults or a [`PagosFault`].
//! - [`PagosSim::provider_builder`] is a provider configuration already pointed at the simulator:
//!   its base URL, its first application key, client credentials for its token endpoint,
//!   loopback allowed and its clock.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use session_core::test_util::{
    Ledger, SimRecord, SimRequest, SimResponse, SimServer, TlsServerConfig,
};
use session_core::timing;
use session_core::{ClientCredentials, Clock, SystemClock};

use crate::wire;
use crate::{PagosBuilder, PagosProvider, TokenSource};

mod routes;

use routes::handle;

/// An operation the simulator counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SimOp {
    /// `POST /token`.
    Token,
    /// `POST /Api/Applications/OpenDedicatedSession`.
    Open,
    /// `POST /Api/Applications/CloseDedicatedSession`.
    Close,
    /// `POST /Api/Applications/GetResult`.
    GetResult,
}

/// The failures only SpreadsheetWEB has, scripted as [`SimFault::Provider`].
///
/// The common faults render the way SpreadsheetWEB answers them: [`SimFault::Status`] and
/// [`SimFault::Unavailable`] (503) with ASP.NET's `{"Message": "An error has occurred."}`,
/// [`SimFault::RateLimited`] with `{"Message": "Too many requests."}`, [`SimFault::HtmlPage`] as
/// a 200 "Service Unavailable" page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagosFault {
    /// The documented `InvalidToken: true` failure, whatever the token.
    InvalidToken,
    /// The documented "application is invalid" failure (`InvalidToken: false`).
    Refused,
    /// `Success: true` with the nil GUID as `SessionId`.
    NilSessionId,
}

/// A scripted failure of the Pagos simulator: the kit's common faults or a [`PagosFault`].
pub type SimFault = session_core::test_util::SimFault<PagosFault>;

/// The documented nil session id of a failed open.
const NIL: &str = "00000000-0000-0000-0000-000000000000";
const MSG_INVALID_TOKEN: &str =
    "The requested resource is restricted and your request did not provide a valid token.";
const MSG_INVALID_APP: &str = "The requested application is invalid.";

struct IssuedToken {
    value: String,
    expires_at: Option<SystemTime>,
}

struct OpenSession {
    id: String,
    application_key: String,
}

struct State {
    clock: Arc<dyn Clock>,
    client_id: String,
    client_secret: String,
    applications: Vec<String>,
    tokens: Vec<IssuedToken>,
    sessions: Vec<OpenSession>,
    token_ttl: Duration,
    token_prefix: String,
    session_id_seed: u32,
    issued_tokens: u64,
    issued_sessions: u64,
}

/// Configures and starts a [`PagosSim`].
pub struct PagosSimBuilder {
    clock: Arc<dyn Clock>,
    client_id: String,
    client_secret: String,
    applications: Vec<String>,
    static_tokens: Vec<String>,
    token_ttl: Duration,
    token_prefix: String,
    session_id_seed: u32,
    tls: Option<Arc<TlsServerConfig>>,
}

impl fmt::Debug for PagosSimBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagosSimBuilder")
            .field("client_id", &self.client_id)
            .field("applications", &self.applications.len())
            .field("token_ttl", &self.token_ttl)
            .finish_non_exhaustive()
    }
}

impl PagosSimBuilder {
    session_core::sim_tls_option!();

    /// The clock deciding token expiry (default [`SystemClock`]).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The only client id and secret the token endpoint accepts (default `sim-client` /
    /// `sim-client-secret`).
    #[must_use]
    pub fn client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = id.into();
        self.client_secret = secret.into();
        self
    }

    /// Adds a known application key. Without any, `a4dcfb4f0464453b928ce1d6bcfb6aa3` (the key of
    /// the vendor's sample) is known.
    #[must_use]
    pub fn application(mut self, key: impl Into<String>) -> Self {
        self.applications.push(key.into());
        self
    }

    /// Accepts `token` as a bearer token that never expires (until [`PagosSim::revoke_tokens`]).
    #[must_use]
    pub fn static_token(mut self, token: impl Into<String>) -> Self {
        self.static_tokens.push(token.into());
        self
    }

    /// Lifetime of issued tokens (default one hour), sent as `expires_in`.
    #[must_use]
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// The prefix of every issued token (default `sim-token-`), so leak checks can look for it.
    #[must_use]
    pub fn token_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.token_prefix = prefix.into();
        self
    }

    /// The first group of every issued session id (default `0x5e551d00`), so leak checks can look
    /// for it; see [`PagosSim::session_id_prefix`].
    #[must_use]
    pub fn session_id_seed(mut self, seed: u32) -> Self {
        self.session_id_seed = seed;
        self
    }

    /// Starts the simulator on a free loopback port.
    pub async fn start(self) -> std::io::Result<PagosSim> {
        let mut applications = self.applications;
        if applications.is_empty() {
            applications.push("a4dcfb4f0464453b928ce1d6bcfb6aa3".into());
        }
        let tokens = self
            .static_tokens
            .into_iter()
            .map(|value| IssuedToken {
                value,
                expires_at: None,
            })
            .collect();
        let state = Arc::new(Mutex::new(State {
            clock: self.clock,
            client_id: self.client_id,
            client_secret: self.client_secret,
            applications,
            tokens,
            sessions: Vec::new(),
            token_ttl: self.token_ttl,
            token_prefix: self.token_prefix,
            session_id_seed: self.session_id_seed,
            issued_tokens: 0,
            issued_sessions: 0,
        }));
        let ledger = Arc::new(Ledger::new());
        let (handler_state, handler_ledger) = (state.clone(), ledger.clone());
        let server = SimServer::start_on(
            move |req| handle(&handler_state, &handler_ledger, &req),
            self.tls,
        )
        .await?;
        Ok(PagosSim {
            server: Arc::new(server),
            state,
            ledger,
        })
    }
}

/// A running simulator; stops when the last clone is dropped.
#[derive(Clone)]
pub struct PagosSim {
    server: Arc<SimServer>,
    state: Arc<Mutex<State>>,
    ledger: Arc<Ledger<SimOp, PagosFault>>,
}

impl fmt::Debug for PagosSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagosSim")
            .field("addr", &self.server.addr())
            .field("open_sessions", &self.open_sessions())
            .finish()
    }
}

impl PagosSim {
    /// A builder with the defaults described on its methods.
    pub fn builder() -> PagosSimBuilder {
        PagosSimBuilder {
            clock: Arc::new(SystemClock),
            client_id: "sim-client".into(),
            client_secret: "sim-client-secret".into(),
            applications: Vec::new(),
            static_tokens: Vec::new(),
            token_ttl: Duration::from_secs(3600),
            token_prefix: "sim-token-".into(),
            session_id_seed: 0x5e55_1d00,
            tls: None,
        }
    }

    /// Starts a simulator with the defaults and `clock`.
    pub async fn start(clock: Arc<dyn Clock>) -> std::io::Result<Self> {
        Self::builder().clock(clock).start().await
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The server's base URL (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The token endpoint (`{base}/token`).
    pub fn token_url(&self) -> String {
        self.server.url("/token")
    }

    /// A provider configuration pointed at this simulator: its base URL, its first
    /// application key, client credentials for its token endpoint, loopback allowed, and its
    /// clock. Change what a test needs and build.
    pub fn provider_builder(&self) -> PagosBuilder {
        let st = self.lock();
        let credentials = ClientCredentials::new(st.client_id.clone(), st.client_secret.clone());
        PagosProvider::builder(
            self.base_url(),
            st.applications[0].clone(),
            TokenSource::client_credentials(self.token_url(), credentials),
        )
        .allow_insecure_loopback(true)
        .clock(st.clock.clone())
    }

    /// Requests received so far for `op` (scripted failures included).
    pub fn calls(&self, op: SimOp) -> usize {
        self.ledger.calls(op)
    }

    /// Every request received so far (the most recent
    /// [`DEFAULT_LOG_CAPACITY`](session_core::test_util::DEFAULT_LOG_CAPACITY)), oldest first,
    /// with the operation it was counted under.
    pub fn requests(&self) -> Vec<SimRecord<SimOp>> {
        self.ledger.requests()
    }

    /// Answers the next request of `op` with `fault`. Faults queue up per operation and are
    /// played in order.
    pub fn fail_next(&self, op: SimOp, fault: SimFault) {
        self.ledger.fail_next(op, fault);
    }

    /// How many dedicated sessions are open.
    pub fn open_sessions(&self) -> usize {
        self.lock().sessions.len()
    }

    /// Whether `session_id` names an open session (GUIDs compare case-insensitively).
    pub fn is_open(&self, session_id: &str) -> bool {
        self.lock()
            .sessions
            .iter()
            .any(|s| wire::same_session_id(&s.id, session_id))
    }

    /// Makes every token issued or given so far invalid (`InvalidToken` from now on).
    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    /// The prefix every issued token starts with.
    pub fn token_prefix(&self) -> String {
        self.lock().token_prefix.clone()
    }

    /// The first group every issued session id starts with (`5e551d00-` by default).
    pub fn session_id_prefix(&self) -> String {
        format!("{:08x}-", self.lock().session_id_seed)
    }
}
