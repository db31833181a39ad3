//! The blocking manager from plain threads, with no runtime in sight: one login for many
//! threads, freshness after a clock jump, bans, logout, keep-alive, and a typed error instead of
//! a panic when called inside a runtime.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use session_core::blocking::BlockingManager;
use session_core::test_util::{FakeProvider, ManualClock};
use session_core::{ErrorKind, SessionManager};

fn setup(ttl: u64) -> (ManualClock, FakeProvider, BlockingManager<FakeProvider>) {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(ttl));
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    (clock, provider, manager.into())
}

#[test]
fn thirty_two_threads_at_once_cause_one_login() {
    let (_clock, provider, manager) = setup(900);
    provider.close_gate();
    let barrier = Arc::new(Barrier::new(33));
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let m = manager.clone();
            let b = barrier.clone();
            std::thread::spawn(move || {
                b.wait();
                m.get().map(|l| l.generation())
            })
        })
        .collect();
    barrier.wait();
    std::thread::sleep(Duration::from_millis(50));
    provider.open_gate();
    let generations: Vec<u64> = threads
        .into_iter()
        .map(|t| t.join().expect("thread").expect("get"))
        .collect();
    assert_eq!(provider.logins(), 1);
    assert!(generations.iter().all(|g| *g == generations[0]));
}

#[test]
fn a_jumped_clock_forces_a_new_login_instead_of_an_expired_session() {
    let (clock, provider, manager) = setup(900);
    let first = manager.get().expect("login");
    clock.jump(Duration::from_secs(5_000));
    let second = manager.get().expect("re-login");
    assert_eq!(provider.logins(), 2);
    assert_ne!(first.generation(), second.generation());
    assert!(second.expires_at().expect("deadline") > clock.now());
}

#[test]
fn a_ban_is_enforced_locally_and_bad_credentials_are_remembered() {
    let (clock, provider, manager) = setup(900);
    provider.fail_logins(1, ErrorKind::RateLimited, Some(Duration::from_secs(120)));
    assert_eq!(manager.get().unwrap_err().kind(), ErrorKind::RateLimited);
    assert_eq!(manager.get().unwrap_err().kind(), ErrorKind::RateLimited);
    assert_eq!(provider.logins(), 1, "a login was sent during the ban");
    clock.advance(Duration::from_secs(121));
    provider.fail_logins(1, ErrorKind::InvalidCredentials, None);
    assert_eq!(
        manager.get().unwrap_err().kind(),
        ErrorKind::InvalidCredentials
    );
    assert_eq!(
        manager.get().unwrap_err().kind(),
        ErrorKind::InvalidCredentials
    );
    assert_eq!(provider.logins(), 2, "bad credentials were retried");
    manager.reset();
    manager.get().expect("after reset");
    assert_eq!(provider.logins(), 3);
}

#[test]
fn refresh_invalidate_and_logout_block_until_done() {
    let (_clock, provider, manager) = setup(900);
    let lease = manager.get().expect("login");
    assert!(manager.invalidate(&lease));
    assert!(
        !manager.invalidate(&lease),
        "a second invalidation of one lease is a no-op"
    );
    let again = manager.get().expect("re-login");
    assert_eq!(provider.logins(), 2);
    manager.refresh().expect("refresh");
    manager.logout().expect("logout");
    assert_eq!(provider.logouts(), 1);
    assert!(!manager.health().has_session);
    let _ = again;
}

#[test]
#[allow(clippy::disallowed_methods)] // Waits for the background task in real time.
fn keep_alive_runs_on_the_background_thread_and_stops_with_its_handle() {
    let (_clock, provider, manager) = setup(900);
    let keep_alive = manager.spawn_keep_alive().expect("runtime");
    let start = std::time::Instant::now();
    while provider.logins() == 0 && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(provider.logins(), 1, "the supervisor logs in on its own");
    assert!(keep_alive.is_running());
    assert!(manager.health().keep_alive_running);
    keep_alive.shutdown();
    assert!(!manager.health().keep_alive_running);
}

#[tokio::test]
async fn inside_a_runtime_calls_fail_with_a_typed_error_instead_of_panicking() {
    let (_clock, provider, manager) = setup(900);
    let e = manager.get().expect_err("inside a runtime");
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(provider.logins(), 0);
    // The async manager underneath works there.
    manager.manager().get().await.expect("async get");
    // And the cached path needs no runtime at all.
    manager.get().expect("cached");
}
