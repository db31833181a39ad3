//! Keeping the cache and the session store in step: locks, fenced writes, adoption of a newer
//! stored session, and the login that runs under the store lock.

use super::*;

impl<P: SessionProvider> Inner<P> {
    pub(super) async fn store_op<T>(
        &self,
        op: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let result = match tokio::time::timeout(self.store_timeout, op).await {
            Ok(r) => r,
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                "store",
                "session store timed out",
            )),
        };
        let degraded = result.is_err();
        let was = std::mem::replace(&mut self.lock_state().store_degraded, degraded);
        if let Err(e) = &result {
            if !was {
                tracing::warn!(provider = self.name(), kind = %e.kind(), "session store unavailable; using local login");
            }
            self.emit(Event::StoreUnavailable { kind: e.kind() });
        }
        result
    }

    /// Adopts a stored session if it is usable: same key and provider, newer than any generation
    /// this process dropped, and not expired. Also adopts a stored ban.
    pub(super) fn adopt(
        &self,
        provider: &P,
        record: Option<StoredRecord>,
        now: SystemTime,
    ) -> Result<Option<Lease<P::Session>>> {
        let Some(record) = record else {
            return Ok(None);
        };
        if record.provider != provider.name() || record.key != self.key {
            return Err(Error::configuration(
                provider.name(),
                "stored session belongs to another provider or account",
            ));
        }
        // Whatever happens to this record, a later login must write a newer generation than it,
        // or the store's fencing would refuse that write.
        self.generation
            .fetch_max(record.generation, Ordering::AcqRel);
        if let Some(until) = record.banned_until
            && until > now
        {
            self.guard.adopt_ban(until);
        }
        let Some(persisted) = record.session else {
            return Ok(None);
        };
        if record.generation < self.min_store_generation.load(Ordering::Acquire) {
            return Ok(None);
        }
        if persisted.expires_at.is_some_and(|t| t <= now) {
            return Ok(None);
        }
        let session = provider.restore(&persisted)?;
        self.generation
            .fetch_max(record.generation, Ordering::AcqRel);
        let lease = self.install(Arc::new(session), record.generation, now);
        self.succeeded(now, false);
        self.emit(Event::Acquired {
            generation: record.generation,
            restored: true,
        });
        Ok(Some(lease))
    }

    /// The stored record, installed if another process renewed or extended `entry`'s session.
    pub(super) async fn adopt_newer(
        &self,
        provider: &P,
        store: &Arc<dyn SessionStore>,
        entry: &Entry<P::Session>,
    ) -> Option<Lease<P::Session>> {
        let record = self.store_op(store.load(&self.key)).await.ok()??;
        let stored_until = record.session.as_ref()?.expires_at;
        let newer = record.generation > entry.generation
            || (record.generation == entry.generation
                && stored_until.is_some_and(|t| entry.expires_at.is_some_and(|e| t > e)));
        if !newer {
            return None;
        }
        self.adopt(provider, Some(record), self.clock.now())
            .ok()
            .flatten()
    }

    pub(super) async fn load_and_adopt(
        &self,
        provider: &P,
        store: &Arc<dyn SessionStore>,
        now: SystemTime,
    ) -> Result<Option<Lease<P::Session>>> {
        let record = match self.store_op(store.load(&self.key)).await {
            Ok(record) => record,
            Err(_) => return Ok(None),
        };
        let Some(lease) = self.adopt(provider, record, now)? else {
            return Ok(None);
        };
        if !provider.validate_restored() {
            return Ok(Some(lease));
        }
        // One renewal proves the stored session is still accepted upstream.
        match provider.renew(lease.session()).await {
            Ok(Renewal::Extended(expiry)) => Ok(Some(self.install_with(
                lease.session().clone(),
                lease.generation(),
                self.clock.now(),
                expiry,
            ))),
            Ok(Renewal::Renewed(session)) => {
                let generation = self.next_generation();
                let renewed = self.install(Arc::new(session), generation, self.clock.now());
                self.save_to_store(provider, &renewed).await;
                Ok(Some(renewed))
            }
            Ok(Renewal::Unsupported) => Ok(Some(lease)),
            Err(e) if e.kind() == ErrorKind::SessionRejected => {
                self.drop_generation(lease.generation());
                Ok(None)
            }
            // Could not check (transient): the stored session is still the best there is.
            Err(_) => Ok(Some(lease)),
        }
    }

    pub(super) async fn login(self: &Arc<Self>, provider: &Arc<P>) -> Result<Lease<P::Session>> {
        let now = self.clock.now();
        let mut lock = None;
        if let Some(store) = &self.store {
            if let Some(lease) = self.load_and_adopt(provider, store, now).await? {
                return Ok(lease);
            }
            self.check_guard(now)?;
            lock = self.store_lock(store).await;
            if lock.is_some() {
                // Another process may have logged in while this one waited for the lock.
                let adopted = self.holding(
                    lock.as_deref(),
                    self.load_and_adopt(provider, store, self.clock.now()),
                );
                match adopted.await {
                    Ok(None) => {}
                    Ok(Some(lease)) => {
                        self.release(lock).await;
                        return Ok(lease);
                    }
                    Err(e) => {
                        self.release(lock).await;
                        return Err(e);
                    }
                }
            }
        }
        let result = self
            .holding(lock.as_deref(), self.login_now(provider))
            .await;
        self.release(lock).await;
        result
    }

    /// Runs `work` while extending `lock` every third of the lock TTL, so that a login or renewal
    /// slower than the TTL keeps its lock (a lost lock is still fenced: the store then refuses
    /// this manager's write).
    pub(super) async fn holding<T>(
        &self,
        lock: Option<&dyn StoreLock>,
        work: impl std::future::Future<Output = T>,
    ) -> T {
        let Some(lock) = lock else {
            return work.await;
        };
        let ttl = self.lock_ttl;
        let period = (ttl / 3).max(Duration::from_millis(1));
        let heartbeat = async {
            loop {
                tokio::time::sleep(period).await;
                match tokio::time::timeout(self.store_timeout, lock.extend(ttl)).await {
                    Ok(Ok(true)) => {}
                    Ok(Ok(false)) => {
                        tracing::debug!(provider = self.name(), "store lock lost while held");
                        std::future::pending::<()>().await;
                    }
                    // The store is slow or down: try again next period.
                    Ok(Err(_)) | Err(_) => {}
                }
            }
        };
        let mut work = std::pin::pin!(work);
        tokio::select! {
            result = &mut work => result,
            // The heartbeat does not end; were it to, the work would still be finished.
            () = heartbeat => work.await,
        }
    }

    /// Takes the store's lock for this account, waiting as long as another process's login or
    /// renewal may take. `None` when the store is unavailable: the caller carries on locally.
    pub(super) async fn store_lock(
        &self,
        store: &Arc<dyn SessionStore>,
    ) -> Option<Box<dyn StoreLock>> {
        self.store_lock_within(store, self.lock_wait.saturating_add(self.store_timeout))
            .await
    }

    /// [`store_lock`](Self::store_lock), waiting at most `wait`.
    pub(super) async fn store_lock_within(
        &self,
        store: &Arc<dyn SessionStore>,
        wait: Duration,
    ) -> Option<Box<dyn StoreLock>> {
        let ttl = self.lock_ttl;
        let kind = match tokio::time::timeout(wait, store.lock(&self.key, ttl)).await {
            Ok(Ok(guard)) => {
                self.lock_state().store_degraded = false;
                let fence = guard.generation();
                self.fence.store(fence, Ordering::Release);
                // Sessions made under this lock get its generation (or a larger one).
                self.generation
                    .fetch_max(fence.saturating_sub(1), Ordering::AcqRel);
                return Some(guard);
            }
            Ok(Err(e)) => e.kind(),
            Err(_) => ErrorKind::Timeout,
        };
        self.lock_state().store_degraded = true;
        self.emit(Event::StoreUnavailable { kind });
        None
    }

    pub(super) async fn release(&self, lock: Option<Box<dyn StoreLock>>) {
        if let Some(lock) = lock {
            self.fence.store(0, Ordering::Release);
            // A release that works says nothing about the write before it: only a failure is
            // reported.
            let released = match tokio::time::timeout(self.store_timeout, lock.release()).await {
                Ok(result) => result,
                Err(_) => Err(Error::new(
                    ErrorKind::Timeout,
                    "store",
                    "session store timed out",
                )),
            };
            if released.is_err() {
                let _ = self.store_op(std::future::ready(released)).await;
            }
        }
    }

    /// Writes `record` fenced by the store lock this manager holds. When none is held, the lock is
    /// taken for the write if it is free within the `store_timeout` (a busy lock means another
    /// process is writing, and an unfenced write could overwrite its newer session).
    /// `Some(false)`: the store refused the write; `None`: the store failed or the lock was busy.
    pub(super) async fn store_record(
        &self,
        store: &Arc<dyn SessionStore>,
        record: &StoredRecord,
    ) -> Option<bool> {
        let fence = self.fence.load(Ordering::Acquire);
        if fence != 0 {
            return self
                .store_op(store.save(&self.key, record, fence))
                .await
                .ok();
        }
        let lock = self.store_lock_within(store, self.store_timeout).await?;
        let fence = lock.generation();
        let written = self
            .store_op(store.save(&self.key, record, fence))
            .await
            .ok();
        self.release(Some(lock)).await;
        written
    }

    pub(super) async fn login_now(
        self: &Arc<Self>,
        provider: &Arc<P>,
    ) -> Result<Lease<P::Session>> {
        let now = self.clock.now();
        self.check_guard(now)?;
        let span = tracing::info_span!(
            "session.login",
            provider = self.name(),
            account = %self.account,
            generation = Empty,
            attempt = self.attempt(),
            kind = Empty,
            code = Empty,
        );
        observe::login_started(self.name());
        let result = provider.login().instrument(span.clone()).await;
        let took = timing::until(now, self.clock.now());
        if let Err(e) = &result {
            record_error(&span, e);
        }
        observe::login_finished(self.name(), result.as_ref().err(), took);
        match result {
            Ok(session) => {
                let now = self.clock.now();
                let generation = self.next_generation();
                span.record("generation", generation);
                if self.rejected.swap(false, Ordering::AcqRel) {
                    observe::relogin_after_rejection(self.name());
                }
                let lease = self.install(Arc::new(session), generation, now);
                {
                    let mut st = self.lock_state();
                    st.last_renewal = Some(now);
                }
                self.succeeded(now, false);
                self.save_to_store(provider, &lease).await;
                self.emit(Event::Acquired {
                    generation,
                    restored: false,
                });
                Ok(lease)
            }
            Err(e) => {
                self.guard_after(&e, self.clock.now()).await;
                Err(e)
            }
        }
    }

    pub(super) async fn save_to_store(&self, provider: &P, lease: &Lease<P::Session>) {
        let Some(store) = &self.store else { return };
        let Some(mut persisted) = provider.persist(lease.session()) else {
            return;
        };
        // The manager's deadline includes extensions the session object does not know about.
        if lease.inner.expires_at.is_some() {
            persisted.expires_at = lease.inner.expires_at;
        }
        let record = StoredRecord {
            key: self.key.clone(),
            provider: provider.name().to_owned(),
            generation: lease.generation(),
            session: Some(persisted),
            banned_until: None,
        };
        if self.store_record(store, &record).await != Some(false) {
            return;
        }
        // Refused: another process took the lock since (this one's expired during a slow login,
        // or the store failed over) and stored a newer session. Adopt it, so the fleet converges
        // on one session; the session this process obtained is still handed to its waiters.
        if let Ok(Some(newer)) = self.store_op(store.load(&self.key)).await
            && newer.generation > lease.generation()
            && newer.session.is_some()
        {
            tracing::debug!(
                provider = self.name(),
                "stale store write refused; adopting the newer stored session"
            );
            let _ = self.adopt(provider, Some(newer), self.clock.now());
        }
    }
}
