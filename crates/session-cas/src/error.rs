//! Upstream failures → [`ErrorKind`].
//!
//! # William Hill Sessions API v2
//!
//! The error body is `{"errors":[{"code":"205xx","field":"...","message":"..."}]}`; `code` may be
//! a string or a number, and the first entry with a known code decides. `message` is never kept
//! (it is free text); the code is kept on the error ([`Error::code`]).
//!
//! | code | HTTP | meaning | kind |
//! |---|---|---|---|
//! | 20501 | 401 | credentials did not validate | login: [`InvalidCredentials`](ErrorKind::InvalidCredentials); ticket calls: [`SessionRejected`](ErrorKind::SessionRejected) |
//! | 20502 | 403 | target service not established | [`Configuration`](ErrorKind::Configuration) (see [`is_target_not_established`]) |
//! | 20503–20509 | 403 | self-excluded, locked, inactive, closed, age verification, reactivation, cool-off | [`AccountRestricted`](ErrorKind::AccountRestricted) |
//! | 20510 | 403 | target service not established (`field: target`) | [`Configuration`](ErrorKind::Configuration) (see [`is_target_not_established`]) |
//! | 20511 | 404 | ticket-granting ticket not found | [`SessionRejected`](ErrorKind::SessionRejected); on logout: success (already gone) |
//! | 20512–20514 | 403 | suspended, max linked accounts, closed by player | [`AccountRestricted`](ErrorKind::AccountRestricted) |
//! | none | 404 on login, JSON body | application metadata not configured | [`Configuration`](ErrorKind::Configuration) |
//! | none | 404 or 405 on login, HTML or other non-JSON body | no REST API at the base URL | [`Configuration`](ErrorKind::Configuration), "no cas rest endpoint at the base url (http 404)" |
//! | other / none | 401 on login | (gateway) | [`InvalidCredentials`](ErrorKind::InvalidCredentials): never retried, so a bad key cannot lock the account |
//! | other / none | 403 on login | (gateway or unknown account state) | [`AccountRestricted`](ErrorKind::AccountRestricted) |
//! | other / none | 400 on login | request refused (e.g. a username outside the documented pattern) | [`InvalidCredentials`](ErrorKind::InvalidCredentials) |
//! | other / none | 401 or 404 on a ticket call | ticket not accepted | [`SessionRejected`](ErrorKind::SessionRejected) |
//! | other / none | 403 on the service-ticket call | target service not established | [`Configuration`](ErrorKind::Configuration) |
//! | any | 429 | throttled | [`RateLimited`](ErrorKind::RateLimited) (with `Retry-After`) |
//! | any | HTML body, any other status | gateway page | [`Unavailable`](ErrorKind::Unavailable) |
//! | any | 5xx | server failure | [`Unavailable`](ErrorKind::Unavailable) |
//! | any | other | — | [`UnexpectedResponse`](ErrorKind::UnexpectedResponse) |
//!
//! # Apereo CAS REST
//!
//! | response | kind |
//! |---|---|
//! | login 401 (400 on old servers) | [`InvalidCredentials`](ErrorKind::InvalidCredentials) |
//! | login 401 whose `authentication_exceptions` name `AccountLocked`, `AccountDisabled`, `AccountExpired`, `AccountPasswordMustChange`, `InvalidLoginLocation` or `InvalidLoginTime` | [`AccountRestricted`](ErrorKind::AccountRestricted), code = that exception name |
//! | login 415 (body not form-encoded) | [`Configuration`](ErrorKind::Configuration) |
//! | login 404 or 405, HTML page or not (no REST module, or a wrong base URL) | [`Configuration`](ErrorKind::Configuration), "no cas rest endpoint at the base url (http 404)" |
//! | login 201 without a usable `Location` | [`UnexpectedResponse`](ErrorKind::UnexpectedResponse) |
//! | service ticket / status 404 | [`SessionRejected`](ErrorKind::SessionRejected) |
//! | service ticket 400, or 500 "service unspecified or unrecognized" | [`Configuration`](ErrorKind::Configuration), code `INVALID_SERVICE` (see [`is_target_not_established`]) |
//! | logout 404 | success (already gone) |
//! | 429 / 5xx / HTML (at a status other than a login 404/405) | [`RateLimited`](ErrorKind::RateLimited) / [`Unavailable`](ErrorKind::Unavailable) / [`Unavailable`](ErrorKind::Unavailable) |

use serde::Deserialize;
use session_core::http::HttpResponse;
use session_core::{Error, ErrorKind, HttpFailure};

/// The provider name every error carries.
pub(crate) const NAME: &str = "cas";

/// The message of the typed "target service not established" error.
pub(crate) const TARGET_NOT_ESTABLISHED: &str = "target service not established";

/// The code given to Apereo's "service unspecified or unrecognized" failures.
pub(crate) const APEREO_INVALID_SERVICE: &str = "INVALID_SERVICE";

/// Whether `error` is the typed "target service not established" failure of
/// [`CasProvider::service_ticket`](crate::CasProvider::service_ticket): William Hill codes
/// 20510 / 20502, a William Hill 403 without a code, or Apereo's `INVALID_SERVICE`.
/// The target URL is not registered as a CAS service; asking again will not help.
pub fn is_target_not_established(error: &Error) -> bool {
    error.provider() == NAME
        && error.kind() == ErrorKind::Configuration
        && error.message() == TARGET_NOT_ESTABLISHED
}

/// Which call a response answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation {
    Login,
    Validate,
    ServiceTicket,
    Logout,
}

/// What a William Hill code means, independent of status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WhCode {
    BadCredentials,
    AccountState,
    TicketNotFound,
    TargetNotEstablished,
    Unknown,
}

/// Classifies a William Hill Sessions error code.
pub(crate) fn classify_wh_code(code: &str) -> WhCode {
    match code.trim().parse::<u32>() {
        Ok(20501) => WhCode::BadCredentials,
        Ok(20503..=20509 | 20512..=20514) => WhCode::AccountState,
        Ok(20511) => WhCode::TicketNotFound,
        Ok(20502 | 20510) => WhCode::TargetNotEstablished,
        _ => WhCode::Unknown,
    }
}

/// One entry of William Hill's `errors` array. `message` is deliberately not kept.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct WhErrorEntry {
    #[serde(default, deserialize_with = "lenient_code")]
    pub(crate) code: Option<String>,
    #[serde(default)]
    pub(crate) field: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct WhErrorBody {
    #[serde(default)]
    pub(crate) errors: Vec<WhErrorEntry>,
}

/// A code sent as a string or a number.
fn lenient_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        S(String),
        N(serde_json::Number),
        Other(#[allow(dead_code)] serde::de::IgnoredAny),
    }
    Ok(match Option::<Code>::deserialize(d)? {
        Some(Code::S(s)) => Some(s.trim().to_owned()),
        Some(Code::N(n)) => Some(n.to_string()),
        Some(Code::Other(_)) | None => None,
    })
}

/// Parses William Hill's error body, if the response carries one.
pub(crate) fn wh_error_body(resp: &HttpResponse) -> Option<WhErrorBody> {
    if resp.is_html() {
        return None;
    }
    serde_json::from_slice::<WhErrorBody>(resp.body()).ok()
}

/// The deciding code of an error body: the first known one, else the first one present.
pub(crate) fn deciding_code(body: &WhErrorBody) -> Option<(&str, WhCode)> {
    let codes = body
        .errors
        .iter()
        .filter_map(|e| e.code.as_deref())
        .map(|c| (c, classify_wh_code(c)));
    let mut first = None;
    for (code, class) in codes {
        if class != WhCode::Unknown {
            return Some((code, class));
        }
        first.get_or_insert((code, class));
    }
    first
}

fn gateway_page(resp: &HttpResponse) -> Error {
    Error::new(
        ErrorKind::Unavailable,
        resp.provider(),
        "html page instead of an api response",
    )
    .with_http_failure(HttpFailure::GatewayPage)
}

fn with_status(e: Error, resp: &HttpResponse) -> Error {
    e.with_http_failure(HttpFailure::Status(resp.status().as_u16()))
}

fn maybe_code(e: Error, code: Option<&str>) -> Error {
    match code {
        Some(c) => e.with_code(c),
        None => e,
    }
}

/// A 404 or 405 on the login path (fixed, unlike the ticket paths) is a base URL without the CAS
/// REST API, HTML page or not, except a William Hill JSON 404: that is the documented
/// "application metadata not configured" answer, or carries an error code that decides.
fn missing_login_endpoint(op: Operation, resp: &HttpResponse) -> Option<Error> {
    if op != Operation::Login {
        return None;
    }
    let missing = resp.missing_endpoint("cas rest")?;
    let json_404 =
        resp.status() == http::StatusCode::NOT_FOUND && !resp.is_html() && resp.is_json_document();
    let decided = wh_error_body(resp)
        .as_ref()
        .and_then(deciding_code)
        .is_some();
    (!json_404 && !decided).then_some(missing)
}

/// The error for a failed William Hill call (`resp` is not the operation's success).
pub(crate) fn wh_failure(op: Operation, resp: &HttpResponse) -> Error {
    let provider = resp.provider();
    if let Some(missing) = missing_login_endpoint(op, resp) {
        return missing;
    }
    if resp.is_html() {
        return gateway_page(resp);
    }
    let status = resp.status().as_u16();
    if status == 429 || resp.status().is_server_error() {
        let e = resp.unexpected_status();
        return match wh_error_body(resp).as_ref().and_then(deciding_code) {
            Some((code, _)) => e.with_code(code),
            None => e,
        };
    }
    let body = wh_error_body(resp);
    let decided = body.as_ref().and_then(deciding_code);
    let code = decided.map(|(c, _)| c);
    let class = decided.map_or(WhCode::Unknown, |(_, k)| k);
    let new = |kind, message: &'static str| {
        with_status(maybe_code(Error::new(kind, provider, message), code), resp)
    };
    match (op, class) {
        (Operation::Login, WhCode::BadCredentials) => {
            return new(ErrorKind::InvalidCredentials, "login rejected");
        }
        (_, WhCode::BadCredentials) => {
            return new(ErrorKind::SessionRejected, "ticket rejected");
        }
        (_, WhCode::AccountState) => {
            return new(ErrorKind::AccountRestricted, "account restricted");
        }
        (Operation::Login, WhCode::TicketNotFound) => {}
        (_, WhCode::TicketNotFound) => {
            return new(ErrorKind::SessionRejected, "ticket not found or expired");
        }
        (_, WhCode::TargetNotEstablished) => {
            return new(ErrorKind::Configuration, TARGET_NOT_ESTABLISHED);
        }
        (_, WhCode::Unknown) => {}
    }
    match (op, status) {
        (Operation::Login, 401 | 400) => new(ErrorKind::InvalidCredentials, "login rejected"),
        (Operation::Login, 403) => new(ErrorKind::AccountRestricted, "account restricted"),
        (Operation::Login, 404) => new(
            ErrorKind::Configuration,
            "application not configured for the sessions api",
        ),
        (Operation::Validate | Operation::ServiceTicket | Operation::Logout, 401 | 404) => {
            new(ErrorKind::SessionRejected, "ticket not found or expired")
        }
        (Operation::ServiceTicket, 403) => new(ErrorKind::Configuration, TARGET_NOT_ESTABLISHED),
        _ => maybe_code(resp.unexpected_status(), code),
    }
}

/// Exceptions in Apereo's `authentication_exceptions` that mean the account, not the password,
/// is the problem.
const APEREO_ACCOUNT_STATES: &[&str] = &[
    "AccountLockedException",
    "AccountDisabledException",
    "AccountExpiredException",
    "AccountPasswordMustChangeException",
    "InvalidLoginLocationException",
    "InvalidLoginTimeException",
];

/// The account-state exception named in an Apereo 401 body, if any.
pub(crate) fn apereo_account_state(resp: &HttpResponse) -> Option<&'static str> {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        authentication_exceptions: serde_json::Value,
    }
    let body: Body = serde_json::from_slice(resp.body()).ok()?;
    let mut texts = Vec::new();
    collect_strings(&body.authentication_exceptions, &mut texts);
    APEREO_ACCOUNT_STATES
        .iter()
        .copied()
        .find(|name| texts.iter().any(|t| t.contains(name)))
}

fn collect_strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, i)| {
            out.push(k);
            collect_strings(i, out);
        }),
        _ => {}
    }
}

/// The error for a failed Apereo call.
pub(crate) fn apereo_failure(op: Operation, resp: &HttpResponse) -> Error {
    let provider = resp.provider();
    if op == Operation::Login
        && let Some(missing) = resp.missing_endpoint("cas rest")
    {
        return missing;
    }
    if resp.is_html() {
        return gateway_page(resp);
    }
    let status = resp.status().as_u16();
    let new = |kind, message: &'static str| with_status(Error::new(kind, provider, message), resp);
    match (op, status) {
        (Operation::Login, 401) => match apereo_account_state(resp) {
            Some(name) => new(ErrorKind::AccountRestricted, "account restricted").with_code(name),
            None => new(ErrorKind::InvalidCredentials, "login rejected"),
        },
        (Operation::Login, 400) => new(ErrorKind::InvalidCredentials, "login rejected"),
        (Operation::Login, 415) => new(
            ErrorKind::Configuration,
            "login request format refused by the server",
        ),
        (Operation::ServiceTicket | Operation::Validate, 404) => {
            new(ErrorKind::SessionRejected, "ticket not found or expired")
        }
        (Operation::ServiceTicket, 400) => {
            new(ErrorKind::Configuration, TARGET_NOT_ESTABLISHED).with_code(APEREO_INVALID_SERVICE)
        }
        (Operation::ServiceTicket, 500) if mentions_unrecognized_service(resp) => {
            new(ErrorKind::Configuration, TARGET_NOT_ESTABLISHED).with_code(APEREO_INVALID_SERVICE)
        }
        _ => resp.unexpected_status(),
    }
}

/// Apereo answers an unknown `service` with a 500 whose text says so.
fn mentions_unrecognized_service(resp: &HttpResponse) -> bool {
    let body = String::from_utf8_lossy(resp.body()).to_ascii_lowercase();
    body.contains("unspecified or unrecognized")
}

/// Whether a response from another William Hill API (authenticated with `apiTicket`, or
/// `who-ticket` on v1) says the ticket is dead. See
/// [`CasProvider`](crate::CasProvider)'s `is_rejection`.
pub(crate) fn is_rejection(resp: &HttpResponse) -> bool {
    let status = resp.status().as_u16();
    if status == 401 {
        return true;
    }
    if resp.is_html() || !(400..500).contains(&status) {
        return false;
    }
    #[derive(Deserialize)]
    struct V1 {
        #[serde(default, rename = "whoFaults")]
        who_faults: Vec<V1Fault>,
    }
    #[derive(Deserialize)]
    struct V1Fault {
        #[serde(default, rename = "faultCode", deserialize_with = "lenient_code")]
        code: Option<String>,
        #[serde(default, rename = "faultName")]
        name: Option<String>,
        #[serde(default, rename = "faultString")]
        string: Option<String>,
    }
    if let Some(body) = wh_error_body(resp) {
        for e in &body.errors {
            if e.code.as_deref().map(classify_wh_code) == Some(WhCode::TicketNotFound) {
                return true;
            }
            if matches!(status, 403 | 404) && e.field.as_deref().is_some_and(names_ticket) {
                return true;
            }
        }
    }
    if let Ok(v1) = serde_json::from_slice::<V1>(resp.body()) {
        for f in &v1.who_faults {
            let texts = [f.code.as_deref(), f.name.as_deref(), f.string.as_deref()];
            if texts.iter().flatten().any(|t| {
                t.to_ascii_lowercase().contains("ticket")
                    || classify_wh_code(t) == WhCode::TicketNotFound
            }) {
                return true;
            }
        }
    }
    false
}

/// Whether an error's `field` names the ticket (`apiTicket`, `who-ticket`, `tgt`, `ticket`).
fn names_ticket(field: &str) -> bool {
    let f = field.to_ascii_lowercase();
    matches!(f.as_str(), "apiticket" | "who-ticket" | "tgt" | "ticket")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(status: u16, body: &str) -> HttpResponse {
        HttpResponse::json_body(NAME, status, body.to_owned())
    }

    #[test]
    fn codes_classify_per_the_table() {
        assert_eq!(classify_wh_code("20501"), WhCode::BadCredentials);
        for c in (20503..=20509).chain(20512..=20514) {
            assert_eq!(
                classify_wh_code(&c.to_string()),
                WhCode::AccountState,
                "{c}"
            );
        }
        assert_eq!(classify_wh_code("20511"), WhCode::TicketNotFound);
        assert_eq!(classify_wh_code("20510"), WhCode::TargetNotEstablished);
        assert_eq!(classify_wh_code("20502"), WhCode::TargetNotEstablished);
        assert_eq!(classify_wh_code("000000"), WhCode::Unknown);
        assert_eq!(classify_wh_code("abc"), WhCode::Unknown);
    }

    #[test]
    fn a_known_code_wins_over_an_unknown_first_entry() {
        let r = json(
            403,
            r#"{"errors":[{"code":"99999","message":"x"},{"code":20504,"message":"locked"}]}"#,
        );
        let e = wh_failure(Operation::Login, &r);
        assert_eq!(e.kind(), ErrorKind::AccountRestricted);
        assert_eq!(e.code(), Some("20504"));
    }

    fn page(status: u16, body: &'static str) -> HttpResponse {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/html;charset=UTF-8"),
        );
        HttpResponse::new(NAME, http::StatusCode::from_u16(status).unwrap(), h, body)
    }

    #[test]
    fn a_login_path_without_the_rest_module_is_configuration_html_or_not() {
        let not_found = "<!doctype html><html><head><title>HTTP Status 404 – Not Found</title>";
        for (status, body) in [(404, not_found), (405, ""), (404, "Not Found")] {
            for failure in [wh_failure, apereo_failure] {
                let e = failure(Operation::Login, &page(status, body));
                assert_eq!(e.kind(), ErrorKind::Configuration, "{status} {body}");
                assert!(!e.is_retryable());
                assert_eq!(e.http_failure(), Some(HttpFailure::Status(status)));
                assert_eq!(
                    e.to_string(),
                    format!("cas: no cas rest endpoint at the base url (http {status})")
                );
            }
        }
        // Apereo's 404 is the same in JSON.
        let e = apereo_failure(Operation::Login, &json(404, "{}"));
        assert_eq!(e.kind(), ErrorKind::Configuration);
        // William Hill's JSON 404 without a code is its "application metadata not configured".
        let e = wh_failure(Operation::Login, &json(404, r#"{"errors":[]}"#));
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert_eq!(
            e.to_string(),
            "cas: application not configured for the sessions api"
        );
        // A ticket path's 404 page is not a missing endpoint: the ticket is in the path.
        let e = apereo_failure(Operation::Validate, &page(404, not_found));
        assert_ne!(e.kind(), ErrorKind::Configuration);
        // A gateway page with another status stays a gateway page.
        let e = wh_failure(Operation::Login, &page(502, "<html>Bad Gateway</html>"));
        assert_eq!(
            (e.kind(), e.http_failure()),
            (ErrorKind::Unavailable, Some(HttpFailure::GatewayPage))
        );
    }

    #[test]
    fn rejection_recognizes_ticket_failures_only() {
        assert!(is_rejection(&json(
            401,
            r#"{"errors":[{"code":"000000"}]}"#
        )));
        assert!(is_rejection(&json(
            404,
            r#"{"errors":[{"code":"20511","field":"target"}]}"#
        )));
        assert!(is_rejection(&json(
            403,
            r#"{"errors":[{"code":"1","field":"apiTicket"}]}"#
        )));
        assert!(is_rejection(&json(
            403,
            r#"{"whoFaults":[{"faultCode":"x","faultName":"InvalidTicket","faultString":"?"}]}"#
        )));
        assert!(!is_rejection(&json(
            403,
            r#"{"errors":[{"code":"20504"}]}"#
        )));
        assert!(!is_rejection(&json(
            403,
            r#"{"errors":[{"code":"20510","field":"target"}]}"#
        )));
        assert!(!is_rejection(&json(
            200,
            r#"{"errors":[{"code":"20511"}]}"#
        )));
        assert!(!is_rejection(&json(500, "{}")));
    }
}
