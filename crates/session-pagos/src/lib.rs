//! Secret-safe Pagos SpreadsheetWEB dedicated sessions.
//!
//! A SpreadsheetWEB Server *dedicated session* is a `SessionId` (a GUID) that
//! `POST {base}/Api/Applications/OpenDedicatedSession` issues for one web service application
//! (`{"ApplicationKey": ".."}`, `Authorization: Bearer <token>`), that later calls such as
//! `GetResult` carry **in their JSON body**, and that `CloseDedicatedSession`
//! (`{"ApplicationKey", "SessionId"}`) ends. The bearer token is itself a managed session: a fixed,
//! pre-issued token, or an OAuth client-credentials token fetched from a configurable token URL.
//!
//! This crate provides:
//! - [`PagosProvider`], a [`SessionProvider`] whose sessions are [`DedicatedSession`]s, each bound
//!   to the lease of the bearer token that opened it;
//! - [`TokenSource`] / [`TokenManager`]: where the token comes from, and the
//!   `SessionManager<Arc<dyn SessionProvider<Session = BearerToken>>>` that caches it, shareable by
//!   several application keys;
//! - [`PagosClient`], a managed session plus [`PagosClient::call`], which puts the `SessionId` into
//!   the body of later calls and retries once when the token is refused, and
//!   [`PagosClient::call_once`], which never retries;
//! - with feature `test-util`, [`PagosSim`], a stateful simulator of the server and its token
//!   endpoint.
//!
//! # Quick start
//!
//! ```no_run
//! use session_pagos::{ClientCredentials, PagosClient, PagosProvider, TokenSource};
//!
//! # async fn run() -> session_pagos::Result<()> {
//! let provider = PagosProvider::builder(
//!     "https://calc.example.com",
//!     "a4dcfb4f0464453b928ce1d6bcfb6aa3",
//!     TokenSource::client_credentials(
//!         "https://calc.example.com/token",
//!         ClientCredentials::new("api-key", "api-password"),
//!     ),
//! )
//! .build()?;
//! let client = PagosClient::new(provider);
//! let reply = client
//!     .get_result(serde_json::json!({ "Inputs": [], "Outputs": ["Total"] }))
//!     .await?;
//! assert!(reply.is_success());
//! client.logout().await?; // CloseDedicatedSession
//! # Ok(())
//! # }
//! ```
//!
//! Several application keys on one server share one bearer token:
//!
//! ```
//! # use session_pagos::{PagosProvider, TokenSource, AccessToken};
//! let first = PagosProvider::builder("https://calc.example.com", "app-one", TokenSource::fixed(AccessToken::new("t")))
//!     .build()?;
//! let second = first.with_application_key("app-two")?;
//! // or: PagosProvider::builder(.., TokenSource::manager(first.token_manager().clone()))
//! # let _ = second;
//! # Ok::<(), session_pagos::Error>(())
//! ```
//!
//! # Features
//!
//! - TLS, one of (forwarded to `session-core`; see its `http` module for the details):
//!   `rustls` (default: rustls with `aws-lc-rs`, the provider `reqwest`'s own default uses, and
//!   the operating system's roots), `rustls-ring` (rustls with `ring`, the operating system's
//!   roots) or `native-tls` (the platform library and its trust store). No process-wide crypto
//!   provider is installed or needed; `add_root_pem` adds roots on every backend. Builders also
//!   take a proxy (`proxy`), a backend (`tls_backend`) and your own `reqwest` client
//!   (`http_client`, built with `redirect::Policy::none()`).
//! - `blocking`: `BlockingManager` and `BlockingKeepAlive` (re-exported from `session-core`), the
//!   session manager for scripts and synchronous programs: the same single flight, freshness and
//!   bans, run on one shared background thread.
//! - `metrics` is a `session-core` feature: enable it there to get the manager's metrics.
//! - `middleware`: `SessionMiddleware` and `Repeatable` (re-exported from `session-core`) for
//!   `reqwest-middleware` clients of calls that need only the bearer token; see below.
//! - `test-util`: [`PagosSim`] (a loopback simulator: token endpoint, open/close, `GetResult`,
//!   `InvalidToken` for wrong or expired tokens, unknown application keys, request counters and
//!   scripted failures) and the session-core test kit.
//!
//! # Authenticated requests
//!
//! Pagos takes the `SessionId` in the JSON **body** of later calls, which a header-adding
//! middleware cannot do: send those with [`PagosClient`]. Its rule is the one of
//! `session-core`'s `SessionMiddleware`: a refused token (`InvalidToken: true` on HTTP 200, or
//! HTTP 401) invalidates the token and the session, and the call is resent **once** with a new
//! token and a new session — by [`PagosClient::call`] / [`PagosClient::get_result`], for calls
//! that are safe to repeat — or fails with [`ErrorKind::SessionRejected`] (code `INVALID_TOKEN`)
//! after one request — by [`PagosClient::call_once`], for calls that must not run twice. Any
//! number of concurrent calls refused together cause one new token and one new session.
//!
//! For requests that need only the bearer token, feature `middleware` re-exports
//! `SessionMiddleware`; use it over the token manager ([`PagosProvider::token_manager`]), whose
//! built-in sources ([`BearerSource`]) recognize `InvalidToken: true` as a rejection:
//!
//! ```no_run
//! # #[cfg(feature = "middleware")]
//! # async fn run(provider: session_pagos::PagosProvider) -> Result<(), Box<dyn std::error::Error>> {
//! use session_pagos::{Repeatable, SessionMiddleware};
//!
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(SessionMiddleware::new(provider.token_manager().clone()))
//!     .build();
//! let url = format!(
//!     "{}/Api/Applications/GetResult",
//!     provider.base_url().as_str().trim_end_matches('/')
//! );
//! let body = serde_json::json!({ "ApplicationKey": "..", "Inputs": [] });
//! let reply = client
//!     .post(url)
//!     .with_extension(Repeatable) // a calculation is safe to send twice
//!     .header("content-type", "application/json")
//!     .body(body.to_string())
//!     .send()
//!     .await?;
//! # let _ = reply; Ok(()) }
//! ```
//!
//! # Behaviour
//!
//! - **Success** needs HTTP 2xx, a JSON body, `Success: true`, and a `SessionId` that parses as a
//!   GUID other than the nil GUID (checked here, without a GUID dependency). The id is kept exactly
//!   as received and compared by value, so case does not matter ([`DedicatedSession::is_session`]).
//! - **`InvalidToken: true`** (or HTTP 401): the token lease is invalidated, the token renewed and
//!   the request retried **once**; a second refusal is [`ErrorKind::SessionRejected`]. A fixed token
//!   cannot be renewed, so it fails with `SessionRejected` after the first refusal.
//! - **Other `Success: false`** answers are errors carrying a [`PagosFailure`] (see below).
//! - **Expiry**: a session is assumed to live [`DEFAULT_SESSION_TTL`] (configurable) and never
//!   longer than its token. When it is due, the manager opens a new one; the old one is closed when
//!   its last lease is dropped.
//! - **Closing**: `SessionManager::logout` / [`PagosClient::logout`] close explicitly; a session
//!   dropped without a logout is closed best-effort in the background (on the current Tokio
//!   runtime, with a [`DEFAULT_CLOSE_ON_DROP_TIMEOUT`] timeout).
//! - **Keys**: one provider is one (base URL, application key, token source); its `store_key` is
//!   `pagos:<base>:<token source key>:app-<fingerprint of the application key>`. Dedicated sessions
//!   are not written to session stores (each is bound to a token lease of this process, and would be
//!   closed by whichever process dropped it); client-credentials tokens are.
//!
//! # Errors
//!
//! Pagos sends no error codes; the codes below are this crate's labels, what [`Error::code`]
//! returns:
//!
//! | code | meaning | kind | retried automatically |
//! |---|---|---|---|
//! | `INVALID_TOKEN` | `InvalidToken: true` or HTTP 401, after one token renewal and retry (at once with a fixed token) | `SessionRejected` | the manager logs in again |
//! | `OPEN_REFUSED` | `OpenDedicatedSession`: `Success: false`, `InvalidToken: false` (e.g. "The requested application is invalid.") | `InvalidCredentials` | never; remembered until reset |
//! | `INVALID_SESSION_ID` | `OpenDedicatedSession`: `Success: true` without a non-nil GUID `SessionId` | `UnexpectedResponse` | no |
//!
//! Answers without one of those codes:
//!
//! | upstream answer | [`ErrorKind`] | code |
//! |---|---|---|
//! | close: `Success: false`, `InvalidToken: false` | none: already closed | — |
//! | later call: `Success: false`, `InvalidToken: false` | none: a [`CallResponse`] with `is_success() == false` | — |
//! | token endpoint: an RFC 6749 error (`invalid_client` with the client-credentials grant is `InvalidCredentials`) | as the core's table, `session_core::oauth::CODES` | the RFC code |
//! | HTTP 429 | `RateLimited` (+ `retry_after`) | — |
//! | HTTP 404 or 405, HTML page or not (wrong base URL or method) | `Configuration` | — |
//! | HTTP 5xx, HTML page, truncated body | `Unavailable` | — |
//! | other 4xx, malformed JSON, redirect | `UnexpectedResponse` | — |
//!
//! `InvalidCredentials` is never retried by the manager until `reset()`; note that the bearer
//! token's own manager ([`PagosProvider::token_manager`]) remembers an `invalid_client` separately.
//!
//! **Upstream messages.** `Messages` are upstream free text, so they are kept out of every error's
//! `Display` and `Debug` (core error messages are fixed strings). The error carries them in a
//! [`PagosFailure`] in its source chain: `PagosFailure::of(&err).map(|f| f.messages())`. They are
//! bounded ([`MAX_MESSAGES`] × [`MAX_MESSAGE_CHARS`]) and scrubbed of the token, application key and
//! session id the request carried; whether they go into your logs is your decision.
//!
//! # Security
//!
//! - The bearer token, client secret, application key and session id live in secret newtypes
//!   (`AccessToken`, `ClientSecret`, `AppKey`, `SessionId`): redacted `Debug`, no `Display`.
//!   The `Authorization` header is marked sensitive.
//! - Client id and secret travel in the token request's form body (or HTTP Basic), never in a URL.
//! - HTTPS only; `http://` only for loopback hosts with
//!   [`PagosBuilder::allow_insecure_loopback`]. Redirects are never followed.
//! - A refused token is renewed once, never in a loop (Pagos locks out clients that guess secrets);
//!   an `invalid_client` answer is remembered by the token manager and not retried.
//! - Logs (`tracing`) carry the provider name, token generations and outcomes; never URLs, bodies,
//!   headers or secrets.
//! - Only an explicit `Success: false` is a refusal (`InvalidCredentials`, which the login guard
//!   remembers): a 2xx answer that is not a JSON object saying `Success` (`[]`, `{}`, garbage)
//!   is `UnexpectedResponse`, so a broken gateway cannot lock the login out. Every parser is
//!   fuzzed (`fuzz/`, and a bounded run in CI).
//!
//! # Where the documents are silent or conflict
//!
//! - The token endpoint path of SpreadsheetWEB Server is not documented: the token URL is its own
//!   setting. Client credentials go in the form body, URL-encoded (a vendor sample concatenates them
//!   unencoded).
//! - The REST path of `CloseDedicatedSession` is inferred (`/Api/Applications/CloseDedicatedSession`,
//!   beside the documented open).
//! - Whether a session is bound to the token that opened it is unknown: this crate assumes it is,
//!   and never keeps a session past its token's expiry.
//! - The idle timeout of a dedicated session is unknown: [`DEFAULT_SESSION_TTL`] is an assumption.
//! - The documents show failures only as HTTP 200; a 401 is treated like `InvalidToken: true`
//!   (RFC 6750's `invalid_token`), other statuses map to the core kinds.
//! - The success sample omits `InvalidToken`; it defaults to false.
//! - What Pagos answers for a call with a closed or expired `SessionId` is unknown; such answers are
//!   returned as they are.
//!
//! `serde_json::Value` (serde_json 1.x) appears in [`PagosClient::call`] and [`CallResponse`],
//! because Pagos request and reply bodies are free-form JSON.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;
mod client;
mod config;
mod error;
mod provider;
mod session;
#[cfg(feature = "test-util")]
mod sim;
mod token;
mod wire;

pub use client::PagosClient;
pub use config::{DEFAULT_CLOSE_ON_DROP_TIMEOUT, DEFAULT_SESSION_TTL, PagosBuilder, TokenSource};
pub use error::{MAX_MESSAGE_CHARS, MAX_MESSAGES, PagosFailure};
pub use provider::PagosProvider;
/// The `serde_json` crate, whose `Value` the Pagos calls take and return.
pub use serde_json;
pub use session::DedicatedSession;
#[doc(inline)]
pub use session_core::prelude::*;
pub use session_core::{
    AccessToken, AppKey, ClientCredentials, ClientSecret, SessionId, StaticToken,
    StaticTokenProvider,
};
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use sim::{PagosFault, PagosSim, PagosSimBuilder, SimFault, SimOp};
pub use token::{BearerSource, BearerToken, TokenManager, TokenProvider};
pub use wire::CallResponse;

/// The README's examples, compiled as doctests so the quick start stays true.
#[cfg(doctest)]
#[doc(test(attr(deny(warnings), allow(dead_code))))]
#[doc = include_str!("../README.md")]
mod readme {}
