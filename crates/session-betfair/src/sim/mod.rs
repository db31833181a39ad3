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

mod builder;
mod identity;
mod routes;
mod server;
mod vendor;

use identity::{keep_alive_or_rotate, login, logout};
use routes::handle;

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

/// A running simulator. Stops when dropped.
pub struct BetfairSim {
    state: Arc<Mutex<State>>,
    clock: Arc<dyn Clock>,
    server: SimServer,
    cert_server: Option<SimServer>,
}

/// A cheap deterministic scramble so tokens do not look sequential.
pub(crate) fn mix(n: u64) -> u32 {
    let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> 32) as u32 ^ x as u32
}
