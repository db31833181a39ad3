//! Authenticated requests through `reqwest-middleware` (feature `middleware`).
//!
//! [`SessionMiddleware`] takes a lease from a [`SessionManager`], lets the session authenticate
//! the request (secret headers marked sensitive), sends it, and asks the provider whether the
//! response says the session was rejected ([`SessionProvider::is_rejection`]). On a rejection it
//! invalidates exactly that lease and resends the request **once** with a fresh session — only
//! for requests that are safe to repeat: idempotent methods, or requests marked [`Repeatable`].
//! Otherwise it returns a [`ErrorKind::SessionRejected`] error (the session is still invalidated,
//! so the caller's next request logs in).
//!
//! Body inspection reads at most [`INSPECT_LIMIT`] bytes of a response (plus what the last
//! transport read brought). A body that ends within the limit is judged with its content and
//! handed to the caller as it was; a longer one (by `Content-Length`, or found while reading a
//! body without a length, such as a chunked one) is judged by status and headers only and handed
//! to the caller whole: the bytes read so far followed by the rest, still streaming. Memory per
//! response stays bounded whatever the upstream sends.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use session_core::{provider_fn, AccessToken, SessionManager, StaticToken};
//! use session_core::middleware::{Repeatable, SessionMiddleware};
//!
//! let manager = SessionManager::new(provider_fn("api", || async {
//!     Ok(StaticToken::bearer(AccessToken::new("token")))
//! }));
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(SessionMiddleware::new(manager))
//!     .build();
//! let resp = client.get("https://api.example.com/orders").send().await?;
//! // A POST that the API treats as idempotent may opt in to the resend:
//! let resp = client.post("https://api.example.com/search").with_extension(Repeatable).send().await?;
//! # let _ = resp; Ok(()) }
//! ```

use bytes::Bytes;
use http::{Extensions, Method};
use http_body::Frame;
use http_body_util::BodyExt;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};
use tracing::Instrument;

use crate::error::{Error, ErrorKind};
use crate::http::HttpResponse;
use crate::manager::SessionManager;
use crate::provider::SessionProvider;
use crate::recover::{Recovery, Resend};
use crate::session::Session;

/// The most bytes of a response body read for inspection; longer bodies are judged by status
/// and headers only and reach the caller unread past this prefix.
pub const INSPECT_LIMIT: u64 = 64 * 1024;

/// A request extension marking a non-idempotent request as safe to resend after a rejection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Repeatable;

/// Authenticates every request with a managed session and recovers once from a rejection.
pub struct SessionMiddleware<P: SessionProvider> {
    manager: SessionManager<P>,
}

impl<P: SessionProvider> std::fmt::Debug for SessionMiddleware<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionMiddleware")
            .field("manager", &self.manager)
            .finish()
    }
}

impl<P: SessionProvider> SessionMiddleware<P> {
    /// A middleware using `manager`'s sessions.
    pub fn new(manager: SessionManager<P>) -> Self {
        Self { manager }
    }

    /// The manager.
    pub fn manager(&self) -> &SessionManager<P> {
        &self.manager
    }

    fn provider_name(&self) -> &'static str {
        self.manager.provider().name()
    }

    /// Asks the provider whether `response` is a rejection. At most [`INSPECT_LIMIT`] bytes of
    /// the body are read: a body that ends by then is judged with its content and handed back
    /// whole; a longer one is judged by status and headers and handed back as the prefix read so
    /// far followed by the rest of the original body, unread.
    async fn judge(&self, response: Response) -> reqwest_middleware::Result<(Response, bool)> {
        let provider = self.manager.provider();
        let headers_only = |status, headers: &http::HeaderMap| {
            provider.is_rejection(&HttpResponse::new(
                provider.name(),
                status,
                headers.clone(),
                Bytes::new(),
            ))
        };
        if response.content_length().is_some_and(|n| n > INSPECT_LIMIT) {
            let rejected = headers_only(response.status(), response.headers());
            return Ok((response, rejected));
        }
        let response: http::Response<reqwest::Body> = response.into();
        let (parts, mut body) = response.into_parts();
        let mut prefix = Vec::new();
        let mut read: u64 = 0;
        let complete = loop {
            match body.frame().await {
                None => break true,
                Some(Err(_)) => return Err(mw_err(truncated())),
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        read = read.saturating_add(data.len() as u64);
                    }
                    prefix.push(frame);
                    if read > INSPECT_LIMIT {
                        break false;
                    }
                }
            }
        };
        if !complete {
            let rejected = headers_only(parts.status, &parts.headers);
            let body = reqwest::Body::wrap(Replay {
                prefix: prefix.into(),
                rest: body,
            });
            return Ok((
                Response::from(http::Response::from_parts(parts, body)),
                rejected,
            ));
        }
        let mut bytes = bytes::BytesMut::with_capacity(usize::try_from(read).unwrap_or(0));
        for frame in &prefix {
            if let Some(data) = frame.data_ref() {
                bytes.extend_from_slice(data);
            }
        }
        let bytes = bytes.freeze();
        let probe = HttpResponse::new(
            provider.name(),
            parts.status,
            parts.headers.clone(),
            bytes.clone(),
        );
        let rejected = provider.is_rejection(&probe);
        let rebuilt = Response::from(http::Response::from_parts(
            parts,
            reqwest::Body::from(bytes),
        ));
        Ok((rebuilt, rejected))
    }

    fn rejected(&self, message: &'static str) -> reqwest_middleware::Error {
        let e = Error::new(ErrorKind::SessionRejected, self.provider_name(), message);
        reqwest_middleware::Error::Middleware(e.into())
    }
}

fn truncated() -> Error {
    Error::new(
        ErrorKind::Unavailable,
        "middleware",
        "response body truncated",
    )
}

/// A response body whose first frames were already read for inspection: replays them, then
/// streams the rest of the original body.
struct Replay {
    prefix: std::collections::VecDeque<Frame<Bytes>>,
    rest: reqwest::Body,
}

impl http_body::Body for Replay {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(frame) = self.prefix.pop_front() {
            return std::task::Poll::Ready(Some(Ok(frame)));
        }
        std::pin::Pin::new(&mut self.rest).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.prefix.is_empty() && self.rest.is_end_stream()
    }
}

fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

fn mw_err(e: Error) -> reqwest_middleware::Error {
    reqwest_middleware::Error::Middleware(e.into())
}

#[async_trait::async_trait]
impl<P: SessionProvider> Middleware for SessionMiddleware<P> {
    async fn handle(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let repeatable =
            is_idempotent(request.method()) || extensions.get::<Repeatable>().is_some();
        let copy = if repeatable {
            request.try_clone()
        } else {
            None
        };
        let mut recovery = Recovery::new(&self.manager, Resend::when(copy.is_some()));
        let sourced = recovery.session().await.map_err(mw_err)?;
        sourced.session().authenticate(request.headers_mut());
        let response = next.clone().run(request, extensions).await?;
        let (response, rejected) = self.judge(response).await?;
        if !rejected {
            return Ok(response);
        }
        // Reported either way, so the caller's next request logs in; resent only with a copy.
        let again = recovery.rejected();
        match copy {
            Some(copy) if again => self.resend(&mut recovery, copy, extensions, next).await,
            _ => Err(self.rejected("session rejected; request not repeatable")),
        }
    }
}

impl<P: SessionProvider> SessionMiddleware<P> {
    async fn resend(
        &self,
        recovery: &mut Recovery<'_, SessionManager<P>>,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        // The resend is a span of its own; a login it causes is a child of it.
        let span = tracing::info_span!(
            "session.resend",
            provider = self.provider_name(),
            account = %self.manager.account(),
        );
        let response = async {
            let sourced = recovery.session().await.map_err(mw_err)?;
            sourced.session().authenticate(request.headers_mut());
            next.run(request, extensions).await
        }
        .instrument(span)
        .await?;
        let (response, rejected) = self.judge(response).await?;
        if rejected {
            recovery.rejected();
            return Err(self.rejected("session rejected again after a fresh login"));
        }
        Ok(response)
    }
}
