//! Secret-safe Betfair SSO sessions: interactive and certificate login, keepAlive and logout in
//! every Betfair jurisdiction, on top of [`session_core`]'s session manager — and the Accounts API
//! vendor services (subscription tokens, activation, history, vendor client ids, the web-app
//! OAuth session).
//!
//! A [`BetfairProvider`] knows how to log in to Betfair's identity SSO, keep the session alive
//! and log it out; a [`SessionManager`] owns one cached [`BetfairSession`] for it, shares a single
//! login between all concurrent callers, renews with keepAlive before the session lapses, and
//! never retries a login that Betfair refused for the credentials or the account's state.
//!
//! # Quick start: interactive login
//!
//! ```no_run
//! use session_betfair::{BetfairProvider, Jurisdiction, Password, SessionManager, Session};
//!
//! # async fn run() -> session_betfair::Result<()> {
//! let provider = BetfairProvider::builder("YOUR-APP-KEY")
//!     .jurisdiction(Jurisdiction::Global)
//!     .interactive("username", Password::new(std::env::var("BETFAIR_PASSWORD").unwrap()))
//!     .build()?;
//! let manager = SessionManager::new(provider);
//! let _keep_alive = manager.spawn_keep_alive(); // keepAlive every half lifetime
//!
//! let lease = manager.get().await?;             // one login, shared
//! let mut headers = http::HeaderMap::new();
//! lease.authenticate(&mut headers);             // X-Application + X-Authentication, sensitive
//! // ... call API-NG with `headers` ...
//! manager.logout().await?;
//! # Ok(()) }
//! ```
//!
//! # Quick start: a synchronous program (feature `blocking`)
//!
//! [`BlockingManager`] gives scripts the same manager
//! without async code: one login however many threads ask, renewal before expiry, bans kept.
//!
//! ```no_run
//! # #[cfg(feature = "blocking")]
//! # fn run() -> session_betfair::Result<()> {
//! use session_betfair::{BetfairProvider, BlockingManager, Password, Session};
//!
//! let provider = BetfairProvider::builder("YOUR-APP-KEY")
//!     .interactive("username", Password::new(std::env::var("BETFAIR_PASSWORD").unwrap()))
//!     .build()?;
//! let manager = BlockingManager::new(provider);
//! let _keep_alive = manager.spawn_keep_alive()?;
//! let mut headers = http::HeaderMap::new();
//! manager.get()?.authenticate(&mut headers); // blocks for the one login
//! manager.logout()?;
//! # Ok(()) }
//! ```
//!
//! Accounts with two-factor authentication append the code to the password on interactive login:
//! [`BetfairBuilder::two_factor_code`] or [`BetfairBuilder::two_factor_source`] do that. Bots
//! should prefer certificate login, which needs no code.
//!
//! # Quick start: certificate login
//!
//! ```no_run
//! use session_betfair::{BetfairProvider, ClientCertificate, Password, SessionManager};
//!
//! # async fn run() -> session_betfair::Result<()> {
//! // A .crt + .key pair ...
//! let cert = ClientCertificate::from_files("client-2048.crt", "client-2048.key")?;
//! // ... or one .pem holding both, or a PKCS#12 file:
//! // let cert = ClientCertificate::from_pem_file("client.pem")?;
//! // let cert = ClientCertificate::from_pkcs12_file("client.p12", &Password::new("p12 password"))?;
//! let provider = BetfairProvider::builder("YOUR-APP-KEY")
//!     .certificate("username", Password::new("password"), cert)
//!     .build()?;
//! let manager = SessionManager::new(provider);
//! let lease = manager.get().await?;
//! # drop(lease); Ok(()) }
//! ```
//!
//! A certificate file that is missing, unreadable, in the wrong format, has the wrong PKCS#12
//! password or no private key is an [`ErrorKind::Configuration`] error whose message names the
//! file (never its contents), raised when the certificate is loaded. Betfair's own
//! `CERT_AUTH_REQUIRED` (the server did not accept the certificate: not uploaded to the account,
//! wrong host) is also `Configuration`, but carries that code in [`Error::code`] and names no
//! file.
//!
//! # Jurisdictions
//!
//! | [`Jurisdiction`] | identity host (login, keepAlive, logout) | certificate host | Accounts API host | assumed lifetime |
//! |---|---|---|---|---|
//! | `Global` | `identitysso.betfair.com` | `identitysso-cert.betfair.com` | `api.betfair.com` | 12 h |
//! | `Italy` | `identitysso.betfair.it` | `identitysso-cert.betfair.it` | `api.betfair.com` | 20 min |
//! | `Spain` | `identitysso.betfair.es` | `identitysso-cert.betfair.es` | `api.betfair.com` | 20 min |
//! | `Romania` | `identitysso.betfair.ro` | `identitysso-cert.betfair.ro` | `api.betfair.com` | 12 h |
//! | `Sweden` | `identitysso.betfair.se` | `identitysso-cert.betfair.se` | `api.betfair.com` | 12 h |
//! | `Australia` | `identitysso.betfair.com.au` | `identitysso-cert.betfair.com` | `api.betfair.com` | 12 h |
//! | `NewZealand` | `identitysso.betfair.com.au` | `identitysso-cert.betfair.com` | `api.betfair.com.au` | 12 h |
//!
//! Identity hosts are under `/api/`. The table is [`Jurisdiction::hosts`]; each host is
//! overridable ([`BetfairBuilder::identity_url`], [`BetfairBuilder::cert_url`],
//! [`AccountsBuilder::api_url`]), and so are the lifetime
//! ([`BetfairBuilder::session_lifetime`]) and the keep-alive cadence
//! ([`BetfairBuilder::keep_alive`], default half the lifetime). keepAlive and logout always go to
//! the identity host of the jurisdiction the session was obtained in. The manager renews a session
//! (one keepAlive) half way through its assumed life, at the latest 60 % of the way.
//!
//! Italy: interactive login on `.it` needs an app key Betfair has white-listed for it (certificate
//! login does not), and after logging in on `.it` the API calls themselves go to the `.com` API
//! hosts.
//!
//! # Error codes
//!
//! Betfair answers SSO calls with HTTP 200 and a status plus a code. `SUCCESS` gives a session;
//! `LIMITED_ACCESS` also gives a session, flagged [`BetfairSession::limited_access`] with the
//! reason (`PENDING_AUTH`, `KYC_SUSPEND`, ...); `LOGIN_RESTRICTED` and `FAIL` give an [`Error`]
//! whose [`kind`](Error::kind) callers match on and whose [`code`](Error::code) is Betfair's code.
//! The code may arrive in `error` or in the status field itself (certificate login's
//! `loginStatus`); both are read.
//!
//! | identity code | when | meaning | kind | retried automatically |
//! |---|---|---|---|---|
//! | `INVALID_USERNAME_OR_PASSWORD`, `INVALID_PIN`, `INVALID_PIN_LOGIN_REQUEST`, `STRONG_AUTH_CODE_REQUIRED`, `EMAIL_LOGIN_NOT_ALLOWED`, `MULTIPLE_USERS_WITH_SAME_CREDENTIAL` | any | the credentials (or the two-factor code) were refused | `InvalidCredentials` | never; remembered until reset |
//! | `ACCOUNT_NOW_LOCKED`, `ACCOUNT_ALREADY_LOCKED`, `ACCOUNT_PENDING_PASSWORD_CHANGE`, `CHANGE_PASSWORD_REQUIRED`, `PENDING_AUTH`, `SUSPENDED`, `CLOSED`, `SELF_EXCLUDED`, `KYC_SUSPEND`, `DUPLICATE_CARDS`, `PIN_DELETED_ON_FAILED_COUNT_EXCEEDED`, `UNRECOGNIZED_DEVICE`, `TRADING_MASTER`, `TRADING_MASTER_SUSPENDED`, `AGENT_CLIENT_MASTER`, `AGENT_CLIENT_MASTER_SUSPENDED` | any | account state | `AccountRestricted` | never; remembered until reset |
//! | `TELBET_TERMS_CONDITIONS_NA`, `PERSONAL_MESSAGE_REQUIRED`, `SECURITY_QUESTION_WRONG_3X`, `INTERNATIONAL_TERMS_ACCEPTANCE_REQUIRED`, `SPANISH_TERMS_ACCEPTANCE_REQUIRED`, `ITALIAN_CONTRACT_ACCEPTANCE_REQUIRED`, `ITALIAN_PROFILING_ACCEPTANCE_REQUIRED`, `ACTIONS_REQUIRED`, `CONTACT_VERIFICATION_REQUIRED`, `TERMS_AND_CONDITIONS` | any | an action is needed on the website | `AccountRestricted` | never; remembered until reset |
//! | `SPAIN_MIGRATION_REQUIRED`, `ITALY_MIGRATION_REQUIRED`, `DENMARK_MIGRATION_REQUIRED`, `DANISH_AUTHORIZATION_REQUIRED`, `MIGRATION_REQUIRED`, `SWEDEN_NATIONAL_IDENTIFIER_REQUIRED`, `SWEDEN_BANK_ID_VERIFICATION_REQUIRED`, `AUTHORIZED_ONLY_FOR_DOMAIN_ES`, `AUTHORIZED_ONLY_FOR_DOMAIN_RO`, `AUTHORIZED_ONLY_FOR_DOMAIN_SE`, `NOT_AUTHORIZED_FOR_DOMAIN_COM`, `NOT_AUTHORIZED_FOR_DOMAIN_ES`, `NOT_AUTHORIZED_FOR_DOMAIN_IT`, `NOT_AUTHORIZED_FOR_DOMAIN_RO`, `NOT_AUTHORIZED_BY_REGULATOR`, `NOT_AUTHORIZED_BY_REGULATOR_DK`, `NOT_AUTHORIZED_BY_REGULATOR_IT` | any | jurisdiction | `AccountRestricted` | never; remembered until reset |
//! | `BETTING_RESTRICTED_LOCATION`, `SECURITY_RESTRICTED_LOCATION` | any | location | `AccountRestricted` | never; remembered until reset |
//! | `TEMPORARY_BAN_TOO_MANY_REQUESTS` | any | too many logins: no new session for 20 minutes (`retry_after`); no request is sent inside it | `RateLimited` | not inside the ban window |
//! | `INVALID_CONNECTIVITY_TO_REGULATOR`, `INVALID_CONNECTIVITY_TO_REGULATOR_DK`, `INVALID_CONNECTIVITY_TO_REGULATOR_IT` | any | no connection to the regulator | `Unavailable` | yes, with backoff (`Error::is_retryable`) |
//! | `INTERNAL_ERROR`, `SERVICE_BUSY`, `UNEXPECTED_ERROR` | any | a failure at Betfair | `Unavailable` | yes, with backoff (`Error::is_retryable`) |
//! | `NO_SESSION`, `INVALID_SESSION_INFORMATION` | any | the session is gone | `SessionRejected` | the manager logs in again |
//! | `CERT_AUTH_REQUIRED` | any | the client certificate was not accepted | `Configuration` | no |
//! | `INPUT_VALIDATION_ERROR`, `FORBIDDEN`, `INVALID_APP_KEY`, `NO_APP_KEY` | any | the request or the app key was refused | `Configuration` | no |
//! | any other code | login | a code this crate does not know (kept) | `AccountRestricted` | never; remembered until reset |
//! | any other code | keepalive, logout | a code this crate does not know (kept) | `UnexpectedResponse` | no |
//!
//! [`code_kind`] looks a code up. Unknown codes are kept verbatim in [`Error::code`] and treated
//! as account-state failures, so a code Betfair adds later never makes the client hammer a login
//! that could lock the account. keepAlive's `NO_SESSION` means the session is gone (the manager
//! logs in again); its `INTERNAL_ERROR` is transient (the session stays in use and the keepAlive
//! is retried). Logout drops the session whatever Betfair answers.
//!
//! # The login rate limit
//!
//! Betfair allows 100 successful logins per minute per account and then refuses new sessions for
//! 20 minutes with `TEMPORARY_BAN_TOO_MANY_REQUESTS`. The manager shares one session between all
//! callers and re-logs in once per rejected lease generation, and after a ban both the manager and
//! the provider refuse logins locally — without a request — until the 20 minutes are over.
//!
//! # Resuming a stored session
//!
//! Short-lived processes (serverless functions, cron jobs) should not log in on every run. Either
//! give the builder the last token with [`BetfairBuilder::resume_token`] — the first login then
//! validates it with one keepAlive and logs in only if Betfair no longer accepts it — or call
//! [`BetfairProvider::resume`] directly, or give the manager a [`SessionStore`] (the provider
//! implements `persist`/`restore`, and the manager checks a restored session with one keepAlive
//! before the first use, logging in instead if Betfair no longer accepts it).
//!
//! # Rejected sessions
//!
//! API-NG says a session is no longer valid with `INVALID_SESSION_INFORMATION` (or `NO_SESSION`
//! when `X-Authentication` is missing), inside a JSON-RPC error or a REST fault.
//! [`is_session_rejection`] (also the provider's
//! [`is_rejection`](SessionProvider::is_rejection)) recognises both; invalidate the lease and retry
//! once:
//!
//! ```no_run
//! # async fn call(m: &session_betfair::SessionManager<session_betfair::BetfairProvider>,
//! #               send: impl Fn(&session_betfair::BetfairSession) -> session_betfair::HttpResponse)
//! #               -> session_betfair::Result<()> {
//! let lease = m.get().await?;
//! let response = send(&lease);
//! if session_betfair::is_session_rejection(&response) {
//!     m.invalidate(&lease);           // many callers, one re-login
//!     let lease = m.get().await?;
//!     let _retry = send(&lease);
//! }
//! # Ok(()) }
//! ```
//!
//! # Vendor services (Accounts API)
//!
//! [`AccountsClient`] calls the Accounts API vendor operations — over JSON-RPC
//! (`POST {api}/exchange/account/json-rpc/v1`, method `AccountAPING/v1.0/<op>`, the default) or
//! REST (`POST {api}/exchange/account/rest/v1.0/<op>/`, [`AccountsTransport::Rest`]) — with
//! typed requests and answers (timestamps as [`OffsetDateTime`], enums with an `Unknown(String)`
//! fallback, subscription tokens and codes in secret types). Each operation takes the caller's
//! session from a [`SessionSource`] and sends exactly the headers it needs: the vendor's
//! operations send `X-Authentication` and `X-Application`, activation sends the customer's
//! `X-Authentication` only, and the customer's history call sends no `X-Application` at all
//! (the app key travels in the body). The table on [`AccountsClient`] lists every operation.
//!
//! With a [`SessionManager`] as the source, `INVALID_SESSION_INFORMATION` / `NO_SESSION`
//! invalidates the lease; idempotent reads are then repeated once with a fresh session, while
//! token creation, activation, cancellation, updates, `token`, revocation and
//! `getAuthorisationCode` are never repeated (a second attempt could create a second token or
//! spend a code) — the error is returned and the next call logs in again.
//!
//! ## Subscribing a customer
//!
//! The vendor's server creates a 365-day token; the customer's app logs in interactively with the
//! vendor's app key — Betfair answers `PENDING_AUTH` until a subscription is activated, which
//! [`BetfairProvider::customer_login`] reports as [`CustomerLogin::PendingActivation`] — activates
//! the token with the customer's session and logs in again:
//!
//! ```no_run
//! use session_betfair::{
//!     AccountsClient, BetfairProvider, CustomerLogin, SessionManager, SubscriptionTokenRequest,
//! };
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let accounts = AccountsClient::builder().build()?;
//!
//! // On the vendor's server, with the vendor's own session and app key:
//! let vendor = SessionManager::new(
//!     BetfairProvider::builder("VENDOR-APP-KEY").interactive("vendor", "password").build()?,
//! );
//! let token = accounts
//!     .get_application_subscription_token(
//!         &vendor,
//!         &SubscriptionTokenRequest::new().length_days(365).client_reference("order-42"),
//!     )
//!     .await?;
//!
//! // In the customer's app, with the vendor's app key and the customer's credentials:
//! let customer = BetfairProvider::builder("VENDOR-APP-KEY")
//!     .interactive("customer", "password")
//!     .build()?;
//! if let CustomerLogin::PendingActivation(session) = customer.customer_login().await? {
//!     accounts.activate_application_subscription(&session, &token).await?;
//!     let _active = customer.customer_login().await?; // now a normal session
//! }
//! # Ok(()) }
//! ```
//!
//! With a manager for the customer, the pending session is [`BetfairSession::is_pending_activation`];
//! after activating, `manager.logout().await?` and `manager.get().await?` log in again.
//!
//! ## Checking a customer's subscription history
//!
//! Client side (the customer's session, the vendor's app key in the body) or server side (the
//! app sends the customer's vendor client id to the vendor's server, which asks with its own
//! session). An empty list means the customer never subscribed:
//!
//! ```no_run
//! use session_betfair::{
//!     AccountsClient, BetfairProvider, SessionManager, SubscriptionHistoryQuery,
//! };
//!
//! # async fn run(
//! #     customer: SessionManager<BetfairProvider>,
//! #     vendor: SessionManager<BetfairProvider>,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! let accounts = AccountsClient::builder().build()?;
//!
//! // Client side, in the app:
//! let history = accounts
//!     .get_application_subscription_history(
//!         &customer,
//!         &SubscriptionHistoryQuery::customer("VENDOR-APP-KEY"),
//!     )
//!     .await?;
//! let is_new = history.is_empty();
//!
//! // Server side: the app fetches the id and hands it to the vendor's server ...
//! let vendor_client_id = accounts.get_vendor_client_id(&customer).await?;
//! // ... which asks with the vendor's session and app key.
//! let history = accounts
//!     .get_application_subscription_history(
//!         &vendor,
//!         &SubscriptionHistoryQuery::vendor(vendor_client_id),
//!     )
//!     .await?;
//! for entry in &history {
//!     let _ = (&entry.subscription_status, entry.expiry_date_time, entry.cancellation_date_time);
//! }
//! # let _ = is_new; Ok(()) }
//! ```
//!
//! Both processes run end to end against the simulator in `examples/vendor_subscribe.rs` and
//! `examples/vendor_history.rs`.
//!
//! ## The vendor web app (OAuth)
//!
//! [`WebAppProvider`] turns the code the customer's browser brings back from
//! `identitysso.betfair.com/view/vendor-login` into a managed [`WebAppSession`]: login exchanges
//! the code with the `token` operation (`AUTHORIZATION_CODE`; single use, valid 10 minutes),
//! renewal — and any later login — uses the refresh token (`REFRESH_TOKEN`). The `token` calls
//! are made with the vendor's own session and app key. The session authenticates calls on the
//! customer's behalf with `Authorization: BEARER <access token>` plus the vendor's
//! `X-Application`, and is itself a [`SessionSource`] for the customer-side operations. The
//! answer is read leniently (`expires_in` as a number or a string, snake_case or camelCase keys).
//!
//! ```no_run
//! use session_betfair::{
//!     AccountsClient, AuthorisationCode, BetfairProvider, ClientCredentials, SessionManager,
//!     WebAppProvider,
//! };
//!
//! # async fn run(vendor: SessionManager<BetfairProvider>, code_from_redirect: String)
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! let accounts = AccountsClient::builder().build()?;
//! let web = SessionManager::new(
//!     WebAppProvider::builder(
//!         accounts.clone(),
//!         vendor, // the vendor's SSO session manager
//!         ClientCredentials::new("VENDOR-ID", "VENDOR-SECRET"),
//!     )
//!     .authorization_code(AuthorisationCode::new(code_from_redirect))
//!     .build()?,
//! );
//! let subscriptions = accounts.list_account_subscription_tokens(&web).await?;
//! # drop(subscriptions); Ok(()) }
//! ```
//!
//! ## Accounts API errors
//!
//! Business failures arrive as an `AccountAPINGException` inside a JSON-RPC error
//! (`{"error":{"code":-32099,"message":"AANGX-0002","data":{"exceptionname":...}}}`, HTTP 200) or
//! a REST fault (`{"faultcode":"Client","faultstring":"AANGX-0002","detail":{...}}`, HTTP 400 —
//! and sometimes 200, so faults are read whatever the status). The kind is keyed on `errorCode`,
//! never on the `AANGX` number; the code is kept in [`Error::code`], and the typed
//! [`AccountsFault`] (with Betfair's `requestUUID` for support tickets) is the error's source —
//! [`accounts_fault`] returns it. `errorDetails` is free text and never kept.
//!
//! | `errorCode` | meaning | kind | retried automatically |
//! |---|---|---|---|
//! | `INVALID_INPUT_DATA` | bad request data | `Configuration` | no |
//! | `INVALID_SESSION_INFORMATION` | session missing, invalid or expired (the lease is invalidated; reads are repeated once) | `SessionRejected` | the manager logs in again |
//! | `NO_SESSION` | `X-Authentication` missing (as above) | `SessionRejected` | the manager logs in again |
//! | `UNEXPECTED_ERROR` | internal error (also: refresh after the customer revoked the web app) | `Unavailable` | yes, with backoff (`Error::is_retryable`) |
//! | `SERVICE_BUSY` | overloaded | `Unavailable` | yes, with backoff (`Error::is_retryable`) |
//! | `TIMEOUT_ERROR` | downstream timeout | `Timeout` | yes, with backoff (`Error::is_retryable`) |
//! | `INVALID_APP_KEY` | app key invalid, or not the caller's vendor app key | `Configuration` | no |
//! | `NO_APP_KEY` | `X-Application` missing | `Configuration` | no |
//! | `DUPLICATE_APP_NAME`, `APP_KEY_CREATION_FAILED`, `APP_CREATION_FAILED` | app key creation | `Configuration` | no |
//! | `SUBSCRIPTION_EXPIRED` | the subscription expired | `AccountRestricted` | never; remembered until reset |
//! | `INVALID_SUBSCRIPTION_TOKEN` | no such (usable) subscription token | `InvalidCredentials` | never; remembered until reset |
//! | `TOO_MANY_REQUESTS` | a rate or quantity cap, such as 15,000 unactivated tokens (no `retry_after`: waiting alone may not clear it) | `RateLimited` | not inside the ban window |
//! | `INVALID_CLIENT_REF` | client reference of a bad length | `Configuration` | no |
//! | `WALLET_TRANSFER_ERROR` | funds transfer refused | `AccountRestricted` | never; remembered until reset |
//! | `INVALID_VENDOR_CLIENT_ID` | not a client of this vendor's app | `Configuration` | no |
//! | `USER_NOT_SUBSCRIBED` | the customer is not subscribed to the app | `AccountRestricted` | never; remembered until reset |
//! | `INVALID_SECRET` | vendor secret mismatch | `InvalidCredentials` | never; remembered until reset |
//! | `INVALID_AUTH_CODE` | authorisation code unknown, used or expired | `InvalidCredentials` | never; remembered until reset |
//! | `INVALID_GRANT_TYPE` | grant type invalid or not matching its parameters | `Configuration` | no |
//! | `CUSTOMER_ACCOUNT_CLOSED` | the customer's account is closed | `AccountRestricted` | never; remembered until reset |
//! | `TOO_MUCH_DATA`, `REQUEST_SIZE_EXCEEDS_LIMIT` | request too large (`APINGException`) | `Configuration` | no |
//! | `ACCESS_DENIED` | not allowed (`APINGException`) | `AccountRestricted` | never; remembered until reset |
//! | `SERVICE_UNAVAILABLE` | down (`APINGException`) | `Unavailable` | yes, with backoff (`Error::is_retryable`) |
//! | any other code | a code this crate does not know (kept) | `UnexpectedResponse` | no |
//!
//! Framework errors carry no exception: JSON-RPC `-32700` (bad JSON), `-32600`, `-32601` (no
//! such method), `-32602` (bad or missing parameter) are `Configuration`, `-32603` is
//! `Unavailable`; a `DSC-xxxx` message or `faultstring` refines that and becomes the error's
//! code. An HTML gateway page is `Unavailable`. [`accounts_code_kind`] looks an `errorCode` up.
//!
//! | framework code | meaning | kind | retried automatically |
//! |---|---|---|---|
//! | `DSC-0008` | JSON parse failure | `Configuration` | no |
//! | `DSC-0009` | class conversion (a bad enum value or type) | `Configuration` | no |
//! | `DSC-0015` | security (HTTP 403) | `Configuration` | no |
//! | `DSC-0018` | mandatory parameter missing | `Configuration` | no |
//! | `DSC-0019` | timeout (HTTP 504) | `Timeout` | yes, with backoff (`Error::is_retryable`) |
//! | `DSC-0021` | no such operation | `Configuration` | no |
//! | `DSC-0023` | no such service | `Configuration` | no |
//! | `DSC-0024` | REST deserialisation failure | `Configuration` | no |
//! | `DSC-0034` | no valid, active app key | `Configuration` | no |
//! | `DSC-0035` | unrecognised credentials | `Configuration` | no |
//! | `DSC-0036` | invalid credentials | `Configuration` | no |
//!
//! Where the sources disagree, for the vendor services:
//!
//! - **The token answer's shape**: the interface definition types `application_subscription` as
//!   the camelCase `ApplicationSubscription`, Betfair's example sends snake_case keys and
//!   `"expires_in":"14400"` as a string; both are read.
//! - **The header for calls on the customer's behalf**: not in the stored docs; this crate sends
//!   `Authorization: BEARER <token>` with the vendor's `X-Application`, as a public client does.
//! - **`revokeAccessToWebApp`'s vendor id** is a number in the interface definition (a string in
//!   every other operation); this crate follows the interface definition.
//! - **`PENDING_AUTH`'s status**: the docs say only that login "returns a session token with the
//!   error `PENDING_AUTH`"; a token with that code is a pending session whatever the status.
//! - **A refresh answered `UNEXPECTED_ERROR`** usually means the customer revoked access, but the
//!   code also means a transient failure; it stays `Unavailable` (retried with backoff), so a
//!   revoked web app shows up as repeated `UNEXPECTED_ERROR` refresh failures.
//! - **The API host** is `api.betfair.com` for every jurisdiction, Australia included, except
//!   [`Jurisdiction::NewZealand`], which uses `api.betfair.com.au` as Betfair's API docs and
//!   betfairlightweight do; some older clients send Australians there too. The table is
//!   [`Jurisdiction::hosts`]; [`AccountsBuilder::api_url`] overrides it.
//! - `Accept-Encoding: gzip` (recommended by Betfair) is not sent: the HTTP layer does not
//!   decompress.
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
//! - `gzip` (default): the Accounts API asks for gzip answers (`Accept-Encoding: gzip`); the
//!   body cap counts decoded bytes, so a compressed bomb stops at the cap.
//! - `blocking`: `BlockingManager` and `BlockingKeepAlive` (re-exported from `session-core`), the
//!   session manager for scripts and synchronous programs: the same single flight, freshness and
//!   bans, run on one shared background thread.
//! - `metrics` is a `session-core` feature: enable it there to get the manager's metrics.
//! - `pkcs12` (default): PKCS#12 certificates (`ClientCertificate::from_pkcs12_file`), read in
//!   pure Rust by `p12-keystore` (modern PBES2/AES and legacy 3DES/RC2-40 files). Turn it off
//!   (`default-features = false`) to drop those dependencies; `.crt` + `.key` and `.pem` files
//!   keep working.
//! - `middleware`: `SessionMiddleware` and `Repeatable` (re-exported from `session-core`) for
//!   `reqwest-middleware` clients of API-NG: every request gets `X-Application` and
//!   `X-Authentication` (marked sensitive); an answer carrying `INVALID_SESSION_INFORMATION` or
//!   `NO_SESSION` ([`is_session_rejection`]; JSON-RPC errors on HTTP 200, REST faults on HTTP
//!   400, read without taking the body from the caller) invalidates that session, and the request
//!   is resent **once** after one re-login — for idempotent methods or requests carrying the
//!   `Repeatable` extension (API-NG calls are `POST`s: mark reads such as `listMarketBook`);
//!   anything else fails with [`ErrorKind::SessionRejected`] after one request.
//! - `test-util`: `BetfairSim`, a stateful simulator of the identity SSO (both logins,
//!   keepAlive, logout, expiry on an injected clock, the login rate limit and ban, scripted
//!   answers, request counters, and an API-NG stand-in that rejects unknown tokens) and of the
//!   Accounts API vendor services (`SimVendorApp`: subscription tokens with the
//!   15,000-unactivated cap, `PENDING_AUTH` until activation, cancellation, updates, history,
//!   vendor client ids, affiliate relations, web-app codes — single use, 10 minutes — access and
//!   refresh tokens, revocation, scripted exceptions and per-operation counters).
//!
//! # Security
//!
//! - The password, the two-factor code, the app key and the session token live in secret types
//!   ([`Password`], [`TwoFactorCode`], [`AppKey`], [`SessionToken`]) whose `Debug` is redacted;
//!   every struct that holds one writes `Debug` by hand; no error message contains a secret, a
//!   body or a URL; `X-Application` and `X-Authentication` are marked sensitive.
//! - The password travels only in the form-encoded body of a `POST` (percent-encoded, so `&`,
//!   `=`, `+`, spaces and non-ASCII characters survive), never in a URL.
//! - Only `https://` is used; `http://` is accepted only for loopback hosts and only with
//!   [`BetfairBuilder::allow_insecure_loopback`]. Redirects are never followed.
//! - Upstream text is shown in `Debug` only when it looks like a code: an unknown enum value
//!   (`TokenType::Unknown`, `SubscriptionStatus::Unknown`, …), a client reference or a redirect
//!   URL otherwise prints as `[REDACTED]`, and a `LIMITED_ACCESS` reason that is not a code is
//!   kept as `LIMITED_ACCESS`. A ban from `TEMPORARY_BAN_TOO_MANY_REQUESTS` or `Retry-After`
//!   lasts at most 24 hours and is always recorded; token lifetimes saturate instead of
//!   overflowing. Every parser is fuzzed (`fuzz/`, and a bounded run in CI).
//! - The client certificate is presented only to the certificate-login host; keepAlive, logout and
//!   API calls use a client without it. Key material never appears in `Debug` or errors.
//! - A restored session's token is only ever sent to the provider's own configured identity host,
//!   whatever the store says.
//! - Logging in too often gets an account banned for 20 minutes and e-mailed by Betfair: share
//!   one manager (or a store) per account.
//! - Subscription tokens, web-app authorisation codes, access and refresh tokens and the vendor
//!   secret are secret types ([`SubscriptionToken`], [`AuthorisationCode`], [`AccessToken`],
//!   [`RefreshToken`], [`ClientSecret`]); Accounts API errors keep codes and Betfair's
//!   `requestUUID`, never `errorDetails` (free text that may echo input).
//!
//! # Where the sources disagree, and what this crate does
//!
//! - **Global session lifetime**: Betfair's current docs say "up to 24 hours", an earlier revision
//!   12 hours; the most used client library moved from 24 h back to 12 h. This crate assumes 12 h.
//! - **Spain's lifetime** is undocumented; it is assumed to be Italy's 20 minutes (safe: a
//!   keepAlive costs nothing).
//! - **Australian and New Zealand hosts**: the identity host is `identitysso.betfair.com.au`
//!   for both (some clients use `identitysso.betfair.au`); no Australian certificate host is
//!   documented, so certificate login uses the .com host. New Zealand is its own
//!   [`Jurisdiction`] because its Accounts API host differs (`api.betfair.com.au`; Australia uses
//!   `api.betfair.com`). All hosts come from [`Jurisdiction::hosts`] and are overridable.
//! - **keepAlive method**: the docs say `POST`, a curl sample uses `GET`; this crate posts.
//! - **keepAlive's returned token**: the docs do not say whether it may change; it is the same
//!   token in every recorded answer. When an answer carries a different non-blank token, this
//!   crate adopts it (the renewal is then a new session with that token, as betfairlightweight
//!   does); otherwise a successful keepAlive extends the session it has.
//! - **A 404 or 405 from the identity or Accounts API host** (an HTML "Not Found" page included)
//!   means a wrong host or path: it is [`ErrorKind::Configuration`], not a gateway outage.
//! - **Where the failure reason is**: the interactive endpoint uses `error`, certificate login and
//!   some answers put the code in the status field; both are read, `error` first.
//! - **Interactive `LIMITED_ACCESS`** returns a usable token: this crate returns a session flagged
//!   as limited rather than an error.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;
mod cert;
mod config;
mod error;
mod provider;
#[cfg(feature = "test-util")]
mod sim;
mod vendor;
mod wire;

pub use cert::ClientCertificate;
pub use config::{BetfairBuilder, Jurisdiction, JurisdictionHosts, TwoFactorCode};
pub use error::{LOGIN_BAN, accounts_code_kind, code_kind};
pub use provider::{BetfairProvider, BetfairSession, LoginMethod};
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use sim::{
    AccountsOp, BetfairFault, BetfairSim, BetfairSimBuilder, SIM_TOKEN_PREFIX,
    SIM_WEB_TOKEN_PREFIX, SimFault, SimOp, SimVendorApp,
};
pub use vendor::{
    AccountSubscription, AccountsAuth, AccountsBuilder, AccountsClient, AccountsException,
    AccountsFault, AccountsStatus, AccountsTransport, AffiliateRelation, AffiliateRelationStatus,
    ApplicationSubscription, AuthorisationCode, AuthorisationResponse, CustomerLogin,
    FrameworkFault, GrantType, SubscriptionHistory, SubscriptionHistoryQuery, SubscriptionStatus,
    SubscriptionToken, SubscriptionTokenInfo, SubscriptionTokenRequest, TokenGrant, TokenType,
    VendorAccessToken, VendorDetails, WebAppBuilder, WebAppProvider, WebAppSession,
    WebAppSubscription, accounts_fault,
};
pub use wire::{is_session_rejection, session_rejection_code};

#[doc(inline)]
pub use session_core::prelude::*;
pub use session_core::{
    AccessToken, AppKey, ClientCredentials, ClientSecret, Password, RefreshToken, SessionSource,
    SessionToken, Sourced,
};
/// The `time` crate, whose [`OffsetDateTime`] every Accounts API timestamp is (for example
/// `time::format_description::well_known::Rfc3339` to print one).
pub use time;
pub use time::OffsetDateTime;

/// The README's examples, compiled as doctests so the quick start stays true.
#[cfg(doctest)]
#[doc(test(attr(deny(warnings), allow(dead_code))))]
#[doc = include_str!("../README.md")]
mod readme {}
