//! Requests and responses of both flavors as pure functions (no I/O), plus the date-time
//! parsing they need. Tested byte for byte in `wire/tests.rs`.

use std::time::{Duration, SystemTime};

use http::header::{CONTENT_TYPE, DATE, LOCATION};
use http::{Method, Request};
use serde::{Deserialize, Deserializer, Serialize};
use session_core::http::{HttpResponse, finish, form_encode, join_segments, request};
use session_core::{ApiKeySecret, Error, ErrorKind, HttpFailure, Password, Result, Ticket};
use session_core::{from_unix_seconds, sensitive_value, unix_seconds};
use url::Url;

use crate::config::{ExtendedEncoding, FieldSelection, Territory};
use crate::error::{
    NAME, Operation, WhCode, apereo_failure, deciding_code, wh_error_body, wh_failure,
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
    extended: ExtendedValue,
}

/// `POST {base}/tickets` with the JSON body `{username, password, extended}`.
pub(crate) fn wh_login(
    ctx: &WhContext<'_>,
    username: &str,
    password: &Password,
    extended: bool,
    encoding: ExtendedEncoding,
    fields: &FieldSelection,
) -> Result<Request<Vec<u8>>> {
    let pairs = selection_pairs(fields);
    let query: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let url = ctx.url(&["tickets"], &query);
    let extended = match encoding {
        ExtendedEncoding::Boolean => ExtendedValue::Bool(extended),
        ExtendedEncoding::YesNo => ExtendedValue::Text(if extended { "Y" } else { "N" }),
    };
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
                from_unix_seconds(v / 1000)
            } else {
                from_unix_seconds(v)
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
        .is_some_and(|(_, class)| class == WhCode::TicketNotFound);
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
    let local = sent_at + cap;
    let server = match (expiry, server_date) {
        (Some(exp), Some(date)) => exp
            .duration_since(date)
            .ok()
            .filter(|d| !d.is_zero())
            .map(|life| sent_at + life),
        (Some(exp), None) => (exp > received_at).then_some(exp),
        (None, _) => None,
    };
    server.map_or(local, |s| s.min(local))
}

// ---------------------------------------------------------------------------------------------
// Date-time text
// ---------------------------------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn num(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][Z|±HH[:MM]]`; no offset means UTC.
pub(crate) fn parse_iso_datetime(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    if s.len() < 16 || !s.is_char_boundary(10) || !s.is_char_boundary(11) {
        return None;
    }
    let (date, rest) = (&s[..10], &s[11..]);
    if !matches!(s.as_bytes()[10], b'T' | b't' | b' ') {
        return None;
    }
    let mut dp = date.split('-');
    let (y, mo, d) = (dp.next()?, dp.next()?, dp.next()?);
    if y.len() != 4 || mo.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, mo, d) = (i64::from(num(y)?), num(mo)?, num(d)?);
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    // Split the time from the offset.
    let (time, offset_secs) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, 0i64)
    } else if let Some(pos) = rest.rfind(['+', '-']) {
        let (t, off) = rest.split_at(pos);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = off[1..].replace(':', "");
        let (oh, om) = match off.len() {
            2 => (num(&off)?, 0),
            4 => (num(&off[..2])?, num(&off[2..])?),
            _ => return None,
        };
        if oh > 23 || om > 59 {
            return None;
        }
        (t, sign * i64::from(oh * 3_600 + om * 60))
    } else {
        (rest, 0)
    };
    let (hms, frac) = match time.split_once(['.', ',']) {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (time, None),
    };
    let mut tp = hms.split(':');
    let h = num(tp.next()?)?;
    let mi = num(tp.next()?)?;
    let sec = match tp.next() {
        Some(v) => num(v)?,
        None => 0,
    };
    if tp.next().is_some() || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let nanos = match frac {
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            let padded = format!("{f:0<9}");
            padded.parse::<u32>().ok()?
        }
        Some(_) => return None,
        None => 0,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + i64::from(h * 3_600 + mi * 60 + sec.min(59))
        - offset_secs;
    Some(from_unix_seconds(secs) + Duration::from_nanos(u64::from(nanos)))
}

/// Formats `t` as `YYYY-MM-DDTHH:MM:SSZ` (whole seconds, UTC).
#[cfg_attr(not(any(test, feature = "test-util")), allow(dead_code))]
pub(crate) fn format_iso_datetime(t: SystemTime) -> String {
    let secs = unix_seconds(t);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses an HTTP `Date` in IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub(crate) fn parse_http_date(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let (_, rest) = s.split_once(", ")?;
    let mut parts = rest.split(' ');
    let d = num(parts.next()?)?;
    let month = parts.next()?;
    let m = u32::try_from(MONTHS.iter().position(|n| *n == month)? + 1).ok()?;
    let y = i64::from(num(parts.next()?)?);
    let time = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    let mut tp = time.split(':');
    let (h, mi, sec) = (num(tp.next()?)?, num(tp.next()?)?, num(tp.next()?)?);
    if tp.next().is_some() || d == 0 || d > days_in_month(y, m) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let secs = days_from_civil(y, m, d) * 86_400 + i64::from(h * 3_600 + mi * 60 + sec.min(59));
    Some(from_unix_seconds(secs))
}

/// Formats `t` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
#[cfg_attr(not(any(test, feature = "test-util")), allow(dead_code))]
pub(crate) fn format_http_date(t: SystemTime) -> String {
    let secs = unix_seconds(t);
    let days = secs.div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let rem = secs.rem_euclid(86_400);
    let weekday = WEEKDAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[(m - 1) as usize];
    format!(
        "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}
