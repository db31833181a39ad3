//! [`LogoutOnDrop`]: an opt-in, best-effort logout when a guard around a manager is dropped.

use std::fmt;
use std::ops::Deref;
use std::time::Duration;

use crate::error::Result;
use crate::provider::SessionProvider;

use super::SessionManager;

/// An opt-in, best-effort logout when the guard is dropped.
///
/// `Drop` cannot wait, so dropping the guard *spawns* `manager.logout()` on the current Tokio
/// runtime, bounded by a short timeout (default 2 s), and returns at once. Nothing happens when
/// there is no runtime, no cached session, or the runtime shuts down before the task runs (for
/// example at the end of `main`): prefer [`LogoutOnDrop::logout`] (or
/// [`SessionManager::logout`]) wherever you can await. The guard dereferences to the manager.
///
/// ```no_run
/// # async fn demo(manager: session_core::SessionManager<session_core::StaticTokenProvider>) {
/// let guard = session_core::LogoutOnDrop::new(manager);
/// let lease = guard.get().await;
/// // ... use the session ...
/// drop(guard); // logs out in the background
/// # }
/// ```
pub struct LogoutOnDrop<P: SessionProvider> {
    manager: Option<SessionManager<P>>,
    timeout: Duration,
}

impl<P: SessionProvider> fmt::Debug for LogoutOnDrop<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogoutOnDrop")
            .field("manager", &self.manager)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl<P: SessionProvider> LogoutOnDrop<P> {
    /// The default bound on the background logout.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

    /// Guards `manager`'s session.
    pub fn new(manager: SessionManager<P>) -> Self {
        Self {
            manager: Some(manager),
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// Bounds the background logout by `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Logs out now and waits for it; the guard is spent.
    pub async fn logout(mut self) -> Result<()> {
        match self.manager.take() {
            Some(manager) => manager.logout().await,
            None => Ok(()),
        }
    }

    /// Gives the manager back without logging out.
    pub fn disarm(mut self) -> SessionManager<P> {
        self.manager
            .take()
            .expect("the manager is present until the guard is spent")
    }
}

impl<P: SessionProvider> Deref for LogoutOnDrop<P> {
    type Target = SessionManager<P>;
    fn deref(&self) -> &SessionManager<P> {
        self.manager
            .as_ref()
            .expect("the manager is present until the guard is spent")
    }
}

impl<P: SessionProvider> Drop for LogoutOnDrop<P> {
    fn drop(&mut self) {
        let Some(manager) = self.manager.take() else {
            return;
        };
        if !manager.health().has_session {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::debug!(
                provider = manager.provider().name(),
                "no tokio runtime; logout on drop skipped"
            );
            return;
        };
        let timeout = self.timeout;
        runtime.spawn(async move {
            let name = manager.provider().name();
            match tokio::time::timeout(timeout, manager.logout()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::debug!(provider = name, kind = %e.kind(), "logout on drop failed");
                }
                Err(_) => tracing::debug!(provider = name, "logout on drop timed out"),
            }
        });
    }
}
