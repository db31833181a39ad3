//! Benchmarks of the session manager's hot and cold paths.
//!
//! - `get/cached`: `get()` on a fresh cached session, which checks the renewal deadline against
//!   the coarse wall clock on every call (target: median ≤ 2.5× `get/baseline_bare_arc_swap_load`,
//!   a bare `arc-swap` guard load measured in the same run).
//! - `get/threads/{1,2}`: the same from one and from two threads at once; aggregate throughput
//!   with two threads should be ≥ 1.6× one thread.
//! - `single_flight/release_lag_10000`: 10,000 callers on an empty manager whose login takes
//!   20 ms; the measured time is how long after the login finished the last caller was released
//!   (target ≤ 5 ms), and every iteration checks that exactly one login happened.
//! - `single_flight/baseline_bare_notify_10000`: for comparison, 10,000 tasks parked on one bare
//!   `tokio::sync::Notify` and released at once by one `notify_waiters()`. The manager spreads
//!   its waiters over one list per worker and shares the waking between workers, so it releases
//!   them sooner than this.
#![allow(
    clippy::disallowed_methods,
    clippy::arithmetic_side_effects,
    missing_docs
)] // Benchmarks measure wall-clock time.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use session_core::test_util::FakeProvider;
use session_core::{AccessToken, SessionManager, StaticToken, SystemClock, provider_fn};

/// Polls a future once; the hot path of `get()` completes on the first poll.
fn poll_once<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the cached path must not wait"),
    }
}

fn warm_manager(rt: &tokio::runtime::Runtime) -> SessionManager<FakeProvider> {
    let provider = FakeProvider::new(Arc::new(SystemClock), Duration::from_secs(3600));
    let manager = SessionManager::new(provider);
    rt.block_on(manager.get()).expect("login");
    manager
}

fn cached_get(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let manager = warm_manager(&rt);
    let mut group = c.benchmark_group("get");
    group.bench_function("cached", |b| {
        b.iter(|| poll_once(std::hint::black_box(&manager).get()).expect("cached"));
    });
    // The floor the cached path is measured against: an `arc-swap` guard load of a cached
    // value and a read through it, with no clock, flag or lease (target: cached ≤ 2.5× this).
    let bare = arc_swap::ArcSwap::from_pointee(Some(42u64));
    group.bench_function("baseline_bare_arc_swap_load", |b| {
        b.iter(|| {
            let guard = std::hint::black_box(&bare).load();
            std::hint::black_box(**guard)
        });
    });
    for threads in [1usize, 2] {
        group.throughput(Throughput::Elements(threads as u64));
        group.bench_function(format!("threads/{threads}"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                std::thread::scope(|s| {
                    for _ in 0..threads {
                        let m = manager.clone();
                        s.spawn(move || {
                            for _ in 0..iters {
                                std::hint::black_box(poll_once(m.get()).expect("cached"));
                            }
                        });
                    }
                });
                start.elapsed()
            });
        });
    }
    group.finish();
}

fn cold_single_flight(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("single_flight");
    group.sample_size(10);
    group.bench_function("release_lag_10000", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += rt.block_on(one_cold_flight());
            }
            total
        });
    });
    group.bench_function("baseline_bare_notify_10000", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += rt.block_on(bare_notify());
            }
            total
        });
    });
    group.finish();
}

/// The floor: 10,000 tasks parked on a `Notify` and released at once, no manager involved.
async fn bare_notify() -> Duration {
    let notify = Arc::new(tokio::sync::Notify::new());
    let ready = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::with_capacity(10_000);
    for _ in 0..10_000 {
        let (n, r) = (notify.clone(), ready.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let notified = n.notified();
                let mut notified = pin!(notified);
                notified.as_mut().enable();
                if r.load(Ordering::Acquire) {
                    break;
                }
                notified.await;
            }
            Instant::now()
        }));
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    ready.store(true, Ordering::Release);
    let released = Instant::now();
    notify.notify_waiters();
    let mut last = released;
    for t in tasks {
        last = last.max(t.await.unwrap());
    }
    last.saturating_duration_since(released)
}

async fn one_cold_flight() -> Duration {
    let logins = Arc::new(AtomicUsize::new(0));
    let login_end = Arc::new(Mutex::new(None::<Instant>));
    let (l, e) = (logins.clone(), login_end.clone());
    let provider = provider_fn("bench", move || {
        let (l, e) = (l.clone(), e.clone());
        async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            l.fetch_add(1, Ordering::SeqCst);
            *e.lock().unwrap() = Some(Instant::now());
            Ok(StaticToken::bearer(AccessToken::new("bench")))
        }
    });
    let manager = SessionManager::new(provider);
    let mut tasks = Vec::with_capacity(10_000);
    for _ in 0..10_000 {
        let m = manager.clone();
        tasks.push(tokio::spawn(async move {
            m.get().await.expect("login");
            Instant::now()
        }));
    }
    let mut last = None::<Instant>;
    for t in tasks {
        let done = t.await.unwrap();
        last = Some(last.map_or(done, |l| l.max(done)));
    }
    assert_eq!(
        logins.load(Ordering::SeqCst),
        1,
        "10,000 waiters must cause one login"
    );
    let end = login_end.lock().unwrap().expect("login ran");
    last.unwrap().saturating_duration_since(end)
}

criterion_group!(benches, cached_get, cold_single_flight);
criterion_main!(benches);
