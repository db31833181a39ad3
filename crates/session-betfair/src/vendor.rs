//! The Accounts API vendor services: subscription tokens, activation, cancellation, history,
//! vendor client ids, affiliate relations and the vendor web-app OAuth session.
//!
//! [`AccountsClient`] makes the calls; each operation takes the caller's session from a
//! [`SessionSource`] — a [`BetfairSession`], a [`Lease`], a [`SessionManager`] (which adds
//! invalidation and one retry for idempotent reads) or a web-app session — and sends exactly the
//! headers that operation needs.

use std::any::Any;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use http::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use session_core::http::{HttpClient, HttpOptions, parse_base_url};
use session_core::{
    AppKey, ClientCredentials, Error, ErrorKind, Lease, Result, Session, SessionManager,
    SessionProvider, sensitive_value,
};
use url::Url;

use crate::config::Jurisdiction;
use crate::error::{NAME, accounts_code_kind, framework_kind};
use crate::provider::{BetfairProvider, BetfairSession};
use crate::wire::{X_APPLICATION, X_AUTHENTICATION};

mod types;
mod webapp;
mod wire;

pub use types::{
    AccountSubscription, AccountsStatus, AffiliateRelation, AffiliateRelationStatus,
    ApplicationSubscription, AuthorisationCode, AuthorisationResponse, GrantType,
    SubscriptionHistory, SubscriptionHistoryQuery, SubscriptionStatus, SubscriptionToken,
    SubscriptionTokenInfo, SubscriptionTokenRequest, TokenGrant, TokenType, VendorAccessToken,
    VendorDetails, WebAppSubscription,
};
pub use webapp::{WebAppBuilder, WebAppProvider, WebAppSession};

/// Feeds one response to the answer parser for every vendor operation's answer type, on both
/// transports (the fuzz targets' entry point).
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_answers(
    r: &session_core::http::HttpResponse,
    out: &mut session_core::fuzzing::Outcome,
) {
    for transport in [AccountsTransport::JsonRpc, AccountsTransport::Rest] {
        out.result(&wire::parse_answer::<SubscriptionToken>(transport, r));
        out.result(&wire::parse_answer::<SubscriptionTokenInfo>(transport, r));
        out.result(&wire::parse_answer::<Vec<SubscriptionHistory>>(
            transport, r,
        ));
        out.result(&wire::parse_answer::<Vec<ApplicationSubscription>>(
            transport, r,
        ));
        out.result(&wire::parse_answer::<Vec<AccountSubscription>>(transport, r).map(|v| v.len()));
        out.result(&wire::parse_answer::<VendorDetails>(transport, r).map(|_| ()));
        out.result(&wire::parse_answer::<Vec<AffiliateRelation>>(transport, r).map(|v| v.len()));
        out.result(&wire::parse_answer::<AuthorisationResponse>(transport, r));
        out.result(&wire::parse_answer::<WebAppSubscription>(transport, r));
        out.result(&wire::parse_answer::<VendorAccessToken>(transport, r));
        out.result(&wire::parse_answer::<AccountsStatus>(transport, r));
        out.result(&wire::parse_answer::<String>(transport, r).map(|s| s.len()));
    }
}

/// Which form of the Accounts API to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountsTransport {
    /// `POST {api}/exchange/account/json-rpc/v1` with a JSON-RPC 2.0 envelope and method
    /// `AccountAPING/v1.0/<op>` (the default).
    #[default]
    JsonRpc,
    /// `POST {api}/exchange/account/rest/v1.0/<op>/` with the params object as the body.
    Rest,
}

/// A session that can authenticate Accounts API calls: an SSO session sends `X-Authentication`,
/// a web-app session `Authorization: BEARER`; either adds `X-Application` when the operation
/// needs it. Every value is marked sensitive.
pub trait AccountsAuth: Session {
    /// The app key the session goes with (`X-Application`).
    fn app_key(&self) -> &AppKey;

    /// Adds the session's credential to `headers`, and `X-Application` when `with_app_key`.
    fn accounts_headers(&self, headers: &mut HeaderMap, with_app_key: bool);
}

impl AccountsAuth for BetfairSession {
    fn app_key(&self) -> &AppKey {
        BetfairSession::app_key(self)
    }

    fn accounts_headers(&self, headers: &mut HeaderMap, with_app_key: bool) {
        if let Some(v) = sensitive_value(self.token().expose_secret()) {
            headers.insert(X_AUTHENTICATION, v);
        }
        if with_app_key && let Some(v) = sensitive_value(self.app_key().expose_secret()) {
            headers.insert(X_APPLICATION, v);
        }
    }
}

/// A session handed to one Accounts API call by a [`SessionSource`], with an optional handle the
/// source uses to recognise it again in [`reject`](SessionSource::reject).
pub struct SourcedSession {
    session: Arc<dyn AccountsAuth>,
    handle: Option<Box<dyn Any + Send + Sync>>,
}

impl fmt::Debug for SourcedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourcedSession")
            .field("handle", &self.handle.is_some())
            .finish_non_exhaustive()
    }
}

impl SourcedSession {
    /// Wraps a session.
    pub fn new(session: Arc<dyn AccountsAuth>) -> Self {
        Self {
            session,
            handle: None,
        }
    }

    /// Attaches a handle (for example the manager's [`Lease`]).
    #[must_use]
    pub fn with_handle(mut self, handle: impl Any + Send + Sync) -> Self {
        self.handle = Some(Box::new(handle));
        self
    }

    /// The session.
    pub fn session(&self) -> &dyn AccountsAuth {
        &*self.session
    }

    /// The handle, if it is a `T`.
    pub fn handle<T: Any>(&self) -> Option<&T> {
        self.handle.as_deref().and_then(|h| h.downcast_ref::<T>())
    }
}

/// Where an Accounts API call takes the caller's session from.
///
/// Implemented for [`BetfairSession`], [`WebAppSession`], a [`Lease`] of either (the session as
/// it is: a rejection is returned to the caller) and a [`SessionManager`] of either (a rejection
/// invalidates the lease, and idempotent reads are retried once with a fresh session).
#[async_trait]
pub trait SessionSource: Send + Sync {
    /// The session to send now.
    async fn acquire(&self) -> Result<SourcedSession>;

    /// Betfair rejected `rejected`'s session (`INVALID_SESSION_INFORMATION` / `NO_SESSION`).
    /// Returns whether a later [`acquire`](Self::acquire) can give a different session (so a
    /// retry makes sense). The default: `false`.
    fn reject(&self, rejected: &SourcedSession) -> bool {
        let _ = rejected;
        false
    }
}

#[async_trait]
impl SessionSource for BetfairSession {
    async fn acquire(&self) -> Result<SourcedSession> {
        Ok(SourcedSession::new(Arc::new(self.clone())))
    }
}

#[async_trait]
impl SessionSource for WebAppSession {
    async fn acquire(&self) -> Result<SourcedSession> {
        Ok(SourcedSession::new(Arc::new(self.clone())))
    }
}

#[async_trait]
impl<S: AccountsAuth> SessionSource for Lease<S> {
    async fn acquire(&self) -> Result<SourcedSession> {
        let session: Arc<dyn AccountsAuth> = self.session().clone();
        Ok(SourcedSession::new(session))
    }
}

#[async_trait]
impl<P> SessionSource for SessionManager<P>
where
    P: SessionProvider,
    P::Session: AccountsAuth,
{
    async fn acquire(&self) -> Result<SourcedSession> {
        let lease = self.get().await?;
        let session: Arc<dyn AccountsAuth> = lease.session().clone();
        Ok(SourcedSession::new(session).with_handle(lease))
    }

    fn reject(&self, rejected: &SourcedSession) -> bool {
        match rejected.handle::<Lease<P::Session>>() {
            Some(lease) => {
                self.invalidate(lease);
                true
            }
            None => false,
        }
    }
}

#[async_trait]
impl<T: SessionSource + ?Sized> SessionSource for Arc<T> {
    async fn acquire(&self) -> Result<SourcedSession> {
        (**self).acquire().await
    }

    fn reject(&self, rejected: &SourcedSession) -> bool {
        (**self).reject(rejected)
    }
}

/// An `AccountAPINGException` (or `APINGException`) answer, as Betfair sent it. Every field is a
/// code or an identifier; `errorDetails` (free text) is deliberately not kept.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountsException {
    /// `AccountAPINGException` (or `APINGException`).
    pub exception_name: String,
    /// The code the kind is keyed on (`INVALID_SESSION_INFORMATION`, `TOO_MANY_REQUESTS`, ...).
    pub error_code: String,
    /// Betfair's request id, for support tickets. Not secret.
    pub request_uuid: Option<String>,
    /// The JSON-RPC `message` or REST `faultstring` (`AANGX-0002`); informational only.
    pub reference: Option<String>,
    /// The JSON-RPC error code (`-32099`), when the answer was JSON-RPC.
    pub json_rpc_code: Option<i64>,
    /// The HTTP status the fault came with (faults have been seen on 200).
    pub http_status: u16,
}

impl AccountsException {
    /// The kind [`error_code`](Self::error_code) maps to
    /// ([`ErrorKind::UnexpectedResponse`] for an unknown code).
    pub fn kind(&self) -> ErrorKind {
        accounts_code_kind(&self.error_code).unwrap_or(ErrorKind::UnexpectedResponse)
    }
}

/// A framework-level error: a JSON-RPC error without exception data (`-32700`, `-32601`,
/// `-32602`, `-32603`, usually with a `DSC-xxxx` message) or a REST fault with an empty `detail`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameworkFault {
    /// The JSON-RPC error code, for JSON-RPC answers.
    pub json_rpc_code: Option<i64>,
    /// The `DSC-xxxx` code, when given.
    pub dsc_code: Option<String>,
    /// The REST `faultcode` (`Client` / `Server`), for REST answers.
    pub fault_code: Option<String>,
    /// The HTTP status.
    pub http_status: u16,
}

impl FrameworkFault {
    /// The kind this fault maps to.
    pub fn kind(&self) -> ErrorKind {
        framework_kind(self.dsc_code.as_deref(), self.json_rpc_code)
    }
}

/// What an Accounts API call failed with. Attached as the [`source`](StdError::source) of the
/// returned [`Error`]; get it back with [`accounts_fault`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountsFault {
    /// The operation threw an exception.
    Exception(AccountsException),
    /// The API framework refused the request.
    Framework(FrameworkFault),
}

impl AccountsFault {
    /// The kind this fault maps to.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Exception(e) => e.kind(),
            Self::Framework(f) => f.kind(),
        }
    }

    /// Betfair's request id, for support.
    pub fn request_uuid(&self) -> Option<&str> {
        match self {
            Self::Exception(e) => e.request_uuid.as_deref(),
            Self::Framework(_) => None,
        }
    }
}

impl fmt::Display for AccountsFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exception(e) => {
                write!(f, "{} {}", e.exception_name, e.error_code)?;
                if let Some(uuid) = &e.request_uuid {
                    write!(f, " (request {uuid})")?;
                }
                Ok(())
            }
            Self::Framework(x) => {
                f.write_str("framework error")?;
                if let Some(dsc) = &x.dsc_code {
                    write!(f, " {dsc}")?;
                }
                if let Some(code) = x.json_rpc_code {
                    write!(f, " (json-rpc {code})")?;
                }
                Ok(())
            }
        }
    }
}

impl StdError for AccountsFault {}

/// The Accounts API fault behind `error`, if it came from one (with the exception's
/// `requestUUID` for support tickets).
///
/// ```
/// fn support_reference(e: &session_betfair::Error) -> Option<String> {
///     session_betfair::accounts_fault(e)?.request_uuid().map(str::to_owned)
/// }
/// # let e = session_betfair::Error::configuration("betfair", "x");
/// # assert_eq!(support_reference(&e), None);
/// ```
pub fn accounts_fault(error: &Error) -> Option<&AccountsFault> {
    StdError::source(error)?.downcast_ref::<AccountsFault>()
}

/// How a customer's interactive login with a vendor's app key ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum CustomerLogin {
    /// A normal session: the customer's subscription is active (or none is needed).
    Active(BetfairSession),
    /// Betfair answered `PENDING_AUTH`: the session may only activate a subscription. Call
    /// [`AccountsClient::activate_application_subscription`] with it, then log in again.
    PendingActivation(BetfairSession),
}

impl CustomerLogin {
    /// The session, either way.
    pub fn session(&self) -> &BetfairSession {
        match self {
            Self::Active(s) | Self::PendingActivation(s) => s,
        }
    }

    /// The session, either way.
    pub fn into_session(self) -> BetfairSession {
        match self {
            Self::Active(s) | Self::PendingActivation(s) => s,
        }
    }

    /// Whether the subscription still has to be activated.
    pub fn is_pending_activation(&self) -> bool {
        matches!(self, Self::PendingActivation(_))
    }
}

impl BetfairSession {
    /// Whether the login answered `PENDING_AUTH`: the customer has not activated a subscription
    /// to the (vendor's) app key yet. Such a session may activate one; then log in again.
    pub fn is_pending_activation(&self) -> bool {
        self.limited_access()
            .is_some_and(|r| r.eq_ignore_ascii_case("PENDING_AUTH"))
    }
}

impl BetfairProvider {
    /// Logs a customer in (one login, without a manager) and tells a `PENDING_AUTH` answer apart:
    /// with a vendor's app key, a customer without an activated subscription gets a session that
    /// can only activate one.
    #[tracing::instrument(name = "betfair.customer_login", skip_all, fields(provider = NAME))]
    pub async fn customer_login(&self) -> Result<CustomerLogin> {
        let session = SessionProvider::login(self).await?;
        Ok(if session.is_pending_activation() {
            CustomerLogin::PendingActivation(session)
        } else {
            CustomerLogin::Active(session)
        })
    }
}

/// Builds an [`AccountsClient`]. Start with [`AccountsClient::builder`].
pub struct AccountsBuilder {
    api_url: Option<String>,
    jurisdiction: Jurisdiction,
    transport: AccountsTransport,
    http: HttpOptions,
}

impl fmt::Debug for AccountsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountsBuilder")
            .field("api_url", &self.api_url)
            .field("jurisdiction", &self.jurisdiction)
            .field("transport", &self.transport)
            .field(
                "allow_insecure_loopback",
                &self.http.allow_insecure_loopback,
            )
            .field("extra_roots", &self.http.root_pems.len())
            .finish_non_exhaustive()
    }
}

impl AccountsBuilder {
    /// The jurisdiction whose API host to use (default [`Jurisdiction::Global`]).
    #[must_use]
    pub fn jurisdiction(mut self, jurisdiction: Jurisdiction) -> Self {
        self.jurisdiction = jurisdiction;
        self
    }

    /// Overrides the API base URL (`https://api.betfair.com/`, or the simulator's
    /// `BetfairSim::api_url()`); the operation paths are appended to it.
    #[must_use]
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = Some(url.into());
        self
    }

    /// JSON-RPC (default) or REST.
    #[must_use]
    pub fn transport(mut self, transport: AccountsTransport) -> Self {
        self.transport = transport;
        self
    }

    /// Allows `http://` base URLs to loopback hosts (tests, simulators).
    #[must_use]
    pub fn allow_insecure_loopback(mut self, allow: bool) -> Self {
        self.http.allow_insecure_loopback = allow;
        self
    }

    /// Timeout of each request (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = Some(timeout);
        self
    }

    /// Connect timeout (default 10 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.connect_timeout = Some(timeout);
        self
    }

    /// Also trusts the root certificates in `pem`.
    #[must_use]
    pub fn add_root_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.http.root_pems.push(pem.into());
        self
    }

    session_core::http_option_methods!();

    /// The client: with the `gzip` feature (default) it asks for and decodes gzip answers, the
    /// body cap counting decoded bytes; an own client decides for itself.
    fn make_client(&self) -> Result<HttpClient> {
        let builder = self.http.builder(NAME)?;
        #[cfg(feature = "gzip")]
        let builder = if self.http.client.is_none() {
            builder.gzip(true)
        } else {
            builder
        };
        builder.build()
    }

    /// Checks the URL and builds the client. No request is made.
    pub fn build(self) -> Result<AccountsClient> {
        let raw = self
            .api_url
            .as_deref()
            .unwrap_or(self.jurisdiction.api_url());
        let mut api = parse_base_url(NAME, raw, self.http.allow_insecure_loopback)?;
        if api.query().is_some() || api.fragment().is_some() {
            return Err(Error::configuration(
                NAME,
                "a base url must not have a query or fragment",
            ));
        }
        if !api.path().ends_with('/') {
            let path = format!("{}/", api.path());
            api.set_path(&path);
        }
        Ok(AccountsClient {
            inner: Arc::new(ClientInner {
                http: self.make_client()?,
                api,
                transport: self.transport,
                next_id: AtomicU64::new(1),
            }),
        })
    }
}

struct ClientInner {
    http: HttpClient,
    api: Url,
    transport: AccountsTransport,
    next_id: AtomicU64,
}

/// A client of Betfair's Accounts API vendor services. Cheap to clone.
///
/// Each operation takes the caller's session from a [`SessionSource`] and sends exactly the
/// headers Betfair requires for it:
///
/// | operation | caller | `X-Authentication` | `X-Application` | repeated after a rejection |
/// |---|---|---|---|---|
/// | [`get_application_subscription_token`](Self::get_application_subscription_token) | vendor | ✓ | ✓ | no |
/// | [`activate_application_subscription`](Self::activate_application_subscription) | customer | ✓ | — | no |
/// | [`cancel_application_subscription`](Self::cancel_application_subscription) | vendor | ✓ | ✓ | no |
/// | [`update_application_subscription`](Self::update_application_subscription) | vendor | ✓ | ✓ | no |
/// | [`list_application_subscription_tokens`](Self::list_application_subscription_tokens) | vendor | ✓ | ✓ | once |
/// | [`list_account_subscription_tokens`](Self::list_account_subscription_tokens) | customer | ✓ | ✓ | once |
/// | [`get_application_subscription_history`](Self::get_application_subscription_history), vendor form | vendor | ✓ | ✓ | once |
/// | [`get_application_subscription_history`](Self::get_application_subscription_history), customer form | customer | ✓ | — (`applicationKey` in the body) | once |
/// | [`get_vendor_client_id`](Self::get_vendor_client_id) | customer | ✓ | ✓ | once |
/// | [`get_vendor_details`](Self::get_vendor_details) | any | ✓ | ✓ | once |
/// | [`token`](Self::token) | vendor | ✓ | ✓ | no |
/// | [`is_account_subscribed_to_web_app`](Self::is_account_subscribed_to_web_app) | customer | ✓ | ✓ | once |
/// | [`revoke_access_to_web_app`](Self::revoke_access_to_web_app) | customer | ✓ | ✓ | no |
/// | [`list_authorized_web_apps`](Self::list_authorized_web_apps) | customer | ✓ | ✓ | once |
/// | [`get_affiliate_relation`](Self::get_affiliate_relation) | vendor | ✓ | ✓ | once |
/// | [`get_authorisation_code`](Self::get_authorisation_code) | customer | ✓ | ✓ | no |
///
/// A web-app session sends `Authorization: BEARER <access token>` in place of
/// `X-Authentication`. "Once": when the source is a [`SessionManager`], an
/// `INVALID_SESSION_INFORMATION` / `NO_SESSION` answer invalidates the lease and the call is
/// repeated once with a fresh session; for every other operation the lease is invalidated and
/// the error returned, since repeating it could create a second token or consume a code.
#[derive(Clone)]
pub struct AccountsClient {
    inner: Arc<ClientInner>,
}

impl fmt::Debug for AccountsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountsClient")
            .field("api_url", &self.inner.api.as_str())
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

impl AccountsClient {
    /// A builder for the global API host and JSON-RPC.
    pub fn builder() -> AccountsBuilder {
        AccountsBuilder {
            api_url: None,
            jurisdiction: Jurisdiction::Global,
            transport: AccountsTransport::JsonRpc,
            http: HttpOptions::default(),
        }
    }

    /// The API base URL.
    pub fn api_url(&self) -> &Url {
        &self.inner.api
    }

    /// The transport.
    pub fn transport(&self) -> AccountsTransport {
        self.inner.transport
    }

    #[tracing::instrument(
        name = "betfair.accounts",
        skip_all,
        fields(provider = NAME, operation = op.name)
    )]
    async fn call<T, P, S>(&self, source: &S, op: wire::Op, params: &P) -> Result<T>
    where
        T: DeserializeOwned,
        P: Serialize + Sync,
        S: SessionSource + ?Sized,
    {
        let mut sourced = source.acquire().await?;
        let mut retried = false;
        loop {
            let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
            let request = wire::accounts_request(
                &self.inner.api,
                self.inner.transport,
                op,
                params,
                id,
                sourced.session(),
            )?;
            let response = self.inner.http.send(request).await?;
            match wire::parse_answer::<T>(self.inner.transport, &response) {
                Err(e) if wire::is_rejection_error(&e) => {
                    let fresh = source.reject(&sourced);
                    if op.idempotent && fresh && !retried {
                        tracing::debug!(provider = NAME, "session rejected; retrying once");
                        retried = true;
                        sourced = source.acquire().await?;
                        continue;
                    }
                    return Err(e);
                }
                other => return other,
            }
        }
    }

    /// `getApplicationSubscriptionToken`: the vendor creates a subscription token (form
    /// `ABCD-EFGH-IJKL`) to give to a customer. Vendor session and vendor app key. Betfair allows
    /// at most 15,000 unactivated tokens; beyond that it answers `TOO_MANY_REQUESTS`
    /// ([`ErrorKind::RateLimited`]) until some are activated or cancelled.
    pub async fn get_application_subscription_token(
        &self,
        vendor: &(impl SessionSource + ?Sized),
        request: &SubscriptionTokenRequest,
    ) -> Result<SubscriptionToken> {
        let params = wire::SubscriptionTokenParams {
            subscription_length: request.days(),
            client_reference: request.reference(),
        };
        self.call(vendor, wire::GET_APPLICATION_SUBSCRIPTION_TOKEN, &params)
            .await
    }

    /// `activateApplicationSubscription`: the customer activates a subscription token with their
    /// own session (`X-Authentication` only; no `X-Application`). Works with a `PENDING_AUTH`
    /// session. Activation can take up to two minutes to show everywhere; it also creates the
    /// customer's vendor client id if there was none.
    pub async fn activate_application_subscription(
        &self,
        customer: &(impl SessionSource + ?Sized),
        token: &SubscriptionToken,
    ) -> Result<AccountsStatus> {
        let params = wire::TokenParams {
            subscription_token: token.expose_secret(),
        };
        self.call(customer, wire::ACTIVATE_APPLICATION_SUBSCRIPTION, &params)
            .await
    }

    /// `cancelApplicationSubscription`: the vendor cancels a subscription token.
    pub async fn cancel_application_subscription(
        &self,
        vendor: &(impl SessionSource + ?Sized),
        token: &SubscriptionToken,
    ) -> Result<AccountsStatus> {
        let params = wire::TokenParams {
            subscription_token: token.expose_secret(),
        };
        self.call(vendor, wire::CANCEL_APPLICATION_SUBSCRIPTION, &params)
            .await
    }

    /// `updateApplicationSubscription`: the vendor gives the customer behind `vendor_client_id`
    /// a new subscription of `length_days`; the new token needs no activation and the customer's
    /// earlier tokens are cancelled.
    pub async fn update_application_subscription(
        &self,
        vendor: &(impl SessionSource + ?Sized),
        vendor_client_id: &str,
        length_days: u32,
    ) -> Result<SubscriptionToken> {
        let params = wire::UpdateParams {
            vendor_client_id,
            subscription_length: length_days,
        };
        self.call(vendor, wire::UPDATE_APPLICATION_SUBSCRIPTION, &params)
            .await
    }

    /// `listApplicationSubscriptionTokens`: the vendor's tokens, optionally only those with
    /// `status` (activated ones carry the customer's vendor client id).
    pub async fn list_application_subscription_tokens(
        &self,
        vendor: &(impl SessionSource + ?Sized),
        status: Option<&SubscriptionStatus>,
    ) -> Result<Vec<ApplicationSubscription>> {
        let params = wire::ListTokensParams {
            subscription_status: status.map(SubscriptionStatus::as_str),
        };
        self.call(vendor, wire::LIST_APPLICATION_SUBSCRIPTION_TOKENS, &params)
            .await
    }

    /// `listAccountSubscriptionTokens`: the customer's subscriptions, per application.
    pub async fn list_account_subscription_tokens(
        &self,
        customer: &(impl SessionSource + ?Sized),
    ) -> Result<Vec<AccountSubscription>> {
        self.call(
            customer,
            wire::LIST_ACCOUNT_SUBSCRIPTION_TOKENS,
            &wire::NoParams {},
        )
        .await
    }

    /// `getApplicationSubscriptionHistory`: a customer's subscriptions to the vendor's app. An
    /// empty list means the customer never subscribed.
    ///
    /// - [`SubscriptionHistoryQuery::Vendor`] (server side): the vendor's session and app key,
    ///   `vendorClientId` in the body.
    /// - [`SubscriptionHistoryQuery::Customer`] (client side): the customer's session in
    ///   `X-Authentication`, **no** `X-Application` (its presence would make Betfair treat the
    ///   caller as the vendor), the vendor's app key as `applicationKey` in the body.
    pub async fn get_application_subscription_history(
        &self,
        caller: &(impl SessionSource + ?Sized),
        query: &SubscriptionHistoryQuery,
    ) -> Result<Vec<SubscriptionHistory>> {
        match query {
            SubscriptionHistoryQuery::Vendor { vendor_client_id } => {
                let params = wire::HistoryParams {
                    vendor_client_id: Some(vendor_client_id),
                    application_key: None,
                };
                self.call(caller, wire::SUBSCRIPTION_HISTORY_VENDOR, &params)
                    .await
            }
            SubscriptionHistoryQuery::Customer { application_key } => {
                let source = BodyKeySource {
                    inner: caller,
                    key: application_key.clone(),
                };
                self.call_customer_history(&source).await
            }
        }
    }

    async fn call_customer_history<S: SessionSource + ?Sized>(
        &self,
        source: &BodyKeySource<'_, S>,
    ) -> Result<Vec<SubscriptionHistory>> {
        // The app key in the body is the one given, or the caller's session's own; it is read
        // from each acquired session so a retry with a fresh session stays consistent.
        let mut sourced = source.inner.acquire().await?;
        let mut retried = false;
        loop {
            let key = match &source.key {
                Some(k) => k.clone(),
                None => sourced.session().app_key().clone(),
            };
            let params = wire::HistoryParams {
                vendor_client_id: None,
                application_key: Some(key.expose_secret()),
            };
            let once = OneShot(&sourced);
            match self
                .call::<Vec<SubscriptionHistory>, _, _>(
                    &once,
                    wire::SUBSCRIPTION_HISTORY_CUSTOMER,
                    &params,
                )
                .await
            {
                Err(e) if wire::is_rejection_error(&e) => {
                    let fresh = source.inner.reject(&sourced);
                    if fresh && !retried {
                        retried = true;
                        sourced = source.inner.acquire().await?;
                        continue;
                    }
                    return Err(e);
                }
                other => return other,
            }
        }
    }

    /// `getVendorClientId`: the customer's id for the vendor whose app key the customer's
    /// session carries (created on first use). Send it to the vendor's server for
    /// [`SubscriptionHistoryQuery::Vendor`].
    pub async fn get_vendor_client_id(
        &self,
        customer: &(impl SessionSource + ?Sized),
    ) -> Result<String> {
        self.call(customer, wire::GET_VENDOR_CLIENT_ID, &wire::NoParams {})
            .await
    }

    /// `getVendorDetails`: a vendor's public details.
    pub async fn get_vendor_details(
        &self,
        caller: &(impl SessionSource + ?Sized),
        vendor_id: &str,
    ) -> Result<VendorDetails> {
        self.call(
            caller,
            wire::GET_VENDOR_DETAILS,
            &wire::VendorIdParams { vendor_id },
        )
        .await
    }

    /// `token`: the vendor's server exchanges a web-app authorisation code, or a refresh token,
    /// for the customer's access and refresh tokens. Vendor session and vendor app key;
    /// `client` is the vendor id (`client_id`) and vendor secret (`client_secret`) from
    /// `getDeveloperAppKeys`. Never repeated: a code is single use. [`WebAppProvider`] manages
    /// the resulting session.
    pub async fn token(
        &self,
        vendor: &(impl SessionSource + ?Sized),
        client: &ClientCredentials,
        grant: &TokenGrant,
    ) -> Result<VendorAccessToken> {
        let grant_type = grant.grant_type();
        let params = wire::TokenRequestParams {
            client_id: &client.client_id,
            grant_type: grant_type.as_str(),
            code: match grant {
                TokenGrant::AuthorizationCode(code) => Some(code.expose_secret()),
                TokenGrant::RefreshToken(_) => None,
            },
            client_secret: client.client_secret.expose_secret(),
            refresh_token: match grant {
                TokenGrant::RefreshToken(token) => Some(token.expose_secret()),
                TokenGrant::AuthorizationCode(_) => None,
            },
        };
        self.call(vendor, wire::TOKEN, &params).await
    }

    /// `isAccountSubscribedToWebApp`: whether the customer has authorised the vendor's web app.
    pub async fn is_account_subscribed_to_web_app(
        &self,
        customer: &(impl SessionSource + ?Sized),
        vendor_id: &str,
    ) -> Result<bool> {
        self.call(
            customer,
            wire::IS_ACCOUNT_SUBSCRIBED_TO_WEB_APP,
            &wire::VendorIdParams { vendor_id },
        )
        .await
    }

    /// `revokeAccessToWebApp`: the customer withdraws the vendor's access; the refresh token is
    /// destroyed and access tokens stop working. Betfair types this vendor id as a number.
    pub async fn revoke_access_to_web_app(
        &self,
        customer: &(impl SessionSource + ?Sized),
        vendor_id: i64,
    ) -> Result<AccountsStatus> {
        self.call(
            customer,
            wire::REVOKE_ACCESS_TO_WEB_APP,
            &wire::RevokeParams { vendor_id },
        )
        .await
    }

    /// `listAuthorizedWebApps`: the web apps the customer has authorised.
    pub async fn list_authorized_web_apps(
        &self,
        customer: &(impl SessionSource + ?Sized),
    ) -> Result<Vec<VendorDetails>> {
        self.call(customer, wire::LIST_AUTHORIZED_WEB_APPS, &wire::NoParams {})
            .await
    }

    /// `getAffiliateRelation`: whether each vendor client id is affiliated with the vendor.
    pub async fn get_affiliate_relation(
        &self,
        vendor: &(impl SessionSource + ?Sized),
        vendor_client_ids: &[String],
    ) -> Result<Vec<AffiliateRelation>> {
        self.call(
            vendor,
            wire::GET_AFFILIATE_RELATION,
            &wire::AffiliateParams { vendor_client_ids },
        )
        .await
    }

    /// `getAuthorisationCode`: issues a web-app authorisation code for the customer (single use,
    /// 10 minutes), with the vendor's redirect URL.
    pub async fn get_authorisation_code(
        &self,
        customer: &(impl SessionSource + ?Sized),
        vendor_id: &str,
    ) -> Result<AuthorisationResponse> {
        self.call(
            customer,
            wire::GET_AUTHORISATION_CODE,
            &wire::VendorIdParams { vendor_id },
        )
        .await
    }
}

/// The customer history call's source: the caller plus the app key for the body.
struct BodyKeySource<'a, S: ?Sized> {
    inner: &'a S,
    key: Option<AppKey>,
}

/// One already-acquired session, without retries (the caller handles them).
struct OneShot<'a>(&'a SourcedSession);

#[async_trait]
impl SessionSource for OneShot<'_> {
    async fn acquire(&self) -> Result<SourcedSession> {
        Ok(SourcedSession::new(self.0.session.clone()))
    }
}
