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
//! - Requests are counted per [`SimOp`]; [`PagosSim::script`] makes the next request of an
//!   operation fail as told.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use session_core::test_util::{SimRequest, SimResponse, SimServer, TlsServerConfig};
use session_core::timing;
use session_core::{Clock, SystemClock};

use crate::wire;

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

/// A scripted failure for the next request of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimFailure {
    /// This HTTP status with a small JSON body.
    Status(u16),
    /// HTTP 429 with `Retry-After`.
    RateLimited {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// HTTP 200 with an HTML page (a gateway or login page).
    Html,
    /// The documented `InvalidToken: true` failure, whatever the token.
    InvalidToken,
    /// The documented "application is invalid" failure (`InvalidToken: false`).
    Refused,
    /// `Success: true` with the nil GUID as `SessionId`.
    NilSessionId,
    /// HTTP 200, `Content-Type: application/json`, and a body that is not JSON.
    Malformed,
}

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
    counts: HashMap<SimOp, usize>,
    scripted: HashMap<SimOp, VecDeque<SimFailure>>,
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
            counts: HashMap::new(),
            scripted: HashMap::new(),
            token_ttl: self.token_ttl,
            token_prefix: self.token_prefix,
            session_id_seed: self.session_id_seed,
            issued_tokens: 0,
            issued_sessions: 0,
        }));
        let handler_state = state.clone();
        let server = SimServer::start_on(move |req| handle(&handler_state, &req), self.tls).await?;
        Ok(PagosSim {
            server: Arc::new(server),
            state,
        })
    }
}

/// A running simulator; stops when the last clone is dropped.
#[derive(Clone)]
pub struct PagosSim {
    server: Arc<SimServer>,
    state: Arc<Mutex<State>>,
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

    /// Requests received so far for `op` (scripted failures included).
    pub fn count(&self, op: SimOp) -> usize {
        self.lock().counts.get(&op).copied().unwrap_or(0)
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

    /// Makes the next request of `op` fail as `failure` (queued: several calls fail in order).
    pub fn script(&self, op: SimOp, failure: SimFailure) {
        self.lock()
            .scripted
            .entry(op)
            .or_default()
            .push_back(failure);
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

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn reply(value: Value) -> SimResponse {
    SimResponse::status(200)
        .header("content-type", "application/json; charset=utf-8")
        .header("cache-control", "no-cache, no-store")
        .body(value.to_string())
}

fn invalid_token() -> SimResponse {
    reply(json!({
        "SessionId": NIL,
        "Success": false,
        "InvalidToken": true,
        "Messages": [MSG_INVALID_TOKEN],
    }))
}

fn invalid_application() -> SimResponse {
    reply(json!({
        "SessionId": NIL,
        "Success": false,
        "InvalidToken": false,
        "Messages": [MSG_INVALID_APP],
    }))
}

fn scripted(failure: SimFailure) -> SimResponse {
    match failure {
        SimFailure::Status(code) => {
            SimResponse::json(code, json!({ "Message": "An error has occurred." }))
        }
        SimFailure::RateLimited { retry_after_secs } => {
            SimResponse::json(429, json!({ "Message": "Too many requests." }))
                .header("retry-after", &retry_after_secs.to_string())
        }
        SimFailure::Html => SimResponse::html(
            200,
            "<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>",
        ),
        SimFailure::InvalidToken => invalid_token(),
        SimFailure::Refused => invalid_application(),
        SimFailure::NilSessionId => reply(json!({
            "SessionId": NIL,
            "Success": true,
            "Messages": [],
        })),
        SimFailure::Malformed => SimResponse::status(200)
            .header("content-type", "application/json")
            .body("this is not json"),
    }
}

fn op_of(path: &str) -> Option<SimOp> {
    match path {
        "/token" => Some(SimOp::Token),
        "/Api/Applications/OpenDedicatedSession" => Some(SimOp::Open),
        "/Api/Applications/CloseDedicatedSession" => Some(SimOp::Close),
        "/Api/Applications/GetResult" => Some(SimOp::GetResult),
        _ => None,
    }
}

fn handle(state: &Mutex<State>, req: &SimRequest) -> SimResponse {
    let Some(op) = op_of(&req.path) else {
        return SimResponse::html(404, "<html><body>Not Found</body></html>");
    };
    if req.method != http::Method::POST {
        return SimResponse::html(405, "<html><body>Method Not Allowed</body></html>");
    }
    let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
    *st.counts.entry(op).or_insert(0) += 1;
    if let Some(failure) = st.scripted.get_mut(&op).and_then(VecDeque::pop_front) {
        return scripted(failure);
    }
    match op {
        SimOp::Token => st.token(req),
        SimOp::Open => st.open(req),
        SimOp::Close => st.close(req),
        SimOp::GetResult => st.get_result(req),
    }
}

impl State {
    fn token(&mut self, req: &SimRequest) -> SimResponse {
        let form = req.form();
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return SimResponse::json(400, json!({ "error": "unsupported_grant_type" }));
        }
        let id_ok = form.get("client_id") == Some(&self.client_id);
        let secret_ok = form.get("client_secret") == Some(&self.client_secret);
        if !(id_ok && secret_ok) {
            return SimResponse::json(401, json!({ "error": "invalid_client" }))
                .header("www-authenticate", "Bearer error=\"invalid_client\"");
        }
        self.issued_tokens += 1;
        let n = self.issued_tokens;
        let value = format!(
            "{}{n}-{:016x}",
            self.token_prefix,
            splitmix(n ^ u64::from(self.session_id_seed))
        );
        let now = self.clock.now();
        self.tokens.push(IssuedToken {
            value: value.clone(),
            expires_at: Some(timing::after(now, self.token_ttl)),
        });
        SimResponse::json(
            200,
            json!({
                "access_token": value,
                "token_type": "bearer",
                "expires_in": self.token_ttl.as_secs(),
            }),
        )
        .header("cache-control", "no-store")
    }

    fn token_ok(&self, req: &SimRequest) -> bool {
        let Some(presented) = req
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return false;
        };
        let now = self.clock.now();
        self.tokens
            .iter()
            .any(|t| t.value == presented && t.expires_at.is_none_or(|at| now < at))
    }

    fn application_ok(&self, body: &Value) -> Option<String> {
        let key = body.get("ApplicationKey")?.as_str()?;
        self.applications
            .iter()
            .any(|a| a == key)
            .then(|| key.to_owned())
    }

    fn open(&mut self, req: &SimRequest) -> SimResponse {
        if !self.token_ok(req) {
            return invalid_token();
        }
        let Some(application_key) = self.application_ok(&req.json()) else {
            return invalid_application();
        };
        self.issued_sessions += 1;
        let n = self.issued_sessions;
        let r = splitmix(n.wrapping_mul(0x0001_0000_0001) ^ u64::from(self.session_id_seed));
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            self.session_id_seed,
            n & 0xffff,
            (r >> 52) & 0xfff,
            0x8000 | ((r >> 36) & 0x3fff),
            r & 0xffff_ffff_ffff
        );
        self.sessions.push(OpenSession {
            id: id.clone(),
            application_key,
        });
        reply(json!({ "SessionId": id, "Success": true, "Messages": [] }))
    }

    fn close(&mut self, req: &SimRequest) -> SimResponse {
        if !self.token_ok(req) {
            return invalid_token();
        }
        let body = req.json();
        let Some(application_key) = self.application_ok(&body) else {
            return invalid_application();
        };
        let id = body.get("SessionId").and_then(Value::as_str).unwrap_or("");
        let before = self.sessions.len();
        self.sessions.retain(|s| {
            !(s.application_key == application_key && wire::same_session_id(&s.id, id))
        });
        if self.sessions.len() < before {
            reply(json!({ "Success": true, "Messages": [] }))
        } else {
            reply(json!({ "Success": false, "Messages": ["The session is not open."] }))
        }
    }

    fn get_result(&mut self, req: &SimRequest) -> SimResponse {
        if !self.token_ok(req) {
            return invalid_token();
        }
        let body = req.json();
        let Some(application_key) = self.application_ok(&body) else {
            return invalid_application();
        };
        let open = body.get("SessionId").and_then(Value::as_str).map(|id| {
            self.sessions
                .iter()
                .any(|s| s.application_key == application_key && wire::same_session_id(&s.id, id))
        });
        reply(json!({
            "Success": true,
            "Messages": [],
            "SessionOpen": open,
            "Outputs": [],
        }))
    }
}
