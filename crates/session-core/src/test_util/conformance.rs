//! The provider conformance suite: every provider crate runs the same checks against its own
//! mock server or simulator, so every provider behaves the same way under the manager.
//!
//! ```text
//! use session_core::test_util::{conformance, Fixture, Harness, ManualClock, Op, Scenario};
//! struct MyHarness;
//! #[async_trait::async_trait]
//! impl Harness for MyHarness {
//!     type Provider = MyProvider;
//!     async fn fixture(&self, scenario: Scenario, clock: ManualClock) -> Fixture<MyProvider> {
//!         /* start a fresh upstream for `scenario`; point a provider using `clock` at it */
//!     }
//! }
//! #[tokio::test(flavor = "multi_thread")]
//! async fn conformance_suite() { conformance::run(MyHarness).await; }
//! ```
//!
//! Checks, each against a fresh upstream:
//! 1. single flight: 50 concurrent `get()` on an empty manager make exactly one login;
//! 2. expiry: a session inside its renewal window is renewed (or re-logged in) by exactly one
//!    upstream call for 20 concurrent callers, and an expired one by exactly one login;
//! 3. invalidation: 50 concurrent `invalidate` of one lease cause one re-login;
//! 4. bad credentials: one request, `InvalidCredentials`, and no request on the next `get()`
//!    until `reset()`;
//! 5. ban: `RateLimited`, no request inside the window, one request after it;
//! 6. logout: one upstream logout; the next `get()` logs in again;
//! 7. no leaks: no fixture secret in captured `tracing`/`log` output, in any error's `Display`,
//!    `Debug` or source chain, or in the `Debug` of sessions, leases, events, health and the manager.

use std::any::Any;
use std::fmt;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::clock::ManualClock;
use super::leak::{
    assert_debug_clean, assert_error_clean, assert_no_secret, capture_logs, captured_spans,
};
use crate::error::{ErrorKind, Result};
use crate::manager::{Lease, SessionManager};
use crate::provider::SessionProvider;

/// An upstream operation the suite counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Login requests.
    Login,
    /// Renewal requests (keepAlive, refresh, validate).
    Renew,
    /// Logout requests.
    Logout,
}

/// What the upstream of a fixture does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Logins succeed; renewal succeeds where supported; logout succeeds.
    Valid,
    /// Logins fail with [`ErrorKind::InvalidCredentials`].
    InvalidCredentials,
    /// Logins fail with [`ErrorKind::RateLimited`].
    RateLimited,
}

/// A provider pointed at a fresh upstream, with what the suite needs to observe it.
pub struct Fixture<P> {
    /// The provider, using the suite's clock for expiry.
    pub provider: P,
    /// Every secret that must never leak: credentials and the tokens the upstream issues.
    pub secrets: Vec<String>,
    /// Upstream requests seen so far, per operation.
    pub calls: Box<dyn Fn(Op) -> usize + Send + Sync>,
    /// Keeps the upstream alive for the fixture's lifetime.
    pub guard: Box<dyn Any + Send + Sync>,
}

impl<P> fmt::Debug for Fixture<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fixture")
            .field("secrets", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

/// Starts fixtures for the suite.
#[async_trait]
pub trait Harness: Send + Sync {
    /// The provider under test.
    type Provider: SessionProvider;

    /// A provider pointed at a fresh upstream behaving as `scenario`, computing expiry with
    /// `clock`.
    async fn fixture(&self, scenario: Scenario, clock: ManualClock) -> Fixture<Self::Provider>;

    /// Whether the provider ends sessions upstream (default `true`).
    fn supports_logout(&self) -> bool {
        true
    }
}

struct Run<P: SessionProvider> {
    secrets: Vec<String>,
    calls: Box<dyn Fn(Op) -> usize + Send + Sync>,
    _guard: Box<dyn Any + Send + Sync>,
    clock: ManualClock,
    manager: SessionManager<P>,
}

impl<P: SessionProvider> Run<P>
where
    P::Session: fmt::Debug,
{
    fn calls(&self, op: Op) -> usize {
        (self.calls)(op)
    }

    fn upstream(&self) -> usize {
        self.calls(Op::Login) + self.calls(Op::Renew)
    }

    fn check_lease(&self, lease: &Lease<P::Session>) {
        assert_debug_clean(lease, &self.secrets);
        assert_debug_clean(&**lease, &self.secrets);
        assert_debug_clean(&self.manager, &self.secrets);
        assert_debug_clean(&self.manager.health(), &self.secrets);
    }

    fn check_error(&self, e: &crate::Error) {
        assert_error_clean(e, &self.secrets);
    }

    fn finish(self, events: &mut tokio::sync::broadcast::Receiver<crate::Event>) {
        while let Ok(ev) = events.try_recv() {
            assert_debug_clean(&ev, &self.secrets);
        }
        capture_logs().assert_clean(&self.secrets);
    }
}

async fn start<H: Harness>(h: &H, scenario: Scenario) -> Run<H::Provider> {
    let clock = ManualClock::new();
    let Fixture {
        provider,
        secrets,
        calls,
        guard,
    } = h.fixture(scenario, clock.clone()).await;
    let manager = SessionManager::builder(provider)
        .clock(clock.shared())
        .default_ban(Duration::from_secs(120))
        .build();
    Run {
        secrets,
        calls,
        _guard: guard,
        clock,
        manager,
    }
}

async fn concurrent_gets<P: SessionProvider>(
    manager: &SessionManager<P>,
    n: usize,
) -> Vec<Result<Lease<P::Session>>> {
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let m = manager.clone();
        tasks.push(tokio::spawn(async move { m.get().await }));
    }
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.expect("get task panicked"));
    }
    out
}

fn all_ok<S>(name: &str, results: Vec<Result<Lease<S>>>) -> Vec<Lease<S>> {
    results
        .into_iter()
        .map(|r| match r {
            Ok(l) => l,
            Err(e) => panic!("{name}: get() failed: kind {}", e.kind()),
        })
        .collect()
}

fn time_until(clock: &ManualClock, t: SystemTime) -> Duration {
    t.duration_since(clock.now()).unwrap_or(Duration::ZERO)
}

/// Runs every check; panics with the name of the first one that fails.
pub async fn run<H: Harness>(harness: H)
where
    <H::Provider as SessionProvider>::Session: fmt::Debug,
{
    capture_logs();
    single_flight(&harness).await;
    expiry(&harness).await;
    invalidation(&harness).await;
    bad_credentials(&harness).await;
    ban(&harness).await;
    logout(&harness).await;
    spans(&harness).await;
}

/// 50 concurrent `get()` on an empty manager: one login, one generation.
pub async fn single_flight<H: Harness>(harness: &H)
where
    <H::Provider as SessionProvider>::Session: fmt::Debug,
{
    let run = start(harness, Scenario::Valid).await;
    let mut events = run.manager.subscribe();
    let leases = all_ok("single flight", concurrent_gets(&run.manager, 50).await);
    assert_eq!(
        run.calls(Op::Login),
        1,
        "single flight: 50 callers must cause exactly 1 login"
    );
    let g = leases[0].generation();
    assert!(
        leases.iter().all(|l| l.generation() == g),
        "single flight: all callers share one session"
    );
    run.check_lease(&leases[0]);
    run.finish(&mut events);
}

/// Renewal window: one upstream call for 20 callers; past expiry: one login.
pub async fn expiry<H: Harness>(harness: &H)
where
    <H::Provider as SessionProvider>::Session: fmt::Debug,
{
    let run = start(harness, Scenario::Valid).await;
    let mut events = run.manager.subscribe();
    let first = run
        .manager
        .get()
        .await
        .unwrap_or_else(|e| panic!("expiry: login failed: {}", e.kind()));
    let Some(expires_at) = first.expires_at() else {
        // Sessions that never expire have nothing to renew.
        run.finish(&mut events);
        return;
    };
    let before = run.upstream();
    // Just inside the renewal window (which ends at expiry), nothing has expired yet.
    run.clock
        .advance(time_until(&run.clock, expires_at).saturating_sub(Duration::from_millis(1)));
    let leases = all_ok(
        "expiry (renewal window)",
        concurrent_gets(&run.manager, 20).await,
    );
    assert_eq!(
        run.upstream() - before,
        1,
        "expiry: a session in its renewal window must be renewed by exactly 1 upstream call"
    );
    let renewed = &leases[0];
    assert!(
        leases
            .iter()
            .all(|l| l.generation() == renewed.generation())
    );
    let new_expiry = renewed
        .expires_at()
        .expect("a renewed session has an expiry");
    assert!(
        new_expiry > expires_at,
        "expiry: renewal must move the deadline forward"
    );
    run.check_lease(renewed);

    // Past the (new) expiry: the session is gone; one login replaces it.
    let logins = run.calls(Op::Login);
    let upstream = run.upstream();
    run.clock
        .advance(time_until(&run.clock, new_expiry).saturating_add(Duration::from_secs(1)));
    all_ok("expiry (expired)", concurrent_gets(&run.manager, 20).await);
    assert_eq!(
        run.calls(Op::Login) - logins,
        1,
        "expiry: an expired session must be replaced by exactly 1 login"
    );
    assert_eq!(
        run.upstream() - upstream,
        1,
        "expiry: no renewal is attempted on an expired session"
    );
    run.finish(&mut events);
}

/// 50 concurrent invalidations of one lease: one re-login.
pub async fn invalidation<H: Harness>(harness: &H)
where
    <H::Provider as SessionProvider>::Session: fmt::Debug,
{
    let run = start(harness, Scenario::Valid).await;
    let mut events = run.manager.subscribe();
    let lease = run
        .manager
        .get()
        .await
        .unwrap_or_else(|e| panic!("invalidation: login failed: {}", e.kind()));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let m = run.manager.clone();
        let l = lease.clone();
        tasks.push(tokio::spawn(async move {
            m.invalidate(&l);
            m.get().await
        }));
    }
    let mut leases = Vec::new();
    for t in tasks {
        leases.push(t.await.expect("task panicked"));
    }
    let leases = all_ok("invalidation", leases);
    assert_eq!(
        run.calls(Op::Login),
        2,
        "invalidation: 50 rejections of one lease must cause exactly 1 re-login"
    );
    assert!(leases.iter().all(|l| l.generation() > lease.generation()));
    assert!(
        !run.manager.invalidate(&lease),
        "invalidation: a stale lease must not drop the new session"
    );
    run.finish(&mut events);
}

/// Invalid credentials: one request, then the remembered error without requests until reset.
pub async fn bad_credentials<H: Harness>(harness: &H)
where
    <H::Provider as SessionProvider>::Session: fmt::Debug,
{
    let run = start(harness, Scenario::InvalidCredentials).await;
    let mut events = run.manager.subscribe();
    let e = run
        .manager
        .get()
        .await
        .expect_err("bad credentials: login must fail");
    assert_eq!(
        e.kind(),
        ErrorKind::InvalidCredentials,
        "bad credentials: kind"
    );
    assert_eq!(
        run.calls(Op::Login),
        1,
        "bad credentials: exactly 1 request"
    );
    run.check_error(&e);
    let e2 = run
        .manager
        .get()
        .await
        .expect_err("bad credentials: second get must fail");
    assert_eq!(e2.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(
        run.calls(Op::Login),
        1,
        "bad credentials: the remembered error is returned without a request"
    );
    run.manager.reset();
    let e3 = run
        .manager
        .get()
        .await
        .expect_err("bad credentials: still bad after reset");
    assert_eq!(e3.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(
        run.calls(Op::Login),
        2,
        "bad credentials: reset allows exactly one new attempt"
    );
    run.finish(&mut events);
}

/// Rate limit: no request inside the ban window, one after it.
pub async fn ban<H: Harness>(harness: &H)
where
    <H::Provider as SessionProvider>::Session: fmt::Debug,
{
    let run = start(harness, Scenario::RateLimited).await;
    let mut events = run.manager.subscribe();
    let e = run.manager.get().await.expect_err("ban: login must fail");
    assert_eq!(e.kind(), ErrorKind::RateLimited, "ban: kind");
    assert_eq!(run.calls(Op::Login), 1);
    run.check_error(&e);
    let e2 = run
        .manager
        .get()
        .await
        .expect_err("ban: second get must fail");
    assert_eq!(e2.kind(), ErrorKind::RateLimited);
    assert_eq!(
        run.calls(Op::Login),
        1,
        "ban: no request inside the ban window"
    );
    let left = e2
        .retry_after()
        .expect("ban: a local refusal says how long is left");
    run.clock
        .advance(left.saturating_add(Duration::from_secs(1)));
    let _ = run.manager.get().await;
    assert_eq!(
        run.calls(Op::Login),
        2,
        "ban: exactly one request after the window"
    );
    run.finish(&mut events);
}

/// Logout: one upstream call; the next get logs in again.
pub async fn logout<H: Harness>(harness: &H)
where
    <H::Provider as SessionProvider>::Session: fmt::Debug,
{
    let run = start(harness, Scenario::Valid).await;
    let mut events = run.manager.subscribe();
    run.manager
        .get()
        .await
        .unwrap_or_else(|e| panic!("logout: login failed: {}", e.kind()));
    run.manager
        .logout()
        .await
        .unwrap_or_else(|e| panic!("logout failed: {}", e.kind()));
    if harness.supports_logout() {
        assert_eq!(
            run.calls(Op::Logout),
            1,
            "logout: exactly 1 upstream logout"
        );
    }
    assert!(!run.manager.health().has_session);
    run.manager
        .get()
        .await
        .unwrap_or_else(|e| panic!("logout: re-login failed: {}", e.kind()));
    assert_eq!(
        run.calls(Op::Login),
        2,
        "logout: the next get logs in again"
    );
    run.finish(&mut events);
}

/// Spans: a login has a `session.login` span with `provider`, `account` (a fingerprint, never
/// the username), `generation` and `attempt`; a refused login records its `kind`; no span field
/// holds a secret.
pub async fn spans<H: Harness>(harness: &H)
where
    <H::Provider as SessionProvider>::Session: fmt::Debug,
{
    let run = start(harness, Scenario::Valid).await;
    let mut events = run.manager.subscribe();
    let lease = run
        .manager
        .get()
        .await
        .unwrap_or_else(|e| panic!("spans: login failed: {}", e.kind()));
    let provider = run.manager.provider().name();
    let account = run.manager.account().to_owned();
    assert!(
        account.starts_with("acct-")
            && account.len() == 13
            && account[5..].bytes().all(|b| b.is_ascii_hexdigit()),
        "spans: the default account label is a fingerprint"
    );
    let generation = lease.generation().to_string();
    let spans = captured_spans();
    // Other tests run in this process too: this run's login is the one with its account.
    let login = spans.iter().find(|s| {
        s.name == "session.login"
            && s.field("provider") == Some(provider)
            && s.field("account") == Some(account.as_str())
            && s.field("generation") == Some(generation.as_str())
    });
    let login = login.unwrap_or_else(|| panic!("spans: no session.login span for {provider}"));
    assert!(login.field("attempt").is_some(), "spans: attempt");
    let bad = start(harness, Scenario::InvalidCredentials).await;
    let e = bad
        .manager
        .get()
        .await
        .expect_err("spans: invalid credentials");
    let failed = captured_spans().into_iter().any(|s| {
        s.name == "session.login"
            && s.field("provider") == Some(provider)
            && s.field("kind") == Some(e.kind().as_str())
    });
    assert!(failed, "spans: a refused login records its kind");
    for span in captured_spans() {
        for (name, value) in &span.fields {
            assert_no_secret(
                &format!("span field {}.{name}", span.name),
                value,
                &run.secrets,
            );
        }
    }
    run.finish(&mut events);
}
