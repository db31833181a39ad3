//! Time, injected.
//!
//! Every decision about expiry goes through a [`Clock`]. This is the only module that reads the
//! system clock; everything else asks the clock it was given, so tests drive time with
//! `test_util::ManualClock` and never sleep for real.
//!
//! Besides telling the time, a clock can sleep and can run a callback at a deadline. The session
//! manager uses the callback to flip a cached session to "stale" at its renewal deadline, so that
//! its hot path never reads the clock at all.
#![allow(clippy::disallowed_methods)]

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of wall-clock time with sleeping and deadline callbacks.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;

    /// A future that completes at `deadline` (at once if it has passed).
    fn sleep_until(&self, deadline: SystemTime) -> BoxFuture<'static, ()>;

    /// Runs `callback` once at `deadline`, unless the returned [`Timer`] is dropped first.
    fn call_at(&self, deadline: SystemTime, callback: Box<dyn FnOnce() + Send>) -> Timer;
}

/// A scheduled callback; dropping it cancels the callback if it has not run yet.
#[must_use = "dropping a Timer cancels it"]
pub struct Timer {
    cancel: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl Timer {
    /// A timer whose cancellation runs `cancel`.
    pub fn new(cancel: impl FnOnce() + Send + Sync + 'static) -> Self {
        Self {
            cancel: Some(Box::new(cancel)),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(cancel) = self.cancel.take() {
            cancel();
        }
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Timer")
    }
}

/// The real clock: `SystemTime::now()` and Tokio timers.
///
/// Sleeping needs a Tokio runtime with time enabled. Deadline callbacks run on a Tokio task when
/// called inside a runtime, and on a small background thread otherwise.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl SystemClock {
    fn until(deadline: SystemTime) -> Duration {
        deadline
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }
}

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep_until(&self, deadline: SystemTime) -> BoxFuture<'static, ()> {
        let wait = Self::until(deadline);
        Box::pin(tokio::time::sleep(wait))
    }

    fn call_at(&self, deadline: SystemTime, callback: Box<dyn FnOnce() + Send>) -> Timer {
        let wait = Self::until(deadline);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                let task = handle.spawn(async move {
                    tokio::time::sleep(wait).await;
                    callback();
                });
                let abort = task.abort_handle();
                Timer::new(move || abort.abort())
            }
            Err(_) => {
                let cancelled = Arc::new(AtomicBool::new(false));
                let flag = cancelled.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(wait);
                    if !flag.load(Ordering::Acquire) {
                        callback();
                    }
                });
                Timer::new(move || cancelled.store(true, Ordering::Release))
            }
        }
    }
}

/// Converts a wall-clock time to seconds since the Unix epoch (negative before it).
pub fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Converts seconds since the Unix epoch to a wall-clock time.
pub fn from_unix_seconds(secs: i64) -> SystemTime {
    if secs >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}
