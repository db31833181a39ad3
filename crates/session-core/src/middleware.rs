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
//! Body inspection reads small bodies (up to [`INSPECT_LIMIT`] bytes by `Content-Length`, or any
//! body without a length) into memory and hands the caller an equivalent response; larger bodies
//! are passed through untouched and judged by status and headers only.
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
use http_body_util::BodyExt;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};

use crate::error::{Error, ErrorKind};
use crate::http::HttpResponse;
use crate::manager::{Lease, SessionManager};
use crate::provider::SessionProvider;
use crate::session::Session;

/// Responses whose declared length is above this many bytes are not read for inspection.
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

    /// Asks the provider whether `response` is a rejection. A small body (or one without a
    /// declared length) is read and handed back in an equivalent response; a large one is judged
    /// by status and headers and returned untouched.
    async fn judge(&self, response: Response) -> reqwest_middleware::Result<(Response, bool)> {
        let provider = self.manager.provider();
        if response.content_length().is_some_and(|n| n > INSPECT_LIMIT) {
            let probe = HttpResponse::new(
                provider.name(),
                response.status(),
                response.headers().clone(),
                Bytes::new(),
            );
            let rejected = provider.is_rejection(&probe);
            return Ok((response, rejected));
        }
        let response: http::Response<reqwest::Body> = response.into();
        let (parts, body) = response.into_parts();
        let bytes = body_bytes(body.collect().await).map_err(mw_err)?;
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

fn body_bytes<E>(collected: Result<http_body_util::Collected<Bytes>, E>) -> Result<Bytes, Error> {
    collected.map(|c| c.to_bytes()).map_err(|_| {
        Error::new(
            ErrorKind::Unavailable,
            "middleware",
            "response body truncated",
        )
    })
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

fn authenticate<S: Session>(lease: &Lease<S>, request: &mut Request) {
    lease.authenticate(request.headers_mut());
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
        let lease = self.manager.get().await.map_err(mw_err)?;
        authenticate(&lease, &mut request);
        let response = next.clone().run(request, extensions).await?;
        let (response, rejected) = self.judge(response).await?;
        if !rejected {
            return Ok(response);
        }
        self.manager.invalidate(&lease);
        self.resend(copy, extensions, next).await
    }
}

impl<P: SessionProvider> SessionMiddleware<P> {
    async fn resend(
        &self,
        copy: Option<Request>,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let Some(mut request) = copy else {
            return Err(self.rejected("session rejected; request not repeatable"));
        };
        let lease = self.manager.get().await.map_err(mw_err)?;
        authenticate(&lease, &mut request);
        let response = next.run(request, extensions).await?;
        let (response, rejected) = self.judge(response).await?;
        if rejected {
            self.manager.invalidate(&lease);
            return Err(self.rejected("session rejected again after a fresh login"));
        }
        Ok(response)
    }
}
