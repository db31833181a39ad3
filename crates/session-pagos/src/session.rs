//! The dedicated session: a Pagos `SessionId` bound to the bearer token that opened it, closed on
//! logout or, best-effort, when the last reference to it is dropped.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use http::HeaderMap;
use serde_json::Value;
use session_core::http::HttpClient;
use session_core::{AppKey, Expiry, Lease, Result, Session, SessionId};
use url::Url;

use crate::token::{BearerToken, TokenManager};
use crate::wire;

/// An open Pagos dedicated session.
///
/// It keeps its `SessionId` exactly as Pagos sent it, compares ids case-insensitively
/// ([`is_session`](Self::is_session)), and holds the lease of the bearer token that opened it: its
/// expiry is never later than that token's, and [`authenticate`](Session::authenticate) sends that
/// token. Pagos takes the session id in the JSON body of later calls, not in a header:
/// [`insert_into`](Self::insert_into) puts it there.
///
/// When the last reference to it is dropped without a logout, a `CloseDedicatedSession` is sent in
/// the background on the current Tokio runtime (best-effort, with a short timeout; nothing is sent
/// outside a runtime). Close explicitly with `SessionManager::logout` (or
/// [`PagosClient::logout`](crate::PagosClient::logout)) when you can await.
pub struct DedicatedSession {
    pub(crate) session_id: SessionId,
    pub(crate) application_key: AppKey,
    pub(crate) token: Lease<BearerToken>,
    pub(crate) opened_at: SystemTime,
    pub(crate) expiry: Expiry,
    pub(crate) closer: Arc<Closer>,
}

impl DedicatedSession {
    /// The `SessionId`, exactly as Pagos sent it.
    pub fn session_id(&self) -> &SessionId {
        &self.session_id
    }

    /// Whether `id` names this session (GUIDs compare by value, so case does not matter).
    pub fn is_session(&self, id: &str) -> bool {
        wire::same_session_id(self.session_id.expose_secret(), id)
    }

    /// The application key the session was opened for.
    pub fn application_key(&self) -> &AppKey {
        &self.application_key
    }

    /// The lease of the bearer token that opened the session (the session is bound to it).
    pub fn token(&self) -> &Lease<BearerToken> {
        &self.token
    }

    /// The generation of the bearer token that opened the session.
    pub fn token_generation(&self) -> u64 {
        self.token.generation()
    }

    /// When the session was opened.
    pub fn opened_at(&self) -> SystemTime {
        self.opened_at
    }

    /// Sets `"SessionId"` in a JSON object request body (and `"ApplicationKey"` when it is absent),
    /// for calls such as `GetResult`. Fails with `Configuration` when `body` is not an object.
    pub fn insert_into(&self, body: &mut Value) -> Result<()> {
        wire::insert_session(body, &self.application_key, &self.session_id)
    }

    /// Whether the session was closed (logged out); a closed session is not closed again on drop.
    pub fn is_closed(&self) -> bool {
        self.closer.closed.load(Ordering::Acquire)
    }
}

impl fmt::Debug for DedicatedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DedicatedSession")
            .field("session_id", &self.session_id)
            .field("application_key", &self.application_key)
            .field("token_generation", &self.token.generation())
            .field("expiry", &self.expiry)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Session for DedicatedSession {
    fn expiry(&self) -> Expiry {
        self.expiry
    }

    /// Adds the bearer token that opened the session (`Authorization: Bearer ..`, sensitive). The
    /// session id itself travels in the body; see [`DedicatedSession::insert_into`].
    fn authenticate(&self, headers: &mut HeaderMap) {
        self.token.authenticate(headers);
    }
}

/// Closes a session when dropped, unless it was closed already.
pub(crate) struct Closer {
    pub(crate) http: HttpClient,
    pub(crate) base: Url,
    pub(crate) application_key: AppKey,
    pub(crate) session_id: SessionId,
    pub(crate) token: Lease<BearerToken>,
    pub(crate) tokens: TokenManager,
    pub(crate) closed: AtomicBool,
    pub(crate) timeout: Option<Duration>,
}

impl Closer {
    /// Marks the session closed; returns whether it was open.
    pub(crate) fn mark_closed(&self) -> bool {
        !self.closed.swap(true, Ordering::AcqRel)
    }
}

impl Drop for Closer {
    fn drop(&mut self) {
        let Some(timeout) = self.timeout else { return };
        if !self.mark_closed() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        // The current token if one is cached and fresh, else the one the session was opened with.
        let token = self.tokens.cached().unwrap_or_else(|| self.token.clone());
        let Ok(request) =
            wire::close_request(&self.base, &self.application_key, &self.session_id, &token)
        else {
            return;
        };
        let http = self.http.clone();
        tracing::debug!(
            provider = crate::error::NAME,
            "closing dropped dedicated session"
        );
        runtime.spawn(async move {
            let _ = tokio::time::timeout(timeout, http.send(request)).await;
        });
    }
}
