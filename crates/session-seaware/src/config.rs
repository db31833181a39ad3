//! Configuration: the builder, scopes, parameter placement, renewal and session modes, and the
//! gateway layer.

use session_core::http::HttpOptions;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use http::HeaderMap;
use session_core::oauth::Placement;
use session_core::{
    ClientCredentials, ClientSecret, Error, Gateway, Password, RenewPolicy, Result,
    UsernamePassword,
};

use crate::error::NAME;
use crate::provider::{Inner, SeawareProvider};
use crate::wire;

/// The travel-agent session scope (`scope=travelagent`), the one SwOTA's documentation shows.
pub const TRAVELAGENT: &str = "travelagent";

/// The reservation-agent (cruise-line staff, call centre) session scope (`scope=resagent`).
pub const RESAGENT: &str = "resagent";

/// The default OAuth client id, as documented by Versonix and used by every known client.
pub const DEFAULT_CLIENT_ID: &str = "ota";

/// The default OAuth client secret, as documented by Versonix. Override it with
/// [`SeawareBuilder::client_secret`] when your deployment issued its own.
pub const DEFAULT_CLIENT_SECRET: &str = "ota";

/// The session lifetime assumed when the token response has no `expires_in` (SwOTA documents
/// 900 s; some deployments issue 300 s and then say so in `expires_in`).
pub const DEFAULT_TTL: Duration = Duration::from_secs(900);

/// How the manager renews a session before it expires.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenewalMode {
    /// Try the `refresh_token` grant first. When the server answers `invalid_grant` or
    /// `invalid_token` the session is reported rejected and the manager logs in again (once); when
    /// it answers `unsupported_grant_type` the provider stops trying refresh and the manager logs
    /// in instead, now and for every later renewal.
    #[default]
    RefreshThenLogin,
    /// Never refresh: log in again before the session expires.
    LoginOnly,
}

/// Whether this account works with a SwOTA session.
///
/// "Depending on your account configuration, sessions may be optional or required": with
/// [`SessionMode::SessionLess`] the provider makes no login request and the client sends no bearer;
/// every OTA message then identifies the user in its `<POS>`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionMode {
    /// Log in, send `Authorization: Bearer <access_token>`, log out.
    #[default]
    Session,
    /// No session: no login, no bearer, no logout.
    SessionLess,
}

/// A hook that adds fixed headers to every request this crate sends and to every request
/// [`authorize`](crate::authorize) prepares. It must not set a header the session or the gateway
/// sets: a collision is a [`Configuration`](session_core::ErrorKind::Configuration) error, never a
/// silent overwrite.
pub type ExtraHeaders = Arc<dyn Fn(&mut HeaderMap) + Send + Sync>;

/// Builds a [`SeawareProvider`]. Start with [`SeawareProvider::builder`].
pub struct SeawareBuilder {
    base_url: String,
    credentials: Option<UsernamePassword>,
    client: ClientCredentials,
    scope: Option<String>,
    placement: Placement,
    renewal: RenewalMode,
    mode: SessionMode,
    default_ttl: Duration,
    renew_buffer: Duration,
    renew_jitter: Duration,
    gateway: Option<Gateway>,
    extra_headers: Option<ExtraHeaders>,
    http: HttpOptions,
}

impl fmt::Debug for SeawareBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeawareBuilder")
            .field("credentials", &self.credentials)
            .field("client", &self.client)
            .field("scope", &self.scope)
            .field("placement", &self.placement)
            .field("renewal", &self.renewal)
            .field("mode", &self.mode)
            .field("default_ttl", &self.default_ttl)
            .field("gateway", &self.gateway)
            .field("extra_headers", &self.extra_headers.is_some())
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl SeawareBuilder {
    pub(crate) fn new(base_url: String) -> Self {
        Self {
            base_url,
            credentials: None,
            client: ClientCredentials::new(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
            scope: Some(TRAVELAGENT.to_owned()),
            placement: Placement::Query,
            renewal: RenewalMode::default(),
            mode: SessionMode::default(),
            default_ttl: DEFAULT_TTL,
            renew_buffer: Duration::from_secs(60),
            renew_jitter: Duration::from_secs(10),
            gateway: None,
            extra_headers: None,
            http: HttpOptions::default(),
        }
    }

    /// The Seaware user's name and password (required in [`SessionMode::Session`]).
    #[must_use]
    pub fn credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<Password>,
    ) -> Self {
        self.credentials = Some(UsernamePassword::new(username, password));
        self
    }

    /// The OAuth client id (default [`DEFAULT_CLIENT_ID`], `"ota"`).
    #[must_use]
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client.client_id = client_id.into();
        self
    }

    /// The OAuth client secret (default [`DEFAULT_CLIENT_SECRET`], `"ota"`).
    #[must_use]
    pub fn client_secret(mut self, client_secret: impl Into<ClientSecret>) -> Self {
        self.client.client_secret = client_secret.into();
        self
    }

    /// The session scope: a free string; [`TRAVELAGENT`] (the default) and [`RESAGENT`] are the
    /// known values.
    #[must_use]
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Sends no `scope` parameter (the server then grants the client's default scope).
    #[must_use]
    pub fn no_scope(mut self) -> Self {
        self.scope = None;
        self
    }

    /// Where the token request's parameters go: [`Placement::Query`] (the default, the only
    /// documented form; the URL then holds the password, which this crate never logs) or
    /// [`Placement::Form`] (an `application/x-www-form-urlencoded` body, which Spring-based servers
    /// also accept; prefer it once your deployment confirms it).
    #[must_use]
    pub fn placement(mut self, placement: Placement) -> Self {
        self.placement = placement;
        self
    }

    /// How sessions are renewed (default [`RenewalMode::RefreshThenLogin`]).
    #[must_use]
    pub fn renewal(mut self, renewal: RenewalMode) -> Self {
        self.renewal = renewal;
        self
    }

    /// Session or session-less (default [`SessionMode::Session`]).
    #[must_use]
    pub fn session_mode(mut self, mode: SessionMode) -> Self {
        self.mode = mode;
        self
    }

    /// The lifetime assumed when a token response has no `expires_in` (default [`DEFAULT_TTL`]).
    #[must_use]
    pub fn default_ttl(mut self, ttl: Duration) -> Self {
        self.default_ttl = ttl;
        self
    }

    /// Renew this long before the session expires (default 60 s; never earlier than half way
    /// through a session's life).
    #[must_use]
    pub fn renew_buffer(mut self, buffer: Duration) -> Self {
        self.renew_buffer = buffer;
        self
    }

    /// Renew up to this much earlier still, at random per session (default 10 s).
    #[must_use]
    pub fn renew_jitter(mut self, jitter: Duration) -> Self {
        self.renew_jitter = jitter;
        self
    }

    /// A gateway bearer sent with every request (see [`Gateway`]).
    ///
    /// The SwOTA session bearer keeps `Authorization`, so a gateway header of `Authorization`
    /// while sessions are on is refused when the provider is built
    /// ([`Configuration`](session_core::ErrorKind::Configuration)); in
    /// [`SessionMode::SessionLess`] the gateway may use `Authorization`.
    #[must_use]
    pub fn gateway(mut self, gateway: Gateway) -> Self {
        self.gateway = Some(gateway);
        self
    }

    /// Fixed extra headers for every request (see [`ExtraHeaders`]).
    #[must_use]
    pub fn extra_headers(mut self, hook: impl Fn(&mut HeaderMap) + Send + Sync + 'static) -> Self {
        self.extra_headers = Some(Arc::new(hook));
        self
    }

    session_core::http_option_methods!();

    /// Checks the configuration and builds the provider.
    ///
    /// Fails with [`Configuration`](session_core::ErrorKind::Configuration) for an invalid base URL,
    /// `http://` (unless loopback and [`allow_insecure_loopback`](Self::allow_insecure_loopback)),
    /// missing credentials in session mode, an empty client id, a gateway configured into
    /// `Authorization` while sessions are on, or an unusable root certificate.
    pub fn build(self) -> Result<SeawareProvider> {
        let mut base_url = self.http.base_url(NAME, &self.base_url)?;
        base_url.set_query(None);
        base_url.set_fragment(None);
        if self.client.client_id.is_empty() {
            return Err(Error::configuration(NAME, "client id must not be empty"));
        }
        if self.mode == SessionMode::Session {
            match &self.credentials {
                Some(c) if !c.username.is_empty() => {}
                _ => {
                    return Err(Error::configuration(
                        NAME,
                        "username and password are required in session mode",
                    ));
                }
            }
            if self
                .gateway
                .as_ref()
                .is_some_and(|g| g.header() == http::header::AUTHORIZATION)
            {
                return Err(Error::configuration(
                    NAME,
                    "the gateway bearer and the session bearer cannot both use the authorization header",
                ));
            }
        }
        let http = self.http.client(NAME)?;
        let policy = RenewPolicy::default()
            .with_default_ttl(self.default_ttl)
            .with_buffer(self.renew_buffer)
            .with_jitter(self.renew_jitter);
        Ok(SeawareProvider::from_inner(Inner {
            token_url: wire::token_url(&base_url),
            logout_url: wire::logout_url(&base_url),
            base_url,
            credentials: self.credentials,
            client: self.client,
            scope: self.scope,
            placement: self.placement,
            renewal: self.renewal,
            mode: self.mode,
            policy,
            gateway: self.gateway,
            extra_headers: self.extra_headers,
            http,
            clock: self.http.clock.clone(),
            refresh_unsupported: AtomicBool::new(false),
        }))
    }
}
