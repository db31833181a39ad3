//! Upstream failures → [`ErrorKind`].
//!
//! William Hill's error body is `{"errors":[{"code":"205xx","field":"...","message":"..."}]}`;
//! `code` may be a string or a number, and the first entry with a known code decides. `message` is
//! never kept (it is free text); the code is kept on the error ([`Error::code`]). The codes are in
//! `WH_CODES`, Apereo's account-state exceptions and its `INVALID_SERVICE` label in
//! `APEREO_CODES`; the classification below reads those tables, and the
//! [crate docs](crate) print them (a unit test checks every row)
//! beside the rules for answers without a known code.

use serde::Deserialize;
use session_core::ErrorKind::{
    AccountRestricted, Configuration, InvalidCredentials, SessionRejected,
};
use session_core::http::HttpResponse;
use session_core::{Code, CodeTable, Error, ErrorKind, HttpFailure};

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

impl Operation {
    /// The call's name in the code tables' `call` column.
    fn name(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Validate => "validate",
            Self::ServiceTicket => "service ticket",
            Self::Logout => "logout",
        }
    }
}

/// The ticket calls: every call but login.
const TICKET_CALLS: &[&str] = &["validate", "service ticket", "logout"];

/// The code of a ticket-granting ticket William Hill does not know (any more).
const TICKET_NOT_FOUND: &str = "20511";
/// The code of credentials that did not validate.
const BAD_CREDENTIALS: &str = "20501";

/// The William Hill Sessions API's codes, in the order the crate docs print them. A code without
/// a row for the call (20511 on login, any unknown code) leaves the decision to the HTTP status.
pub(crate) const WH_CODES: CodeTable = CodeTable::new(
    "William Hill code",
    &[
        Code::new(
            BAD_CREDENTIALS,
            InvalidCredentials,
            "credentials did not validate (HTTP 401)",
        )
        .when(&["login"]),
        Code::new(
            BAD_CREDENTIALS,
            SessionRejected,
            "credentials did not validate: the ticket is not accepted",
        )
        .when(TICKET_CALLS),
        Code::new(
            "20502",
            Configuration,
            "target service not established (`is_target_not_established`)",
        ),
        Code::new("20503", AccountRestricted, "account self-excluded (HTTP 403)"),
        Code::new("20504", AccountRestricted, "account locked"),
        Code::new("20505", AccountRestricted, "account inactive"),
        Code::new("20506", AccountRestricted, "account closed"),
        Code::new("20507", AccountRestricted, "age verification required"),
        Code::new(
            "20508",
            AccountRestricted,
            "self-excluded, reactivation available",
        ),
        Code::new("20509", AccountRestricted, "time-out (cool-off) applied"),
        Code::new(
            "20510",
            Configuration,
            "target service not established (`field: target`, HTTP 403; `is_target_not_established`)",
        ),
        Code::new(
            TICKET_NOT_FOUND,
            SessionRejected,
            "ticket-granting ticket not found (HTTP 404); on logout: success, already gone",
        )
        .when(TICKET_CALLS),
        Code::new("20512", AccountRestricted, "account suspended"),
        Code::new("20513", AccountRestricted, "max linked accounts"),
        Code::new("20514", AccountRestricted, "account closed by player"),
    ],
)
.when_column("call");

/// The canonical form of a William Hill code (decimal, no leading zeros or spaces), if it is one.
fn canonical(code: &str) -> Option<String> {
    code.trim().parse::<u32>().ok().map(|n| n.to_string())
}

/// Whether [`WH_CODES`] lists `code` for any call.
pub(crate) fn is_known_wh_code(code: &str) -> bool {
    canonical(code).is_some_and(|c| WH_CODES.knows(&c))
}

/// The row of `code` for the call `op`, if the table has one.
fn wh_code_row(code: &str, op: Operation) -> Option<&'static Code> {
    WH_CODES.find(&canonical(code)?, Some(op.name()))
}

/// Whether `code` is William Hill's "ticket-granting ticket not found".
pub(crate) fn is_ticket_not_found(code: &str) -> bool {
    canonical(code).as_deref() == Some(TICKET_NOT_FOUND)
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
pub(crate) fn deciding_code(body: &WhErrorBody) -> Option<&str> {
    let mut codes = body.errors.iter().filter_map(|e| e.code.as_deref());
    let first = codes.clone().next();
    codes.find(|c| is_known_wh_code(c)).or(first)
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
            Some(code) => e.with_code(code),
            None => e,
        };
    }
    let body = wh_error_body(resp);
    let code = body.as_ref().and_then(deciding_code);
    let new = |kind, message: &'static str| {
        with_status(maybe_code(Error::new(kind, provider, message), code), resp)
    };
    if let Some(row) = code.and_then(|c| wh_code_row(c, op)) {
        let message = match row.kind() {
            ErrorKind::InvalidCredentials => "login rejected",
            ErrorKind::AccountRestricted => "account restricted",
            ErrorKind::SessionRejected if row.code() == Some(BAD_CREDENTIALS) => "ticket rejected",
            ErrorKind::SessionRejected => "ticket not found or expired",
            _ => TARGET_NOT_ESTABLISHED,
        };
        return new(row.kind(), message);
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

/// Apereo's codes: the exceptions in `authentication_exceptions` that mean the account, not the
/// password, is the problem (the exception's name becomes the error's code), and this crate's
/// label for a service ticket refused for its service.
pub(crate) const APEREO_CODES: CodeTable = CodeTable::new(
    "Apereo code",
    &[
        Code::new(
            "AccountLockedException",
            AccountRestricted,
            "login 401 naming an account state",
        ),
        Code::new(
            "AccountDisabledException",
            AccountRestricted,
            "login 401 naming an account state",
        ),
        Code::new(
            "AccountExpiredException",
            AccountRestricted,
            "login 401 naming an account state",
        ),
        Code::new(
            "AccountPasswordMustChangeException",
            AccountRestricted,
            "login 401 naming an account state",
        ),
        Code::new(
            "InvalidLoginLocationException",
            AccountRestricted,
            "login 401 naming an account state",
        ),
        Code::new(
            "InvalidLoginTimeException",
            AccountRestricted,
            "login 401 naming an account state",
        ),
        Code::new(
            APEREO_INVALID_SERVICE,
            Configuration,
            "service ticket 400, or 500 \"unspecified or unrecognized\": target service not established (`is_target_not_established`)",
        ),
    ],
);

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
    APEREO_CODES
        .rows()
        .iter()
        .filter(|row| row.kind() == ErrorKind::AccountRestricted)
        .filter_map(Code::code)
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
            if e.code.as_deref().is_some_and(is_ticket_not_found) {
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
            if texts
                .iter()
                .flatten()
                .any(|t| t.to_ascii_lowercase().contains("ticket") || is_ticket_not_found(t))
            {
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
        let kind = |code: &str, op| wh_code_row(code, op).map(Code::kind);
        assert_eq!(kind("20501", Operation::Login), Some(InvalidCredentials));
        assert_eq!(kind("20501", Operation::Validate), Some(SessionRejected));
        for c in (20503..=20509).chain(20512..=20514) {
            for op in [Operation::Login, Operation::Logout] {
                assert_eq!(kind(&c.to_string(), op), Some(AccountRestricted), "{c}");
            }
        }
        assert_eq!(kind("20511", Operation::Validate), Some(SessionRejected));
        assert_eq!(kind("20511", Operation::Login), None, "the status decides");
        assert!(is_known_wh_code("20511") && is_ticket_not_found(" 020511"));
        assert_eq!(kind("20510", Operation::ServiceTicket), Some(Configuration));
        assert_eq!(kind("20502", Operation::Login), Some(Configuration));
        assert!(!is_known_wh_code("000000"));
        assert!(!is_known_wh_code("abc"));
        assert_eq!(kind("abc", Operation::Login), None);
    }

    #[test]
    fn the_crate_docs_print_both_code_tables() {
        let docs = include_str!("lib.rs");
        for table in [WH_CODES, APEREO_CODES] {
            if let Err(e) = table.check_docs(docs) {
                panic!("{e}");
            }
        }
        let changed = docs.replacen("| account locked |", "| account frozen |", 1);
        assert_ne!(changed, docs);
        assert!(WH_CODES.check_docs(&changed).is_err());
        let changed = docs.replacen("`InvalidLoginLocationException`, ", "", 1);
        assert_ne!(changed, docs);
        assert!(APEREO_CODES.check_docs(&changed).is_err());
        assert_eq!(
            WH_CODES.check_docs(&changed),
            Ok(()),
            "one table's change fails only it"
        );
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
