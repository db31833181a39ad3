//! Secret-safe Matchbook exchange sessions.
//!
//! Matchbook's session API is one resource, `{base}/bpapi/rest/security/session`: `POST` logs in
//! (JSON `username`, `password` and, for accounts with multi-factor authentication, `mfa-code`),
//! every later request carries the token as the **`session-token`** header, `GET` checks the
//! session and `DELETE` ends it. This crate is the [`SessionProvider`] for that flow, built on
//! `session-core`: the [`SessionManager`] caches the session, logs in once for all concurrent
//! callers, renews it before it runs out and logs in again when Matchbook rejects it.
//!
//! # Quick start
//!
//! ```no_run
//! use session_matchbook::{DEFAULT_BASE_URL, MatchbookProvider, Session, SessionManager};
//!
//! # async fn run() -> session_matchbook::Result<()> {
//! let provider = MatchbookProvider::builder(DEFAULT_BASE_URL)
//!     .credentials("alice", std::env::var("MATCHBOOK_PASSWORD").unwrap_or_default())
//!     .build()?;
//! let manager = SessionManager::new(provider);
//!
//! // For each request to {base}/edge/rest/...:
//! let lease = manager.get().await?;
//! let mut headers = http::HeaderMap::new();
//! lease.authenticate(&mut headers); // session-token: …
//! let url = manager.provider().api_url("account");
//! // ... send the request with `headers` to `url`; if the answer is a rejection (HTTP 401):
//! # let response = session_matchbook::HttpResponse::json_body("matchbook", 401, "{}");
//! if session_matchbook::is_rejection(&response) {
//!     manager.invalidate(&lease); // the next get() logs in again, once
//! }
//! manager.logout().await?;
//! # Ok(()) }
//! ```
//!
//! # What it does
//!
//! - **Login**: `POST` with `{"username","password"}` (`Content-Type: application/json`); with
//!   an MFA code source ([`MatchbookBuilder::mfa_source`], or a fixed
//!   [`mfa_code`](MatchbookBuilder::mfa_code)) the code asked for before each login is added as
//!   `"mfa-code"`. Only `session-token` and `user-id` are read from the answer; the account block
//!   is personal data and is never read, kept or logged.
//! - **Lifetime**: Matchbook sends no expiry; a session is assumed to last [`DEFAULT_TTL`]
//!   (6 hours) from login, and is renewed [`renew_buffer`](MatchbookBuilder::renew_buffer)
//!   (10 minutes) plus jitter before that.
//! - **Renewal**: `GET` with the token. 200 keeps the same session and moves its assumed expiry
//!   to [`DEFAULT_TTL`] from the check ([`Renewal::Extended`]); 401 means the session ended, so the
//!   manager logs in again, once.
//! - **Logout**: `DELETE` with the token; 200 is success and so is 401 (already ended).
//! - **Rejections**: [`is_rejection`] (also [`SessionProvider::is_rejection`]) is HTTP 401 from
//!   any API under `{base}/edge/rest/`: the middleware invalidates the session, logs in once and
//!   resends a repeatable request.
//! - **Stores**: sessions persist (token, user id, expiry) to any [`SessionStore`] and resume
//!   from it, so a restarted process does not log in again: Matchbook asks clients not to log
//!   in repeatedly.
//! - **Transport**: `https://` only (an opt-out exists for loopback hosts); redirects, which
//!   Matchbook sends for `http://`, are never followed.
//!
//! # Features
//!
//! - TLS, one of: `rustls` (default; rustls with `aws-lc-rs` and the operating system's roots),
//!   `rustls-ring` (rustls with `ring`) or `native-tls` (the platform library and its trust
//!   store). Builders also take a proxy, a backend and your own `reqwest` client.
//! - `middleware`: `SessionMiddleware` and `Repeatable` (re-exported from `session-core`) for
//!   `reqwest-middleware` clients: the `session-token` header on every request, and one resend
//!   after a 401.
//! - `blocking`: `BlockingManager` (re-exported from `session-core`) for synchronous code.
//! - `test-util`: [`MatchbookSim`], a stateful simulator of the session resource (users with
//!   and without MFA, sessions that expire on an injected clock, scripted faults, request
//!   counters) and of an API under `/edge/rest/` that answers 401 for a dead session, for your
//!   tests and `sessions demo`.
//!
//! # Security
//!
//! The password, MFA code and session token live in redacting secret types ([`Password`],
//! [`MfaCode`], [`SessionToken`]); every `Debug` here is written by hand; the `session-token`
//! header is marked sensitive. No body, header or URL is logged or kept in an error: an error
//! holds the HTTP status and Matchbook's first error code, when it looks like a code. The
//! tests prove it with sentinel secrets and captured `tracing` and `log` output at TRACE level,
//! against a simulator whose error messages echo the token. Every parser is fuzzed (`fuzz/`,
//! and a bounded run in CI).
//!
//! # Upstream code → [`ErrorKind`]
//!
//! A refused login's first `errors[].codes` entry:
//!
//! | Matchbook `codes` | meaning | kind | retried automatically |
//! |---|---|---|---|
//! | `LOGIN_MFA_REQUIRED` | the account needs an MFA code: configure an MFA code source | `InvalidCredentials` | never; remembered until reset |
//! | any other code | any other 4xx login answer, with or without a code (kept as the error's code) | `InvalidCredentials` | never; remembered until reset |
//!
//! Answers without a code, and answers to other calls:
//!
//! | upstream answer | call | kind |
//! |---|---|---|
//! | HTTP 429 (with `Retry-After`) | any | `RateLimited`: no login inside the ban window |
//! | HTTP 5xx, an HTML page (any status), a truncated body | any | `Unavailable` |
//! | HTTP 404 or 405 without an error body | login | `Configuration`: a wrong base URL |
//! | a redirect, a malformed body, a login answer without `session-token` | any | `UnexpectedResponse` |
//! | HTTP 401 | check | `SessionRejected`: the manager logs in again |
//! | HTTP 401 | logout | success (already ended) |
//! | HTTP 401 | `/edge/rest/*` | rejection ([`is_rejection`]) |
//!
//! # Where the sources say nothing, and what this crate does
//!
//! - *The codes for a wrong password and a locked or suspended account* are not documented:
//!   every 4xx login answer that is not a 429 is `InvalidCredentials` with the first code kept
//!   ([`Error::code`]), never retried automatically. A suspended account is therefore not told
//!   apart (`AccountRestricted` is never returned); both need a person.
//! - *Whether a 401 from the `GET` check can mean "rate limited"*: taken to mean the session
//!   ended; the one re-login that follows goes through the login guard, so a real rate limit
//!   then shows up as the login's 429 and is respected.
//! - *Whether the token changes on a check*: the token in a check's answer is ignored; the
//!   session keeps the token login returned.
//! - *Whether a check extends the session*: the older client uses it as its keep-alive, so a
//!   successful check moves the assumed expiry; if Matchbook ends the session at six hours
//!   from login anyway, the next request's 401 is recovered from by one re-login.
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

pub use config::{DEFAULT_BASE_URL, DEFAULT_TTL, MatchbookBuilder, MfaCode, MfaSource};
pub use provider::{MatchbookProvider, MatchbookSession};
#[doc(inline)]
pub use session_core::prelude::*;
pub use session_core::{Password, SessionToken};
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use sim::{
    MatchbookFault, MatchbookSim, MatchbookSimBuilder, SIM_TOKEN_PREFIX, SimFault, SimOp,
};
pub use wire::{SESSION_HEADER, is_rejection};

/// The README's examples, compiled as doctests so the quick start stays true.
#[cfg(doctest)]
#[doc(test(attr(deny(warnings), allow(dead_code))))]
#[doc = include_str!("../README.md")]
mod readme {}
