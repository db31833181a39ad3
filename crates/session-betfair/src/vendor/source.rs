//! Where an Accounts API call gets its session: [`AccountsAuth`] (the headers a session sends),
//! and the fixed sessions as [`SessionSource`]s (session-core implements it for a lease, a
//! manager — with invalidation and one retry — and `Arc`s and references of sources).

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

/// A fixed SSO session as a [`SessionSource`]: sent as it is, a rejection is returned to the
/// caller.
#[async_trait]
impl SessionSource for BetfairSession {
    type Session = BetfairSession;

    async fn acquire(&self) -> Result<Sourced<BetfairSession>> {
        Ok(Sourced::new(Arc::new(self.clone())))
    }

    fn name(&self) -> &'static str {
        NAME
    }
}

/// A fixed web-app session as a [`SessionSource`]: sent as it is, a rejection is returned to the
/// caller.
#[async_trait]
impl SessionSource for WebAppSession {
    type Session = WebAppSession;

    async fn acquire(&self) -> Result<Sourced<WebAppSession>> {
        Ok(Sourced::new(Arc::new(self.clone())))
    }

    fn name(&self) -> &'static str {
        NAME
    }
}
