//! Fleet figures, on a real Redis, a real local Redis Cluster and real files (`cargo bench -p
//! session-redis --bench fleet`):
//!
//! 1. **16 processes cold on one account** through each store (file, Redis, Redis Cluster; the
//!    memory store with 16 managers in one process): this binary spawns itself 16 times, the
//!    children start together and each calls `get()` once; the logins of all children are
//!    summed. Must be exactly 1.
//! 2. **Warm `get()` with a Redis store**: Redis round trips over 100,000 calls, counted by the
//!    server (`INFO commandstats`). Must be 0.
//! 3. **Login latency added by the store**: a cold `get()` that logs in (empty store), through a
//!    store-less manager and through the Redis and cluster stores, interleaved in the same run;
//!    p50 and p99 of each and the difference.
#![allow(clippy::disallowed_methods, missing_docs)] // A benchmark measures wall-clock time.
#![allow(clippy::print_stderr, clippy::print_stdout)] // The figures are the output.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use session_core::test_util::FakeProvider;
use session_core::{FileStore, MemoryStore, SessionProvider, SystemClock};
use session_redis::{RedisSessionStore, SessionManager, SessionStore, TestCluster, TestRedis};

const CHILD_STORE: &str = "SESSION_FLEET_STORE";
const CHILD_TARGET: &str = "SESSION_FLEET_TARGET";
const CHILD_PREFIX: &str = "SESSION_FLEET_PREFIX";
const CHILD_GO: &str = "SESSION_FLEET_GO";
const PROCESSES: usize = 16;

fn provider() -> FakeProvider {
    FakeProvider::new(Arc::new(SystemClock), Duration::from_secs(3600))
}

fn redis_store(urls: &[String], cluster: bool, prefix: &str) -> RedisSessionStore {
    let mut b = RedisSessionStore::builder(urls[0].clone())
        .prefix(prefix.to_owned())
        .command_timeout(Duration::from_secs(5))
        .lock_poll_interval(Duration::from_millis(5));
    if cluster {
        b = b.cluster();
        for u in &urls[1..] {
            b = b.cluster_node(u.clone());
        }
    }
    b.build().expect("store settings")
}

fn child_store(kind: &str, target: &str, prefix: &str) -> Arc<dyn SessionStore> {
    match kind {
        "file" => Arc::new(FileStore::new(target)),
        "redis" => Arc::new(redis_store(&[target.to_owned()], false, prefix)),
        "cluster" => {
            let urls: Vec<String> = target.split(',').map(str::to_owned).collect();
            Arc::new(redis_store(&urls, true, prefix))
        }
        other => panic!("unknown store {other}"),
    }
}

/// A child process: waits for the go file, calls `get()` once, prints its logins.
fn child(kind: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let target = std::env::var(CHILD_TARGET).unwrap();
    let prefix = std::env::var(CHILD_PREFIX).unwrap();
    let go = PathBuf::from(std::env::var(CHILD_GO).unwrap());
    let p = provider();
    let m = SessionManager::builder(p.clone())
        .store(child_store(kind, &target, &prefix))
        .store_timeout(Duration::from_secs(10))
        .build();
    while !go.exists() {
        std::thread::sleep(Duration::from_millis(1));
    }
    rt.block_on(m.get()).expect("child get()");
    println!("logins={}", p.logins());
}

/// Spawns 16 children on one store and returns the sum of their logins.
fn sixteen_processes(kind: &str, target: &str, prefix: &str) -> usize {
    let go = std::env::temp_dir().join(format!(
        "session-fleet-go-{}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            Command::new(&exe)
                .env(CHILD_STORE, kind)
                .env(CHILD_TARGET, target)
                .env(CHILD_PREFIX, prefix)
                .env(CHILD_GO, &go)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    // Let every child build its manager, then start them together.
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(&go, b"").unwrap();
    let mut logins = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "a child failed");
        let text = String::from_utf8_lossy(&out.stdout);
        logins += text
            .lines()
            .find_map(|l| l.strip_prefix("logins="))
            .and_then(|n| n.parse::<usize>().ok())
            .expect("a child's login count");
    }
    let _ = std::fs::remove_file(&go);
    logins
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

async fn commands(url: &str) -> BTreeMap<String, u64> {
    let mut c = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut c)
        .await
        .unwrap();
    info.lines()
        .filter_map(|line| {
            let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = stats.split(',').find_map(|f| f.strip_prefix("calls="))?;
            Some((name.to_owned(), calls.parse().ok()?))
        })
        .filter(|(name, _)| name != "info")
        .collect()
}

fn main() {
    if let Ok(kind) = std::env::var(CHILD_STORE) {
        child(&kind);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing we use. Either way the
    // figures are computed once.
    let redis = TestRedis::spawn();
    let cluster = TestCluster::start(3, 0);
    let cluster_urls = cluster.urls();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    println!("== 1. {PROCESSES} processes cold on one account: logins in total");
    let memory = MemoryStore::new();
    let p = provider();
    let memory_logins = rt.block_on(async {
        let tasks: Vec<_> = (0..PROCESSES)
            .map(|_| {
                let m = SessionManager::builder(p.clone())
                    .store(Arc::new(memory.clone()))
                    .build();
                tokio::spawn(async move { m.get().await.map(|_| ()) })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        p.logins()
    });
    println!("memory  (16 managers, one process): {memory_logins}");
    let dir = std::env::temp_dir().join(format!("session-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("session.json");
    let file_logins = sixteen_processes("file", &file.to_string_lossy(), "");
    println!("file    (16 processes): {file_logins}");
    let redis_logins = sixteen_processes(
        "redis",
        redis.url(),
        &TestRedis::unique_prefix("fleet-redis"),
    );
    println!("redis   (16 processes): {redis_logins}");
    let cluster_logins = sixteen_processes(
        "cluster",
        &cluster_urls.join(","),
        &TestRedis::unique_prefix("fleet-cluster"),
    );
    println!("cluster (16 processes): {cluster_logins}");
    let _ = std::fs::remove_dir_all(&dir);

    println!("== 2. warm get() with a Redis store: Redis round trips");
    let warm_store = redis_store(
        &[redis.url().to_owned()],
        false,
        &TestRedis::unique_prefix("fleet-warm"),
    );
    let warm = SessionManager::builder(provider())
        .store(Arc::new(warm_store))
        .build();
    let calls = 100_000;
    let round_trips = rt.block_on(async {
        warm.get().await.unwrap();
        let before = commands(redis.url()).await;
        for _ in 0..calls {
            std::hint::black_box(warm.get().await.unwrap());
        }
        let after = commands(redis.url()).await;
        after
            .iter()
            .map(|(k, v)| v - before.get(k).copied().unwrap_or(0))
            .sum::<u64>()
    });
    println!("{calls} warm get() calls: {round_trips} Redis commands (INFO commandstats)");

    println!("== 3. login latency: cold get() that logs in, store-less vs. Redis stores");
    let iterations = 300;
    let single = redis_store(
        &[redis.url().to_owned()],
        false,
        &TestRedis::unique_prefix("fleet-latency"),
    );
    let clustered = redis_store(
        &cluster_urls,
        true,
        &TestRedis::unique_prefix("fleet-latency-cluster"),
    );
    let (mut none, mut with_redis, mut with_cluster) = (Vec::new(), Vec::new(), Vec::new());
    rt.block_on(async {
        let key = provider().store_key();
        // Warm-up: connections made, scripts loaded.
        for store in [&single, &clustered] {
            let m = SessionManager::builder(provider())
                .store(Arc::new(store.clone()))
                .build();
            m.get().await.unwrap();
        }
        for _ in 0..iterations {
            let m = SessionManager::builder(provider()).build();
            let t = Instant::now();
            m.get().await.unwrap();
            none.push(t.elapsed());
            for (store, out) in [(&single, &mut with_redis), (&clustered, &mut with_cluster)] {
                store.delete(&key, None).await.unwrap();
                let m = SessionManager::builder(provider())
                    .store(Arc::new(store.clone()))
                    .build();
                let t = Instant::now();
                m.get().await.unwrap();
                out.push(t.elapsed());
            }
        }
    });
    for v in [&mut none, &mut with_redis, &mut with_cluster] {
        v.sort();
    }
    let row = |name: &str, v: &[Duration]| {
        println!(
            "{name:<22} p50 {:>8.1} µs   p99 {:>8.1} µs",
            micros(percentile(v, 0.5)),
            micros(percentile(v, 0.99))
        );
    };
    row("store-less", &none);
    row("redis store", &with_redis);
    row("redis cluster store", &with_cluster);
    for (name, v) in [("redis", &with_redis), ("cluster", &with_cluster)] {
        println!(
            "added by the {name} store: p50 {:.1} µs, p99 {:.1} µs ({iterations} logins each)",
            micros(percentile(v, 0.5)) - micros(percentile(&none, 0.5)),
            micros(percentile(v, 0.99)) - micros(percentile(&none, 0.99)),
        );
    }
    assert_eq!(
        (memory_logins, file_logins, redis_logins, cluster_logins),
        (1, 1, 1, 1),
        "16 cold processes must log in once per store"
    );
    assert_eq!(round_trips, 0, "a warm get() must not reach Redis");
}
