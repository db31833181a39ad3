//! A stateful simulator of both CAS flavors (feature `test-util`), for this crate's tests, your
//! own tests and `sessions demo`.
//!
//! [`CasSim`] serves the William Hill Sessions API v2 (under `/v2/sessions`) or the Apereo CAS
//! REST protocol (under `/cas`) on a loopback port. It issues ticket-granting tickets, enforces
//! the idle timeout and the hard cap against an injected [`Clock`] (use
//! `session_core::test_util::ManualClock` to move time), validates tickets, mints single-use
//! service tickets, and counts, logs and fails requests per operation like every simulator of
//! the workspace: [`CasSim::calls`], [`CasSim::requests`], [`CasSim::fail_next`] with a
//! [`SimFault`] (the kit's common faults or a [`CasFault`]), and [`CasSim::provider_builder`].
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
//! use session_cas::{Flavor, SessionManager};
//! let sim = CasSim::builder(Flavor::WhApi)
//!     .user("punter_01", "hunter22")
//!     .api_credentials("l7xxSIMKEY0000000000", "SIMSECRET00000000000")
//!     .start()
//!     .await?;
//! let provider = sim
//!     .provider_builder()
//!     .build()
//!     .expect("valid configuration");
//! let manager = SessionManager::new(provider);
//! # let _ = manager;
//! # Ok(()) }
//! ```

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use http::Method;
use session_core::test_util::{
    Ledger, SimRecord, SimRequest, SimResponse, SimServer, TlsServerConfig, retry_after_secs,
};
use session_core::timing;
use session_core::{ApiKeySecret, Clock, SystemClock, UsernamePassword};

use crate::config::{CasBuilder, Flavor, Lifetimes};
use crate::provider::CasProvider;
use crate::wire::{format_http_date, format_iso_datetime};

mod apereo;
mod builder;
mod server;
mod shared;
mod wh;

use shared::{json, random_u64, wh_code_response, wh_error};

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

/// The failures only CAS has, scripted as [`SimFault::Provider`].
///
/// The common faults render the way a CAS front answers them: [`SimFault::RateLimited`] as 429
/// with a William Hill `errors` body, [`SimFault::Unavailable`] as 503 with a JSON body,
/// [`SimFault::Status`] as a bare status with an empty body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CasFault {
    /// Bad credentials: William Hill 401 / 20501; Apereo 401 `FailedLoginException`.
    InvalidCredentials,
    /// A locked account: William Hill 403 / 20504; Apereo 401 `AccountLockedException`.
    AccountLocked,
    /// A William Hill error code with its documented status (20501 → 401, 20511 → 404, other
    /// 205xx → 403). The Apereo simulator answers 400.
    WhCode(u32),
    /// The ticket is unknown: William Hill 404 / 20511; Apereo 404.
    TicketNotFound,
}

/// A scripted failure of the CAS simulator: the kit's common faults or a [`CasFault`].
pub type SimFault = session_core::test_util::SimFault<CasFault>;

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
    ledger: Ledger<SimOp, CasFault>,
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
