//! A stateful simulator of Betfair's identity SSO (feature `test-util`), for this crate's tests,
//! users' tests and `sessions demo`.
//!
//! It serves `POST /api/login`, `/api/certlogin`, `/api/keepAlive` and `/api/logout` on a loopback
//! port, keeps sessions that expire on an injected clock (keepAlive extends them), enforces
//! Betfair's login rate limit (100 successful logins per account per minute, then a 20-minute
//! `TEMPORARY_BAN_TOO_MANY_REQUESTS` during which existing sessions keep working), answers without
//! `Accept: application/json` with an HTML page as the real SSO does, can be scripted to answer
//! any status or code, and counts every request. A tiny API-NG stand-in under `/exchange/`
//! answers `INVALID_SESSION_INFORMATION` for unknown or expired tokens, in both the JSON-RPC and
//! the REST form, so rejection handling can be tested end to end.
//!
//! The Accounts API vendor services are simulated too (see [`SimVendorApp`]): subscription tokens
//! with Betfair's cap of 15,000 unactivated tokens (`TOO_MANY_REQUESTS`), activation (customers
//! logging in with a vendor's app key get `PENDING_AUTH` until they have activated one),
//! cancellation, updates, expiry rounded up to midnight, history in both forms, vendor client ids,
//! affiliate relations, web-app authorisation codes (single use, valid 10 minutes on the injected
//! clock), access tokens (4 hours) with refresh tokens, and revocation — over JSON-RPC and REST,
//! with Betfair's exception and framework-error envelopes, per-operation counters and scripted
//! exceptions.
//!
//! ```no_run
//! # async fn demo() -> session_betfair::Result<()> {
//! use session_betfair::{BetfairProvider, BetfairSim, SessionManager};
//!
//! let sim = BetfairSim::builder().account("alice", "s3cret").start().await?;
//! let provider = BetfairProvider::builder("APP-KEY")
//!     .interactive("alice", "s3cret")
//!     .identity_url(sim.identity_url())
//!     .allow_insecure_loopback(true)
//!     .build()?;
//! let manager = SessionManager::new(provider);
//! let lease = manager.get().await?;
//! assert_eq!(sim.counts().logins, 1);
//! # drop(lease); Ok(()) }
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::json;
use session_core::test_util::{SimRequest, SimResponse, SimServer};
use session_core::timing;
use session_core::{Clock, Error, ErrorKind, Result, SessionToken, SystemClock};

use crate::error::{LOGIN_BAN, NAME};
use crate::vendor::SubscriptionStatus;

mod vendor;

pub use vendor::{SIM_WEB_TOKEN_PREFIX, SimVendorApp};

/// The prefix of every token the simulator issues (handy for leak checks).
pub const SIM_TOKEN_PREFIX: &str = "BFSIM-TOKEN-";

/// Requests the simulator has seen, per endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimCounts {
    /// Requests to `/login` (interactive).
    pub interactive_logins: usize,
    /// Requests to `/certlogin`.
    pub cert_logins: usize,
    /// Requests to either login endpoint.
    pub logins: usize,
    /// Logins that created a session (including `LIMITED_ACCESS`).
    pub successful_logins: usize,
    /// Requests to `/keepAlive`.
    pub keep_alives: usize,
    /// Requests to `/logout`.
    pub logouts: usize,
    /// Requests to the API-NG stand-in under `/exchange/`.
    pub api_calls: usize,
    /// Accounts API vendor operations among them (see [`BetfairSim::accounts_calls`]).
    pub accounts_calls: usize,
}

struct Account {
    password: String,
    two_factor: Option<String>,
}

struct SimSession {
    username: String,
    expires_at: SystemTime,
}

#[derive(Clone)]
struct Scripted {
    status: String,
    error: String,
}

struct State {
    accounts: HashMap<String, Account>,
    app_key: Option<String>,
    lifetime: Duration,
    login_limit: usize,
    ban: Duration,
    require_client_cert: bool,
    sessions: HashMap<String, SimSession>,
    recent_logins: HashMap<String, VecDeque<SystemTime>>,
    bans: HashMap<String, SystemTime>,
    scripted_logins: VecDeque<Scripted>,
    scripted_keep_alives: VecDeque<String>,
    scripted_logouts: VecDeque<String>,
    rotate_keep_alives: usize,
    counts: SimCounts,
    next_token: u64,
    vendor: vendor::VendorState,
}

/// Configures a [`BetfairSim`].
pub struct BetfairSimBuilder {
    clock: Arc<dyn Clock>,
    accounts: HashMap<String, Account>,
    app_key: Option<String>,
    lifetime: Duration,
    login_limit: usize,
    ban: Duration,
    require_client_cert: bool,
    vendor_apps: Vec<SimVendorApp>,
    unactivated_cap: usize,
    web_access_ttl: Duration,
}

impl fmt::Debug for BetfairSimBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BetfairSimBuilder")
            .field("accounts", &self.accounts.len())
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl BetfairSimBuilder {
    /// The clock sessions and bans expire on (default [`SystemClock`]; tests pass a
    /// `ManualClock`).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Adds an account.
    #[must_use]
    pub fn account(mut self, username: &str, password: &str) -> Self {
        self.accounts.insert(
            username.to_owned(),
            Account {
                password: password.to_owned(),
                two_factor: None,
            },
        );
        self
    }

    /// Adds an account with two-factor authentication: interactive login needs `code` appended
    /// to the password (the password alone gets `LOGIN_RESTRICTED` / `STRONG_AUTH_CODE_REQUIRED`);
    /// certificate login does not.
    #[must_use]
    pub fn account_with_two_factor(mut self, username: &str, password: &str, code: &str) -> Self {
        self.accounts.insert(
            username.to_owned(),
            Account {
                password: password.to_owned(),
                two_factor: Some(code.to_owned()),
            },
        );
        self
    }

    /// Accepts only this app key on interactive login (default: any non-empty key).
    #[must_use]
    pub fn app_key(mut self, app_key: &str) -> Self {
        self.app_key = Some(app_key.to_owned());
        self
    }

    /// Session lifetime without keepAlive (default 12 hours).
    #[must_use]
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Successful logins allowed per account per minute (default 100) and the ban that follows
    /// (default 20 minutes).
    #[must_use]
    pub fn login_limit(mut self, per_minute: usize, ban: Duration) -> Self {
        self.login_limit = per_minute;
        self.ban = ban;
        self
    }

    /// Whether `/certlogin` requires a TLS client certificate (default `true`; over plain HTTP it
    /// then always answers `CERT_AUTH_REQUIRED`, like Betfair's retired non-cert host).
    #[must_use]
    pub fn require_client_cert(mut self, require: bool) -> Self {
        self.require_client_cert = require;
        self
    }

    /// Adds a vendor application (Accounts API vendor services).
    #[must_use]
    pub fn vendor_app(mut self, app: SimVendorApp) -> Self {
        self.vendor_apps.push(app);
        self
    }

    /// How many unactivated subscription tokens a vendor app may have (default Betfair's
    /// 15,000); the next `getApplicationSubscriptionToken` answers `TOO_MANY_REQUESTS`.
    #[must_use]
    pub fn unactivated_token_cap(mut self, cap: usize) -> Self {
        self.unactivated_cap = cap;
        self
    }

    /// The web-app access-token lifetime (default 4 hours, Betfair's `expires_in` of 14,400).
    #[must_use]
    pub fn web_access_ttl(mut self, ttl: Duration) -> Self {
        self.web_access_ttl = ttl;
        self
    }

    fn state(self) -> (Arc<Mutex<State>>, Arc<dyn Clock>) {
        let state = State {
            accounts: self.accounts,
            app_key: self.app_key,
            lifetime: self.lifetime,
            login_limit: self.login_limit,
            ban: self.ban,
            require_client_cert: self.require_client_cert,
            sessions: HashMap::new(),
            recent_logins: HashMap::new(),
            bans: HashMap::new(),
            scripted_logins: VecDeque::new(),
            scripted_keep_alives: VecDeque::new(),
            scripted_logouts: VecDeque::new(),
            rotate_keep_alives: 0,
            counts: SimCounts::default(),
            next_token: 0,
            vendor: vendor::VendorState::new(
                self.vendor_apps,
                self.unactivated_cap,
                self.web_access_ttl,
            ),
        };
        (Arc::new(Mutex::new(state)), self.clock)
    }

    /// Starts the simulator over plain HTTP on `127.0.0.1` (every endpoint on one server).
    pub async fn start(self) -> Result<BetfairSim> {
        let (state, clock) = self.state();
        let server = serve(&state, &clock).await?;
        Ok(BetfairSim {
            state,
            clock,
            server,
            cert_server: None,
        })
    }

    /// Starts the simulator over plain HTTP, plus a TLS server with `tls` (which should require
    /// client certificates) for certificate login; [`BetfairSim::cert_url`] points at the latter.
    pub async fn start_with_cert_server(
        self,
        tls: Arc<rustls::ServerConfig>,
    ) -> Result<BetfairSim> {
        let (state, clock) = self.state();
        let server = serve(&state, &clock).await?;
        let handler_state = state.clone();
        let handler_clock = clock.clone();
        let cert_server = SimServer::start_tls(
            move |req| handle(&handler_state, handler_clock.as_ref(), req),
            tls,
        )
        .await
        .map_err(|_| Error::new(ErrorKind::Unavailable, NAME, "simulator could not start"))?;
        Ok(BetfairSim {
            state,
            clock,
            server,
            cert_server: Some(cert_server),
        })
    }
}

async fn serve(state: &Arc<Mutex<State>>, clock: &Arc<dyn Clock>) -> Result<SimServer> {
    let handler_state = state.clone();
    let handler_clock = clock.clone();
    SimServer::start(move |req| handle(&handler_state, handler_clock.as_ref(), req))
        .await
        .map_err(|_| Error::new(ErrorKind::Unavailable, NAME, "simulator could not start"))
}

/// A running simulator. Stops when dropped.
pub struct BetfairSim {
    state: Arc<Mutex<State>>,
    clock: Arc<dyn Clock>,
    server: SimServer,
    cert_server: Option<SimServer>,
}

impl fmt::Debug for BetfairSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BetfairSim")
            .field("identity_url", &self.identity_url())
            .field("counts", &self.counts())
            .finish_non_exhaustive()
    }
}

impl BetfairSim {
    /// A builder with no accounts, a 12-hour lifetime and Betfair's login limit.
    pub fn builder() -> BetfairSimBuilder {
        BetfairSimBuilder {
            clock: Arc::new(SystemClock),
            accounts: HashMap::new(),
            app_key: None,
            lifetime: Duration::from_secs(12 * 3600),
            login_limit: 100,
            ban: LOGIN_BAN,
            require_client_cert: true,
            vendor_apps: Vec::new(),
            unactivated_cap: vendor::DEFAULT_UNACTIVATED_CAP,
            web_access_ttl: vendor::DEFAULT_ACCESS_TTL,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The identity base URL (`http://127.0.0.1:PORT/api/`).
    pub fn identity_url(&self) -> String {
        self.server.url("/api/")
    }

    /// The certificate-login base URL: the TLS server's when started with one
    /// (`https://localhost:PORT/api/`), otherwise the identity URL.
    pub fn cert_url(&self) -> String {
        match &self.cert_server {
            Some(s) => s.url("/api/"),
            None => self.identity_url(),
        }
    }

    /// The API base URL (`http://127.0.0.1:PORT/`), for
    /// [`AccountsBuilder::api_url`](crate::AccountsBuilder::api_url).
    pub fn api_url(&self) -> String {
        self.server.url("/")
    }

    /// The API-NG stand-in's JSON-RPC URL (`.../exchange/account/json-rpc/v1`).
    pub fn json_rpc_url(&self) -> String {
        self.server.url("/exchange/account/json-rpc/v1")
    }

    /// The API-NG stand-in's REST URL for `operation` (`.../exchange/account/rest/v1.0/<op>/`).
    pub fn rest_url(&self, operation: &str) -> String {
        self.server
            .url(&format!("/exchange/account/rest/v1.0/{operation}/"))
    }

    /// Requests seen so far.
    pub fn counts(&self) -> SimCounts {
        self.lock().counts
    }

    /// Sessions alive now.
    pub fn active_sessions(&self) -> usize {
        let now = self.clock.now();
        self.lock()
            .sessions
            .values()
            .filter(|s| s.expires_at > now)
            .count()
    }

    /// Whether `token` is a live session here.
    pub fn is_live(&self, token: &SessionToken) -> bool {
        let now = self.clock.now();
        self.lock()
            .sessions
            .get(token.expose_secret())
            .is_some_and(|s| s.expires_at > now)
    }

    /// Ends every session server-side (as if Betfair restarted or expired them all).
    pub fn expire_all_sessions(&self) {
        self.lock().sessions.clear();
    }

    /// The next login (either kind) answers this status and error instead of checking
    /// credentials. For `SUCCESS` and `LIMITED_ACCESS` a session is created. Scripts queue up.
    pub fn script_login(&self, status: &str, error: &str) {
        self.lock().scripted_logins.push_back(Scripted {
            status: status.to_owned(),
            error: error.to_owned(),
        });
    }

    /// The next keepAlive answers `FAIL` with `error` (`NO_SESSION`, `INTERNAL_ERROR`, ...).
    pub fn script_keep_alive(&self, error: &str) {
        self.lock().scripted_keep_alives.push_back(error.to_owned());
    }

    /// The next successful keepAlive moves the session to a new token, answers that token in
    /// `token`, and stops accepting the old one (Betfair's answers carry a token; clients adopt
    /// it when it differs). Calls queue up.
    pub fn rotate_token_on_keep_alive(&self) {
        self.lock().rotate_keep_alives += 1;
    }

    /// The next logout answers `FAIL` with `error`.
    pub fn script_logout(&self, error: &str) {
        self.lock().scripted_logouts.push_back(error.to_owned());
    }

    /// Accounts API requests seen for `operation` (`getApplicationSubscriptionToken`, `token`,
    /// ...).
    pub fn accounts_calls(&self, operation: &str) -> usize {
        self.lock()
            .vendor
            .calls
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    /// The next call of `operation` answers an `AccountAPINGException` with `error_code`
    /// (before any other check). Scripts queue up per operation.
    pub fn script_accounts_error(&self, operation: &str, error_code: &str) {
        self.lock()
            .vendor
            .scripted
            .entry(operation.to_owned())
            .or_default()
            .push_back(error_code.to_owned());
    }

    /// Creates `count` unactivated subscription tokens for the vendor app `app_key` at once (to
    /// reach the 15,000 cap without 15,000 requests).
    pub fn seed_unactivated_tokens(&self, app_key: &str, count: usize) {
        let now = self.clock.now();
        let mut st = self.lock();
        for _ in 0..count {
            st.vendor.new_sub(app_key, now, Some(365), None);
        }
    }

    /// Unactivated (not expired, not cancelled) subscription tokens of `app_key`.
    pub fn unactivated_tokens(&self, app_key: &str) -> usize {
        let now = self.clock.now();
        self.lock().vendor.unactivated(app_key, now)
    }

    /// The status of a subscription token, now.
    pub fn subscription_status(&self, token: &str) -> Option<SubscriptionStatus> {
        let now = self.clock.now();
        self.lock()
            .vendor
            .subs
            .iter()
            .find(|s| s.token == token)
            .map(|s| SubscriptionStatus::parse(s.status(now)))
    }

    /// The customer whose subscription `token` is, once activated.
    pub fn subscription_customer(&self, token: &str) -> Option<String> {
        self.lock()
            .vendor
            .subs
            .iter()
            .find(|s| s.token == token)
            .and_then(|s| s.customer.clone())
    }

    /// `username`'s vendor client id for the vendor owning `app_key`, once created.
    pub fn vendor_client_id(&self, username: &str, app_key: &str) -> Option<String> {
        let st = self.lock();
        let owner = st
            .vendor
            .apps
            .iter()
            .find(|a| a.app_key == app_key)?
            .owner
            .clone();
        st.vendor
            .client_ids
            .get(&(username.to_owned(), owner))
            .cloned()
    }

    /// Issues a web-app authorisation code for `username` and the web app `vendor_id`, as
    /// Betfair's consent page would before redirecting the browser (single use, 10 minutes).
    pub fn issue_authorisation_code(&self, username: &str, vendor_id: i64) -> String {
        let now = self.clock.now();
        self.lock().vendor.issue_code(username, vendor_id, now)
    }

    /// Whether `username` has authorised the web app `vendor_id` (holds a refresh token).
    pub fn has_web_app_grant(&self, username: &str, vendor_id: i64) -> bool {
        self.lock().vendor.has_grant(username, vendor_id)
    }

    /// Invalidates every web-app access token (refresh tokens keep working).
    pub fn expire_access_tokens(&self) {
        self.lock().vendor.expire_access_tokens();
    }

    /// Marks `username` as affiliated with every vendor (`getAffiliateRelation`).
    pub fn mark_affiliated(&self, username: &str) {
        self.lock().vendor.affiliated.insert(username.to_owned());
    }

    /// Until when `username` cannot log in because of the login rate limit.
    pub fn banned_until(&self, username: &str) -> Option<SystemTime> {
        let now = self.clock.now();
        self.lock().bans.get(username).copied().filter(|t| *t > now)
    }
}

fn handle(state: &Mutex<State>, clock: &dyn Clock, req: SimRequest) -> SimResponse {
    let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
    let now = clock.now();
    st.sessions.retain(|_, s| s.expires_at > now);
    let segments = req.segments();
    if segments.first().map(String::as_str) == Some("exchange") {
        st.counts.api_calls += 1;
        if let Some(routed) = vendor::route(&req, &segments) {
            return vendor::handle(&mut st, now, &req, routed);
        }
        return api(&st, &req, &segments);
    }
    let endpoint = match segments.as_slice() {
        [api, endpoint] if api == "api" => endpoint.as_str(),
        _ => return SimResponse::status(404),
    };
    match endpoint {
        "login" => st.counts.interactive_logins += 1,
        "certlogin" => st.counts.cert_logins += 1,
        "keepAlive" => st.counts.keep_alives += 1,
        "logout" => st.counts.logouts += 1,
        _ => return SimResponse::status(404),
    }
    if matches!(endpoint, "login" | "certlogin") {
        st.counts.logins += 1;
    }
    if req.method != http::Method::POST {
        return SimResponse::status(405);
    }
    // Without Accept: application/json the real SSO answers with its HTML login page.
    if !req
        .header("accept")
        .is_some_and(|a| a.contains("application/json"))
    {
        return SimResponse::html(
            200,
            "<!DOCTYPE html><html><body>Betfair login</body></html>",
        );
    }
    match endpoint {
        "login" => login(&mut st, now, &req, false),
        "certlogin" => login(&mut st, now, &req, true),
        "keepAlive" => keep_alive_or_rotate(&mut st, now, &req),
        _ => logout(&mut st, &req),
    }
}

fn product(req: &SimRequest) -> String {
    req.header("x-application").unwrap_or("").to_owned()
}

fn login_answer(
    cert: bool,
    req: &SimRequest,
    token: &str,
    status: &str,
    error: &str,
) -> SimResponse {
    if cert {
        // Certificate login puts the failure code itself in `loginStatus`.
        let login_status = if !token.is_empty() || error.is_empty() {
            status
        } else {
            error
        };
        let mut body = json!({ "loginStatus": login_status });
        if !token.is_empty() {
            body["sessionToken"] = json!(token);
            if !error.is_empty() {
                body["error"] = json!(error);
            }
        }
        SimResponse::json(200, body)
    } else {
        SimResponse::json(
            200,
            json!({ "token": token, "product": product(req), "status": status, "error": error }),
        )
    }
}

fn issue(st: &mut State, now: SystemTime, username: &str) -> String {
    st.next_token += 1;
    let token = format!(
        "{SIM_TOKEN_PREFIX}{:06}-{:08x}",
        st.next_token,
        mix(st.next_token)
    );
    st.sessions.insert(
        token.clone(),
        SimSession {
            username: username.to_owned(),
            expires_at: timing::after(now, st.lifetime),
        },
    );
    st.counts.successful_logins += 1;
    st.recent_logins
        .entry(username.to_owned())
        .or_default()
        .push_back(now);
    token
}

/// A cheap deterministic scramble so tokens do not look sequential.
pub(crate) fn mix(n: u64) -> u32 {
    let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> 32) as u32 ^ x as u32
}

fn login(st: &mut State, now: SystemTime, req: &SimRequest, cert: bool) -> SimResponse {
    let form = req.form();
    let username = form.get("username").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    if let Some(scripted) = st.scripted_logins.pop_front() {
        let token = if matches!(scripted.status.as_str(), "SUCCESS" | "LIMITED_ACCESS") {
            issue(st, now, &username)
        } else {
            String::new()
        };
        return login_answer(cert, req, &token, &scripted.status, &scripted.error);
    }
    let fail = |code: &str| login_answer(cert, req, "", "FAIL", code);
    let form_type = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !form_type || username.is_empty() || password.is_empty() {
        return fail("INPUT_VALIDATION_ERROR");
    }
    if cert && st.require_client_cert && !req.client_cert {
        return fail("CERT_AUTH_REQUIRED");
    }
    if !cert {
        let key = product(req);
        let key_ok = match &st.app_key {
            Some(expected) => &key == expected || st.vendor.knows_key(&key),
            None => !key.is_empty(),
        };
        if !key_ok {
            return fail("INPUT_VALIDATION_ERROR");
        }
    }
    let Some(account) = st.accounts.get(&username) else {
        return fail("INVALID_USERNAME_OR_PASSWORD");
    };
    let credentials_ok = match (&account.two_factor, cert) {
        (Some(code), false) => {
            if password == account.password {
                return login_answer(
                    cert,
                    req,
                    "",
                    "LOGIN_RESTRICTED",
                    "STRONG_AUTH_CODE_REQUIRED",
                );
            }
            password == format!("{}{code}", account.password)
        }
        _ => password == account.password,
    };
    if !credentials_ok {
        return fail("INVALID_USERNAME_OR_PASSWORD");
    }
    if st.bans.get(&username).is_some_and(|until| *until > now) {
        return fail("TEMPORARY_BAN_TOO_MANY_REQUESTS");
    }
    let minute_ago = now.checked_sub(Duration::from_secs(60)).unwrap_or(now);
    let recent = st.recent_logins.entry(username.clone()).or_default();
    while recent.front().is_some_and(|t| *t <= minute_ago) {
        recent.pop_front();
    }
    if recent.len() >= st.login_limit {
        let until = timing::after(now, st.ban);
        st.bans.insert(username, until);
        return fail("TEMPORARY_BAN_TOO_MANY_REQUESTS");
    }
    // A customer logging in with a vendor's app key before activating a subscription gets a
    // session that can only activate one.
    if !cert && st.vendor.pending(&product(req), &username, now) {
        let token = issue(st, now, &username);
        return login_answer(cert, req, &token, "LIMITED_ACCESS", "PENDING_AUTH");
    }
    let token = issue(st, now, &username);
    login_answer(cert, req, &token, "SUCCESS", "")
}

fn session_answer(req: &SimRequest, token: &str, status: &str, error: &str) -> SimResponse {
    SimResponse::json(
        200,
        json!({ "token": token, "product": product(req), "status": status, "error": error }),
    )
}

fn keep_alive(st: &mut State, now: SystemTime, req: &SimRequest) -> SimResponse {
    let token = req.header("x-authentication").unwrap_or("").to_owned();
    if let Some(error) = st.scripted_keep_alives.pop_front() {
        return session_answer(req, &token, "FAIL", &error);
    }
    let lifetime = st.lifetime;
    match st.sessions.get_mut(&token) {
        Some(session) if !token.is_empty() => {
            session.expires_at = timing::after(now, lifetime);
            session_answer(req, &token, "SUCCESS", "")
        }
        _ => session_answer(req, &token, "FAIL", "NO_SESSION"),
    }
}

/// A keepAlive; when a rotation is pending and the keepAlive succeeded, the (extended) session
/// then moves to a new token, which the answer carries, and the old token stops working.
fn keep_alive_or_rotate(st: &mut State, now: SystemTime, req: &SimRequest) -> SimResponse {
    let scripted = !st.scripted_keep_alives.is_empty();
    let answer = keep_alive(st, now, req);
    let token = req.header("x-authentication").unwrap_or("");
    if scripted || st.rotate_keep_alives == 0 || token.is_empty() {
        return answer;
    }
    let Some(session) = st.sessions.remove(token) else {
        return answer;
    };
    st.rotate_keep_alives -= 1;
    st.next_token += 1;
    let new_token = format!(
        "{SIM_TOKEN_PREFIX}{:06}-{:08x}",
        st.next_token,
        mix(st.next_token)
    );
    st.sessions.insert(new_token.clone(), session);
    session_answer(req, &new_token, "SUCCESS", "")
}

fn logout(st: &mut State, req: &SimRequest) -> SimResponse {
    let token = req.header("x-authentication").unwrap_or("").to_owned();
    if let Some(error) = st.scripted_logouts.pop_front() {
        return session_answer(req, &token, "FAIL", &error);
    }
    // Betfair's recorded logout answers echo the session token, success or not.
    match st.sessions.remove(&token) {
        Some(_) if !token.is_empty() => session_answer(req, &token, "SUCCESS", ""),
        _ => session_answer(req, &token, "FAIL", "NO_SESSION"),
    }
}

fn api(st: &State, req: &SimRequest, segments: &[String]) -> SimResponse {
    let token = req.header("x-authentication").unwrap_or("");
    let live = !token.is_empty() && st.sessions.contains_key(token);
    let user = st.sessions.get(token).map(|s| s.username.clone());
    let json_rpc = segments.iter().any(|s| s == "json-rpc");
    let (code, id) = if token.is_empty() {
        ("NO_SESSION", "0010")
    } else {
        ("INVALID_SESSION_INFORMATION", "0002")
    };
    match (json_rpc, live) {
        (true, true) => SimResponse::json(
            200,
            json!({ "jsonrpc": "2.0", "result": { "user": user }, "id": req.json().get("id").cloned().unwrap_or(json!(1)) }),
        ),
        (true, false) => SimResponse::json(
            200,
            json!({
                "jsonrpc": "2.0",
                "error": {
                    "code": -32099,
                    "message": format!("AANGX-{id}"),
                    "data": {
                        "exceptionname": "AccountAPINGException",
                        "AccountAPINGException": {
                            "errorCode": code,
                            "errorDetails": "",
                            "requestUUID": "sim-request"
                        }
                    }
                },
                "id": req.json().get("id").cloned().unwrap_or(json!(1))
            }),
        ),
        (false, true) => SimResponse::json(200, json!({ "user": user })),
        (false, false) => SimResponse::json(
            400,
            json!({
                "faultcode": "Client",
                "faultstring": format!("AANGX-{id}"),
                "detail": {
                    "exceptionname": "AccountAPINGException",
                    "AccountAPINGException": {
                        "errorCode": code,
                        "errorDetails": "",
                        "requestUUID": "sim-request"
                    }
                }
            }),
        ),
    }
}
