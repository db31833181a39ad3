//! Typed requests and responses of the Accounts API vendor operations: the enums of `enums.rs`,
//! timestamps as [`OffsetDateTime`], secrets in secret types.
//!
//! Parsing is lenient where Betfair is known to be sloppy: unknown fields are ignored, enum values
//! are compared case-insensitively and unknown ones kept, timestamps may come with or without an
//! offset (no offset means UTC) or as epoch milliseconds, `expires_in` may be a number or a string,
//! and the web-app token answer is read in snake_case and camelCase alike.

use std::fmt;

use serde::{Deserialize, Deserializer};
use session_core::{AccessToken, AppKey, RefreshToken, UpstreamText};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{OffsetDateTime, PrimitiveDateTime};

use super::enums::{
    AffiliateRelationStatus, AuthorisationCode, GrantType, SubscriptionStatus, SubscriptionToken,
    TokenType,
};

/// Lenient timestamp parsing for every `dateTime` field.
pub(crate) mod date {
    use super::*;

    /// Parses an ISO-8601 / RFC 3339 timestamp; without an offset it is taken as UTC.
    pub(crate) fn parse(value: &str) -> Option<OffsetDateTime> {
        let value = value.trim();
        if let Ok(t) = OffsetDateTime::parse(value, &Rfc3339) {
            return Some(t);
        }
        if let Ok(t) = OffsetDateTime::parse(value, &Iso8601::DEFAULT) {
            return Some(t);
        }
        PrimitiveDateTime::parse(value, &Iso8601::DEFAULT)
            .ok()
            .map(PrimitiveDateTime::assume_utc)
    }

    /// Deserializes an optional timestamp: a string (see [`parse`]), epoch milliseconds, `null`
    /// or an empty string.
    pub(crate) fn option<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Millis(i64),
        }
        match Option::<Raw>::deserialize(d)? {
            None => Ok(None),
            Some(Raw::Text(s)) if s.trim().is_empty() => Ok(None),
            Some(Raw::Text(s)) => parse(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("invalid timestamp")),
            Some(Raw::Millis(ms)) => {
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                    .map(Some)
                    .map_err(|_| serde::de::Error::custom("invalid timestamp"))
            }
        }
    }
}

fn opt_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SubscriptionStatus>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .filter(|s| !s.trim().is_empty())
        .map(|s| SubscriptionStatus::parse(&s)))
}

/// Options of [`get_application_subscription_token`](crate::AccountsClient::get_application_subscription_token).
///
/// ```
/// use session_betfair::SubscriptionTokenRequest;
/// let request = SubscriptionTokenRequest::new().length_days(365).client_reference("order-42");
/// assert_eq!(request.days(), Some(365));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubscriptionTokenRequest {
    length_days: Option<u32>,
    client_reference: Option<String>,
}

impl SubscriptionTokenRequest {
    /// An open-ended subscription without a client reference.
    pub fn new() -> Self {
        Self::default()
    }

    /// A request from optional parts, as a command line parses them (`--days`, `--client-ref`).
    pub fn from_options(length_days: Option<u32>, client_reference: Option<String>) -> Self {
        Self {
            length_days,
            client_reference,
        }
    }

    /// The subscription's length in days (`subscriptionLength`); Betfair rounds the expiry up to
    /// the next midnight. Without it the subscription is open-ended.
    #[must_use]
    pub fn length_days(mut self, days: u32) -> Self {
        self.length_days = Some(days);
        self
    }

    /// The length, when set.
    pub fn days(&self) -> Option<u32> {
        self.length_days
    }

    /// An arbitrary reference stored with the subscription (`clientReference`), such as an
    /// order number. Not secret.
    #[must_use]
    pub fn client_reference(mut self, reference: impl Into<String>) -> Self {
        self.client_reference = Some(reference.into());
        self
    }

    /// The client reference, when set.
    pub fn reference(&self) -> Option<&str> {
        self.client_reference.as_deref()
    }
}

/// Whose history [`get_application_subscription_history`](crate::AccountsClient::get_application_subscription_history)
/// reads, which also decides the headers.
#[derive(Clone)]
#[non_exhaustive]
pub enum SubscriptionHistoryQuery {
    /// Server side: the vendor's session and app key (`X-Application`), and the customer's
    /// `vendorClientId` in the body.
    Vendor {
        /// The customer's vendor client id (from
        /// [`get_vendor_client_id`](crate::AccountsClient::get_vendor_client_id)).
        vendor_client_id: String,
    },
    /// Client side: the customer's session in `X-Authentication`, **no** `X-Application`
    /// header, and the vendor's app key in the body (`applicationKey`) — `None` sends the app key
    /// the customer's session was obtained with.
    Customer {
        /// The vendor's application key, sent in the body.
        application_key: Option<AppKey>,
    },
}

impl SubscriptionHistoryQuery {
    /// The server-side form for `vendor_client_id`.
    pub fn vendor(vendor_client_id: impl Into<String>) -> Self {
        Self::Vendor {
            vendor_client_id: vendor_client_id.into(),
        }
    }

    /// The client-side form with the vendor's app key in the body.
    pub fn customer(application_key: impl Into<AppKey>) -> Self {
        Self::Customer {
            application_key: Some(application_key.into()),
        }
    }

    /// The client-side form with the app key the customer's session was obtained with.
    pub fn customer_own_app() -> Self {
        Self::Customer {
            application_key: None,
        }
    }
}

impl fmt::Debug for SubscriptionHistoryQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Vendor { vendor_client_id } => f
                .debug_struct("Vendor")
                .field("vendor_client_id", vendor_client_id)
                .finish(),
            Self::Customer { application_key } => f
                .debug_struct("Customer")
                .field("application_key", application_key)
                .finish(),
        }
    }
}

/// The grant of a [`token`](crate::AccountsClient::token) request.
#[derive(Clone)]
#[non_exhaustive]
pub enum TokenGrant {
    /// `AUTHORIZATION_CODE` with the code the customer's browser brought back.
    AuthorizationCode(AuthorisationCode),
    /// `REFRESH_TOKEN` with a refresh token from an earlier answer.
    RefreshToken(RefreshToken),
}

impl TokenGrant {
    /// The grant type.
    pub fn grant_type(&self) -> GrantType {
        match self {
            Self::AuthorizationCode(_) => GrantType::AuthorizationCode,
            Self::RefreshToken(_) => GrantType::RefreshToken,
        }
    }
}

impl fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AuthorizationCode(code) => {
                f.debug_tuple("AuthorizationCode").field(code).finish()
            }
            Self::RefreshToken(token) => f.debug_tuple("RefreshToken").field(token).finish(),
        }
    }
}

/// A subscription as the vendor sees it (`ApplicationSubscription`).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApplicationSubscription {
    /// The subscription token.
    pub subscription_token: SubscriptionToken,
    /// When the subscription expires (absent: open-ended).
    #[serde(default, deserialize_with = "date::option")]
    pub expiry_date_time: Option<OffsetDateTime>,
    /// When it expired.
    #[serde(default, deserialize_with = "date::option")]
    pub expired_date_time: Option<OffsetDateTime>,
    /// When the token was created.
    #[serde(default, deserialize_with = "date::option")]
    pub created_date_time: Option<OffsetDateTime>,
    /// When the customer activated it.
    #[serde(default, deserialize_with = "date::option")]
    pub activation_date_time: Option<OffsetDateTime>,
    /// When it was cancelled.
    #[serde(default, deserialize_with = "date::option")]
    pub cancellation_date_time: Option<OffsetDateTime>,
    /// Its status.
    #[serde(default, deserialize_with = "opt_status")]
    pub subscription_status: Option<SubscriptionStatus>,
    /// The vendor's reference.
    #[serde(default)]
    pub client_reference: Option<String>,
    /// The customer's vendor client id (for activated subscriptions).
    #[serde(default)]
    pub vendor_client_id: Option<String>,
}

impl fmt::Debug for ApplicationSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplicationSubscription")
            .field("subscription_token", &self.subscription_token)
            .field("expiry_date_time", &self.expiry_date_time)
            .field("expired_date_time", &self.expired_date_time)
            .field("created_date_time", &self.created_date_time)
            .field("activation_date_time", &self.activation_date_time)
            .field("cancellation_date_time", &self.cancellation_date_time)
            .field("subscription_status", &self.subscription_status)
            .field(
                "client_reference",
                &self.client_reference.as_deref().map(UpstreamText::code),
            )
            .field(
                "vendor_client_id",
                &self.vendor_client_id.as_deref().map(UpstreamText::code),
            )
            .finish()
    }
}

/// One entry of a customer's subscription history for an app (`SubscriptionHistory`).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubscriptionHistory {
    /// The subscription token.
    pub subscription_token: SubscriptionToken,
    /// When the subscription expires (absent: open-ended).
    #[serde(default, deserialize_with = "date::option")]
    pub expiry_date_time: Option<OffsetDateTime>,
    /// When it expired.
    #[serde(default, deserialize_with = "date::option")]
    pub expired_date_time: Option<OffsetDateTime>,
    /// When the token was created.
    #[serde(default, deserialize_with = "date::option")]
    pub created_date_time: Option<OffsetDateTime>,
    /// When the customer activated it.
    #[serde(default, deserialize_with = "date::option")]
    pub activation_date_time: Option<OffsetDateTime>,
    /// When it was cancelled.
    #[serde(default, deserialize_with = "date::option")]
    pub cancellation_date_time: Option<OffsetDateTime>,
    /// Its status.
    #[serde(default, deserialize_with = "opt_status")]
    pub subscription_status: Option<SubscriptionStatus>,
    /// The vendor's reference.
    #[serde(default)]
    pub client_reference: Option<String>,
}

impl fmt::Debug for SubscriptionHistory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionHistory")
            .field("subscription_token", &self.subscription_token)
            .field("expiry_date_time", &self.expiry_date_time)
            .field("expired_date_time", &self.expired_date_time)
            .field("created_date_time", &self.created_date_time)
            .field("activation_date_time", &self.activation_date_time)
            .field("cancellation_date_time", &self.cancellation_date_time)
            .field("subscription_status", &self.subscription_status)
            .field(
                "client_reference",
                &self.client_reference.as_deref().map(UpstreamText::code),
            )
            .finish()
    }
}

/// A subscription token as the customer sees it (`SubscriptionTokenInfo`).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubscriptionTokenInfo {
    /// The subscription token.
    pub subscription_token: SubscriptionToken,
    /// When the customer activated it (note Betfair's spelling: *activated*).
    #[serde(default, deserialize_with = "date::option")]
    pub activated_date_time: Option<OffsetDateTime>,
    /// When it expires.
    #[serde(default, deserialize_with = "date::option")]
    pub expiry_date_time: Option<OffsetDateTime>,
    /// When it expired.
    #[serde(default, deserialize_with = "date::option")]
    pub expired_date_time: Option<OffsetDateTime>,
    /// When it was cancelled.
    #[serde(default, deserialize_with = "date::option")]
    pub cancellation_date_time: Option<OffsetDateTime>,
    /// Its status.
    #[serde(default, deserialize_with = "opt_status")]
    pub subscription_status: Option<SubscriptionStatus>,
}

impl fmt::Debug for SubscriptionTokenInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionTokenInfo")
            .field("subscription_token", &self.subscription_token)
            .field("activated_date_time", &self.activated_date_time)
            .field("expiry_date_time", &self.expiry_date_time)
            .field("expired_date_time", &self.expired_date_time)
            .field("cancellation_date_time", &self.cancellation_date_time)
            .field("subscription_status", &self.subscription_status)
            .finish()
    }
}

/// The customer's subscriptions to one application (`AccountSubscription`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccountSubscription {
    /// The tokens.
    #[serde(default)]
    pub subscription_tokens: Vec<SubscriptionTokenInfo>,
    /// The application's name.
    #[serde(default)]
    pub application_name: Option<String>,
    /// The application version's id.
    #[serde(default)]
    pub application_version_id: Option<String>,
}

/// A vendor's public details (`VendorDetails`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VendorDetails {
    /// The application version id.
    pub app_version_id: i64,
    /// The vendor's name.
    pub vendor_name: String,
    /// The web app's redirect URL, when it has one.
    #[serde(default)]
    pub redirect_url: Option<String>,
}

/// Whether a customer is affiliated with the vendor (`AffiliateRelation`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AffiliateRelation {
    /// The customer's vendor client id.
    pub vendor_client_id: String,
    /// The relation.
    pub status: AffiliateRelationStatus,
}

/// A web-app authorisation code issued to the customer (`AuthorisationResponse`).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthorisationResponse {
    /// The single-use code (10 minutes).
    pub authorisation_code: AuthorisationCode,
    /// Where the vendor wants the customer sent with it.
    #[serde(default)]
    pub redirect_url: Option<String>,
}

impl fmt::Debug for AuthorisationResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorisationResponse")
            .field("authorisation_code", &self.authorisation_code)
            .field(
                "redirect_url",
                &self.redirect_url.as_deref().map(UpstreamText::code),
            )
            .finish()
    }
}

/// The subscription a web-app token answer carries (`application_subscription`). Betfair's docs
/// send it in snake_case although the type is camelCase in the interface definition; both are
/// read.
#[derive(Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct WebAppSubscription {
    /// The customer's vendor client id.
    #[serde(default, alias = "vendorClientId")]
    pub vendor_client_id: Option<String>,
    /// The subscription token, when given.
    #[serde(default, alias = "subscriptionToken")]
    pub subscription_token: Option<SubscriptionToken>,
    /// When the subscription expires.
    #[serde(default, alias = "expiryDateTime", deserialize_with = "date::option")]
    pub expiry_date_time: Option<OffsetDateTime>,
    /// Its status.
    #[serde(default, alias = "subscriptionStatus", deserialize_with = "opt_status")]
    pub subscription_status: Option<SubscriptionStatus>,
    /// The vendor's reference.
    #[serde(default, alias = "clientReference")]
    pub client_reference: Option<String>,
}

impl fmt::Debug for WebAppSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebAppSubscription")
            .field(
                "vendor_client_id",
                &self.vendor_client_id.as_deref().map(UpstreamText::code),
            )
            .field("subscription_token", &self.subscription_token)
            .field("expiry_date_time", &self.expiry_date_time)
            .field("subscription_status", &self.subscription_status)
            .field(
                "client_reference",
                &self.client_reference.as_deref().map(UpstreamText::code),
            )
            .finish()
    }
}

fn token_type<'de, D: Deserializer<'de>>(d: D) -> Result<TokenType, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .map(|s| TokenType::parse(&s))
        .unwrap_or(TokenType::Bearer))
}

/// The answer of the `token` operation (`VendorAccessTokenInfo`), read leniently: snake_case or
/// camelCase keys, `expires_in` as a number or a string.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct VendorAccessToken {
    /// The access token, for calls on the customer's behalf.
    #[serde(alias = "accessToken")]
    pub access_token: AccessToken,
    /// The token type (`BEARER`; assumed when absent).
    #[serde(
        default = "bearer",
        alias = "tokenType",
        deserialize_with = "token_type"
    )]
    pub token_type: TokenType,
    /// Seconds until the access token expires, when given.
    #[serde(
        default,
        alias = "expiresIn",
        deserialize_with = "session_core::oauth::lenient_seconds"
    )]
    pub expires_in: Option<u64>,
    /// The refresh token, when given.
    #[serde(default, alias = "refreshToken")]
    pub refresh_token: Option<RefreshToken>,
    /// The customer's subscription to the web app.
    #[serde(default, alias = "applicationSubscription")]
    pub application_subscription: Option<WebAppSubscription>,
}

fn bearer() -> TokenType {
    TokenType::Bearer
}

impl fmt::Debug for VendorAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VendorAccessToken")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token)
            .field("application_subscription", &self.application_subscription)
            .finish()
    }
}

impl VendorAccessToken {
    /// The customer's vendor client id, when the answer carries one.
    pub fn vendor_client_id(&self) -> Option<&str> {
        self.application_subscription
            .as_ref()
            .and_then(|s| s.vendor_client_id.as_deref())
    }
}
