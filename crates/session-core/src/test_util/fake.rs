//! A scripted provider for tests of the manager and of code built on it.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use http::HeaderMap;
use tokio::sync::Semaphore;

use crate::clock::Clock;
use crate::error::{Error, ErrorKind, Result};
use crate::provider::{SessionProvider, sensitive_value};
use crate::secret::SessionToken;
use crate::session::{Expiry, PersistedSession, RenewPolicy, Renewal, SecretState, Session};

/// How the [`FakeProvider`] renews.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FakeRenewal {
    /// Renewal is not supported (the manager logs in again).
    Unsupported,
    /// Renewal extends the same token by the provider's TTL.
    Extend,
    /// Renewal issues a new token.
    NewToken,
}

/// The session a [`FakeProvider`] issues: token `FAKE-TOKEN-<n>`.
#[derive(Clone)]
pub struct FakeSession {
    /// The token.
    pub token: SessionToken,
    /// Which login or renewal issued it (1-based).
    pub serial: usize,
    /// Its expiry.
    pub expiry: Expiry,
}

impl fmt::Debug for FakeSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeSession")
            .field("token", &self.token)
            .field("serial", &self.serial)
            .field("expiry", &self.expiry)
            .finish()
    }
}

impl Session for FakeSession {
    fn expiry(&self) -> Expiry {
        self.expiry
    }
    fn authenticate(&self, headers: &mut HeaderMap) {
        if let Some(v) = sensitive_value(self.token.expose_secret()) {
            headers.insert("x-fake-session", v);
        }
    }
}

struct State {
    logins: AtomicUsize,
    renewals: AtomicUsize,
    logouts: AtomicUsize,
    issued: AtomicUsize,
    login_failures: Mutex<VecDeque<Error>>,
    renew_failures: Mutex<VecDeque<Error>>,
    gate: Mutex<Option<Arc<Semaphore>>>,
}

/// A provider whose behaviour tests script: it counts calls, issues `FAKE-TOKEN-<n>` sessions
/// that expire `ttl` after the clock's now, and fails the next calls as told.
#[derive(Clone)]
pub struct FakeProvider {
    name: &'static str,
    clock: Arc<dyn Clock>,
    ttl: Option<Duration>,
    renewal: FakeRenewal,
    policy: RenewPolicy,
    validate_restored: bool,
    state: Arc<State>,
}

impl fmt::Debug for FakeProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeProvider")
            .field("name", &self.name)
            .field("logins", &self.logins())
            .finish_non_exhaustive()
    }
}

impl FakeProvider {
    /// A provider named `fake` issuing sessions that live `ttl` on `clock`, without renewal.
    pub fn new(clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        Self {
            name: "fake",
            clock,
            ttl: Some(ttl),
            renewal: FakeRenewal::Unsupported,
            policy: RenewPolicy::default().with_jitter(Duration::ZERO),
            validate_restored: false,
            state: Arc::new(State {
                logins: AtomicUsize::new(0),
                renewals: AtomicUsize::new(0),
                logouts: AtomicUsize::new(0),
                issued: AtomicUsize::new(0),
                login_failures: Mutex::new(VecDeque::new()),
                renew_failures: Mutex::new(VecDeque::new()),
                gate: Mutex::new(None),
            }),
        }
    }

    /// Sessions with unknown expiry (the policy's default TTL applies).
    #[must_use]
    pub fn with_unknown_expiry(mut self) -> Self {
        self.ttl = None;
        self
    }

    /// Sets how renewal behaves.
    #[must_use]
    pub fn with_renewal(mut self, renewal: FakeRenewal) -> Self {
        self.renewal = renewal;
        self
    }

    /// Asks the manager to validate sessions adopted from a store with one renewal.
    #[must_use]
    pub fn with_validate_restored(mut self, validate: bool) -> Self {
        self.validate_restored = validate;
        self
    }

    /// Sets the renewal policy.
    #[must_use]
    pub fn with_policy(mut self, policy: RenewPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Login calls so far.
    pub fn logins(&self) -> usize {
        self.state.logins.load(Ordering::SeqCst)
    }

    /// Renew calls so far.
    pub fn renewals(&self) -> usize {
        self.state.renewals.load(Ordering::SeqCst)
    }

    /// Logout calls so far.
    pub fn logouts(&self) -> usize {
        self.state.logouts.load(Ordering::SeqCst)
    }

    /// Fails the next `n` logins with an error of `kind` (and `retry_after` for rate limits).
    pub fn fail_logins(&self, n: usize, kind: ErrorKind, retry_after: Option<Duration>) {
        let mut q = self.state.login_failures.lock().expect("lock");
        for _ in 0..n {
            q.push_back(self.error(kind, retry_after));
        }
    }

    /// Fails the next `n` renewals with an error of `kind`.
    pub fn fail_renewals(&self, n: usize, kind: ErrorKind) {
        let mut q = self.state.renew_failures.lock().expect("lock");
        for _ in 0..n {
            q.push_back(self.error(kind, None));
        }
    }

    /// Makes logins wait until [`open_gate`](Self::open_gate) lets them through.
    pub fn close_gate(&self) {
        *self.state.gate.lock().expect("lock") = Some(Arc::new(Semaphore::new(0)));
    }

    /// Lets every waiting and future login through.
    pub fn open_gate(&self) {
        if let Some(s) = self.state.gate.lock().expect("lock").take() {
            s.add_permits(Semaphore::MAX_PERMITS / 2);
        }
    }

    fn error(&self, kind: ErrorKind, retry_after: Option<Duration>) -> Error {
        let e = Error::new(kind, self.name, "scripted failure").with_code("FAKE_FAILURE");
        match retry_after {
            Some(d) => e.with_retry_after(d),
            None => e,
        }
    }

    fn issue(&self) -> FakeSession {
        let serial = self.state.issued.fetch_add(1, Ordering::SeqCst) + 1;
        FakeSession {
            token: SessionToken::new(format!("FAKE-TOKEN-{serial}")),
            serial,
            expiry: self.expiry(),
        }
    }

    fn expiry(&self) -> Expiry {
        match self.ttl {
            Some(ttl) => Expiry::after(self.clock.now(), ttl),
            None => Expiry::Unknown,
        }
    }
}

#[async_trait]
impl SessionProvider for FakeProvider {
    type Session = FakeSession;

    fn name(&self) -> &'static str {
        self.name
    }

    async fn login(&self) -> Result<FakeSession> {
        let gate = self.state.gate.lock().expect("lock").clone();
        if let Some(gate) = gate {
            let _ = gate.acquire().await;
        }
        self.state.logins.fetch_add(1, Ordering::SeqCst);
        if let Some(e) = self.state.login_failures.lock().expect("lock").pop_front() {
            return Err(e);
        }
        Ok(self.issue())
    }

    async fn renew(&self, session: &FakeSession) -> Result<Renewal<FakeSession>> {
        if self.renewal == FakeRenewal::Unsupported {
            return Ok(Renewal::Unsupported);
        }
        self.state.renewals.fetch_add(1, Ordering::SeqCst);
        if let Some(e) = self.state.renew_failures.lock().expect("lock").pop_front() {
            return Err(e);
        }
        let _ = session;
        Ok(match self.renewal {
            FakeRenewal::Extend => Renewal::Extended(self.expiry()),
            _ => Renewal::Renewed(self.issue()),
        })
    }

    async fn logout(&self, _session: &FakeSession) -> Result<()> {
        self.state.logouts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn policy(&self) -> RenewPolicy {
        self.policy
    }

    fn validate_restored(&self) -> bool {
        self.validate_restored
    }

    fn persist(&self, session: &FakeSession) -> Option<PersistedSession> {
        let state =
            serde_json::json!({ "token": session.token.expose_secret(), "serial": session.serial });
        Some(PersistedSession {
            state: SecretState::new(state.to_string()),
            expires_at: match session.expiry {
                Expiry::At(t) => Some(t),
                _ => None,
            },
        })
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<FakeSession> {
        #[derive(serde::Deserialize)]
        struct Stored {
            token: SessionToken,
            serial: usize,
        }
        let s: Stored = serde_json::from_str(persisted.state.expose_secret())
            .map_err(|_| Error::configuration(self.name, "unreadable stored session"))?;
        Ok(FakeSession {
            token: s.token,
            serial: s.serial,
            expiry: persisted.expires_at.map_or(Expiry::Never, Expiry::At),
        })
    }
}
