//! Secret-safe CAS sessions: the **William Hill Sessions API v2** (a CAS front, the default
//! flavor) and any **Apereo CAS REST** server, behind one [`SessionProvider`].
//!
//! A login yields a ticket-granting ticket (TGT) held in a [`CasSession`] together with its
//! locally tracked lifetime. The [`SessionManager`] caches it, logs in once for many concurrent
//! callers, renews it by validating it (which counts as use and pushes back the idle timeout),
//! logs in again before the hard cap, and ends it on logout. One-time service tickets for
//! CAS-enabled services come from [`CasProvider::service_ticket`].
//!
//! # Quick start (William Hill)
//!
//! ```no_run
//! use session_cas::{ApiKeySecret, CasProvider, ErrorKind, SessionManager, UsernamePassword};
//!
//! # async fn run() -> session_cas::Result<()> {
//! let provider = CasProvider::builder(
//!     "https://sandbox.whapi.com/v2/sessions",
//!     UsernamePassword::new("punter_01", std::env::var("WH_PASSWORD").unwrap_or_default()),
//! )
//! .api_credentials(ApiKeySecret::new(
//!     std::env::var("WH_API_KEY").unwrap_or_default(),
//!     std::env::var("WH_API_SECRET").unwrap_or_default(),
//! ))
//! .build()?;
//! let manager = SessionManager::new(provider);
//! // Optional: validate the ticket every hour so the 2-hour idle timeout never fires.
//! let _keep_alive = manager.spawn_keep_alive();
//!
//! let lease = manager.get().await?; // logs in once, then hands out the cached ticket
//! // Other William Hill v2 APIs: `authenticate` adds apiKey, apiSecret and apiTicket headers.
//! let mut headers = http::HeaderMap::new();
//! session_cas::Session::authenticate(&*lease, &mut headers);
//!
//! // A CAS-enabled service: a fresh one-time service ticket per access, never cached.
//! match manager.provider().service_ticket(&lease, "https://sports.williamhill.com/").await {
//!     Ok(st) => { let _ = st; /* hand `st` to the service */ }
//!     Err(e) if e.kind() == ErrorKind::SessionRejected => {
//!         manager.invalidate(&lease); // the next get() logs in again, once
//!     }
//!     Err(e) => return Err(e),
//! }
//! manager.logout().await?;
//! # Ok(()) }
//! ```
//!
//! # Quick start (Apereo CAS)
//!
//! ```no_run
//! use session_cas::{CasProvider, Flavor, SessionManager, UsernamePassword};
//! # async fn run() -> session_cas::Result<()> {
//! let provider = CasProvider::builder("https://cas.example.org/cas", UsernamePassword::new("ann", "pw"))
//!     .flavor(Flavor::Apereo)
//!     // Apereo counts service-ticket grants, not status reads, as use: renew with one.
//!     .renew_service("https://app.example.org/keepalive")
//!     .build()?;
//! let manager = SessionManager::new(provider);
//! let lease = manager.get().await?;
//! let st = manager.provider().service_ticket(&lease, "https://app.example.org/login").await?;
//! # let _ = st; Ok(()) }
//! ```
//!
//! # The two flavors
//!
//! | | [`Flavor::WhApi`] (default) | [`Flavor::Apereo`] |
//! |---|---|---|
//! | base URL | `https://sandbox.whapi.com/v2/sessions` (no production host is published: configure it) | the CAS prefix, e.g. `https://cas.example.org/cas` |
//! | every call | headers `apiKey`, `apiSecret` (secret, sensitive), `Accept: application/json`, optional `territory` (`COM`/`ES`/`IT`), optional query `languageAsPerTerritory` | `Accept: text/plain` |
//! | log in | `POST {base}/tickets` (`?extended=Y` for an extended ticket), JSON `{username, password, extended}` → any 2xx JSON `{ticket, expiryDateTime, extended, ...}`; `fields`/`include`/`exclude` supported | `POST {base}/v1/tickets`, form `username`, `password` → 201 + `Location` |
//! | validate (renew) | `GET {base}/tickets/{tgt}` → `{valid}` (or older `{success}`) | `GET {base}/v1/tickets/{tgt}` → 200 / 404 |
//! | service ticket | `GET {base}/tickets/{tgt}/serviceTicket?target=<url>` → `{ticket, location}` | `POST {base}/v1/tickets/{tgt}`, form `service=` → text `ST-...` |
//! | log out | `DELETE {base}/tickets/{tgt}` → `{success}`; 404 / 20511 = already out | `DELETE {base}/v1/tickets/{tgt}` → 200; 404 = already out |
//! | [`Session::authenticate`] | `apiKey`, `apiSecret`, `apiTicket: <TGT>` | nothing (CAS services take service tickets) |
//!
//! The TGT is always one percent-encoded path segment of a URL built from the configured base
//! (never from a server's `Location`, which behind a proxy may name an internal host).
//!
//! # Ticket lifetime
//!
//! Tracked locally per ticket ([`CasSession`]), from the local time the login request was sent:
//!
//! - **idle timeout** 7,200 s ([`DEFAULT_IDLE_TIMEOUT`]), pushed back by every successful use
//!   through this crate (validation, renewal, service-ticket grant);
//! - **hard cap** `min(28,000 s, server expiryDateTime)` ([`DEFAULT_MAX_LIFETIME`]);
//! - **extended** William Hill tickets: 60 days ([`DEFAULT_EXTENDED_LIFETIME`]), no idle timeout.
//!
//! The session's [`Expiry`] is the earlier deadline. The provider's [`RenewPolicy`] asks the
//! manager to validate every hour (half the idle timeout; none for extended tickets) when a
//! keep-alive supervisor runs, and to renew 2 minutes (plus up to 30 s of jitter) before the
//! deadline. Within that window of the hard cap no use can help, so renewal answers
//! [`Renewal::Unsupported`] and the manager logs in again; a ticket past its deadline is treated
//! as gone (no request is made with it). Lifetimes are configurable ([`CasBuilder::lifetimes`]).
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
//!   `reqwest-middleware` clients of William Hill's other v2 APIs; see below.
//! - `test-util`: [`CasSim`], a stateful simulator of both flavors on a loopback port (idle and
//!   hard expiry against an injected clock, validation, single-use service tickets, an
//!   authenticated `/resource` standing in for other William Hill APIs, scripted failures, bans,
//!   account locking, request counters), for your tests and `sessions demo`.
//!
//! # Authenticated requests (feature `middleware`)
//!
//! `SessionMiddleware` takes a lease for every request, lets [`CasSession`] add `apiKey`,
//! `apiSecret` and `apiTicket` (all marked sensitive), and when the answer says the ticket is
//! dead ([`CasProvider`]'s `is_rejection`: HTTP 401; code 20511; a 403/404 error naming
//! `apiTicket`, `who-ticket`, `tgt` or `ticket`; a v1 `whoFaults` entry about the ticket) it
//! invalidates that ticket and resends the request **once** with a new one — for idempotent
//! methods, or requests carrying the `Repeatable` extension. Anything else fails with
//! [`ErrorKind::SessionRejected`] after one request, inside
//! `reqwest_middleware::Error::Middleware`. Any number of concurrent rejections of one ticket
//! cause one login. Apereo sessions add no header (CAS services take service tickets).
//!
//! ```no_run
//! # #[cfg(feature = "middleware")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use session_cas::{ApiKeySecret, CasProvider, Repeatable, SessionManager, SessionMiddleware};
//! use session_cas::UsernamePassword;
//!
//! let provider = CasProvider::builder(
//!     "https://sandbox.whapi.com/v2/sessions",
//!     UsernamePassword::new("punter_01", std::env::var("WH_PASSWORD").unwrap_or_default()),
//! )
//! .api_credentials(ApiKeySecret::new("api-key", "api-secret"))
//! .build()?;
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(SessionMiddleware::new(SessionManager::new(provider)))
//!     .build();
//! // Another William Hill v2 API (the path here is a placeholder):
//! let resp = client.get("https://sandbox.whapi.com/v2/accounts/me").send().await?;
//! // A POST the API treats as idempotent may opt in to the resend:
//! let resp = client
//!     .post("https://sandbox.whapi.com/v2/accounts/me/search")
//!     .with_extension(Repeatable)
//!     .send()
//!     .await?;
//! # let _ = resp; Ok(()) }
//! ```
//!
//! # Errors: upstream code → [`ErrorKind`]
//!
//! William Hill's codes (the first known code of the `errors` array decides):
//!
//! | William Hill code | call | meaning | kind | retried automatically |
//! |---|---|---|---|---|
//! | `20501` | login | credentials did not validate (HTTP 401) | `InvalidCredentials` | never; remembered until reset |
//! | `20501` | validate, service ticket, logout | credentials did not validate: the ticket is not accepted | `SessionRejected` | the manager logs in again |
//! | `20502` | any | target service not established (`is_target_not_established`) | `Configuration` | no |
//! | `20503` | any | account self-excluded (HTTP 403) | `AccountRestricted` | never; remembered until reset |
//! | `20504` | any | account locked | `AccountRestricted` | never; remembered until reset |
//! | `20505` | any | account inactive | `AccountRestricted` | never; remembered until reset |
//! | `20506` | any | account closed | `AccountRestricted` | never; remembered until reset |
//! | `20507` | any | age verification required | `AccountRestricted` | never; remembered until reset |
//! | `20508` | any | self-excluded, reactivation available | `AccountRestricted` | never; remembered until reset |
//! | `20509` | any | time-out (cool-off) applied | `AccountRestricted` | never; remembered until reset |
//! | `20510` | any | target service not established (`field: target`, HTTP 403; `is_target_not_established`) | `Configuration` | no |
//! | `20511` | validate, service ticket, logout | ticket-granting ticket not found (HTTP 404); on logout: success, already gone | `SessionRejected` | the manager logs in again |
//! | `20512` | any | account suspended | `AccountRestricted` | never; remembered until reset |
//! | `20513` | any | max linked accounts | `AccountRestricted` | never; remembered until reset |
//! | `20514` | any | account closed by player | `AccountRestricted` | never; remembered until reset |
//!
//! Apereo's account-state exceptions (the name becomes the error's code) and this crate's label
//! for a refused service:
//!
//! | Apereo code | meaning | kind | retried automatically |
//! |---|---|---|---|
//! | `AccountLockedException`, `AccountDisabledException`, `AccountExpiredException`, `AccountPasswordMustChangeException`, `InvalidLoginLocationException`, `InvalidLoginTimeException` | login 401 naming an account state | `AccountRestricted` | never; remembered until reset |
//! | `INVALID_SERVICE` | service ticket 400, or 500 "unspecified or unrecognized": target service not established (`is_target_not_established`) | `Configuration` | no |
//!
//! Answers without a known code (20511 on login included) are decided by the call and status:
//!
//! | upstream | kind |
//! |---|---|
//! | WH 401 / 404 on a ticket call | [`SessionRejected`](ErrorKind::SessionRejected) |
//! | WH 403 without code on the service-ticket call | [`Configuration`](ErrorKind::Configuration), "target service not established" ([`is_target_not_established`]) |
//! | WH login 404 without a code ("application metadata not configured") | [`Configuration`](ErrorKind::Configuration) |
//! | login 404 / 405 with an HTML page (a CAS without the REST module, a wrong base URL), either flavour | [`Configuration`](ErrorKind::Configuration), "no cas rest endpoint at the base url" — checked before the gateway-page rule, so retry loops stop |
//! | WH login 401 / 400 with another or no code (gateway) | [`InvalidCredentials`](ErrorKind::InvalidCredentials) |
//! | WH login 403 with another or no code | [`AccountRestricted`](ErrorKind::AccountRestricted) |
//! | WH `{"valid": false}` | [`SessionRejected`](ErrorKind::SessionRejected) |
//! | Apereo login 401, 400 | [`InvalidCredentials`](ErrorKind::InvalidCredentials) |
//! | Apereo login 415, 404, 405 | [`Configuration`](ErrorKind::Configuration) |
//! | Apereo status / service ticket 404 | [`SessionRejected`](ErrorKind::SessionRejected) |
//! | 2xx without a usable ticket / `Location` | [`UnexpectedResponse`](ErrorKind::UnexpectedResponse) |
//! | 429 | [`RateLimited`](ErrorKind::RateLimited) with `Retry-After`; the manager refuses logins locally until then |
//! | HTML page at any other status, 5xx, truncated body | [`Unavailable`](ErrorKind::Unavailable) |
//! | anything else | [`UnexpectedResponse`](ErrorKind::UnexpectedResponse) |
//!
//! Error codes are kept as strings (`"20504"`, whether the server sent a string or a number);
//! messages from the server are never kept.
//!
//! # Spec conflicts and what this crate does
//!
//! 1. **Hard cap**: "28,000 seconds (8 hours)" — 8 h is 28,800 s. The crate uses 28,000 s, and the
//!    server's `expiryDateTime` when sooner. That time is read relative to the response's `Date`
//!    header (so client/server clock skew does not matter); without `Date` it is taken as an
//!    absolute UTC time; a value not in the future is ignored.
//! 2. **`extended`**: the overview says "set the query parameter extended to Y", the v2 schema
//!    puts a JSON boolean in the body, its description talks of `Y`/`N`. By default the crate
//!    satisfies both readings: an extended login sends the query parameter `extended=Y` *and* the
//!    body field `"extended": true` (a normal login sends `"extended": false` and no query
//!    parameter). [`ExtendedPlacement::Body`] or [`ExtendedPlacement::Query`] sends only one;
//!    [`ExtendedEncoding::YesNo`] sends the body field as `"Y"`/`"N"`. If the server's echo says
//!    `extended: false`, the ticket is tracked as normal. Extended tickets are refused for Apereo.
//! 3. **Login status**: v2 answers 200, v1 and CAS 201: any 2xx is success.
//! 4. **Validity field**: `valid` in the current spec, `success` in an older one: both accepted.
//! 5. **`expiryDateTime`**: "required" but removable with `fields`/`exclude`, format unspecified:
//!    optional; ISO-8601 with or without offset (none = UTC) or Unix seconds/milliseconds.
//! 6. **Expired ticket on validate**: 404/20511 or 200 `{"valid": false}` — both mean gone.
//! 7. **Does validation refresh the idle timer?** Not stated by William Hill; Apereo refreshes it
//!    on service-ticket grants, not obviously on status reads. The crate renews by validating and
//!    counts that as use; [`CasBuilder::renew_service`] renews with a service-ticket grant instead
//!    (recommended for Apereo).
//! 8. **Error `code`** typed as a string, listed as integers: both accepted.
//! 9. **Apereo bad credentials**: 401 now, 400 on old servers: both are
//!    [`InvalidCredentials`](ErrorKind::InvalidCredentials).
//! 10. **Apereo TGT extraction**: everything after `/v1/tickets/` in `Location`, never after the last
//!     `/` (tickets can end in a host or URL); a bare `TGT-...` text body is accepted when there is
//!     no `Location`; later URLs come from the configured base.
//! 11. **Apereo unknown service**: docs say 400, current source answers 500 with "unspecified or
//!     unrecognized": both are the typed target error.
//! 12. **20501 on the service-ticket call** (listed by the spec): the ticket was not accepted, so
//!     [`SessionRejected`](ErrorKind::SessionRejected) there, not bad credentials.
//! 13. **Header case**: the spec spells `apiKey`/`apiSecret`; header names are case-insensitive in
//!     HTTP and the HTTP/1 client sends them lowercased.
//! 14. **`temporaryPasswordUrl`**: "a TGT must be added", without saying how: exposed unchanged
//!     ([`CasSession::temporary_password_url`]); the crate adds nothing to it.
//! 15. **TGT pattern** `^[a-zA-Z][a-zA-Z0-9-]{39,100}$` vs real CAS tickets with host suffixes:
//!     tickets are not validated client-side, only percent-encoded.
//! 16. **Policy**: William Hill's pages reserve the Sessions API for direct device connections and
//!     `extended` for mobile applications; a server that collects customers' passwords is outside
//!     that stated policy. The crate does not enforce it.
//!
//! # Security
//!
//! - Passwords, API keys and secrets, TGTs and service tickets live in secret newtypes
//!   ([`Password`], [`ApiKey`], [`ApiSecret`], [`Ticket`]): `Debug` prints `[REDACTED]`, there is no
//!   `Display`, and `expose_secret()` is called only where a request is built.
//! - The password travels only in the request body (JSON or form), never in a URL.
//! - The TGT is part of URL paths. The crate and `session-core`'s HTTP client never log or display
//!   a URL, a header or a body; errors carry fixed messages and upstream codes only.
//! - `apiKey`, `apiSecret` and `apiTicket` header values are marked sensitive.
//! - `https://` only (loopback `http://` only with [`CasBuilder::allow_insecure_loopback`]);
//!   redirects are never followed.
//! - Bad credentials and account states are never retried automatically: repeated bad passwords
//!   lock William Hill accounts (20504).
//! - Hostile answers: `expiryDateTime` is parsed with the `time` crate (any text, non-ASCII
//!   included, is either a date or ignored, never a panic), HTTP dates with `httpdate`; a ticket's
//!   deadline saturates at 9999-12-31T23:59:59Z and a ban from `Retry-After` lasts at most 24
//!   hours. Every parser is fuzzed (`fuzz/`, and a bounded run in CI).
//! - Persisted sessions ([`SessionProvider::persist`]) contain the TGT: protect the store.

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
    CasBuilder, DEFAULT_EXTENDED_LIFETIME, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_LIFETIME,
    ExtendedEncoding, ExtendedPlacement, FieldSelection, Flavor, Lifetimes, Territory,
};
pub use error::is_target_not_established;
pub use provider::{CasProvider, CasSession};
#[doc(inline)]
pub use session_core::prelude::*;
pub use session_core::{ApiKey, ApiKeySecret, ApiSecret, Password, Ticket, UsernamePassword};
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use sim::{CasFault, CasSim, CasSimBuilder, ResourceRejection, SimFault, SimOp};

/// The README's examples, compiled as doctests so the quick start stays true.
#[cfg(doctest)]
#[doc(test(attr(deny(warnings), allow(dead_code))))]
#[doc = include_str!("../README.md")]
mod readme {}
