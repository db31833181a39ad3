//! OAuth 2 pieces shared by providers: token request builders for the password,
//! client-credentials, refresh-token and authorization-code grants (parameters in the query string
//! or the form body), lenient token-response parsing, RFC 6749 error parsing, an [`OAuthSession`],
//! and a ready [`ClientCredentialsProvider`].
//!
//! Leniency: `expires_in` may be a number or a string, `token_type` is compared
//! case-insensitively, camelCase keys (`accessToken`, `expiresIn`) are accepted, unknown fields are
//! ignored. `error_description` is never kept: some servers echo tokens in it.
//!
//! Error answers are recognised by their JSON shape ([`ErrorAnswer`]), not by their content type:
//! oauthlib sends some as `text/html`. Messages name the HTTP status; an `invalid_request` answer
//! to a request whose parameters were in the query string says to use [`Placement::Form`]; a 404 or
//! 405 without an error body means the token URL is wrong ([`ErrorKind::Configuration`]).
//!
//! # Error codes
//!
//! [`error_kind`] maps an error answer's code, given the grant, by [`CODES`]:
//!
//! | RFC 6749 `error` | grant | meaning | kind | retried automatically |
//! |---|---|---|---|---|
//! | `invalid_grant` | refresh_token | the refresh token is expired, revoked or unknown | `SessionRejected` | the manager logs in again |
//! | `invalid_grant` | any | the grant's credentials (password, code) were refused | `InvalidCredentials` | never; remembered until reset |
//! | `invalid_client` | client_credentials | client authentication failed: the client's id and secret are this grant's credentials | `InvalidCredentials` | never; remembered until reset |
//! | `invalid_client` | any | client authentication failed | `Configuration` | no |
//! | `unauthorized_client` | any | the client may not use this grant | `Configuration` | no |
//! | `unsupported_grant_type` | any | the server does not support this grant | `Configuration` | no |
//! | `invalid_scope` | any | the scope is invalid | `Configuration` | no |
//! | `invalid_request` | any | the request is malformed | `Configuration` | no |
//! | `unsupported_response_type` | any | the server does not support this response type | `Configuration` | no |
//! | `invalid_token` | any | the token is expired, revoked or unknown | `SessionRejected` | the manager logs in again |
//! | `access_denied` | any | the resource owner or the server refused | `AccountRestricted` | never; remembered until reset |
//! | `temporarily_unavailable` | any | the server is overloaded or down for maintenance | `Unavailable` | yes, with backoff (`Error::is_retryable`) |
//! | `server_error` | any | the server failed | `Unavailable` | yes, with backoff (`Error::is_retryable`) |
//! | `slow_down` | any | too many requests | `RateLimited` | not inside the ban window |
//! | any other code | any | a code this crate does not know (kept) | `UnexpectedResponse` | no |

use std::fmt;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use http::{HeaderMap, Method};
use serde::{Deserialize, Deserializer};
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, ErrorKind, Result, UpstreamText};
use crate::http::{HttpClient, HttpResponse, finish, form_encode, request};
use crate::provider::{SessionProvider, sensitive_value};
use crate::secret::{AccessToken, ClientCredentials, Password, RefreshToken};
use crate::session::{Expiry, PersistedSession, RenewPolicy, Session};
use crate::timing;
use std::sync::Arc;

mod client_credentials;
mod grant;
mod session;
#[cfg(test)]
mod tests;
mod token;

pub use client_credentials::ClientCredentialsProvider;
pub use grant::{Grant, TokenRequest};
pub use session::OAuthSession;
pub use token::{
    CODES, ErrorAnswer, TokenResponse, error_kind, lenient_seconds, parse_token_response,
    parse_token_response_placed,
};

/// Where token request parameters travel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Placement {
    /// In the URL's query string with an empty body (as Seaware documents it). URLs built this way
    /// hold secrets; this workspace never logs or displays them.
    Query,
    /// In an `application/x-www-form-urlencoded` body (RFC 6749's form).
    #[default]
    Form,
}

/// How the client authenticates to the token endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_id` and `client_secret` as parameters (beside the grant's own).
    #[default]
    Params,
    /// HTTP Basic with the URL-encoded id and secret (RFC 6749 §2.3.1).
    Basic,
}
