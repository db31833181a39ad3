//! The Accounts API vendor services: subscription tokens, activation, cancellation, history,
//! vendor client ids, affiliate relations and the vendor web-app OAuth session.
//!
//! [`AccountsClient`] makes the calls; each operation takes the caller's session from a
//! [`SessionSource`] — a [`BetfairSession`], a [`Lease`](crate::Lease), a
//! [`SessionManager`](crate::SessionManager) (which adds invalidation and one retry for
//! idempotent reads) or a web-app session — and sends exactly the headers that operation needs.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use http::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use session_core::http::{HttpClient, HttpOptions};
use session_core::{
    AppKey, Attempt, ClientCredentials, Error, ErrorKind, Resend, Result, Session, SessionProvider,
    SessionSource, Sourced, call_with_session, sensitive_value,
};
use tracing::Instrument;
use url::Url;

use crate::config::Jurisdiction;
use crate::error::{NAME, accounts_code_kind, framework_kind};
use crate::provider::{BetfairProvider, BetfairSession};
use crate::wire::{X_APPLICATION, X_AUTHENTICATION};

mod builder;
mod client;
mod enums;
mod fault;
mod login;
mod source;
mod types;
mod webapp;
mod wire;

pub use fault::{AccountsException, AccountsFault, FrameworkFault, accounts_fault};
pub use login::CustomerLogin;
pub use source::AccountsAuth;

pub use enums::{
    AccountsStatus, AffiliateRelationStatus, AuthorisationCode, GrantType, SubscriptionStatus,
    SubscriptionToken, TokenType,
};
pub use types::{
    AccountSubscription, AffiliateRelation, ApplicationSubscription, AuthorisationResponse,
    SubscriptionHistory, SubscriptionHistoryQuery, SubscriptionTokenInfo, SubscriptionTokenRequest,
    TokenGrant, VendorAccessToken, VendorDetails, WebAppSubscription,
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

/// Builds an [`AccountsClient`]. Start with [`AccountsClient::builder`].
pub struct AccountsBuilder {
    api_url: Option<String>,
    jurisdiction: Jurisdiction,
    transport: AccountsTransport,
    http: HttpOptions,
}

struct Inner {
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
/// `X-Authentication`. "Once": when the source is a [`SessionManager`](crate::SessionManager), an
/// `INVALID_SESSION_INFORMATION` / `NO_SESSION` answer invalidates the lease and the call is
/// repeated once with a fresh session; for every other operation the lease is invalidated and
/// the error returned, since repeating it could create a second token or consume a code.
#[derive(Clone)]
pub struct AccountsClient {
    inner: Arc<Inner>,
}
