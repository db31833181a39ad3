//! The Seaware provider, its session, and [`authorize`] for outgoing OTA requests.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use async_trait::async_trait;
use http::HeaderMap;
use session_core::http::{HttpClient, HttpResponse};
use session_core::oauth::{OAuthSession, Placement, TokenResponse};
use session_core::{
    AccessToken, ClientCredentials, Clock, Error, Expiry, Gateway, Lease, PersistedSession,
    RefreshToken, RenewPolicy, Renewal, Result, Session, SessionManager, SessionProvider,
    UsernamePassword,
};
use url::Url;

use crate::config::{ExtraHeaders, RenewalMode, SeawareBuilder, SessionMode};
use crate::error::NAME;
use crate::wire;

/// A SwOTA session: an OAuth bearer access token (with its refresh token, scope and expiry), or
/// nothing at all in [`SessionMode::SessionLess`].
///
/// [`Session::authenticate`] adds `Authorization: Bearer <access_token>` (a sensitive header
/// value) and adds nothing for a session-less session.
#[derive(Clone)]
pub struct SeawareSession {
    oauth: Option<OAuthSession>,
}

impl fmt::Debug for SeawareSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.oauth {
            Some(oauth) => f
                .debug_struct("SeawareSession")
                .field("access_token", &oauth.access_token)
                .field("refresh_token", &oauth.refresh_token)
                .field(
                    "scope",
                    &oauth
                        .scope
                        .as_deref()
                        .map(session_core::UpstreamText::words),
                )
                .field("expiry", &oauth.expiry)
                .finish(),
            None => f.write_str("SeawareSession(session-less)"),
        }
    }
}

impl SeawareSession {
    /// A session-less "session": sends no credentials and never expires.
    pub fn session_less() -> Self {
        Self { oauth: None }
    }

    /// A session holding `oauth`'s bearer token.
    pub fn from_oauth(oauth: OAuthSession) -> Self {
        Self { oauth: Some(oauth) }
    }

    /// Whether this is a session-less session.
    pub fn is_session_less(&self) -> bool {
        self.oauth.is_none()
    }

    /// The OAuth session, unless session-less.
    pub fn oauth(&self) -> Option<&OAuthSession> {
        self.oauth.as_ref()
    }

    /// The bearer access token, unless session-less.
    pub fn access_token(&self) -> Option<&AccessToken> {
        self.oauth.as_ref().map(|o| &o.access_token)
    }

    /// The refresh token, when the server issued one.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.oauth.as_ref().and_then(|o| o.refresh_token.as_ref())
    }

    /// The scope the server granted, when it said.
    pub fn scope(&self) -> Option<&str> {
        self.oauth.as_ref().and_then(|o| o.scope.as_deref())
    }
}

impl Session for SeawareSession {
    fn expiry(&self) -> Expiry {
        self.oauth.as_ref().map_or(Expiry::Never, |o| o.expiry)
    }

    fn authenticate(&self, headers: &mut HeaderMap) {
        if let Some(oauth) = &self.oauth {
            oauth.authenticate(headers);
        }
    }
}

/// Logs in to Seaware SwOTA (`POST {base}/ota/oauth/token`, password grant), renews with the
/// refresh-token grant or a new login, and logs out (`POST {base}/ota/oauth/logout`).
///
/// Cheap to clone; clones share the HTTP client and what the provider learned about the server
/// (whether it supports the refresh grant). Build with [`SeawareProvider::builder`].
#[derive(Clone)]
pub struct SeawareProvider {
    inner: Arc<Inner>,
}

/// A provider's checked configuration and what it learned about the server, made by
/// [`SeawareBuilder::build`].
pub(crate) struct Inner {
    pub(crate) base_url: Url,
    pub(crate) token_url: Url,
    pub(crate) logout_url: Url,
    pub(crate) credentials: Option<UsernamePassword>,
    pub(crate) client: ClientCredentials,
    pub(crate) scope: Option<String>,
    pub(crate) placement: Placement,
    pub(crate) renewal: RenewalMode,
    pub(crate) mode: SessionMode,
    pub(crate) policy: RenewPolicy,
    pub(crate) gateway: Option<Gateway>,
    pub(crate) extra_headers: Option<ExtraHeaders>,
    pub(crate) http: HttpClient,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) refresh_unsupported: AtomicBool,
}

impl fmt::Debug for SeawareProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("SeawareProvider")
            .field("base_url", &i.base_url.as_str())
            .field(
                "username",
                &i.credentials.as_ref().map(|c| c.username.as_str()),
            )
            .field("client", &i.client)
            .field("scope", &i.scope)
            .field("placement", &i.placement)
            .field("renewal", &i.renewal)
            .field("mode", &i.mode)
            .field("gateway", &i.gateway)
            .finish_non_exhaustive()
    }
}

impl SeawareProvider {
    /// Starts configuring a provider for the deployment at `base_url`: the scheme, host and any
    /// reverse-proxy prefix *before* `/ota` (requests go to `{base_url}/ota/oauth/token`,
    /// `{base_url}/ota/oauth/logout` and `{base_url}/ota/rest/{Message}`).
    pub fn builder(base_url: impl Into<String>) -> SeawareBuilder {
        SeawareBuilder::new(base_url.into())
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The deployment's base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// `{base_url}/ota/rest/{message}`, the REST endpoint of an OTA message such as `OTA_PingRQ`.
    pub fn rest_url(&self, message: &str) -> Url {
        wire::rest_url(&self.inner.base_url, message)
    }

    /// Session or session-less.
    pub fn session_mode(&self) -> SessionMode {
        self.inner.mode
    }

    /// Where token request parameters go.
    pub fn placement(&self) -> Placement {
        self.inner.placement
    }

    /// How sessions are renewed.
    pub fn renewal_mode(&self) -> RenewalMode {
        self.inner.renewal
    }

    /// Whether the provider still tries the refresh grant: `false` in
    /// [`RenewalMode::LoginOnly`] and after the server answered `unsupported_grant_type`.
    pub fn refreshes(&self) -> bool {
        self.inner.renewal == RenewalMode::RefreshThenLogin
            && !self.inner.refresh_unsupported.load(Ordering::Acquire)
    }

    /// Adds the gateway's and the extra-headers hook's headers to `headers`. Any header that is
    /// already present, or `Authorization` while sessions are on, is refused with a
    /// [`Configuration`](session_core::ErrorKind::Configuration) error instead of being overwritten.
    pub async fn add_gateway_headers(&self, headers: &mut HeaderMap) -> Result<()> {
        let mut add = HeaderMap::new();
        if let Some(gateway) = &self.inner.gateway {
            add = gateway.headers().await?;
        }
        if let Some(hook) = &self.inner.extra_headers {
            let mut extra = HeaderMap::new();
            hook(&mut extra);
            for name in extra.keys() {
                if add.contains_key(name) {
                    return Err(Error::configuration(
                        NAME,
                        "extra headers collide with the gateway header",
                    ));
                }
            }
            for (name, value) in &extra {
                add.append(name.clone(), value.clone());
            }
        }
        for name in add.keys() {
            if self.inner.mode == SessionMode::Session && name == http::header::AUTHORIZATION {
                return Err(Error::configuration(
                    NAME,
                    "extra headers must not set authorization, which carries the session bearer",
                ));
            }
            if headers.contains_key(name) {
                return Err(Error::configuration(
                    NAME,
                    "gateway or extra headers collide with a header already set",
                ));
            }
        }
        for (name, value) in &add {
            headers.append(name.clone(), value.clone());
        }
        Ok(())
    }

    /// Adds everything a request authenticated with `session` needs: the gateway and extra headers
    /// (see [`add_gateway_headers`](Self::add_gateway_headers)), then the session bearer.
    pub async fn authorize_with(
        &self,
        session: &SeawareSession,
        headers: &mut HeaderMap,
    ) -> Result<()> {
        if !session.is_session_less() && headers.contains_key(http::header::AUTHORIZATION) {
            return Err(Error::configuration(
                NAME,
                "authorization is already set; the session bearer would replace it",
            ));
        }
        self.add_gateway_headers(headers).await?;
        session.authenticate(headers);
        Ok(())
    }

    fn session_from(
        &self,
        token: TokenResponse,
        received: SystemTime,
        previous_refresh: Option<&RefreshToken>,
    ) -> SeawareSession {
        let mut oauth = OAuthSession::from_response(token, received, self.inner.policy.default_ttl);
        if oauth.refresh_token.is_none() {
            oauth.refresh_token = previous_refresh.cloned();
        }
        SeawareSession::from_oauth(oauth)
    }

    async fn send(&self, mut request: http::Request<Vec<u8>>) -> Result<HttpResponse> {
        self.add_gateway_headers(request.headers_mut()).await?;
        self.inner.http.send(request).await
    }
}

/// Gets the managed session and prepares `headers` for an OTA request with it: gateway and extra
/// headers, then `Authorization: Bearer <access_token>` (nothing in session-less mode). Returns the
/// lease; when the response says the session was rejected
/// ([`SessionProvider::is_rejection`]), pass the lease to [`SessionManager::invalidate`].
pub async fn authorize(
    manager: &SessionManager<SeawareProvider>,
    headers: &mut HeaderMap,
) -> Result<Lease<SeawareSession>> {
    let lease = manager.get().await?;
    manager.provider().authorize_with(&lease, headers).await?;
    Ok(lease)
}

#[async_trait]
impl SessionProvider for SeawareProvider {
    type Session = SeawareSession;

    fn name(&self) -> &'static str {
        NAME
    }

    #[tracing::instrument(name = "seaware.login", skip_all, fields(provider = NAME))]
    async fn login(&self) -> Result<SeawareSession> {
        let inner = &self.inner;
        if inner.mode == SessionMode::SessionLess {
            return Ok(SeawareSession::session_less());
        }
        let Some(credentials) = inner.credentials.as_ref() else {
            return Err(Error::configuration(
                NAME,
                "username and password are required in session mode",
            ));
        };
        let request = wire::login_request(
            &inner.token_url,
            credentials,
            &inner.client,
            inner.scope.as_deref(),
            inner.placement,
        )?;
        let response = self.send(request).await?;
        let received = inner.clock.now();
        let token = wire::parse_token(&response, "password", inner.placement)?;
        Ok(self.session_from(token, received, None))
    }

    #[tracing::instrument(name = "seaware.renew", skip_all, fields(provider = NAME))]
    async fn renew(&self, session: &SeawareSession) -> Result<Renewal<SeawareSession>> {
        let Some(refresh) = session.refresh_token() else {
            return Ok(Renewal::Unsupported);
        };
        if !self.refreshes() {
            return Ok(Renewal::Unsupported);
        }
        let inner = &self.inner;
        let request =
            wire::refresh_request(&inner.token_url, refresh, &inner.client, inner.placement)?;
        let response = self.send(request).await?;
        let received = inner.clock.now();
        match wire::parse_token(&response, "refresh_token", inner.placement) {
            Ok(token) => Ok(Renewal::Renewed(self.session_from(
                token,
                received,
                Some(refresh),
            ))),
            Err(e) if wire::refresh_unsupported(&e) => {
                inner.refresh_unsupported.store(true, Ordering::Release);
                tracing::debug!(
                    provider = NAME,
                    "refresh grant unsupported; renewing by login from now on"
                );
                Ok(Renewal::Unsupported)
            }
            Err(e) => Err(e),
        }
    }

    #[tracing::instrument(name = "seaware.logout", skip_all, fields(provider = NAME))]
    async fn logout(&self, session: &SeawareSession) -> Result<()> {
        let Some(oauth) = session.oauth() else {
            return Ok(());
        };
        let request = wire::logout_request(&self.inner.logout_url, oauth)?;
        let response = self.send(request).await?;
        wire::parse_logout(&response)
    }

    fn policy(&self) -> RenewPolicy {
        self.inner.policy
    }

    fn store_key(&self) -> String {
        let i = &self.inner;
        match (&i.credentials, i.mode) {
            (Some(c), SessionMode::Session) => format!(
                "{NAME}:{}:{}:{}",
                i.base_url,
                c.username,
                i.scope.as_deref().unwrap_or("")
            ),
            _ => format!("{NAME}:{}:session-less", i.base_url),
        }
    }

    fn persist(&self, session: &SeawareSession) -> Option<PersistedSession> {
        session.oauth().map(OAuthSession::persist)
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<SeawareSession> {
        OAuthSession::restore(NAME, persisted).map(SeawareSession::from_oauth)
    }

    fn is_rejection(&self, response: &HttpResponse) -> bool {
        wire::is_rejection(response)
    }
}
