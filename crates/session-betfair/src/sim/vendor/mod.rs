//! The simulator's Accounts API vendor services: subscription tokens (the 15,000-unactivated cap,
//! activation, cancellation, updates, expiry rounded up to midnight), history, vendor client ids,
//! affiliate relations, web-app authorisation codes (single use, 10 minutes on the injected
//! clock), access and refresh tokens, and revocation — over JSON-RPC and REST, with Betfair's
//! exception and framework-error envelopes.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use session_core::test_util::{SimRequest, SimResponse};
use session_core::timing;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use super::{State, mix};

/// Unwraps an operation step's `Ok`, or returns its error answer from the operation.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(answer) => return answer,
        }
    };
}

mod ops;
mod rpc;
mod state;
mod subscriptions;
mod webapps;

use ops::{caller, named_app, operation, owned_app, p_i64, p_str};
pub(crate) use rpc::{Answer, handle, route};
use rpc::{exception, missing};
use state::{Access, opt_stamp};
pub(crate) use state::{Sub, VendorState, stamp};

/// Betfair's cap on unactivated subscription tokens.
pub(crate) const DEFAULT_UNACTIVATED_CAP: usize = 15_000;
/// How long a web-app authorisation code is valid.
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// The access-token lifetime (Betfair's example answer: 14,400 seconds).
pub(crate) const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(4 * 3600);
/// The longest client reference accepted.
const MAX_CLIENT_REF: usize = 255;

/// The prefix of every web-app secret the simulator issues (codes, access and refresh tokens).
pub const SIM_WEB_TOKEN_PREFIX: &str = "BFSIM-WEB-";

/// An Accounts API vendor operation the simulator implements (counted and scripted as
/// [`SimOp::Accounts`](super::SimOp::Accounts)); other operations get the API-NG stand-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountsOp {
    /// `getApplicationSubscriptionToken`.
    GetApplicationSubscriptionToken,
    /// `activateApplicationSubscription`.
    ActivateApplicationSubscription,
    /// `cancelApplicationSubscription`.
    CancelApplicationSubscription,
    /// `updateApplicationSubscription`.
    UpdateApplicationSubscription,
    /// `listApplicationSubscriptionTokens`.
    ListApplicationSubscriptionTokens,
    /// `listAccountSubscriptionTokens`.
    ListAccountSubscriptionTokens,
    /// `getApplicationSubscriptionHistory`.
    GetApplicationSubscriptionHistory,
    /// `getVendorClientId`.
    GetVendorClientId,
    /// `getVendorDetails`.
    GetVendorDetails,
    /// `token`.
    Token,
    /// `isAccountSubscribedToWebApp`.
    IsAccountSubscribedToWebApp,
    /// `revokeAccessToWebApp`.
    RevokeAccessToWebApp,
    /// `listAuthorizedWebApps`.
    ListAuthorizedWebApps,
    /// `getAffiliateRelation`.
    GetAffiliateRelation,
    /// `getAuthorisationCode`.
    GetAuthorisationCode,
}

impl AccountsOp {
    /// Every operation, in the IDD's order.
    pub const ALL: [Self; 15] = [
        Self::GetApplicationSubscriptionToken,
        Self::ActivateApplicationSubscription,
        Self::CancelApplicationSubscription,
        Self::UpdateApplicationSubscription,
        Self::ListApplicationSubscriptionTokens,
        Self::ListAccountSubscriptionTokens,
        Self::GetApplicationSubscriptionHistory,
        Self::GetVendorClientId,
        Self::GetVendorDetails,
        Self::Token,
        Self::IsAccountSubscribedToWebApp,
        Self::RevokeAccessToWebApp,
        Self::ListAuthorizedWebApps,
        Self::GetAffiliateRelation,
        Self::GetAuthorisationCode,
    ];

    /// The operation's name on the wire (`getVendorClientId`).
    pub fn name(self) -> &'static str {
        match self {
            Self::GetApplicationSubscriptionToken => "getApplicationSubscriptionToken",
            Self::ActivateApplicationSubscription => "activateApplicationSubscription",
            Self::CancelApplicationSubscription => "cancelApplicationSubscription",
            Self::UpdateApplicationSubscription => "updateApplicationSubscription",
            Self::ListApplicationSubscriptionTokens => "listApplicationSubscriptionTokens",
            Self::ListAccountSubscriptionTokens => "listAccountSubscriptionTokens",
            Self::GetApplicationSubscriptionHistory => "getApplicationSubscriptionHistory",
            Self::GetVendorClientId => "getVendorClientId",
            Self::GetVendorDetails => "getVendorDetails",
            Self::Token => "token",
            Self::IsAccountSubscribedToWebApp => "isAccountSubscribedToWebApp",
            Self::RevokeAccessToWebApp => "revokeAccessToWebApp",
            Self::ListAuthorizedWebApps => "listAuthorizedWebApps",
            Self::GetAffiliateRelation => "getAffiliateRelation",
            Self::GetAuthorisationCode => "getAuthorisationCode",
        }
    }

    /// The operation named `name` on the wire, when the simulator implements it.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// `AccountAPINGException` ids (`AANGX-00NN`), as the IDD numbers them.
const EXCEPTION_IDS: &[(&str, u8)] = &[
    ("INVALID_INPUT_DATA", 1),
    ("INVALID_SESSION_INFORMATION", 2),
    ("UNEXPECTED_ERROR", 3),
    ("INVALID_APP_KEY", 4),
    ("SERVICE_BUSY", 5),
    ("TIMEOUT_ERROR", 6),
    ("DUPLICATE_APP_NAME", 7),
    ("APP_KEY_CREATION_FAILED", 8),
    ("APP_CREATION_FAILED", 9),
    ("NO_SESSION", 10),
    ("NO_APP_KEY", 11),
    ("SUBSCRIPTION_EXPIRED", 12),
    ("INVALID_SUBSCRIPTION_TOKEN", 13),
    ("TOO_MANY_REQUESTS", 14),
    ("INVALID_CLIENT_REF", 15),
    ("WALLET_TRANSFER_ERROR", 16),
    ("INVALID_VENDOR_CLIENT_ID", 17),
    ("USER_NOT_SUBSCRIBED", 18),
    ("INVALID_SECRET", 19),
    ("INVALID_AUTH_CODE", 20),
    ("INVALID_GRANT_TYPE", 21),
];

/// A vendor application the simulator knows: its app key, the vendor account that owns it and,
/// for web apps, the vendor id and secret used with the `token` operation.
///
/// ```
/// use session_betfair::SimVendorApp;
/// let app = SimVendorApp::new("VENDOR-APP-KEY", "vendor")
///     .name("Acme Trader")
///     .web_app(4242, "vendor-secret")
///     .redirect_url("https://acme.example/callback");
/// # drop(app);
/// ```
#[derive(Clone)]
pub struct SimVendorApp {
    pub(crate) app_key: String,
    pub(crate) owner: String,
    pub(crate) name: String,
    pub(crate) version_id: i64,
    pub(crate) web: Option<(i64, String)>,
    pub(crate) redirect_url: Option<String>,
    pub(crate) subscription_required: bool,
}

impl fmt::Debug for SimVendorApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimVendorApp")
            .field("owner", &self.owner)
            .field("name", &self.name)
            .field("vendor_id", &self.web.as_ref().map(|(id, _)| id))
            .field("subscription_required", &self.subscription_required)
            .finish_non_exhaustive()
    }
}

impl SimVendorApp {
    /// A vendor app with `app_key`, owned by the account `owner`. Customers logging in with this
    /// key need an activated subscription (until then they get `PENDING_AUTH`).
    pub fn new(app_key: &str, owner: &str) -> Self {
        Self {
            app_key: app_key.to_owned(),
            owner: owner.to_owned(),
            name: "Simulated Vendor App".to_owned(),
            version_id: 1,
            web: None,
            redirect_url: None,
            subscription_required: true,
        }
    }

    /// The application's (and vendor's) display name.
    #[must_use]
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    /// The application version id (default 1).
    #[must_use]
    pub fn version_id(mut self, id: i64) -> Self {
        self.version_id = id;
        self
    }

    /// Makes it a web app with `vendor_id` (`client_id`) and `vendor_secret` (`client_secret`).
    #[must_use]
    pub fn web_app(mut self, vendor_id: i64, vendor_secret: &str) -> Self {
        self.web = Some((vendor_id, vendor_secret.to_owned()));
        self
    }

    /// The web app's redirect URL.
    #[must_use]
    pub fn redirect_url(mut self, url: &str) -> Self {
        self.redirect_url = Some(url.to_owned());
        self
    }

    /// Whether customers need an activated subscription to log in with this key (default
    /// `true`).
    #[must_use]
    pub fn subscription_required(mut self, required: bool) -> Self {
        self.subscription_required = required;
        self
    }

    fn vendor_id(&self) -> Option<i64> {
        self.web.as_ref().map(|(id, _)| *id)
    }
}
