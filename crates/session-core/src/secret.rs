//! Secret newtypes and credential structs.
//!
//! Every password, API secret, client secret, token, ticket and session id is held in a
//! [`secrecy::SecretString`] newtype from the moment it is read or deserialized. The newtypes print
//! as `Name([REDACTED])`, have no `Display`, no `Serialize` and no `==`, and are zeroized on drop.
//! [`expose_secret`](Password::expose_secret) is the one accessor: it is easy to grep for, and is
//! used only where a request is built.

use std::fmt;

/// Defines a secret newtype over [`secrecy::SecretString`].
///
/// The type gets `new`, `expose_secret`, `From<String>`, `From<&str>`, `Clone`,
/// a redacted `Debug` and `Deserialize`; it deliberately gets no `Display`, `Serialize` or
/// `PartialEq`. Provider crates use it for their own secret kinds.
///
/// ```
/// session_core::secret_type! {
///     /// A one-time code.
///     pub struct OneTimeCode;
/// }
/// let code = OneTimeCode::new("123456");
/// assert_eq!(format!("{code:?}"), "OneTimeCode([REDACTED])");
/// assert_eq!(code.expose_secret(), "123456");
/// ```
#[macro_export]
macro_rules! secret_type {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Clone)]
        $vis struct $name($crate::__private::SecretString);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl ::core::convert::Into<::std::string::String>) -> Self {
                Self($crate::__private::SecretString::from(value.into()))
            }

            /// The secret value. Call this only where a request is built.
            pub fn expose_secret(&self) -> &str {
                $crate::__private::ExposeSecret::expose_secret(&self.0)
            }

            /// Whether the secret is the empty string.
            pub fn is_empty(&self) -> bool {
                self.expose_secret().is_empty()
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(::core::concat!(::core::stringify!($name), "([REDACTED])"))
            }
        }

        impl ::core::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                Self::new(value)
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                let value: ::std::string::String =
                    $crate::__private::serde::Deserialize::deserialize(deserializer)?;
                ::core::result::Result::Ok(Self::new(value))
            }
        }
    };
}

secret_type! {
    /// A user's password.
    pub struct Password;
}
secret_type! {
    /// An API key that authorizes an application (for example William Hill's `apiKey`).
    pub struct ApiKey;
}
secret_type! {
    /// An API secret paired with an [`ApiKey`].
    pub struct ApiSecret;
}
secret_type! {
    /// An OAuth client secret.
    pub struct ClientSecret;
}
secret_type! {
    /// An application key sent with every request (for example Betfair's `X-Application`).
    pub struct AppKey;
}
secret_type! {
    /// An opaque session token (for example Betfair's SSO token).
    pub struct SessionToken;
}
secret_type! {
    /// An OAuth access token or any other bearer token.
    pub struct AccessToken;
}
secret_type! {
    /// An OAuth refresh token.
    pub struct RefreshToken;
}
secret_type! {
    /// A CAS ticket: ticket-granting or service ticket.
    pub struct Ticket;
}
secret_type! {
    /// A server-side session identifier (for example a Pagos dedicated `SessionId`).
    pub struct SessionId;
}

/// A username and password.
#[derive(Clone)]
pub struct UsernamePassword {
    /// The account name. Not secret, but shown only in `Debug`.
    pub username: String,
    /// The password.
    pub password: Password,
}

impl UsernamePassword {
    /// Pairs a username with a password.
    pub fn new(username: impl Into<String>, password: impl Into<Password>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for UsernamePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsernamePassword")
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

/// An API key and its secret.
#[derive(Clone)]
pub struct ApiKeySecret {
    /// The API key.
    pub key: ApiKey,
    /// The API secret.
    pub secret: ApiSecret,
}

impl ApiKeySecret {
    /// Pairs an API key with its secret.
    pub fn new(key: impl Into<ApiKey>, secret: impl Into<ApiSecret>) -> Self {
        Self {
            key: key.into(),
            secret: secret.into(),
        }
    }
}

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeySecret")
            .field("key", &self.key)
            .field("secret", &self.secret)
            .finish()
    }
}

/// An OAuth client id and client secret.
#[derive(Clone)]
pub struct ClientCredentials {
    /// The client id. Not secret.
    pub client_id: String,
    /// The client secret.
    pub client_secret: ClientSecret,
}

impl ClientCredentials {
    /// Pairs a client id with its secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<ClientSecret>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_type_debugs_redacted() {
        let cases: [(String, &str); 10] = [
            (format!("{:?}", Password::new("s3")), "Password([REDACTED])"),
            (format!("{:?}", ApiKey::new("s3")), "ApiKey([REDACTED])"),
            (
                format!("{:?}", ApiSecret::new("s3")),
                "ApiSecret([REDACTED])",
            ),
            (
                format!("{:?}", ClientSecret::new("s3")),
                "ClientSecret([REDACTED])",
            ),
            (format!("{:?}", AppKey::new("s3")), "AppKey([REDACTED])"),
            (
                format!("{:?}", SessionToken::new("s3")),
                "SessionToken([REDACTED])",
            ),
            (
                format!("{:?}", AccessToken::new("s3")),
                "AccessToken([REDACTED])",
            ),
            (
                format!("{:?}", RefreshToken::new("s3")),
                "RefreshToken([REDACTED])",
            ),
            (format!("{:?}", Ticket::new("s3")), "Ticket([REDACTED])"),
            (
                format!("{:?}", SessionId::new("s3")),
                "SessionId([REDACTED])",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn alternate_debug_is_redacted_too() {
        assert_eq!(format!("{:#?}", Ticket::new("TGT-1")), "Ticket([REDACTED])");
    }

    #[test]
    fn credential_structs_debug_exactly() {
        assert_eq!(
            format!("{:?}", UsernamePassword::new("ann", "hunter2")),
            r#"UsernamePassword { username: "ann", password: Password([REDACTED]) }"#
        );
        assert_eq!(
            format!("{:?}", ApiKeySecret::new("k-1", "s-1")),
            "ApiKeySecret { key: ApiKey([REDACTED]), secret: ApiSecret([REDACTED]) }"
        );
        assert_eq!(
            format!("{:?}", ClientCredentials::new("ota", "cs-1")),
            r#"ClientCredentials { client_id: "ota", client_secret: ClientSecret([REDACTED]) }"#
        );
    }

    #[test]
    fn secrets_deserialize_from_json_strings() {
        #[derive(serde::Deserialize)]
        struct Body {
            token: SessionToken,
        }
        let body: Body = serde_json::from_str(r#"{"token":"abc"}"#).unwrap();
        assert_eq!(body.token.expose_secret(), "abc");
        assert_eq!(format!("{:?}", body.token), "SessionToken([REDACTED])");
    }
}
