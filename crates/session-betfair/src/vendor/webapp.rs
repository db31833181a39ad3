//! The vendor web-app OAuth session: an access token (plus refresh token) obtained with the
//! Accounts API `token` operation, managed like any other session.
//!
//! The first login exchanges the authorisation code the customer's browser brought back
//! (`AUTHORIZATION_CODE` grant); renewal, and any later login, uses the refresh token
//! (`REFRESH_TOKEN` grant). Each `token` call is made with the vendor's own SSO session and app
//! key, taken from a [`SessionSource`] (typically the vendor's [`SessionManager`](session_core::SessionManager)).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use http::HeaderMap;
use http::header::AUTHORIZATION;
use session_core::http::HttpResponse;
use session_core::{
    AccessToken, AppKey, ClientCredentials, Clock, Error, ErrorKind, Expiry, PersistedSession,
    RefreshToken, RenewPolicy, Renewal, Result, Session, SessionProvider, SystemClock,
    sensitive_value,
};

use super::{
    AccountsAuth, AccountsClient, AuthorisationCode, SessionSource, Sourced, TokenGrant, TokenType,
    VendorAccessToken,
};
use crate::error::NAME;
use crate::provider::BetfairSession;
use crate::wire::X_APPLICATION;

/// How long an access token is assumed to live when the answer has no `expires_in` (Betfair's
/// example answer says 14,400 seconds).
const DEFAULT_TTL: Duration = Duration::from_secs(4 * 3600);

/// A customer's web-app session held by the vendor: the access token for calls on the customer's
/// behalf, the refresh token that renews it, the customer's vendor client id, and the vendor's
/// app key.
///
/// [`authenticate`](Session::authenticate) sets `Authorization: BEARER <access token>` and
/// `X-Application: <vendor app key>`, both marked sensitive. `Debug` shows no secret.
#[derive(Clone)]
pub struct WebAppSession {
    access_token: AccessToken,
    refresh_token: Option<RefreshToken>,
    token_type: TokenType,
    vendor_client_id: Option<String>,
    app_key: AppKey,
    expiry: Expiry,
}

impl fmt::Debug for WebAppSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebAppSession")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("token_type", &self.token_type)
            .field("vendor_client_id", &self.vendor_client_id)
            .field("app_key", &self.app_key)
            .field("expiry", &self.expiry)
            .finish()
    }
}

impl WebAppSession {
    /// The access token (secret).
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The refresh token, when Betfair issued one.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The token type (`BEARER`).
    pub fn token_type(&self) -> &TokenType {
        &self.token_type
    }

    /// The customer's vendor client id, when the answer carried one.
    pub fn vendor_client_id(&self) -> Option<&str> {
        self.vendor_client_id.as_deref()
    }

    fn bearer(&self) -> Option<http::HeaderValue> {
        sensitive_value(&format!("BEARER {}", self.access_token.expose_secret()))
    }
}

impl Session for WebAppSession {
    fn expiry(&self) -> Expiry {
        self.expiry
    }

    fn authenticate(&self, headers: &mut HeaderMap) {
        self.accounts_headers(headers, true);
    }
}

impl AccountsAuth for WebAppSession {
    fn app_key(&self) -> &AppKey {
        &self.app_key
    }

    fn accounts_headers(&self, headers: &mut HeaderMap, with_app_key: bool) {
        if let Some(v) = self.bearer() {
            headers.insert(AUTHORIZATION, v);
        }
        if with_app_key && let Some(v) = sensitive_value(self.app_key.expose_secret()) {
            headers.insert(X_APPLICATION, v);
        }
    }
}

#[derive(Default)]
struct Grants {
    code: Option<AuthorisationCode>,
    refresh: Option<RefreshToken>,
}

/// Builds a [`WebAppProvider`]. Start with [`WebAppProvider::builder`].
pub struct WebAppBuilder {
    client: AccountsClient,
    vendor: Arc<dyn SessionSource<Session = BetfairSession>>,
    credentials: ClientCredentials,
    grants: Grants,
    clock: Arc<dyn Clock>,
    default_ttl: Duration,
    label: String,
}

impl fmt::Debug for WebAppBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebAppBuilder")
            .field("client", &self.client)
            .field("credentials", &self.credentials)
            .field("code", &self.grants.code.is_some())
            .field("refresh_token", &self.grants.refresh.is_some())
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl WebAppBuilder {
    /// The authorisation code the customer's browser brought back (single use, valid for 10
    /// minutes): the first login exchanges it.
    #[must_use]
    pub fn authorization_code(mut self, code: AuthorisationCode) -> Self {
        self.grants.code = Some(code);
        self
    }

    /// A refresh token from an earlier exchange: logins use it when there is no code.
    #[must_use]
    pub fn refresh_token(mut self, token: RefreshToken) -> Self {
        self.grants.refresh = Some(token);
        self
    }

    session_core::http_option_methods!(clock);

    /// The access token's lifetime when the answer has no `expires_in` (default 4 hours).
    #[must_use]
    pub fn default_ttl(mut self, ttl: Duration) -> Self {
        self.default_ttl = ttl;
        self
    }

    /// A non-secret label naming the customer (for example your own user id), added to the
    /// [`store_key`](SessionProvider::store_key) so each customer's session is stored apart.
    #[must_use]
    pub fn store_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Checks the configuration and builds the provider. No request is made.
    pub fn build(self) -> Result<WebAppProvider> {
        if self.credentials.client_id.trim().is_empty() {
            return Err(Error::configuration(NAME, "the vendor id is empty"));
        }
        if self.credentials.client_secret.is_empty() {
            return Err(Error::configuration(NAME, "the vendor secret is empty"));
        }
        if self.grants.code.is_none() && self.grants.refresh.is_none() {
            return Err(Error::configuration(
                NAME,
                "configure an authorisation code or a refresh token",
            ));
        }
        if self.default_ttl < Duration::from_secs(2) {
            return Err(Error::configuration(
                NAME,
                "the access token lifetime must be at least 2 seconds",
            ));
        }
        Ok(WebAppProvider {
            client: self.client,
            vendor: self.vendor,
            credentials: self.credentials,
            grants: Mutex::new(self.grants),
            clock: self.clock,
            default_ttl: self.default_ttl,
            label: self.label,
        })
    }
}

/// Manages a customer's vendor web-app OAuth session (a [`SessionProvider`]): login exchanges
/// the authorisation code (or, later, the refresh token) with the `token` operation, renewal
/// uses the `REFRESH_TOKEN` grant and yields a new [`WebAppSession`].
///
/// Logout only drops the session locally: ending the customer's authorisation is the customer's
/// own call ([`AccountsClient::revoke_access_to_web_app`]).
pub struct WebAppProvider {
    client: AccountsClient,
    vendor: Arc<dyn SessionSource<Session = BetfairSession>>,
    credentials: ClientCredentials,
    grants: Mutex<Grants>,
    clock: Arc<dyn Clock>,
    default_ttl: Duration,
    label: String,
}

impl fmt::Debug for WebAppProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebAppProvider")
            .field("client", &self.client)
            .field("vendor_id", &self.credentials.client_id)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// The vendor session already acquired for one `token` call: the call sends it, and a
/// rejection is passed on to the real source (invalidating the vendor's lease).
struct Pinned<'a> {
    sourced: &'a Sourced<BetfairSession>,
    inner: &'a dyn SessionSource<Session = BetfairSession>,
}

#[async_trait]
impl SessionSource for Pinned<'_> {
    type Session = BetfairSession;

    async fn acquire(&self) -> Result<Sourced<BetfairSession>> {
        Ok(self.sourced.clone())
    }

    fn reject(&self, rejected: &Sourced<BetfairSession>) -> bool {
        self.inner.reject(rejected)
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }
}

impl WebAppProvider {
    /// A builder: `client` makes the calls, `vendor` gives the vendor's SSO session (with the
    /// vendor app key), `credentials` are the vendor id (`client_id`) and vendor secret
    /// (`client_secret`).
    pub fn builder(
        client: AccountsClient,
        vendor: impl SessionSource<Session = BetfairSession> + 'static,
        credentials: ClientCredentials,
    ) -> WebAppBuilder {
        WebAppBuilder {
            client,
            vendor: Arc::new(vendor),
            credentials,
            grants: Grants::default(),
            clock: Arc::new(SystemClock),
            default_ttl: DEFAULT_TTL,
            label: String::new(),
        }
    }

    /// The vendor id (`client_id`).
    pub fn vendor_id(&self) -> &str {
        &self.credentials.client_id
    }

    /// Gives the provider a new authorisation code (the customer authorised the app again); the
    /// next login exchanges it. Call [`SessionManager::reset`](session_core::SessionManager::reset)
    /// if the manager remembered a failed login.
    pub fn set_authorisation_code(&self, code: AuthorisationCode) {
        self.lock().code = Some(code);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Grants> {
        self.grants.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn exchange(&self, grant: &TokenGrant) -> Result<WebAppSession> {
        let sourced = self.vendor.acquire().await?;
        let app_key = sourced.session().app_key().clone();
        let pinned = Pinned {
            sourced: &sourced,
            inner: &*self.vendor,
        };
        let answer = self.client.token(&pinned, &self.credentials, grant).await?;
        let previous = match grant {
            TokenGrant::RefreshToken(r) => Some(r.clone()),
            TokenGrant::AuthorizationCode(_) => None,
        };
        Ok(self.session_from(answer, app_key, previous))
    }

    fn session_from(
        &self,
        answer: VendorAccessToken,
        app_key: AppKey,
        previous: Option<RefreshToken>,
    ) -> WebAppSession {
        let ttl = answer
            .expires_in
            .map(Duration::from_secs)
            .unwrap_or(self.default_ttl);
        let vendor_client_id = answer.vendor_client_id().map(str::to_owned);
        let refresh_token = answer.refresh_token.or(previous);
        if let Some(r) = &refresh_token {
            self.lock().refresh = Some(r.clone());
        }
        WebAppSession {
            access_token: answer.access_token,
            refresh_token,
            token_type: answer.token_type,
            vendor_client_id,
            app_key,
            expiry: Expiry::after(self.clock.now(), ttl),
        }
    }
}

/// Whether a failed code exchange used the code up (so it must not be tried again).
fn code_spent(e: &Error) -> bool {
    e.code()
        .is_some_and(|c| c.eq_ignore_ascii_case("INVALID_AUTH_CODE"))
}

#[async_trait]
impl SessionProvider for WebAppProvider {
    type Session = WebAppSession;

    fn name(&self) -> &'static str {
        NAME
    }

    #[tracing::instrument(name = "betfair.webapp.login", skip_all, fields(provider = NAME))]
    async fn login(&self) -> Result<WebAppSession> {
        let grant = {
            let mut grants = self.lock();
            if let Some(code) = grants.code.take() {
                TokenGrant::AuthorizationCode(code)
            } else if let Some(refresh) = grants.refresh.clone() {
                TokenGrant::RefreshToken(refresh)
            } else {
                return Err(Error::new(
                    ErrorKind::InvalidCredentials,
                    NAME,
                    "the web app needs a new authorisation code",
                ));
            }
        };
        let result = self.exchange(&grant).await;
        if let (TokenGrant::AuthorizationCode(code), Err(e)) = (&grant, &result)
            && !code_spent(e)
        {
            // Not used up (a wrong secret, a busy server, a rejected vendor session): keep it
            // for the next attempt, unless a newer code arrived meanwhile.
            let mut grants = self.lock();
            if grants.code.is_none() {
                grants.code = Some(code.clone());
            }
        }
        result
    }

    #[tracing::instrument(name = "betfair.webapp.refresh", skip_all, fields(provider = NAME))]
    async fn renew(&self, session: &WebAppSession) -> Result<Renewal<WebAppSession>> {
        let refresh = match session.refresh_token.clone() {
            Some(r) => r,
            None => match self.lock().refresh.clone() {
                Some(r) => r,
                None => return Ok(Renewal::Unsupported),
            },
        };
        let renewed = self.exchange(&TokenGrant::RefreshToken(refresh)).await?;
        Ok(Renewal::Renewed(renewed))
    }

    fn policy(&self) -> RenewPolicy {
        RenewPolicy::default()
            .with_default_ttl(self.default_ttl)
            .with_buffer(Duration::from_secs(5 * 60))
            .with_jitter(Duration::from_secs(30))
    }

    fn store_key(&self) -> String {
        format!(
            "{NAME}:webapp:{}:{}:{}",
            self.client.api_url(),
            self.credentials.client_id,
            self.label
        )
    }

    fn persist(&self, session: &WebAppSession) -> Option<PersistedSession> {
        Some(
            PersistedSession::writer()
                .secret("access_token", session.access_token.expose_secret())
                .secret(
                    "refresh_token",
                    session.refresh_token.as_ref().map(|t| t.expose_secret()),
                )
                .field("token_type", session.token_type.as_str())
                .field("vendor_client_id", &session.vendor_client_id)
                .secret("app_key", session.app_key.expose_secret())
                .finish(session.expiry.deadline()),
        )
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<WebAppSession> {
        let mut s = persisted.reader(NAME)?;
        let session = WebAppSession {
            access_token: s.secret("access_token")?,
            refresh_token: s.opt_secret("refresh_token")?,
            token_type: s
                .field::<Option<String>>("token_type")?
                .as_deref()
                .map_or(TokenType::Bearer, TokenType::parse),
            vendor_client_id: s.field("vendor_client_id")?,
            app_key: s.field("app_key")?,
            expiry: persisted.expiry_or(|| Expiry::after(self.clock.now(), self.default_ttl)),
        };
        if let Some(r) = &session.refresh_token {
            let mut grants = self.lock();
            if grants.refresh.is_none() {
                grants.refresh = Some(r.clone());
            }
        }
        Ok(session)
    }

    fn is_rejection(&self, response: &HttpResponse) -> bool {
        crate::wire::is_session_rejection(response)
    }
}
