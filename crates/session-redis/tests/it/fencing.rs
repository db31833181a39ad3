//! Fencing on a real Redis, with a lock TTL shorter than the login: a slow login keeps its lock by
//! extending it, and a login whose lock is lost anyway can no longer overwrite or delete the
//! session of the process that took the lock after it.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use session_core::SystemClock;
use session_redis::{SessionManager, SessionProvider, SessionStore, TestRedis};

use crate::support::{HttpLogin, LoginSim, raw, store_at, within};

const LOCK_TTL: Duration = Duration::from_millis(300);
const LOGIN: Duration = Duration::from_millis(1000);

fn manager(redis: &TestRedis, prefix: &str, sim: &LoginSim) -> SessionManager<HttpLogin> {
    let clock = Arc::new(SystemClock);
    SessionManager::builder(HttpLogin::new(&sim.url(), clock.clone()))
        .clock(clock.clone())
        .store(Arc::new(store_at(redis.url(), prefix, clock)))
        .lock_ttl(LOCK_TTL)
        .store_timeout(Duration::from_millis(500))
        .build()
}

/// The scenario, now: A's login (1 s) outlives the lock TTL (300 ms) but A extends its
/// lock, so B waits for it and adopts A's session: one login, one session, nothing lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_slower_than_the_lock_ttl_keeps_its_lock_and_is_shared() {
    let redis = TestRedis::start();
    let sim = LoginSim::start(LOGIN).await;
    let prefix = redis.prefix("slow-login");
    let a = manager(&redis, &prefix, &sim);
    let b = manager(&redis, &prefix, &sim);
    let first = tokio::spawn({
        let a = a.clone();
        async move { a.get().await }
    });
    // B arrives while A's login runs, after A's first TTL would have ended.
    tokio::time::sleep(LOCK_TTL * 2).await;
    let second = within(Duration::from_secs(5), "B behind A's slow login", b.get())
        .await
        .unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!(sim.logins(), 1, "B must wait for A's extended lock");
    assert_eq!(first.serial, second.serial);
    assert_eq!(first.generation(), second.generation());
    let key = a.provider().store_key();
    let stored = store_at(redis.url(), &prefix, Arc::new(SystemClock))
        .load(&key)
        .await
        .unwrap()
        .expect("the session is stored");
    assert_eq!(stored.generation, first.generation());
}

/// A's lock is lost during its login (deleted, as a failover to a replica that never saw it
/// would). B takes the lock, logs in and stores its session; A's late write is refused and A
/// adopts B's session; A invalidating its own generation deletes nothing of B's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_whose_lock_was_lost_cannot_overwrite_or_delete_the_newer_session() {
    let redis = TestRedis::start();
    let sim = LoginSim::start(LOGIN).await;
    let prefix = redis.prefix("lost-lock");
    let a = manager(&redis, &prefix, &sim);
    let b = manager(&redis, &prefix, &sim);
    let key = a.provider().store_key();
    let lock_key = store_at(redis.url(), &prefix, Arc::new(SystemClock)).lock_key(&key);
    let first = tokio::spawn({
        let a = a.clone();
        async move { a.get().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut c = raw(redis.url()).await;
    let deleted: i64 = c.del(&lock_key).await.unwrap();
    assert_eq!(deleted, 1, "A held the lock");
    let second = within(Duration::from_secs(5), "B after A lost its lock", b.get())
        .await
        .unwrap();
    let stale = first.await.unwrap().unwrap();
    assert_eq!(
        sim.logins(),
        2,
        "the lost lock costs one login, nothing more"
    );
    assert!(
        second.generation() > stale.generation(),
        "B's lock issued the newer generation ({} vs {})",
        second.generation(),
        stale.generation()
    );
    let store = store_at(redis.url(), &prefix, Arc::new(SystemClock));
    let stored = store.load(&key).await.unwrap().expect("B's session stays");
    assert_eq!(
        stored.generation,
        second.generation(),
        "A's stale write was refused"
    );
    // A drops its own session (rejected upstream, say): the invalidation names A's generation and
    // leaves B's record alone. (Before fencing, both had generation 1 and this deleted it.)
    if a.cached()
        .is_some_and(|l| l.generation() == stale.generation())
    {
        assert!(a.invalidate(&stale));
    } else {
        // A's refused write found B's session already stored and adopted it.
        assert_eq!(a.cached().unwrap().generation(), second.generation());
    }
    let direct = store.delete(&key, Some(stale.generation())).await;
    assert!(direct.is_ok());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        store.load(&key).await.unwrap().unwrap().generation,
        second.generation(),
        "deleting A's generation leaves B's session"
    );
    // The next caller on A finds B's session in the store instead of logging in again.
    let next = a.get().await.unwrap();
    assert_eq!(next.serial, second.serial);
    assert_eq!(sim.logins(), 2);
}

/// The fence counter lives in the account's hash slot with the lock and the record, and each lock
/// increments it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_lock_increments_the_fence_counter_in_the_same_script() {
    let redis = TestRedis::start();
    let prefix = redis.prefix("fence-counter");
    let store = store_at(redis.url(), &prefix, Arc::new(SystemClock));
    let mut c = raw(redis.url()).await;
    let mut last = 0;
    for _ in 0..3 {
        let lock = store.lock("acct", Duration::from_secs(5)).await.unwrap();
        let counter: u64 = c.get(store.fence_key("acct")).await.unwrap();
        assert_eq!(counter, lock.generation());
        assert!(lock.generation() > last);
        last = lock.generation();
        let value: String = c.get(store.lock_key("acct")).await.unwrap();
        assert!(value.starts_with(&format!("{last} ")), "{value}");
        lock.release().await.unwrap();
    }
    let ttl: i64 = c.pttl(store.fence_key("acct")).await.unwrap();
    assert_eq!(ttl, -1, "the fence counter never expires");
}
