//! A stateful simulator of Seaware SwOTA's session endpoints (feature `test-util`), for this
//! crate's tests, your own tests and `sessions demo`.
//!
//! It serves, on a loopback port:
//! - `POST /ota/oauth/token`: the password grant and the refresh-token grant, parameters read from
//!   the query string and/or a form body (as a Spring Security OAuth server does; each can be
//!   switched off), answering like SwOTA's documentation (`token_type` `"bearer"`, upper-case GUID
//!   tokens with `refresh_token == access_token`, `expires_in` 900) and failing with Spring-style
//!   bodies (`{"error":"invalid_grant","error_description":"Bad credentials"}`, `invalid_client`
//!   401 with `WWW-Authenticate`, `unsupported_grant_type` when refresh is off, `invalid_scope`,
//!   `invalid_request`);
//! - `POST /ota/oauth/logout` with the bearer: `{"status":"success"}`, or 401 `invalid_token`;
//! - `POST /ota/rest/{Message}`: `<…RS><Success/></…RS>` for a live bearer (or no bearer, unless
//!   sessions are required), and for a dead one either Spring's 401 `invalid_token` JSON or an OTA
//!   `<Errors>` body ([`RejectionStyle`]).
//!
//! Expiry follows the injected [`Clock`] (use `ManualClock` in tests). Like Spring Security OAuth
//! up to 2.5.1, error descriptions echo the token by default, so leak tests have something to
//! catch. Every token starts with [`SIM_TOKEN_PREFIX`]: a leak check for that prefix catches every
//! token the simulator issues.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use session_core::test_util::{SimRequest, SimResponse, SimServer, TlsServerConfig};
use session_core::timing;
use session_core::{Clock, SystemClock};

use crate::config::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, RESAGENT, SeawareBuilder, TRAVELAGENT,
};
use crate::provider::SeawareProvider;

/// The start of every token the simulator issues (the rest is a counter, so tokens look like
/// upper-case GUIDs).
pub const SIM_TOKEN_PREFIX: &str = "5EA3A2E0-7F3A-4C1D-8B2E-";

/// An operation the simulator counts and can fail on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SimOp {
    /// Password-grant token requests.
    Login,
    /// Refresh-token-grant token requests.
    Refresh,
    /// Logout requests.
    Logout,
    /// OTA message requests (`/ota/rest/*`).
    Message,
}

/// A scripted failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimFault {
    /// 429 with `Retry-After`.
    RateLimited {
        /// The `Retry-After` value.
        retry_after: Duration,
    },
    /// 500 with Spring's `{"error":"server_error",…}`.
    Unavailable,
    /// 502 with an HTML gateway page.
    GatewayPage,
    /// A Spring-style RFC 6749 error body with this status and code.
    Spring {
        /// The HTTP status.
        status: u16,
        /// The `error` code.
        error: &'static str,
    },
}

/// How the token response carries `expires_in`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpiresIn {
    /// As a JSON number (documented).
    #[default]
    Number,
    /// As a JSON string.
    String,
    /// Not at all.
    Omitted,
}

/// How a message request with a dead session is answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectionStyle {
    /// Spring's resource filter: 401 `{"error":"invalid_token",…}` with `WWW-Authenticate`.
    #[default]
    SpringJson,
    /// HTTP 200 with an OTA `<Errors>` body saying the session has expired.
    OtaXml,
}

struct User {
    password: String,
    locked: bool,
}

struct SimSession {
    username: String,
    scope: String,
    expires_at: SystemTime,
    refresh_expires_at: SystemTime,
}

#[derive(Default)]
struct State {
    users: HashMap<String, User>,
    sessions: HashMap<String, SimSession>,
    issued: u64,
    counts: HashMap<SimOp, usize>,
    faults: HashMap<SimOp, VecDeque<SimFault>>,
    refresh: bool,
}

struct Shared {
    clock: Arc<dyn Clock>,
    client_id: String,
    client_secret: String,
    ttl: Duration,
    refresh_ttl: Duration,
    expires_in: ExpiresIn,
    accept_query: bool,
    accept_form: bool,
    rejection: RejectionStyle,
    echo_tokens: bool,
    scopes: Vec<String>,
    sessions_required: bool,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Configures a [`SeawareSim`]. Start with [`SeawareSim::builder`].
pub struct SeawareSimBuilder {
    users: Vec<(String, String)>,
    client_id: String,
    client_secret: String,
    ttl: Duration,
    refresh_ttl: Duration,
    expires_in: ExpiresIn,
    refresh: bool,
    accept_query: bool,
    accept_form: bool,
    rejection: RejectionStyle,
    echo_tokens: bool,
    scopes: Vec<String>,
    sessions_required: bool,
    clock: Arc<dyn Clock>,
    tls: Option<Arc<TlsServerConfig>>,
}

impl fmt::Debug for SeawareSimBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeawareSimBuilder")
            .field("users", &self.users.len())
            .field("client_id", &self.client_id)
            .field("ttl", &self.ttl)
            .field("refresh", &self.refresh)
            .finish_non_exhaustive()
    }
}

impl SeawareSimBuilder {
    /// Serves over TLS with `config` (for example [`TestPki::server_config`]) instead of
    /// plain HTTP; the base URL becomes `https://localhost:PORT`.
    ///
    /// [`TestPki::server_config`]: session_core::test_util::TestPki::server_config
    #[must_use]
    pub fn tls(mut self, config: Arc<TlsServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Adds a user.
    #[must_use]
    pub fn user(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.users.push((username.into(), password.into()));
        self
    }

    /// The accepted client id and secret (default `ota` / `ota`).
    #[must_use]
    pub fn client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = id.into();
        self.client_secret = secret.into();
        self
    }

    /// Access-token lifetime (default 900 s).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Refresh-token lifetime (default 30 days, Spring's default).
    #[must_use]
    pub fn refresh_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_ttl = ttl;
        self
    }

    /// How `expires_in` is sent (default a number).
    #[must_use]
    pub fn expires_in(mut self, style: ExpiresIn) -> Self {
        self.expires_in = style;
        self
    }

    /// Whether the refresh-token grant is enabled (default `true`; when off it answers
    /// `unsupported_grant_type`).
    #[must_use]
    pub fn refresh(mut self, enabled: bool) -> Self {
        self.refresh = enabled;
        self
    }

    /// Whether token parameters are read from the query string (default `true`).
    #[must_use]
    pub fn accept_query(mut self, accept: bool) -> Self {
        self.accept_query = accept;
        self
    }

    /// Whether token parameters are read from a form body (default `true`).
    #[must_use]
    pub fn accept_form(mut self, accept: bool) -> Self {
        self.accept_form = accept;
        self
    }

    /// How dead sessions are reported on `/ota/rest/*` (default Spring JSON).
    #[must_use]
    pub fn rejection(mut self, style: RejectionStyle) -> Self {
        self.rejection = style;
        self
    }

    /// Whether error descriptions echo tokens, like Spring Security OAuth up to 2.5.1
    /// (default `true`).
    #[must_use]
    pub fn echo_tokens(mut self, echo: bool) -> Self {
        self.echo_tokens = echo;
        self
    }

    /// The scopes the server grants (default `travelagent`, `resagent`; the first is granted when
    /// the request names none).
    #[must_use]
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Whether `/ota/rest/*` requires a session (default `false`: "optional" is the default).
    #[must_use]
    pub fn sessions_required(mut self, required: bool) -> Self {
        self.sessions_required = required;
        self
    }

    /// The clock expiry follows (default the system clock).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Starts serving on `127.0.0.1`.
    pub async fn start(self) -> std::io::Result<SeawareSim> {
        let mut state = State {
            refresh: self.refresh,
            ..State::default()
        };
        for (username, password) in self.users {
            state.users.insert(
                username,
                User {
                    password,
                    locked: false,
                },
            );
        }
        let shared = Arc::new(Shared {
            clock: self.clock,
            client_id: self.client_id,
            client_secret: self.client_secret,
            ttl: self.ttl,
            refresh_ttl: self.refresh_ttl,
            expires_in: self.expires_in,
            accept_query: self.accept_query,
            accept_form: self.accept_form,
            rejection: self.rejection,
            echo_tokens: self.echo_tokens,
            scopes: self.scopes,
            sessions_required: self.sessions_required,
            state: Mutex::new(state),
        });
        let handler_state = shared.clone();
        let server = SimServer::start_on(move |req| handle(&handler_state, &req), self.tls).await?;
        Ok(SeawareSim { server, shared })
    }
}

/// A running Seaware simulator; stops when dropped.
pub struct SeawareSim {
    server: SimServer,
    shared: Arc<Shared>,
}

impl fmt::Debug for SeawareSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeawareSim")
            .field("base_url", &self.base_url())
            .field("logins", &self.count(SimOp::Login))
            .field("refreshes", &self.count(SimOp::Refresh))
            .field("logouts", &self.count(SimOp::Logout))
            .finish_non_exhaustive()
    }
}

impl SeawareSim {
    /// A builder with the defaults described on its methods and no users.
    pub fn builder() -> SeawareSimBuilder {
        SeawareSimBuilder {
            users: Vec::new(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            expires_in: ExpiresIn::Number,
            refresh: true,
            accept_query: true,
            accept_form: true,
            rejection: RejectionStyle::SpringJson,
            echo_tokens: true,
            scopes: vec![TRAVELAGENT.to_owned(), RESAGENT.to_owned()],
            sessions_required: false,
            clock: Arc::new(SystemClock),
            tls: None,
        }
    }

    /// `http://127.0.0.1:PORT`, the base URL to configure the provider with.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// A provider builder pointed at this simulator: base URL, loopback opt-out, and the
    /// simulator's client id and secret. Add credentials (and a clock) and build.
    pub fn provider_builder(&self) -> SeawareBuilder {
        SeawareProvider::builder(self.base_url())
            .allow_insecure_loopback(true)
            .client_id(self.shared.client_id.clone())
            .client_secret(self.shared.client_secret.clone())
    }

    /// Requests received for `op` so far (failed ones included).
    pub fn count(&self, op: SimOp) -> usize {
        self.shared.lock().counts.get(&op).copied().unwrap_or(0)
    }

    /// Password-grant requests so far.
    pub fn logins(&self) -> usize {
        self.count(SimOp::Login)
    }

    /// Refresh-grant requests so far.
    pub fn refreshes(&self) -> usize {
        self.count(SimOp::Refresh)
    }

    /// Logout requests so far.
    pub fn logouts(&self) -> usize {
        self.count(SimOp::Logout)
    }

    /// Message requests so far.
    pub fn messages(&self) -> usize {
        self.count(SimOp::Message)
    }

    /// Sessions whose access token has not expired.
    pub fn active_sessions(&self) -> usize {
        let now = self.shared.clock.now();
        self.shared
            .lock()
            .sessions
            .values()
            .filter(|s| now < s.expires_at)
            .count()
    }

    /// Answers the next `n` requests for `op` with `fault`.
    pub fn fail_next(&self, op: SimOp, n: usize, fault: SimFault) {
        let mut st = self.shared.lock();
        let queue = st.faults.entry(op).or_default();
        queue.extend(std::iter::repeat_n(fault, n));
    }

    /// Locks (or unlocks) a user: logins then fail with Spring's "User account is locked".
    pub fn lock_user(&self, username: &str, locked: bool) {
        if let Some(u) = self.shared.lock().users.get_mut(username) {
            u.locked = locked;
        }
    }

    /// Switches the refresh-token grant on or off.
    pub fn set_refresh(&self, enabled: bool) {
        self.shared.lock().refresh = enabled;
    }

    /// Forgets every session (as after a server restart or an administrator's purge).
    pub fn drop_sessions(&self) {
        self.shared.lock().sessions.clear();
    }
}

fn handle(shared: &Shared, req: &SimRequest) -> SimResponse {
    let segments = req.segments();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let post = req.method == http::Method::POST;
    match segments.as_slice() {
        ["ota", "oauth", "token"] if post => token(shared, req),
        ["ota", "oauth", "token"] => spring_error(
            405,
            "method_not_allowed",
            &format!("Request method '{}' not supported", req.method),
        ),
        ["ota", "oauth", "logout"] if post => logout(shared, req),
        ["ota", "rest", name] if post => message(shared, req, name),
        _ => SimResponse::status(404),
    }
}

fn spring_error(status: u16, error: &str, description: &str) -> SimResponse {
    let mut r = SimResponse::json(
        status,
        serde_json::json!({ "error": error, "error_description": description }),
    )
    .header("cache-control", "no-store")
    .header("pragma", "no-cache");
    if status == 401 {
        r = r.header(
            "www-authenticate",
            &format!("Bearer realm=\"oauth\", error=\"{error}\""),
        );
    }
    r
}

fn fault_response(fault: SimFault) -> SimResponse {
    match fault {
        SimFault::RateLimited { retry_after } => SimResponse::text(429, "Too Many Requests")
            .header("retry-after", &retry_after.as_secs().to_string()),
        SimFault::Unavailable => spring_error(500, "server_error", "Internal Server Error"),
        SimFault::GatewayPage => SimResponse::html(
            502,
            "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
        ),
        SimFault::Spring { status, error } => spring_error(status, error, "Scripted failure"),
    }
}

/// Counts the request and pops a scripted fault for it.
fn enter(st: &mut State, op: SimOp) -> Option<SimResponse> {
    *st.counts.entry(op).or_default() += 1;
    st.faults
        .get_mut(&op)
        .and_then(VecDeque::pop_front)
        .map(fault_response)
}

fn bearer(req: &SimRequest) -> Option<String> {
    let value = req.header("authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn echo(shared: &Shared, text: &str, token: &str) -> String {
    if shared.echo_tokens {
        format!("{text}: {token}")
    } else {
        text.to_owned()
    }
}

fn token(shared: &Shared, req: &SimRequest) -> SimResponse {
    let mut params: HashMap<String, String> = HashMap::new();
    if shared.accept_query {
        params.extend(req.query_params());
    }
    let form = req
        .header("content-type")
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if shared.accept_form && form {
        params.extend(req.form());
    }
    let param = |k: &str| params.get(k).map(String::as_str);
    let grant = param("grant_type");
    let op = match grant {
        Some("password") => SimOp::Login,
        Some("refresh_token") => SimOp::Refresh,
        _ => SimOp::Login,
    };
    let now = shared.clock.now();
    let mut st = shared.lock();
    if let Some(fault) = enter(&mut st, op) {
        return fault;
    }
    if param("client_id") != Some(shared.client_id.as_str())
        || param("client_secret") != Some(shared.client_secret.as_str())
    {
        return spring_error(401, "invalid_client", "Bad client credentials");
    }
    match grant {
        None => spring_error(400, "invalid_request", "Missing grant type"),
        Some("password") => {
            let username = param("username").unwrap_or("");
            let password = param("password").unwrap_or("");
            match st.users.get(username) {
                Some(u) if u.password == password && u.locked => {
                    return spring_error(400, "invalid_grant", "User account is locked");
                }
                Some(u) if u.password == password => {}
                _ => return spring_error(400, "invalid_grant", "Bad credentials"),
            }
            let scope = match param("scope") {
                Some(s) if shared.scopes.iter().any(|k| k == s) => s.to_owned(),
                Some(s) => {
                    return spring_error(400, "invalid_scope", &format!("Invalid scope: {s}"));
                }
                None => shared.scopes.first().cloned().unwrap_or_default(),
            };
            issue(shared, &mut st, username.to_owned(), scope, now)
        }
        Some("refresh_token") => {
            if !st.refresh {
                return spring_error(
                    400,
                    "unsupported_grant_type",
                    "Unsupported grant type: refresh_token",
                );
            }
            let presented = param("refresh_token").unwrap_or("").to_owned();
            match st.sessions.remove(&presented) {
                Some(s) if now < s.refresh_expires_at => {
                    issue(shared, &mut st, s.username, s.scope, now)
                }
                _ => spring_error(
                    400,
                    "invalid_grant",
                    &echo(shared, "Invalid refresh token", &presented),
                ),
            }
        }
        Some(other) => spring_error(
            400,
            "unsupported_grant_type",
            &format!("Unsupported grant type: {other}"),
        ),
    }
}

fn issue(
    shared: &Shared,
    st: &mut State,
    username: String,
    scope: String,
    now: SystemTime,
) -> SimResponse {
    st.issued += 1;
    let token = format!("{SIM_TOKEN_PREFIX}{:012X}", st.issued);
    st.sessions.insert(
        token.clone(),
        SimSession {
            username,
            scope: scope.clone(),
            expires_at: timing::after(now, shared.ttl),
            refresh_expires_at: timing::after(now, shared.refresh_ttl),
        },
    );
    let mut body = serde_json::json!({
        "access_token": token,
        "token_type": "bearer",
        "refresh_token": token,
        "scope": scope,
    });
    let secs = shared.ttl.as_secs();
    match shared.expires_in {
        ExpiresIn::Number => body["expires_in"] = secs.into(),
        ExpiresIn::String => body["expires_in"] = secs.to_string().into(),
        ExpiresIn::Omitted => {}
    }
    SimResponse::json(200, body)
        .header("content-type", "application/json;charset=UTF-8")
        .header("cache-control", "no-store")
        .header("pragma", "no-cache")
}

fn logout(shared: &Shared, req: &SimRequest) -> SimResponse {
    let now = shared.clock.now();
    let mut st = shared.lock();
    if let Some(fault) = enter(&mut st, SimOp::Logout) {
        return fault;
    }
    let Some(token) = bearer(req) else {
        return spring_error(
            401,
            "unauthorized",
            "Full authentication is required to access this resource",
        );
    };
    match st.sessions.remove(&token) {
        Some(s) if now < s.expires_at => {
            SimResponse::json(200, serde_json::json!({ "status": "success" }))
        }
        Some(_) => spring_error(
            401,
            "invalid_token",
            &echo(shared, "Access token expired", &token),
        ),
        None => spring_error(
            401,
            "invalid_token",
            &echo(shared, "Invalid access token", &token),
        ),
    }
}

fn message(shared: &Shared, req: &SimRequest, name: &str) -> SimResponse {
    let now = shared.clock.now();
    let mut st = shared.lock();
    if let Some(fault) = enter(&mut st, SimOp::Message) {
        return fault;
    }
    let rs = match name.strip_suffix("RQ") {
        Some(stem) => format!("{stem}RS"),
        None => format!("{name}RS"),
    };
    let ok = || {
        SimResponse::status(200)
            .header("content-type", "application/xml;charset=UTF-8")
            .body(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><{rs} xmlns=\"http://www.opentravel.org/OTA/2003/05\" Version=\"1.0\"><Success/></{rs}>"
            ))
    };
    let Some(token) = bearer(req) else {
        if shared.sessions_required {
            return spring_error(
                401,
                "unauthorized",
                "Full authentication is required to access this resource",
            );
        }
        return ok();
    };
    if st.sessions.get(&token).is_some_and(|s| now < s.expires_at) {
        return ok();
    }
    match shared.rejection {
        RejectionStyle::SpringJson => {
            spring_error(401, "invalid_token", &echo(shared, "Access token expired", &token))
        }
        RejectionStyle::OtaXml => SimResponse::status(200)
            .header("content-type", "application/xml;charset=UTF-8")
            .body(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><{rs} xmlns=\"http://www.opentravel.org/OTA/2003/05\" Version=\"1.0\"><Errors><Error Type=\"4\" Status=\"NotProcessed\" ShortText=\"Session has expired\">{}</Error></Errors></{rs}>",
                echo(shared, "Session has expired", &token)
            )),
    }
}
