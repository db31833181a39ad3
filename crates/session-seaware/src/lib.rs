//! Secret-safe Seaware SwOTA OAuth sessions.
//!
//! Seaware (Versonix) SwOTA lets a REST client work inside a *session*: log in with
//! `POST {base}/ota/oauth/token` (OAuth 2 password grant), send
//! `Authorization: Bearer <access_token>` with every `POST {base}/ota/rest/{Message}`, and log out
//! with `POST {base}/ota/oauth/logout`. This crate is the [`SessionProvider`] for that flow, built
//! on `session-core`: the [`SessionManager`] caches the session, logs in once for all concurrent
//! callers, renews it a buffer before it expires, and re-logs in when Seaware rejects it.
//!
//! # Quick start
//!
//! ```no_run
//! use session_seaware::{SeawareProvider, SessionManager, SessionProvider, TRAVELAGENT, authorize};
//!
//! # async fn run() -> session_seaware::Result<()> {
//! let provider = SeawareProvider::builder("https://bookings.example.com")
//!     .credentials("JAMES", std::env::var("SEAWARE_PASSWORD").unwrap_or_default())
//!     .scope(TRAVELAGENT)
//!     .build()?;
//! let manager = SessionManager::new(provider);
//!
//! // For each OTA request:
//! let mut headers = http::HeaderMap::new();
//! let lease = authorize(&manager, &mut headers).await?; // gateway headers + Bearer
//! let url = manager.provider().rest_url("OTA_PingRQ");
//! // ... send the XML with `headers` to `url`, then, if the answer says the session is gone:
//! # let response = session_seaware::HttpResponse::json_body("seaware", 401, "{}");
//! if manager.provider().is_rejection(&response) {
//!     manager.invalidate(&lease); // the next `authorize` logs in again, once
//! }
//!
//! manager.logout().await?;
//! # Ok(()) }
//! ```
//!
//! # What it does
//!
//! - **Login**: `username`, `password`, `client_id` (default `ota`), `client_secret` (default
//!   `ota`), `grant_type=password` and `scope` (a free string; [`TRAVELAGENT`] by default,
//!   [`RESAGENT`] known too). Parameters go in the **query string** with an empty body, the only
//!   documented form ([`Placement::Query`], the default), or in an
//!   `application/x-www-form-urlencoded` body ([`Placement::Form`]) by configuration.
//! - **Token response**: `{access_token, token_type, refresh_token, expires_in, scope}`;
//!   `expires_in` may be a number or a string, `token_type` is compared case-insensitively (and
//!   must be `bearer` when present), a missing `expires_in` means [`DEFAULT_TTL`] (900 s, as
//!   documented; configurable with [`SeawareBuilder::default_ttl`] — some deployments issue 300 s).
//!   Expiry is computed when the response is received; renewal happens
//!   [`renew_buffer`](SeawareBuilder::renew_buffer) (60 s) plus jitter before it.
//! - **Renewal** ([`RenewalMode`]): `RefreshThenLogin` (default) tries the `refresh_token` grant;
//!   `invalid_grant`/`invalid_token` make the session rejected, so the manager logs in again once;
//!   `unsupported_grant_type` switches refresh off for this provider and the manager logs in
//!   instead (now and later). `LoginOnly` never refreshes.
//! - **Logout**: `POST {base}/ota/oauth/logout` with the bearer; 200 `{"status":"success"}` is
//!   success, and so is 401 (the session was already gone). [`SessionManager::logout`] is explicit
//!   and async; [`LogoutOnDrop`] adds an opt-in, best-effort background logout on drop, bounded
//!   by a short timeout.
//! - **Session-less accounts** ([`SessionMode::SessionLess`]): no login request, no bearer, no
//!   logout.
//! - **Gateway bearer** ([`Gateway`]): deployments that put a separate gateway token (for example
//!   Auth0 client credentials, see [`ClientCredentialsProvider`]) in front of Seaware get it from a
//!   second managed session, sent in a header of your choice. It can never silently collide with
//!   the session bearer: configuring the gateway into `Authorization` while sessions are on is a
//!   [`Configuration`](ErrorKind::Configuration) error, and so is an
//!   [`extra_headers`](SeawareBuilder::extra_headers) hook that sets a header already set.
//!   A 401 cannot say which layer refused a request: [`is_rejection`] treats it as the SwOTA
//!   session's, so the manager logs in to Seaware again; if the gateway token itself was revoked
//!   early, invalidate the gateway manager's lease too.
//! - **Rejections**: [`is_rejection`] (also [`SessionProvider::is_rejection`]) recognises HTTP
//!   401, an `invalid_token` body, and OTA `<Errors>` bodies that say the session expired
//!   ([`ota_session_expired`]).
//! - **Transport**: `https://` only; `http://` is refused unless the host is loopback *and*
//!   [`allow_insecure_loopback`](SeawareBuilder::allow_insecure_loopback) is set. Redirects are
//!   never followed.
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
//!   `reqwest-middleware` clients; see below.
//! - `test-util`: [`SeawareSim`], a stateful simulator of SwOTA's session endpoints (password
//!   grant in query or form, expiry on an injected clock, refresh on/off, logout, Spring-style
//!   error bodies, scripted faults, request counters), for your tests and `sessions demo`.
//!
//! # Authenticated requests (feature `middleware`)
//!
//! `SessionMiddleware` takes a lease for every request, lets [`SeawareSession`] add
//! `Authorization: Bearer <access_token>` (marked sensitive), and when the answer is a rejection
//! ([`is_rejection`]: HTTP 401, an `invalid_token` body, or an OTA `<Errors>` body saying the
//! session expired, which arrives with HTTP 200 and is read without taking it from the caller) it
//! invalidates that session and resends the request **once** with a new one. OTA messages are
//! `POST`s, which are resent only when they carry the `Repeatable` extension (mark read-only
//! messages such as `OTA_PingRQ` or availability searches); any other rejected request fails
//! with [`ErrorKind::SessionRejected`] after one request, inside
//! `reqwest_middleware::Error::Middleware`. Any number of concurrent rejections of one session
//! cause one login.
//!
//! The middleware adds only the session bearer. With a [`Gateway`] or an
//! [`extra_headers`](SeawareBuilder::extra_headers) hook, add those headers with a middleware
//! placed *after* `SessionMiddleware` (it then runs for the resend too), or use [`authorize`].
//!
//! ```no_run
//! # #[cfg(feature = "middleware")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use session_seaware::{Repeatable, SeawareProvider, SessionManager, SessionMiddleware};
//!
//! let provider = SeawareProvider::builder("https://bookings.example.com")
//!     .credentials("JAMES", std::env::var("SEAWARE_PASSWORD").unwrap_or_default())
//!     .build()?;
//! let manager = SessionManager::new(provider);
//! let url = manager.provider().rest_url("OTA_PingRQ");
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(SessionMiddleware::new(manager))
//!     .build();
//! let reply = client
//!     .post(url.as_str())
//!     .header("content-type", "application/xml")
//!     .with_extension(Repeatable) // a ping is safe to send twice
//!     .body("<OTA_PingRQ><EchoData>hi</EchoData></OTA_PingRQ>")
//!     .send()
//!     .await?;
//! # let _ = reply; Ok(()) }
//! ```
//!
//! # Security
//!
//! The documented login puts the **password and client secret in the URL**. That URL is built in
//! one place, sent by `session-core`'s HTTP client (which logs no URL, header or body, and whose
//! errors carry none), and never formatted: no log line, span field, error message or `Debug`
//! output of this crate contains it. The tests prove it with sentinel secrets and captured
//! `tracing` and `log` output at TRACE level. Proxies and access logs on the way can still record
//! query strings: use [`Placement::Form`] once your deployment confirms it accepts form bodies.
//!
//! Passwords, client secrets and tokens live in redacting secret types
//! ([`Password`], [`ClientSecret`], [`AccessToken`], [`RefreshToken`]); every `Debug` here is
//! written by hand; the bearer header is marked sensitive. An RFC 6749 `error_description` is
//! treated as secret-bearing (Spring Security OAuth up to 2.5.1 echoes tokens in it): it is read
//! only to tell a locked account from a wrong password, and never kept or shown. OTA error bodies
//! are never kept or shown either.
//!
//! Hostile answers cannot burn CPU or memory: the OTA "session expired" scan
//! ([`ota_session_expired`]) is one linear pass (a 1 MiB body of `<` takes about 16× as long as a
//! 64 KiB one) that reads at most 4 KiB of any one error's text; the middleware inspects at most
//! 64 KiB of an answer. `expires_in` of any size (`1e300`, `u64::MAX`) saturates instead of
//! overflowing, and a scope or token type is shown in `Debug` only when it is made of codes.
//! Every parser is fuzzed (`fuzz/`, and a bounded run in CI).
//!
//! # Upstream code → [`ErrorKind`]
//!
//! Seaware's reading of some RFC 6749 codes comes first:
//!
//! | Seaware `error` | grant | meaning | kind | retried automatically |
//! |---|---|---|---|---|
//! | `invalid_grant` | password | bad credentials; `AccountRestricted` when the description names a locked, disabled or expired account | `InvalidCredentials` | never; remembered until reset |
//! | `invalid_grant`, `invalid_token` | refresh_token | the refresh token is dead: one new login | `SessionRejected` | the manager logs in again |
//! | `unsupported_grant_type` | refresh_token | refresh is switched off for this provider: one new login (no error) | `SessionRejected` | the manager logs in again |
//! | `unauthorized` | any | Spring Security's client-authentication failure | `Configuration` | no |
//!
//! Every other code maps by the core's RFC 6749 table ([`session_core::oauth::CODES`]):
//!
//! | RFC 6749 `error` | grant | meaning | kind | retried automatically |
//! |---|---|---|---|---|
//! | `invalid_grant` | refresh_token | the refresh token is expired, revoked or unknown | `SessionRejected` | the manager logs in again |
//! | `invalid_grant` | any | the grant's credentials (password, code) were refused | `InvalidCredentials` | never; remembered until reset |
//! | `invalid_client` | client_credentials | client authentication failed: the client's id and secret are this grant's credentials | `InvalidCredentials` | never; remembered until reset |
//! | `invalid_client` | any | client authentication failed | `Configuration` | no |
//! | `unauthorized_client` | any | the client may not use this grant | `Configuration` | no |
//! | `unsupported_grant_type` | any | the server does not support this grant | `Configuration` | no |
//! | `invalid_scope` | any | the scope is invalid | `Configuration` | no |
//! | `invalid_request` | any | the request is malformed | `Configuration` | no |
//! | `unsupported_response_type` | any | the server does not support this response type | `Configuration` | no |
//! | `invalid_token` | any | the token is expired, revoked or unknown | `SessionRejected` | the manager logs in again |
//! | `access_denied` | any | the resource owner or the server refused | `AccountRestricted` | never; remembered until reset |
//! | `temporarily_unavailable` | any | the server is overloaded or down for maintenance | `Unavailable` | yes, with backoff (`Error::is_retryable`) |
//! | `server_error` | any | the server failed | `Unavailable` | yes, with backoff (`Error::is_retryable`) |
//! | `slow_down` | any | too many requests | `RateLimited` | not inside the ban window |
//! | any other code | any | a code this crate does not know (kept) | `UnexpectedResponse` | no |
//!
//! Answers without an error code, and answers to other calls:
//!
//! | upstream answer | grant / endpoint | kind |
//! |---|---|---|
//! | `invalid_request` to a request with the parameters in the query string | any | `Configuration`; the message says to use [`Placement::Form`] (CLI `--params form`) |
//! | HTTP 404 or 405 without an RFC 6749 body (an HTML "Not Found" page included) | token, logout | `Configuration` ("no seaware oauth endpoint at the base url"): a wrong base URL |
//! | HTTP 5xx, HTML gateway page, truncated body | any | `Unavailable` |
//! | HTTP 429 | any | `RateLimited` (with `Retry-After`) |
//! | malformed body, `token_type` other than `bearer` | any | `UnexpectedResponse` |
//! | HTTP 401, `invalid_token` | logout | success (already logged out) |
//! | HTTP 401, `invalid_token`, OTA `<Errors>` "session expired" | `/ota/rest/*` | rejection ([`is_rejection`]) |
//!
//! An RFC 6749 error body is recognised by its JSON shape whatever its `Content-Type` (oauthlib
//! labels some as `text/html`); only a real HTML page counts as a gateway page. The upstream code
//! is kept as [`Error::code`]; the message is fixed and names the HTTP status
//! (`seaware: login rejected (http 400): invalid_grant`).
//!
//! # Where the sources disagree or say nothing, and what this crate does
//!
//! - *Query string vs form body.* SwOTA documents only the query string, which RFC 6749 §2.3.1
//!   forbids for client secrets. Default: query (documented); form by configuration. Standard
//!   servers built on oauthlib (django-oauth-toolkit among them) refuse query parameters on a token
//!   `POST` with `400 invalid_request`, sent as `text/html`: that answer is read by its shape, and
//!   the error says to switch to [`Placement::Form`]. The workspace tests the form placement
//!   (login, refresh, refresh-then-login, logout) against django-oauth-toolkit itself, and the
//!   query placement against the simulator.
//! - *Refresh grant.* Not documented; the published responses carry a `refresh_token` equal to the
//!   access token. Default: try it, fall back to login, remember `unsupported_grant_type`.
//! - *Missing `expires_in`.* 900 s documented, 300 s seen: configurable default, 900 s.
//! - *Token error bodies.* Not documented; the response shape matches Spring Security OAuth2, so
//!   its RFC 6749 bodies and status codes are assumed (including `unauthorized` for a failed client
//!   authentication).
//! - *Expired session on `/ota/rest/*`.* Not documented: both Spring's 401 `invalid_token` and an
//!   OTA `<Errors>` body are recognised.
//! - *Two bearers (HX).* The HX docs put both an Auth0 token and the session token in
//!   `Authorization` without saying how they coexist: the gateway goes in a header you choose, or
//!   in `Authorization` only for session-less accounts.
//! - *Base URL.* Each cruise line runs its own Seaware: the base URL is required and is the part
//!   before `/ota`.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;
mod config;
mod error;
mod provider;
#[cfg(feature = "test-util")]
mod sim;
mod wire;

pub use config::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TTL, ExtraHeaders, RESAGENT, RenewalMode,
    SeawareBuilder, SessionMode, TRAVELAGENT,
};
pub use provider::{SeawareProvider, SeawareSession, authorize};
pub use session_core::oauth::{ClientCredentialsProvider, OAuthSession, Placement};
#[doc(inline)]
pub use session_core::prelude::*;
pub use session_core::{
    AccessToken, ClientCredentials, ClientSecret, Gateway, Password, RefreshToken, StaticToken,
    StaticTokenProvider,
};
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use sim::{
    ExpiresIn, RejectionStyle, SIM_TOKEN_PREFIX, SeawareFault, SeawareSim, SeawareSimBuilder,
    SimFault, SimOp,
};
pub use wire::{is_rejection, ota_session_expired};

/// The README's examples, compiled as doctests so the quick start stays true.
#[cfg(doctest)]
#[doc(test(attr(deny(warnings), allow(dead_code))))]
#[doc = include_str!("../README.md")]
mod readme {}
