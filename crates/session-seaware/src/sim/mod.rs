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
//! Requests are counted and logged per [`SimOp`] ([`SeawareSim::calls`],
//! [`SeawareSim::requests`]); [`SeawareSim::fail_next`] answers the next request of an operation
//! with a [`SimFault`]: one of the kit's common faults or a [`SeawareFault`].
//!
//! Expiry follows the injected [`Clock`] (use `ManualClock` in tests). Like Spring Security OAuth
//! up to 2.5.1, error descriptions echo the token by default, so leak tests have something to
//! catch. Every token starts with [`SIM_TOKEN_PREFIX`]: a leak check for that prefix catches every
//! token the simulator issues.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use session_core::test_util::{
    Ledger, SimRecord, SimRequest, SimResponse, SimServer, TlsServerConfig,
};
use session_core::timing;
use session_core::{Clock, SystemClock};

use crate::config::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, RESAGENT, SeawareBuilder, TRAVELAGENT,
};
use crate::provider::SeawareProvider;

mod builder;
mod routes;
mod server;
mod tokens;

use routes::{bearer, echo, fault_response, handle, spring_error};
use tokens::{logout, token};

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

/// The failures only a Spring Security OAuth server has, scripted as [`SimFault::Provider`].
///
/// The common faults render as SwOTA answers them: [`SimFault::RateLimited`] as a plain-text
/// 429, [`SimFault::Unavailable`] as 500 with Spring's `{"error":"server_error",…}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SeawareFault {
    /// A Spring-style RFC 6749 error body with this status and code.
    Spring {
        /// The HTTP status.
        status: u16,
        /// The `error` code.
        error: &'static str,
    },
}

/// A scripted failure of the Seaware simulator: the kit's common faults or a [`SeawareFault`].
pub type SimFault = session_core::test_util::SimFault<SeawareFault>;

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
    first_user: Option<(String, String)>,
    state: Mutex<State>,
    ledger: Ledger<SimOp, SeawareFault>,
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

/// A running Seaware simulator; stops when dropped.
pub struct SeawareSim {
    server: SimServer,
    shared: Arc<Shared>,
}
