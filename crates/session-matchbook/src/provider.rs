//! The Matchbook provider and its session.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use http::{HeaderMap, Method};
use session_core::http::{HttpClient, HttpResponse, join_segments};
use session_core::{
    Clock, Expiry, PersistedSession, RenewPolicy, Renewal, Result, Session, SessionProvider,
    SessionToken, UsernamePassword,
};
use url::Url;

#[cfg(doc)]
use crate::config::DEFAULT_BASE_URL;
use crate::config::{MatchbookBuilder, MfaSource};
use crate::error::NAME;
use crate::wire::{self, SESSION_HEADER};

/// A Matchbook session: the `session-token`, the user id and the assumed expiry.
///
/// [`Session::authenticate`] adds `session-token: <token>` (a sensitive header value).
#[derive(Clone)]
pub struct MatchbookSession {
    token: SessionToken,
    user_id: Option<u64>,
    expiry: Expiry,
}

impl fmt::Debug for MatchbookSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MatchbookSession")
            .field("token", &self.token)
            .field("user_id", &self.user_id)
            .field("expiry", &self.expiry)
            .finish()
    }
}

impl MatchbookSession {
    /// A session from a token obtained elsewhere, expiring at `expiry`.
    pub fn new(token: impl Into<SessionToken>, user_id: Option<u64>, expiry: Expiry) -> Self {
        let token = token.into();
        Self {
            token,
            user_id,
            expiry,
        }
    }

    /// The session token.
    pub fn token(&self) -> &SessionToken {
        &self.token
    }

    /// The user id Matchbook returned with the session, when it did.
    pub fn user_id(&self) -> Option<u64> {
        self.user_id
    }
}

impl Session for MatchbookSession {
    fn expiry(&self) -> Expiry {
        self.expiry
    }

    fn authenticate(&self, headers: &mut HeaderMap) {
        if let Some(value) = session_core::sensitive_value(self.token.expose_secret()) {
            headers.insert(SESSION_HEADER, value);
        }
    }
}

/// Logs in to Matchbook (`POST {base}/bpapi/rest/security/session`), checks the session as its
/// renewal (`GET`), and logs out (`DELETE`). Cheap to clone. Build with
/// [`MatchbookProvider::builder`].
#[derive(Clone)]
pub struct MatchbookProvider {
    inner: Arc<Inner>,
}

/// A provider's checked configuration, made by [`MatchbookBuilder::build`].
pub(crate) struct Inner {
    pub(crate) base_url: Url,
    pub(crate) session_url: Url,
    pub(crate) credentials: UsernamePassword,
    pub(crate) mfa: Option<MfaSource>,
    pub(crate) policy: RenewPolicy,
    pub(crate) http: HttpClient,
    pub(crate) clock: Arc<dyn Clock>,
}

impl fmt::Debug for MatchbookProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MatchbookProvider")
            .field("base_url", &self.inner.base_url.as_str())
            .field("username", &self.inner.credentials.username)
            .field("mfa", &self.inner.mfa.is_some())
            .finish_non_exhaustive()
    }
}

impl MatchbookProvider {
    /// Starts configuring a provider for `base_url`, the part before `/bpapi` and `/edge`:
    /// [`DEFAULT_BASE_URL`] in production, the older `https://www.matchbook.com`, a simulator.
    pub fn builder(base_url: impl Into<String>) -> MatchbookBuilder {
        MatchbookBuilder::new(base_url.into())
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        let inner = Arc::new(inner);
        Self { inner }
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// `{base}/edge/rest/{path}`, an API endpoint such as `account` or `events`.
    pub fn api_url(&self, path: &str) -> Url {
        let mut segments = vec!["edge", "rest"];
        segments.extend(path.split('/').filter(|s| !s.is_empty()));
        join_segments(&self.inner.base_url, &segments)
    }

    fn session_at(
        &self,
        token: SessionToken,
        user_id: Option<u64>,
        at: SystemTime,
    ) -> MatchbookSession {
        MatchbookSession::new(
            token,
            user_id,
            Expiry::after(at, self.inner.policy.default_ttl),
        )
    }

    async fn call(&self, method: Method, session: &MatchbookSession) -> Result<HttpResponse> {
        let request = wire::session_request(method, &self.inner.session_url, &session.token)?;
        self.inner.http.send(request).await
    }
}

#[async_trait]
impl SessionProvider for MatchbookProvider {
    type Session = MatchbookSession;

    fn name(&self) -> &'static str {
        NAME
    }

    #[tracing::instrument(name = "matchbook.login", skip_all, fields(provider = NAME))]
    async fn login(&self) -> Result<MatchbookSession> {
        let inner = &self.inner;
        let mfa = inner.mfa.as_ref().and_then(|source| source());
        let mfa = mfa.as_ref().map(|code| code.expose_secret());
        let request = wire::login_request(&inner.session_url, &inner.credentials, mfa)?;
        let response = inner.http.send(request).await?;
        let received = inner.clock.now();
        let answer = wire::parse_login(&response)?;
        let user_id = answer.user_id();
        Ok(self.session_at(answer.token, user_id, received))
    }

    /// Checks the session (`GET`): live extends the assumed expiry by the default lifetime from
    /// now; 401 is [`SessionRejected`](session_core::ErrorKind::SessionRejected), so the manager
    /// logs in again.
    #[tracing::instrument(name = "matchbook.renew", skip_all, fields(provider = NAME))]
    async fn renew(&self, session: &MatchbookSession) -> Result<Renewal<MatchbookSession>> {
        let response = self.call(Method::GET, session).await?;
        let received = self.inner.clock.now();
        wire::parse_check(&response)?;
        Ok(Renewal::Extended(Expiry::after(
            received,
            self.inner.policy.default_ttl,
        )))
    }

    #[tracing::instrument(name = "matchbook.logout", skip_all, fields(provider = NAME))]
    async fn logout(&self, session: &MatchbookSession) -> Result<()> {
        wire::parse_logout(&self.call(Method::DELETE, session).await?)
    }

    fn policy(&self) -> RenewPolicy {
        self.inner.policy
    }

    fn store_key(&self) -> String {
        let i = &self.inner;
        format!("{NAME}:{}:{}", i.base_url, i.credentials.username)
    }

    fn persist(&self, session: &MatchbookSession) -> Option<PersistedSession> {
        let state = PersistedSession::writer()
            .secret("token", session.token.expose_secret())
            .field("user_id", session.user_id);
        Some(state.finish(session.expiry.deadline()))
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<MatchbookSession> {
        let mut r = persisted.reader(NAME)?;
        let token: SessionToken = r.secret("token")?;
        Ok(MatchbookSession::new(
            token,
            r.field("user_id")?,
            persisted.expiry(),
        ))
    }

    fn is_rejection(&self, response: &HttpResponse) -> bool {
        wire::is_rejection(response)
    }
}
