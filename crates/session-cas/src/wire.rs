//! Requests and responses of both flavors as pure functions (no I/O), plus the date-time
//! parsing they need. Tested byte for byte in `wire/tests.rs`.

use std::time::{Duration, SystemTime};

use http::header::{CONTENT_TYPE, DATE, LOCATION};
use http::{Method, Request};
use serde::{Deserialize, Deserializer, Serialize};
use session_core::http::{HttpResponse, finish, form_encode, join_segments, request};
use session_core::{ApiKeySecret, Error, ErrorKind, HttpFailure, Password, Result, Ticket};
use session_core::{sensitive_value, timing};
use time::PrimitiveDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::parsing::Parsed;
use url::Url;

use crate::config::{ExtendedEncoding, ExtendedPlacement, FieldSelection, Territory};
use crate::error::{
    NAME, Operation, apereo_failure, deciding_code, is_ticket_not_found, wh_error_body, wh_failure,
};

#[cfg(test)]
mod tests;

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
const TEXT: &str = "text/plain";

fn malformed(message: &'static str) -> Error {
    Error::new(ErrorKind::UnexpectedResponse, NAME, message)
        .with_http_failure(HttpFailure::MalformedBody)
}

// ---------------------------------------------------------------------------------------------
// William Hill Sessions API v2
// ---------------------------------------------------------------------------------------------

/// What every William Hill request carries.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WhContext<'a> {
    pub(crate) base: &'a Url,
    pub(crate) api: &'a ApiKeySecret,
    pub(crate) territory: Option<Territory>,
    pub(crate) language_as_per_territory: Option<bool>,
}

impl WhContext<'_> {
    /// `{base}/<segments>` with the query pairs in order, then `languageAsPerTerritory`.
    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = join_segments(self.base, segments);
        let language = self
            .language_as_per_territory
            .map(|v| if v { "true" } else { "false" });
        if !query.is_empty() || language.is_some() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
            if let Some(v) = language {
                pairs.append_pair("languageAsPerTerritory", v);
            }
        }
        url
    }

    fn builder(&self, method: Method, url: &Url) -> Result<http::request::Builder> {
        let bad = || Error::configuration(NAME, "invalid api credentials");
        let key = sensitive_value(self.api.key.expose_secret()).ok_or_else(bad)?;
        let secret = sensitive_value(self.api.secret.expose_secret()).ok_or_else(bad)?;
        let mut b = request(method, url)
            .header("apiKey", key)
            .header("apiSecret", secret)
            .header(http::header::ACCEPT, JSON);
        if let Some(t) = self.territory {
            b = b.header("territory", t.as_str());
        }
        Ok(b)
    }
}

fn csv(list: &[String]) -> String {
    list.join(",")
}

/// `fields`, `include`, `exclude` as query pairs (only the non-empty ones).
fn selection_pairs(sel: &FieldSelection) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (name, list) in [
        ("fields", &sel.fields),
        ("include", &sel.include),
        ("exclude", &sel.exclude),
    ] {
        if !list.is_empty() {
            out.push((name, csv(list)));
        }
    }
    out
}

#[derive(Serialize)]
#[serde(untagged)]
enum ExtendedValue {
    Bool(bool),
    Text(&'static str),
}

#[derive(Serialize)]
struct WhLoginBody<'a> {
    username: &'a str,
    password: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    extended: Option<ExtendedValue>,
}

/// How a William Hill login asks for its ticket kind.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Extended {
    /// Whether an extended ticket is wanted.
    pub(crate) wanted: bool,
    /// How the body field is encoded.
    pub(crate) encoding: ExtendedEncoding,
    /// Where the flag goes.
    pub(crate) placement: ExtendedPlacement,
}

/// `POST {base}/tickets` with the JSON body `{username, password, extended}` and, for an
/// extended ticket, `extended=Y` in the query (as `extended.placement` says).
pub(crate) fn wh_login(
    ctx: &WhContext<'_>,
    username: &str,
    password: &Password,
    extended: Extended,
    fields: &FieldSelection,
) -> Result<Request<Vec<u8>>> {
    let pairs = selection_pairs(fields);
    let mut query: Vec<(&str, &str)> = Vec::with_capacity(pairs.len() + 1);
    if extended.wanted && extended.placement != ExtendedPlacement::Body {
        query.push(("extended", "Y"));
    }
    query.extend(pairs.iter().map(|(k, v)| (*k, v.as_str())));
    let url = ctx.url(&["tickets"], &query);
    let wanted = extended.wanted;
    let extended =
        (extended.placement != ExtendedPlacement::Query).then_some(match extended.encoding {
            ExtendedEncoding::Boolean => ExtendedValue::Bool(wanted),
            ExtendedEncoding::YesNo => ExtendedValue::Text(if wanted { "Y" } else { "N" }),
        });
    let body = serde_json::to_vec(&WhLoginBody {
        username,
        password: password.expose_secret(),
        extended,
    })
    .map_err(|_| Error::configuration(NAME, "login body could not be encoded"))?;
    let b = ctx.builder(Method::POST, &url)?.header(CONTENT_TYPE, JSON);
    finish(NAME, b, body)
}

/// `GET {base}/tickets/{tgt}`.
pub(crate) fn wh_validate(ctx: &WhContext<'_>, tgt: &Ticket) -> Result<Request<Vec<u8>>> {
    let url = ctx.url(&["tickets", tgt.expose_secret()], &[]);
    finish(NAME, ctx.builder(Method::GET, &url)?, Vec::new())
}

/// `DELETE {base}/tickets/{tgt}`.
pub(crate) fn wh_logout(ctx: &WhContext<'_>, tgt: &Ticket) -> Result<Request<Vec<u8>>> {
    let url = ctx.url(&["tickets", tgt.expose_secret()], &[]);
    finish(NAME, ctx.builder(Method::DELETE, &url)?, Vec::new())
}

/// `GET {base}/tickets/{tgt}/serviceTicket?target=<url>`.
pub(crate) fn wh_service_ticket(
    ctx: &WhContext<'_>,
    tgt: &Ticket,
    target: &str,
    fields: &FieldSelection,
) -> Result<Request<Vec<u8>>> {
    let pairs = selection_pairs(fields);
    let mut query: Vec<(&str, &str)> = vec![("target", target)];
    query.extend(pairs.iter().map(|(k, v)| (*k, v.as_str())));
    let url = ctx.url(&["tickets", tgt.expose_secret(), "serviceTicket"], &query);
    finish(NAME, ctx.builder(Method::GET, &url)?, Vec::new())
}

/// A successful William Hill login.
#[derive(Debug)]
pub(crate) struct WhLogin {
    pub(crate) ticket: Ticket,
    /// `expiryDateTime`, when present and readable.
    pub(crate) expiry: Option<SystemTime>,
    /// The response's `Date` header, when present and readable.
    pub(crate) server_date: Option<SystemTime>,
    /// The `extended` echo, when present.
    pub(crate) extended: Option<bool>,
    pub(crate) temporary_password: bool,
    pub(crate) temporary_password_url: Option<String>,
}

/// `true`/`false`, `"true"`/`"false"`, `"Y"`/`"N"`, `1`/`0`; anything else is "absent".
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<bool>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Bool(b)) => Some(b),
        Some(serde_json::Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "y" | "yes" | "1" => Some(true),
            "false" | "n" | "no" | "0" => Some(false),
            _ => None,
        },
        Some(serde_json::Value::Number(n)) => match n.as_u64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// `expiryDateTime` as an ISO-8601 string, or a Unix time number (seconds, or milliseconds when
/// it is too large to be seconds).
fn lenient_time<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<SystemTime>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => parse_iso_datetime(&s),
        Some(serde_json::Value::Number(n)) => n.as_i64().map(|v| {
            if v.unsigned_abs() >= 100_000_000_000 {
                timing::from_unix_millis(v)
            } else {
                timing::from_unix_seconds(v)
            }
        }),
        _ => None,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WhLoginResponse {
    #[serde(default)]
    ticket: Option<Ticket>,
    #[serde(default, deserialize_with = "lenient_time")]
    expiry_date_time: Option<SystemTime>,
    #[serde(default, deserialize_with = "lenient_bool")]
    extended: Option<bool>,
    #[serde(default, deserialize_with = "lenient_bool")]
    temporary_password: Option<bool>,
    #[serde(default)]
    temporary_password_url: Option<String>,
}

/// Reads a login response: any 2xx with `{ticket, ...}`, else the mapped failure.
pub(crate) fn parse_wh_login(resp: &HttpResponse) -> Result<WhLogin> {
    if !resp.status().is_success() {
        return Err(wh_failure(Operation::Login, resp));
    }
    let body: WhLoginResponse = resp.json()?;
    let ticket = body
        .ticket
        .filter(|t| !t.expose_secret().trim().is_empty())
        .ok_or_else(|| malformed("login response without a ticket"))?;
    Ok(WhLogin {
        ticket,
        expiry: body.expiry_date_time,
        server_date: server_date(resp),
        extended: body.extended,
        temporary_password: body.temporary_password.unwrap_or(false),
        temporary_password_url: body.temporary_password_url.filter(|u| !u.is_empty()),
    })
}

/// The `Date` header, when present and readable.
pub(crate) fn server_date(resp: &HttpResponse) -> Option<SystemTime> {
    resp.headers()
        .get(DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
}

#[derive(Deserialize)]
struct ValidityResponse {
    #[serde(default, deserialize_with = "lenient_bool")]
    valid: Option<bool>,
    #[serde(default, deserialize_with = "lenient_bool")]
    success: Option<bool>,
}

/// Reads a validity response: `{"valid": true}` (or the older `{"success": true}`) is `Ok`;
/// `false`, 404 and 20511 are [`ErrorKind::SessionRejected`].
pub(crate) fn parse_wh_validate(resp: &HttpResponse) -> Result<()> {
    if !resp.status().is_success() {
        return Err(wh_failure(Operation::Validate, resp));
    }
    let body: ValidityResponse = resp.json()?;
    match body.valid.or(body.success) {
        Some(true) => Ok(()),
        Some(false) => Err(Error::new(
            ErrorKind::SessionRejected,
            NAME,
            "ticket no longer valid",
        )),
        None => Err(malformed("validity response without a verdict")),
    }
}

/// Reads a logout response: 2xx (`{"success": true}` or no verdict), 404 and 20511 are `Ok`
/// (already logged out); `{"success": false}` is an error.
pub(crate) fn parse_wh_logout(resp: &HttpResponse) -> Result<()> {
    if resp.status().is_success() {
        if resp.body().iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let body: ValidityResponse = resp.json()?;
        return match body.success.or(body.valid) {
            Some(false) => Err(Error::new(
                ErrorKind::UnexpectedResponse,
                NAME,
                "logout not confirmed",
            )),
            _ => Ok(()),
        };
    }
    if resp.status() == http::StatusCode::NOT_FOUND && !resp.is_html() {
        return Ok(());
    }
    let gone = wh_error_body(resp)
        .as_ref()
        .and_then(deciding_code)
        .is_some_and(is_ticket_not_found);
    if gone {
        return Ok(());
    }
    Err(wh_failure(Operation::Logout, resp))
}

#[derive(Deserialize)]
struct WhServiceTicketResponse {
    #[serde(default)]
    ticket: Option<Ticket>,
}

/// Reads a service-ticket response: `{ticket, location}`.
pub(crate) fn parse_wh_service_ticket(resp: &HttpResponse) -> Result<Ticket> {
    if !resp.status().is_success() {
        return Err(wh_failure(Operation::ServiceTicket, resp));
    }
    let body: WhServiceTicketResponse = resp.json()?;
    body.ticket
        .filter(|t| !t.expose_secret().trim().is_empty())
        .ok_or_else(|| malformed("service ticket response without a ticket"))
}

// ---------------------------------------------------------------------------------------------
// Apereo CAS REST
// ---------------------------------------------------------------------------------------------

fn apereo_builder(method: Method, url: &Url) -> http::request::Builder {
    request(method, url).header(http::header::ACCEPT, TEXT)
}

/// `POST {base}/v1/tickets`, form `username=..&password=..`.
pub(crate) fn apereo_login(
    base: &Url,
    username: &str,
    password: &Password,
) -> Result<Request<Vec<u8>>> {
    let url = join_segments(base, &["v1", "tickets"]);
    let body = form_encode([
        ("username", username),
        ("password", password.expose_secret()),
    ]);
    let b = apereo_builder(Method::POST, &url).header(CONTENT_TYPE, FORM);
    finish(NAME, b, body.into_bytes())
}

/// `GET {base}/v1/tickets/{tgt}`.
pub(crate) fn apereo_status(base: &Url, tgt: &Ticket) -> Result<Request<Vec<u8>>> {
    let url = join_segments(base, &["v1", "tickets", tgt.expose_secret()]);
    finish(NAME, apereo_builder(Method::GET, &url), Vec::new())
}

/// `DELETE {base}/v1/tickets/{tgt}`.
pub(crate) fn apereo_logout(base: &Url, tgt: &Ticket) -> Result<Request<Vec<u8>>> {
    let url = join_segments(base, &["v1", "tickets", tgt.expose_secret()]);
    finish(NAME, apereo_builder(Method::DELETE, &url), Vec::new())
}

/// `POST {base}/v1/tickets/{tgt}`, form `service=<url>`.
pub(crate) fn apereo_service_ticket(
    base: &Url,
    tgt: &Ticket,
    service: &str,
) -> Result<Request<Vec<u8>>> {
    let url = join_segments(base, &["v1", "tickets", tgt.expose_secret()]);
    let body = form_encode([("service", service)]);
    let b = apereo_builder(Method::POST, &url).header(CONTENT_TYPE, FORM);
    finish(NAME, b, body.into_bytes())
}

/// The TGT in a `Location` value: everything after the first `/v1/tickets/` (never after the last
/// `/`, which breaks on tickets whose suffix holds a URL), up to a `?` or `#`, percent-decoded.
pub(crate) fn tgt_from_location(location: &str) -> Option<String> {
    const MARK: &str = "/v1/tickets/";
    let start = location.find(MARK)? + MARK.len();
    let rest = &location[start..];
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let raw = rest[..end].trim_end_matches('/');
    let decoded = percent_decode(raw)?;
    (!decoded.is_empty() && !decoded.chars().any(|c| c.is_whitespace() || c.is_control()))
        .then_some(decoded)
}

/// Decodes `%XX` escapes (and nothing else: `+` stays `+` in a path). A `%` not followed by two
/// hex digits, or an escape that decodes to invalid UTF-8, is refused.
fn percent_decode(s: &str) -> Option<String> {
    let well_formed = s
        .split('%')
        .skip(1)
        .all(|after| after.bytes().take(2).filter(u8::is_ascii_hexdigit).count() == 2);
    if !well_formed {
        return None;
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// A plain-text ticket body: trimmed, non-empty, one token.
fn text_ticket(text: &str) -> Option<Ticket> {
    let t = text.trim();
    (!t.is_empty() && !t.chars().any(|c| c.is_whitespace() || c.is_control()))
        .then(|| Ticket::new(t))
}

/// Reads a TGT creation response: 2xx with `Location: .../v1/tickets/<TGT>`; when the header is
/// missing, a bare `TGT-...` text body (CAS 5.2+ with a non-HTML `Accept`) is accepted.
pub(crate) fn parse_apereo_login(resp: &HttpResponse) -> Result<Ticket> {
    if !resp.status().is_success() {
        return Err(apereo_failure(Operation::Login, resp));
    }
    let location = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok());
    if let Some(loc) = location {
        return tgt_from_location(loc)
            .map(Ticket::new)
            .ok_or_else(|| malformed("login response location without a ticket"));
    }
    if !resp.is_html()
        && let Ok(text) = std::str::from_utf8(resp.body())
        && text.trim_start().starts_with("TGT-")
        && let Some(t) = text_ticket(text)
    {
        return Ok(t);
    }
    Err(malformed("login response without a location"))
}

/// Reads a ticket status response: 200 is valid, 404 is [`ErrorKind::SessionRejected`].
pub(crate) fn parse_apereo_status(resp: &HttpResponse) -> Result<()> {
    if resp.status().is_success() && !resp.is_html() {
        return Ok(());
    }
    Err(apereo_failure(Operation::Validate, resp))
}

/// Reads a logout response: 2xx and 404 (already gone) are `Ok`.
pub(crate) fn parse_apereo_logout(resp: &HttpResponse) -> Result<()> {
    if resp.status().is_success() {
        return Ok(());
    }
    if resp.status() == http::StatusCode::NOT_FOUND && !resp.is_html() {
        return Ok(());
    }
    Err(apereo_failure(Operation::Logout, resp))
}

/// Reads a service-ticket response: 200 with the plain-text `ST-...` (or a JWT).
pub(crate) fn parse_apereo_service_ticket(resp: &HttpResponse) -> Result<Ticket> {
    if !resp.status().is_success() {
        return Err(apereo_failure(Operation::ServiceTicket, resp));
    }
    let text = resp.text()?;
    text_ticket(text).ok_or_else(|| malformed("service ticket response without a ticket"))
}

// ---------------------------------------------------------------------------------------------
// Lifetime
// ---------------------------------------------------------------------------------------------

/// The hard deadline of a ticket requested at `sent_at` and answered at `received_at`: at most
/// `cap` after `sent_at`, and no later than the server's `expiry`. The server's expiry is read
/// relative to its own `Date` header when present (so clock skew between client and server does
/// not shorten or stretch the ticket), else as an absolute time; an expiry that is not in the
/// future is ignored.
pub(crate) fn hard_deadline(
    sent_at: SystemTime,
    received_at: SystemTime,
    cap: Duration,
    expiry: Option<SystemTime>,
    server_date: Option<SystemTime>,
) -> SystemTime {
    let local = timing::after(sent_at, cap);
    let server = match (expiry, server_date) {
        (Some(exp), Some(date)) => exp
            .duration_since(date)
            .ok()
            .filter(|d| !d.is_zero())
            .map(|life| timing::after(sent_at, life)),
        (Some(exp), None) => (exp > received_at).then_some(exp),
        (None, _) => None,
    };
    server.map_or(local, |s| s.min(local))
}

// ---------------------------------------------------------------------------------------------
// Date-time text
// ---------------------------------------------------------------------------------------------

/// `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]`, the date-time part of what CAS servers send.
const ISO_DATETIME: &[BorrowedFormatItem<'static>] = format_description!(
    version = 2,
    "[year]-[month]-[day][first [T][t][ ]][hour]:[minute][optional [:[second][optional [[first [.][,]][subsecond]]]]]"
);

/// `±HH[[:]MM]`, an offset after [`ISO_DATETIME`].
const ISO_OFFSET: &[BorrowedFormatItem<'static>] = format_description!(
    version = 2,
    "[offset_hour sign:mandatory][optional [[optional [:]][offset_minute]]]"
);

/// Parses `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][Z|±HH[[:]MM]]`; no offset means UTC. Total and
/// linear: any other text, including non-ASCII, is `None`.
pub(crate) fn parse_iso_datetime(s: &str) -> Option<SystemTime> {
    let mut parsed = Parsed::new();
    let rest = parsed.parse_items(s.trim().as_bytes(), ISO_DATETIME).ok()?;
    let offset_secs = match rest {
        b"" | b"Z" | b"z" => 0,
        offset => {
            let mut off = Parsed::new();
            if !off.parse_items(offset, ISO_OFFSET).ok()?.is_empty() {
                return None;
            }
            let hours = off.offset_hour()?;
            let minutes = off.offset_minute_signed().unwrap_or(0);
            if !(-23..=23).contains(&hours) || !(-59..=59).contains(&minutes) {
                return None;
            }
            i64::from(hours) * 3_600 + i64::from(minutes) * 60
        }
    };
    let local = PrimitiveDateTime::try_from(parsed).ok()?;
    let secs = local
        .assume_utc()
        .unix_timestamp()
        .checked_sub(offset_secs)?;
    Some(timing::after(
        timing::from_unix_seconds(secs),
        Duration::from_nanos(u64::from(local.nanosecond())),
    ))
}

/// Formats `t` as `YYYY-MM-DDTHH:MM:SSZ` (whole seconds, UTC); never panics.
#[cfg_attr(not(any(test, feature = "test-util")), allow(dead_code))]
pub(crate) fn format_iso_datetime(t: SystemTime) -> String {
    timing::format_rfc3339(t)
}

/// Parses an HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms that RFC 9110
/// requires recipients to accept).
pub(crate) fn parse_http_date(s: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(s.trim()).ok()
}

/// Formats `t` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), clamped to the years
/// 1970..=9999 that the format can carry.
#[cfg_attr(not(any(test, feature = "test-util")), allow(dead_code))]
pub(crate) fn format_http_date(t: SystemTime) -> String {
    httpdate::fmt_http_date(t.clamp(SystemTime::UNIX_EPOCH, timing::max_time()))
}
