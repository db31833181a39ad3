//! The cached path remembers each thread's last lease and hands it out again without loading
//! the cache. Whatever takes the session out of the cache (an invalidation, a logout, a new
//! provider, a newer login, the renewal point passing) must also stop every thread's remembered
//! lease, on the thread that did it and on the others.

use std::sync::Arc;
use std::time::Duration;

use session_core::test_util::{FakeProvider, FakeSession, ManualClock};
use session_core::{Lease, SessionManager, SystemClock};

fn manual() -> (ManualClock, FakeProvider, SessionManager<FakeProvider>) {
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    let manager = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .build();
    (clock, provider, manager)
}

/// Two gets on one thread: the second is served from the remembered lease. The lease is kept,
/// as a caller still using the session keeps it, so that only the retirement can stop it.
async fn served_twice(manager: &SessionManager<FakeProvider>) -> Lease<FakeSession> {
    let a = manager.get().await.expect("get");
    let b = manager.get().await.expect("get again");
    assert_eq!(a.generation(), b.generation());
    assert!(Arc::ptr_eq(a.session(), b.session()));
    a
}

#[tokio::test(flavor = "current_thread")]
async fn an_invalidated_lease_is_not_served_again_on_the_same_thread() {
    let (_clock, provider, manager) = manual();
    let first = served_twice(&manager).await;
    assert!(manager.invalidate(&first));
    assert!(
        manager.cached().is_none(),
        "the invalidated lease came back"
    );
    let next = served_twice(&manager).await;
    assert_ne!(next.generation(), first.generation());
    assert_eq!(provider.logins(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_logged_out_session_is_not_served_again() {
    let (_clock, provider, manager) = manual();
    let first = served_twice(&manager).await;
    manager.logout().await.expect("logout");
    assert!(manager.cached().is_none(), "a logged-out session came back");
    assert_ne!(
        served_twice(&manager).await.generation(),
        first.generation()
    );
    assert_eq!((provider.logins(), provider.logouts()), (2, 1));
}

#[tokio::test(flavor = "current_thread")]
async fn a_new_provider_drops_the_remembered_lease() {
    let (clock, old, manager) = manual();
    let first = served_twice(&manager).await;
    let new = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    manager.set_provider(new.clone());
    assert!(
        manager.cached().is_none(),
        "the old provider's session came back"
    );
    assert_ne!(
        served_twice(&manager).await.generation(),
        first.generation()
    );
    assert_eq!((old.logins(), new.logins()), (1, 1));
}

/// A refresh installs a newer session: the thread that remembered the older one gets the new one.
#[tokio::test(flavor = "current_thread")]
async fn a_newer_login_replaces_the_remembered_lease() {
    let (_clock, provider, manager) = manual();
    let first = served_twice(&manager).await;
    let refreshed = manager.refresh().await.expect("refresh");
    assert_ne!(refreshed.generation(), first.generation());
    let lease = manager.get().await.expect("get");
    assert_eq!(lease.generation(), refreshed.generation());
    assert_eq!(provider.logins(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn the_renewal_point_is_checked_on_every_hot_call() {
    let (clock, provider, manager) = manual();
    let first = served_twice(&manager).await;
    clock.jump(Duration::from_secs(899));
    assert!(manager.cached().is_none(), "served past the renewal point");
    let lease = manager.get().await.expect("renewed");
    assert_ne!(lease.generation(), first.generation());
    assert_eq!(provider.logins(), 2);
}

/// Two managers used from one thread each keep their own remembered lease.
#[tokio::test(flavor = "current_thread")]
async fn managers_sharing_a_thread_keep_their_own_sessions() {
    let (_c1, p1, m1) = manual();
    let (_c2, p2, m2) = manual();
    for _ in 0..3 {
        let (a, b) = (m1.get().await.expect("m1"), m2.get().await.expect("m2"));
        assert!(!Arc::ptr_eq(a.session(), b.session()));
    }
    assert_eq!((p1.logins(), p2.logins()), (1, 1));
}

/// Other threads remembered the session before it was invalidated here: none of them is served
/// it again, and all of them share the one new login.
#[test]
fn an_invalidation_reaches_every_thread_that_remembered_the_lease() {
    let provider = FakeProvider::new(Arc::new(SystemClock), Duration::from_secs(900));
    let manager = SessionManager::new(provider.clone());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let first: Lease<_> = rt.block_on(manager.get()).expect("login");
    let barrier = Arc::new(std::sync::Barrier::new(5));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (m, barrier, handle) = (manager.clone(), barrier.clone(), rt.handle().clone());
            std::thread::spawn(move || {
                // Kept while the session is invalidated, as a caller still using it would.
                let before = handle.block_on(m.get()).expect("get");
                barrier.wait(); // Every thread remembers the first lease.
                barrier.wait(); // It was invalidated.
                let after = handle.block_on(m.get()).expect("get").generation();
                (before.generation(), after)
            })
        })
        .collect();
    barrier.wait();
    assert!(manager.invalidate(&first));
    barrier.wait();
    for t in threads {
        let (before, after) = t.join().expect("thread");
        assert_eq!(before, first.generation());
        assert_ne!(
            after,
            first.generation(),
            "a thread was served the invalidated lease"
        );
    }
    assert_eq!(provider.logins(), 2);
}
