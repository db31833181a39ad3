//! Matchbook's wire format, without I/O: the login, check and logout requests on
//! `{base}/bpapi/rest/security/session`, and the parsing of their answers.

use http::{Method, Request, StatusCode};
use serde::{Deserialize, Serialize};
use session_core::http::{HttpResponse, finish, join_segments, request};
use session_core::{Error, ErrorKind, Result, SessionToken, UsernamePassword};
use url::Url;

use crate::error::{NAME, login_refused};

#[cfg(test)]
mod tests;

/// The header that carries the session token on every request after login.
pub const SESSION_HEADER: &str = "session-token";

/// `{base}/bpapi/rest/security/session`.
pub(crate) fn session_url(base: &Url) -> Url {
    join_segments(base, &["bpapi", "rest", "security", "session"])
}

#[derive(Serialize)]
struct LoginBody<'a> {
    username: &'a str,
    password: &'a str,
    #[serde(rename = "mfa-code", skip_serializing_if = "Option::is_none")]
    mfa_code: Option<&'a str>,
}

/// `POST {base}/bpapi/rest/security/session` with `{"username","password"[,"mfa-code"]}`.
pub(crate) fn login_request(
    url: &Url,
    credentials: &UsernamePassword,
    mfa_code: Option<&str>,
) -> Result<Request<Vec<u8>>> {
    let body = LoginBody {
        username: &credentials.username,
        password: credentials.password.expose_secret(),
        mfa_code,
    };
    let body = serde_json::to_vec(&body)
        .map_err(|_| Error::configuration(NAME, "login body could not be written"))?;
    let builder = request(Method::POST, url).header(http::header::CONTENT_TYPE, "application/json");
    finish(NAME, builder, body)
}

/// A `GET` (check) or `DELETE` (logout) of the session resource, with the `session-token` header.
pub(crate) fn session_request(
    method: Method,
    url: &Url,
    token: &SessionToken,
) -> Result<Request<Vec<u8>>> {
    let value = session_core::sensitive_value(token.expose_secret())
        .ok_or_else(|| Error::configuration(NAME, "invalid request header value"))?;
    finish(
        NAME,
        request(method, url).header(SESSION_HEADER, value),
        Vec::new(),
    )
}

/// The fields of a login answer the session needs (the account block is personal data and is
/// never read).
#[derive(Deserialize)]
pub(crate) struct LoginAnswer {
    #[serde(rename = "session-token")]
    pub(crate) token: SessionToken,
    #[serde(rename = "user-id", default)]
    user_id: serde_json::Value,
}

impl std::fmt::Debug for LoginAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginAnswer")
            .field("token", &self.token)
            .field("user_id", &self.user_id())
            .finish()
    }
}

impl LoginAnswer {
    /// The user id, sent as a number (or, leniently, a string of digits).
    pub(crate) fn user_id(&self) -> Option<u64> {
        match &self.user_id {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
struct ErrorEntry {
    #[serde(default)]
    codes: Vec<String>,
}

/// The first `errors[].codes` entry of an error body, when the body has that shape.
pub(crate) fn first_code(response: &HttpResponse) -> Option<String> {
    let body: ErrorBody = serde_json::from_slice(response.body()).ok()?;
    body.errors.into_iter().flat_map(|e| e.codes).next()
}

/// Parses the login answer: 2xx with a `session-token`; 429 rate limited; 5xx or an HTML page
/// unavailable; 404/405 without an error body a wrong base URL; any other 4xx refused (see
/// [`CODES`](crate::error::CODES)).
pub(crate) fn parse_login(response: &HttpResponse) -> Result<LoginAnswer> {
    let status = response.status();
    if status.is_success() {
        let answer = response.json::<LoginAnswer>()?;
        if answer.token.expose_secret().trim().is_empty() {
            return Err(Error::new(
                ErrorKind::UnexpectedResponse,
                NAME,
                "login answer without a session token",
            ));
        }
        return Ok(answer);
    }
    let code = first_code(response);
    if status == StatusCode::TOO_MANY_REQUESTS || !status.is_client_error() || response.is_html() {
        return Err(unexpected(response));
    }
    if code.is_none()
        && let Some(e) = response.missing_endpoint("matchbook session")
    {
        return Err(e);
    }
    Err(login_refused(response, code.as_deref()))
}

/// Parses the check (`GET`) answer: 2xx is live, 401 is a session that has ended
/// ([`SessionRejected`](ErrorKind::SessionRejected)).
pub(crate) fn parse_check(response: &HttpResponse) -> Result<()> {
    let status = response.status();
    if status.is_success() {
        return response.json::<serde::de::IgnoredAny>().map(drop);
    }
    if status == StatusCode::UNAUTHORIZED {
        return Err(Error::new(
            ErrorKind::SessionRejected,
            NAME,
            "session ended (http 401)",
        ));
    }
    Err(unexpected(response))
}

/// Parses the logout (`DELETE`) answer: 2xx, and 401 (the session had already ended), are
/// success.
pub(crate) fn parse_logout(response: &HttpResponse) -> Result<()> {
    let status = response.status();
    if status.is_success() || status == StatusCode::UNAUTHORIZED {
        return Ok(());
    }
    Err(unexpected(response))
}

/// An HTML page is unavailable whatever its status; otherwise the core's status rules.
fn unexpected(response: &HttpResponse) -> Error {
    if response.is_html()
        && let Err(e) = response.json::<serde::de::IgnoredAny>()
    {
        return e;
    }
    let e = response.unexpected_status();
    match first_code(response) {
        Some(code) => e.with_code(code),
        None => e,
    }
}

/// Whether `response` to a request sent with a Matchbook session says the session is no longer
/// accepted: HTTP 401 (whatever its body).
pub fn is_rejection(response: &HttpResponse) -> bool {
    response.status() == StatusCode::UNAUTHORIZED
}
