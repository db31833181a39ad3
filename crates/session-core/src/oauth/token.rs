//! Token endpoint answers: lenient [`TokenResponse`] parsing and RFC 6749 error answers
//! ([`ErrorAnswer`], [`error_kind`]).

use super::*;
use crate::codes::{Code, CodeTable};

/// Deserializes a number of seconds sent as a number or a string (`900`, `"900"`, `900.0`).
pub fn lenient_seconds<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        U(u64),
        F(f64),
        S(String),
    }
    Ok(match Option::<N>::deserialize(d)? {
        None => None,
        Some(N::U(n)) => Some(n),
        Some(N::F(f)) if f.is_finite() && f >= 0.0 => Some(f as u64),
        Some(N::F(_)) => None,
        Some(N::S(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f as u64),
    })
}

/// A successful token response.
#[derive(Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token.
    #[serde(alias = "accessToken")]
    pub access_token: AccessToken,
    /// The token type, lowercased (`"bearer"`); empty when absent.
    #[serde(default, alias = "tokenType", deserialize_with = "lowercase")]
    pub token_type: String,
    /// The refresh token, when issued.
    #[serde(default, alias = "refreshToken")]
    pub refresh_token: Option<RefreshToken>,
    /// Seconds until the access token expires, when given.
    #[serde(default, alias = "expiresIn", deserialize_with = "lenient_seconds")]
    pub expires_in: Option<u64>,
    /// The granted scope, when given.
    #[serde(default)]
    pub scope: Option<String>,
}

fn lowercase<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .unwrap_or_default()
        .to_ascii_lowercase())
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token)
            .field("token_type", &UpstreamText::code(&self.token_type))
            .field("refresh_token", &self.refresh_token)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope.as_deref().map(UpstreamText::words))
            .finish()
    }
}

/// An RFC 6749 §5.2 error answer (`{"error": "invalid_grant", ...}`), recognised by its JSON shape
/// whatever the status and the content type: oauthlib, for one, sends some of its error answers as
/// `text/html`. A real HTML page is never one.
///
/// `error_description` is kept only so that a provider can classify an answer by it (a locked
/// account, say); it is never displayed, logged or put in an [`Error`], because some servers echo
/// tokens in it, and `Debug` redacts it.
#[derive(Deserialize)]
pub struct ErrorAnswer {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl fmt::Debug for ErrorAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorAnswer")
            .field("error", &self.error)
            .field("error_description", &"[REDACTED]")
            .finish()
    }
}

impl ErrorAnswer {
    /// The error answer `response` carries, when its body is a JSON object with a string `error`.
    pub fn read(response: &HttpResponse) -> Option<Self> {
        // Serde reads a struct from an array too; an error answer is an object.
        let body = response.body();
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return None;
        }
        serde_json::from_slice::<Self>(body)
            .ok()
            .filter(|a| !a.error.trim().is_empty())
    }

    /// The `error` code (`invalid_grant`, `invalid_client`, ...).
    pub fn code(&self) -> &str {
        &self.error
    }

    /// The `error_description`, for classification only: it may hold secrets, so never display it.
    pub fn description(&self) -> Option<&str> {
        self.error_description.as_deref()
    }

    /// The error for this answer received in `response`: `kind` with the fixed `message` followed
    /// by the HTTP status, the code, the response's `Retry-After`, and, for an `invalid_request`
    /// answer to a request whose parameters were in the query string, the advice to send them in
    /// the form body instead (oauthlib-based servers refuse query parameters on a token `POST`).
    pub fn to_error(
        &self,
        response: &HttpResponse,
        kind: ErrorKind,
        message: &'static str,
        placement: Placement,
    ) -> Error {
        let status = response.status().as_u16();
        let mut text = format!("{message} (http {status})");
        if self.error == "invalid_request" && placement == Placement::Query {
            text.push_str(
                "; the server may refuse query parameters: use the form placement \
                 (Placement::Form, --params form)",
            );
        }
        let mut e = Error::new(kind, response.provider(), text)
            .with_code(&self.error)
            .with_http_failure(crate::error::HttpFailure::Status(status));
        if let Some(after) = response.retry_after() {
            e = e.with_retry_after(after);
        }
        e
    }
}

/// The RFC 6749 error codes (section 5.2, plus `invalid_token` of RFC 6750 and the
/// `temporarily_unavailable`, `server_error` and `slow_down` codes servers also send), each with
/// the grant it applies to and its [`ErrorKind`], in the order the [module docs](crate::oauth) print
/// them. Rows are read in order: a grant's own row goes before the general one.
pub const CODES: CodeTable = CodeTable::new(
    "RFC 6749 `error`",
    &[
        Code::new(
            "invalid_grant",
            ErrorKind::SessionRejected,
            "the refresh token is expired, revoked or unknown",
        )
        .when(&["refresh_token"]),
        Code::new(
            "invalid_grant",
            ErrorKind::InvalidCredentials,
            "the grant's credentials (password, code) were refused",
        ),
        Code::new(
            "invalid_client",
            ErrorKind::InvalidCredentials,
            "client authentication failed: the client's id and secret are this grant's credentials",
        )
        .when(&["client_credentials"]),
        Code::new(
            "invalid_client",
            ErrorKind::Configuration,
            "client authentication failed",
        ),
        Code::new(
            "unauthorized_client",
            ErrorKind::Configuration,
            "the client may not use this grant",
        ),
        Code::new(
            "unsupported_grant_type",
            ErrorKind::Configuration,
            "the server does not support this grant",
        ),
        Code::new(
            "invalid_scope",
            ErrorKind::Configuration,
            "the scope is invalid",
        ),
        Code::new(
            "invalid_request",
            ErrorKind::Configuration,
            "the request is malformed",
        ),
        Code::new(
            "unsupported_response_type",
            ErrorKind::Configuration,
            "the server does not support this response type",
        ),
        Code::new(
            "invalid_token",
            ErrorKind::SessionRejected,
            "the token is expired, revoked or unknown",
        ),
        Code::new(
            "access_denied",
            ErrorKind::AccountRestricted,
            "the resource owner or the server refused",
        ),
        Code::new(
            "temporarily_unavailable",
            ErrorKind::Unavailable,
            "the server is overloaded or down for maintenance",
        ),
        Code::new("server_error", ErrorKind::Unavailable, "the server failed"),
        Code::new("slow_down", ErrorKind::RateLimited, "too many requests"),
        Code::other(
            ErrorKind::UnexpectedResponse,
            "a code this crate does not know (kept)",
        ),
    ],
)
.when_column("grant");

/// The [`ErrorKind`] for an RFC 6749 error code, given the grant that was attempted, from
/// [`CODES`]: `invalid_grant` means bad credentials for a password grant, but a dead refresh
/// token (session rejected) for a refresh grant, and `invalid_client` means bad credentials for
/// the client-credentials grant but a configuration error otherwise.
pub fn error_kind(code: &str, grant_type: &str) -> ErrorKind {
    CODES
        .kind(code, Some(grant_type))
        .unwrap_or(ErrorKind::UnexpectedResponse)
}

/// Parses a token endpoint's response to `grant_type` sent with the parameters in the form body;
/// see [`parse_token_response_placed`].
pub fn parse_token_response(response: &HttpResponse, grant_type: &str) -> Result<TokenResponse> {
    parse_token_response_placed(response, grant_type, Placement::Form)
}

/// Parses a token endpoint's response to `grant_type` whose parameters were sent as `placement`:
/// a 2xx token body; an RFC 6749 error body of any status and content type
/// ([`ErrorAnswer`], mapped by [`error_kind`]); a 404 or 405 as a wrong token URL
/// ([`ErrorKind::Configuration`]); the core's mapping for anything else. 429 is always
/// [`ErrorKind::RateLimited`].
pub fn parse_token_response_placed(
    response: &HttpResponse,
    grant_type: &str,
    placement: Placement,
) -> Result<TokenResponse> {
    if response.status().is_success() {
        return response.json::<TokenResponse>();
    }
    if response.status() == http::StatusCode::TOO_MANY_REQUESTS {
        return Err(response.unexpected_status());
    }
    let missing = response.missing_endpoint("oauth token");
    if let Some(answer) = ErrorAnswer::read(response)
        // A framework's own 404 body (`{"status":404,"error":"Not Found"}`) is no OAuth answer.
        && (error_kind(answer.code(), grant_type) != ErrorKind::UnexpectedResponse
            || missing.is_none())
    {
        let kind = error_kind(answer.code(), grant_type);
        let message = match kind {
            ErrorKind::InvalidCredentials => "login rejected",
            ErrorKind::SessionRejected => "token rejected",
            ErrorKind::Configuration => "token request refused",
            ErrorKind::AccountRestricted => "access denied",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Unavailable => "token endpoint unavailable",
            _ => "token request failed",
        };
        return Err(answer.to_error(response, kind, message, placement));
    }
    Err(missing.unwrap_or_else(|| response.unexpected_status()))
}
