//! Redis down, killed, slow or back; a crashed lock holder. The manager falls back to local
//! login, never hangs, never panics and keeps serving sessions.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use session_core::test_util::ManualClock;
use session_core::{Clock, SystemClock};
use session_redis::{
    ErrorKind, Event, SessionManager, SessionProvider, SessionStore, StoredRecord, TestRedis,
};
use tokio::sync::broadcast::Receiver;

use crate::children::{ChildSpec, exchange_dir, spawn, wait_for_file};
use crate::support::{HttpLogin, LoginSim, raw, store, store_at, within};

fn store_unavailable_kinds(rx: &mut Receiver<Event>) -> Vec<ErrorKind> {
    std::iter::from_fn(|| rx.try_recv().ok())
        .filter_map(|e| match e {
            Event::StoreUnavailable { kind } => Some(kind),
            _ => None,
        })
        .collect()
}

fn manager(
    sim: &LoginSim,
    clock: &ManualClock,
    store: session_redis::RedisSessionStore,
) -> SessionManager<HttpLogin> {
    SessionManager::builder(HttpLogin::new(&sim.url(), clock.shared()))
        .clock(clock.shared())
        .store(Arc::new(store))
        .store_timeout(Duration::from_secs(1))
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_at_start_falls_back_to_local_single_flight_login() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sim = LoginSim::start(Duration::from_millis(50)).await;
    let clock = ManualClock::new();
    let s = store_at(&format!("redis://127.0.0.1:{port}/"), "p:", clock.shared());
    let m = manager(&sim, &clock, s);
    let mut events = m.subscribe();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move { m.get().await.map(|l| l.serial) })
        })
        .collect();
    for t in tasks {
        let serial = within(Duration::from_secs(5), "get() without redis", t)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(serial, 1);
    }
    assert_eq!(sim.logins(), 1, "local single flight still holds");
    assert!(m.health().store_degraded);
    assert!(
        store_unavailable_kinds(&mut events).contains(&ErrorKind::Unavailable),
        "the outage is reported as an event"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_run_falls_back_without_panic_and_keeps_serving_sessions() {
    let redis = TestRedis::spawn();
    let sim = LoginSim::start(Duration::ZERO).await;
    let clock = ManualClock::new();
    let prefix = redis.prefix("killed");
    let m = manager(&sim, &clock, store(&redis, &prefix, clock.shared()));
    let mut events = m.subscribe();
    let first = m.get().await.unwrap();
    assert!(!m.health().store_degraded);

    redis.kill();

    // The held session is served without Redis.
    let cached = within(Duration::from_secs(1), "cached get()", m.get())
        .await
        .unwrap();
    assert_eq!(cached.generation(), first.generation());
    assert_eq!(cached.serial, 1);

    // A session rejected upstream is replaced by a local login.
    assert!(m.invalidate(&cached));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move { m.get().await.map(|l| l.serial) })
        })
        .collect();
    for t in tasks {
        let serial = within(Duration::from_secs(5), "get() after the kill", t)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(serial, 2);
    }
    assert_eq!(sim.logins(), 2);
    let health = m.health();
    assert!(health.store_degraded);
    assert!(health.has_session);
    assert!(store_unavailable_kinds(&mut events).contains(&ErrorKind::Unavailable));

    // A new process (cold manager, own store handle) also works without Redis.
    let cold = manager(&sim, &clock, store(&redis, &prefix, clock.shared()));
    let lease = within(
        Duration::from_secs(5),
        "cold get() without redis",
        cold.get(),
    )
    .await
    .unwrap();
    assert_eq!(lease.serial, 3);
    assert!(cold.health().store_degraded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_back_on_the_same_port_is_used_again() {
    let redis = TestRedis::spawn();
    let sim = LoginSim::start(Duration::ZERO).await;
    let clock = ManualClock::new();
    let prefix = redis.prefix("back");
    let m = manager(&sim, &clock, store(&redis, &prefix, clock.shared()));
    let first = m.get().await.unwrap();

    redis.kill();
    assert!(m.invalidate(&first));
    let local = within(Duration::from_secs(5), "get() while down", m.get())
        .await
        .unwrap();
    assert_eq!(local.serial, 2);
    assert!(m.health().store_degraded);

    redis.restart();

    // The next login goes through Redis again: it is stored and the outage flag clears.
    assert!(m.invalidate(&local));
    let stored = within(Duration::from_secs(5), "get() after restart", m.get())
        .await
        .unwrap();
    assert_eq!(stored.serial, 3);
    assert!(!m.health().store_degraded, "the store is used again");
    let mut c = raw(redis.url()).await;
    let exists: bool = c
        .exists(format!("{prefix}{{{}}}:session", m.provider().store_key()))
        .await
        .unwrap();
    assert!(exists, "the new session is in the restarted Redis");

    // Another process now takes that session from Redis instead of logging in.
    let other = manager(&sim, &clock, store(&redis, &prefix, clock.shared()));
    let mut events = other.subscribe();
    let shared = other.get().await.unwrap();
    assert_eq!(shared.serial, 3);
    assert_eq!(sim.logins(), 3);
    assert_eq!(
        events.try_recv().unwrap(),
        Event::Acquired {
            generation: stored.generation(),
            restored: true
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_redis_times_out_quickly_and_the_manager_falls_back() {
    let redis = TestRedis::spawn();
    let sim = LoginSim::start(Duration::ZERO).await;
    let clock = ManualClock::new();
    let prefix = redis.prefix("frozen");
    let s = store(&redis, &prefix, clock.shared());
    let m = manager(&sim, &clock, s.clone());
    let mut events = m.subscribe();
    let first = m.get().await.unwrap();

    redis.pause();
    let e = within(
        Duration::from_secs(2),
        "load from a frozen redis",
        s.load("k"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);

    assert!(m.invalidate(&first));
    let lease = within(Duration::from_secs(5), "get() with a frozen redis", m.get())
        .await
        .unwrap();
    assert_eq!(lease.serial, 2);
    assert!(m.health().store_degraded);
    assert!(store_unavailable_kinds(&mut events).contains(&ErrorKind::Timeout));
    redis.resume();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_lock_holder_delays_another_process_only_until_the_lock_ttl() {
    let redis = TestRedis::start();
    let sim = LoginSim::start(Duration::ZERO).await;
    let prefix = redis.prefix("crashed");
    let dir = exchange_dir("crashed");
    let sim_url = sim.url();
    let mut holder = spawn(&ChildSpec {
        mode: "hold-lock",
        redis_url: redis.url(),
        sim_url: &sim_url,
        prefix: &prefix,
        dir: &dir,
        id: 0,
        lock_ttl: Duration::from_millis(3000),
    });
    let locked = wait_for_file(&dir.join("locked"), Duration::from_secs(60)).await;
    if !locked {
        let _ = holder.kill();
        panic!("the holder process never took the lock");
    }
    // The holder crashes (SIGKILL): its lock is never released.
    holder.kill().unwrap();
    holder.wait().unwrap();

    let clock = Arc::new(SystemClock);
    let provider = HttpLogin::new(&sim_url, clock.clone());
    let lock_key = format!("{prefix}{{{}}}:lock", provider.store_key());
    let mut c = raw(redis.url()).await;
    let pttl: i64 = c.pttl(&lock_key).await.unwrap();
    assert!(pttl > 0, "the crashed holder's lock is still there");

    let m = SessionManager::builder(provider)
        .clock(clock.clone())
        .store(Arc::new(store_at(redis.url(), &prefix, clock)))
        .lock_ttl(Duration::from_secs(8))
        .build();
    let task = tokio::spawn({
        let m = m.clone();
        async move { m.get().await.map(|l| l.serial) }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !task.is_finished(),
        "waits while the dead holder's lock lives"
    );
    assert_eq!(sim.logins(), 0);
    let serial = within(Duration::from_secs(8), "get() after the lock ttl", task)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(serial, 1);
    assert_eq!(sim.logins(), 1);
    assert!(!m.health().store_degraded);
    let s = store_at(redis.url(), &prefix, Arc::new(SystemClock));
    assert!(s.load(&m.provider().store_key()).await.unwrap().is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_past_the_managers_bound_does_not_block_callers() {
    let redis = TestRedis::start();
    let sim = LoginSim::start(Duration::ZERO).await;
    let clock = ManualClock::new();
    let prefix = redis.prefix("stuck-lock");
    let provider = HttpLogin::new(&sim.url(), clock.shared());
    // Another process holds the lock for a long time (a login that hangs).
    let other = store(&redis, &prefix, clock.shared());
    let held = other
        .lock(&provider.store_key(), Duration::from_secs(30))
        .await
        .unwrap();

    let m = SessionManager::builder(provider)
        .clock(clock.shared())
        .store(Arc::new(store(&redis, &prefix, clock.shared())))
        .lock_ttl(Duration::from_millis(500))
        .lock_wait(Duration::from_millis(500))
        .store_timeout(Duration::from_millis(500))
        .build();
    let mut events = m.subscribe();
    let lease = within(Duration::from_secs(3), "get() behind a stuck lock", m.get())
        .await
        .unwrap();
    assert_eq!(lease.serial, 1);
    assert_eq!(sim.logins(), 1);
    // The wait is reported. The session is not stored: without the lock its write cannot be
    // fenced, and the lock's holder may store a newer one.
    assert!(store_unavailable_kinds(&mut events).contains(&ErrorKind::Timeout));
    assert!(m.health().store_degraded);
    let key = m.provider().store_key();
    assert!(other.load(&key).await.unwrap().is_none());
    // The holder's write is still accepted.
    let record = StoredRecord::new(
        key.clone(),
        "simhttp",
        held.generation(),
        None,
        Some(session_core::timing::after(
            SystemClock.now(),
            Duration::from_secs(60),
        )),
    );
    assert!(other.save(&key, &record, held.generation()).await.unwrap());
    held.release().await.unwrap();
}
