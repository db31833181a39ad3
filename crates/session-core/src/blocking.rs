//! A blocking session manager for scripts and synchronous programs (feature `blocking`).
//!
//! [`BlockingManager`] wraps a [`SessionManager`] and runs it on one small background runtime
//! shared by every blocking manager in the process (one worker thread, started on first use),
//! as `reqwest::blocking` does for HTTP. Nothing changes about what the manager guarantees: any
//! number of threads calling [`get`](BlockingManager::get) at once share one login, a session is
//! never handed out past its renewal point, bans and remembered credential failures are
//! enforced locally, and the keep-alive supervisor runs on the background thread.
//!
//! Call it from plain threads. Inside an async runtime its methods return a
//! [`ErrorKind::Configuration`] error instead of blocking a worker (or panicking, as nested
//! `block_on` would): use the [`SessionManager`] there, which
//! [`manager`](BlockingManager::manager) hands out.
//!
//! ```
//! use std::time::Duration;
//! use session_core::blocking::BlockingManager;
//! use session_core::{AccessToken, Expiry, SystemClock, Clock, StaticToken, provider_fn};
//!
//! let manager = BlockingManager::new(provider_fn("example", || async {
//!     let expires = Expiry::after(SystemClock.now(), Duration::from_secs(900));
//!     Ok(StaticToken::bearer(AccessToken::new("token-from-login")).with_expiry(expires))
//! }));
//! let lease = manager.get()?; // one login, shared by every thread that asks
//! assert_eq!(manager.get()?.generation(), lease.generation());
//! manager.logout()?;
//! # Ok::<(), session_core::Error>(())
//! ```

use std::fmt;
use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::Runtime;

use crate::error::{Error, ErrorKind, Result};
use crate::manager::{Health, KeepAlive, Lease, SessionManager};
use crate::provider::SessionProvider;

/// The background runtime every blocking manager runs on, or why it could not start.
fn runtime(provider: &'static str) -> Result<&'static Runtime> {
    static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("session-core-blocking")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|_| {
            Error::new(
                ErrorKind::Unavailable,
                provider,
                "cannot start the blocking runtime",
            )
        })
}

/// A [`SessionManager`] for synchronous code. Cheap to clone: clones share the session.
pub struct BlockingManager<P: SessionProvider> {
    inner: SessionManager<P>,
}

impl<P: SessionProvider> Clone for BlockingManager<P> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<P: SessionProvider> fmt::Debug for BlockingManager<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BlockingManager").field(&self.inner).finish()
    }
}

impl<P: SessionProvider> From<SessionManager<P>> for BlockingManager<P> {
    fn from(inner: SessionManager<P>) -> Self {
        Self { inner }
    }
}

impl<P: SessionProvider> BlockingManager<P> {
    /// A blocking manager with default settings. For a store, a clock or other settings, build a
    /// [`SessionManager`] with [`SessionManager::builder`] and convert it with `From`.
    pub fn new(provider: P) -> Self {
        SessionManager::new(provider).into()
    }

    /// The async manager underneath, sharing the same session.
    pub fn manager(&self) -> &SessionManager<P> {
        &self.inner
    }

    fn name(&self) -> &'static str {
        self.inner.provider().name()
    }

    /// Runs `fut` to completion on the background runtime, from a thread outside any runtime.
    fn block_on<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::configuration(
                self.name(),
                "blocking session call inside an async runtime; use SessionManager",
            ));
        }
        runtime(self.name())?.block_on(fut)
    }

    /// A usable session: the cached one when fresh (no runtime involved), otherwise the result of
    /// the one renewal or login every caller shares. Blocks until then.
    pub fn get(&self) -> Result<Lease<P::Session>> {
        if let Some(lease) = self.inner.cached() {
            return Ok(lease);
        }
        self.block_on(self.inner.get())
    }

    /// Renews now (or logs in), shared with concurrent callers. Blocks until done.
    pub fn refresh(&self) -> Result<Lease<P::Session>> {
        self.block_on(self.inner.refresh())
    }

    /// Logs the session out upstream, drops it and deletes it from the store. Blocks until done.
    pub fn logout(&self) -> Result<()> {
        self.block_on(self.inner.logout())
    }

    /// Drops the cached session if it is still the one `lease` came from; see
    /// [`SessionManager::invalidate`]. Never blocks.
    pub fn invalidate(&self, lease: &Lease<P::Session>) -> bool {
        self.inner.invalidate(lease)
    }

    /// Clears the login guard; see [`SessionManager::reset`].
    pub fn reset(&self) {
        self.inner.reset();
    }

    /// A snapshot of the manager's state; see [`SessionManager::health`].
    pub fn health(&self) -> Health {
        self.inner.health()
    }

    /// Starts the keep-alive supervisor on the background runtime; it stops when the returned
    /// handle is dropped or shut down. See [`SessionManager::spawn_keep_alive`].
    pub fn spawn_keep_alive(&self) -> Result<BlockingKeepAlive> {
        let rt = runtime(self.name())?;
        let _entered = rt.enter();
        Ok(BlockingKeepAlive {
            inner: Some(self.inner.spawn_keep_alive()),
        })
    }
}

/// The blocking keep-alive supervisor's handle; dropping it stops the supervisor.
#[derive(Debug)]
pub struct BlockingKeepAlive {
    inner: Option<KeepAlive>,
}

impl BlockingKeepAlive {
    /// Whether the supervisor is still running.
    pub fn is_running(&self) -> bool {
        self.inner.as_ref().is_some_and(KeepAlive::is_running)
    }

    /// Stops the supervisor and waits for it to finish (from outside a runtime; inside one, it is
    /// stopped without waiting).
    pub fn shutdown(mut self) {
        let Some(keep_alive) = self.inner.take() else {
            return;
        };
        match (tokio::runtime::Handle::try_current(), runtime("blocking")) {
            (Err(_), Ok(rt)) => rt.block_on(keep_alive.shutdown()),
            _ => drop(keep_alive),
        }
    }
}
