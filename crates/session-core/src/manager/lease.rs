//! Cache entries and the leases handed out from them, and installing a new session.

use std::cell::RefCell;

use thread_local::ThreadLocal;

use crate::clock::CoarseDeadline;

use super::*;

pub(super) const SHARDS: usize = 16;

std::thread_local! {
    static SHARD: usize = next_shard();
}

pub(super) fn next_shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS
}

/// What a lease points at. Aligned to two cache lines so that each shard's reference count lives
/// on its own line and threads cloning leases do not contend.
#[repr(align(128))]
pub(super) struct LeaseInner<S> {
    pub(super) session: Arc<S>,
    pub(super) generation: u64,
    pub(super) expires_at: Option<SystemTime>,
    /// The cached entry's renewal point, checked on the hot path.
    renew_at: Option<CoarseDeadline>,
    /// Whether the entry this lease came from is still the cached one; cleared by
    /// [`Entry::retire`] when it leaves the cache.
    current: AtomicBool,
}

/// Each thread's last lease, per manager: the hot path upgrades it and checks that its entry is
/// still cached and fresh, instead of loading the cache. A weak reference, so that a thread that
/// stops calling keeps no session alive.
pub(super) type HotLeases<S> = ThreadLocal<HotSlot<S>>;

/// One thread's slot, on its own cache lines: the slots of all threads sit side by side, and
/// each read writes the slot's borrow flag.
#[repr(align(128))]
pub(super) struct HotSlot<S>(RefCell<Weak<LeaseInner<S>>>);

pub(super) struct Entry<S> {
    pub(super) shards: Box<[Arc<LeaseInner<S>>]>,
    pub(super) session: Arc<S>,
    pub(super) generation: u64,
    pub(super) expires_at: Option<SystemTime>,
    /// When renewal is due; until then `get()` hands the session out as it is.
    pub(super) renew_at: Option<SystemTime>,
    /// Announces [`Event::Expired`]; freshness never depends on it.
    pub(super) _expiry_event: Option<Timer>,
}

impl<S> Entry<S> {
    /// An entry that is not (or no longer) cached, handing out one lease.
    pub(super) fn detached(lease: &Lease<S>) -> Self {
        Self {
            shards: vec![lease.inner.clone(); SHARDS].into_boxed_slice(),
            session: lease.inner.session.clone(),
            generation: lease.inner.generation,
            expires_at: lease.inner.expires_at,
            renew_at: lease.inner.expires_at,
            _expiry_event: None,
        }
    }

    /// Marks the entry's leases as no longer cached, so that no thread's hot path hands them
    /// out again. Called by whoever takes the entry out of the cache.
    pub(super) fn retire(&self) {
        for shard in &self.shards {
            shard.current.store(false, Ordering::Release);
        }
    }

    /// Whether the session can be handed out as it is at `now` (before its renewal point).
    pub(super) fn is_fresh(&self, now: SystemTime) -> bool {
        self.renew_at.is_none_or(|at| now < at)
    }

    /// Whether the session has reached its expiry at `now`.
    pub(super) fn is_expired(&self, now: SystemTime) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }

    pub(super) fn lease(&self) -> Lease<S> {
        let shard = SHARD.with(|s| *s);
        Lease {
            inner: self.shards[shard].clone(),
        }
    }
}

/// A session handed out by [`SessionManager::get`], tagged with its generation.
///
/// Dereferences to the provider's session. Pass it back to [`SessionManager::invalidate`] when the
/// upstream rejects it.
pub struct Lease<S> {
    pub(super) inner: Arc<LeaseInner<S>>,
}

impl<S> Clone for Lease<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<S> Lease<S> {
    /// The generation: every login or renewal that produces a new session increments it.
    pub fn generation(&self) -> u64 {
        self.inner.generation
    }

    /// When this session expires, as the manager computed it.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.inner.expires_at
    }

    /// The session, shared.
    pub fn session(&self) -> &Arc<S> {
        &self.inner.session
    }
}

impl<S> Deref for Lease<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.inner.session
    }
}

impl<S> fmt::Debug for Lease<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("generation", &self.inner.generation)
            .field("expires_at", &self.inner.expires_at)
            .finish_non_exhaustive()
    }
}

impl<P: SessionProvider> Inner<P> {
    /// The hot path: this thread's last lease, if its entry is still cached and fresh. No lock,
    /// no cache load: a thread-local read, a weak upgrade, a flag and a clock comparison.
    #[inline]
    pub(super) fn hot_lease(&self) -> Option<Lease<P::Session>> {
        let inner = self.hot.get()?.0.borrow().upgrade()?;
        self.servable(&inner).then_some(Lease { inner })
    }

    /// Whether a lease may be handed out from the cache: its entry is still the cached one and
    /// the renewal point has not passed on the clock's coarse reading.
    #[inline]
    pub(super) fn servable(&self, lease: &LeaseInner<P::Session>) -> bool {
        lease.current.load(Ordering::Acquire) && lease.renew_at.is_none_or(|at| !self.passed(at))
    }

    /// Remembers `lease` as this thread's last one, for [`hot_lease`](Self::hot_lease).
    pub(super) fn remember(&self, lease: &Lease<P::Session>) {
        let slot = self.hot.get_or(|| HotSlot(RefCell::new(Weak::new())));
        let mut last = slot.0.borrow_mut();
        if !std::ptr::eq(last.as_ptr(), Arc::as_ptr(&lease.inner)) {
            *last = Arc::downgrade(&lease.inner);
        }
    }

    pub(super) fn drop_generation(&self, generation: u64) -> bool {
        let current = self.cache.load();
        let Some(entry) = current.as_ref() else {
            return false;
        };
        if entry.generation != generation {
            return false;
        }
        let prev = self.cache.compare_and_swap(&*current, None);
        let dropped = match (prev.as_ref(), current.as_ref()) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        if dropped {
            entry.retire();
            self.rejected.store(true, Ordering::Release);
            self.min_store_generation
                .fetch_max(generation + 1, Ordering::AcqRel);
            self.emit(Event::Invalidated { generation });
            if let Some(store) = self.store.clone() {
                let key = self.key.clone();
                let timeout = self.store_timeout;
                if let Ok(rt) = tokio::runtime::Handle::try_current() {
                    rt.spawn(async move {
                        let _ = tokio::time::timeout(timeout, store.delete(&key, Some(generation)))
                            .await;
                    });
                }
            }
        }
        dropped
    }

    pub(super) fn install(
        &self,
        session: Arc<P::Session>,
        generation: u64,
        now: SystemTime,
    ) -> Lease<P::Session> {
        let expiry = session.expiry();
        self.install_with(session, generation, now, expiry)
    }

    pub(super) fn install_with(
        &self,
        session: Arc<P::Session>,
        generation: u64,
        now: SystemTime,
        expiry: Expiry,
    ) -> Lease<P::Session> {
        let expires_at = expiry.resolve(now, self.policy.default_ttl);
        observe::expiry(self.name(), expires_at, now);
        let renew_at = expires_at.map(|deadline| self.policy.renew_at(now, deadline));
        let expiry_event = expires_at.map(|at| {
            let events = self.events.clone();
            self.clock.call_at(
                at,
                Box::new(move || {
                    let _ = events.send(Event::Expired { generation });
                }),
            )
        });
        let shards = (0..SHARDS)
            .map(|_| {
                Arc::new(LeaseInner {
                    session: session.clone(),
                    generation,
                    expires_at,
                    renew_at: renew_at.map(CoarseDeadline::new),
                    current: AtomicBool::new(true),
                })
            })
            .collect();
        let entry = Arc::new(Entry {
            shards,
            session,
            generation,
            expires_at,
            renew_at,
            _expiry_event: expiry_event,
        });
        let lease = entry.lease();
        if let Some(previous) = self.cache.swap(Some(entry)) {
            previous.retire();
        }
        self.logged_out.store(false, Ordering::Release);
        self.installed.send_replace(());
        lease
    }
}
