//! Configuration: where Pagos is, which application, where the bearer token comes from, and the
//! HTTP and timing settings.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use session_core::http::HttpOptions;
use session_core::oauth::{ClientAuth, ClientCredentialsProvider};
use session_core::{
    AccessToken, AppKey, ClientCredentials, Error, RenewPolicy, Result, SessionManager,
    StaticToken, StaticTokenProvider,
};

use crate::error::NAME;
use crate::provider::{Inner, PagosProvider};
use crate::token::{BearerSource, TokenManager, TokenProvider};

/// Where the bearer token comes from.
#[derive(Clone)]
pub struct TokenSource {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Fixed(AccessToken),
    ClientCredentials {
        token_url: String,
        credentials: ClientCredentials,
        scope: Option<String>,
        basic: bool,
    },
    Provider(TokenProvider),
    Manager(TokenManager),
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Fixed(t) => f.debug_tuple("TokenSource::Fixed").field(t).finish(),
            Kind::ClientCredentials {
                credentials, scope, ..
            } => f
                .debug_struct("TokenSource::ClientCredentials")
                .field("credentials", credentials)
                .field("scope", scope)
                .finish_non_exhaustive(),
            Kind::Provider(p) => f
                .debug_tuple("TokenSource::Provider")
                .field(&p.name())
                .finish(),
            Kind::Manager(m) => f.debug_tuple("TokenSource::Manager").field(m).finish(),
        }
    }
}

impl TokenSource {
    /// A pre-issued token, sent as `Authorization: Bearer <token>` (through
    /// [`session_core::StaticTokenProvider`]). It cannot be renewed: when Pagos says
    /// `InvalidToken`, opening fails with `SessionRejected` at once.
    pub fn fixed(token: impl Into<AccessToken>) -> Self {
        Self {
            kind: Kind::Fixed(token.into()),
        }
    }

    /// OAuth client credentials posted to `token_url` (through
    /// [`session_core::oauth::ClientCredentialsProvider`]): `grant_type=client_credentials` with
    /// the client id and secret URL-encoded in the form body. SpreadsheetWEB calls them "API Key"
    /// and "API Password". The token URL is its own setting because the server's token path is
    /// deployment-specific.
    pub fn client_credentials(
        token_url: impl Into<String>,
        credentials: ClientCredentials,
    ) -> Self {
        Self {
            kind: Kind::ClientCredentials {
                token_url: token_url.into(),
                credentials,
                scope: None,
                basic: false,
            },
        }
    }

    /// Requests `scope` (client credentials only; ignored by other sources).
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        if let Kind::ClientCredentials { scope: s, .. } = &mut self.kind {
            *s = Some(scope.into());
        }
        self
    }

    /// Sends the client id and secret as HTTP Basic instead of in the form body (client
    /// credentials only; ignored by other sources).
    #[must_use]
    pub fn with_basic_auth(mut self, basic: bool) -> Self {
        if let Kind::ClientCredentials { basic: b, .. } = &mut self.kind {
            *b = basic;
        }
        self
    }

    /// Any provider of [`BearerToken`](crate::BearerToken)s (see [`BearerSource`] to adapt one);
    /// a manager is built for it with the configured clock.
    pub fn provider(provider: TokenProvider) -> Self {
        Self {
            kind: Kind::Provider(provider),
        }
    }

    /// An existing token manager, shared with other providers (for example the one of another
    /// application key: [`PagosProvider::token_manager`]).
    pub fn manager(manager: TokenManager) -> Self {
        Self {
            kind: Kind::Manager(manager),
        }
    }
}

/// Builds a [`PagosProvider`]. Start with [`PagosProvider::builder`].
///
/// ```
/// use session_pagos::{ClientCredentials, PagosProvider, TokenSource};
/// let provider = PagosProvider::builder(
///     "https://calc.example.com",
///     "a4dcfb4f0464453b928ce1d6bcfb6aa3",
///     TokenSource::client_credentials(
///         "https://calc.example.com/token",
///         ClientCredentials::new("api-key", "api-password"),
///     ),
/// )
/// .build()?;
/// # let _ = provider;
/// # Ok::<(), session_pagos::Error>(())
/// ```
pub struct PagosBuilder {
    base_url: String,
    application_key: AppKey,
    token: TokenSource,
    http: HttpOptions,
    session_ttl: Option<Duration>,
    close_on_drop: Option<Duration>,
    policy: RenewPolicy,
}

impl fmt::Debug for PagosBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagosBuilder")
            .field("application_key", &self.application_key)
            .field("token", &self.token)
            .field("http", &self.http)
            .field("session_ttl", &self.session_ttl)
            .field("close_on_drop", &self.close_on_drop)
            .finish_non_exhaustive()
    }
}

/// The assumed idle lifetime of a dedicated session (Pagos does not document one; 20 minutes is
/// the ASP.NET session default).
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(20 * 60);

/// How long a close-on-drop request may take.
pub const DEFAULT_CLOSE_ON_DROP_TIMEOUT: Duration = Duration::from_secs(2);

impl PagosBuilder {
    pub(crate) fn new(base_url: String, application_key: AppKey, token: TokenSource) -> Self {
        Self {
            base_url,
            application_key,
            token,
            http: HttpOptions::default(),
            session_ttl: Some(DEFAULT_SESSION_TTL),
            close_on_drop: Some(DEFAULT_CLOSE_ON_DROP_TIMEOUT),
            policy: RenewPolicy::default(),
        }
    }

    session_core::http_option_methods!();

    /// How long a dedicated session is assumed to live ([`DEFAULT_SESSION_TTL`]); `None`: as long
    /// as its bearer token. A session is never kept past its token's expiry.
    #[must_use]
    pub fn session_ttl(mut self, ttl: Option<Duration>) -> Self {
        self.session_ttl = ttl;
        self
    }

    /// The timeout of the best-effort close sent when a session is dropped without a logout
    /// ([`DEFAULT_CLOSE_ON_DROP_TIMEOUT`]); `None` turns close-on-drop off.
    #[must_use]
    pub fn close_on_drop(mut self, timeout: Option<Duration>) -> Self {
        self.close_on_drop = timeout;
        self
    }

    /// The renewal policy of dedicated sessions (buffer and jitter before expiry).
    #[must_use]
    pub fn policy(mut self, policy: RenewPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Checks the settings and builds the provider. No request is made.
    pub fn build(self) -> Result<PagosProvider> {
        let base = self.http.base_url(NAME, &self.base_url)?;
        if self.application_key.is_empty() {
            return Err(Error::configuration(NAME, "application key is empty"));
        }
        let http = self.http.client(NAME)?;
        let clock = self.http.clock.clone();
        let manager = |provider: TokenProvider| -> TokenManager {
            SessionManager::builder(provider)
                .clock(clock.clone())
                .build()
        };
        let tokens = match self.token.kind {
            Kind::Fixed(token) => {
                if token.is_empty() {
                    return Err(Error::configuration(NAME, "bearer token is empty"));
                }
                let source = StaticTokenProvider::new(NAME, StaticToken::bearer(token));
                manager(Arc::new(BearerSource::new(source)))
            }
            Kind::ClientCredentials {
                token_url,
                credentials,
                scope,
                basic,
            } => {
                let url = self.http.base_url(NAME, &token_url)?;
                let mut source =
                    ClientCredentialsProvider::new(NAME, http.clone(), url, credentials)
                        .with_clock(clock.clone());
                if let Some(scope) = scope {
                    source = source.with_scope(scope);
                }
                if basic {
                    source = source.with_client_auth(ClientAuth::Basic);
                }
                manager(Arc::new(BearerSource::new(source).with_persistence(true)))
            }
            Kind::Provider(provider) => manager(provider),
            Kind::Manager(tokens) => tokens,
        };
        Ok(PagosProvider::from_inner(Inner {
            http,
            base,
            application_key: self.application_key,
            tokens,
            clock,
            session_ttl: self.session_ttl,
            close_on_drop: self.close_on_drop,
            policy: self.policy,
        }))
    }
}
