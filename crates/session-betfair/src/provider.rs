//! The Betfair identity provider and its session.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use http::HeaderMap;
use session_core::LoginGuard;
use session_core::http::{HttpClient, HttpResponse};
use session_core::{
    AppKey, Clock, Error, ErrorKind, Expiry, Password, PersistedSession, RenewPolicy, Renewal,
    Result, Session, SessionProvider, SessionToken, sensitive_value,
};
use url::Url;

use crate::config::{BetfairBuilder, Jurisdiction, TwoFactorCode};
use crate::error::{LOGIN_BAN, NAME};
use crate::wire;

/// How a session was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginMethod {
    /// The interactive API endpoint (`/login`).
    Interactive,
    /// Certificate login (`/certlogin`).
    Certificate,
    /// A stored token validated with a keepAlive, or restored from a session store.
    Resumed,
}

/// A Betfair SSO session: the token, the app key it goes with, and where it came from.
///
/// [`authenticate`](Session::authenticate) sets `X-Application` and `X-Authentication` (both
/// marked sensitive), which is what every API-NG call needs. `Debug` never shows the token or
/// the app key.
#[derive(Clone)]
pub struct BetfairSession {
    token: SessionToken,
    app_key: AppKey,
    identity_url: Url,
    jurisdiction: Jurisdiction,
    limited: Option<String>,
    method: LoginMethod,
    expiry: Expiry,
}

impl fmt::Debug for BetfairSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BetfairSession")
            .field("token", &self.token)
            .field("app_key", &self.app_key)
            .field("jurisdiction", &self.jurisdiction)
            .field("method", &self.method)
            .field("limited", &self.limited)
            .field("expiry", &self.expiry)
            .finish()
    }
}

impl BetfairSession {
    /// The SSO token (secret; send it only to Betfair).
    pub fn token(&self) -> &SessionToken {
        &self.token
    }

    /// The app key the session was obtained with.
    pub fn app_key(&self) -> &AppKey {
        &self.app_key
    }

    /// The jurisdiction whose identity host issued the session.
    pub fn jurisdiction(&self) -> Jurisdiction {
        self.jurisdiction
    }

    /// The identity base URL that keepAlive and logout for this session go to.
    pub fn identity_url(&self) -> &Url {
        &self.identity_url
    }

    /// How the session was obtained.
    pub fn method(&self) -> LoginMethod {
        self.method
    }

    /// For a `LIMITED_ACCESS` login (the account can log in but not, say, bet): the reason code,
    /// such as `PENDING_AUTH` or `KYC_SUSPEND` (`LIMITED_ACCESS` when Betfair gave none).
    pub fn limited_access(&self) -> Option<&str> {
        self.limited.as_deref()
    }

    /// Whether the login was `LIMITED_ACCESS`.
    pub fn is_limited(&self) -> bool {
        self.limited.is_some()
    }
}

impl Session for BetfairSession {
    fn expiry(&self) -> Expiry {
        self.expiry
    }

    fn authenticate(&self, headers: &mut HeaderMap) {
        if let Some(v) = sensitive_value(self.app_key.expose_secret()) {
            headers.insert(wire::X_APPLICATION, v);
        }
        if let Some(v) = sensitive_value(self.token.expose_secret()) {
            headers.insert(wire::X_AUTHENTICATION, v);
        }
    }
}

type TwoFactorFn = Arc<dyn Fn() -> Option<TwoFactorCode> + Send + Sync>;

pub(crate) enum LoginKind {
    Interactive { two_factor: Option<TwoFactorFn> },
    Certificate { http: HttpClient, source: String },
}

pub(crate) struct Credentials {
    pub(crate) username: String,
    pub(crate) password: Password,
    pub(crate) kind: LoginKind,
}

pub(crate) struct Inner {
    pub(crate) app_key: AppKey,
    pub(crate) jurisdiction: Jurisdiction,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) identity_url: Url,
    pub(crate) cert_url: Url,
    pub(crate) lifetime: Duration,
    pub(crate) keep_alive: Option<Duration>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) http: HttpClient,
    pub(crate) resume: Option<SessionToken>,
}

/// Logs in to Betfair's identity SSO (interactive or certificate), keeps sessions alive with
/// keepAlive and logs them out. Build with [`BetfairProvider::builder`]; hand it to a
/// [`SessionManager`](session_core::SessionManager).
///
/// Besides the manager's own login guard, the provider remembers a
/// `TEMPORARY_BAN_TOO_MANY_REQUESTS` ban itself: inside the 20-minute window its
/// [`login`](SessionProvider::login) fails locally with
/// [`ErrorKind::RateLimited`] and sends nothing.
pub struct BetfairProvider {
    inner: Inner,
    /// The 20-minute login ban, kept by the core's guard (bans only: final failures are the
    /// manager's to remember).
    guard: LoginGuard,
    resume: Mutex<Option<SessionToken>>,
}

impl fmt::Debug for BetfairProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.inner;
        f.debug_struct("BetfairProvider")
            .field("jurisdiction", &p.jurisdiction)
            .field("identity_url", &p.identity_url.as_str())
            .field(
                "username",
                &p.credentials.as_ref().map(|c| c.username.as_str()),
            )
            .field(
                "method",
                &p.credentials.as_ref().map(|c| match &c.kind {
                    LoginKind::Interactive { .. } => LoginMethod::Interactive,
                    LoginKind::Certificate { .. } => LoginMethod::Certificate,
                }),
            )
            .field(
                "certificate",
                &p.credentials.as_ref().and_then(|c| match &c.kind {
                    LoginKind::Certificate { source, .. } => Some(source.as_str()),
                    LoginKind::Interactive { .. } => None,
                }),
            )
            .field("lifetime", &p.lifetime)
            .finish_non_exhaustive()
    }
}

impl BetfairProvider {
    /// Starts a builder for an application identified by `app_key` (`X-Application`).
    pub fn builder(app_key: impl Into<AppKey>) -> BetfairBuilder {
        BetfairBuilder::new(app_key.into())
    }

    pub(crate) fn from_inner(mut inner: Inner) -> Self {
        let resume = inner.resume.take();
        Self {
            inner,
            guard: LoginGuard::bans_only(LOGIN_BAN),
            resume: Mutex::new(resume),
        }
    }

    /// The jurisdiction.
    pub fn jurisdiction(&self) -> Jurisdiction {
        self.inner.jurisdiction
    }

    /// The identity base URL (interactive login, keepAlive, logout).
    pub fn identity_url(&self) -> &Url {
        &self.inner.identity_url
    }

    /// The certificate-login base URL.
    pub fn cert_url(&self) -> &Url {
        &self.inner.cert_url
    }

    /// The assumed session lifetime.
    pub fn session_lifetime(&self) -> Duration {
        self.inner.lifetime
    }

    /// The username, when credentials are configured.
    pub fn username(&self) -> Option<&str> {
        self.inner.credentials.as_ref().map(|c| c.username.as_str())
    }

    /// Until when logins are refused locally after `TEMPORARY_BAN_TOO_MANY_REQUESTS`.
    pub fn banned_until(&self) -> Option<SystemTime> {
        self.guard.banned_until(self.inner.clock.now())
    }

    fn fresh_expiry(&self) -> Expiry {
        Expiry::after(self.inner.clock.now(), self.inner.lifetime)
    }

    fn session(
        &self,
        token: SessionToken,
        limited: Option<String>,
        method: LoginMethod,
    ) -> BetfairSession {
        BetfairSession {
            token,
            app_key: self.inner.app_key.clone(),
            identity_url: self.inner.identity_url.clone(),
            jurisdiction: self.inner.jurisdiction,
            limited,
            method,
            expiry: self.fresh_expiry(),
        }
    }

    /// Builds a session from a stored token and validates it with one keepAlive. Fails with
    /// [`ErrorKind::SessionRejected`] when Betfair no longer accepts the token.
    #[tracing::instrument(name = "betfair.resume", skip_all, fields(provider = NAME))]
    pub async fn resume(&self, token: SessionToken) -> Result<BetfairSession> {
        let session = self.session(token, None, LoginMethod::Resumed);
        let token = self.keep_alive(&session).await?;
        Ok(BetfairSession {
            token: token.unwrap_or(session.token),
            expiry: self.fresh_expiry(),
            ..session
        })
    }

    /// Sends a keepAlive for `session`; `Some(token)` when the answer carries a token other than
    /// the one sent, which then replaces it (as betfairlightweight does).
    async fn keep_alive(&self, session: &BetfairSession) -> Result<Option<SessionToken>> {
        let request =
            wire::keep_alive_request(&session.identity_url, &session.app_key, &session.token)?;
        let response = self.inner.http.send(request).await?;
        let answered = wire::parse_session_call("keepalive", &response)?;
        Ok(answered.filter(|t| t.expose_secret() != session.token.expose_secret()))
    }

    fn check_ban(&self) -> Result<()> {
        self.guard
            .check(NAME, self.inner.clock.now())
            .map_err(|e| e.with_code("TEMPORARY_BAN_TOO_MANY_REQUESTS"))
    }

    fn note_failure(&self, e: &Error) {
        self.guard.record(e, self.inner.clock.now());
    }

    async fn login_with(&self, credentials: &Credentials) -> Result<BetfairSession> {
        self.check_ban()?;
        let p = &self.inner;
        let (request, http, method) = match &credentials.kind {
            LoginKind::Interactive { two_factor } => {
                let code = two_factor.as_ref().and_then(|f| f());
                let password = match code {
                    Some(code) => Password::new(format!(
                        "{}{}",
                        credentials.password.expose_secret(),
                        code.expose_secret().trim()
                    )),
                    None => credentials.password.clone(),
                };
                let request = wire::login_request(
                    &p.identity_url,
                    &p.app_key,
                    &credentials.username,
                    &password,
                )?;
                (request, &p.http, LoginMethod::Interactive)
            }
            LoginKind::Certificate { http, .. } => {
                let request = wire::cert_login_request(
                    &p.cert_url,
                    &p.app_key,
                    &credentials.username,
                    &credentials.password,
                )?;
                (request, http, LoginMethod::Certificate)
            }
        };
        let result = match http.send(request).await {
            Ok(response) => wire::parse_login(&response),
            Err(e) => Err(e),
        };
        match result {
            Ok(outcome) => Ok(self.session(outcome.token, outcome.limited, method)),
            Err(e) => {
                self.note_failure(&e);
                Err(e)
            }
        }
    }
}

#[async_trait]
impl SessionProvider for BetfairProvider {
    type Session = BetfairSession;

    fn name(&self) -> &'static str {
        NAME
    }

    #[tracing::instrument(name = "betfair.login", skip_all, fields(provider = NAME))]
    async fn login(&self) -> Result<BetfairSession> {
        let stored = self.resume.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(token) = stored {
            match self.resume(token.clone()).await {
                Ok(session) => return Ok(session),
                Err(e) if e.kind() == ErrorKind::SessionRejected => {
                    tracing::debug!(provider = NAME, "stored session rejected; logging in");
                    if self.inner.credentials.is_none() {
                        return Err(e);
                    }
                }
                Err(e) => {
                    // The token may still be good: keep it for the next attempt.
                    *self.resume.lock().unwrap_or_else(|p| p.into_inner()) = Some(token);
                    return Err(e);
                }
            }
        }
        match &self.inner.credentials {
            Some(credentials) => self.login_with(credentials).await,
            None => Err(Error::configuration(
                NAME,
                "no credentials configured to log in with",
            )),
        }
    }

    #[tracing::instrument(name = "betfair.keep_alive", skip_all, fields(provider = NAME))]
    async fn renew(&self, session: &BetfairSession) -> Result<Renewal<BetfairSession>> {
        Ok(match self.keep_alive(session).await? {
            // A different token in the answer replaces the one the session had.
            Some(token) => Renewal::Renewed(BetfairSession {
                token,
                expiry: self.fresh_expiry(),
                ..session.clone()
            }),
            None => Renewal::Extended(self.fresh_expiry()),
        })
    }

    #[tracing::instrument(name = "betfair.logout", skip_all, fields(provider = NAME))]
    async fn logout(&self, session: &BetfairSession) -> Result<()> {
        let request =
            wire::logout_request(&session.identity_url, &session.app_key, &session.token)?;
        let response = self.inner.http.send(request).await?;
        match wire::parse_session_call("logout", &response) {
            Ok(_) => Ok(()),
            // Already gone upstream: that is logged out too.
            Err(e) if e.kind() == ErrorKind::SessionRejected => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn policy(&self) -> RenewPolicy {
        let life = self.inner.lifetime;
        // Renewed between 50 % and 60 % of the way through its life; keepAlive every half life.
        RenewPolicy::default()
            .with_keep_alive(self.inner.keep_alive)
            .with_default_ttl(life)
            .with_buffer(life * 2 / 5)
            .with_jitter(life / 10)
    }

    fn store_key(&self) -> String {
        format!(
            "{NAME}:{}:{}",
            self.inner.identity_url,
            self.username().unwrap_or("")
        )
    }

    fn persist(&self, session: &BetfairSession) -> Option<PersistedSession> {
        let method = match session.method {
            LoginMethod::Interactive => "interactive",
            LoginMethod::Certificate => "certificate",
            LoginMethod::Resumed => "resumed",
        };
        Some(
            PersistedSession::writer()
                .secret("token", session.token.expose_secret())
                .field("limited", &session.limited)
                .field("method", method)
                .finish(session.expiry.deadline()),
        )
    }

    /// Rebuilds a stored session. The token is only ever sent to this provider's own identity
    /// host, whatever the store holds.
    fn restore(&self, persisted: &PersistedSession) -> Result<BetfairSession> {
        let mut s = persisted.reader(NAME)?;
        let method = match s.field::<Option<String>>("method")?.as_deref() {
            Some("interactive") => LoginMethod::Interactive,
            Some("certificate") => LoginMethod::Certificate,
            _ => LoginMethod::Resumed,
        };
        let mut session = self.session(s.secret("token")?, s.field("limited")?, method);
        session.expiry = persisted.expiry_or(|| self.fresh_expiry());
        Ok(session)
    }

    /// A stored token may have been logged out or expired elsewhere: the manager checks it with
    /// one keepAlive before handing it out.
    fn validate_restored(&self) -> bool {
        true
    }

    fn is_rejection(&self, response: &HttpResponse) -> bool {
        wire::is_session_rejection(response)
    }
}
