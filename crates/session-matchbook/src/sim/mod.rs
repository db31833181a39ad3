//! A stateful simulator of Matchbook's session resource (feature `test-util`), for this crate's
//! tests, your own tests and `sessions demo`.
//!
//! It serves, on a loopback port:
//! - `POST /bpapi/rest/security/session`: a JSON login (`username`, `password`, `mfa-code`)
//!   answered with `{"session-token","user-id","role","account":{…}}`, or Matchbook's error
//!   shape `{"errors":[{"field","messages","codes"}]}`: 400 `LOGIN_MFA_REQUIRED` for an MFA
//!   account without the right code, 401 `INVALID_CREDENTIALS` (the simulator's choice: the
//!   real code is not documented) for a wrong username or password;
//! - `GET` of the same path with `session-token`: 200 while the session lives (and the session
//!   lives [`ttl`](MatchbookSimBuilder::ttl) from then on), 401 once it has expired;
//! - `DELETE`: 200 and the session ends, or 401 for a dead one;
//! - any request under `/edge/rest/`: 200 `{"path":…}` with a live `session-token`, 401 without.
//!
//! Requests are counted and logged per [`SimOp`] ([`MatchbookSim::calls`],
//! [`MatchbookSim::requests`]); [`MatchbookSim::fail_next`] answers the next request of an
//! operation with a [`SimFault`]. Expiry follows the injected [`Clock`] (use `ManualClock` in
//! tests). Error messages echo the token, so leak tests have something to catch; every token
//! starts with [`SIM_TOKEN_PREFIX`].

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use session_core::test_util::{
    Ledger, SimRecord, SimRequest, SimResponse, SimServer, TlsServerConfig,
};
use session_core::{Clock, SystemClock, timing};

use crate::config::MatchbookBuilder;
use crate::provider::MatchbookProvider;

mod routes;

/// The start of every token the simulator issues.
pub const SIM_TOKEN_PREFIX: &str = "MBSIM-";

/// An operation the simulator counts and can fail on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SimOp {
    /// `POST` of the session resource.
    Login,
    /// `GET` of the session resource.
    Check,
    /// `DELETE` of the session resource.
    Logout,
    /// Requests under `/edge/rest/`.
    Api,
}

/// The failures only Matchbook has, scripted as [`SimFault::Provider`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchbookFault {
    /// Matchbook's error shape with this status and one code.
    Errors {
        /// The HTTP status.
        status: u16,
        /// The `codes` entry.
        code: &'static str,
    },
}

/// A scripted failure of the Matchbook simulator: the kit's common faults or a
/// [`MatchbookFault`].
pub type SimFault = session_core::test_util::SimFault<MatchbookFault>;

struct User {
    password: String,
    mfa: Option<String>,
    id: u64,
}

#[derive(Default)]
struct State {
    sessions: HashMap<String, (u64, SystemTime)>,
    issued: u64,
}

struct Shared {
    clock: Arc<dyn Clock>,
    ttl: Duration,
    users: HashMap<String, User>,
    first_user: Option<(String, String)>,
    state: Mutex<State>,
    ledger: Ledger<SimOp, MatchbookFault>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Configures a [`MatchbookSim`]. Start with [`MatchbookSim::builder`].
pub struct MatchbookSimBuilder {
    users: Vec<(String, String, Option<String>)>,
    ttl: Duration,
    clock: Arc<dyn Clock>,
    tls: Option<Arc<TlsServerConfig>>,
}

impl fmt::Debug for MatchbookSimBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MatchbookSimBuilder")
            .field("users", &self.users.len())
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl MatchbookSimBuilder {
    session_core::sim_tls_option!();

    /// Adds a user without multi-factor authentication.
    #[must_use]
    pub fn user(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.users.push((username.into(), password.into(), None));
        self
    }

    /// Adds a user whose logins need `mfa_code` as `mfa-code`.
    #[must_use]
    pub fn mfa_user(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
        mfa_code: impl Into<String>,
    ) -> Self {
        self.users
            .push((username.into(), password.into(), Some(mfa_code.into())));
        self
    }

    /// How long a session lives after login or a check (default 6 hours).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The clock expiry follows (default the system clock).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Starts serving on `127.0.0.1`.
    pub async fn start(self) -> std::io::Result<MatchbookSim> {
        let first_user = self.users.first().map(|(u, p, _)| (u.clone(), p.clone()));
        let users = (1000..)
            .zip(self.users)
            .map(|(id, (name, password, mfa))| (name, User { password, mfa, id }))
            .collect();
        let shared = Arc::new(Shared {
            clock: self.clock,
            ttl: self.ttl,
            users,
            first_user,
            state: Mutex::new(State::default()),
            ledger: Ledger::new(),
        });
        let handler = shared.clone();
        let server =
            SimServer::start_on(move |req| routes::handle(&handler, &req), self.tls).await?;
        Ok(MatchbookSim { server, shared })
    }
}

/// A running Matchbook simulator; stops when dropped.
pub struct MatchbookSim {
    server: SimServer,
    shared: Arc<Shared>,
}

impl fmt::Debug for MatchbookSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MatchbookSim")
            .field("base_url", &self.base_url())
            .field("logins", &self.calls(SimOp::Login))
            .field("checks", &self.calls(SimOp::Check))
            .field("logouts", &self.calls(SimOp::Logout))
            .finish_non_exhaustive()
    }
}

impl MatchbookSim {
    /// A builder with no users, 6-hour sessions and the system clock.
    pub fn builder() -> MatchbookSimBuilder {
        MatchbookSimBuilder {
            users: Vec::new(),
            ttl: crate::DEFAULT_TTL,
            clock: Arc::new(SystemClock),
            tls: None,
        }
    }

    /// `http://127.0.0.1:PORT`, the base URL to configure the provider with.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// A provider builder pointed at this simulator: base URL, loopback opt-out, its clock and
    /// the first user's name and password (when it has users).
    pub fn provider_builder(&self) -> MatchbookBuilder {
        let builder = MatchbookProvider::builder(self.base_url())
            .allow_insecure_loopback(true)
            .clock(self.shared.clock.clone());
        match &self.shared.first_user {
            Some((username, password)) => builder.credentials(username.clone(), password.clone()),
            None => builder,
        }
    }

    /// Requests received for `op` so far (failed ones included).
    pub fn calls(&self, op: SimOp) -> usize {
        self.shared.ledger.calls(op)
    }

    /// Every request received so far, oldest first, with the operation it was counted under.
    pub fn requests(&self) -> Vec<SimRecord<SimOp>> {
        self.shared.ledger.requests()
    }

    /// Answers the next request for `op` with `fault`; faults queue up per operation.
    pub fn fail_next(&self, op: SimOp, fault: SimFault) {
        self.shared.ledger.fail_next(op, fault);
    }

    /// Sessions that have not expired.
    pub fn active_sessions(&self) -> usize {
        let now = self.shared.clock.now();
        let st = self.shared.lock();
        st.sessions.values().filter(|(_, end)| now < *end).count()
    }

    /// Ends every session (as after a server restart), so the next API call answers 401.
    pub fn drop_sessions(&self) {
        self.shared.lock().sessions.clear();
    }
}

/// `now` plus the simulator's session lifetime.
fn deadline(shared: &Shared, now: SystemTime) -> SystemTime {
    timing::after(now, shared.ttl)
}
