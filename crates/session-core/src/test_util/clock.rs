//! A clock that moves only when told to.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use crate::clock::{BoxFuture, Clock, Timer};
use crate::timing;

/// A [`Clock`] for tests: time stands still until [`advance`](ManualClock::advance) moves it, which
/// runs every deadline callback that has come due (synchronously, before `advance` returns) and
/// wakes every sleeper whose deadline has passed. Clones share one time line.
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<State>>,
}

enum Due {
    Call(Box<dyn FnOnce() + Send>),
    Wake(Arc<Mutex<SleepState>>),
}

struct State {
    now: SystemTime,
    next_id: u64,
    due: BTreeMap<(SystemTime, u64), Due>,
}

#[derive(Default)]
struct SleepState {
    fired: bool,
    waker: Option<Waker>,
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.now())
            .finish()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualClock {
    /// A clock standing at 2030-01-01T00:00:00Z.
    pub fn new() -> Self {
        Self::at(timing::from_unix_seconds(1_893_456_000))
    }

    /// A clock standing at `now`.
    pub fn at(now: SystemTime) -> Self {
        Self {
            inner: Arc::new(Mutex::new(State {
                now,
                next_id: 0,
                due: BTreeMap::new(),
            })),
        }
    }

    /// The current time (also available through [`Clock::now`]).
    pub fn now(&self) -> SystemTime {
        self.inner.lock().expect("clock lock").now
    }

    /// This clock as an `Arc<dyn Clock>`, sharing the time line.
    pub fn shared(&self) -> Arc<dyn Clock> {
        Arc::new(self.clone())
    }

    /// Moves time forward by `by` without running any callback or waking any sleeper, as a
    /// suspended machine, a blocked thread or a dropped runtime experiences it: the wall clock
    /// moved on while no timer fired. Whatever is due runs at the next [`advance`](Self::advance).
    pub fn jump(&self, by: Duration) {
        let mut state = self.inner.lock().expect("clock lock");
        state.now = timing::after(state.now, by);
    }

    /// Moves time forward by `by`, then runs due callbacks and wakes due sleepers.
    pub fn advance(&self, by: Duration) {
        let due = {
            let mut state = self.inner.lock().expect("clock lock");
            state.now = timing::after(state.now, by);
            let now = state.now;
            let later = state.due.split_off(&(now, u64::MAX));
            std::mem::replace(&mut state.due, later)
        };
        for (_, d) in due {
            match d {
                Due::Call(f) => f(),
                Due::Wake(s) => {
                    let mut s = s.lock().expect("sleep lock");
                    s.fired = true;
                    if let Some(w) = s.waker.take() {
                        w.wake();
                    }
                }
            }
        }
    }

    /// How many callbacks and sleepers are waiting for a deadline.
    pub fn pending(&self) -> usize {
        self.inner.lock().expect("clock lock").due.len()
    }

    fn register(&self, deadline: SystemTime, due: Due) -> Option<u64> {
        let mut state = self.inner.lock().expect("clock lock");
        if deadline <= state.now {
            drop(state);
            match due {
                Due::Call(f) => f(),
                Due::Wake(s) => s.lock().expect("sleep lock").fired = true,
            }
            return None;
        }
        let id = state.next_id;
        state.next_id += 1;
        state.due.insert((deadline, id), due);
        Some(id)
    }

    fn cancel(&self, deadline: SystemTime, id: u64) {
        self.inner
            .lock()
            .expect("clock lock")
            .due
            .remove(&(deadline, id));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        ManualClock::now(self)
    }

    fn sleep_until(&self, deadline: SystemTime) -> BoxFuture<'static, ()> {
        let state = Arc::new(Mutex::new(SleepState::default()));
        let id = self.register(deadline, Due::Wake(state.clone()));
        Box::pin(ManualSleep {
            clock: self.clone(),
            deadline,
            id,
            state,
        })
    }

    fn call_at(&self, deadline: SystemTime, callback: Box<dyn FnOnce() + Send>) -> Timer {
        match self.register(deadline, Due::Call(callback)) {
            Some(id) => {
                let clock = self.clone();
                Timer::new(move || clock.cancel(deadline, id))
            }
            None => Timer::new(|| {}),
        }
    }
}

struct ManualSleep {
    clock: ManualClock,
    deadline: SystemTime,
    id: Option<u64>,
    state: Arc<Mutex<SleepState>>,
}

impl Future for ManualSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.state.lock().expect("sleep lock");
        if s.fired {
            Poll::Ready(())
        } else {
            s.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Drop for ManualSleep {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.clock.cancel(self.deadline, id);
        }
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)] // Tests build fixed times with small offsets.
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn callbacks_run_when_due_and_not_after_cancel() {
        let clock = ManualClock::new();
        let hits = Arc::new(AtomicUsize::new(0));
        let t0 = clock.now();
        let h = hits.clone();
        let _keep = clock.call_at(
            t0 + Duration::from_secs(10),
            Box::new(move || {
                h.fetch_add(1, Ordering::SeqCst);
            }),
        );
        let h = hits.clone();
        let cancelled = clock.call_at(
            t0 + Duration::from_secs(5),
            Box::new(move || {
                h.fetch_add(100, Ordering::SeqCst);
            }),
        );
        drop(cancelled);
        clock.advance(Duration::from_secs(9));
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        clock.advance(Duration::from_secs(1));
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        assert_eq!(clock.pending(), 0);
    }

    #[tokio::test]
    async fn sleepers_wake_on_advance() {
        let clock = ManualClock::new();
        let sleep = clock.sleep_until(clock.now() + Duration::from_secs(3));
        let task = tokio::spawn(sleep);
        tokio::task::yield_now().await;
        assert!(!task.is_finished());
        clock.advance(Duration::from_secs(3));
        task.await.unwrap();
    }
}
