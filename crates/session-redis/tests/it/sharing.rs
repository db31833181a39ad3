//! One login shared by many managers and processes.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use session_core::test_util::{FakeProvider, ManualClock};
use session_redis::{ErrorKind, Event, SessionManager, SessionProvider, TestRedis};

use crate::children::{ChildSpec, exchange_dir, spawn, wait_for_file};
use crate::support::{HttpLogin, LoginSim, raw, store, within};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_tasks_across_two_managers_log_in_once() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("two-managers");
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    provider.close_gate();
    let manager = |p: &FakeProvider| {
        SessionManager::builder(p.clone())
            .clock(clock.shared())
            // Each manager has its own store handle (its own connection), as two processes would.
            .store(Arc::new(store(&redis, &prefix, clock.shared())))
            .build()
    };
    let a = manager(&provider);
    let b = manager(&provider);
    let mut a_events = a.subscribe();
    let mut b_events = b.subscribe();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let m = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { m.get().await.map(|l| l.serial) }));
    }
    // One manager holds the Redis lock and waits in login; the other polls the lock.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut c = raw(redis.url()).await;
    let locked: bool = c
        .exists(format!("{prefix}{{{}}}:lock", provider.store_key()))
        .await
        .unwrap();
    assert!(locked, "a login must be in progress under the lock");
    provider.open_gate();
    for t in tasks {
        let serial = within(Duration::from_secs(10), "a get()", t)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(serial, 1);
    }
    assert_eq!(provider.logins(), 1, "200 tasks on 2 managers: one login");
    let mut outcomes = [first_acquired(&mut a_events), first_acquired(&mut b_events)];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [Some(false), Some(true)],
        "one manager logged in, the other took its session from Redis"
    );
    let locked: bool = c
        .exists(format!("{prefix}{{{}}}:lock", provider.store_key()))
        .await
        .unwrap();
    assert!(!locked, "the lock is released after the login");
}

/// A renewal that rotates the token happens once for two managers: the renewal runs under the
/// Redis lock and the other manager adopts the renewed session from Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotating_renewal_is_shared_by_two_managers_through_redis() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("renew-once");
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900))
        .with_renewal(session_core::test_util::FakeRenewal::NewToken);
    let manager = || {
        SessionManager::builder(provider.clone())
            .clock(clock.shared())
            .store(Arc::new(store(&redis, &prefix, clock.shared())))
            .build()
    };
    let (a, b) = (manager(), manager());
    assert_eq!(a.get().await.unwrap().serial, 1);
    assert_eq!(b.get().await.unwrap().serial, 1);
    // Past the renewal point (900 s minus a 60-70 s buffer), before expiry.
    clock.advance(Duration::from_secs(845));
    let mut tasks = Vec::new();
    for i in 0..100 {
        let m = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { m.get().await.map(|l| l.serial) }));
    }
    for t in tasks {
        let serial = within(Duration::from_secs(10), "a get()", t)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(serial, 2);
    }
    assert_eq!(provider.renewals(), 1, "one renewal for both managers");
    assert_eq!(provider.logins(), 1);
    let mut c = raw(redis.url()).await;
    let stored: u64 = c
        .hget(format!("{prefix}{{{}}}:session", provider.store_key()), "g")
        .await
        .unwrap();
    assert_eq!(stored, a.cached().unwrap().generation());
    assert_eq!(stored, b.cached().unwrap().generation());
}

/// Whether the first `Acquired` event says the session came from the store.
fn first_acquired(rx: &mut tokio::sync::broadcast::Receiver<Event>) -> Option<bool> {
    std::iter::from_fn(|| rx.try_recv().ok()).find_map(|e| match e {
        Event::Acquired { restored, .. } => Some(restored),
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_manager_resumes_the_stored_session_without_logging_in() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("resume");
    let sim = LoginSim::start(Duration::ZERO).await;
    let build = || {
        SessionManager::builder(HttpLogin::new(&sim.url(), clock.shared()))
            .clock(clock.shared())
            .store(Arc::new(store(&redis, &prefix, clock.shared())))
            .build()
    };
    let first = build().get().await.unwrap();
    let second = build();
    let mut events = second.subscribe();
    let resumed = second.get().await.unwrap();
    assert_eq!(sim.logins(), 1);
    assert_eq!(resumed.serial, first.serial);
    assert_eq!(resumed.generation(), first.generation());
    assert_eq!(
        events.try_recv().unwrap(),
        Event::Acquired {
            generation: first.generation(),
            restored: true
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_ban_is_shared_through_redis() {
    let redis = TestRedis::start();
    let clock = ManualClock::new();
    let prefix = redis.prefix("ban");
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    provider.fail_logins(1, ErrorKind::RateLimited, Some(Duration::from_secs(1200)));
    let build = || {
        SessionManager::builder(provider.clone())
            .clock(clock.shared())
            .store(Arc::new(store(&redis, &prefix, clock.shared())))
            .build()
    };
    let a = build();
    assert_eq!(a.get().await.unwrap_err().kind(), ErrorKind::RateLimited);
    let b = build();
    let e = b.get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(
        provider.logins(),
        1,
        "the second process must not log in during the ban"
    );
    assert!(b.health().banned_until.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_processes_starting_cold_log_in_once() {
    const CHILDREN: usize = 16;
    let redis = TestRedis::start();
    // A slow login, so that every child is waiting for the lock while the first one logs in.
    let sim = LoginSim::start(Duration::from_millis(300)).await;
    let prefix = redis.prefix("sixteen");
    let dir = exchange_dir("sixteen");
    let sim_url = sim.url();
    let mut children: Vec<_> = (0..CHILDREN)
        .map(|id| {
            spawn(&ChildSpec {
                mode: "login",
                redis_url: redis.url(),
                sim_url: &sim_url,
                prefix: &prefix,
                dir: &dir,
                id,
                lock_ttl: Duration::from_secs(30),
            })
        })
        .collect();
    for id in 0..CHILDREN {
        let ready = wait_for_file(&dir.join(format!("ready-{id}")), Duration::from_secs(60)).await;
        if !ready {
            for c in &mut children {
                let _ = c.kill();
            }
            panic!("child {id} did not get ready");
        }
    }
    assert_eq!(sim.logins(), 0, "nobody logs in before the start signal");
    std::fs::write(dir.join("go"), b"").unwrap();
    let mut failures = Vec::new();
    for (id, child) in children.iter_mut().enumerate() {
        let mut waited = Duration::ZERO;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if waited > Duration::from_secs(60) {
                let _ = child.kill();
                break None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            waited += Duration::from_millis(20);
        };
        if !status.is_some_and(|s| s.success()) {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            failures.push(format!("child {id}: {status:?}\n{err}"));
        }
    }
    assert!(
        failures.is_empty(),
        "children failed:\n{}",
        failures.join("\n")
    );
    for id in 0..CHILDREN {
        let serial = std::fs::read_to_string(dir.join(format!("out-{id}"))).unwrap();
        assert_eq!(serial, "1", "child {id} must use the one session");
    }
    assert_eq!(sim.logins(), 1, "16 processes, one login");
    let _ = std::fs::remove_dir_all(&dir);
}
