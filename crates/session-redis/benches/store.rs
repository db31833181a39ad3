//! Benchmarks of `get()` on a manager backed by [`RedisSessionStore`], against a real Redis
//! (`REDIS_URL`, else a `redis-server` started from `PATH`).
//!
//! - `redis/ping`: one Redis round trip (`PING`), the unit the other figures compare with.
//! - `get/warm_cache`: `get()` with a fresh cached session. Must make **no** Redis round trip:
//!   checked with a counting wrapper store and with the server's `INFO commandstats`.
//! - `get/cold_from_redis`: a new manager (a new process, say) whose first `get()` is served
//!   from the session stored in Redis. Must cost about **one** round trip (one `EVALSHA` of the
//!   load script, which reads the record without sending an oversized value).
//! - `get/cold_with_login`: a new manager and an empty store (the record is deleted, uncounted,
//!   before each iteration): the fleet's first login (read, lock, read again, log in, write,
//!   release).
//!
//! After each group the store calls and server commands per `get()` are printed to stderr.
#![allow(clippy::disallowed_methods, missing_docs)] // Benchmarks measure wall-clock time.
#![allow(clippy::print_stderr)] // The round-trip counts are the point of this benchmark.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use async_trait::async_trait;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use session_core::test_util::FakeProvider;
use session_core::{SessionProvider, SystemClock};
use session_redis::{
    RedisSessionStore, Result, SessionManager, SessionStore, StoreLock, StoredRecord, TestRedis,
};

/// Store operations seen, by kind. Each is one Redis round trip (two after a Redis restart,
/// when a script must be loaded again).
#[derive(Default)]
struct Calls {
    load: AtomicUsize,
    save: AtomicUsize,
    delete: AtomicUsize,
    lock: AtomicUsize,
    release: AtomicUsize,
}

impl Calls {
    fn snapshot(&self) -> [usize; 5] {
        [
            self.load.load(Ordering::SeqCst),
            self.save.load(Ordering::SeqCst),
            self.delete.load(Ordering::SeqCst),
            self.lock.load(Ordering::SeqCst),
            self.release.load(Ordering::SeqCst),
        ]
    }
}

/// A store that counts the operations it forwards to the Redis store.
#[derive(Clone)]
struct Counting {
    inner: RedisSessionStore,
    calls: Arc<Calls>,
}

struct CountingLock {
    inner: Box<dyn StoreLock>,
    calls: Arc<Calls>,
}

#[async_trait]
impl StoreLock for CountingLock {
    fn generation(&self) -> u64 {
        self.inner.generation()
    }
    async fn extend(&self, ttl: Duration) -> Result<bool> {
        self.inner.extend(ttl).await
    }
    async fn release(self: Box<Self>) -> Result<()> {
        self.calls.release.fetch_add(1, Ordering::SeqCst);
        self.inner.release().await
    }
}

#[async_trait]
impl SessionStore for Counting {
    async fn load(&self, key: &str) -> Result<Option<StoredRecord>> {
        self.calls.load.fetch_add(1, Ordering::SeqCst);
        self.inner.load(key).await
    }
    async fn save(&self, key: &str, record: &StoredRecord, fence: u64) -> Result<bool> {
        self.calls.save.fetch_add(1, Ordering::SeqCst);
        self.inner.save(key, record, fence).await
    }
    async fn delete(&self, key: &str, generation: Option<u64>) -> Result<()> {
        self.calls.delete.fetch_add(1, Ordering::SeqCst);
        self.inner.delete(key, generation).await
    }
    async fn lock(&self, key: &str, ttl: Duration) -> Result<Box<dyn StoreLock>> {
        self.calls.lock.fetch_add(1, Ordering::SeqCst);
        let inner = self.inner.lock(key, ttl).await?;
        Ok(Box::new(CountingLock {
            inner,
            calls: self.calls.clone(),
        }))
    }
}

/// Polls a future once; the cached path of `get()` completes on the first poll.
fn poll_once<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the cached path must not wait"),
    }
}

/// Commands the server has executed, by name, without `info` (the benchmark's own probe).
async fn command_calls(c: &mut redis::aio::MultiplexedConnection) -> BTreeMap<String, u64> {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(c)
        .await
        .expect("INFO commandstats");
    info.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("cmdstat_")?;
            let (name, stats) = rest.split_once(':')?;
            let calls = stats.split(',').find_map(|f| f.strip_prefix("calls="))?;
            Some((name.to_owned(), calls.parse().ok()?))
        })
        .filter(|(name, _)| name != "info")
        .collect()
}

fn delta(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .filter_map(|(k, v)| {
            let d = v - before.get(k).copied().unwrap_or(0);
            (d > 0).then(|| (k.clone(), d))
        })
        .collect()
}

struct Setup {
    rt: tokio::runtime::Runtime,
    _redis: TestRedis,
    url: String,
    store: Counting,
    provider: FakeProvider,
}

fn setup(prefix: &str) -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let redis = TestRedis::start();
    let url = redis.url().to_owned();
    let clock = Arc::new(SystemClock);
    let inner = rt
        .block_on(
            RedisSessionStore::builder(&url)
                .prefix(format!("{}{prefix}:", TestRedis::unique_prefix("bench")))
                .clock(clock.clone())
                .connect(),
        )
        .expect("redis for the benchmark");
    let provider = FakeProvider::new(clock, Duration::from_secs(3600));
    Setup {
        rt,
        _redis: redis,
        url,
        store: Counting {
            inner,
            calls: Arc::new(Calls::default()),
        },
        provider,
    }
}

fn manager(s: &Setup) -> SessionManager<FakeProvider> {
    SessionManager::builder(s.provider.clone())
        .store(Arc::new(s.store.clone()))
        .build()
}

fn report(what: &str, gets: u64, calls: [usize; 5], commands: Option<&BTreeMap<String, u64>>) {
    let per = |n: usize| n as f64 / gets.max(1) as f64;
    let commands = match commands {
        Some(c) => format!("; redis commands over the run (INFO commandstats): {c:?}"),
        None => String::new(),
    };
    eprintln!(
        "{what}: {gets} get() calls; store ops per get: load {:.3}, save {:.3}, delete {:.3}, \
         lock {:.3}, release {:.3}{commands}",
        per(calls[0]),
        per(calls[1]),
        per(calls[2]),
        per(calls[3]),
        per(calls[4]),
    );
}

fn benches(c: &mut Criterion) {
    let s = setup("get");
    let mut raw =
        s.rt.block_on(
            redis::Client::open(s.url.as_str())
                .unwrap()
                .get_multiplexed_async_connection(),
        )
        .unwrap();

    let mut group = c.benchmark_group("redis");
    group.bench_function("ping", |b| {
        b.iter(|| s.rt.block_on(s.store.inner.ping()).expect("ping"));
    });
    group.finish();

    // Warm cache: one login, then get() never touches Redis.
    let warm = manager(&s);
    s.rt.block_on(warm.get()).expect("login");
    let calls_before = s.store.calls.snapshot();
    let commands_before = s.rt.block_on(command_calls(&mut raw));
    let gets = AtomicUsize::new(0);
    let mut group = c.benchmark_group("get");
    group.bench_function("warm_cache", |b| {
        b.iter(|| {
            gets.fetch_add(1, Ordering::Relaxed);
            poll_once(std::hint::black_box(&warm).get()).expect("cached")
        });
    });
    let calls_after = s.store.calls.snapshot();
    let commands = delta(&commands_before, &s.rt.block_on(command_calls(&mut raw)));
    let diff: [usize; 5] = std::array::from_fn(|i| calls_after[i] - calls_before[i]);
    let n = gets.load(Ordering::Relaxed);
    if n > 0 {
        report("get/warm_cache", n as u64, diff, Some(&commands));
        assert_eq!(diff, [0; 5], "a warm get() must not call the store");
        assert!(commands.is_empty(), "a warm get() must not reach Redis");
    }

    // Cold from Redis: the session is stored (by the warm manager's login); each new manager
    // reads it once.
    let logins_before = s.provider.logins();
    let calls_before = s.store.calls.snapshot();
    let commands_before = s.rt.block_on(command_calls(&mut raw));
    let gets = AtomicUsize::new(0);
    group.bench_function("cold_from_redis", |b| {
        b.iter_batched(
            || manager(&s),
            |m| {
                gets.fetch_add(1, Ordering::Relaxed);
                s.rt.block_on(m.get()).expect("restored");
                m
            },
            BatchSize::SmallInput,
        );
    });
    let calls_after = s.store.calls.snapshot();
    let commands = delta(&commands_before, &s.rt.block_on(command_calls(&mut raw)));
    let diff: [usize; 5] = std::array::from_fn(|i| calls_after[i] - calls_before[i]);
    let n = gets.load(Ordering::Relaxed);
    if n > 0 {
        report("get/cold_from_redis", n as u64, diff, Some(&commands));
        assert_eq!(
            s.provider.logins(),
            logins_before,
            "served from Redis, no login"
        );
        assert_eq!(diff, [n, 0, 0, 0, 0], "one load per cold get()");
        assert_eq!(commands.get("evalsha").copied(), Some(n as u64));
        // The server also counts the reads inside the script; the client sent one command.
        let sent: u64 = commands
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "hget" | "hexists" | "hstrlen"))
            .map(|(_, calls)| calls)
            .sum();
        assert_eq!(sent, n as u64, "one Redis round trip per cold get()");
    }

    // Cold with login: an empty store each time (the record is deleted in the setup).
    let key = s.provider.store_key();
    let logins_before = s.provider.logins();
    let calls_before = s.store.calls.snapshot();
    let commands_before = s.rt.block_on(command_calls(&mut raw));
    let gets = AtomicUsize::new(0);
    group.bench_function("cold_with_login", |b| {
        b.iter_batched(
            || {
                s.rt.block_on(s.store.inner.delete(&key, None))
                    .expect("delete");
                manager(&s)
            },
            |m| {
                gets.fetch_add(1, Ordering::Relaxed);
                s.rt.block_on(m.get()).expect("login");
                m
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
    let calls_after = s.store.calls.snapshot();
    let diff: [usize; 5] = std::array::from_fn(|i| calls_after[i] - calls_before[i]);
    let n = gets.load(Ordering::Relaxed);
    let commands = delta(&commands_before, &s.rt.block_on(command_calls(&mut raw)));
    if n > 0 {
        report("get/cold_with_login", n as u64, diff, Some(&commands));
        assert_eq!(
            s.provider.logins() - logins_before,
            n,
            "one login per iteration"
        );
        assert_eq!(
            diff,
            [2 * n, n, 0, n, n],
            "load, lock, load again, save, release"
        );
    }
}

criterion_group!(store, benches);
criterion_main!(store);
