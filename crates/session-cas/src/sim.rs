//! A stateful simulator of both CAS flavors (feature `test-util`), for this crate's tests, your
//! own tests and `sessions demo`.
//!
//! [`CasSim`] serves the William Hill Sessions API v2 (under `/v2/sessions`) or the Apereo CAS
//! REST protocol (under `/cas`) on a loopback port. It issues ticket-granting tickets, enforces
//! the idle timeout and the hard cap against an injected [`Clock`] (use
//! `session_core::test_util::ManualClock` to move time), validates tickets, mints single-use
//! service tickets, counts requests per operation, and plays scripted failures.
//!
//! The William Hill flavor also serves an authenticated resource under `/resource` (any method,
//! any sub-path; see [`CasSim::resource_url`]) standing in for William Hill's other v2 APIs: it
//! answers 200 with JSON when the `apiTicket` (or v1 `who-ticket`) header names a live ticket and
//! the app headers are right, and otherwise rejects the request the way
//! [`CasSimBuilder::resource_rejection`] says — for tests of
//! [`SessionProvider::is_rejection`](session_core::SessionProvider::is_rejection) and of
//! `SessionMiddleware` (feature `middleware`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use session_cas::CasSim;
//! use session_cas::{CasConfig, Flavor, SessionManager, UsernamePassword};
//! let sim = CasSim::builder(Flavor::WhApi)
//!     .user("punter_01", "hunter22")
//!     .api_credentials("l7xxSIMKEY0000000000", "SIMSECRET00000000000")
//!     .start()
//!     .await?;
//! let provider = sim
//!     .config(UsernamePassword::new("punter_01", "hunter22"))
//!     .build()
//!     .expect("valid configuration");
//! let manager = SessionManager::new(provider);
//! # let _ = manager;
//! # Ok(()) }
//! ```

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use http::Method;
use session_core::test_util::{SimRequest, SimResponse, SimServer, TlsServerConfig};
use session_core::timing;
use session_core::{ApiKeySecret, Clock, SystemClock, UsernamePassword};

use crate::config::{CasConfig, Flavor, Lifetimes};
use crate::wire::{format_http_date, format_iso_datetime};

/// An operation the simulator counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SimOp {
    /// Ticket-granting ticket creation (log in).
    Login,
    /// Ticket validation / status (`GET` on the ticket).
    Validate,
    /// Service-ticket grant.
    ServiceTicket,
    /// Ticket deletion (log out).
    Logout,
    /// A request to the authenticated resource (`/resource…`, William Hill flavor).
    Resource,
}

impl SimOp {
    fn index(self) -> usize {
        match self {
            Self::Login => 0,
            Self::Validate => 1,
            Self::ServiceTicket => 2,
            Self::Logout => 3,
            Self::Resource => 4,
        }
    }
}

/// How the simulator's authenticated resource (`/resource…`) answers a request whose ticket is
/// not live (unknown, expired or revoked). Each is a rejection that
/// [`SessionProvider::is_rejection`](session_core::SessionProvider::is_rejection) recognizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResourceRejection {
    /// HTTP 404 with William Hill code 20511 naming the `apiTicket` field (the default).
    #[default]
    TicketNotFound,
    /// HTTP 401 with the gateway's generic code `000000`.
    Unauthorized,
    /// HTTP 403 with an error (code `403`) naming the `apiTicket` field.
    ApiTicketForbidden,
    /// HTTP 403 with a v1 `whoFaults` entry about the `who-ticket`.
    WhoFault,
}

/// A scripted failure, answered instead of the normal behaviour.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimFailure {
    /// Bad credentials: William Hill 401 / 20501; Apereo 401 `FailedLoginException`.
    InvalidCredentials,
    /// A locked account: William Hill 403 / 20504; Apereo 401 `AccountLockedException`.
    AccountLocked,
    /// A William Hill error code with its documented status (20501 → 401, 20511 → 404, other
    /// 205xx → 403). The Apereo simulator answers 400.
    WhCode(u32),
    /// HTTP 429, with `Retry-After` when given.
    RateLimited {
        /// The `Retry-After` value.
        retry_after: Option<Duration>,
    },
    /// HTTP 503 with a JSON body.
    Unavailable,
    /// HTTP 502 with an HTML gateway page.
    GatewayPage,
    /// The ticket is unknown: William Hill 404 / 20511; Apereo 404.
    TicketNotFound,
    /// A bare status with an empty body.
    Status(u16),
}

/// Builds a [`CasSim`].
pub struct CasSimBuilder {
    flavor: Flavor,
    clock: Arc<dyn Clock>,
    users: Vec<UsernamePassword>,
    api: Option<ApiKeySecret>,
    lifetimes: Lifetimes,
    services: Option<Vec<String>>,
    status_refreshes_idle: bool,
    ticket_tag: String,
    ticket_suffix: String,
    lock_after: Option<u32>,
    location_base: Option<String>,
    service_ticket_ttl: Duration,
    send_expiry: bool,
    resource_rejection: ResourceRejection,
    tls: Option<Arc<TlsServerConfig>>,
}

impl fmt::Debug for CasSimBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CasSimBuilder")
            .field("flavor", &self.flavor)
            .field("users", &self.users)
            .field("api", &self.api)
            .field("lifetimes", &self.lifetimes)
            .finish_non_exhaustive()
    }
}

impl CasSimBuilder {
    /// Serves over TLS with `config` (for example [`TestPki::server_config`]) instead of
    /// plain HTTP; the base URL becomes `https://localhost:PORT`.
    ///
    /// [`TestPki::server_config`]: session_core::test_util::TestPki::server_config
    #[must_use]
    pub fn tls(mut self, config: Arc<TlsServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// The clock that drives ticket expiry (default the system clock).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Adds an account that can log in.
    #[must_use]
    pub fn user(mut self, username: &str, password: &str) -> Self {
        self.users.push(UsernamePassword::new(username, password));
        self
    }

    /// William Hill flavor: the `apiKey` / `apiSecret` every request must carry (default: any
    /// values are accepted, but the headers must be present).
    #[must_use]
    pub fn api_credentials(mut self, key: &str, secret: &str) -> Self {
        self.api = Some(ApiKeySecret::new(key, secret));
        self
    }

    /// Ticket lifetimes the server enforces (default 7,200 s idle, 28,000 s hard cap, 60 days
    /// extended).
    #[must_use]
    pub fn lifetimes(mut self, lifetimes: Lifetimes) -> Self {
        self.lifetimes = lifetimes;
        self
    }

    /// Restricts service tickets to these target URLs (default: any target is established).
    #[must_use]
    pub fn services<I, S>(mut self, services: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.services = Some(services.into_iter().map(Into::into).collect());
        self
    }

    /// Whether a validation (`GET` on the ticket) counts as use and pushes the idle deadline back
    /// (default `true`; real Apereo servers only count service-ticket grants).
    #[must_use]
    pub fn status_refreshes_idle(mut self, refreshes: bool) -> Self {
        self.status_refreshes_idle = refreshes;
        self
    }

    /// A marker embedded in every ticket the simulator issues (default: random), so leak tests can
    /// look for it.
    #[must_use]
    pub fn ticket_tag(mut self, tag: &str) -> Self {
        self.ticket_tag = tag.to_owned();
        self
    }

    /// The end of every ticket-granting ticket (default `-sim`). Real CAS servers append a host
    /// name; `-https://cas.example.org` reproduces the ticket that broke `lastIndexOf('/')`
    /// parsers.
    #[must_use]
    pub fn ticket_suffix(mut self, suffix: &str) -> Self {
        self.ticket_suffix = suffix.to_owned();
        self
    }

    /// Locks an account (William Hill 20504, Apereo `AccountLockedException`) after this many
    /// consecutive bad passwords (default: never).
    #[must_use]
    pub fn lock_after(mut self, failures: u32) -> Self {
        self.lock_after = Some(failures);
        self
    }

    /// Apereo: the scheme, host and prefix used in `Location` headers instead of the server's own
    /// (a CAS behind a reverse proxy announces its internal address).
    #[must_use]
    pub fn location_base(mut self, base: &str) -> Self {
        self.location_base = Some(base.trim_end_matches('/').to_owned());
        self
    }

    /// How long a service ticket can be redeemed (default 10 s, Apereo's default).
    #[must_use]
    pub fn service_ticket_ttl(mut self, ttl: Duration) -> Self {
        self.service_ticket_ttl = ttl;
        self
    }

    /// William Hill: whether login answers carry `expiryDateTime` (default `true`).
    #[must_use]
    pub fn send_expiry(mut self, send: bool) -> Self {
        self.send_expiry = send;
        self
    }

    /// How the authenticated resource (`/resource…`) rejects a ticket that is not live (default
    /// [`ResourceRejection::TicketNotFound`]).
    #[must_use]
    pub fn resource_rejection(mut self, rejection: ResourceRejection) -> Self {
        self.resource_rejection = rejection;
        self
    }

    /// Starts the server on a free loopback port.
    pub async fn start(self) -> std::io::Result<CasSim> {
        let shared = Arc::new(Shared {
            flavor: self.flavor,
            clock: self.clock,
            users: self.users,
            api: self.api,
            lifetimes: self.lifetimes,
            services: self.services,
            status_refreshes_idle: self.status_refreshes_idle,
            ticket_tag: self.ticket_tag,
            ticket_suffix: self.ticket_suffix,
            lock_after: self.lock_after,
            location_base: self.location_base,
            service_ticket_ttl: self.service_ticket_ttl,
            send_expiry: self.send_expiry,
            resource_rejection: self.resource_rejection,
            origin: Mutex::new(String::new()),
            state: Mutex::new(State::default()),
        });
        let handler = shared.clone();
        let server = SimServer::start_on(move |req| handler.handle(&req), self.tls).await?;
        *shared.origin.lock().unwrap_or_else(|p| p.into_inner()) = server.base_url();
        Ok(CasSim { shared, server })
    }
}

struct Shared {
    flavor: Flavor,
    clock: Arc<dyn Clock>,
    users: Vec<UsernamePassword>,
    api: Option<ApiKeySecret>,
    lifetimes: Lifetimes,
    services: Option<Vec<String>>,
    status_refreshes_idle: bool,
    ticket_tag: String,
    ticket_suffix: String,
    lock_after: Option<u32>,
    location_base: Option<String>,
    service_ticket_ttl: Duration,
    send_expiry: bool,
    resource_rejection: ResourceRejection,
    origin: Mutex<String>,
    state: Mutex<State>,
}

#[derive(Clone)]
struct Tgt {
    username: String,
    last_used: SystemTime,
    hard: SystemTime,
    extended: bool,
}

struct St {
    service: String,
    username: String,
    expires: SystemTime,
}

#[derive(Default)]
struct State {
    tickets: HashMap<String, Tgt>,
    service_tickets: HashMap<String, St>,
    issued: Vec<String>,
    calls: [usize; 5],
    requests: Vec<String>,
    script: VecDeque<(SimOp, SimFailure)>,
    banned_until: Option<SystemTime>,
    failures: HashMap<String, u32>,
    locked: HashSet<String>,
    serial: u64,
}

/// A running simulator. Stops when dropped.
pub struct CasSim {
    shared: Arc<Shared>,
    server: SimServer,
}

impl fmt::Debug for CasSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CasSim")
            .field("flavor", &self.shared.flavor)
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

impl CasSim {
    /// A builder for a simulator of `flavor`.
    pub fn builder(flavor: Flavor) -> CasSimBuilder {
        CasSimBuilder {
            flavor,
            clock: Arc::new(SystemClock),
            users: Vec::new(),
            api: None,
            lifetimes: Lifetimes::default(),
            services: None,
            status_refreshes_idle: true,
            ticket_tag: format!("{:016x}", random_u64()),
            ticket_suffix: "-sim".to_owned(),
            lock_after: None,
            location_base: None,
            service_ticket_ttl: Duration::from_secs(10),
            send_expiry: true,
            resource_rejection: ResourceRejection::TicketNotFound,
            tls: None,
        }
    }

    /// The flavor served.
    pub fn flavor(&self) -> Flavor {
        self.shared.flavor
    }

    /// The base URL a provider should use: `http://127.0.0.1:PORT/v2/sessions` (William Hill) or
    /// `http://127.0.0.1:PORT/cas` (Apereo).
    pub fn base_url(&self) -> String {
        match self.shared.flavor {
            Flavor::WhApi => self.server.url("/v2/sessions"),
            Flavor::Apereo => self.server.url("/cas"),
        }
    }

    /// The URL of the authenticated resource at `path` (William Hill flavor):
    /// `http://127.0.0.1:PORT/resource{path}`, e.g. `resource_url("/accounts/me")`. Send
    /// `apiKey`, `apiSecret` and `apiTicket`, as [`CasSession`](crate::CasSession)'s
    /// `authenticate` does. A successful request answers 200
    /// `{"method", "path", "username"}` and, like a use of the ticket on another API that this
    /// crate cannot see, does not move the ticket's idle deadline.
    pub fn resource_url(&self, path: &str) -> String {
        self.server.url(&format!("/resource{path}"))
    }

    /// A provider configuration pointed at this simulator: its base URL, flavor, clock, loopback
    /// allowed, and (William Hill) its API credentials or placeholders.
    pub fn config(&self, credentials: UsernamePassword) -> CasConfig {
        let mut config = CasConfig::new(self.base_url(), credentials)
            .flavor(self.shared.flavor)
            .clock(self.shared.clock.clone())
            .allow_insecure_loopback(true);
        if self.shared.flavor == Flavor::WhApi {
            let api = self.shared.api.clone().unwrap_or_else(|| {
                ApiKeySecret::new("l7xxSIMULATORKEY00000", "SIMULATORSECRET000000")
            });
            config = config.api_credentials(api);
        }
        config
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    /// Requests seen so far for `op` (including failed ones).
    pub fn calls(&self, op: SimOp) -> usize {
        self.state().calls[op.index()]
    }

    /// Every request seen so far as `METHOD /path?query` (bodies and headers are not kept).
    pub fn requests(&self) -> Vec<String> {
        self.state().requests.clone()
    }

    /// Every ticket issued so far (ticket-granting and service tickets), for leak checks.
    pub fn issued_tickets(&self) -> Vec<String> {
        self.state().issued.clone()
    }

    /// The marker embedded in every ticket.
    pub fn ticket_tag(&self) -> &str {
        &self.shared.ticket_tag
    }

    /// Ticket-granting tickets alive now.
    pub fn live_tickets(&self) -> usize {
        let now = self.shared.clock.now();
        let mut st = self.state();
        self.shared.sweep(&mut st, now);
        st.tickets.len()
    }

    /// Answers the next request for `op` with `failure` (queued: several calls script several
    /// requests, in order).
    pub fn fail_next(&self, op: SimOp, failure: SimFailure) {
        self.state().script.push_back((op, failure));
    }

    /// Answers every login with 429 (and `Retry-After`) until `duration` has passed on the clock.
    pub fn ban_for(&self, duration: Duration) {
        let until = timing::after(self.shared.clock.now(), duration);
        self.state().banned_until = Some(until);
    }

    /// Locks `username` (William Hill 20504, Apereo `AccountLockedException`).
    pub fn lock_account(&self, username: &str) {
        self.state().locked.insert(username.to_owned());
    }

    /// Forgets every ticket, as a CAS restart with a non-persistent registry does.
    pub fn revoke_all(&self) {
        let mut st = self.state();
        st.tickets.clear();
        st.service_tickets.clear();
    }

    /// Redeems a service ticket as the target service would (CAS `serviceValidate`): single use
    /// (gone after the first attempt, valid or not), valid only for the service it was minted for
    /// and before its short lifetime ends. Returns the user name on success.
    pub fn redeem_service_ticket(&self, ticket: &str, service: &str) -> Option<String> {
        let now = self.shared.clock.now();
        let st = self.state().service_tickets.remove(ticket)?;
        (st.service == service && now < st.expires).then_some(st.username)
    }
}

fn random_u64() -> u64 {
    RandomState::new().build_hasher().finish()
}

fn json(status: u16, value: serde_json::Value) -> SimResponse {
    SimResponse::json(status, value)
}

fn wh_error(status: u16, code: &str, field: Option<&str>, message: &str) -> SimResponse {
    let mut entry = serde_json::json!({ "code": code, "message": message });
    if let Some(f) = field {
        entry["field"] = serde_json::Value::String(f.to_owned());
    }
    json(status, serde_json::json!({ "errors": [entry] }))
}

fn wh_code_response(code: u32) -> SimResponse {
    let status = match code {
        20501 => 401,
        20511 => 404,
        _ => 403,
    };
    let field = match code {
        20510 => Some("target"),
        20511 => Some("tgt"),
        _ => None,
    };
    wh_error(status, &code.to_string(), field, "simulated failure")
}

fn apereo_auth_failure(exception: &str) -> SimResponse {
    let body = format!(
        "{{\n  \"authentication_exceptions\" : [ \"Authentication failed:authenticationFailure.{exception}\" ]\n}}"
    );
    SimResponse::status(401)
        .header("content-type", "application/json")
        .body(body)
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn alive(&self, t: &Tgt, now: SystemTime) -> bool {
        now < t.hard
            && (t.extended || now < timing::after(t.last_used, self.lifetimes.idle_timeout))
    }

    fn sweep(&self, st: &mut State, now: SystemTime) {
        st.tickets.retain(|_, t| self.alive(t, now));
        st.service_tickets.retain(|_, s| now < s.expires);
    }

    fn new_ticket(&self, st: &mut State, prefix: &str) -> String {
        st.serial += 1;
        let suffix = if prefix == "TGT" {
            self.ticket_suffix.as_str()
        } else {
            "-sim"
        };
        let t = format!(
            "{prefix}-{}-{}{:016x}{:016x}{suffix}",
            st.serial,
            self.ticket_tag,
            random_u64(),
            random_u64()
        );
        st.issued.push(t.clone());
        t
    }

    fn scripted(&self, st: &mut State, op: SimOp) -> Option<SimFailure> {
        let pos = st.script.iter().position(|(o, _)| *o == op)?;
        st.script.remove(pos).map(|(_, f)| f)
    }

    fn failure_response(&self, failure: &SimFailure) -> SimResponse {
        let wh = self.flavor == Flavor::WhApi;
        match failure {
            SimFailure::InvalidCredentials if wh => wh_code_response(20501),
            SimFailure::InvalidCredentials => apereo_auth_failure("FailedLoginException"),
            SimFailure::AccountLocked if wh => wh_code_response(20504),
            SimFailure::AccountLocked => apereo_auth_failure("AccountLockedException"),
            SimFailure::WhCode(code) if wh => wh_code_response(*code),
            SimFailure::WhCode(_) => SimResponse::text(400, "bad request"),
            SimFailure::RateLimited { retry_after } => {
                let r = json(
                    429,
                    serde_json::json!({ "errors": [{ "code": "429", "message": "throttled" }] }),
                );
                match retry_after {
                    Some(d) => r.header("retry-after", &d.as_secs().max(1).to_string()),
                    None => r,
                }
            }
            SimFailure::Unavailable => json(503, serde_json::json!({ "message": "unavailable" })),
            SimFailure::GatewayPage => SimResponse::html(
                502,
                "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
            ),
            SimFailure::TicketNotFound if wh => wh_code_response(20511),
            SimFailure::TicketNotFound => {
                SimResponse::text(404, "ticket could not be found or is considered invalid")
            }
            SimFailure::Status(code) => SimResponse::status(*code),
        }
    }

    fn handle(&self, req: &SimRequest) -> SimResponse {
        let now = self.clock.now();
        let date = format_http_date(now);
        let line = match &req.query {
            Some(q) => format!("{} {}?{q}", req.method, req.path),
            None => format!("{} {}", req.method, req.path),
        };
        let segments = req.segments();
        let resp = match self.flavor {
            Flavor::WhApi if segments.first().is_some_and(|s| s == "resource") => {
                self.route_resource(req, &line, now)
            }
            Flavor::WhApi => self.route_wh(req, &segments, &line, now),
            Flavor::Apereo => self.route_apereo(req, &segments, &line, now),
        };
        resp.header("date", &date)
    }

    /// Counts, records and applies scripted failures; `None` means "answer normally".
    fn begin(&self, st: &mut State, op: SimOp, line: &str) -> Option<SimResponse> {
        st.calls[op.index()] += 1;
        st.requests.push(line.to_owned());
        self.scripted(st, op).map(|f| self.failure_response(&f))
    }

    fn ban_response(&self, st: &State, now: SystemTime) -> Option<SimResponse> {
        let until = st.banned_until.filter(|u| *u > now)?;
        let left = until
            .duration_since(now)
            .unwrap_or_default()
            .as_secs()
            .max(1);
        Some(self.failure_response(&SimFailure::RateLimited {
            retry_after: Some(Duration::from_secs(left)),
        }))
    }

    /// Checks the password; counts failures and locks when configured.
    fn check_credentials(
        &self,
        st: &mut State,
        username: &str,
        password: &str,
    ) -> Result<(), SimFailure> {
        if st.locked.contains(username) {
            return Err(SimFailure::AccountLocked);
        }
        let ok = self
            .users
            .iter()
            .any(|u| u.username == username && u.password.expose_secret() == password);
        if ok {
            st.failures.remove(username);
            return Ok(());
        }
        let n = st.failures.entry(username.to_owned()).or_insert(0);
        *n += 1;
        if self.lock_after.is_some_and(|limit| *n >= limit) {
            st.locked.insert(username.to_owned());
        }
        Err(SimFailure::InvalidCredentials)
    }

    fn issue(
        &self,
        st: &mut State,
        username: &str,
        extended: bool,
        now: SystemTime,
    ) -> (String, Tgt) {
        let tgt = self.new_ticket(st, "TGT");
        let life = if extended {
            self.lifetimes.extended_lifetime
        } else {
            self.lifetimes.max_lifetime
        };
        let ticket = Tgt {
            username: username.to_owned(),
            last_used: now,
            hard: timing::after(now, life),
            extended,
        };
        st.tickets.insert(tgt.clone(), ticket.clone());
        (tgt, ticket)
    }

    /// The live ticket `id`, or `None` (expired tickets are forgotten).
    fn live<'a>(&self, st: &'a mut State, id: &str, now: SystemTime) -> Option<&'a mut Tgt> {
        self.sweep(st, now);
        st.tickets.get_mut(id)
    }

    fn mint_service_ticket(
        &self,
        st: &mut State,
        tgt: &str,
        service: &str,
        now: SystemTime,
    ) -> Option<String> {
        let t = self.live(st, tgt, now)?;
        t.last_used = now;
        let username = t.username.clone();
        let id = self.new_ticket(st, "ST");
        st.service_tickets.insert(
            id.clone(),
            St {
                service: service.to_owned(),
                username,
                expires: timing::after(now, self.service_ticket_ttl),
            },
        );
        Some(id)
    }

    fn service_established(&self, service: &str) -> bool {
        self.services
            .as_ref()
            .is_none_or(|list| list.iter().any(|s| s == service))
    }

    // ------------------------------------------------------------------ William Hill

    fn route_wh(
        &self,
        req: &SimRequest,
        seg: &[String],
        line: &str,
        now: SystemTime,
    ) -> SimResponse {
        let rest: Vec<&str> = match seg {
            [a, b, rest @ ..] if a == "v2" && b == "sessions" => {
                rest.iter().map(String::as_str).collect()
            }
            _ => return wh_error(404, "404", None, "not found"),
        };
        let op = match (&req.method, rest.as_slice()) {
            (&Method::POST, ["tickets"]) => SimOp::Login,
            (&Method::GET, ["tickets", _]) => SimOp::Validate,
            (&Method::DELETE, ["tickets", _]) => SimOp::Logout,
            (&Method::GET, ["tickets", _, "serviceTicket"]) => SimOp::ServiceTicket,
            _ => return wh_error(404, "404", None, "not found"),
        };
        let mut st = self.state();
        if let Some(r) = self.begin(&mut st, op, line) {
            return r;
        }
        if !self.wh_app_ok(req) {
            return wh_error(401, "000000", None, "unauthorized");
        }
        match op {
            SimOp::Login => self.wh_login(&mut st, req, now),
            SimOp::Validate => match self.live(&mut st, rest[1], now) {
                Some(t) => {
                    if self.status_refreshes_idle {
                        t.last_used = now;
                    }
                    json(200, serde_json::json!({ "valid": true }))
                }
                None => wh_code_response(20511),
            },
            SimOp::Logout => {
                let alive = self.live(&mut st, rest[1], now).is_some();
                st.tickets.remove(rest[1]);
                if alive {
                    json(200, serde_json::json!({ "success": true }))
                } else {
                    wh_code_response(20511)
                }
            }
            SimOp::ServiceTicket => {
                let params = req.query_params();
                let Some(target) = params.get("target").filter(|t| !t.is_empty()) else {
                    return wh_error(400, "400", Some("target"), "target is required");
                };
                if self.live(&mut st, rest[1], now).is_none() {
                    return wh_code_response(20511);
                }
                if !self.service_established(target) {
                    return wh_code_response(20510);
                }
                match self.mint_service_ticket(&mut st, rest[1], target, now) {
                    Some(id) => json(200, serde_json::json!({ "ticket": id, "location": target })),
                    None => wh_code_response(20511),
                }
            }
            // Served by `route_resource`, never routed here.
            SimOp::Resource => wh_error(404, "404", None, "not found"),
        }
    }

    /// The authenticated resource standing in for William Hill's other v2 APIs.
    fn route_resource(&self, req: &SimRequest, line: &str, now: SystemTime) -> SimResponse {
        let mut st = self.state();
        if let Some(r) = self.begin(&mut st, SimOp::Resource, line) {
            return r;
        }
        if !self.wh_app_ok(req) {
            return wh_error(401, "000000", None, "unauthorized");
        }
        let Some(ticket) = req.header("apiTicket").or_else(|| req.header("who-ticket")) else {
            return wh_error(401, "000000", Some("apiTicket"), "apiTicket is required");
        };
        match self.live(&mut st, ticket, now) {
            Some(t) => json(
                200,
                serde_json::json!({
                    "method": req.method.as_str(),
                    "path": req.path,
                    "username": t.username,
                }),
            ),
            None => self.resource_rejection_response(),
        }
    }

    fn resource_rejection_response(&self) -> SimResponse {
        match self.resource_rejection {
            ResourceRejection::TicketNotFound => {
                wh_error(404, "20511", Some("apiTicket"), "ticket not found")
            }
            ResourceRejection::Unauthorized => wh_error(401, "000000", None, "unauthorized"),
            ResourceRejection::ApiTicketForbidden => {
                wh_error(403, "403", Some("apiTicket"), "invalid ticket")
            }
            ResourceRejection::WhoFault => json(
                403,
                serde_json::json!({ "whoFaults": [{
                    "faultCode": "403",
                    "faultName": "InvalidWhoTicket",
                    "faultString": "who-ticket is not valid",
                }] }),
            ),
        }
    }

    fn wh_app_ok(&self, req: &SimRequest) -> bool {
        let (Some(key), Some(secret)) = (req.header("apiKey"), req.header("apiSecret")) else {
            return false;
        };
        match &self.api {
            Some(api) => api.key.expose_secret() == key && api.secret.expose_secret() == secret,
            None => !key.is_empty() && !secret.is_empty(),
        }
    }

    fn wh_login(&self, st: &mut State, req: &SimRequest, now: SystemTime) -> SimResponse {
        if !req
            .header("content-type")
            .is_some_and(|c| c.contains("json"))
        {
            return wh_error(415, "415", None, "unsupported media type");
        }
        let body = req.json();
        let (Some(username), Some(password)) =
            (body["username"].as_str(), body["password"].as_str())
        else {
            return wh_error(400, "400", None, "username and password are required");
        };
        // The overview puts `extended=Y` in the query, the v2 schema in the body: either asks.
        let in_query = req
            .query_params()
            .get("extended")
            .is_some_and(|v| v.eq_ignore_ascii_case("y") || v == "true");
        let extended = in_query
            || match &body["extended"] {
                serde_json::Value::Bool(b) => *b,
                serde_json::Value::String(s) => s.eq_ignore_ascii_case("y") || s == "true",
                _ => false,
            };
        if let Some(r) = self.ban_response(st, now) {
            return r;
        }
        if let Err(f) = self.check_credentials(st, username, password) {
            return self.failure_response(&f);
        }
        let (tgt, ticket) = self.issue(st, username, extended, now);
        let base = format!(
            "{}/v2/sessions",
            self.origin.lock().unwrap_or_else(|p| p.into_inner())
        );
        let mut out = serde_json::Map::new();
        out.insert("ticket".into(), tgt.clone().into());
        if self.send_expiry {
            out.insert(
                "expiryDateTime".into(),
                format_iso_datetime(ticket.hard).into(),
            );
        }
        out.insert("extended".into(), extended.into());
        out.insert("location".into(), format!("{base}/tickets/{tgt}").into());
        out.insert("temporaryPassword".into(), false.into());
        let params = req.query_params();
        let list = |name: &str| -> Vec<String> {
            params
                .get(name)
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
                .unwrap_or_default()
        };
        let fields = list("fields");
        if !fields.is_empty() {
            out.retain(|k, _| fields.iter().any(|f| f == k));
        }
        for f in list("exclude") {
            out.remove(&f);
        }
        json(200, serde_json::Value::Object(out))
    }

    // ------------------------------------------------------------------ Apereo

    fn route_apereo(
        &self,
        req: &SimRequest,
        seg: &[String],
        line: &str,
        now: SystemTime,
    ) -> SimResponse {
        let rest: Vec<&str> = match seg {
            [cas, v1, tickets, rest @ ..] if cas == "cas" && v1 == "v1" && tickets == "tickets" => {
                rest.iter().map(String::as_str).collect()
            }
            _ => return SimResponse::text(404, "not found"),
        };
        let op = match (&req.method, rest.as_slice()) {
            (&Method::POST, []) => SimOp::Login,
            (&Method::GET, [_]) => SimOp::Validate,
            (&Method::DELETE, [_]) => SimOp::Logout,
            (&Method::POST, [_]) => SimOp::ServiceTicket,
            (_, []) => return SimResponse::status(405),
            _ => return SimResponse::text(404, "not found"),
        };
        let mut st = self.state();
        if let Some(r) = self.begin(&mut st, op, line) {
            return r;
        }
        let form_ok = req
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        match op {
            SimOp::Login => {
                if !form_ok {
                    return SimResponse::status(415);
                }
                let form = req.form();
                let (Some(username), Some(password)) = (form.get("username"), form.get("password"))
                else {
                    return SimResponse::text(
                        400,
                        "No credentials are provided or extracted to authenticate the REST request",
                    );
                };
                if let Some(r) = self.ban_response(&st, now) {
                    return r;
                }
                if let Err(f) = self.check_credentials(&mut st, username, password) {
                    return self.failure_response(&f);
                }
                let (tgt, _) = self.issue(&mut st, username, false, now);
                let base = match &self.location_base {
                    Some(b) => b.clone(),
                    None => format!(
                        "{}/cas",
                        self.origin.lock().unwrap_or_else(|p| p.into_inner())
                    ),
                };
                let location = format!("{base}/v1/tickets/{tgt}");
                let html = req
                    .header("accept")
                    .is_none_or(|a| a.contains("text/html") || a.trim() == "*/*");
                let resp = if html {
                    SimResponse::html(
                        201,
                        format!(
                            "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\"><html><head><title>201 Created</title></head><body><h1>TGT Created</h1><form action=\"{location}\" method=\"POST\">Service:<input type=\"text\" name=\"service\" value=\"\"><br><input type=\"submit\" value=\"Submit\"></form></body></html>"
                        ),
                    )
                } else {
                    SimResponse::text(201, tgt)
                };
                resp.header("location", &location)
            }
            SimOp::Validate => match self.live(&mut st, rest[0], now) {
                Some(t) => {
                    if self.status_refreshes_idle {
                        t.last_used = now;
                    }
                    SimResponse::text(200, rest[0])
                }
                None => SimResponse::text(404, "Ticket could not be found"),
            },
            SimOp::Logout => {
                st.tickets.remove(rest[0]);
                SimResponse::text(200, "")
            }
            SimOp::ServiceTicket => {
                if !form_ok {
                    return SimResponse::status(415);
                }
                let form = req.form();
                let Some(service) = form.get("service").filter(|s| !s.is_empty()) else {
                    return SimResponse::text(400, "Target service/application is unspecified");
                };
                if self.live(&mut st, rest[0], now).is_none() {
                    return SimResponse::text(
                        404,
                        "ticket could not be found or is considered invalid",
                    );
                }
                if !self.service_established(service) {
                    return SimResponse::text(
                        500,
                        "Target service/application is unspecified or unrecognized",
                    );
                }
                match self.mint_service_ticket(&mut st, rest[0], service, now) {
                    Some(id) => SimResponse::text(200, id),
                    None => {
                        SimResponse::text(404, "ticket could not be found or is considered invalid")
                    }
                }
            }
            // The Apereo simulator has no authenticated resource.
            SimOp::Resource => SimResponse::text(404, "not found"),
        }
    }
}
