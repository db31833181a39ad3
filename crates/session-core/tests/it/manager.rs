//! Single flight, expiry, invalidation, the login guard, logout and events.

use std::sync::Arc;
use std::time::Duration;

use session_core::test_util::{FakeProvider, FakeRenewal, ManualClock};
use session_core::{ErrorKind, Event, RenewPolicy, SessionManager};

fn setup(ttl: u64) -> (ManualClock, FakeProvider, SessionManager<FakeProvider>) {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(ttl));
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    (clock, provider, manager)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_gets_on_an_empty_manager_cause_one_login() {
    let (_clock, provider, manager) = setup(900);
    provider.close_gate();
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let m = manager.clone();
        tasks.push(tokio::spawn(async move { m.get().await }));
    }
    tokio::task::yield_now().await;
    provider.open_gate();
    let mut generations = Vec::new();
    for t in tasks {
        let lease = t.await.unwrap().unwrap();
        assert_eq!(lease.token.expose_secret(), "FAKE-TOKEN-1");
        generations.push(lease.generation());
    }
    assert_eq!(provider.logins(), 1);
    assert!(generations.iter().all(|g| *g == generations[0]));
}

/// Waiters are spread over one wake list per worker and woken by whoever claims each list. Every
/// round starts one login, parks callers on it (a seventh of them cancelled), lets more callers
/// race the release, and requires each surviving caller to get that round's session promptly: a
/// caller that registered on a list nobody woke would hang here.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn waiters_spread_over_several_wake_lists_are_all_released() {
    let (_clock, provider, manager) = setup(900);
    let mut previous = None;
    for round in 1..=200usize {
        if let Some(lease) = previous.take() {
            assert!(manager.invalidate(&lease));
        }
        provider.close_gate();
        let spawn_get = || {
            let m = manager.clone();
            tokio::spawn(async move { m.get().await })
        };
        let parked: Vec<_> = (0..64).map(|_| spawn_get()).collect();
        tokio::task::yield_now().await;
        for t in parked.iter().step_by(7) {
            t.abort();
        }
        let racing: Vec<_> = (0..16).map(|_| spawn_get()).collect();
        provider.open_gate();
        for (i, t) in parked.into_iter().chain(racing).enumerate() {
            let joined = tokio::time::timeout(Duration::from_secs(10), t)
                .await
                .unwrap_or_else(|_| panic!("round {round}: caller {i} was never released"));
            match joined {
                Ok(lease) => {
                    let lease = lease.unwrap();
                    assert_eq!(lease.serial, round, "round {round}: caller {i}");
                    previous = Some(lease);
                }
                Err(e) => assert!(e.is_cancelled() && i < 64 && i % 7 == 0),
            }
        }
        assert_eq!(provider.logins(), round);
    }
}

/// On a current-thread runtime a flight has one wake list.
#[tokio::test(flavor = "current_thread")]
async fn a_current_thread_runtime_releases_every_waiter_of_one_login() {
    let (_clock, provider, manager) = setup(900);
    provider.close_gate();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let m = manager.clone();
            tokio::spawn(async move { m.get().await })
        })
        .collect();
    tokio::task::yield_now().await;
    provider.open_gate();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().serial, 1);
    }
    assert_eq!(provider.logins(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_first_caller_does_not_poison_the_others() {
    let (_clock, provider, manager) = setup(900);
    provider.close_gate();
    let m = manager.clone();
    let first = tokio::spawn(async move { m.get().await });
    tokio::task::yield_now().await;
    let mut others = Vec::new();
    for _ in 0..10 {
        let m = manager.clone();
        others.push(tokio::spawn(async move { m.get().await }));
    }
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    provider.open_gate();
    for t in others {
        assert_eq!(t.await.unwrap().unwrap().serial, 1);
    }
    assert_eq!(provider.logins(), 1);
    // The cache holds the session: later callers need no login.
    assert!(manager.cached().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_not_cached_for_transient_failures() {
    let (_clock, provider, manager) = setup(900);
    provider.fail_logins(1, ErrorKind::Unavailable, None);
    assert_eq!(
        manager.get().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(manager.get().await.unwrap().serial, 1);
    assert_eq!(provider.logins(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_session_is_served_without_calling_the_provider() {
    let (clock, provider, manager) = setup(900);
    let a = manager.get().await.unwrap();
    clock.advance(Duration::from_secs(800));
    let b = manager.get().await.unwrap();
    assert_eq!(a.generation(), b.generation());
    assert_eq!(provider.logins(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiring_session_is_renewed_once_for_many_callers() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_renewal(FakeRenewal::NewToken);
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    let first = manager.get().await.unwrap();
    // Default buffer is 60 s: at 850 s the session is inside its renewal window.
    clock.advance(Duration::from_secs(850));
    assert!(
        manager.cached().is_none(),
        "stale sessions are not served from the hot path"
    );
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let m = manager.clone();
        tasks.push(tokio::spawn(
            async move { m.get().await.unwrap().generation() },
        ));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), first.generation() + 1);
    }
    assert_eq!(provider.renewals(), 1);
    assert_eq!(provider.logins(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_replaced_by_one_login_without_renewal() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_renewal(FakeRenewal::Extend);
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    let mut events = manager.subscribe();
    manager.get().await.unwrap();
    clock.advance(Duration::from_secs(901));
    assert_eq!(manager.get().await.unwrap().serial, 2);
    assert_eq!((provider.logins(), provider.renewals()), (2, 0));
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        seen.push(e);
    }
    assert!(seen.contains(&Event::Expired { generation: 1 }), "{seen:?}");
    assert!(seen.contains(&Event::Acquired {
        generation: 2,
        restored: false
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_renewal_failure_keeps_serving_the_still_valid_session() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_renewal(FakeRenewal::Extend);
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    manager.get().await.unwrap();
    provider.fail_renewals(1, ErrorKind::Unavailable);
    clock.advance(Duration::from_secs(850));
    assert_eq!(manager.get().await.unwrap().serial, 1);
    assert_eq!(manager.health().consecutive_failures, 1);
    // Inside the backoff (1 s + up to 25 % jitter) callers keep the session with no new request.
    for _ in 0..10 {
        assert_eq!(manager.get().await.unwrap().serial, 1);
    }
    assert_eq!(
        provider.renewals(),
        1,
        "no renewal storm after a transient failure"
    );
    clock.advance(Duration::from_secs(2));
    assert_eq!(manager.get().await.unwrap().serial, 1);
    assert_eq!(provider.renewals(), 2);
    assert_eq!(manager.health().consecutive_failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewal_that_says_the_session_is_gone_logs_in_again() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_renewal(FakeRenewal::Extend);
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    manager.get().await.unwrap();
    provider.fail_renewals(1, ErrorKind::SessionRejected);
    clock.advance(Duration::from_secs(850));
    assert_eq!(manager.get().await.unwrap().serial, 2);
    assert_eq!((provider.logins(), provider.renewals()), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_invalidations_of_one_lease_cause_one_relogin() {
    let (_clock, provider, manager) = setup(900);
    let lease = manager.get().await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let m = manager.clone();
        let l = lease.clone();
        tasks.push(tokio::spawn(async move {
            m.invalidate(&l);
            m.get().await.unwrap().generation()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 2);
    }
    assert_eq!(provider.logins(), 2);
    assert!(
        !manager.invalidate(&lease),
        "an old lease cannot drop the new session"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_credentials_are_remembered_until_reset() {
    let (_clock, provider, manager) = setup(900);
    provider.fail_logins(10, ErrorKind::InvalidCredentials, None);
    assert_eq!(
        manager.get().await.unwrap_err().kind(),
        ErrorKind::InvalidCredentials
    );
    assert_eq!(provider.logins(), 1);
    for _ in 0..5 {
        let e = manager.get().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
        assert_eq!(e.code(), Some("FAKE_FAILURE"));
    }
    assert_eq!(
        provider.logins(),
        1,
        "the remembered error is returned without a request"
    );
    manager.reset();
    assert_eq!(
        manager.get().await.unwrap_err().kind(),
        ErrorKind::InvalidCredentials
    );
    assert_eq!(provider.logins(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_restrictions_are_remembered_and_new_credentials_clear_them() {
    let (clock, provider, manager) = setup(900);
    provider.fail_logins(1, ErrorKind::AccountRestricted, None);
    assert_eq!(
        manager.get().await.unwrap_err().kind(),
        ErrorKind::AccountRestricted
    );
    assert_eq!(
        manager.get().await.unwrap_err().kind(),
        ErrorKind::AccountRestricted
    );
    assert_eq!(provider.logins(), 1);
    let replacement = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    manager.set_provider(replacement.clone());
    assert!(manager.get().await.is_ok());
    assert_eq!(replacement.logins(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_window_sends_no_request_until_it_ends() {
    let (clock, provider, manager) = setup(900);
    provider.fail_logins(1, ErrorKind::RateLimited, Some(Duration::from_secs(1200)));
    assert_eq!(
        manager.get().await.unwrap_err().kind(),
        ErrorKind::RateLimited
    );
    for step in [60, 600, 500] {
        clock.advance(Duration::from_secs(step));
        let e = manager.get().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert!(e.retry_after().unwrap() <= Duration::from_secs(1200 - step));
    }
    assert_eq!(provider.logins(), 1);
    assert!(manager.health().banned_until.is_some());
    clock.advance(Duration::from_secs(41));
    assert!(manager.get().await.is_ok());
    assert_eq!(provider.logins(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_without_retry_after_uses_the_default_ban() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .default_ban(Duration::from_secs(30))
        .build();
    provider.fail_logins(1, ErrorKind::RateLimited, None);
    assert!(manager.get().await.is_err());
    clock.advance(Duration::from_secs(29));
    assert!(manager.get().await.is_err());
    assert_eq!(provider.logins(), 1);
    clock.advance(Duration::from_secs(2));
    assert!(manager.get().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_upstream_and_the_next_get_logs_in() {
    let (_clock, provider, manager) = setup(900);
    let mut events = manager.subscribe();
    manager.get().await.unwrap();
    manager.logout().await.unwrap();
    assert_eq!(provider.logouts(), 1);
    assert!(manager.cached().is_none());
    manager.logout().await.unwrap();
    assert_eq!(
        provider.logouts(),
        1,
        "logout without a session does nothing"
    );
    assert_eq!(manager.get().await.unwrap().serial, 2);
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        seen.push(e);
    }
    assert!(seen.contains(&Event::LoggedOut { generation: 1 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_expiry_uses_the_policy_default_ttl() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(1))
        .with_unknown_expiry()
        .with_policy(
            RenewPolicy::default()
                .with_default_ttl(Duration::from_secs(600))
                .with_jitter(Duration::ZERO),
        );
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    let lease = manager.get().await.unwrap();
    assert_eq!(
        lease.expires_at(),
        Some(clock.now() + Duration::from_secs(600))
    );
    clock.advance(Duration::from_secs(539));
    assert!(manager.cached().is_some());
    clock.advance(Duration::from_secs(1));
    assert!(
        manager.cached().is_none(),
        "renewal is due buffer (60 s) before the default TTL ends"
    );
    assert_eq!(manager.health().generation, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_renews_a_fresh_session_now() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_renewal(FakeRenewal::Extend);
    let manager = SessionManager::builder(Arc::new(provider.clone()))
        .clock(clock.shared())
        .build();
    let a = manager.get().await.unwrap();
    clock.advance(Duration::from_secs(100));
    let b = manager.refresh().await.unwrap();
    assert_eq!(provider.renewals(), 1);
    assert_eq!(
        a.generation(),
        b.generation(),
        "an extension keeps the generation"
    );
    assert_eq!(b.expires_at(), Some(clock.now() + Duration::from_secs(900)));
}

/// A provider whose login needs another managed session (as Pagos needs a bearer token): awaiting
/// `get()` inside an `async_trait` method must compile (the future is `Send`) and work.
struct Composed {
    inner: SessionManager<FakeProvider>,
}

#[async_trait::async_trait]
impl session_core::SessionProvider for Composed {
    type Session = session_core::StaticToken;
    fn name(&self) -> &'static str {
        "composed"
    }
    async fn login(&self) -> session_core::Result<session_core::StaticToken> {
        let token = self.inner.get().await?;
        let _ = self.inner.refresh().await?;
        Ok(session_core::StaticToken::bearer(
            session_core::AccessToken::new(format!("outer-{}", token.serial)),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_can_build_on_another_managed_session() {
    let (_clock, provider, inner) = setup(900);
    let outer = SessionManager::new(Composed { inner });
    let lease = outer.get().await.unwrap();
    assert_eq!(lease.token().expose_secret(), "outer-1");
    assert_eq!(
        provider.logins(),
        2,
        "get() logs in, refresh() without renewal support logs in again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_held_in_numbers_across_threads_and_renewals_keep_their_own_session() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let (clock, provider, manager) = setup(900);
    let first = manager.get().await.unwrap();
    send_sync(&first);
    // Far more leases on one thread than the cache keeps cheap guard slots for: every one is
    // usable and is the same session.
    let held: Vec<_> = (0..100).map(|_| manager.cached().unwrap()).collect();
    assert!(held.iter().all(|l| l.generation() == first.generation()));
    assert!(
        held.iter()
            .all(|l| l.token.expose_secret() == "FAKE-TOKEN-1")
    );
    // A lease moved to another thread and dropped there, while others stay here.
    let moved = held[0].clone();
    std::thread::spawn(move || {
        assert_eq!(moved.token.expose_secret(), "FAKE-TOKEN-1");
        drop(moved);
    })
    .join()
    .unwrap();
    // An invalidation replaces the cached session; the old leases still hold the old one, and
    // when both reach their expiry only the cached one's is announced.
    let mut events = manager.subscribe();
    assert!(manager.invalidate(&first));
    let second = manager.get().await.unwrap();
    assert_eq!(second.token.expose_secret(), "FAKE-TOKEN-2");
    assert!(second.generation() > first.generation());
    assert!(
        held.iter()
            .all(|l| l.token.expose_secret() == "FAKE-TOKEN-1")
    );
    drop(held);
    assert_eq!(first.token.expose_secret(), "FAKE-TOKEN-1");
    clock.advance(Duration::from_secs(901));
    let mut expired = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let Event::Expired { generation } = e {
            expired.push(generation);
        }
    }
    assert_eq!(
        expired,
        vec![second.generation()],
        "only the cached session's expiry"
    );
    assert_eq!(provider.logins(), 2);
}

#[tokio::test]
async fn the_get_future_is_a_few_words_whatever_the_login_future_holds() {
    let (_clock, _provider, manager) = setup(900);
    let words = std::mem::size_of_val(&manager.get()) / std::mem::size_of::<usize>();
    assert!(
        words <= 4,
        "get() is created and moved on every call: {words} words"
    );
}
