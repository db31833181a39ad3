//! Betfair identity codes and the [`ErrorKind`] each maps to.
//!
//! The identity SSO answers every call with HTTP 200 and a status (`status` / `loginStatus`) plus
//! an error code (`error`). This module is the one place that decides what each code means to a
//! caller. The table below is also printed in the crate docs.
//!
//! | codes | kind | retried automatically |
//! |---|---|---|
//! | `INVALID_USERNAME_OR_PASSWORD`, `INVALID_PIN`, `INVALID_PIN_LOGIN_REQUEST`, `STRONG_AUTH_CODE_REQUIRED`, `EMAIL_LOGIN_NOT_ALLOWED`, `MULTIPLE_USERS_WITH_SAME_CREDENTIAL` | `InvalidCredentials` | never |
//! | account state: `ACCOUNT_NOW_LOCKED`, `ACCOUNT_ALREADY_LOCKED`, `ACCOUNT_PENDING_PASSWORD_CHANGE`, `CHANGE_PASSWORD_REQUIRED`, `PENDING_AUTH`, `SUSPENDED`, `CLOSED`, `SELF_EXCLUDED`, `KYC_SUSPEND`, `DUPLICATE_CARDS`, `PIN_DELETED_ON_FAILED_COUNT_EXCEEDED`, `UNRECOGNIZED_DEVICE`, `TRADING_MASTER`, `TRADING_MASTER_SUSPENDED`, `AGENT_CLIENT_MASTER`, `AGENT_CLIENT_MASTER_SUSPENDED` | `AccountRestricted` | never |
//! | website action needed: `TELBET_TERMS_CONDITIONS_NA`, `PERSONAL_MESSAGE_REQUIRED`, `SECURITY_QUESTION_WRONG_3X`, `INTERNATIONAL_TERMS_ACCEPTANCE_REQUIRED`, `SPANISH_TERMS_ACCEPTANCE_REQUIRED`, `ITALIAN_CONTRACT_ACCEPTANCE_REQUIRED`, `ITALIAN_PROFILING_ACCEPTANCE_REQUIRED`, `ACTIONS_REQUIRED`, `CONTACT_VERIFICATION_REQUIRED`, `TERMS_AND_CONDITIONS` | `AccountRestricted` | never |
//! | jurisdiction: `SPAIN_MIGRATION_REQUIRED`, `ITALY_MIGRATION_REQUIRED`, `DENMARK_MIGRATION_REQUIRED`, `DANISH_AUTHORIZATION_REQUIRED`, `MIGRATION_REQUIRED`, `SWEDEN_NATIONAL_IDENTIFIER_REQUIRED`, `SWEDEN_BANK_ID_VERIFICATION_REQUIRED`, `AUTHORIZED_ONLY_FOR_DOMAIN_ES` / `_RO` / `_SE`, `NOT_AUTHORIZED_FOR_DOMAIN_COM` / `_ES` / `_IT` / `_RO`, `NOT_AUTHORIZED_BY_REGULATOR` / `_DK` / `_IT` | `AccountRestricted` | never |
//! | location: `BETTING_RESTRICTED_LOCATION`, `SECURITY_RESTRICTED_LOCATION` | `AccountRestricted` | never |
//! | `TEMPORARY_BAN_TOO_MANY_REQUESTS` | `RateLimited`, `retry_after` 20 min | after the window |
//! | regulator connectivity: `INVALID_CONNECTIVITY_TO_REGULATOR` / `_DK` / `_IT`; `INTERNAL_ERROR`, `SERVICE_BUSY`, `UNEXPECTED_ERROR` | `Unavailable` | yes, with backoff |
//! | `NO_SESSION`, `INVALID_SESSION_INFORMATION` | `SessionRejected` | re-login |
//! | `CERT_AUTH_REQUIRED`, `INPUT_VALIDATION_ERROR`, `FORBIDDEN`, `INVALID_APP_KEY`, `NO_APP_KEY` | `Configuration` | no |
//! | any other code | `AccountRestricted` (code kept) | never |
//!
//! Unknown codes are kept as strings on the error ([`Error::code`](session_core::Error::code)) and
//! treated as account-state failures, so that a code Betfair adds later never makes the client
//! retry a login that may lock the account.
//!
//! The Accounts API (vendor services) has its own table, `ACCOUNTS_CODES`, keyed on the
//! `errorCode` of an `AccountAPINGException` (unknown codes: `UnexpectedResponse`, code kept), and
//! a table of the API framework's `DSC-xxxx` codes, `FRAMEWORK_CODES`; the crate docs print
//! both.

use std::time::Duration;

use session_core::{Error, ErrorKind};

/// The provider name every error carries.
pub(crate) const NAME: &str = "betfair";

/// How long Betfair refuses new sessions after `TEMPORARY_BAN_TOO_MANY_REQUESTS`.
pub const LOGIN_BAN: Duration = Duration::from_secs(20 * 60);

/// Every code this crate knows, with its kind. Kept sorted by kind for review.
pub(crate) const CODES: &[(&str, ErrorKind)] = &[
    // Credentials.
    (
        "INVALID_USERNAME_OR_PASSWORD",
        ErrorKind::InvalidCredentials,
    ),
    ("INVALID_PIN", ErrorKind::InvalidCredentials),
    ("INVALID_PIN_LOGIN_REQUEST", ErrorKind::InvalidCredentials),
    ("STRONG_AUTH_CODE_REQUIRED", ErrorKind::InvalidCredentials),
    ("EMAIL_LOGIN_NOT_ALLOWED", ErrorKind::InvalidCredentials),
    (
        "MULTIPLE_USERS_WITH_SAME_CREDENTIAL",
        ErrorKind::InvalidCredentials,
    ),
    // Account state.
    ("ACCOUNT_NOW_LOCKED", ErrorKind::AccountRestricted),
    ("ACCOUNT_ALREADY_LOCKED", ErrorKind::AccountRestricted),
    (
        "ACCOUNT_PENDING_PASSWORD_CHANGE",
        ErrorKind::AccountRestricted,
    ),
    ("CHANGE_PASSWORD_REQUIRED", ErrorKind::AccountRestricted),
    ("PENDING_AUTH", ErrorKind::AccountRestricted),
    ("SUSPENDED", ErrorKind::AccountRestricted),
    ("CLOSED", ErrorKind::AccountRestricted),
    ("SELF_EXCLUDED", ErrorKind::AccountRestricted),
    ("KYC_SUSPEND", ErrorKind::AccountRestricted),
    ("DUPLICATE_CARDS", ErrorKind::AccountRestricted),
    (
        "PIN_DELETED_ON_FAILED_COUNT_EXCEEDED",
        ErrorKind::AccountRestricted,
    ),
    ("UNRECOGNIZED_DEVICE", ErrorKind::AccountRestricted),
    ("TRADING_MASTER", ErrorKind::AccountRestricted),
    ("TRADING_MASTER_SUSPENDED", ErrorKind::AccountRestricted),
    ("AGENT_CLIENT_MASTER", ErrorKind::AccountRestricted),
    (
        "AGENT_CLIENT_MASTER_SUSPENDED",
        ErrorKind::AccountRestricted,
    ),
    // Website action needed.
    ("TELBET_TERMS_CONDITIONS_NA", ErrorKind::AccountRestricted),
    ("PERSONAL_MESSAGE_REQUIRED", ErrorKind::AccountRestricted),
    ("SECURITY_QUESTION_WRONG_3X", ErrorKind::AccountRestricted),
    (
        "INTERNATIONAL_TERMS_ACCEPTANCE_REQUIRED",
        ErrorKind::AccountRestricted,
    ),
    (
        "SPANISH_TERMS_ACCEPTANCE_REQUIRED",
        ErrorKind::AccountRestricted,
    ),
    (
        "ITALIAN_CONTRACT_ACCEPTANCE_REQUIRED",
        ErrorKind::AccountRestricted,
    ),
    (
        "ITALIAN_PROFILING_ACCEPTANCE_REQUIRED",
        ErrorKind::AccountRestricted,
    ),
    ("ACTIONS_REQUIRED", ErrorKind::AccountRestricted),
    (
        "CONTACT_VERIFICATION_REQUIRED",
        ErrorKind::AccountRestricted,
    ),
    ("TERMS_AND_CONDITIONS", ErrorKind::AccountRestricted),
    // Jurisdiction.
    ("SPAIN_MIGRATION_REQUIRED", ErrorKind::AccountRestricted),
    ("ITALY_MIGRATION_REQUIRED", ErrorKind::AccountRestricted),
    ("DENMARK_MIGRATION_REQUIRED", ErrorKind::AccountRestricted),
    (
        "DANISH_AUTHORIZATION_REQUIRED",
        ErrorKind::AccountRestricted,
    ),
    ("MIGRATION_REQUIRED", ErrorKind::AccountRestricted),
    (
        "SWEDEN_NATIONAL_IDENTIFIER_REQUIRED",
        ErrorKind::AccountRestricted,
    ),
    (
        "SWEDEN_BANK_ID_VERIFICATION_REQUIRED",
        ErrorKind::AccountRestricted,
    ),
    (
        "AUTHORIZED_ONLY_FOR_DOMAIN_ES",
        ErrorKind::AccountRestricted,
    ),
    (
        "AUTHORIZED_ONLY_FOR_DOMAIN_RO",
        ErrorKind::AccountRestricted,
    ),
    (
        "AUTHORIZED_ONLY_FOR_DOMAIN_SE",
        ErrorKind::AccountRestricted,
    ),
    (
        "NOT_AUTHORIZED_FOR_DOMAIN_COM",
        ErrorKind::AccountRestricted,
    ),
    ("NOT_AUTHORIZED_FOR_DOMAIN_ES", ErrorKind::AccountRestricted),
    ("NOT_AUTHORIZED_FOR_DOMAIN_IT", ErrorKind::AccountRestricted),
    ("NOT_AUTHORIZED_FOR_DOMAIN_RO", ErrorKind::AccountRestricted),
    ("NOT_AUTHORIZED_BY_REGULATOR", ErrorKind::AccountRestricted),
    (
        "NOT_AUTHORIZED_BY_REGULATOR_DK",
        ErrorKind::AccountRestricted,
    ),
    (
        "NOT_AUTHORIZED_BY_REGULATOR_IT",
        ErrorKind::AccountRestricted,
    ),
    // Location.
    ("BETTING_RESTRICTED_LOCATION", ErrorKind::AccountRestricted),
    ("SECURITY_RESTRICTED_LOCATION", ErrorKind::AccountRestricted),
    // Login rate limit.
    ("TEMPORARY_BAN_TOO_MANY_REQUESTS", ErrorKind::RateLimited),
    // Transient.
    ("INVALID_CONNECTIVITY_TO_REGULATOR", ErrorKind::Unavailable),
    (
        "INVALID_CONNECTIVITY_TO_REGULATOR_DK",
        ErrorKind::Unavailable,
    ),
    (
        "INVALID_CONNECTIVITY_TO_REGULATOR_IT",
        ErrorKind::Unavailable,
    ),
    ("INTERNAL_ERROR", ErrorKind::Unavailable),
    ("SERVICE_BUSY", ErrorKind::Unavailable),
    ("UNEXPECTED_ERROR", ErrorKind::Unavailable),
    // Session gone.
    ("NO_SESSION", ErrorKind::SessionRejected),
    ("INVALID_SESSION_INFORMATION", ErrorKind::SessionRejected),
    // Configuration.
    ("CERT_AUTH_REQUIRED", ErrorKind::Configuration),
    ("INPUT_VALIDATION_ERROR", ErrorKind::Configuration),
    ("FORBIDDEN", ErrorKind::Configuration),
    ("INVALID_APP_KEY", ErrorKind::Configuration),
    ("NO_APP_KEY", ErrorKind::Configuration),
];

/// The [`ErrorKind`] of a Betfair identity code, or `None` for a code this crate does not know.
///
/// ```
/// use session_betfair::{code_kind, ErrorKind};
/// assert_eq!(code_kind("INVALID_USERNAME_OR_PASSWORD"), Some(ErrorKind::InvalidCredentials));
/// assert_eq!(code_kind("TEMPORARY_BAN_TOO_MANY_REQUESTS"), Some(ErrorKind::RateLimited));
/// assert_eq!(code_kind("SOMETHING_NEW"), None);
/// ```
pub fn code_kind(code: &str) -> Option<ErrorKind> {
    CODES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(_, k)| *k)
}

/// The kind a login failure with `code` reports: the table's, or
/// [`ErrorKind::AccountRestricted`] for an unknown code (never retried automatically).
pub(crate) fn login_kind(code: &str) -> ErrorKind {
    code_kind(code).unwrap_or(ErrorKind::AccountRestricted)
}

/// The error for a failed login. `restricted` is true for `status: LOGIN_RESTRICTED`.
pub(crate) fn login_error(code: &str, restricted: bool) -> Error {
    let kind = login_kind(code);
    let message = match kind {
        ErrorKind::InvalidCredentials => "login rejected",
        ErrorKind::AccountRestricted if restricted => "login restricted",
        ErrorKind::AccountRestricted => "account cannot log in",
        ErrorKind::RateLimited => "login rate limited",
        ErrorKind::Unavailable => "login temporarily unavailable",
        ErrorKind::SessionRejected => "login refused without a session",
        ErrorKind::Configuration if code.eq_ignore_ascii_case("CERT_AUTH_REQUIRED") => {
            "client certificate not accepted by betfair"
        }
        ErrorKind::Configuration => "login request refused",
        _ => "login failed",
    };
    let e = Error::new(kind, NAME, message).with_code(code);
    if kind == ErrorKind::RateLimited {
        e.with_retry_after(LOGIN_BAN)
    } else {
        e
    }
}

/// The error for a failed keepAlive or logout (`op` is `"keepalive"` or `"logout"`).
pub(crate) fn session_call_error(op: &'static str, code: &str) -> Error {
    let kind = code_kind(code).unwrap_or(ErrorKind::UnexpectedResponse);
    let message: &'static str = match (op, kind) {
        (_, ErrorKind::SessionRejected) => "session no longer accepted",
        ("keepalive", ErrorKind::Unavailable) => "keepalive temporarily unavailable",
        (_, ErrorKind::Unavailable) => "logout temporarily unavailable",
        ("keepalive", ErrorKind::Configuration) => "keepalive request refused",
        (_, ErrorKind::Configuration) => "logout request refused",
        ("keepalive", _) => "keepalive failed",
        _ => "logout failed",
    };
    let e = Error::new(kind, NAME, message).with_code(code);
    if kind == ErrorKind::RateLimited {
        e.with_retry_after(LOGIN_BAN)
    } else {
        e
    }
}

/// Every `AccountAPINGException` `errorCode` (ids 1–21 of the IDD, plus `CUSTOMER_ACCOUNT_CLOSED`
/// from the docs) and the betting-side `APINGException` extras that share the envelope, with the
/// [`ErrorKind`] each maps to. The crate docs print this table.
pub(crate) const ACCOUNTS_CODES: &[(&str, ErrorKind)] = &[
    ("INVALID_INPUT_DATA", ErrorKind::Configuration),
    ("INVALID_SESSION_INFORMATION", ErrorKind::SessionRejected),
    ("UNEXPECTED_ERROR", ErrorKind::Unavailable),
    ("INVALID_APP_KEY", ErrorKind::Configuration),
    ("SERVICE_BUSY", ErrorKind::Unavailable),
    ("TIMEOUT_ERROR", ErrorKind::Timeout),
    ("DUPLICATE_APP_NAME", ErrorKind::Configuration),
    ("APP_KEY_CREATION_FAILED", ErrorKind::Configuration),
    ("APP_CREATION_FAILED", ErrorKind::Configuration),
    ("NO_SESSION", ErrorKind::SessionRejected),
    ("NO_APP_KEY", ErrorKind::Configuration),
    ("SUBSCRIPTION_EXPIRED", ErrorKind::AccountRestricted),
    ("INVALID_SUBSCRIPTION_TOKEN", ErrorKind::InvalidCredentials),
    ("TOO_MANY_REQUESTS", ErrorKind::RateLimited),
    ("INVALID_CLIENT_REF", ErrorKind::Configuration),
    ("WALLET_TRANSFER_ERROR", ErrorKind::AccountRestricted),
    ("INVALID_VENDOR_CLIENT_ID", ErrorKind::Configuration),
    ("USER_NOT_SUBSCRIBED", ErrorKind::AccountRestricted),
    ("INVALID_SECRET", ErrorKind::InvalidCredentials),
    ("INVALID_AUTH_CODE", ErrorKind::InvalidCredentials),
    ("INVALID_GRANT_TYPE", ErrorKind::Configuration),
    ("CUSTOMER_ACCOUNT_CLOSED", ErrorKind::AccountRestricted),
    // Betting-side APINGException codes that can arrive in the same envelope.
    ("TOO_MUCH_DATA", ErrorKind::Configuration),
    ("REQUEST_SIZE_EXCEEDS_LIMIT", ErrorKind::Configuration),
    ("ACCESS_DENIED", ErrorKind::AccountRestricted),
    ("SERVICE_UNAVAILABLE", ErrorKind::Unavailable),
];

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
    ACCOUNTS_CODES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(_, k)| *k)
}

/// The API framework's (Cougar's) `DSC-xxxx` codes, as they arrive in a JSON-RPC error's `message`
/// or a REST fault's `faultstring`, with their kinds. Codes not listed map by the JSON-RPC code
/// (`-32603` internal: `Unavailable`; other `-32xxx`: `Configuration`).
pub(crate) const FRAMEWORK_CODES: &[(&str, ErrorKind)] = &[
    ("DSC-0008", ErrorKind::Configuration),
    ("DSC-0009", ErrorKind::Configuration),
    ("DSC-0015", ErrorKind::Configuration),
    ("DSC-0018", ErrorKind::Configuration),
    ("DSC-0019", ErrorKind::Timeout),
    ("DSC-0021", ErrorKind::Configuration),
    ("DSC-0023", ErrorKind::Configuration),
    ("DSC-0024", ErrorKind::Configuration),
    ("DSC-0034", ErrorKind::Configuration),
    ("DSC-0035", ErrorKind::Configuration),
    ("DSC-0036", ErrorKind::Configuration),
];

/// The kind of a framework error from its `DSC-xxxx` code and JSON-RPC code.
pub(crate) fn framework_kind(dsc: Option<&str>, json_rpc_code: Option<i64>) -> ErrorKind {
    if let Some(kind) = dsc.and_then(|d| {
        FRAMEWORK_CODES
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(d.trim()))
            .map(|(_, k)| *k)
    }) {
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

    #[test]
    fn every_code_is_listed_once_and_looks_like_a_code() {
        for (i, (code, _)) in CODES.iter().enumerate() {
            assert!(
                code.bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit()),
                "{code}"
            );
            assert!(
                CODES[i + 1..].iter().all(|(c, _)| c != code),
                "{code} listed twice"
            );
            assert_eq!(
                Error::new(ErrorKind::UnexpectedResponse, NAME, "x")
                    .with_code(code)
                    .code(),
                Some(*code),
                "the core keeps {code}"
            );
        }
    }

    #[test]
    fn credential_and_account_codes_are_login_final() {
        for code in [
            "INVALID_USERNAME_OR_PASSWORD",
            "STRONG_AUTH_CODE_REQUIRED",
            "ACCOUNT_NOW_LOCKED",
            "SUSPENDED",
            "KYC_SUSPEND",
            "ITALIAN_CONTRACT_ACCEPTANCE_REQUIRED",
            "BETTING_RESTRICTED_LOCATION",
            "NOT_AUTHORIZED_BY_REGULATOR_IT",
            "AUTHORIZED_ONLY_FOR_DOMAIN_SE",
            "SOMETHING_BETFAIR_ADDS_LATER",
        ] {
            let e = login_error(code, false);
            assert!(e.kind().is_login_final(), "{code}: {:?}", e.kind());
            assert!(!e.is_retryable(), "{code}");
        }
    }

    #[test]
    fn the_ban_is_rate_limited_for_twenty_minutes() {
        let e = login_error("TEMPORARY_BAN_TOO_MANY_REQUESTS", false);
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(1200)));
        assert_eq!(
            e.to_string(),
            "betfair: login rate limited: TEMPORARY_BAN_TOO_MANY_REQUESTS"
        );
    }

    #[test]
    fn regulator_connectivity_is_transient() {
        for code in [
            "INVALID_CONNECTIVITY_TO_REGULATOR_IT",
            "INVALID_CONNECTIVITY_TO_REGULATOR_DK",
            "INTERNAL_ERROR",
        ] {
            let e = login_error(code, false);
            assert_eq!(e.kind(), ErrorKind::Unavailable, "{code}");
            assert!(e.is_retryable());
        }
    }

    #[test]
    fn cert_auth_required_is_a_configuration_error_with_its_code() {
        let e = login_error("CERT_AUTH_REQUIRED", false);
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert_eq!(e.code(), Some("CERT_AUTH_REQUIRED"));
        assert_eq!(
            e.to_string(),
            "betfair: client certificate not accepted by betfair: CERT_AUTH_REQUIRED"
        );
    }

    #[test]
    fn unknown_codes_are_kept_and_lookup_ignores_case() {
        let e = login_error("NOT_A_REAL_CODE_42", true);
        assert_eq!(e.kind(), ErrorKind::AccountRestricted);
        assert_eq!(e.code(), Some("NOT_A_REAL_CODE_42"));
        assert_eq!(e.message(), "login restricted");
        assert_eq!(code_kind("no_session"), Some(ErrorKind::SessionRejected));
    }

    #[test]
    fn keep_alive_codes_map_to_session_kinds() {
        assert_eq!(
            session_call_error("keepalive", "NO_SESSION").kind(),
            ErrorKind::SessionRejected
        );
        assert_eq!(
            session_call_error("keepalive", "INTERNAL_ERROR").kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(
            session_call_error("keepalive", "INPUT_VALIDATION_ERROR").kind(),
            ErrorKind::Configuration
        );
        assert_eq!(
            session_call_error("logout", "WHATEVER").kind(),
            ErrorKind::UnexpectedResponse
        );
    }

    #[test]
    fn every_accounts_code_is_listed_once_and_kept_by_the_core() {
        for (i, (code, _)) in ACCOUNTS_CODES.iter().enumerate() {
            assert!(
                ACCOUNTS_CODES[i + 1..].iter().all(|(c, _)| c != code),
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
            ACCOUNTS_CODES.len(),
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
