//! The Accounts API's codes: the `errorCode` of an `AccountAPINGException` (`ACCOUNTS_CODES`;
//! unknown codes are `UnexpectedResponse`, code kept) and the API framework's `DSC-xxxx` codes
//! (`FRAMEWORK_CODES`), with the fixed messages of Accounts API errors.

use session_core::ErrorKind::{
    AccountRestricted, Configuration, InvalidCredentials, RateLimited, SessionRejected, Timeout,
    Unavailable, UnexpectedResponse,
};
use session_core::{Code, CodeTable, ErrorKind};

/// Every `AccountAPINGException` `errorCode` (ids 1–21 of the IDD, plus `CUSTOMER_ACCOUNT_CLOSED`
/// from the docs) and the betting-side `APINGException` extras that share the envelope, with the
/// [`ErrorKind`] each maps to, in the order the crate docs print them.
pub(crate) const ACCOUNTS_CODES: CodeTable = CodeTable::new(
    "`errorCode`",
    &[
        Code::new("INVALID_INPUT_DATA", Configuration, "bad request data"),
        Code::new(
            "INVALID_SESSION_INFORMATION",
            SessionRejected,
            "session missing, invalid or expired (the lease is invalidated; reads are repeated once)",
        ),
        Code::new(
            "NO_SESSION",
            SessionRejected,
            "`X-Authentication` missing (as above)",
        ),
        Code::new(
            "UNEXPECTED_ERROR",
            Unavailable,
            "internal error (also: refresh after the customer revoked the web app)",
        ),
        Code::new("SERVICE_BUSY", Unavailable, "overloaded"),
        Code::new("TIMEOUT_ERROR", Timeout, "downstream timeout"),
        Code::new(
            "INVALID_APP_KEY",
            Configuration,
            "app key invalid, or not the caller's vendor app key",
        ),
        Code::new("NO_APP_KEY", Configuration, "`X-Application` missing"),
        Code::new("DUPLICATE_APP_NAME", Configuration, "app key creation"),
        Code::new("APP_KEY_CREATION_FAILED", Configuration, "app key creation"),
        Code::new("APP_CREATION_FAILED", Configuration, "app key creation"),
        Code::new("SUBSCRIPTION_EXPIRED", AccountRestricted, "the subscription expired"),
        Code::new(
            "INVALID_SUBSCRIPTION_TOKEN",
            InvalidCredentials,
            "no such (usable) subscription token",
        ),
        Code::new(
            "TOO_MANY_REQUESTS",
            RateLimited,
            "a rate or quantity cap, such as 15,000 unactivated tokens (no `retry_after`: waiting alone may not clear it)",
        ),
        Code::new(
            "INVALID_CLIENT_REF",
            Configuration,
            "client reference of a bad length",
        ),
        Code::new("WALLET_TRANSFER_ERROR", AccountRestricted, "funds transfer refused"),
        Code::new(
            "INVALID_VENDOR_CLIENT_ID",
            Configuration,
            "not a client of this vendor's app",
        ),
        Code::new(
            "USER_NOT_SUBSCRIBED",
            AccountRestricted,
            "the customer is not subscribed to the app",
        ),
        Code::new("INVALID_SECRET", InvalidCredentials, "vendor secret mismatch"),
        Code::new(
            "INVALID_AUTH_CODE",
            InvalidCredentials,
            "authorisation code unknown, used or expired",
        ),
        Code::new(
            "INVALID_GRANT_TYPE",
            Configuration,
            "grant type invalid or not matching its parameters",
        ),
        Code::new(
            "CUSTOMER_ACCOUNT_CLOSED",
            AccountRestricted,
            "the customer's account is closed",
        ),
        // Betting-side APINGException codes that can arrive in the same envelope.
        Code::new("TOO_MUCH_DATA", Configuration, "request too large (`APINGException`)"),
        Code::new(
            "REQUEST_SIZE_EXCEEDS_LIMIT",
            Configuration,
            "request too large (`APINGException`)",
        ),
        Code::new("ACCESS_DENIED", AccountRestricted, "not allowed (`APINGException`)"),
        Code::new("SERVICE_UNAVAILABLE", Unavailable, "down (`APINGException`)"),
        Code::other(UnexpectedResponse, "a code this crate does not know (kept)"),
    ],
)
.ignore_ascii_case();

/// The [`ErrorKind`] of an Accounts API exception code (`AccountAPINGException.errorCode`), or
/// `None` for a code this crate does not know (reported as [`ErrorKind::UnexpectedResponse`] with
/// the code kept).
///
/// ```
/// use session_betfair::{accounts_code_kind, ErrorKind};
/// assert_eq!(accounts_code_kind("INVALID_SESSION_INFORMATION"), Some(ErrorKind::SessionRejected));
/// assert_eq!(accounts_code_kind("TOO_MANY_REQUESTS"), Some(ErrorKind::RateLimited));
/// assert_eq!(accounts_code_kind("INVALID_SUBSCRIPTION_TOKEN"), Some(ErrorKind::InvalidCredentials));
/// assert_eq!(accounts_code_kind("SOMETHING_NEW"), None);
/// ```
pub fn accounts_code_kind(code: &str) -> Option<ErrorKind> {
    ACCOUNTS_CODES.find(code, None).map(Code::kind)
}

/// The API framework's (Cougar's) `DSC-xxxx` codes, as they arrive in a JSON-RPC error's `message`
/// or a REST fault's `faultstring`, with their kinds. Codes not listed map by the JSON-RPC code
/// (`-32603` internal: `Unavailable`; other `-32xxx`: `Configuration`).
pub(crate) const FRAMEWORK_CODES: CodeTable = CodeTable::new(
    "framework code",
    &[
        Code::new("DSC-0008", Configuration, "JSON parse failure"),
        Code::new(
            "DSC-0009",
            Configuration,
            "class conversion (a bad enum value or type)",
        ),
        Code::new("DSC-0015", Configuration, "security (HTTP 403)"),
        Code::new("DSC-0018", Configuration, "mandatory parameter missing"),
        Code::new("DSC-0019", Timeout, "timeout (HTTP 504)"),
        Code::new("DSC-0021", Configuration, "no such operation"),
        Code::new("DSC-0023", Configuration, "no such service"),
        Code::new("DSC-0024", Configuration, "REST deserialisation failure"),
        Code::new("DSC-0034", Configuration, "no valid, active app key"),
        Code::new("DSC-0035", Configuration, "unrecognised credentials"),
        Code::new("DSC-0036", Configuration, "invalid credentials"),
    ],
)
.ignore_ascii_case();

/// The kind of a framework error from its `DSC-xxxx` code and JSON-RPC code.
pub(crate) fn framework_kind(dsc: Option<&str>, json_rpc_code: Option<i64>) -> ErrorKind {
    if let Some(kind) = dsc
        .and_then(|d| FRAMEWORK_CODES.find(d, None))
        .map(Code::kind)
    {
        return kind;
    }
    match json_rpc_code {
        Some(-32603) => ErrorKind::Unavailable,
        Some(-32700 | -32600 | -32601 | -32602) => ErrorKind::Configuration,
        _ => ErrorKind::UnexpectedResponse,
    }
}

/// The fixed message of an Accounts API error of `kind`.
pub(crate) fn accounts_message(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::SessionRejected => "session no longer accepted",
        ErrorKind::RateLimited => "accounts api rate limited",
        ErrorKind::Unavailable => "accounts api temporarily unavailable",
        ErrorKind::Timeout => "accounts api timed out",
        ErrorKind::Configuration => "accounts request refused",
        ErrorKind::InvalidCredentials => "accounts credentials rejected",
        ErrorKind::AccountRestricted => "accounts operation not allowed for this account",
        _ => "accounts call failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::NAME;
    use session_core::Error;

    #[test]
    fn every_accounts_code_is_listed_once_and_kept_by_the_core() {
        let codes: Vec<&str> = ACCOUNTS_CODES
            .rows()
            .iter()
            .filter_map(Code::code)
            .collect();
        for (i, code) in codes.iter().enumerate() {
            assert!(
                codes[i + 1..].iter().all(|c| c != code),
                "{code} listed twice"
            );
            assert_eq!(
                Error::new(ErrorKind::UnexpectedResponse, NAME, "x")
                    .with_code(code)
                    .code(),
                Some(*code)
            );
        }
        assert_eq!(
            codes.len(),
            26,
            "21 IDD codes, one doc code, four betting extras"
        );
    }

    #[test]
    fn framework_codes_map_by_dsc_then_json_rpc_code() {
        assert_eq!(
            framework_kind(Some("DSC-0018"), Some(-32602)),
            ErrorKind::Configuration
        );
        assert_eq!(framework_kind(Some("DSC-0019"), None), ErrorKind::Timeout);
        assert_eq!(framework_kind(None, Some(-32603)), ErrorKind::Unavailable);
        assert_eq!(
            framework_kind(Some("DSC-9999"), Some(-32700)),
            ErrorKind::Configuration
        );
        assert_eq!(framework_kind(None, None), ErrorKind::UnexpectedResponse);
    }
}
