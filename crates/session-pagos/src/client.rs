//! [`PagosClient`]: a managed dedicated session plus the helpers that send later calls
//! (`GetResult`, ...) with the `SessionId` in their JSON body: [`PagosClient::call`] retries once
//! after a token refusal, [`PagosClient::call_once`] never does.

use std::fmt;

use async_trait::async_trait;
use serde_json::Value;
use session_core::{
    Attempt, Lease, Resend, Result, SessionManager, SessionSource, Sourced, call_with_session,
};

use crate::error::{self, NAME};
use crate::provider::PagosProvider;
use crate::session::DedicatedSession;
use crate::wire::{self, CallOutcome, CallResponse, Redact};

/// A dedicated session managed by a [`SessionManager`], and calls made with it.
///
/// Cheap to clone; clones share the session.
#[derive(Clone)]
pub struct PagosClient {
    manager: SessionManager<PagosProvider>,
}

impl fmt::Debug for PagosClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagosClient")
            .field("manager", &self.manager)
            .finish()
    }
}

impl PagosClient {
    /// A client whose manager uses the provider's clock.
    pub fn new(provider: PagosProvider) -> Self {
        let clock = provider.clock().clone();
        Self {
            manager: SessionManager::builder(provider).clock(clock).build(),
        }
    }

    /// A client over an existing manager.
    pub fn from_manager(manager: SessionManager<PagosProvider>) -> Self {
        Self { manager }
    }

    /// The manager.
    pub fn manager(&self) -> &SessionManager<PagosProvider> {
        &self.manager
    }

    /// The current dedicated session, opening one if needed.
    pub async fn session(&self) -> Result<Lease<DedicatedSession>> {
        self.manager.get().await
    }

    /// Calls `GetResult` with `body` (a JSON object: `Inputs`, `Outputs`, ...); see
    /// [`call`](Self::call).
    pub async fn get_result(&self, body: Value) -> Result<CallResponse> {
        self.call("GetResult", body).await
    }

    /// Posts `body` to `{base}/Api/Applications/{method}` with the session's bearer token, after
    /// setting `"SessionId"` (and `"ApplicationKey"` when absent) in it.
    ///
    /// When Pagos answers `InvalidToken: true` (or HTTP 401), the token lease and the session are
    /// invalidated, a new token and session are obtained, and the call is retried **once**; a
    /// second refusal (or the first, with a fixed token) is `SessionRejected`. Any other answer is
    /// returned as a [`CallResponse`], successful or not. HTTP errors and non-JSON replies map to
    /// the core kinds. The call is sent at most twice, so only use this retry for calls that are
    /// safe to repeat (such as `GetResult`); use [`call_once`](Self::call_once) for the others.
    ///
    /// Any number of concurrent calls refused together cause one new token and one new session.
    #[tracing::instrument(name = "pagos.call", skip_all, fields(provider = NAME))]
    pub async fn call(&self, method: &str, body: Value) -> Result<CallResponse> {
        self.call_with(Resend::Once, method, &body).await
    }

    /// Like [`call`](Self::call), but the call is sent **once**: when Pagos answers
    /// `InvalidToken: true` (or HTTP 401), the token lease and the session are invalidated (so the
    /// next call gets a new token and opens a new session) and the result is
    /// [`SessionRejected`](session_core::ErrorKind::SessionRejected) with code `INVALID_TOKEN`.
    /// Use it for calls that must not run twice (ones that save or submit data).
    #[tracing::instrument(name = "pagos.call_once", skip_all, fields(provider = NAME))]
    pub async fn call_once(&self, method: &str, body: Value) -> Result<CallResponse> {
        self.call_with(Resend::Never, method, &body).await
    }

    async fn call_with(&self, resend: Resend, method: &str, body: &Value) -> Result<CallResponse> {
        call_with_session(&Dedicated(&self.manager), resend, |sourced| async move {
            Ok(
                match self.send_call(sourced.session(), method, body).await? {
                    CallOutcome::Done(r) => Attempt::Done(r),
                    CallOutcome::TokenRejected(f) => Attempt::Rejected(error::token_rejected(f)),
                },
            )
        })
        .await
    }

    async fn send_call(
        &self,
        session: &DedicatedSession,
        method: &str,
        body: &Value,
    ) -> Result<CallOutcome> {
        let provider = self.manager.provider();
        let request = wire::call_request(
            provider.base_url(),
            method,
            &session.application_key,
            &session.session_id,
            &session.token,
            body,
        )?;
        let response = provider.http().send(request).await?;
        let redact = Redact {
            token: &session.token,
            application_key: &session.application_key,
            session_id: Some(&session.session_id),
        };
        wire::parse_call(&response, &redact)
    }

    /// Closes the dedicated session (`CloseDedicatedSession`) and drops it.
    pub async fn logout(&self) -> Result<()> {
        self.manager.logout().await
    }
}

/// The client's dedicated sessions as a [`SessionSource`]: a refused session is forgotten with
/// its token, and a fresh one can be had only when the token can be renewed.
struct Dedicated<'a>(&'a SessionManager<PagosProvider>);

#[async_trait]
impl SessionSource for Dedicated<'_> {
    type Session = DedicatedSession;

    async fn acquire(&self) -> Result<Sourced<DedicatedSession>> {
        self.0.acquire().await
    }

    /// Forgets the token first, so that a session opened by a concurrent caller in between is
    /// not opened on the refused token, then the session. Both are generation checked: a newer
    /// token or session is kept.
    fn reject(&self, rejected: &Sourced<DedicatedSession>) -> bool {
        let token = rejected.session().token();
        self.0.provider().token_manager().invalidate(token);
        self.0.reject(rejected) && token.is_renewable()
    }

    fn name(&self) -> &'static str {
        NAME
    }
}
