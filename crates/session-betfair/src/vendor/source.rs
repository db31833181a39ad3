//! Where an Accounts API call gets its session: [`AccountsAuth`] (the headers a session sends) and
//! [`SessionSource`] (a session, a lease, a manager with invalidation and one retry, or a web-app
//! session).

use super::*;

/// A session that can authenticate Accounts API calls: an SSO session sends `X-Authentication`,
/// a web-app session `Authorization: BEARER`; either adds `X-Application` when the operation
/// needs it. Every value is marked sensitive.
pub trait AccountsAuth: Session {
    /// The app key the session goes with (`X-Application`).
    fn app_key(&self) -> &AppKey;

    /// Adds the session's credential to `headers`, and `X-Application` when `with_app_key`.
    fn accounts_headers(&self, headers: &mut HeaderMap, with_app_key: bool);
}

impl AccountsAuth for BetfairSession {
    fn app_key(&self) -> &AppKey {
        BetfairSession::app_key(self)
    }

    fn accounts_headers(&self, headers: &mut HeaderMap, with_app_key: bool) {
        if let Some(v) = sensitive_value(self.token().expose_secret()) {
            headers.insert(X_AUTHENTICATION, v);
        }
        if with_app_key && let Some(v) = sensitive_value(self.app_key().expose_secret()) {
            headers.insert(X_APPLICATION, v);
        }
    }
}

/// A session handed to one Accounts API call by a [`SessionSource`], with an optional handle the
/// source uses to recognise it again in [`reject`](SessionSource::reject).
pub struct SourcedSession {
    pub(super) session: Arc<dyn AccountsAuth>,
    handle: Option<Box<dyn Any + Send + Sync>>,
}

impl fmt::Debug for SourcedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourcedSession")
            .field("handle", &self.handle.is_some())
            .finish_non_exhaustive()
    }
}

impl SourcedSession {
    /// Wraps a session.
    pub fn new(session: Arc<dyn AccountsAuth>) -> Self {
        Self {
            session,
            handle: None,
        }
    }

    /// Attaches a handle (for example the manager's [`Lease`]).
    #[must_use]
    pub fn with_handle(mut self, handle: impl Any + Send + Sync) -> Self {
        self.handle = Some(Box::new(handle));
        self
    }

    /// The session.
    pub fn session(&self) -> &dyn AccountsAuth {
        &*self.session
    }

    /// The handle, if it is a `T`.
    pub fn handle<T: Any>(&self) -> Option<&T> {
        self.handle.as_deref().and_then(|h| h.downcast_ref::<T>())
    }
}

/// Where an Accounts API call takes the caller's session from.
///
/// Implemented for [`BetfairSession`], [`WebAppSession`], a [`Lease`] of either (the session as
/// it is: a rejection is returned to the caller) and a [`SessionManager`] of either (a rejection
/// invalidates the lease, and idempotent reads are retried once with a fresh session).
#[async_trait]
pub trait SessionSource: Send + Sync {
    /// The session to send now.
    async fn acquire(&self) -> Result<SourcedSession>;

    /// Betfair rejected `rejected`'s session (`INVALID_SESSION_INFORMATION` / `NO_SESSION`).
    /// Returns whether a later [`acquire`](Self::acquire) can give a different session (so a
    /// retry makes sense). The default: `false`.
    fn reject(&self, rejected: &SourcedSession) -> bool {
        let _ = rejected;
        false
    }
}

#[async_trait]
impl SessionSource for BetfairSession {
    async fn acquire(&self) -> Result<SourcedSession> {
        Ok(SourcedSession::new(Arc::new(self.clone())))
    }
}

#[async_trait]
impl SessionSource for WebAppSession {
    async fn acquire(&self) -> Result<SourcedSession> {
        Ok(SourcedSession::new(Arc::new(self.clone())))
    }
}

#[async_trait]
impl<S: AccountsAuth> SessionSource for Lease<S> {
    async fn acquire(&self) -> Result<SourcedSession> {
        let session: Arc<dyn AccountsAuth> = self.session().clone();
        Ok(SourcedSession::new(session))
    }
}

#[async_trait]
impl<P> SessionSource for SessionManager<P>
where
    P: SessionProvider,
    P::Session: AccountsAuth,
{
    async fn acquire(&self) -> Result<SourcedSession> {
        let lease = self.get().await?;
        let session: Arc<dyn AccountsAuth> = lease.session().clone();
        Ok(SourcedSession::new(session).with_handle(lease))
    }

    fn reject(&self, rejected: &SourcedSession) -> bool {
        match rejected.handle::<Lease<P::Session>>() {
            Some(lease) => {
                self.invalidate(lease);
                true
            }
            None => false,
        }
    }
}

#[async_trait]
impl<T: SessionSource + ?Sized> SessionSource for Arc<T> {
    async fn acquire(&self) -> Result<SourcedSession> {
        (**self).acquire().await
    }

    fn reject(&self, rejected: &SourcedSession) -> bool {
        (**self).reject(rejected)
    }
}
