//! [`OAuthSession`], a bearer session built from a token response, and its persisted form.

use super::*;

/// An OAuth bearer session: access token, optional refresh token, expiry.
#[derive(Clone)]
#[non_exhaustive]
pub struct OAuthSession {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token, when one was issued.
    pub refresh_token: Option<RefreshToken>,
    /// The granted scope, when given.
    pub scope: Option<String>,
    /// When the access token expires.
    pub expiry: Expiry,
}

impl OAuthSession {
    /// A session from its parts.
    pub fn new(
        access_token: AccessToken,
        refresh_token: Option<RefreshToken>,
        scope: Option<String>,
        expiry: Expiry,
    ) -> Self {
        Self {
            access_token,
            refresh_token,
            scope,
            expiry,
        }
    }

    /// Builds a session from a token response received at `now`; `default_ttl` applies when the
    /// response has no `expires_in`.
    pub fn from_response(response: TokenResponse, now: SystemTime, default_ttl: Duration) -> Self {
        let ttl = response.expires_in.map_or(default_ttl, timing::secs_u64);
        Self {
            access_token: response.access_token,
            refresh_token: response.refresh_token,
            scope: response.scope,
            expiry: Expiry::after(now, ttl),
        }
    }

    /// Serializes for a session store.
    pub fn persist(&self) -> PersistedSession {
        PersistedSession::writer()
            .secret("access_token", self.access_token.expose_secret())
            .secret(
                "refresh_token",
                self.refresh_token.as_ref().map(|t| t.expose_secret()),
            )
            .field("scope", &self.scope)
            .finish(self.expiry.deadline())
    }

    /// Rebuilds a session stored by [`OAuthSession::persist`].
    pub fn restore(provider: &'static str, persisted: &PersistedSession) -> Result<Self> {
        let mut s = persisted.reader(provider)?;
        Ok(Self {
            access_token: s.secret("access_token")?,
            refresh_token: s.opt_secret("refresh_token")?,
            scope: s.field("scope")?,
            expiry: persisted.expiry(),
        })
    }
}

impl fmt::Debug for OAuthSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthSession")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("scope", &self.scope.as_deref().map(UpstreamText::words))
            .field("expiry", &self.expiry)
            .finish()
    }
}

impl Session for OAuthSession {
    fn expiry(&self) -> Expiry {
        self.expiry
    }

    fn authenticate(&self, headers: &mut HeaderMap) {
        if let Some(v) = sensitive_value(&format!("Bearer {}", self.access_token.expose_secret())) {
            headers.insert(http::header::AUTHORIZATION, v);
        }
    }
}
