//! The [`SessionProvider`] trait every upstream implements, and two ready-made providers:
//! [`provider_fn`] (a closure) and [`StaticTokenProvider`] (a pre-issued token).

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Result};
use crate::http::HttpResponse;
use crate::secret::AccessToken;
use crate::session::{Expiry, PersistedSession, RenewPolicy, Renewal, Session};

/// Knows one upstream: how to log in, renew, log out, and how a response says the session is no
/// longer accepted.
///
/// Only [`login`](SessionProvider::login) is required; new behaviour arrives as defaulted methods.
/// The trait is object safe: `Arc<dyn SessionProvider<Session = S>>` is itself a provider.
#[async_trait]
pub trait SessionProvider: Send + Sync + 'static {
    /// The provider's session type.
    type Session: Session;

    /// A short, stable, lowercase name (`"betfair"`), used in errors, logs and store records.
    fn name(&self) -> &'static str;

    /// Logs in and returns a new session.
    async fn login(&self) -> Result<Self::Session>;

    /// Renews `session` (keepAlive, refresh, revalidate). An error of kind
    /// [`SessionRejected`](crate::ErrorKind::SessionRejected) means the session is gone and the
    /// manager logs in again. Defaults to [`Renewal::Unsupported`].
    async fn renew(&self, session: &Self::Session) -> Result<Renewal<Self::Session>> {
        let _ = session;
        Ok(Renewal::Unsupported)
    }

    /// Ends `session` upstream. A session the upstream already forgot counts as logged out.
    async fn logout(&self, session: &Self::Session) -> Result<()> {
        let _ = session;
        Ok(())
    }

    /// Keep-alive cadence, default lifetime and renewal buffer.
    fn policy(&self) -> RenewPolicy {
        RenewPolicy::default()
    }

    /// Identifies the account (and deployment) whose session this provider produces, for
    /// session stores. Must not contain a secret. Defaults to [`name`](SessionProvider::name).
    fn store_key(&self) -> String {
        self.name().to_owned()
    }

    /// Serializes a session for a store; `None` (the default) means sessions are not stored.
    fn persist(&self, session: &Self::Session) -> Option<PersistedSession> {
        let _ = session;
        None
    }

    /// Rebuilds a session from [`persist`](SessionProvider::persist)'s output.
    fn restore(&self, persisted: &PersistedSession) -> Result<Self::Session> {
        let _ = persisted;
        Err(Error::configuration(
            self.name(),
            "this provider does not restore stored sessions",
        ))
    }

    /// Whether a session adopted from a store must be checked with one
    /// [`renew`](SessionProvider::renew) before it is handed out (for upstreams whose sessions can
    /// be ended elsewhere, such as Betfair's). Defaults to `false`.
    fn validate_restored(&self) -> bool {
        false
    }

    /// Whether `response` (to a request authenticated with this provider's session) says the
    /// session was rejected. The default recognizes HTTP 401.
    fn is_rejection(&self, response: &HttpResponse) -> bool {
        response.status() == http::StatusCode::UNAUTHORIZED
    }
}

#[async_trait]
impl<P> SessionProvider for Arc<P>
where
    P: SessionProvider + ?Sized,
{
    type Session = P::Session;

    fn name(&self) -> &'static str {
        (**self).name()
    }
    async fn login(&self) -> Result<Self::Session> {
        (**self).login().await
    }
    async fn renew(&self, session: &Self::Session) -> Result<Renewal<Self::Session>> {
        (**self).renew(session).await
    }
    async fn logout(&self, session: &Self::Session) -> Result<()> {
        (**self).logout(session).await
    }
    fn policy(&self) -> RenewPolicy {
        (**self).policy()
    }
    fn store_key(&self) -> String {
        (**self).store_key()
    }
    fn persist(&self, session: &Self::Session) -> Option<PersistedSession> {
        (**self).persist(session)
    }
    fn restore(&self, persisted: &PersistedSession) -> Result<Self::Session> {
        (**self).restore(persisted)
    }
    fn validate_restored(&self) -> bool {
        (**self).validate_restored()
    }
    fn is_rejection(&self, response: &HttpResponse) -> bool {
        (**self).is_rejection(response)
    }
}

// The trait must stay object safe.
const _: Option<&dyn SessionProvider<Session = StaticToken>> = None;

/// A provider whose login is a closure; see [`provider_fn`].
pub struct FnProvider<F> {
    name: &'static str,
    login: F,
    policy: RenewPolicy,
}

impl<F> fmt::Debug for FnProvider<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnProvider")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<F> FnProvider<F> {
    /// Sets the renewal policy.
    #[must_use]
    pub fn with_policy(mut self, policy: RenewPolicy) -> Self {
        self.policy = policy;
        self
    }
}

/// A provider named `name` whose login calls `login`.
///
/// ```
/// use session_core::{provider_fn, StaticToken, AccessToken};
/// let provider = provider_fn("example", || async {
///     Ok(StaticToken::bearer(AccessToken::new("pre-issued")))
/// });
/// # let _ = provider;
/// ```
pub fn provider_fn<F, Fut, S>(name: &'static str, login: F) -> FnProvider<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<S>> + Send + 'static,
    S: Session,
{
    FnProvider {
        name,
        login,
        policy: RenewPolicy::default(),
    }
}

#[async_trait]
impl<F, Fut, S> SessionProvider for FnProvider<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<S>> + Send + 'static,
    S: Session,
{
    type Session = S;

    fn name(&self) -> &'static str {
        self.name
    }
    async fn login(&self) -> Result<S> {
        (self.login)().await
    }
    fn policy(&self) -> RenewPolicy {
        self.policy
    }
}

/// A pre-issued token sent in one header, optionally with a scheme (`Bearer <token>`).
#[derive(Clone)]
pub struct StaticToken {
    token: AccessToken,
    header: HeaderName,
    scheme: Option<&'static str>,
    expiry: Expiry,
}

impl StaticToken {
    /// `Authorization: Bearer <token>`, never expiring.
    pub fn bearer(token: AccessToken) -> Self {
        Self {
            token,
            header: http::header::AUTHORIZATION,
            scheme: Some("Bearer"),
            expiry: Expiry::Never,
        }
    }

    /// `<header>: <token>`, never expiring.
    pub fn header(header: HeaderName, token: AccessToken) -> Self {
        Self {
            token,
            header,
            scheme: None,
            expiry: Expiry::Never,
        }
    }

    /// Sets a known expiry.
    #[must_use]
    pub fn with_expiry(mut self, expiry: Expiry) -> Self {
        self.expiry = expiry;
        self
    }

    /// The token.
    pub fn token(&self) -> &AccessToken {
        &self.token
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticToken")
            .field("header", &self.header)
            .field("token", &self.token)
            .field("expiry", &self.expiry)
            .finish()
    }
}

impl Session for StaticToken {
    fn expiry(&self) -> Expiry {
        self.expiry
    }

    fn authenticate(&self, headers: &mut HeaderMap) {
        let value = match self.scheme {
            Some(scheme) => sensitive_value(&format!("{scheme} {}", self.token.expose_secret())),
            None => sensitive_value(self.token.expose_secret()),
        };
        if let Some(value) = value {
            headers.insert(self.header.clone(), value);
        }
    }
}

/// A header value marked sensitive, or `None` if `value` is not a valid header value.
pub fn sensitive_value(value: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(value).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// Hands out one pre-issued token; for APIs that take a long-lived token, and for tests.
#[derive(Clone, Debug)]
pub struct StaticTokenProvider {
    name: &'static str,
    token: StaticToken,
}

impl StaticTokenProvider {
    /// A provider named `name` that always returns `token`.
    pub fn new(name: &'static str, token: StaticToken) -> Self {
        Self { name, token }
    }
}

#[async_trait]
impl SessionProvider for StaticTokenProvider {
    type Session = StaticToken;

    fn name(&self) -> &'static str {
        self.name
    }
    async fn login(&self) -> Result<StaticToken> {
        Ok(self.token.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_bearer_sets_a_sensitive_authorization_header() {
        let s = StaticToken::bearer(AccessToken::new("tok-1"));
        let mut h = HeaderMap::new();
        s.authenticate(&mut h);
        let v = &h[http::header::AUTHORIZATION];
        assert_eq!(v.to_str().unwrap(), "Bearer tok-1");
        assert!(v.is_sensitive());
        assert_eq!(format!("{v:?}"), "Sensitive");
        assert!(!format!("{s:?}").contains("tok-1"));
    }

    #[tokio::test]
    async fn arc_dyn_provider_is_a_provider() {
        let p: Arc<dyn SessionProvider<Session = StaticToken>> = Arc::new(
            StaticTokenProvider::new("static", StaticToken::bearer(AccessToken::new("t"))),
        );
        let s = p.login().await.unwrap();
        assert_eq!(s.token().expose_secret(), "t");
        assert_eq!(p.name(), "static");
    }
}
