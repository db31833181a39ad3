//! The bearer token a dedicated session is opened with, as a managed session of its own.
//!
//! Every token source — a fixed token, OAuth client credentials, or any provider of yours — is
//! turned into a provider of [`BearerToken`]s, so one [`TokenManager`]
//! (`SessionManager<Arc<dyn SessionProvider<Session = BearerToken>>>`) can be shared by several
//! application keys.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use http::HeaderMap;
use session_core::http::HttpResponse;
use session_core::oauth::OAuthSession;
use session_core::{
    AccessToken, Error, ErrorKind, Expiry, PersistedSession, RenewPolicy, Result, Session,
    SessionManager, SessionProvider, StaticToken, sensitive_value,
};

/// A provider of bearer tokens, type-erased so sources can be swapped.
pub type TokenProvider = Arc<dyn SessionProvider<Session = BearerToken>>;

/// The manager of the bearer token; clone it to share one token between several application keys.
pub type TokenManager = SessionManager<TokenProvider>;

/// A bearer token (`Authorization: Bearer <token>`) and its expiry.
#[derive(Clone)]
pub struct BearerToken {
    token: AccessToken,
    expiry: Expiry,
    renewable: bool,
}

impl BearerToken {
    /// A token that expires at `expiry` and that a new login can replace.
    pub fn new(token: impl Into<AccessToken>, expiry: Expiry) -> Self {
        Self {
            token: token.into(),
            expiry,
            renewable: true,
        }
    }

    /// A pre-issued token that never expires and that logging in again cannot replace: when Pagos
    /// rejects it, the dedicated session fails with `SessionRejected` without a retry.
    pub fn fixed(token: impl Into<AccessToken>) -> Self {
        Self {
            token: token.into(),
            expiry: Expiry::Never,
            renewable: false,
        }
    }

    /// Sets whether logging in again can produce a different token.
    #[must_use]
    pub fn with_renewable(mut self, renewable: bool) -> Self {
        self.renewable = renewable;
        self
    }

    /// The token.
    pub fn token(&self) -> &AccessToken {
        &self.token
    }

    /// Whether logging in again can produce a different token (false for a fixed token).
    pub fn is_renewable(&self) -> bool {
        self.renewable
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("token", &self.token)
            .field("expiry", &self.expiry)
            .field("renewable", &self.renewable)
            .finish()
    }
}

impl Session for BearerToken {
    fn expiry(&self) -> Expiry {
        self.expiry
    }

    fn authenticate(&self, headers: &mut HeaderMap) {
        if let Some(v) = sensitive_value(&format!("Bearer {}", self.token.expose_secret())) {
            headers.insert(http::header::AUTHORIZATION, v);
        }
    }
}

/// A static token is fixed: logging in again returns the same value.
impl From<StaticToken> for BearerToken {
    fn from(token: StaticToken) -> Self {
        let expiry = token.expiry();
        Self::fixed(token.token().clone()).with_expiry(expiry)
    }
}

/// An OAuth access token; logging in again obtains a new one.
impl From<OAuthSession> for BearerToken {
    fn from(session: OAuthSession) -> Self {
        Self::new(session.access_token, session.expiry)
    }
}

impl BearerToken {
    fn with_expiry(mut self, expiry: Expiry) -> Self {
        self.expiry = expiry;
        self
    }
}

/// Adapts any provider whose session converts into a [`BearerToken`] (for example
/// [`session_core::StaticTokenProvider`] or
/// [`session_core::oauth::ClientCredentialsProvider`]) into a token provider.
///
/// Login is forwarded and its session converted. Renewal is not forwarded (the manager logs in
/// again, which for client credentials is how a token is renewed), and neither is logout (neither
/// source has one). An RFC 6749 `invalid_client` answer — wrong client id or secret — becomes
/// [`ErrorKind::InvalidCredentials`], so the manager never retries it on its own (Pagos locks out
/// clients that guess secrets).
#[derive(Clone)]
pub struct BearerSource<P> {
    inner: P,
    persist: bool,
}

impl<P: fmt::Debug> fmt::Debug for BearerSource<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerSource")
            .field("inner", &self.inner)
            .field("persist", &self.persist)
            .finish()
    }
}

impl<P> BearerSource<P> {
    /// Wraps `inner`. Tokens are not written to session stores unless
    /// [`with_persistence`](Self::with_persistence) says so.
    pub fn new(inner: P) -> Self {
        Self {
            inner,
            persist: false,
        }
    }

    /// Whether tokens may be written to a session store (so several processes share one token).
    #[must_use]
    pub fn with_persistence(mut self, persist: bool) -> Self {
        self.persist = persist;
        self
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }
}

#[async_trait]
impl<P> SessionProvider for BearerSource<P>
where
    P: SessionProvider,
    P::Session: Into<BearerToken>,
{
    type Session = BearerToken;

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn login(&self) -> Result<BearerToken> {
        match self.inner.login().await {
            Ok(session) => Ok(session.into()),
            Err(e)
                if e.kind() == ErrorKind::Configuration && e.code() == Some("invalid_client") =>
            {
                Err(Error::new(
                    ErrorKind::InvalidCredentials,
                    e.provider(),
                    "client credentials rejected",
                )
                .with_code("invalid_client"))
            }
            Err(e) => Err(e),
        }
    }

    fn policy(&self) -> RenewPolicy {
        self.inner.policy()
    }

    fn store_key(&self) -> String {
        self.inner.store_key()
    }

    fn persist(&self, session: &BearerToken) -> Option<PersistedSession> {
        if !self.persist {
            return None;
        }
        Some(
            PersistedSession::writer()
                .secret("access_token", session.token.expose_secret())
                .field("renewable", session.renewable)
                .finish(session.expiry.deadline()),
        )
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<BearerToken> {
        let mut s = persisted.reader(self.name())?;
        Ok(BearerToken {
            token: s.secret("access_token")?,
            expiry: persisted.expiry(),
            renewable: s.field("renewable")?,
        })
    }

    /// The wrapped provider's verdict, or Pagos' own refusal of the token: HTTP 401, or a JSON
    /// reply with `InvalidToken: true` (Pagos answers it with HTTP 200). So a
    /// `SessionMiddleware` over the token manager recovers from a refused token.
    fn is_rejection(&self, response: &HttpResponse) -> bool {
        self.inner.is_rejection(response) || crate::wire::is_token_rejection(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_core::StaticTokenProvider;

    #[test]
    fn bearer_header_is_sensitive_and_debug_redacted() {
        let t = BearerToken::fixed(AccessToken::new("TOK-SENTINEL-9"));
        let mut h = HeaderMap::new();
        t.authenticate(&mut h);
        let v = &h[http::header::AUTHORIZATION];
        assert_eq!(v.to_str().unwrap(), "Bearer TOK-SENTINEL-9");
        assert!(v.is_sensitive());
        assert!(!format!("{t:?} {t:#?}").contains("TOK-SENTINEL-9"));
        assert!(!t.is_renewable());
        assert_eq!(t.expiry(), Expiry::Never);
    }

    #[tokio::test]
    async fn static_source_yields_fixed_tokens_and_does_not_persist() {
        let p = BearerSource::new(StaticTokenProvider::new(
            "pagos",
            StaticToken::bearer(AccessToken::new("T")),
        ));
        let t = p.login().await.unwrap();
        assert_eq!(t.token().expose_secret(), "T");
        assert!(!t.is_renewable());
        assert!(p.persist(&t).is_none());
    }

    #[test]
    fn pagos_refusals_are_rejections_of_the_token() {
        let p = BearerSource::new(StaticTokenProvider::new(
            "pagos",
            StaticToken::bearer(AccessToken::new("T")),
        ));
        let reply =
            |status: u16, body: &str| HttpResponse::json_body("pagos", status, body.to_owned());
        assert!(p.is_rejection(&reply(
            200,
            r#"{"Success":false,"InvalidToken":true,"Messages":[]}"#
        )));
        assert!(p.is_rejection(&reply(401, "{}")));
        assert!(!p.is_rejection(&reply(
            200,
            r#"{"Success":false,"InvalidToken":false,"Messages":["x"]}"#
        )));
        assert!(!p.is_rejection(&reply(200, r#"{"Success":true,"Messages":[]}"#)));
        assert!(!p.is_rejection(&reply(500, r#"{"InvalidToken":true}"#)));
    }

    #[tokio::test]
    async fn persisted_tokens_round_trip() {
        let p = BearerSource::new(StaticTokenProvider::new(
            "pagos",
            StaticToken::bearer(AccessToken::new("T")),
        ))
        .with_persistence(true);
        let at = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(5_000_000_000);
        let t = BearerToken::new(AccessToken::new("T2"), Expiry::At(at));
        let back = p.restore(&p.persist(&t).unwrap()).unwrap();
        assert_eq!(back.token().expose_secret(), "T2");
        assert_eq!(back.expiry(), Expiry::At(at));
        assert!(back.is_renewable());
    }
}
