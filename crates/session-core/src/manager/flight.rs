//! Single flight: one login or renewal in progress, its waiters and its wake lists, and the
//! work of a flight (renewal, login, success and failure bookkeeping).

use super::*;

/// The most lists a flight's waiters are spread over.
pub(super) const MAX_WAKE_LISTS: usize = 64;

/// One login or renewal in progress: its result, once known, and the waiters' wake-up. A success
/// is published as the cache entry itself, so each waiter takes a lease from its own thread's
/// shard instead of all of them cloning one reference count.
///
/// Waiters are spread over one list per runtime worker, and waking them is shared: the flight and
/// every woken waiter claim lists from one cursor until none is left, so each worker wakes a
/// share. Waking a task costs a few cache misses; with one list a single worker wakes every
/// waiter while the others run out of work, and with 10,000 waiters on two workers the last one
/// was released about twice as late.
pub(super) struct Flight<S> {
    pub(super) result: OnceLock<Result<Arc<Entry<S>>>>,
    pub(super) lists: Box<[Notify]>,
    /// Which list the next waiter joins.
    pub(super) joined: AtomicUsize,
    /// The next list to wake, once the result is published.
    pub(super) woken: AtomicUsize,
}

impl<S> Flight<S> {
    /// A flight whose waiters are spread over as many lists as the current runtime has workers.
    pub(super) fn new() -> Self {
        let workers =
            tokio::runtime::Handle::try_current().map_or(1, |h| h.metrics().num_workers());
        Self {
            result: OnceLock::new(),
            lists: (0..workers.clamp(1, MAX_WAKE_LISTS))
                .map(|_| Notify::new())
                .collect(),
            joined: AtomicUsize::new(0),
            woken: AtomicUsize::new(0),
        }
    }

    pub(super) fn read(&self) -> Option<Result<Lease<S>>> {
        let result = self.result.get()?;
        self.wake_lists();
        Some(match result {
            Ok(entry) => Ok(entry.lease()),
            Err(e) => Err(e.clone()),
        })
    }

    /// Publishes the result (the first one wins) and starts waking the waiters.
    pub(super) fn finish(&self, result: Result<Arc<Entry<S>>>) {
        let _ = self.result.set(result);
        self.wake_lists();
    }

    /// Wakes waiter lists until none is left unclaimed. Called only after the result is set, so
    /// a waiter either registered before its list was woken or finds the result when it checks
    /// after registering (both go through the list's lock).
    pub(super) fn wake_lists(&self) {
        while self.woken.load(Ordering::Relaxed) < self.lists.len() {
            let list = self.woken.fetch_add(1, Ordering::AcqRel);
            let Some(waiters) = self.lists.get(list) else {
                break;
            };
            waiters.notify_waiters();
        }
    }

    pub(super) async fn wait(&self) -> Result<Lease<S>> {
        let list = &self.lists[self.joined.fetch_add(1, Ordering::Relaxed) % self.lists.len()];
        loop {
            // Checked before registering: a woken waiter finds the result without touching the
            // notifier's waiter list.
            if let Some(r) = self.read() {
                return r;
            }
            let notified = list.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if let Some(r) = self.read() {
                return r;
            }
            notified.await;
        }
    }
}

/// Completes a flight, also when its task is aborted: first clears the slot (so that a caller who
/// has seen the result and calls again starts a new flight), then publishes the result and wakes
/// every waiter.
pub(super) struct FlightGuard<P: SessionProvider> {
    pub(super) inner: Arc<Inner<P>>,
    pub(super) flight: Arc<Flight<P::Session>>,
    pub(super) result: Option<Result<Arc<Entry<P::Session>>>>,
}

impl<P: SessionProvider> Drop for FlightGuard<P> {
    fn drop(&mut self) {
        *self.inner.flight.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let result = self
            .result
            .take()
            .unwrap_or_else(|| Err(self.inner.flight_lost()));
        self.flight.finish(result);
    }
}

impl<P: SessionProvider> Inner<P> {
    /// Joins the flight in progress or starts one, then waits for its result.
    pub(super) async fn fly(self: &Arc<Self>, mode: Mode) -> Result<Lease<P::Session>> {
        let flight = {
            let mut slot = self.flight.lock().unwrap_or_else(|p| p.into_inner());
            match slot.as_ref() {
                Some(flight) => flight.clone(),
                None => {
                    if mode == Mode::Get
                        && let Some(entry) = self.cache.load().as_ref()
                        && entry.is_fresh(self.clock.now())
                    {
                        return Ok(entry.lease());
                    }
                    let flight = Arc::new(Flight::new());
                    *slot = Some(flight.clone());
                    let mut guard = FlightGuard {
                        inner: self.clone(),
                        flight: flight.clone(),
                        result: None,
                    };
                    // The flight runs on its own task, so a caller that gives up (is cancelled)
                    // cannot cancel the login the other callers are waiting for.
                    // It runs in the span of the caller that started it, so a login a resend
                    // caused shows up under the resend.
                    tokio::spawn(
                        async move {
                            let result = guard.inner.acquire(mode).await;
                            guard.result =
                                Some(result.and_then(|lease| guard.inner.entry_for(&lease)));
                            drop(guard);
                        }
                        .in_current_span(),
                    );
                    flight
                }
            }
        };
        flight.wait().await
    }

    /// The cache entry a flight's lease came from. Entries are installed before the flight ends,
    /// so this is the cached entry unless something replaced it in between, in which case an
    /// entry is rebuilt around the lease's session (with its timers) so waiters still get it.
    pub(super) fn entry_for(&self, lease: &Lease<P::Session>) -> Result<Arc<Entry<P::Session>>> {
        if let Some(entry) = self.cache.load_full()
            && Arc::ptr_eq(&entry.session, lease.session())
            && entry.generation == lease.generation()
        {
            return Ok(entry);
        }
        Ok(Arc::new(Entry::detached(lease)))
    }

    pub(super) fn flight_lost(&self) -> Error {
        Error::new(
            ErrorKind::Unavailable,
            self.name(),
            "login task ended without a result",
        )
    }

    /// The work of one flight.
    pub(super) async fn acquire(self: &Arc<Self>, mode: Mode) -> Result<Lease<P::Session>> {
        let provider = self.provider.load_full();
        let now = self.clock.now();
        let current = self.cache.load_full();
        if let Some(entry) = &current {
            let expired = entry.is_expired(now);
            if mode == Mode::Get && entry.is_fresh(now) {
                return Ok(entry.lease());
            }
            if mode == Mode::Get
                && !expired
                && self.lock_state().renew_retry_at.is_some_and(|t| now < t)
            {
                return Ok(entry.lease());
            }
            if !expired && let Some(result) = self.renew_shared(&provider, entry, mode, now).await {
                return result;
            }
        }
        let result = self.login(&provider).await;
        match &result {
            Ok(_) => {}
            Err(e) => self.failed(e),
        }
        result
    }

    /// Renews `entry`. With a store, the renewal runs under the store's lock, and a record that
    /// another process wrote meanwhile is adopted instead of renewing again: a newer generation
    /// (it renewed first; with rotating refresh tokens a second renewal would be refused) or the
    /// same generation with a later deadline (it extended the session). `None`: the session could
    /// not be renewed and the caller logs in.
    pub(super) async fn renew_shared(
        self: &Arc<Self>,
        provider: &Arc<P>,
        entry: &Arc<Entry<P::Session>>,
        mode: Mode,
        now: SystemTime,
    ) -> Option<Result<Lease<P::Session>>> {
        let mut lock = None;
        if let Some(store) = &self.store {
            lock = self.store_lock(store).await;
            if lock.is_some()
                && let Some(lease) = self.adopt_newer(provider, store, entry).await
            {
                // Renewed elsewhere: the keep-alive cadence restarts as after a renewal here.
                self.lock_state().last_renewal = Some(self.clock.now());
                self.release(lock).await;
                return Some(Ok(lease));
            }
        }
        let result = self
            .holding(lock.as_deref(), self.renew_now(provider, entry, mode, now))
            .await;
        self.release(lock).await;
        result
    }

    /// One renewal request and what it means for the cache.
    pub(super) async fn renew_now(
        self: &Arc<Self>,
        provider: &Arc<P>,
        entry: &Arc<Entry<P::Session>>,
        mode: Mode,
        now: SystemTime,
    ) -> Option<Result<Lease<P::Session>>> {
        let span = tracing::info_span!(
            "session.renew",
            provider = self.name(),
            account = %self.account,
            generation = entry.generation,
            attempt = self.attempt(),
            outcome = Empty,
            kind = Empty,
            code = Empty,
        );
        let started = self.clock.now();
        let result = provider
            .renew(&entry.session)
            .instrument(span.clone())
            .await;
        let outcome = match &result {
            Ok(Renewal::Renewed(_)) => "renewed",
            Ok(Renewal::Extended(_)) => "extended",
            Ok(Renewal::Unsupported) => "unsupported",
            Err(e) if e.kind() == ErrorKind::SessionRejected => "rejected",
            Err(_) => "failed",
        };
        span.record("outcome", outcome);
        if let Err(e) = &result {
            record_error(&span, e);
        }
        observe::renewal_finished(
            self.name(),
            outcome,
            timing::until(started, self.clock.now()),
        );
        match result {
            Ok(Renewal::Renewed(session)) => {
                let generation = self.next_generation();
                span.record("generation", generation);
                let lease = self.install(Arc::new(session), generation, now);
                self.succeeded(now, true);
                self.save_to_store(provider, &lease).await;
                self.emit(Event::Renewed { generation });
                Some(Ok(lease))
            }
            Ok(Renewal::Extended(expiry)) => {
                let lease = self.install_with(entry.session.clone(), entry.generation, now, expiry);
                self.succeeded(now, true);
                self.save_to_store(provider, &lease).await;
                self.emit(Event::Renewed {
                    generation: entry.generation,
                });
                Some(Ok(lease))
            }
            Ok(Renewal::Unsupported) => None,
            Err(e) if e.kind() == ErrorKind::SessionRejected => {
                self.drop_generation(entry.generation);
                None
            }
            Err(e) => {
                self.failed(&e);
                {
                    let mut st = self.lock_state();
                    st.renew_retry_at =
                        Some(timing::after(now, self.backoff(st.consecutive_failures)));
                }
                // Still valid: a Get caller keeps working with it; the renewal is retried after
                // the backoff (or by the keep-alive supervisor).
                if mode == Mode::Get {
                    return Some(Ok(entry.lease()));
                }
                Some(Err(e))
            }
        }
    }

    /// Which attempt in a row this is: one more than the failures since the last success.
    pub(super) fn attempt(&self) -> u32 {
        self.lock_state().consecutive_failures.saturating_add(1)
    }

    pub(super) fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::AcqRel) + 1
    }

    pub(super) fn succeeded(&self, now: SystemTime, renewal: bool) {
        let mut st = self.lock_state();
        st.last_success = Some(now);
        st.consecutive_failures = 0;
        observe::consecutive_failures(self.name(), 0);
        st.last_error = None;
        st.renew_retry_at = None;
        if renewal || st.last_renewal.is_none() {
            st.last_renewal = Some(now);
        }
    }

    pub(super) fn failed(&self, e: &Error) {
        let consecutive_failures = {
            let mut st = self.lock_state();
            st.consecutive_failures = st.consecutive_failures.saturating_add(1);
            observe::consecutive_failures(self.name(), st.consecutive_failures);
            st.last_error = Some(e.kind());
            st.consecutive_failures
        };
        tracing::debug!(provider = self.name(), kind = %e.kind(), "session acquisition failed");
        self.emit(Event::RenewFailed {
            kind: e.kind(),
            consecutive_failures,
        });
    }
}
