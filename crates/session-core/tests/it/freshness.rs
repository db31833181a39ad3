//! A cached session is never handed out past its renewal point, whatever happened to the
//! runtime that installed it, to the timers, or to the wall clock; absurd upstream numbers never
//! panic the manager and a ban from them is still recorded.

use std::sync::Arc;
use std::time::Duration;

use session_core::test_util::{FakeProvider, ManualClock};
use session_core::{Clock, ErrorKind, RenewPolicy, SessionManager, SystemClock, timing};

fn policy(ttl: Duration) -> RenewPolicy {
    RenewPolicy::default()
        .with_default_ttl(ttl)
        .with_buffer(Duration::from_millis(200))
        .with_jitter(Duration::ZERO)
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A manager in a `static` or a long-lived struct outlives the runtime it first logged in on.
#[test]
fn session_from_a_dropped_runtime_is_not_served_past_expiry() {
    let provider = FakeProvider::new(Arc::new(SystemClock), Duration::from_millis(600))
        .with_policy(policy(Duration::from_millis(600)));
    let manager = SessionManager::new(provider.clone());
    let first = {
        let rt = current_thread();
        rt.block_on(manager.get()).expect("login")
    };
    assert_eq!(provider.logins(), 1);
    std::thread::sleep(Duration::from_millis(700));
    let rt = current_thread();
    let before = SystemClock.now();
    let lease = rt.block_on(manager.get()).expect("second get");
    assert_eq!(provider.logins(), 2, "an expired session was served");
    assert_ne!(lease.generation(), first.generation());
    let expires = lease.expires_at().expect("deadline");
    assert!(expires > before, "lease already expired");
}

/// Sync code that creates a current-thread runtime per call (as `reqwest::blocking` users do).
#[test]
#[allow(clippy::disallowed_methods)] // Real time passes: the manager uses the system clock here.
fn a_runtime_per_call_renews_at_the_renewal_point() {
    let provider = FakeProvider::new(Arc::new(SystemClock), Duration::from_millis(500))
        .with_policy(policy(Duration::from_millis(500)));
    let manager = SessionManager::new(provider.clone());
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_millis(1600) {
        // Read before the call: a stall after it cannot make a good answer look bad.
        let before = SystemClock.now();
        let lease = current_thread().block_on(manager.get()).expect("get");
        let until = lease.expires_at().expect("deadline");
        // Never handed out within the buffer of its expiry, let alone after it.
        assert!(
            until.duration_since(before).unwrap_or_default() > Duration::from_millis(150),
            "served a session too close to expiry"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // 1.6 s of 0.5 s sessions renewed 0.2 s early: a login about every 0.3 s (at least three,
    // with room for a loaded machine); timer-driven freshness gave one.
    assert!(provider.logins() >= 3, "logins: {}", provider.logins());
}

/// A suspend/resume or VM pause: the wall clock jumps while no timer fires.
#[tokio::test]
async fn a_wall_clock_jump_without_timers_firing_forces_a_new_login() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    let first = manager.get().await.expect("login");
    clock.jump(Duration::from_secs(10_000));
    assert!(
        manager.cached().is_none(),
        "cached() served an expired session"
    );
    let lease = manager.get().await.expect("re-login");
    assert_eq!(provider.logins(), 2);
    assert_ne!(lease.generation(), first.generation());
    assert!(lease.expires_at().expect("deadline") > clock.now());
}

/// Past the renewal point but before expiry, the jump starts a renewal (here a login, as the
/// fake provider cannot renew) instead of serving the old session.
#[tokio::test]
async fn a_jump_past_the_renewal_point_starts_renewal() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_policy(policy(Duration::from_secs(900)).with_buffer(Duration::from_secs(60)));
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    manager.get().await.expect("login");
    clock.jump(Duration::from_secs(839));
    assert!(manager.cached().is_some(), "still before the renewal point");
    clock.jump(Duration::from_secs(2));
    assert!(manager.cached().is_none());
    manager.get().await.expect("renewed");
    assert_eq!(provider.logins(), 2);
}

/// `Retry-After: 9223372036854775807`: no panic, the ban is recorded (clamped to a day), and the
/// next get() fails locally without a request.
#[tokio::test]
async fn an_absurd_retry_after_still_records_a_ban() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    provider.fail_logins(
        1,
        ErrorKind::RateLimited,
        Some(Duration::from_secs(i64::MAX.unsigned_abs())),
    );
    let e = manager.get().await.expect_err("rate limited");
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(timing::MAX_BAN));
    let until = manager.health().banned_until.expect("ban recorded");
    assert_eq!(until, timing::after(clock.now(), timing::MAX_BAN));
    let e = manager.get().await.expect_err("refused locally");
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(provider.logins(), 1, "a login was sent during the ban");
    clock.advance(timing::MAX_BAN);
    manager.get().await.expect("ban over");
    assert_eq!(provider.logins(), 2);
}

/// `Duration::MAX` lifetimes and a clock at the end of time saturate instead of overflowing.
#[tokio::test]
async fn lifetimes_at_the_end_of_time_saturate() {
    let clock = ManualClock::at(timing::before(timing::max_time(), Duration::from_secs(10)));
    let provider = FakeProvider::new(clock.shared(), Duration::MAX);
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    let lease = manager.get().await.expect("login");
    assert_eq!(lease.expires_at(), Some(timing::max_time()));
    assert_eq!(
        timing::format_rfc3339(lease.expires_at().expect("deadline")),
        "9999-12-31T23:59:59Z"
    );
}
