//! Requests and responses of the identity SSO, as pure functions (no I/O), plus the rejection
//! recogniser for API-NG bodies.
//!
//! Every SSO call is a `POST` with `Accept: application/json` (without it SSO answers with an HTML
//! page) and `X-Application: <app key>`. Login sends `username` and `password` in an
//! `application/x-www-form-urlencoded` body — never in the URL. keepAlive and logout send the
//! token in `X-Authentication` and no body. Secret header values are marked sensitive.

use http::Method;
use http::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;
use session_core::http::{HttpResponse, finish, form_encode, join_segments, request};
use session_core::{
    AppKey, Code, Error, ErrorKind, Password, Result, SessionToken, sensitive_value,
};
use url::Url;

use crate::error::{CODES, NAME, login_error, session_call_error};

/// The header carrying the app key.
pub(crate) const X_APPLICATION: &str = "X-Application";
/// The header carrying the session token.
pub(crate) const X_AUTHENTICATION: &str = "X-Authentication";

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

fn app_key_value(app_key: &AppKey) -> Result<http::HeaderValue> {
    sensitive_value(app_key.expose_secret())
        .ok_or_else(|| Error::configuration(NAME, "the app key is not a valid header value"))
}

fn form_post(
    base: &Url,
    endpoint: &str,
    app_key: &AppKey,
    username: &str,
    password: &Password,
) -> Result<http::Request<Vec<u8>>> {
    let url = join_segments(base, &[endpoint]);
    let body = form_encode([
        ("username", username),
        ("password", password.expose_secret()),
    ]);
    let builder = request(Method::POST, &url)
        .header(ACCEPT, JSON)
        .header(X_APPLICATION, app_key_value(app_key)?)
        .header(CONTENT_TYPE, FORM);
    finish(NAME, builder, body.into_bytes())
}

/// `POST {identity}/login`: interactive API login. `password` already carries the two-factor
/// code when there is one.
pub(crate) fn login_request(
    identity: &Url,
    app_key: &AppKey,
    username: &str,
    password: &Password,
) -> Result<http::Request<Vec<u8>>> {
    form_post(identity, "login", app_key, username, password)
}

/// `POST {identity-cert}/certlogin`: certificate login (the client certificate travels in the
/// TLS handshake, not in the request).
pub(crate) fn cert_login_request(
    cert: &Url,
    app_key: &AppKey,
    username: &str,
    password: &Password,
) -> Result<http::Request<Vec<u8>>> {
    form_post(cert, "certlogin", app_key, username, password)
}

fn token_post(
    identity: &Url,
    endpoint: &str,
    app_key: &AppKey,
    token: &SessionToken,
) -> Result<http::Request<Vec<u8>>> {
    let url = join_segments(identity, &[endpoint]);
    let token = sensitive_value(token.expose_secret()).ok_or_else(|| {
        Error::new(
            ErrorKind::SessionRejected,
            NAME,
            "the session token is not a valid header value",
        )
    })?;
    let builder = request(Method::POST, &url)
        .header(ACCEPT, JSON)
        .header(X_AUTHENTICATION, token)
        .header(X_APPLICATION, app_key_value(app_key)?);
    finish(NAME, builder, Vec::new())
}

/// `POST {identity}/keepAlive`.
pub(crate) fn keep_alive_request(
    identity: &Url,
    app_key: &AppKey,
    token: &SessionToken,
) -> Result<http::Request<Vec<u8>>> {
    token_post(identity, "keepAlive", app_key, token)
}

/// `POST {identity}/logout`.
pub(crate) fn logout_request(
    identity: &Url,
    app_key: &AppKey,
    token: &SessionToken,
) -> Result<http::Request<Vec<u8>>> {
    token_post(identity, "logout", app_key, token)
}

/// Both login answers: interactive `{token, product, status, error}` and certificate
/// `{sessionToken, loginStatus}`. Unknown fields are ignored; every field is optional.
#[derive(Deserialize)]
struct IdentityBody {
    #[serde(default, alias = "sessionToken")]
    token: Option<SessionToken>,
    #[serde(default, alias = "loginStatus")]
    status: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

impl IdentityBody {
    fn status(&self) -> String {
        self.status
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_ascii_uppercase()
    }

    fn error(&self) -> &str {
        self.error.as_deref().unwrap_or("").trim()
    }

    /// The failure code: `error` when set, otherwise `status` (some answers put the reason
    /// there), otherwise `fallback`.
    fn code(&self, fallback: &'static str) -> String {
        let error = self.error();
        if !error.is_empty() {
            return error.to_owned();
        }
        let status = self.status();
        if status.is_empty() {
            fallback.to_owned()
        } else {
            status
        }
    }

    fn take_token(&mut self) -> Option<SessionToken> {
        self.token
            .take()
            .filter(|t| !t.expose_secret().trim().is_empty())
    }
}

/// The login code of a customer whose subscription to the vendor's app key is not activated.
pub(crate) const PENDING_AUTH: &str = "PENDING_AUTH";

/// A successful login.
pub(crate) struct LoginOutcome {
    /// The session token.
    pub(crate) token: SessionToken,
    /// For `LIMITED_ACCESS`: the reason (the `error` code, or `LIMITED_ACCESS` when none).
    pub(crate) limited: Option<String>,
}

/// Parses a non-2xx answer that still carries an identity body with a code; otherwise a 404 or 405
/// (HTML or not) is a configuration error, and anything else the core's mapping of the status.
fn non_success(response: &HttpResponse, to_error: impl Fn(&str) -> Error) -> Error {
    if !response.is_html()
        && let Ok(body) = serde_json::from_slice::<IdentityBody>(response.body())
    {
        let code = body.code("");
        if !code.is_empty() && code != "SUCCESS" {
            return to_error(&code);
        }
    }
    // Login, keepAlive and logout have fixed paths: a 404 or 405 page means a wrong identity host.
    response
        .missing_endpoint("betfair identity")
        .unwrap_or_else(|| response.unexpected_status())
}

/// Parses an interactive or certificate login answer.
pub(crate) fn parse_login(response: &HttpResponse) -> Result<LoginOutcome> {
    if !response.status().is_success() {
        return Err(non_success(response, |code| login_error(code, false)));
    }
    let mut body: IdentityBody = response.json()?;
    let status = body.status();
    // A customer logging in with a vendor's app key before activating a subscription gets a
    // token with the error `PENDING_AUTH`, whatever the status says: that token may activate
    // the subscription, so it is returned as a limited session.
    if status != "SUCCESS"
        && body.code("").eq_ignore_ascii_case(PENDING_AUTH)
        && let Some(token) = body.take_token()
    {
        return Ok(LoginOutcome {
            token,
            limited: Some(PENDING_AUTH.to_owned()),
        });
    }
    match status.as_str() {
        "SUCCESS" => match body.take_token() {
            Some(token) => Ok(LoginOutcome {
                token,
                limited: None,
            }),
            None => Err(Error::new(
                ErrorKind::UnexpectedResponse,
                NAME,
                "login succeeded without a token",
            )),
        },
        "LIMITED_ACCESS" => {
            // The reason is upstream text: kept only when it looks like a code, as in errors.
            let reason = Some(body.code("LIMITED_ACCESS"))
                .filter(|c| session_core::looks_like_code(c))
                .unwrap_or_else(|| "LIMITED_ACCESS".to_owned());
            match body.take_token() {
                Some(token) => Ok(LoginOutcome {
                    token,
                    limited: Some(reason),
                }),
                None => Err(login_error(&reason, true)),
            }
        }
        "LOGIN_RESTRICTED" => Err(login_error(&body.code("LOGIN_RESTRICTED"), true)),
        "FAIL" => Err(login_error(&body.code("FAIL"), false)),
        "" if body.error().is_empty() => Err(Error::new(
            ErrorKind::UnexpectedResponse,
            NAME,
            "login answer without a status",
        )),
        // The reason itself in the status field (`{"loginStatus":"INVALID_USERNAME_OR_PASSWORD"}`).
        _ => Err(login_error(&body.code("FAIL"), false)),
    }
}

/// Parses a keepAlive (`op = "keepalive"`) or logout (`op = "logout"`) answer. On success, the
/// answer's `token` when it has a non-blank one (Betfair echoes the session token there).
pub(crate) fn parse_session_call(
    op: &'static str,
    response: &HttpResponse,
) -> Result<Option<SessionToken>> {
    if !response.status().is_success() {
        return Err(non_success(response, |code| session_call_error(op, code)));
    }
    let mut body: IdentityBody = response.json()?;
    match body.status().as_str() {
        "SUCCESS" => Ok(body.take_token()),
        "" if body.error().is_empty() => Err(Error::new(
            ErrorKind::UnexpectedResponse,
            NAME,
            if op == "keepalive" {
                "keepalive answer without a status"
            } else {
                "logout answer without a status"
            },
        )),
        _ => Err(session_call_error(op, &body.code("FAIL"))),
    }
}

/// The code, as the table spells it, when `code` means "this session is no longer accepted: log
/// in again" (a [`SessionRejected`](ErrorKind::SessionRejected) code of the identity table:
/// `INVALID_SESSION_INFORMATION`, `NO_SESSION`).
fn rejection_code(code: &str) -> Option<&'static str> {
    CODES
        .find(code, None)
        .filter(|row| row.kind() == ErrorKind::SessionRejected)
        .and_then(Code::code)
}

fn exception_code(v: &serde_json::Value) -> Option<&'static str> {
    let obj = v.as_object()?;
    if let Some(code) = obj.get("errorCode").and_then(|c| c.as_str())
        && let Some(c) = rejection_code(code)
    {
        return Some(c);
    }
    // `{"exceptionname":"APINGException","APINGException":{"errorCode":...}}`
    obj.values()
        .filter_map(|inner| inner.as_object())
        .filter_map(|inner| inner.get("errorCode").and_then(|c| c.as_str()))
        .find_map(rejection_code)
}

fn value_rejection(v: &serde_json::Value) -> Option<&'static str> {
    match v {
        serde_json::Value::Array(items) => items.iter().find_map(value_rejection),
        serde_json::Value::Object(obj) => {
            // JSON-RPC: {"error":{"code":-32099,"message":"ANGX-0003","data":{...}}}.
            // SSO: {"status":"FAIL","error":"NO_SESSION"}.
            if let Some(error) = obj.get("error") {
                match error {
                    serde_json::Value::String(code) => {
                        if let Some(c) = rejection_code(code) {
                            return Some(c);
                        }
                    }
                    serde_json::Value::Object(e) => {
                        if let Some(c) = e.get("data").and_then(exception_code) {
                            return Some(c);
                        }
                    }
                    _ => {}
                }
            }
            // REST: {"faultcode":"Client","faultstring":"ANGX-0003","detail":{...}}.
            if let Some(c) = obj.get("detail").and_then(exception_code) {
                return Some(c);
            }
            // A bare exception object: {"errorCode":"INVALID_SESSION_INFORMATION", ...}.
            exception_code(v)
        }
        _ => None,
    }
}

/// The rejection code (`INVALID_SESSION_INFORMATION` or `NO_SESSION`) in a Betfair error body,
/// if there is one: API-NG JSON-RPC (`error.data.<Exception>.errorCode`, also inside batch
/// arrays), REST faults (`detail.<Exception>.errorCode`), bare exception objects and identity SSO
/// answers (`error`).
pub fn session_rejection_code(body: &[u8]) -> Option<&'static str> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value_rejection(&value)
}

/// Whether `response` says the session it was sent with is no longer accepted
/// (`INVALID_SESSION_INFORMATION` or `NO_SESSION`, in any API-NG or identity error body, whatever
/// the HTTP status). Callers then [`invalidate`](session_core::SessionManager::invalidate) the
/// lease and retry once.
pub fn is_session_rejection(response: &HttpResponse) -> bool {
    !response.is_html() && session_rejection_code(response.body()).is_some()
}

#[cfg(test)]
mod tests;
