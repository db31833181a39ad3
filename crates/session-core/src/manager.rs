//! The session manager: one cached session per provider account, single-flight login and
//! renewal, generation-checked invalidation, a login guard, lifecycle events, stores and an
//! opt-in keep-alive supervisor.
//!
//! # Hot path
//! [`SessionManager::get`] on a fresh cached session is an `arc-swap` load, one comparison of the
//! entry's renewal deadline with [`Clock::coarse_now`] (a vDSO read of `CLOCK_REALTIME_COARSE`
//! for the [`SystemClock`]) and a reference-count increment on a per-thread shard; it takes no
//! lock. Freshness is checked against the wall clock on every call and never depends on a timer
//! having fired, so a session is never handed out past its renewal point, let alone its expiry,
//! after the runtime that installed it was dropped, after a suspend, or after a clock jump.
//!
//! # Single flight
//! Callers that find no usable session join the one login or renewal in progress, which runs on
//! its own task (a cancelled caller cannot cancel it). Its waiters are spread over one wake list
//! per runtime worker; when the result is published, the flight and the first waiters woken on
//! each worker claim the lists between them, so releasing thousands of waiters is shared by all
//! workers instead of falling to the one that ran the login.

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, SystemTime};

use arc_swap::{ArcSwap, ArcSwapOption};
use tokio::sync::{Notify, broadcast, watch};

use crate::clock::{Clock, SystemClock, Timer};
use crate::error::{Error, ErrorKind, Result};
use crate::provider::SessionProvider;
use crate::session::{Expiry, RenewPolicy, Renewal, Session};
use crate::store::{SessionStore, StoreLock, StoredRecord};
use crate::{observe, timing};
use tracing::Instrument;
use tracing::field::Empty;

/// Something that happened to the managed session. Subscribe with [`SessionManager::subscribe`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A new session was obtained by logging in (`restored: false`) or from the store
    /// (`restored: true`).
    Acquired {
        /// The new session's generation.
        generation: u64,
        /// Whether it came from the store rather than a login.
        restored: bool,
    },
    /// The session was renewed (new token or extended expiry).
    Renewed {
        /// The generation after renewal (unchanged for an extension).
        generation: u64,
    },
    /// The session was dropped because a caller or the provider said it was rejected.
    Invalidated {
        /// The dropped generation.
        generation: u64,
    },
    /// The cached session reached its expiry.
    Expired {
        /// The expired generation.
        generation: u64,
    },
    /// The session was logged out.
    LoggedOut {
        /// The logged-out generation.
        generation: u64,
    },
    /// A renewal or a login failed.
    RenewFailed {
        /// The failure's kind.
        kind: ErrorKind,
        /// How many attempts in a row have failed.
        consecutive_failures: u32,
    },
    /// The session store failed; the manager carried on with local single-flight login.
    StoreUnavailable {
        /// The failure's kind.
        kind: ErrorKind,
    },
}

/// A snapshot of the manager's state, for health checks and dashboards.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Health {
    /// Whether a session is cached.
    pub has_session: bool,
    /// The cached session's generation.
    pub generation: Option<u64>,
    /// When the cached session expires.
    pub expires_at: Option<SystemTime>,
    /// When the cached session will next be renewed.
    pub next_renewal: Option<SystemTime>,
    /// When a login or renewal last succeeded.
    pub last_success: Option<SystemTime>,
    /// Failed logins or renewals since the last success.
    pub consecutive_failures: u32,
    /// The last failure's kind.
    pub last_error: Option<ErrorKind>,
    /// Until when logins are refused locally because of a rate-limit ban.
    pub banned_until: Option<SystemTime>,
    /// Whether the last store operation failed (the manager then works without the store).
    pub store_degraded: bool,
    /// Whether a keep-alive supervisor is running.
    pub keep_alive_running: bool,
}

/// Manager settings. Build with [`SessionManager::builder`].
pub struct ManagerBuilder<P> {
    provider: P,
    clock: Arc<dyn Clock>,
    store: Option<Arc<dyn SessionStore>>,
    default_ban: Duration,
    backoff_base: Duration,
    backoff_max: Duration,
    store_timeout: Duration,
    lock_ttl: Duration,
    account: Option<String>,
    lock_wait: Duration,
}

impl<P: SessionProvider> ManagerBuilder<P> {
    /// The name this account goes by in spans (the `account` field). Without one, spans carry a
    /// short fingerprint of the provider's store key (`acct-` and 8 hex digits), never the
    /// username; choose a label when even a fingerprint of a guessable username is too much.
    #[must_use]
    pub fn account_label(mut self, label: impl Into<String>) -> Self {
        self.account = Some(label.into());
        self
    }

    /// The clock (default [`SystemClock`]).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// A store to resume sessions from and share them through.
    #[must_use]
    pub fn store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// How long to refuse logins after a rate-limit error that gives no `retry_after`
    /// (default 60 s).
    #[must_use]
    pub fn default_ban(mut self, d: Duration) -> Self {
        self.default_ban = d;
        self
    }

    /// Keep-alive retry backoff: first delay and cap (default 1 s and 5 min; each delay gets up to
    /// 25 % random jitter).
    #[must_use]
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }

    /// Timeout for each store operation (default 2 s); a store slower than this is treated as down.
    #[must_use]
    pub fn store_timeout(mut self, d: Duration) -> Self {
        self.store_timeout = d;
        self
    }

    /// How long a store login lock lives if its holder dies (default 30 s). While this manager
    /// logs in or renews under the lock it extends the lock every third of this time, so a login
    /// slower than the TTL keeps its lock; a lock lost anyway (a store failover) is still fenced:
    /// the store refuses the late holder's write.
    #[must_use]
    pub fn lock_ttl(mut self, d: Duration) -> Self {
        self.lock_ttl = d;
        self
    }

    /// How long to wait for another process's login or renewal (the store lock) before logging
    /// in without it (default 60 s, longer than a login of several requests at the default HTTP
    /// timeouts). The wait ends sooner when the holder finishes, or dies and its lock expires.
    #[must_use]
    pub fn lock_wait(mut self, d: Duration) -> Self {
        self.lock_wait = d;
        self
    }

    /// Builds the manager. No request is made until the first [`SessionManager::get`].
    pub fn build(self) -> SessionManager<P> {
        let (events, _) = broadcast::channel(1024);
        let policy = self.provider.policy();
        let key = self.provider.store_key();
        let name = self.provider.name();
        SessionManager {
            inner: Arc::new(Inner {
                account: self.account.unwrap_or_else(|| observe::fingerprint(&key)),
                key,
                provider: ArcSwap::from_pointee(self.provider),
                clock: self.clock,
                policy,
                store: self.store.map(|s| observe::observed_store(s, name)),
                default_ban: self.default_ban,
                backoff_base: self.backoff_base,
                backoff_max: self.backoff_max,
                store_timeout: self.store_timeout,
                lock_ttl: self.lock_ttl,
                lock_wait: self.lock_wait,
                cache: ArcSwapOption::empty(),
                flight: Mutex::new(None),
                state: Mutex::new(State::default()),
                generation: AtomicU64::new(0),
                min_store_generation: AtomicU64::new(0),
                rejected: AtomicBool::new(false),
                fence: AtomicU64::new(0),
                events,
                keep_alive: AtomicUsize::new(0),
                logged_out: AtomicBool::new(false),
                installed: watch::Sender::new(()),
            }),
        }
    }
}

/// Owns one cached session for one provider account and decides when to call the provider.
///
/// Cheap to clone: clones share the session. See the [crate docs](crate) for a walk-through.
pub struct SessionManager<P: SessionProvider> {
    inner: Arc<Inner<P>>,
}

impl<P: SessionProvider> Clone for SessionManager<P> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<P: SessionProvider> fmt::Debug for SessionManager<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("provider", &self.inner.provider.load().name())
            .field(
                "generation",
                &self.inner.cache.load().as_ref().map(|e| e.generation),
            )
            .finish_non_exhaustive()
    }
}

struct Inner<P: SessionProvider> {
    provider: ArcSwap<P>,
    key: String,
    /// The account's name in spans: a caller's label or a fingerprint of `key`.
    account: String,
    /// Whether the session was rejected since the last login (for the re-login metric).
    rejected: AtomicBool,
    clock: Arc<dyn Clock>,
    policy: RenewPolicy,
    store: Option<Arc<dyn SessionStore>>,
    default_ban: Duration,
    backoff_base: Duration,
    backoff_max: Duration,
    store_timeout: Duration,
    lock_ttl: Duration,
    lock_wait: Duration,
    cache: ArcSwapOption<Entry<P::Session>>,
    flight: Mutex<Option<Arc<Flight<P::Session>>>>,
    state: Mutex<State>,
    generation: AtomicU64,
    min_store_generation: AtomicU64,
    /// The generation of the store lock this manager holds (0: none); its store writes are
    /// fenced by it.
    fence: AtomicU64,
    events: broadcast::Sender<Event>,
    keep_alive: AtomicUsize,
    /// Set by [`SessionManager::logout`], cleared when a session is installed again: while set,
    /// the keep-alive supervisor does not log in by itself.
    logged_out: AtomicBool,
    /// Signalled whenever a session is installed; the supervisor waits on it after a logout
    /// (and ends when it is dropped with the manager).
    installed: watch::Sender<()>,
}

#[derive(Default)]
struct State {
    remembered: Option<Error>,
    banned_until: Option<SystemTime>,
    last_success: Option<SystemTime>,
    last_renewal: Option<SystemTime>,
    consecutive_failures: u32,
    last_error: Option<ErrorKind>,
    store_degraded: bool,
    /// After a transient renewal failure, callers keep the still-valid session and the next
    /// renewal waits until this time (the keep-alive backoff), instead of every `get()` retrying.
    renew_retry_at: Option<SystemTime>,
}

/// The most lists a flight's waiters are spread over.
const MAX_WAKE_LISTS: usize = 64;

/// One login or renewal in progress: its result, once known, and the waiters' wake-up. A success
/// is published as the cache entry itself, so each waiter takes a lease from its own thread's
/// shard instead of all of them cloning one reference count.
///
/// Waiters are spread over one list per runtime worker, and waking them is shared: the flight and
/// every woken waiter claim lists from one cursor until none is left, so each worker wakes a
/// share. Waking a task costs a few cache misses; with one list a single worker wakes every
/// waiter while the others run out of work, and with 10,000 waiters on two workers the last one
/// was released about twice as late.
struct Flight<S> {
    result: OnceLock<Result<Arc<Entry<S>>>>,
    lists: Box<[Notify]>,
    /// Which list the next waiter joins.
    joined: AtomicUsize,
    /// The next list to wake, once the result is published.
    woken: AtomicUsize,
}

impl<S> Flight<S> {
    /// A flight whose waiters are spread over as many lists as the current runtime has workers.
    fn new() -> Self {
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

    fn read(&self) -> Option<Result<Lease<S>>> {
        let result = self.result.get()?;
        self.wake_lists();
        Some(match result {
            Ok(entry) => Ok(entry.lease()),
            Err(e) => Err(e.clone()),
        })
    }

    /// Publishes the result (the first one wins) and starts waking the waiters.
    fn finish(&self, result: Result<Arc<Entry<S>>>) {
        let _ = self.result.set(result);
        self.wake_lists();
    }

    /// Wakes waiter lists until none is left unclaimed. Called only after the result is set, so
    /// a waiter either registered before its list was woken or finds the result when it checks
    /// after registering (both go through the list's lock).
    fn wake_lists(&self) {
        while self.woken.load(Ordering::Relaxed) < self.lists.len() {
            let list = self.woken.fetch_add(1, Ordering::AcqRel);
            let Some(waiters) = self.lists.get(list) else {
                break;
            };
            waiters.notify_waiters();
        }
    }

    async fn wait(&self) -> Result<Lease<S>> {
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
struct FlightGuard<P: SessionProvider> {
    inner: Arc<Inner<P>>,
    flight: Arc<Flight<P::Session>>,
    result: Option<Result<Arc<Entry<P::Session>>>>,
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

const SHARDS: usize = 16;

std::thread_local! {
    static SHARD: usize = next_shard();
}

fn next_shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS
}

/// What a lease points at. Aligned to two cache lines so that each shard's reference count lives
/// on its own line and threads cloning leases do not contend.
#[repr(align(128))]
struct LeaseInner<S> {
    session: Arc<S>,
    generation: u64,
    expires_at: Option<SystemTime>,
}

struct Entry<S> {
    shards: Box<[Arc<LeaseInner<S>>]>,
    session: Arc<S>,
    generation: u64,
    expires_at: Option<SystemTime>,
    /// When renewal is due; until then `get()` hands the session out as it is.
    renew_at: Option<SystemTime>,
    /// Announces [`Event::Expired`]; freshness never depends on it.
    _expiry_event: Option<Timer>,
}

impl<S> Entry<S> {
    /// An entry that is not (or no longer) cached, handing out one lease.
    fn detached(lease: &Lease<S>) -> Self {
        Self {
            shards: vec![lease.inner.clone(); SHARDS].into_boxed_slice(),
            session: lease.inner.session.clone(),
            generation: lease.inner.generation,
            expires_at: lease.inner.expires_at,
            renew_at: lease.inner.expires_at,
            _expiry_event: None,
        }
    }

    /// Whether the session can be handed out as it is at `now` (before its renewal point).
    fn is_fresh(&self, now: SystemTime) -> bool {
        self.renew_at.is_none_or(|at| now < at)
    }

    /// Whether the session has reached its expiry at `now`.
    fn is_expired(&self, now: SystemTime) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }

    fn lease(&self) -> Lease<S> {
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
    inner: Arc<LeaseInner<S>>,
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Return the cached session if fresh; otherwise renew or log in.
    Get,
    /// Renew now even if fresh (keep-alive, explicit refresh).
    Refresh,
}

impl<P: SessionProvider> SessionManager<P> {
    /// Starts building a manager for `provider`.
    pub fn builder(provider: P) -> ManagerBuilder<P> {
        ManagerBuilder {
            provider,
            clock: Arc::new(SystemClock),
            store: None,
            default_ban: Duration::from_secs(60),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            store_timeout: Duration::from_secs(2),
            lock_ttl: Duration::from_secs(30),
            account: None,
            lock_wait: Duration::from_secs(60),
        }
    }

    /// A manager with default settings.
    pub fn new(provider: P) -> Self {
        Self::builder(provider).build()
    }

    /// The name this account goes by in spans: the builder's
    /// [`account_label`](ManagerBuilder::account_label), or `acct-` and 8 hex digits of a hash
    /// of the provider's store key.
    pub fn account(&self) -> &str {
        &self.inner.account
    }

    /// The provider.
    pub fn provider(&self) -> Arc<P> {
        self.inner.provider.load_full()
    }

    /// Replaces the provider (for example with new credentials), drops the cached session and
    /// clears the login guard.
    pub fn set_provider(&self, provider: P) {
        self.inner.provider.store(Arc::new(provider));
        self.inner.cache.store(None);
        self.reset();
    }

    /// Clears the login guard: a remembered invalid-credentials or account-state error and a
    /// rate-limit ban. The next [`get`](Self::get) will try to log in again.
    pub fn reset(&self) {
        let mut st = self.inner.lock_state();
        st.remembered = None;
        st.banned_until = None;
    }

    /// The cached session if it is fresh, without waiting and without any I/O.
    #[inline]
    pub fn cached(&self) -> Option<Lease<P::Session>> {
        let guard = self.inner.cache.load();
        let entry = guard.as_ref()?;
        if !entry.is_fresh(self.inner.clock.coarse_now()) {
            return None;
        }
        Some(entry.lease())
    }

    /// A usable session: the cached one if fresh, otherwise the result of the one renewal or login
    /// that all concurrent callers share.
    #[inline]
    pub async fn get(&self) -> Result<Lease<P::Session>> {
        if let Some(lease) = self.cached() {
            return Ok(lease);
        }
        // Boxed, so that the future of the cached path stays a few words: it is created and
        // moved on every call.
        Box::pin(self.inner.fly(Mode::Get)).await
    }

    /// Renews the session now (or logs in when there is none or it cannot be renewed), shared with
    /// concurrent callers.
    pub async fn refresh(&self) -> Result<Lease<P::Session>> {
        self.inner.fly(Mode::Refresh).await
    }

    /// Drops the cached session if it is still the one `lease` came from, and reports whether it
    /// did. Many callers invalidating the same lease cause one re-login.
    pub fn invalidate(&self, lease: &Lease<P::Session>) -> bool {
        let generation = lease.generation();
        self.inner.drop_generation(generation)
    }

    /// Logs the cached session out upstream, drops it, and deletes it from the store.
    /// Without a session this does nothing.
    pub async fn logout(&self) -> Result<()> {
        self.inner.logged_out.store(true, Ordering::Release);
        let Some(entry) = self.inner.cache.swap(None) else {
            return Ok(());
        };
        self.inner
            .min_store_generation
            .fetch_max(entry.generation + 1, Ordering::AcqRel);
        let provider = self.inner.provider.load_full();
        let span = tracing::info_span!(
            "session.logout",
            provider = provider.name(),
            account = %self.inner.account,
            generation = entry.generation,
            kind = Empty,
            code = Empty,
        );
        let result = provider
            .logout(&entry.session)
            .instrument(span.clone())
            .await;
        if let Err(e) = &result {
            record_error(&span, e);
        }
        if let Some(store) = &self.inner.store {
            let _ = self
                .inner
                .store_op(store.delete(&self.inner.key, Some(entry.generation)))
                .await;
        }
        self.inner.emit(Event::LoggedOut {
            generation: entry.generation,
        });
        result
    }

    /// Subscribes to lifecycle events.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// A snapshot of the manager's state.
    pub fn health(&self) -> Health {
        let entry = self.inner.cache.load_full();
        let st = self.inner.lock_state();
        let now = self.inner.clock.now();
        Health {
            has_session: entry.is_some(),
            generation: entry.as_ref().map(|e| e.generation),
            expires_at: entry.as_ref().and_then(|e| e.expires_at),
            next_renewal: entry.as_ref().and_then(|e| {
                let keep_alive = self
                    .inner
                    .policy
                    .keep_alive
                    .and_then(|k| st.last_renewal.map(|t| timing::after(t, k)));
                match (e.renew_at, keep_alive) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }),
            last_success: st.last_success,
            consecutive_failures: st.consecutive_failures,
            last_error: st.last_error,
            banned_until: st.banned_until.filter(|t| *t > now),
            store_degraded: st.store_degraded,
            keep_alive_running: self.inner.keep_alive.load(Ordering::Acquire) > 0,
        }
    }

    /// Starts the keep-alive supervisor: a background task that logs in if needed, renews on the
    /// provider's keep-alive cadence and before expiry, retries failures with exponential backoff
    /// and jitter (reporting each in [`health`](Self::health) and as [`Event::RenewFailed`]), and
    /// re-logs in when renewal says the session is gone. It stops when the returned handle is
    /// dropped or shut down, or when every manager handle is gone. Needs a Tokio runtime.
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
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
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

struct KeepAliveCount<P: SessionProvider>(Weak<Inner<P>>);

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
        // After a logout the supervisor does not bring the session back by itself: it waits
        // until a caller's get() (or the store) installs one, then keeps that alive.
        installed.borrow_and_update();
        if weak.upgrade().is_none_or(|inner| inner.idle_after_logout()) {
            tokio::select! {
                changed = installed.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    failures = 0;
                    continue;
                }
                _ = stopped.changed() => return,
            }
        }
        let (sleep, mode) = {
            let Some(inner) = weak.upgrade() else { return };
            let now = inner.clock.now();
            let (at, mode) = if failures > 0 {
                (timing::after(now, inner.backoff(failures)), Mode::Refresh)
            } else {
                inner.next_wake(now)
            };
            (inner.clock.sleep_until(at), mode)
        };
        tokio::select! {
            () = sleep => {}
            // Someone else installed a session (its deadlines may differ), or the manager is
            // gone.
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
        if inner.idle_after_logout() {
            continue;
        }
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
    fn idle_after_logout(&self) -> bool {
        self.logged_out.load(Ordering::Acquire) && self.cache.load().is_none()
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn emit(&self, event: Event) {
        observe::event(self.name(), &event);
        let _ = self.events.send(event);
    }

    fn name(&self) -> &'static str {
        self.provider.load().name()
    }

    fn backoff(&self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(20);
        let base = self
            .backoff_base
            .saturating_mul(1u32 << exp)
            .min(self.backoff_max);
        base.saturating_add(base.mul_f64(0.25 * fastrand::f64()))
    }

    /// When the supervisor should next act, and how.
    fn next_wake(&self, now: SystemTime) -> (SystemTime, Mode) {
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

    fn drop_generation(&self, generation: u64) -> bool {
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

    /// Joins the flight in progress or starts one, then waits for its result.
    async fn fly(self: &Arc<Self>, mode: Mode) -> Result<Lease<P::Session>> {
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
    fn entry_for(&self, lease: &Lease<P::Session>) -> Result<Arc<Entry<P::Session>>> {
        if let Some(entry) = self.cache.load_full()
            && Arc::ptr_eq(&entry.session, lease.session())
            && entry.generation == lease.generation()
        {
            return Ok(entry);
        }
        Ok(Arc::new(Entry::detached(lease)))
    }

    fn flight_lost(&self) -> Error {
        Error::new(
            ErrorKind::Unavailable,
            self.name(),
            "login task ended without a result",
        )
    }

    /// The work of one flight.
    async fn acquire(self: &Arc<Self>, mode: Mode) -> Result<Lease<P::Session>> {
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
    async fn renew_shared(
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

    /// The stored record, installed if another process renewed or extended `entry`'s session.
    async fn adopt_newer(
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

    /// One renewal request and what it means for the cache.
    async fn renew_now(
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
    fn attempt(&self) -> u32 {
        self.lock_state().consecutive_failures.saturating_add(1)
    }

    fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::AcqRel) + 1
    }

    fn succeeded(&self, now: SystemTime, renewal: bool) {
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

    fn failed(&self, e: &Error) {
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

    /// The guard: a remembered final failure or an active ban fails locally, without a request.
    fn check_guard(&self, now: SystemTime) -> Result<()> {
        let st = self.lock_state();
        if let Some(e) = &st.remembered {
            return Err(e.clone());
        }
        if let Some(until) = st.banned_until
            && until > now
        {
            let left = until.duration_since(now).unwrap_or_default();
            observe::ban_refused(self.name());
            return Err(Error::new(
                ErrorKind::RateLimited,
                self.name(),
                "login refused locally during a rate-limit ban",
            )
            .with_retry_after(left));
        }
        Ok(())
    }

    /// Records what a failed login means for later logins.
    async fn guard_after(&self, e: &Error, now: SystemTime) {
        if e.kind().is_login_final() {
            self.lock_state().remembered = Some(e.clone());
        } else if e.kind() == ErrorKind::RateLimited {
            // Clamped to `timing::MAX_BAN`: an absurd `Retry-After` is still recorded.
            let until = timing::after(now, timing::ban(e.retry_after(), self.default_ban));
            observe::ban_entered(self.name());
            self.lock_state().banned_until = Some(until);
            if let Some(store) = &self.store {
                let record = StoredRecord {
                    key: self.key.clone(),
                    provider: self.name().to_owned(),
                    generation: self.generation.load(Ordering::Acquire),
                    session: None,
                    banned_until: Some(until),
                };
                self.store_record(store, &record).await;
            }
        }
    }

    async fn store_op<T>(&self, op: impl std::future::Future<Output = Result<T>>) -> Result<T> {
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
    fn adopt(
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
            let mut st = self.lock_state();
            if st.banned_until.is_none_or(|t| t < until) {
                st.banned_until = Some(until);
            }
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

    async fn load_and_adopt(
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

    async fn login(self: &Arc<Self>, provider: &Arc<P>) -> Result<Lease<P::Session>> {
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
    async fn holding<T>(
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
    async fn store_lock(&self, store: &Arc<dyn SessionStore>) -> Option<Box<dyn StoreLock>> {
        self.store_lock_within(store, self.lock_wait.saturating_add(self.store_timeout))
            .await
    }

    /// [`store_lock`](Self::store_lock), waiting at most `wait`.
    async fn store_lock_within(
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

    async fn release(&self, lock: Option<Box<dyn StoreLock>>) {
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
    async fn store_record(
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

    async fn login_now(self: &Arc<Self>, provider: &Arc<P>) -> Result<Lease<P::Session>> {
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

    async fn save_to_store(&self, provider: &P, lease: &Lease<P::Session>) {
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

    fn install(
        &self,
        session: Arc<P::Session>,
        generation: u64,
        now: SystemTime,
    ) -> Lease<P::Session> {
        let expiry = session.expiry();
        self.install_with(session, generation, now, expiry)
    }

    fn install_with(
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
        self.cache.store(Some(entry));
        self.logged_out.store(false, Ordering::Release);
        self.installed.send_replace(());
        lease
    }
}

/// Records an error's kind and upstream code (already sanitized to code-like text) on a span.
fn record_error(span: &tracing::Span, e: &Error) {
    span.record("kind", e.kind().as_str());
    if let Some(code) = e.code() {
        span.record("code", code);
    }
}
