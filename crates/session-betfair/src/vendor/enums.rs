//! The Accounts API's wire values: the subscription token and authorisation code secret types,
//! and the enums with an `Unknown(String)` fallback (compared case-insensitively; a value this
//! crate does not know is kept, and printed by `Debug` only when it looks like a code).

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

session_core::secret_type! {
    /// A subscription token (`ABCD-EFGH-IJKL`): whoever holds it can activate the subscription,
    /// so it is a secret.
    pub struct SubscriptionToken;
}

session_core::secret_type! {
    /// A single-use web-app authorisation code (valid for 10 minutes), exchanged for tokens with
    /// the `token` operation.
    pub struct AuthorisationCode;
}

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know (yet), kept as Betfair sent it.
            Unknown(String),
        }

        /// Prints an unknown value only when it looks like a code
        /// ([`session_core::looks_like_code`]): anything else is response text, which may
        /// echo a secret, and prints as `Unknown([REDACTED])`.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $( Self::$variant => f.write_str(stringify!($variant)), )+
                    Self::Unknown(v) if session_core::looks_like_code(v) => {
                        f.debug_tuple("Unknown").field(v).finish()
                    }
                    Self::Unknown(_) => f.write_str("Unknown([REDACTED])"),
                }
            }
        }

        impl $name {
            /// The value as Betfair spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(other) => other,
                }
            }

            /// Reads a wire value, ignoring case; values this crate does not know are kept in
            /// `Unknown`.
            pub fn parse(value: &str) -> Self {
                let value = value.trim();
                $( if value.eq_ignore_ascii_case($wire) { return Self::$variant; } )+
                Self::Unknown(value.to_owned())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = Infallible;
            fn from_str(s: &str) -> Result<Self, Infallible> {
                Ok(Self::parse(s))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::parse(value)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok(Self::parse(&value))
            }
        }
    };
}

string_enum! {
    /// The state of a subscription (`SubscriptionStatus`). `All` is only a filter.
    SubscriptionStatus {
        /// Every status (a filter for
        /// [`list_application_subscription_tokens`](crate::AccountsClient::list_application_subscription_tokens)).
        All => "ALL",
        /// Activated by the customer.
        Activated => "ACTIVATED",
        /// Created, not yet activated.
        Unactivated => "UNACTIVATED",
        /// Cancelled by the vendor (or replaced by an update).
        Cancelled => "CANCELLED",
        /// Past its expiry.
        Expired => "EXPIRED",
    }
}

string_enum! {
    /// The result of an operation that only reports success (`Status`).
    AccountsStatus {
        /// The operation succeeded.
        Success => "SUCCESS",
    }
}

string_enum! {
    /// The grant of a [`token`](crate::AccountsClient::token) request (`GrantType`).
    GrantType {
        /// Exchange an authorisation code.
        AuthorizationCode => "AUTHORIZATION_CODE",
        /// Use a refresh token.
        RefreshToken => "REFRESH_TOKEN",
    }
}

string_enum! {
    /// The type of a web-app access token (`TokenType`).
    TokenType {
        /// A bearer token (`Authorization: BEARER <token>`).
        Bearer => "BEARER",
    }
}

string_enum! {
    /// Whether a vendor client id is affiliated with the vendor (`AffiliateRelationStatus`).
    AffiliateRelationStatus {
        /// No such user.
        InvalidUser => "INVALID_USER",
        /// Affiliated with the vendor.
        Affiliated => "AFFILIATED",
        /// Not affiliated.
        NotAffiliated => "NOT_AFFILIATED",
    }
}
