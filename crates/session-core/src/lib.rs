//! Secret-safe session management for HTTP APIs: the traits every provider crate implements,
//! secret-holding types, one error model, the session manager, HTTP rules, stores and a test kit.
//!
//! Most users depend on one provider crate (`session-cas`, `session-betfair`,
//! `session-seaware`, `session-pagos`, `session-matchbook`), which re-exports what it needs from here. Depend on
//! `session-core` directly to write a provider of your own.
//!
//! # Vocabulary
//! - **Credentials**: long-lived input — username/password ([`UsernamePassword`]), API key and
//!   secret ([`ApiKeySecret`]), OAuth client id and secret ([`ClientCredentials`]), a certificate.
//! - **Session**: the short-lived proof a login returns (a ticket, an SSO token, an access token, a
//!   session id) and its [`Expiry`]; see [`Session`].
//! - **Provider**: knows one upstream: how to log in, renew, log out, and how a response says the
//!   session is no longer accepted; see [`SessionProvider`].
//! - **Manager**: owns one cached session for one provider account and decides when to call the
//!   provider; see [`SessionManager`].
//!
//! # Quick start
//! ```
//! use std::time::Duration;
//! use session_core::{provider_fn, AccessToken, Expiry, SessionManager, StaticToken, SystemClock, Clock};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> session_core::Result<()> {
//! // A provider: here a closure; real ones come from the provider crates.
//! let provider = provider_fn("example", || async {
//!     let expires = Expiry::after(SystemClock.now(), Duration::from_secs(900));
//!     Ok(StaticToken::bearer(AccessToken::new("token-from-login")).with_expiry(expires))
//! });
//! let manager = SessionManager::new(provider);
//!
//! // Every request: take a lease (one login for any number of concurrent callers; renewed
//! // before expiry), let the session authenticate the request.
//! let lease = manager.get().await?;
//! let mut headers = http::HeaderMap::new();
//! use session_core::Session as _;
//! lease.authenticate(&mut headers);
//! assert!(headers["authorization"].is_sensitive());
//!
//! // If the upstream rejects the session: drop exactly that session; the next get() logs in once.
//! manager.invalidate(&lease);
//! manager.logout().await?;
//! # Ok(()) }
//! ```
//!
//! # What the manager does
//! - **Hot path without locks**: `get()` on a fresh session re-checks the calling thread's last
//!   lease (a thread-local weak reference, a "still cached" flag) and compares the renewal
//!   deadline with [`Clock::coarse_now`] (a vDSO read of `CLOCK_REALTIME_COARSE` for the
//!   [`SystemClock`]); only when that fails does it load the cache. Freshness never depends on
//!   a timer: a session is not handed out past its renewal point after the runtime that
//!   installed it was dropped, after a suspend or VM pause, or after the wall clock jumped.
//! - **Single flight**: when the session is missing or due, one task logs in or renews and all
//!   callers wait for its result. The flight runs on its own task, so a cancelled caller does not
//!   cancel it; errors are handed to that flight's waiters and not cached.
//! - **Expiry**: renewal is due [`RenewPolicy::buffer`] (plus random jitter) before the deadline;
//!   [`RenewPolicy::default_ttl`] applies when the upstream gives no lifetime. A stale session
//!   whose renewal fails transiently is still served until it expires.
//! - **Invalidation by generation**: [`SessionManager::invalidate`] drops the session only if it
//!   is still the one the lease came from, so N concurrent rejections cause one re-login.
//! - **Login guard**: [`ErrorKind::InvalidCredentials`] and [`ErrorKind::AccountRestricted`] are
//!   remembered and returned without a request until [`SessionManager::reset`] or
//!   [`SessionManager::set_provider`]; a [`ErrorKind::RateLimited`] ban is enforced locally for its
//!   `retry_after` (or the manager's default ban) with no request.
//! - **Keep-alive** ([`SessionManager::spawn_keep_alive`]): renews on the provider's cadence,
//!   retries with exponential backoff and jitter, re-logs in when renewal says the session is
//!   gone, reports in [`SessionManager::health`] and [`Event`]s, and stops with its handle.
//! - **Stores** ([`MemoryStore`], [`FileStore`], Redis in `session-redis`): resume a stored
//!   session instead of logging in; share one login and one renewal between processes (a
//!   manager renews under the store's lock and adopts a session another process already
//!   renewed or extended, so a rotating refresh token is used once); remember a ban. Every
//!   store issues a fencing generation with its lock and refuses a write from a holder whose
//!   lock was taken over, so a slow process never overwrites a newer session; the manager extends
//!   its lock while a login or renewal runs. One contract for every store, checked by
//!   [`test_util::store_conformance`].
//! - **Recovery from a rejection** ([`call_with_session`], [`Recovery`]): a call takes its
//!   session from a [`SessionSource`] (a manager, a lease, a provider crate's session); when the
//!   upstream rejects it, exactly that lease is invalidated and a call that may be repeated is
//!   resent once with a fresh session — one re-login for any number of callers rejected
//!   together. The middleware, the Pagos client and the Betfair Accounts client all use it.
//!
//! Time comes from an injected [`Clock`]; only this crate's clock module reads the system clock,
//! and all time arithmetic goes through the checked helpers in [`timing`] (the workspace's clippy
//! settings reject `+`/`-` on `SystemTime`, `Instant` and `Duration` elsewhere). The manager
//! needs a Tokio runtime with timers enabled.
//!
//! # Features
//! - `middleware`: [`middleware::SessionMiddleware`], which authenticates `reqwest-middleware`
//!   requests and resends once after a rejection.
//! - `blocking`: [`blocking::BlockingManager`], the manager for scripts and synchronous
//!   programs: the same single flight, freshness and bans, on one shared background thread.
//! - `metrics`: counters, histograms and gauges through the [`metrics`](https://docs.rs/metrics)
//!   facade (install any exporter; see the table below). Off, nothing is compiled in; on, the
//!   cached `get()` path still records nothing.
//! - `fuzzing`: internal; parser entry points for the fuzz targets. Not part of the API.
//! - `test-util`: the [`test_util`] kit — `ManualClock`, a loopback simulator server, a scripted
//!   provider, the leak harness, the provider conformance suite and the store conformance suite.
//!
//! - TLS backends (one is needed to make HTTPS requests; building a client without one is a
//!   configuration error):
//!   - `rustls` (default): rustls with `aws-lc-rs`, the provider `reqwest`'s own default TLS
//!     uses, so a graph that also has default `reqwest` compiles one provider; the operating
//!     system's roots through `rustls-platform-verifier`, as `reqwest` does.
//!   - `rustls-ring`: rustls with `ring` (no aws-lc build); the operating system's roots.
//!     `reqwest` is then built with `rustls-no-provider`: a `reqwest::Client` your application
//!     builds itself, without a TLS feature of its own, needs a provider
//!     (`tls_backend_preconfigured`, or a process-wide default you install).
//!   - `native-tls`: the platform library (OpenSSL, Secure Transport, SChannel) and its trust
//!     store. Enabling it also makes it `reqwest`'s default backend for your own clients.
//!
//!   Roots added with `add_root_pem` are trusted in addition to the default ones on every
//!   backend; client certificates work on every backend. Each client is handed its crypto
//!   provider explicitly: this crate never reads or installs a process-wide default provider,
//!   and enables only the rustls provider feature you chose. See [`http::TlsBackend`].
//! - `gzip`: [`http::HttpClientBuilder::gzip`] asks for gzip and decodes it; the body cap counts
//!   decoded bytes.
//!
//! # Metrics (feature `metrics`)
//!
//! Every metric is labelled by `provider` and, where the table says so, by an error `kind`, the
//! upstream `code` (the sanitized, code-like code an [`Error`] carries; empty when none), a
//! store `op` or an `outcome`; never by anything secret or personal. Durations come from the
//! manager's [`Clock`]. `cargo run -p session-core --example prometheus --features
//! metrics,test-util` shows a Prometheus exporter wired in.
//!
//! | metric | type | labels | what it counts |
//! |---|---|---|---|
//! | `session_logins_started_total` | counter | `provider` | login requests sent |
//! | `session_logins_succeeded_total` | counter | `provider` | logins that produced a session |
//! | `session_logins_failed_total` | counter | `provider`, `kind`, `code` | failed logins |
//! | `session_login_duration_seconds` | histogram | `provider` | login latency |
//! | `session_renewals_total` | counter | `provider`, `outcome` | renewals: `renewed`, `extended`, `unsupported`, `rejected`, `failed` |
//! | `session_renewal_duration_seconds` | histogram | `provider` | renewal latency |
//! | `session_invalidations_total` | counter | `provider` | sessions dropped after a rejection |
//! | `session_relogins_after_rejection_total` | counter | `provider` | logins that replaced a rejected session |
//! | `session_bans_total` | counter | `provider` | rate-limit bans recorded |
//! | `session_ban_refusals_total` | counter | `provider` | logins refused locally during a ban |
//! | `session_store_operations_total` | counter | `provider`, `op`, `outcome` | store `load`, `save`, `delete`, `lock`: `ok`, `conflict` (a save refused by fencing), `error` |
//! | `session_store_fallbacks_total` | counter | `provider`, `kind` | times the manager carried on without the store |
//! | `session_store_adoptions_total` | counter | `provider` | sessions taken from the store instead of a login |
//! | `session_expires_in_seconds` | gauge | `provider` | seconds until the current session expires, set when it is installed |
//! | `session_expiry_timestamp_seconds` | gauge | `provider` | the current session's expiry as a Unix time (`… - time()` is what is left at scrape time) |
//! | `session_consecutive_failures` | gauge | `provider` | failed logins or renewals since the last success |
//!
//! # Tracing
//!
//! Logins, renewals and logouts are `INFO` spans; their fields are filled in when they close:
//!
//! ```text
//! (the span of the caller that started the flight, e.g. your request handler)
//! ├─ session.resend {provider, account}              middleware: the one resend after a rejection
//! │  └─ session.login {provider, account, attempt, generation, kind, code}
//! │     └─ the provider's own spans and reqwest's
//! ├─ session.login {provider, account, attempt, generation, kind, code}
//! ├─ session.renew {provider, account, generation, attempt, outcome, kind, code}
//! └─ session.logout {provider, account, generation, kind, code}
//! ```
//!
//! - `account` is the manager's [`ManagerBuilder::account_label`], or `acct-` and 8 hex digits
//!   of a hash of the provider's store key ([`SessionManager::account`]); never the username.
//! - `attempt` counts from 1 after the last success; `generation` is the session a login or
//!   renewal produced; `kind` and `code` are set when it failed.
//! - A login or renewal runs in the span of the caller that started it (the other callers wait
//!   for it); the keep-alive supervisor's have no parent.
//!
//! # Security
//! - Every secret is a [`secrecy`]-backed newtype ([`Password`], [`SessionToken`], [`Ticket`],
//!   ...): `Debug` prints `Name([REDACTED])`; there is no `Display`, `Serialize` or `==`; memory is
//!   zeroized on drop. `expose_secret()` is the one accessor and is called only where a request is
//!   built. Make your own with [`secret_type!`].
//! - Secret headers are marked sensitive ([`sensitive_value`]).
//! - [`Error`]'s `Display` and `Debug` never hold a body, a URL, a serde message or a secret;
//!   upstream codes are kept only when they look like codes.
//! - The HTTP layer ([`http`]) is one `reqwest` client per provider with its own TLS
//!   configuration (see the features above): redirects are never followed (and a caller's own
//!   client that follows one has the answer refused unread), only `https://` is accepted (an
//!   opt-out exists for loopback hosts only), bodies are capped, timeouts are always set, and no
//!   proxy is used unless one is configured (never for loopback hosts). It logs no URL, header or body, and `reqwest` errors (whose
//!   `Display` quotes the URL) are classified into this crate's [`Error`] and dropped: URLs here
//!   can hold CAS tickets or a documented query-string password. The test kit's leak harness
//!   captures `tracing` and `log` output at TRACE to prove it.
//! - A [`FileStore`] file is written through a temporary file with a random name, created with
//!   `O_EXCL` and mode 0600, flushed and renamed into place; a store path or folder that is a
//!   symlink owned by another user, a store file readable by others (the error says `chmod 600`),
//!   a FIFO or a device, and records over [`MAX_RECORD_BYTES`] are refused. File I/O runs on the
//!   blocking pool, so the manager's `store_timeout` holds on a hung file system.
//! - What is bounded and clamped, whatever an upstream sends:
//!
//!   | input | bound |
//!   |---|---|
//!   | a response body | [`http::DEFAULT_MAX_BODY`] (1 MiB) by default, also without a length |
//!   | a body the middleware inspects | [`middleware::INSPECT_LIMIT`] (64 KiB) plus one transport read; longer bodies stream to the caller unread |
//!   | a lifetime (`expires_in`, an expiry date) | deadlines saturate at 9999-12-31T23:59:59Z ([`timing::max_time`]); negative and NaN mean expired |
//!   | `Retry-After` (seconds or HTTP-date) | a ban lasts at most 24 hours ([`timing::MAX_BAN`]) and is always recorded |
//!   | formatting a time | never panics ([`timing::format_rfc3339`]) |
//!   | parsers | total (no slicing at input-derived positions) and linear; fuzzed (`fuzz/`, and a bounded stable run in CI) |
//!   | upstream text in `Debug` | shown only when it looks like a code ([`looks_like_code`], [`UpstreamText`]) |
//!
//! # Errors
//! Callers match on [`Error::kind`]:
//!
//! | [`ErrorKind`] | meaning | retried automatically |
//! |---|---|---|
//! | `InvalidCredentials` | the upstream refused the credentials | never; remembered until reset |
//! | `AccountRestricted` | the account cannot log in now (locked, suspended, location...) | never; remembered until reset |
//! | `RateLimited` | too many requests; see `Error::retry_after` | not inside the ban window |
//! | `SessionRejected` | the upstream no longer accepts the session | the manager logs in again |
//! | `Timeout` | connect, read or total timeout | yes, with backoff (`Error::is_retryable`) |
//! | `Unavailable` | connection failure, 5xx, gateway page, truncated body | yes, with backoff (`Error::is_retryable`) |
//! | `UnexpectedResponse` | a body or status this client does not understand, a redirect, an oversized body | no |
//! | `Configuration` | bad URL or scheme, unusable certificate, mismatched stored session | no |
//!
//! The table is [`ErrorKind::ALL`] with [`ErrorKind::meaning`] and [`ErrorKind::retried`]. Each
//! provider keeps its upstream's codes in a [`CodeTable`] that its classification code reads and
//! its crate docs print (checked by a test with [`CodeTable::check_docs`]).
//!
//! [`Error::http_failure`] tells transport failures of the same kind apart ([`HttpFailure`]),
//! [`Error::code`] carries the upstream's own code and [`Error::provider`] the provider name.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod clock;
mod codes;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod gateway;
mod guard;
pub mod http;
mod manager;
#[cfg(feature = "middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "middleware")))]
pub mod middleware;
pub mod oauth;
mod observe;
mod persist;
pub mod prelude;
mod provider;
mod recover;
mod secret;
mod session;
mod store;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;
pub mod timing;
mod tls;

/// The header map sessions fill (the `http` crate's), re-exported so one dependency is enough.
pub use ::http::HeaderMap;
pub use clock::{BoxFuture, Clock, SystemClock, Timer};
pub use codes::{Code, CodeTable};
pub use error::{Error, ErrorKind, HttpFailure, Result, UpstreamText, looks_like_code};
pub use gateway::Gateway;
pub use guard::LoginGuard;
pub use manager::{Event, Health, KeepAlive, Lease, LogoutOnDrop, ManagerBuilder, SessionManager};
pub use persist::{StateReader, StateWriter};
pub use provider::{
    FnProvider, SessionProvider, StaticToken, StaticTokenProvider, provider_fn, sensitive_value,
};
pub use recover::{Attempt, Recovery, Resend, SessionSource, Sourced, call_with_session};
pub use secret::{
    AccessToken, ApiKey, ApiKeySecret, ApiSecret, AppKey, ClientCredentials, ClientSecret,
    Password, RefreshToken, SessionId, SessionToken, Ticket, UsernamePassword,
};
pub use session::{Expiry, PersistedSession, RenewPolicy, Renewal, SecretState, Session};
pub use store::{FileStore, MAX_RECORD_BYTES, MemoryStore, SessionStore, StoreLock, StoredRecord};
pub use timing::{from_unix_seconds, unix_seconds};

#[doc(hidden)]
pub mod __private {
    pub use secrecy::{ExposeSecret, SecretString};
    pub use serde;
}

/// The README's examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc(test(attr(deny(warnings), allow(dead_code))))]
#[doc = include_str!("../README.md")]
mod readme {}
