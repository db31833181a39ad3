//! Pure request builders and response parsers for the SpreadsheetWEB Server application API
//! (`/Api/Applications/*`). No I/O happens here; `provider.rs` and `client.rs` send what these
//! functions build.
//!
//! Leniency: `Success` and `InvalidToken` may be booleans, `"true"`/`"false"` strings, `0`/`1` or
//! missing (false); `Messages` may be missing or `null`, and non-string entries are skipped;
//! camelCase keys (`success`, `sessionId`, ...) are accepted; unknown fields are ignored.

use http::header::CONTENT_TYPE;
use http::{Method, Request, StatusCode};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use session_core::http::{HttpResponse, finish, join_segments, request};
use session_core::{AppKey, Error, Result, Session, SessionId};
use url::Url;

use crate::error::{self, NAME, PagosFailure};
use crate::token::BearerToken;

#[cfg(test)]
mod tests;

/// The method that opens a dedicated session.
pub(crate) const OPEN: &str = "OpenDedicatedSession";
/// The method that closes a dedicated session.
pub(crate) const CLOSE: &str = "CloseDedicatedSession";

/// `{base}/Api/Applications/{method}`.
pub(crate) fn method_url(base: &Url, method: &str) -> Url {
    join_segments(base, &["Api", "Applications", method])
}

/// A `POST` of `body` as JSON to `{base}/Api/Applications/{method}`, authenticated with `token`.
fn post_json(
    base: &Url,
    method: &str,
    token: &BearerToken,
    body: &Value,
) -> Result<Request<Vec<u8>>> {
    let mut builder =
        request(Method::POST, &method_url(base, method)).header(CONTENT_TYPE, "application/json");
    if let Some(headers) = builder.headers_mut() {
        token.authenticate(headers);
    }
    let body = serde_json::to_vec(body)
        .map_err(|_| Error::configuration(NAME, "request body is not serializable"))?;
    finish(NAME, builder, body)
}

/// `POST /Api/Applications/OpenDedicatedSession` with `{"ApplicationKey": ..}`.
pub(crate) fn open_request(
    base: &Url,
    application_key: &AppKey,
    token: &BearerToken,
) -> Result<Request<Vec<u8>>> {
    let mut body = Map::new();
    body.insert(
        "ApplicationKey".into(),
        Value::String(application_key.expose_secret().to_owned()),
    );
    post_json(base, OPEN, token, &Value::Object(body))
}

/// `POST /Api/Applications/CloseDedicatedSession` with `{"ApplicationKey": .., "SessionId": ..}`.
pub(crate) fn close_request(
    base: &Url,
    application_key: &AppKey,
    session_id: &SessionId,
    token: &BearerToken,
) -> Result<Request<Vec<u8>>> {
    let mut body = Map::new();
    body.insert(
        "ApplicationKey".into(),
        Value::String(application_key.expose_secret().to_owned()),
    );
    body.insert(
        "SessionId".into(),
        Value::String(session_id.expose_secret().to_owned()),
    );
    post_json(base, CLOSE, token, &Value::Object(body))
}

/// A later call (`GetResult`, ...): `body` with `ApplicationKey` added when absent and `SessionId`
/// set, since Pagos takes the session id in the JSON body, not in a header.
pub(crate) fn call_request(
    base: &Url,
    method: &str,
    application_key: &AppKey,
    session_id: &SessionId,
    token: &BearerToken,
    body: &Value,
) -> Result<Request<Vec<u8>>> {
    if !is_method_name(method) {
        return Err(Error::configuration(NAME, "invalid api method name"));
    }
    let mut body = body.clone();
    insert_session(&mut body, application_key, session_id)?;
    post_json(base, method, token, &body)
}

/// Sets `SessionId` (always) and `ApplicationKey` (when absent) in a JSON object.
pub(crate) fn insert_session(
    body: &mut Value,
    application_key: &AppKey,
    session_id: &SessionId,
) -> Result<()> {
    let Value::Object(map) = body else {
        return Err(Error::configuration(
            NAME,
            "request body must be a json object",
        ));
    };
    if !map.contains_key("ApplicationKey") {
        map.insert(
            "ApplicationKey".into(),
            Value::String(application_key.expose_secret().to_owned()),
        );
    }
    map.insert(
        "SessionId".into(),
        Value::String(session_id.expose_secret().to_owned()),
    );
    Ok(())
}

/// Whether `method` is a plain API method name (`GetResult`, `ExportPdfByRange`).
fn is_method_name(method: &str) -> bool {
    !method.is_empty()
        && method.len() <= 64
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Parses a GUID in the documented `8-4-4-4-12` hex form (either case, optionally in braces)
/// into its value. The other forms `uuid` reads (32 bare digits, `urn:uuid:`) are refused: Pagos
/// never sends them, and a session id that is not the documented shape is not trusted.
pub(crate) fn parse_guid(s: &str) -> Option<u128> {
    let s = s
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(s);
    if s.len() != 36 {
        return None;
    }
    uuid::Uuid::try_parse(s).ok().map(|u| u.as_u128())
}

/// Whether `s` is a GUID other than the nil GUID.
pub(crate) fn is_session_guid(s: &str) -> bool {
    parse_guid(s).is_some_and(|v| v != 0)
}

/// Whether two session ids name the same session: GUIDs compare by value (so case and braces do
/// not matter); anything else compares ASCII-case-insensitively.
pub(crate) fn same_session_id(a: &str, b: &str) -> bool {
    match (parse_guid(a), parse_guid(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.eq_ignore_ascii_case(b),
    }
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true") || s.trim() == "1",
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        _ => false,
    })
}

/// A boolean that must be there: `None` when the field is missing or holds no recognisable
/// boolean, so that a reply that does not say `false` is never read as a refusal.
fn lenient_opt_bool<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::String(s)) => match s.trim() {
            t if t.eq_ignore_ascii_case("true") || t == "1" => Some(true),
            t if t.eq_ignore_ascii_case("false") || t == "0" => Some(false),
            _ => None,
        },
        Some(Value::Number(n)) => match n.as_u64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        _ => None,
    })
}

fn lenient_messages<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s],
        _ => Vec::new(),
    })
}

/// The fields every application API reply carries.
#[derive(Deserialize)]
struct Reply {
    #[serde(
        default,
        rename = "Success",
        alias = "success",
        deserialize_with = "lenient_opt_bool"
    )]
    success: Option<bool>,
    #[serde(default, rename = "SessionId", alias = "sessionId")]
    session_id: Option<SessionId>,
    #[serde(
        default,
        rename = "InvalidToken",
        alias = "invalidToken",
        deserialize_with = "lenient_bool"
    )]
    invalid_token: bool,
    #[serde(
        default,
        rename = "Messages",
        alias = "messages",
        deserialize_with = "lenient_messages"
    )]
    messages: Vec<String>,
}

/// Reads a reply: a JSON object (an array, a string or a number is not a reply, even though
/// serde would read `[]` into a struct of defaults) that says `Success` one way or the other.
fn reply(response: &HttpResponse) -> Result<(Reply, Map<String, Value>)> {
    let body: Map<String, Value> = response.json()?;
    let malformed = || {
        Error::new(
            session_core::ErrorKind::UnexpectedResponse,
            NAME,
            "reply without a Success field",
        )
        .with_http_failure(session_core::HttpFailure::MalformedBody)
    };
    let reply: Reply =
        serde_json::from_value(Value::Object(body.clone())).map_err(|_| malformed())?;
    if reply.success.is_none() {
        return Err(malformed());
    }
    Ok((reply, body))
}

/// What an `OpenDedicatedSession` reply means.
#[derive(Debug)]
pub(crate) enum OpenOutcome {
    /// A session was opened; the id is kept as received.
    Opened(SessionId),
    /// The bearer token was refused (`InvalidToken: true`, or HTTP 401).
    TokenRejected(PagosFailure),
}

/// The secrets a reply's messages are scrubbed of.
pub(crate) struct Redact<'a> {
    pub(crate) token: &'a BearerToken,
    pub(crate) application_key: &'a AppKey,
    pub(crate) session_id: Option<&'a SessionId>,
}

impl Redact<'_> {
    fn failure(
        &self,
        invalid_token: bool,
        status: Option<u16>,
        messages: Vec<String>,
    ) -> PagosFailure {
        let mut secrets = vec![
            self.token.token().expose_secret(),
            self.application_key.expose_secret(),
        ];
        if let Some(id) = self.session_id {
            secrets.push(id.expose_secret());
        }
        PagosFailure::new(invalid_token, status, messages, &secrets)
    }
}

/// A non-2xx answer other than 401: a 404 or 405 (an HTML "Not Found" page or not) means the base
/// URL, or the method name, leads to no SpreadsheetWEB endpoint; anything else is the core's
/// mapping of the status.
fn failed_status(response: &HttpResponse) -> Error {
    response
        .missing_endpoint("spreadsheetweb api")
        .unwrap_or_else(|| response.unexpected_status())
}

/// A 401, before any body parsing: the token was refused.
fn unauthorized(response: &HttpResponse, redact: &Redact<'_>) -> Option<PagosFailure> {
    (response.status() == StatusCode::UNAUTHORIZED)
        .then(|| redact.failure(true, Some(401), Vec::new()))
}

/// Parses an `OpenDedicatedSession` reply. Success needs HTTP 2xx, JSON, `Success: true` and a
/// `SessionId` that is a GUID other than the nil GUID.
pub(crate) fn parse_open(response: &HttpResponse, redact: &Redact<'_>) -> Result<OpenOutcome> {
    if let Some(failure) = unauthorized(response, redact) {
        return Ok(OpenOutcome::TokenRejected(failure));
    }
    if !response.status().is_success() {
        return Err(failed_status(response));
    }
    let (reply, _) = reply(response)?;
    if reply.success == Some(true) {
        return match reply.session_id {
            Some(id) if is_session_guid(id.expose_secret()) => Ok(OpenOutcome::Opened(id)),
            _ => Err(error::invalid_session_id()),
        };
    }
    let failure = redact.failure(reply.invalid_token, None, reply.messages);
    if reply.invalid_token {
        Ok(OpenOutcome::TokenRejected(failure))
    } else {
        Err(error::open_refused(failure))
    }
}

/// What a `CloseDedicatedSession` reply means.
#[derive(Debug)]
pub(crate) enum CloseOutcome {
    /// The session was closed.
    Closed,
    /// Pagos said no for a reason other than the token: the session is already gone.
    NotOpen,
    /// The bearer token was refused.
    TokenRejected(PagosFailure),
}

/// Parses a `CloseDedicatedSession` reply.
pub(crate) fn parse_close(response: &HttpResponse, redact: &Redact<'_>) -> Result<CloseOutcome> {
    if let Some(failure) = unauthorized(response, redact) {
        return Ok(CloseOutcome::TokenRejected(failure));
    }
    if !response.status().is_success() {
        return Err(failed_status(response));
    }
    let (reply, _) = reply(response)?;
    Ok(if reply.success == Some(true) {
        CloseOutcome::Closed
    } else if reply.invalid_token {
        CloseOutcome::TokenRejected(redact.failure(true, None, reply.messages))
    } else {
        CloseOutcome::NotOpen
    })
}

/// The reply to a later call (`GetResult`, ...).
#[derive(Clone)]
pub struct CallResponse {
    success: bool,
    messages: Vec<String>,
    body: Value,
}

impl std::fmt::Debug for CallResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallResponse")
            .field("success", &self.success)
            .field("messages", &self.messages.len())
            .finish_non_exhaustive()
    }
}

impl CallResponse {
    /// Whether Pagos answered `Success: true`.
    pub fn is_success(&self) -> bool {
        self.success
    }

    /// The `Messages` list (and a lone `Message`), bounded and redacted like
    /// [`PagosFailure::messages`]. Upstream text.
    pub fn messages(&self) -> &[String] {
        &self.messages
    }

    /// The whole JSON reply (outputs and all), as received.
    pub fn body(&self) -> &Value {
        &self.body
    }

    /// The whole JSON reply, as received.
    pub fn into_body(self) -> Value {
        self.body
    }
}

/// What a later call's reply means.
#[derive(Debug)]
pub(crate) enum CallOutcome {
    /// Pagos answered (successfully or not) without blaming the token.
    Done(CallResponse),
    /// The bearer token was refused.
    TokenRejected(PagosFailure),
}

/// Parses the reply to a later call. Needs HTTP 2xx and a JSON object.
pub(crate) fn parse_call(response: &HttpResponse, redact: &Redact<'_>) -> Result<CallOutcome> {
    if let Some(failure) = unauthorized(response, redact) {
        return Ok(CallOutcome::TokenRejected(failure));
    }
    if !response.status().is_success() {
        return Err(failed_status(response));
    }
    let (reply, body) = reply(response)?;
    let body = Value::Object(body);
    let mut messages = reply.messages;
    if let Some(Value::String(m)) = body.get("Message") {
        messages.push(m.clone());
    }
    let failure = redact.failure(reply.invalid_token, None, messages);
    if reply.invalid_token {
        return Ok(CallOutcome::TokenRejected(failure));
    }
    Ok(CallOutcome::Done(CallResponse {
        success: reply.success == Some(true),
        messages: failure.messages().to_vec(),
        body,
    }))
}

/// Whether a reply says the bearer token was refused: HTTP 401, or JSON with `InvalidToken: true`.
pub(crate) fn is_token_rejection(response: &HttpResponse) -> bool {
    if response.status() == StatusCode::UNAUTHORIZED {
        return true;
    }
    response.status().is_success()
        && serde_json::from_slice::<Reply>(response.body()).is_ok_and(|r| r.invalid_token)
}
