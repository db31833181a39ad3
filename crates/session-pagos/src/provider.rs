//! [`PagosProvider`]: opens and closes dedicated sessions, renewing the bearer token once when
//! Pagos says `InvalidToken`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use async_trait::async_trait;
use session_core::http::{HttpClient, HttpResponse};
use session_core::timing;
use session_core::{AppKey, Clock, Expiry, Lease, RenewPolicy, Result, SessionId, SessionProvider};
use url::Url;

use crate::config::{PagosBuilder, TokenSource};
use crate::error::{self, NAME, PagosFailure};
use crate::session::{Closer, DedicatedSession};
use crate::token::{BearerToken, TokenManager};
use crate::wire::{self, CloseOutcome, OpenOutcome, Redact};

/// Everything a provider (and the sessions it opens) needs, made by
/// [`PagosBuilder::build`](crate::PagosBuilder::build).
#[derive(Clone)]
pub(crate) struct Inner {
    pub(crate) http: HttpClient,
    pub(crate) base: Url,
    pub(crate) application_key: AppKey,
    pub(crate) tokens: TokenManager,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) session_ttl: Option<Duration>,
    pub(crate) close_on_drop: Option<Duration>,
    pub(crate) policy: RenewPolicy,
}

/// Opens Pagos dedicated sessions for one (base URL, application key, token source).
///
/// Use it with a `SessionManager` (or the [`PagosClient`](crate::PagosClient) that wraps one).
/// Cheap to clone. Several providers — one per application key — can share one bearer token: see
/// [`with_application_key`](Self::with_application_key) and [`TokenSource::manager`].
///
/// - `login` gets a bearer token from the token manager and posts `OpenDedicatedSession`. When
///   Pagos answers `InvalidToken: true` (or HTTP 401), the token lease is invalidated, a new token
///   is obtained, and the open is retried **once**; a second refusal is `SessionRejected`. A fixed
///   token cannot be renewed, so it fails with `SessionRejected` after the first refusal.
/// - `renew` is not supported: the manager opens a new session when the old one is due, and the
///   old one is closed when its last lease is dropped.
/// - `logout` posts `CloseDedicatedSession` (with the same retry-once rule); a session Pagos
///   already forgot counts as closed. The session is marked closed before the request, so a failed
///   explicit close is reported to the caller and not repeated on drop.
#[derive(Clone)]
pub struct PagosProvider {
    inner: Arc<Inner>,
}

impl fmt::Debug for PagosProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagosProvider")
            .field("base_url", &self.inner.base.as_str())
            .field("application_key", &self.inner.application_key)
            .field("tokens", &self.inner.tokens)
            .field("session_ttl", &self.inner.session_ttl)
            .finish_non_exhaustive()
    }
}

/// The result of one open or close attempt with one token.
enum Attempt<T> {
    Done(T),
    TokenRejected(PagosFailure),
}

impl PagosProvider {
    /// Starts a builder for the SpreadsheetWEB server at `base_url` (its root, under which
    /// `/Api/Applications/*` lives), the web service application `application_key`, and bearer
    /// tokens from `token`.
    pub fn builder(
        base_url: impl Into<String>,
        application_key: impl Into<AppKey>,
        token: TokenSource,
    ) -> PagosBuilder {
        PagosBuilder::new(base_url.into(), application_key.into(), token)
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// A provider for another application key on the same server, sharing this provider's HTTP
    /// client, settings and bearer token manager.
    pub fn with_application_key(&self, application_key: impl Into<AppKey>) -> Result<Self> {
        let application_key = application_key.into();
        if application_key.is_empty() {
            return Err(session_core::Error::configuration(
                NAME,
                "application key is empty",
            ));
        }
        Ok(Self::from_inner(Inner {
            application_key,
            ..Inner::clone(&self.inner)
        }))
    }

    /// The bearer token manager (shared by every provider built from this one).
    pub fn token_manager(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The clock used for expiry.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    pub(crate) fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// A token for a new session. A token obtained earlier that is within twice the session
    /// policy's buffer and jitter of its end is replaced first, so a session is not opened on a
    /// token about to expire (which would make the session due for renewal at once). A token
    /// obtained just now is used as it is, however short its life.
    async fn fresh_token(&self) -> Result<Lease<BearerToken>> {
        let Some(lease) = self.inner.tokens.cached() else {
            return self.inner.tokens.get().await;
        };
        if let Some(expires_at) = lease.expires_at() {
            let margin = self
                .inner
                .policy
                .buffer
                .saturating_add(self.inner.policy.jitter)
                .saturating_mul(2);
            let now = self.inner.clock.now();
            if expires_at <= timing::after(now, margin) {
                return self.inner.tokens.refresh().await;
            }
        }
        Ok(lease)
    }

    async fn open_once(&self, token: &Lease<BearerToken>) -> Result<Attempt<DedicatedSession>> {
        let s = &self.inner;
        let request = wire::open_request(&s.base, &s.application_key, token)?;
        let response = s.http.send(request).await?;
        let redact = Redact {
            token,
            application_key: &s.application_key,
            session_id: None,
        };
        Ok(match wire::parse_open(&response, &redact)? {
            OpenOutcome::Opened(id) => Attempt::Done(self.session(id, token.clone())),
            OpenOutcome::TokenRejected(f) => Attempt::TokenRejected(f),
        })
    }

    fn session(&self, session_id: SessionId, token: Lease<BearerToken>) -> DedicatedSession {
        let s = &self.inner;
        let now = s.clock.now();
        let mut deadline = s.session_ttl.map(|ttl| timing::after(now, ttl));
        if let Some(t) = token.expires_at() {
            deadline = Some(deadline.map_or(t, |d| d.min(t)));
        }
        let closer = Closer {
            http: s.http.clone(),
            base: s.base.clone(),
            application_key: s.application_key.clone(),
            session_id: session_id.clone(),
            token: token.clone(),
            tokens: s.tokens.clone(),
            closed: AtomicBool::new(false),
            timeout: s.close_on_drop,
        };
        DedicatedSession {
            session_id,
            application_key: s.application_key.clone(),
            token,
            opened_at: now,
            expiry: deadline.map_or(Expiry::Never, Expiry::At),
            closer: Arc::new(closer),
        }
    }

    async fn close_once(
        &self,
        session: &DedicatedSession,
        token: &Lease<BearerToken>,
    ) -> Result<Attempt<()>> {
        let s = &self.inner;
        let request = wire::close_request(
            &s.base,
            &session.application_key,
            &session.session_id,
            token,
        )?;
        let response = s.http.send(request).await?;
        let redact = Redact {
            token,
            application_key: &session.application_key,
            session_id: Some(&session.session_id),
        };
        Ok(match wire::parse_close(&response, &redact)? {
            CloseOutcome::Closed => Attempt::Done(()),
            CloseOutcome::NotOpen => {
                tracing::debug!(provider = NAME, "dedicated session was already closed");
                Attempt::Done(())
            }
            CloseOutcome::TokenRejected(f) => Attempt::TokenRejected(f),
        })
    }

    /// After a token refusal: invalidates the lease and returns a new token, or the final error
    /// when the token cannot be renewed.
    pub(crate) async fn renew_token(
        &self,
        rejected: &Lease<BearerToken>,
        failure: PagosFailure,
    ) -> Result<Lease<BearerToken>> {
        self.inner.tokens.invalidate(rejected);
        if !rejected.is_renewable() {
            return Err(error::token_rejected(failure));
        }
        tracing::debug!(
            provider = NAME,
            generation = rejected.generation(),
            "bearer token rejected; renewing it and retrying once"
        );
        self.inner.tokens.get().await
    }
}

#[async_trait]
impl SessionProvider for PagosProvider {
    type Session = DedicatedSession;

    fn name(&self) -> &'static str {
        NAME
    }

    #[tracing::instrument(name = "pagos.open", skip_all, fields(provider = NAME))]
    async fn login(&self) -> Result<DedicatedSession> {
        let token = self.fresh_token().await?;
        let failure = match self.open_once(&token).await? {
            Attempt::Done(session) => return Ok(session),
            Attempt::TokenRejected(f) => f,
        };
        let token = self.renew_token(&token, failure).await?;
        match self.open_once(&token).await? {
            Attempt::Done(session) => Ok(session),
            Attempt::TokenRejected(f) => {
                self.inner.tokens.invalidate(&token);
                Err(error::token_rejected(f))
            }
        }
    }

    #[tracing::instrument(name = "pagos.close", skip_all, fields(provider = NAME))]
    async fn logout(&self, session: &DedicatedSession) -> Result<()> {
        if !session.closer.mark_closed() {
            return Ok(());
        }
        // The session's own token unless a newer one is cached.
        let token = self
            .inner
            .tokens
            .cached()
            .unwrap_or_else(|| session.token.clone());
        let failure = match self.close_once(session, &token).await? {
            Attempt::Done(()) => return Ok(()),
            Attempt::TokenRejected(f) => f,
        };
        let token = self.renew_token(&token, failure).await?;
        match self.close_once(session, &token).await? {
            Attempt::Done(()) => Ok(()),
            Attempt::TokenRejected(f) => Err(error::token_rejected(f)),
        }
    }

    fn policy(&self) -> RenewPolicy {
        let p = self.inner.policy;
        match self.inner.session_ttl {
            Some(ttl) => p.with_default_ttl(ttl),
            None => p,
        }
    }

    /// `pagos:<base url>:<token source's key>:app-<fingerprint>`: the application key is a secret,
    /// so only a 64-bit FNV-1a fingerprint of it appears.
    fn store_key(&self) -> String {
        let s = &self.inner;
        format!(
            "{NAME}:{}:{}:app-{:016x}",
            s.base,
            s.tokens.provider().store_key(),
            fnv1a(s.application_key.expose_secret().as_bytes())
        )
    }

    /// `HTTP 401`, or a JSON reply with `InvalidToken: true`.
    fn is_rejection(&self, response: &HttpResponse) -> bool {
        wire::is_token_rejection(response)
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
