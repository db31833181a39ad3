//! Time, injected.
//!
//! Every decision about expiry goes through a [`Clock`]. This is the only module that reads the
//! system clock; everything else asks the clock it was given, so tests drive time with
//! `test_util::ManualClock` and never sleep for real.
//!
//! Besides telling the time, a clock can sleep and can run a callback at a deadline. The session
//! manager checks a cached session's deadline against [`Clock::coarse_now`] on every `get()`, so
//! freshness never depends on a timer firing: runtimes get dropped, threads get blocked, and
//! machines get suspended (monotonic timers stop while the wall clock does not). Callbacks only
//! announce events such as [`Event::Expired`](crate::Event::Expired).
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use crate::timing;
pub(crate) use crate::timing::{from_unix_seconds, unix_seconds};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of wall-clock time with sleeping and deadline callbacks.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;

    /// A cheap reading of the wall clock that is never earlier than [`now`](Clock::now) would
    /// be, though it may be a few milliseconds later. The session manager's hot path compares
    /// it with a cached session's renewal deadline on every `get()`, so it must be fast; the
    /// default reads [`now`](Clock::now).
    fn coarse_now(&self) -> SystemTime {
        self.now()
    }

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

/// The real clock: `SystemTime::now()`, Tokio timers for sleeping, and one shared background
/// thread for deadline callbacks.
///
/// Sleeping needs a Tokio runtime with time enabled. Deadline callbacks run on a single thread
/// per process (started on first use) that follows the wall clock, so they fire after a
/// suspend or a clock jump, do not depend on any runtime staying alive, and a cancelled
/// callback is freed at once instead of holding a thread until its deadline.
///
/// [`coarse_now`](Clock::coarse_now) reads `CLOCK_REALTIME_COARSE` on Linux, Android and
/// FreeBSD (a few nanoseconds, no system call) and adds the clock's resolution twice, so it is
/// never behind the precise clock; elsewhere it is `SystemTime::now()`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl SystemClock {
    fn until(deadline: SystemTime) -> Duration {
        timing::until(SystemTime::now(), deadline)
    }
}

/// How far the coarse clock reading is moved ahead so that it is never behind the precise one:
/// twice its tick, and at least 10 ms (it lags by at most one tick).
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn coarse_lead() -> Duration {
    use rustix::time::{ClockId, clock_getres};
    static LEAD: OnceLock<Duration> = OnceLock::new();
    *LEAD.get_or_init(|| {
        let res = clock_getres(ClockId::RealtimeCoarse);
        let res = Duration::new(
            u64::try_from(res.tv_sec).unwrap_or(0),
            u32::try_from(res.tv_nsec).unwrap_or(0).min(999_999_999),
        );
        res.saturating_mul(2).max(Duration::from_millis(10))
    })
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn coarse_system_now() -> SystemTime {
    use rustix::time::{ClockId, clock_gettime};
    let ts = clock_gettime(ClockId::RealtimeCoarse);
    let (Ok(secs), Ok(nanos)) = (u64::try_from(ts.tv_sec), u32::try_from(ts.tv_nsec)) else {
        return SystemTime::now();
    };
    // One checked add, no clamping (a clock past year 9999 falls back).
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::new(secs, nanos.min(999_999_999)).saturating_add(coarse_lead()))
        .unwrap_or_else(SystemTime::now)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
fn coarse_system_now() -> SystemTime {
    SystemTime::now()
}

/// A deadline prepared for the [`SystemClock`]'s coarse reading: whether it has passed is one
/// read of `CLOCK_REALTIME_COARSE` and one comparison with the raw reading, with the lead already
/// taken off, so the check costs no conversion. It answers exactly as
/// `SystemClock.coarse_now() >= at` does.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CoarseDeadline {
    at: SystemTime,
    /// `at` minus the coarse lead, as a raw reading; `None` when that is before 1970 (every
    /// reading after 1970 is then past it).
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    raw: Option<(rustix::time::Secs, rustix::time::Nsecs)>,
}

impl CoarseDeadline {
    /// Prepares `at`.
    pub(crate) fn new(at: SystemTime) -> Self {
        Self {
            at,
            #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
            raw: at
                .duration_since(SystemTime::UNIX_EPOCH)
                .ok()
                .and_then(|since| since.checked_sub(coarse_lead()))
                .map(|d| {
                    (
                        rustix::time::Secs::try_from(d.as_secs())
                            .unwrap_or(rustix::time::Secs::MAX),
                        rustix::time::Nsecs::from(d.subsec_nanos()),
                    )
                }),
        }
    }

    /// The deadline itself.
    pub(crate) fn at(self) -> SystemTime {
        self.at
    }

    /// Whether the [`SystemClock`]'s coarse reading has reached the deadline.
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    #[inline]
    pub(crate) fn passed_on_system_clock(self) -> bool {
        use rustix::time::{ClockId, clock_gettime};
        let ts = clock_gettime(ClockId::RealtimeCoarse);
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return coarse_system_now() >= self.at;
        }
        self.raw.is_none_or(|raw| (ts.tv_sec, ts.tv_nsec) >= raw)
    }

    /// Whether the [`SystemClock`]'s coarse reading has reached the deadline.
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    #[inline]
    pub(crate) fn passed_on_system_clock(self) -> bool {
        coarse_system_now() >= self.at
    }
}

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn coarse_now(&self) -> SystemTime {
        coarse_system_now()
    }

    fn sleep_until(&self, deadline: SystemTime) -> BoxFuture<'static, ()> {
        let wait = Self::until(deadline);
        Box::pin(tokio::time::sleep(wait))
    }

    fn call_at(&self, deadline: SystemTime, callback: Box<dyn FnOnce() + Send>) -> Timer {
        let timers = Timers::global();
        let id = timers.insert(deadline, callback);
        Timer::new(move || timers.cancel(id))
    }
}

/// How long the timer thread sleeps at most before it looks at the wall clock again, so a
/// clock jump or a resume from suspend is noticed within this time.
const TIMER_POLL: Duration = Duration::from_secs(1);

/// The deadline callbacks of every [`SystemClock`] in the process, run by one thread.
struct Timers {
    state: Mutex<TimerState>,
    changed: Condvar,
}

#[derive(Default)]
struct TimerState {
    next_id: u64,
    due: BTreeMap<(SystemTime, u64), Box<dyn FnOnce() + Send>>,
    deadlines: std::collections::HashMap<u64, SystemTime>,
}

impl Timers {
    fn global() -> &'static Timers {
        static TIMERS: OnceLock<&'static Timers> = OnceLock::new();
        TIMERS.get_or_init(|| {
            let timers: &'static Timers = Box::leak(Box::new(Timers {
                state: Mutex::new(TimerState::default()),
                changed: Condvar::new(),
            }));
            let spawned = std::thread::Builder::new()
                .name("session-core-timers".into())
                .spawn(move || timers.run());
            if spawned.is_err() {
                tracing::warn!("cannot start the timer thread; session events will not be sent");
            }
            timers
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TimerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn insert(&self, deadline: SystemTime, callback: Box<dyn FnOnce() + Send>) -> u64 {
        let mut st = self.lock();
        let id = st.next_id;
        st.next_id = st.next_id.wrapping_add(1);
        st.due.insert((deadline, id), callback);
        st.deadlines.insert(id, deadline);
        drop(st);
        self.changed.notify_one();
        id
    }

    fn cancel(&self, id: u64) {
        let callback = {
            let mut st = self.lock();
            st.deadlines
                .remove(&id)
                .and_then(|deadline| st.due.remove(&(deadline, id)))
        };
        // Dropped outside the lock: a callback's captures may run code of their own on drop.
        drop(callback);
    }

    fn run(&self) {
        let mut st = self.lock();
        loop {
            let now = SystemTime::now();
            let mut ready = Vec::new();
            while let Some(entry) = st.due.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                let ((_, id), callback) = entry.remove_entry();
                st.deadlines.remove(&id);
                ready.push(callback);
            }
            if !ready.is_empty() {
                drop(st);
                for callback in ready {
                    // A panicking callback must not stop every other timer in the process.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(callback));
                }
                st = self.lock();
                continue;
            }
            let wait = st
                .due
                .first_key_value()
                .map_or(TIMER_POLL, |((at, _), _)| timing::until(now, *at))
                .min(TIMER_POLL);
            st = self
                .changed
                .wait_timeout(st, wait)
                .map_or_else(|p| p.into_inner().0, |(guard, _)| guard);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn coarse_now_is_never_behind_now() {
        // The precise reading first: whatever delay falls between the two calls only makes the
        // coarse one later still.
        for _ in 0..10_000 {
            let precise = SystemClock.now();
            let coarse = SystemClock.coarse_now();
            assert!(coarse >= precise, "{coarse:?} < {precise:?}");
        }
    }

    /// The prepared comparison answers as `coarse_now() >= at` does, for deadlines long past,
    /// far ahead, at and before 1970, at the end of time, and right at the current reading
    /// (where the raw reading plus the lead meets the deadline exactly).
    #[test]
    fn a_prepared_deadline_agrees_with_the_coarse_reading() {
        let now = SystemClock.coarse_now();
        let hour = Duration::from_secs(3600);
        let cases = [
            (timing::before(now, hour), true),
            (timing::after(now, hour), false),
            (SystemTime::UNIX_EPOCH, true),
            (timing::before(SystemTime::UNIX_EPOCH, hour), true),
            (timing::after(now, Duration::MAX), false),
            (now, true),
        ];
        for (at, passed) in cases {
            let deadline = CoarseDeadline::new(at);
            assert_eq!(deadline.at(), at);
            assert_eq!(deadline.passed_on_system_clock(), passed, "{at:?}");
            assert_eq!(SystemClock.coarse_now() >= at, passed, "{at:?}");
        }
    }

    #[test]
    fn callbacks_fire_without_a_runtime_and_cancelled_ones_never_do() {
        let fired = Arc::new(AtomicUsize::new(0));
        let hit = fired.clone();
        let soon = SystemClock.call_at(
            timing::after(SystemClock.now(), Duration::from_millis(20)),
            Box::new(move || {
                hit.fetch_add(1, Ordering::SeqCst);
            }),
        );
        let hit = fired.clone();
        let cancelled = SystemClock.call_at(
            timing::after(SystemClock.now(), Duration::from_millis(10)),
            Box::new(move || {
                hit.fetch_add(100, Ordering::SeqCst);
            }),
        );
        drop(cancelled);
        let start = std::time::Instant::now();
        while fired.load(Ordering::SeqCst) == 0 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(fired.load(Ordering::SeqCst), 1);
        drop(soon);
    }

    #[test]
    fn long_timers_hold_no_thread_each_and_free_on_cancel() {
        let far = timing::after(SystemClock.now(), Duration::from_secs(60 * 86_400));
        let timers: Vec<Timer> = (0..200)
            .map(|_| SystemClock.call_at(far, Box::new(|| {})))
            .collect();
        // One shared timer thread, whatever the number of timers (other tests' threads are not
        // counted: only threads with the timer thread's name).
        if std::path::Path::new("/proc/self/task").exists() {
            assert_eq!(timer_threads(), 1);
        }
        let ours = || {
            Timers::global()
                .lock()
                .due
                .keys()
                .filter(|(at, _)| *at == far)
                .count()
        };
        assert_eq!(ours(), 200);
        drop(timers);
        assert_eq!(ours(), 0);
    }

    /// Threads of this process named like the timer thread (`comm` is cut to 15 bytes).
    fn timer_threads() -> usize {
        std::fs::read_dir("/proc/self/task").map_or(0, |tasks| {
            tasks
                .flatten()
                .filter(|t| {
                    std::fs::read_to_string(t.path().join("comm"))
                        .is_ok_and(|c| c.trim_end() == "session-core-ti")
                })
                .count()
        })
    }
}
