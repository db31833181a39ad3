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
//! with Betfair's exception and framework-error envelopes.
//!
//! Like every simulator of the workspace it counts, logs and fails requests per [`SimOp`]
//! ([`BetfairSim::calls`], [`BetfairSim::requests`], [`BetfairSim::fail_next`] with a
//! [`SimFault`]: the kit's common faults or a [`BetfairFault`]), and builds clients pointed at
//! itself ([`BetfairSim::provider_builder`], [`BetfairSim::accounts_builder`]).
//!
//! ```no_run
//! # async fn demo() -> session_betfair::Result<()> {
//! use session_betfair::{BetfairSim, SessionManager, SimOp};
//!
//! let sim = BetfairSim::builder().account("alice", "s3cret").start().await?;
//! // Pointed at the simulator, logging in as its first account.
//! let provider = sim.provider_builder().build()?;
//! let manager = SessionManager::new(provider);
//! let lease = manager.get().await?;
//! assert_eq!(sim.calls(SimOp::Login), 1);
//! # drop(lease); Ok(()) }
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::json;
use session_core::test_util::{Ledger, SimRecord, SimRequest, SimResponse, SimServer};
use session_core::timing;
use session_core::{Clock, Error, ErrorKind, Result, SessionToken, SystemClock};

use crate::config::BetfairBuilder;
use crate::provider::BetfairProvider;
use crate::vendor::{AccountsBuilder, AccountsClient};

use crate::error::{LOGIN_BAN, NAME};
use crate::vendor::SubscriptionStatus;

mod builder;
mod identity;
mod routes;
mod server;
mod vendor;

use identity::{keep_alive_or_rotate, login, logout};
use routes::handle;

pub use vendor::{AccountsOp, SIM_WEB_TOKEN_PREFIX, SimVendorApp};

/// The prefix of every token the simulator issues (handy for leak checks).
pub const SIM_TOKEN_PREFIX: &str = "BFSIM-TOKEN-";

/// An operation the simulator counts, logs and can fail on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SimOp {
    /// Interactive login (`/api/login`).
    Login,
    /// Certificate login (`/api/certlogin`).
    CertLogin,
    /// `/api/keepAlive`.
    KeepAlive,
    /// `/api/logout`.
    Logout,
    /// A request to the API-NG stand-in under `/exchange/` that is not an Accounts API vendor
    /// operation (including vendor requests whose body could not be parsed).
    Api,
    /// An Accounts API vendor operation.
    Accounts(AccountsOp),
}

/// The failures only Betfair has, scripted as [`SimFault::Provider`].
///
/// On a login (either endpoint) the simulator answers the fault's status and error code
/// instead of checking credentials (for `SUCCESS` and `LIMITED_ACCESS` it creates a session);
/// on keepAlive and logout `FAIL` with the error code; on an Accounts API operation or the
/// API-NG stand-in an `AccountAPINGException` with the error code, in the request's envelope
/// (JSON-RPC or REST).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BetfairFault {
    /// A login answer with this `status` (`FAIL`, `LIMITED_ACCESS`, `LOGIN_RESTRICTED`,
    /// `SUCCESS`) and `error` code.
    Login {
        /// The login status.
        status: String,
        /// The error code (empty for none).
        error: String,
    },
    /// This error code: `FAIL` with it on the identity endpoints, an `AccountAPINGException`
    /// with it on the API.
    Error(String),
}

impl BetfairFault {
    /// A login answer with `status` and `error`.
    pub fn login(status: impl Into<String>, error: impl Into<String>) -> Self {
        Self::Login {
            status: status.into(),
            error: error.into(),
        }
    }

    /// The error code `code` (`NO_SESSION`, `INTERNAL_ERROR`, `TOO_MANY_REQUESTS` …).
    pub fn error(code: impl Into<String>) -> Self {
        Self::Error(code.into())
    }

    /// The login status and error code this fault answers a login with.
    fn login_answer(&self) -> (&str, &str) {
        match self {
            Self::Login { status, error } => (status, error),
            Self::Error(code) => ("FAIL", code),
        }
    }

    /// The error code this fault answers every other operation with.
    fn code(&self) -> &str {
        match self {
            Self::Login { error, .. } => error,
            Self::Error(code) => code,
        }
    }
}

/// A scripted failure of the Betfair simulator: the kit's common faults or a [`BetfairFault`].
pub type SimFault = session_core::test_util::SimFault<BetfairFault>;

struct Account {
    password: String,
    two_factor: Option<String>,
}

struct SimSession {
    username: String,
    expires_at: SystemTime,
}

struct State {
    accounts: HashMap<String, Account>,
    first_account: Option<(String, String)>,
    app_key: Option<String>,
    lifetime: Duration,
    login_limit: usize,
    ban: Duration,
    require_client_cert: bool,
    sessions: HashMap<String, SimSession>,
    recent_logins: HashMap<String, VecDeque<SystemTime>>,
    bans: HashMap<String, SystemTime>,
    rotate_keep_alives: usize,
    successful_logins: usize,
    next_token: u64,
    vendor: vendor::VendorState,
}

/// Configures a [`BetfairSim`].
pub struct BetfairSimBuilder {
    clock: Arc<dyn Clock>,
    accounts: HashMap<String, Account>,
    first_account: Option<(String, String)>,
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
    ledger: Arc<Ledger<SimOp, BetfairFault>>,
    clock: Arc<dyn Clock>,
    server: SimServer,
    cert_server: Option<SimServer>,
}

/// A cheap deterministic scramble so tokens do not look sequential.
pub(crate) fn mix(n: u64) -> u32 {
    let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> 32) as u32 ^ x as u32
}
