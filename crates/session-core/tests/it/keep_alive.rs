//! The keep-alive supervisor.

use std::time::Duration;

use session_core::test_util::{FakeProvider, FakeRenewal, ManualClock};
use session_core::{ErrorKind, Event, RenewPolicy, SessionManager};
use tokio::sync::broadcast::Receiver;

async fn next_matching(events: &mut Receiver<Event>, want: impl Fn(&Event) -> bool) -> Event {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.recv().await {
                Ok(e) if want(&e) => return e,
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("event stream ended: {e}"),
            }
        }
    })
    .await
    .expect("event did not arrive")
}

/// A 20-minute session renewed (extended) by keep-alive every 10 minutes, without jitter.
fn renewing_every_600s() -> (ManualClock, FakeProvider, SessionManager<FakeProvider>) {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(1200))
        .with_renewal(FakeRenewal::Extend)
        .with_policy(
            RenewPolicy::default()
                .with_keep_alive(Some(Duration::from_secs(600)))
                .with_jitter(Duration::ZERO),
        );
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    (clock, provider, manager)
}

async fn settle(clock: &ManualClock) {
    // Let the supervisor reach its next sleep before time moves.
    for _ in 0..50 {
        if clock.pending() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_renews_on_the_provider_cadence() {
    let (clock, provider, manager) = renewing_every_600s();
    let mut events = manager.subscribe();
    let ka = manager.spawn_keep_alive();
    next_matching(&mut events, |e| matches!(e, Event::Acquired { .. })).await;
    assert_eq!(provider.logins(), 1, "the supervisor logs in at once");
    for round in 1..=3 {
        settle(&clock).await;
        clock.advance(Duration::from_secs(600));
        next_matching(&mut events, |e| matches!(e, Event::Renewed { .. })).await;
        assert_eq!(provider.renewals(), round);
    }
    assert_eq!(provider.logins(), 1);
    assert!(manager.health().keep_alive_running);
    ka.shutdown().await;
    tokio::task::yield_now().await;
    assert!(!manager.health().keep_alive_running);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_survives_a_thousand_consecutive_transient_failures_and_recovers() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(3600))
        .with_renewal(FakeRenewal::Extend)
        .with_policy(RenewPolicy::default().with_keep_alive(Some(Duration::from_secs(600))));
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .backoff(Duration::from_secs(1), Duration::from_secs(60))
        .build();
    let mut events = manager.subscribe();
    // Every attempt fails: renewals while the session lives, logins after it expires.
    provider.fail_logins(1000, ErrorKind::Unavailable, None);
    provider.fail_renewals(1000, ErrorKind::Timeout);
    let ka = manager.spawn_keep_alive();
    loop {
        let e = next_matching(&mut events, |e| matches!(e, Event::RenewFailed { .. })).await;
        let Event::RenewFailed {
            consecutive_failures,
            kind,
        } = e
        else {
            unreachable!()
        };
        assert!(kind.is_transient());
        if consecutive_failures == 1000 {
            // Health is updated before the event is sent.
            assert_eq!(manager.health().consecutive_failures, 1000);
            break;
        }
        settle(&clock).await;
        clock.advance(Duration::from_secs(76)); // more than the capped backoff plus jitter
    }
    assert!(ka.is_running(), "the supervisor must not die on failures");
    settle(&clock).await;
    clock.advance(Duration::from_secs(76));
    // The next attempt succeeds.
    next_matching(&mut events, |e| {
        matches!(e, Event::Acquired { .. } | Event::Renewed { .. })
    })
    .await;
    assert_eq!(manager.health().consecutive_failures, 0);
    assert!(manager.get().await.is_ok());
    drop(ka);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_relogs_in_when_renewal_says_the_session_is_gone() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(1200))
        .with_renewal(FakeRenewal::Extend)
        .with_policy(RenewPolicy::default().with_keep_alive(Some(Duration::from_secs(300))));
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    let mut events = manager.subscribe();
    let _ka = manager.spawn_keep_alive();
    next_matching(&mut events, |e| matches!(e, Event::Acquired { .. })).await;
    provider.fail_renewals(1, ErrorKind::SessionRejected);
    settle(&clock).await;
    clock.advance(Duration::from_secs(300));
    next_matching(&mut events, |e| {
        matches!(e, Event::Invalidated { generation: 1 })
    })
    .await;
    next_matching(&mut events, |e| {
        matches!(e, Event::Acquired { generation: 2, .. })
    })
    .await;
    assert_eq!(provider.logins(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_stops_when_its_handle_is_dropped() {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(1200));
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    let mut events = manager.subscribe();
    let ka = manager.spawn_keep_alive();
    next_matching(&mut events, |e| matches!(e, Event::Acquired { .. })).await;
    drop(ka);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!manager.health().keep_alive_running);
    clock.advance(Duration::from_secs(5000));
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(provider.logins(), 1, "a stopped supervisor does nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_logout_the_supervisor_waits_for_the_next_get_instead_of_logging_in() {
    let (clock, provider, manager) = renewing_every_600s();
    manager.get().await.unwrap();
    // Started just before the logout, as a program that ends its session right away does.
    let ka = manager.spawn_keep_alive();
    manager.logout().await.unwrap();
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        clock.advance(Duration::from_secs(1300));
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        provider.logins(),
        1,
        "the logged-out session is not brought back"
    );
    assert!(ka.is_running(), "the supervisor idles; it has not ended");
    // A caller's get() logs in again, and the supervisor keeps that session alive.
    let mut events = manager.subscribe();
    manager.get().await.unwrap();
    assert_eq!(provider.logins(), 2);
    settle(&clock).await;
    clock.advance(Duration::from_secs(600));
    next_matching(&mut events, |e| matches!(e, Event::Renewed { .. })).await;
    assert_eq!(provider.logins(), 2);
    // Idle again after a second logout, and ended once every manager handle is gone.
    manager.logout().await.unwrap();
    drop(manager);
    for _ in 0..100 {
        if !ka.is_running() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!ka.is_running(), "an idle supervisor ends with its manager");
    assert_eq!(provider.logins(), 2);
}
