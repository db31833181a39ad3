//! The session manager: one cached session per provider account, single-flight login and
//! renewal, generation-checked invalidation, a login guard, lifecycle events, stores and an
//! opt-in keep-alive supervisor.
//!
//! # Hot path
//! [`SessionManager::get`] on a fresh cached session takes no lock and does not load the cache:
//! each thread remembers (weakly) the last lease it was handed, and the next call upgrades it,
//! checks the entry's "still cached" flag and compares its renewal deadline with
//! [`Clock::coarse_now`] (a vDSO read of `CLOCK_REALTIME_COARSE` for the [`SystemClock`]). Only
//! when that fails does it fall back to an `arc-swap` load of the cache. Whatever takes a session
//! out of the cache (a newer login, an invalidation, a logout, a new provider) clears the flag on
//! every lease of it, so no thread's remembered lease is handed out again. Each thread's slot
//! sits on its own cache lines, and each thread clones its own shard's lease, so threads do not
//! contend. Freshness is checked against the wall clock on every call and never depends on a
//! timer having fired, so a session is never handed out past its renewal point, let alone its
//! expiry, after the runtime that installed it was dropped, after a suspend, or after a clock
//! jump.
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
use crate::guard::LoginGuard;
use crate::provider::SessionProvider;
use crate::session::{Expiry, RenewPolicy, Renewal, Session};
use crate::store::{SessionStore, StoreLock, StoredRecord};
use crate::{observe, timing};
use tracing::Instrument;
use tracing::field::Empty;

mod flight;
mod guard;
mod keep_alive;
mod lease;
mod logout_on_drop;
mod store_sync;

use flight::Flight;
pub use keep_alive::KeepAlive;
use lease::Entry;
pub use lease::Lease;
pub use logout_on_drop::LogoutOnDrop;

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
    /// `None`: the [`SystemClock`], whose coarse reading the hot path calls directly.
    clock: Option<Arc<dyn Clock>>,
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
        self.clock = Some(clock);
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
                system_clock: self.clock.is_none(),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                policy,
                store: self.store.map(|s| observe::observed_store(s, name)),
                guard: LoginGuard::new(self.default_ban),
                backoff_base: self.backoff_base,
                backoff_max: self.backoff_max,
                store_timeout: self.store_timeout,
                lock_ttl: self.lock_ttl,
                lock_wait: self.lock_wait,
                cache: ArcSwapOption::empty(),
                hot: lease::HotLeases::new(),
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
    /// Whether `clock` is the [`SystemClock`].
    system_clock: bool,
    policy: RenewPolicy,
    store: Option<Arc<dyn SessionStore>>,
    /// The login guard: remembered final failures and rate-limit bans.
    guard: LoginGuard,
    backoff_base: Duration,
    backoff_max: Duration,
    store_timeout: Duration,
    lock_ttl: Duration,
    lock_wait: Duration,
    cache: ArcSwapOption<Entry<P::Session>>,
    /// Each thread's last lease, validated on the hot path instead of loading `cache`.
    hot: lease::HotLeases<P::Session>,
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
    last_success: Option<SystemTime>,
    last_renewal: Option<SystemTime>,
    consecutive_failures: u32,
    last_error: Option<ErrorKind>,
    store_degraded: bool,
    /// After a transient renewal failure, callers keep the still-valid session and the next
    /// renewal waits until this time (the keep-alive backoff), instead of every `get()` retrying.
    renew_retry_at: Option<SystemTime>,
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
            clock: None,
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
        if let Some(previous) = self.inner.cache.swap(None) {
            previous.retire();
        }
        self.reset();
    }

    /// Clears the login guard: a remembered invalid-credentials or account-state error and a
    /// rate-limit ban. The next [`get`](Self::get) will try to log in again.
    pub fn reset(&self) {
        self.inner.guard.reset();
    }

    /// The cached session if it is fresh, without waiting and without any I/O.
    #[inline]
    pub fn cached(&self) -> Option<Lease<P::Session>> {
        if let Some(lease) = self.inner.hot_lease() {
            return Some(lease);
        }
        self.cached_slow()
    }

    #[inline(never)]
    fn cached_slow(&self) -> Option<Lease<P::Session>> {
        let lease = self.inner.cache.load().as_ref()?.lease();
        if !self.inner.servable(&lease.inner) {
            return None;
        }
        self.inner.remember(&lease);
        Some(lease)
    }

    /// A usable session: the cached one if fresh, otherwise the result of the one renewal or login
    /// that all concurrent callers share.
    ///
    /// The future is `Send` for every provider, also when it is awaited inside another future
    /// that must be (an `async_trait` method, a spawned task) and the provider is type-erased
    /// (`SessionManager<Arc<dyn SessionProvider<Session = S>>>`). The methods that return futures
    /// declare it instead of leaving it to be inferred: inferred, rustc would have to prove it
    /// again for the borrowed manager inside the caller's future with its lifetimes erased, where
    /// `dyn SessionProvider`'s `'static` bound cannot be shown ("implementation of `Send` is not
    /// general enough").
    #[expect(
        clippy::manual_async_fn,
        reason = "the future declares `Send` so callers need not infer it"
    )]
    #[inline]
    pub fn get(&self) -> impl Future<Output = Result<Lease<P::Session>>> + Send + '_ {
        async move {
            if let Some(lease) = self.cached() {
                return Ok(lease);
            }
            // Boxed, so that the future of the cached path stays a few words: it is created and
            // moved on every call.
            let lease = Box::pin(self.inner.fly(Mode::Get)).await?;
            self.inner.remember(&lease);
            Ok(lease)
        }
    }

    /// Renews the session now (or logs in when there is none or it cannot be renewed), shared with
    /// concurrent callers. The future is `Send` (see [`get`](Self::get)).
    pub fn refresh(&self) -> impl Future<Output = Result<Lease<P::Session>>> + Send + '_ {
        self.inner.fly(Mode::Refresh)
    }

    /// Drops the cached session if it is still the one `lease` came from, and reports whether it
    /// did. Many callers invalidating the same lease cause one re-login.
    pub fn invalidate(&self, lease: &Lease<P::Session>) -> bool {
        let generation = lease.generation();
        self.inner.drop_generation(generation)
    }

    /// Logs the cached session out upstream, drops it, and deletes it from the store.
    /// Without a session this does nothing upstream. Either way a running keep-alive supervisor
    /// stops logging in until the next session is installed. The future is `Send` (see
    /// [`get`](Self::get)).
    pub fn logout(&self) -> impl Future<Output = Result<()>> + Send + '_ {
        self.logout_now()
    }

    async fn logout_now(&self) -> Result<()> {
        self.inner.logged_out.store(true, Ordering::Release);
        let Some(entry) = self.inner.cache.swap(None) else {
            return Ok(());
        };
        entry.retire();
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
            banned_until: self.inner.guard.banned_until(now),
            store_degraded: st.store_degraded,
            keep_alive_running: self.inner.keep_alive.load(Ordering::Acquire) > 0,
        }
    }
}

impl<P: SessionProvider> Inner<P> {
    /// Whether the clock's coarse reading has reached `deadline` (for the [`SystemClock`], one
    /// raw comparison).
    #[inline]
    fn passed(&self, deadline: crate::clock::CoarseDeadline) -> bool {
        if self.system_clock {
            deadline.passed_on_system_clock()
        } else {
            self.clock.coarse_now() >= deadline.at()
        }
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
}

/// Records an error's kind and upstream code (already sanitized to code-like text) on a span.
fn record_error(span: &tracing::Span, e: &Error) {
    span.record("kind", e.kind().as_str());
    if let Some(code) = e.code() {
        span.record("code", code);
    }
}
