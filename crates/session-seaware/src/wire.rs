//! Seaware's wire format, without I/O: the token, refresh and logout requests, and the parsing of
//! their answers and of OTA `<Errors>` bodies.
//!
//! Requests built here can hold the password in their URL (the documented query-string
//! placement), so they are never logged or formatted with `Debug`; they go straight to
//! [`HttpClient::send`](session_core::http::HttpClient::send), which logs no URL either.

use http::{Method, Request};
use serde::Deserialize;
use session_core::http::{HttpResponse, finish, join_segments, request};
use session_core::oauth::{ClientAuth, ErrorAnswer, Grant, Placement, TokenRequest, TokenResponse};
use session_core::{
    ClientCredentials, Error, ErrorKind, RefreshToken, Result, Session, UsernamePassword,
};
use url::Url;

use crate::error::{NAME, token_error_kind, token_message};

#[cfg(test)]
mod tests;

/// `{base}/ota/oauth/token`.
pub(crate) fn token_url(base: &Url) -> Url {
    join_segments(base, &["ota", "oauth", "token"])
}

/// `{base}/ota/oauth/logout`.
pub(crate) fn logout_url(base: &Url) -> Url {
    join_segments(base, &["ota", "oauth", "logout"])
}

/// `{base}/ota/rest/{message}`.
pub(crate) fn rest_url(base: &Url, message: &str) -> Url {
    join_segments(base, &["ota", "rest", message])
}

/// The password-grant login: `username`, `password`, `client_id`, `client_secret`,
/// `grant_type=password`, `scope`, in the query string (empty body) or a form body.
pub(crate) fn login_request(
    token_url: &Url,
    credentials: &UsernamePassword,
    client: &ClientCredentials,
    scope: Option<&str>,
    placement: Placement,
) -> Result<Request<Vec<u8>>> {
    let mut req = TokenRequest::new(
        token_url,
        Grant::Password {
            username: &credentials.username,
            password: &credentials.password,
        },
    );
    req.client = Some(client);
    req.client_auth = ClientAuth::Params;
    req.scope = scope;
    req.placement = placement;
    req.build(NAME)
}

/// The refresh-token grant: `refresh_token`, `client_id`, `client_secret`,
/// `grant_type=refresh_token`, placed like the login's parameters. No `scope`: RFC 6749 §6 keeps
/// the original scope when it is omitted.
pub(crate) fn refresh_request(
    token_url: &Url,
    refresh_token: &RefreshToken,
    client: &ClientCredentials,
    placement: Placement,
) -> Result<Request<Vec<u8>>> {
    let mut req = TokenRequest::new(token_url, Grant::RefreshToken(refresh_token));
    req.client = Some(client);
    req.client_auth = ClientAuth::Params;
    req.placement = placement;
    req.build(NAME)
}

/// `POST {base}/ota/oauth/logout` with `Authorization: Bearer <access token>` and no body.
pub(crate) fn logout_request(logout_url: &Url, session: &impl Session) -> Result<Request<Vec<u8>>> {
    let mut builder = request(Method::POST, logout_url);
    if let Some(headers) = builder.headers_mut() {
        session.authenticate(headers);
    }
    finish(NAME, builder, Vec::new())
}

/// The `error` of an RFC 6749 §5.2 error body, for recognising rejections; the description is
/// not read (it may echo tokens). Token answers are read with [`ErrorAnswer`].
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: String,
}

fn error_body(response: &HttpResponse) -> Option<ErrorBody> {
    if response.is_html() {
        return None;
    }
    serde_json::from_slice::<ErrorBody>(response.body()).ok()
}

/// Parses the token endpoint's answer to `grant_type` (`"password"` or `"refresh_token"`) whose
/// parameters were sent as `placement`. An RFC 6749 error body is read by its shape whatever the
/// content type; a 404 or 405 without one means the base URL has no token endpoint.
pub(crate) fn parse_token(
    response: &HttpResponse,
    grant_type: &str,
    placement: Placement,
) -> Result<TokenResponse> {
    let status = response.status();
    if status.is_success() {
        let token = response.json::<TokenResponse>()?;
        if token.access_token.is_empty() {
            return Err(Error::new(
                ErrorKind::UnexpectedResponse,
                NAME,
                "token response without an access token",
            ));
        }
        if !token.token_type.is_empty() && token.token_type != "bearer" {
            return Err(Error::new(
                ErrorKind::UnexpectedResponse,
                NAME,
                "token type is not bearer",
            ));
        }
        return Ok(token);
    }
    if status == http::StatusCode::TOO_MANY_REQUESTS {
        return Err(response.unexpected_status());
    }
    let missing = response.missing_endpoint("seaware oauth");
    if let Some(answer) = ErrorAnswer::read(response) {
        let kind = token_error_kind(answer.code(), grant_type, answer.description());
        // Spring's own 404 body (`{"status":404,"error":"Not Found",...}`) is no OAuth answer.
        if kind != ErrorKind::UnexpectedResponse || missing.is_none() {
            let message = token_message(kind, grant_type);
            return Err(answer.to_error(response, kind, message, placement));
        }
    }
    Err(missing.unwrap_or_else(|| response.unexpected_status()))
}

/// Whether a token-endpoint error is one after which the refresh grant should not be tried again
/// by this provider (`unsupported_grant_type`).
pub(crate) fn refresh_unsupported(e: &Error) -> bool {
    e.code() == Some("unsupported_grant_type")
}

#[derive(Deserialize)]
struct LogoutBody {
    #[serde(default)]
    status: Option<String>,
}

/// Parses the logout answer: 2xx with `{"status":"success"}` (or an empty body) is success, and so
/// is 401 or an `invalid_token` error: the session is already gone.
pub(crate) fn parse_logout(response: &HttpResponse) -> Result<()> {
    let status = response.status();
    if status.is_success() {
        if response.body().iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        return match serde_json::from_slice::<LogoutBody>(response.body()) {
            Ok(LogoutBody { status: None }) => Ok(()),
            Ok(LogoutBody { status: Some(s) }) if s.eq_ignore_ascii_case("success") => Ok(()),
            Ok(LogoutBody { status: Some(s) }) => {
                Err(
                    Error::new(ErrorKind::UnexpectedResponse, NAME, "logout not confirmed")
                        .with_code(s),
                )
            }
            Err(_) => Err(response.json::<LogoutBody>().err().unwrap_or_else(|| {
                Error::new(
                    ErrorKind::UnexpectedResponse,
                    NAME,
                    "malformed response body",
                )
            })),
        };
    }
    if status == http::StatusCode::UNAUTHORIZED {
        return Ok(());
    }
    if status == http::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(response.unexpected_status());
    }
    let missing = response.missing_endpoint("seaware oauth");
    if let Some(answer) = ErrorAnswer::read(response) {
        if answer.code() == "invalid_token" {
            return Ok(());
        }
        let kind = token_error_kind(answer.code(), "logout", None);
        if kind != ErrorKind::UnexpectedResponse || missing.is_none() {
            return Err(answer.to_error(response, kind, "logout refused", Placement::Form));
        }
    }
    Err(missing.unwrap_or_else(|| response.unexpected_status()))
}

/// Whether `response` to a request authenticated with a Seaware session says the session is no
/// longer accepted: HTTP 401, an RFC 6750 `invalid_token` error body (any status), or an OTA
/// `<Errors>` body saying the session expired (see [`ota_session_expired`]).
pub fn is_rejection(response: &HttpResponse) -> bool {
    if response.status() == http::StatusCode::UNAUTHORIZED {
        return true;
    }
    if response.is_html() {
        return false;
    }
    if let Some(body) = error_body(response) {
        return body.error == "invalid_token";
    }
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let starts_with_tag = response
        .body()
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'<');
    (content_type.contains("xml") || starts_with_tag) && ota_session_expired(response.body())
}

/// Whether an OTA XML body reports that the session expired or is no longer valid.
///
/// Recognised, inside an `<Errors>` element (any namespace prefix) or on an `OTA_ErrorRS` root:
/// - an `ErrorCode`/`Code` of `SessionFailure-101` ("session has expired") or `SessionFailure-102`
///   ("session is already closed"), from OpenTravel's `OTA_ErrorRS`;
/// - an `<Error Type="5">` (OpenTravel EWT 5, "Authentication timeout");
/// - an error whose text or `ShortText` says the session (or token) expired, timed out, was closed,
///   is invalid, unknown or not found.
///
/// Which of these SwOTA sends is not documented; the check is deliberately narrow (an `<Error>`
/// must mention the session or token) so that business errors are never taken for rejections. The
/// body is not kept or logged: servers may echo the token in it.
///
/// One linear pass: each byte is looked at a bounded number of times whatever the body holds
/// (a body of nothing but `<` included), so a hostile answer cannot burn CPU.
pub fn ota_session_expired(body: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    let mut in_errors = false;
    // The words of the `<Error>` being read: its attributes, then its text up to the next
    // closing tag.
    let mut open_error: Option<String> = None;
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        if let Some(words) = open_error.as_mut() {
            push_capped(words, &rest[..open]);
        }
        let after_open = &rest[open + 1..];
        // No `>` after this `<` means no complete tag follows at all.
        let Some(tag_end) = after_open.find('>') else {
            break;
        };
        let tag = &after_open[..tag_end];
        rest = &after_open[tag_end + 1..];
        let closing = tag.starts_with('/');
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/' && !closing)
            .unwrap_or(tag.len());
        let name = tag[..name_end].trim_start_matches('/');
        let local = name.rsplit(':').next().unwrap_or(name);
        if closing {
            if let Some(words) = open_error.take()
                && text_says_session_gone(&words)
            {
                return true;
            }
            if local == "Errors" {
                in_errors = false;
            }
            continue;
        }
        let attrs = &tag[name_end..];
        match local {
            "Errors" => in_errors = true,
            "Error" if in_errors => {
                if let Some(words) = open_error.take()
                    && text_says_session_gone(&words)
                {
                    return true;
                }
                let mut words = String::new();
                if error_attributes_say_session_gone(attrs, &mut words) {
                    return true;
                }
                if attrs.trim_end().ends_with('/') {
                    if text_says_session_gone(&words) {
                        return true;
                    }
                } else {
                    open_error = Some(words);
                }
            }
            l if l.ends_with("ErrorRS") => {
                let mut words = String::new();
                if error_attributes_say_session_gone(attrs, &mut words)
                    || text_says_session_gone(&words)
                {
                    return true;
                }
            }
            _ => {}
        }
    }
    open_error.is_some_and(|words| text_says_session_gone(&words))
}

/// How much of one error's text is read: messages are short, and a cap keeps the lowercase copy
/// small whatever the body holds.
const ERROR_TEXT_CAP: usize = 4096;

fn push_capped(words: &mut String, text: &str) {
    let room = ERROR_TEXT_CAP.saturating_sub(words.len());
    if room == 0 {
        return;
    }
    let mut end = text.len().min(room);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    words.push_str(&text[..end]);
}

/// Attribute `name="value"` pairs of a start tag.
fn attributes(attrs: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = attrs;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim().trim_start_matches('/').trim();
        let after = rest[eq + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let value_start = &after[1..];
        let Some(end) = value_start.find(quote) else {
            break;
        };
        let name = name.rsplit(char::is_whitespace).next().unwrap_or(name);
        out.push((name, &value_start[..end]));
        rest = &value_start[end + 1..];
    }
    out
}

/// Reads an error element's attributes: `true` when a code or type says the session is gone;
/// its texts (`ShortText`, `ErrorMessage`) are added to `words`.
fn error_attributes_say_session_gone(attrs: &str, words: &mut String) -> bool {
    for (name, value) in attributes(attrs) {
        let local = name.rsplit(':').next().unwrap_or(name);
        match local {
            "Code" | "ErrorCode"
                if value.eq_ignore_ascii_case("SessionFailure-101")
                    || value.eq_ignore_ascii_case("SessionFailure-102") =>
            {
                return true;
            }
            "Type" if value.trim() == "5" => return true,
            "ShortText" | "ErrorMessage" => {
                push_capped(words, value);
                push_capped(words, " ");
            }
            _ => {}
        }
    }
    false
}

fn text_says_session_gone(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    let subject = t.contains("session") || t.contains("token");
    subject
        && [
            "expired",
            "timed out",
            "timeout",
            "time out",
            "closed",
            "invalid",
            "not valid",
            "unknown",
            "not found",
            "no longer",
        ]
        .iter()
        .any(|w| t.contains(w))
}
