//! The keep-alive supervisor.

use super::*;

impl<P: SessionProvider> SessionManager<P> {
    /// Starts the keep-alive supervisor: a background task that logs in if needed, renews on the
    /// provider's keep-alive cadence and before expiry, retries failures with exponential backoff
    /// and jitter (reporting each in [`health`](Self::health) and as [`Event::RenewFailed`]), and
    /// re-logs in when renewal says the session is gone. After [`logout`](Self::logout) it does
    /// not log in by itself: it waits until a session is installed again (by a caller's
    /// [`get`](Self::get) or from the store) and keeps that one alive. It stops when the
    /// returned handle is dropped or shut down, or as soon as every manager handle is gone.
    /// Needs a Tokio runtime.
    pub fn spawn_keep_alive(&self) -> KeepAlive {
        let weak = Arc::downgrade(&self.inner);
        let (stop, stopped) = watch::channel(false);
        self.inner.keep_alive.fetch_add(1, Ordering::AcqRel);
        let task = tokio::spawn(supervise(weak, stopped));
        KeepAlive {
            stop,
            task: Some(task),
        }
    }
}

/// The keep-alive supervisor's handle; dropping it stops the supervisor.
#[derive(Debug)]
pub struct KeepAlive {
    pub(super) stop: watch::Sender<bool>,
    pub(super) task: Option<tokio::task::JoinHandle<()>>,
}

impl KeepAlive {
    /// Stops the supervisor and waits for it to finish.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Whether the supervisor task is still running.
    pub fn is_running(&self) -> bool {
        self.task.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for KeepAlive {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub(super) struct KeepAliveCount<P: SessionProvider>(pub(super) Weak<Inner<P>>);

impl<P: SessionProvider> Drop for KeepAliveCount<P> {
    fn drop(&mut self) {
        if let Some(inner) = self.0.upgrade() {
            inner.keep_alive.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

async fn supervise<P: SessionProvider>(weak: Weak<Inner<P>>, mut stopped: watch::Receiver<bool>) {
    let _count = KeepAliveCount(weak.clone());
    let mut installed = match weak.upgrade() {
        Some(inner) => inner.installed.subscribe(),
        None => return,
    };
    let mut failures: u32 = 0;
    loop {
        installed.borrow_and_update();
        // What to wait for: the next renewal or retry, or, after a logout, nothing: the
        // supervisor does not bring a logged-out session back by itself; it waits until a
        // caller's get() (or the store) installs one, then keeps that alive.
        let next = {
            let Some(inner) = weak.upgrade() else { return };
            (!inner.idle_after_logout()).then(|| {
                let now = inner.clock.now();
                let (at, mode) = if failures > 0 {
                    (timing::after(now, inner.backoff(failures)), Mode::Refresh)
                } else {
                    inner.next_wake(now)
                };
                (inner.clock.sleep_until(at), mode)
            })
        };
        let (sleep, mode) = next.unzip();
        tokio::select! {
            () = async { match sleep { Some(sleep) => sleep.await, None => std::future::pending().await } } => {}
            // A session was installed (by someone else: its deadlines may differ), or the
            // manager is gone.
            changed = installed.changed() => {
                if changed.is_err() {
                    return;
                }
                failures = 0;
                continue;
            }
            _ = stopped.changed() => return,
        }
        let Some(inner) = weak.upgrade() else { return };
        let Some(mode) = mode.filter(|_| !inner.idle_after_logout()) else {
            continue;
        };
        let result = tokio::select! {
            r = inner.fly(mode) => r,
            _ = stopped.changed() => return,
        };
        match result {
            Ok(_) => failures = 0,
            Err(_) => failures = failures.saturating_add(1),
        }
    }
}

impl<P: SessionProvider> Inner<P> {
    /// Logged out, and nothing installed since.
    pub(super) fn idle_after_logout(&self) -> bool {
        self.logged_out.load(Ordering::Acquire) && self.cache.load().is_none()
    }

    /// When the supervisor should next act, and how.
    pub(super) fn next_wake(&self, now: SystemTime) -> (SystemTime, Mode) {
        let Some(entry) = self.cache.load_full() else {
            return (now, Mode::Get);
        };
        let renew_at = entry.renew_at;
        let keep_alive_at = self.policy.keep_alive.map(|k| {
            let last = self.lock_state().last_renewal.unwrap_or(now);
            timing::after(last, k)
        });
        match (renew_at, keep_alive_at) {
            (Some(r), Some(k)) if k < r => (k, Mode::Refresh),
            (Some(r), _) => (r, Mode::Get),
            (None, Some(k)) => (k, Mode::Refresh),
            // Never expires and no keep-alive: wake rarely to see whether that changed.
            (None, None) => (timing::after(now, Duration::from_secs(3600)), Mode::Get),
        }
    }
}
