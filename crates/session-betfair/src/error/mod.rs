//! Betfair's codes and the [`ErrorKind`] each maps to: the identity SSO's codes (`CODES`), the
//! Accounts API's exception codes (`ACCOUNTS_CODES`) and the API framework's `DSC-xxxx` codes
//! (`FRAMEWORK_CODES`).
//!
//! The identity SSO answers every call with HTTP 200 and a status (`status` / `loginStatus`) plus
//! an error code (`error`). These tables are the one place that decides what each code means to
//! a caller: the classification below reads them, and the [crate docs](crate) print
//! them (a unit test checks that every printed row matches).
//!
//! Unknown identity codes are kept as strings on the error ([`Error::code`]) and treated as
//! account-state failures on login, so that a code Betfair adds later never makes the client
//! retry a login that may lock the account.

use std::time::Duration;

use session_core::ErrorKind::{
    AccountRestricted, Configuration, InvalidCredentials, RateLimited, SessionRejected,
    Unavailable, UnexpectedResponse,
};
use session_core::{Code, CodeTable, Error, ErrorKind};

mod accounts;

pub use accounts::accounts_code_kind;
#[cfg(test)]
pub(crate) use accounts::{ACCOUNTS_CODES, FRAMEWORK_CODES};
pub(crate) use accounts::{accounts_message, framework_kind};

/// The provider name every error carries.
pub(crate) const NAME: &str = "betfair";

/// How long Betfair refuses new sessions after `TEMPORARY_BAN_TOO_MANY_REQUESTS`.
pub const LOGIN_BAN: Duration = Duration::from_secs(20 * 60);

/// What the identity codes of one group mean (the crate docs print one line per group).
const CREDENTIALS: &str = "the credentials (or the two-factor code) were refused";
const ACCOUNT_STATE: &str = "account state";
const WEBSITE_ACTION: &str = "an action is needed on the website";
const JURISDICTION: &str = "jurisdiction";
const LOCATION: &str = "location";
const BAN: &str =
    "too many logins: no new session for 20 minutes (`retry_after`); no request is sent inside it";
const REGULATOR: &str = "no connection to the regulator";
const TRANSIENT: &str = "a failure at Betfair";
const SESSION_GONE: &str = "the session is gone";
const CERTIFICATE: &str = "the client certificate was not accepted";
const REFUSED: &str = "the request or the app key was refused";

/// The identity SSO's codes (login, keepAlive, logout), in the order the crate docs print them.
/// Unknown codes are account-state failures on login (never retried, so a code Betfair adds later
/// cannot lock an account) and unexpected answers on keepAlive and logout.
pub(crate) const CODES: CodeTable = CodeTable::new(
    "identity code",
    &[
        Code::new(
            "INVALID_USERNAME_OR_PASSWORD",
            InvalidCredentials,
            CREDENTIALS,
        ),
        Code::new("INVALID_PIN", InvalidCredentials, CREDENTIALS),
        Code::new("INVALID_PIN_LOGIN_REQUEST", InvalidCredentials, CREDENTIALS),
        Code::new("STRONG_AUTH_CODE_REQUIRED", InvalidCredentials, CREDENTIALS),
        Code::new("EMAIL_LOGIN_NOT_ALLOWED", InvalidCredentials, CREDENTIALS),
        Code::new(
            "MULTIPLE_USERS_WITH_SAME_CREDENTIAL",
            InvalidCredentials,
            CREDENTIALS,
        ),
        Code::new("ACCOUNT_NOW_LOCKED", AccountRestricted, ACCOUNT_STATE),
        Code::new("ACCOUNT_ALREADY_LOCKED", AccountRestricted, ACCOUNT_STATE),
        Code::new(
            "ACCOUNT_PENDING_PASSWORD_CHANGE",
            AccountRestricted,
            ACCOUNT_STATE,
        ),
        Code::new("CHANGE_PASSWORD_REQUIRED", AccountRestricted, ACCOUNT_STATE),
        Code::new("PENDING_AUTH", AccountRestricted, ACCOUNT_STATE),
        Code::new("SUSPENDED", AccountRestricted, ACCOUNT_STATE),
        Code::new("CLOSED", AccountRestricted, ACCOUNT_STATE),
        Code::new("SELF_EXCLUDED", AccountRestricted, ACCOUNT_STATE),
        Code::new("KYC_SUSPEND", AccountRestricted, ACCOUNT_STATE),
        Code::new("DUPLICATE_CARDS", AccountRestricted, ACCOUNT_STATE),
        Code::new(
            "PIN_DELETED_ON_FAILED_COUNT_EXCEEDED",
            AccountRestricted,
            ACCOUNT_STATE,
        ),
        Code::new("UNRECOGNIZED_DEVICE", AccountRestricted, ACCOUNT_STATE),
        Code::new("TRADING_MASTER", AccountRestricted, ACCOUNT_STATE),
        Code::new("TRADING_MASTER_SUSPENDED", AccountRestricted, ACCOUNT_STATE),
        Code::new("AGENT_CLIENT_MASTER", AccountRestricted, ACCOUNT_STATE),
        Code::new(
            "AGENT_CLIENT_MASTER_SUSPENDED",
            AccountRestricted,
            ACCOUNT_STATE,
        ),
        Code::new(
            "TELBET_TERMS_CONDITIONS_NA",
            AccountRestricted,
            WEBSITE_ACTION,
        ),
        Code::new(
            "PERSONAL_MESSAGE_REQUIRED",
            AccountRestricted,
            WEBSITE_ACTION,
        ),
        Code::new(
            "SECURITY_QUESTION_WRONG_3X",
            AccountRestricted,
            WEBSITE_ACTION,
        ),
        Code::new(
            "INTERNATIONAL_TERMS_ACCEPTANCE_REQUIRED",
            AccountRestricted,
            WEBSITE_ACTION,
        ),
        Code::new(
            "SPANISH_TERMS_ACCEPTANCE_REQUIRED",
            AccountRestricted,
            WEBSITE_ACTION,
        ),
        Code::new(
            "ITALIAN_CONTRACT_ACCEPTANCE_REQUIRED",
            AccountRestricted,
            WEBSITE_ACTION,
        ),
        Code::new(
            "ITALIAN_PROFILING_ACCEPTANCE_REQUIRED",
            AccountRestricted,
            WEBSITE_ACTION,
        ),
        Code::new("ACTIONS_REQUIRED", AccountRestricted, WEBSITE_ACTION),
        Code::new(
            "CONTACT_VERIFICATION_REQUIRED",
            AccountRestricted,
            WEBSITE_ACTION,
        ),
        Code::new("TERMS_AND_CONDITIONS", AccountRestricted, WEBSITE_ACTION),
        Code::new("SPAIN_MIGRATION_REQUIRED", AccountRestricted, JURISDICTION),
        Code::new("ITALY_MIGRATION_REQUIRED", AccountRestricted, JURISDICTION),
        Code::new(
            "DENMARK_MIGRATION_REQUIRED",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "DANISH_AUTHORIZATION_REQUIRED",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new("MIGRATION_REQUIRED", AccountRestricted, JURISDICTION),
        Code::new(
            "SWEDEN_NATIONAL_IDENTIFIER_REQUIRED",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "SWEDEN_BANK_ID_VERIFICATION_REQUIRED",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "AUTHORIZED_ONLY_FOR_DOMAIN_ES",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "AUTHORIZED_ONLY_FOR_DOMAIN_RO",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "AUTHORIZED_ONLY_FOR_DOMAIN_SE",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "NOT_AUTHORIZED_FOR_DOMAIN_COM",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "NOT_AUTHORIZED_FOR_DOMAIN_ES",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "NOT_AUTHORIZED_FOR_DOMAIN_IT",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "NOT_AUTHORIZED_FOR_DOMAIN_RO",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "NOT_AUTHORIZED_BY_REGULATOR",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "NOT_AUTHORIZED_BY_REGULATOR_DK",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new(
            "NOT_AUTHORIZED_BY_REGULATOR_IT",
            AccountRestricted,
            JURISDICTION,
        ),
        Code::new("BETTING_RESTRICTED_LOCATION", AccountRestricted, LOCATION),
        Code::new("SECURITY_RESTRICTED_LOCATION", AccountRestricted, LOCATION),
        Code::new("TEMPORARY_BAN_TOO_MANY_REQUESTS", RateLimited, BAN),
        Code::new("INVALID_CONNECTIVITY_TO_REGULATOR", Unavailable, REGULATOR),
        Code::new(
            "INVALID_CONNECTIVITY_TO_REGULATOR_DK",
            Unavailable,
            REGULATOR,
        ),
        Code::new(
            "INVALID_CONNECTIVITY_TO_REGULATOR_IT",
            Unavailable,
            REGULATOR,
        ),
        Code::new("INTERNAL_ERROR", Unavailable, TRANSIENT),
        Code::new("SERVICE_BUSY", Unavailable, TRANSIENT),
        Code::new("UNEXPECTED_ERROR", Unavailable, TRANSIENT),
        Code::new("NO_SESSION", SessionRejected, SESSION_GONE),
        Code::new("INVALID_SESSION_INFORMATION", SessionRejected, SESSION_GONE),
        Code::new("CERT_AUTH_REQUIRED", Configuration, CERTIFICATE),
        Code::new("INPUT_VALIDATION_ERROR", Configuration, REFUSED),
        Code::new("FORBIDDEN", Configuration, REFUSED),
        Code::new("INVALID_APP_KEY", Configuration, REFUSED),
        Code::new("NO_APP_KEY", Configuration, REFUSED),
        Code::other(AccountRestricted, "a code this crate does not know (kept)").when(&["login"]),
        Code::other(UnexpectedResponse, "a code this crate does not know (kept)")
            .when(&["keepalive", "logout"]),
    ],
)
.ignore_ascii_case();

/// The [`ErrorKind`] of a Betfair identity code, or `None` for a code this crate does not know.
///
/// ```
/// use session_betfair::{code_kind, ErrorKind};
/// assert_eq!(code_kind("INVALID_USERNAME_OR_PASSWORD"), Some(ErrorKind::InvalidCredentials));
/// assert_eq!(code_kind("TEMPORARY_BAN_TOO_MANY_REQUESTS"), Some(ErrorKind::RateLimited));
/// assert_eq!(code_kind("SOMETHING_NEW"), None);
/// ```
pub fn code_kind(code: &str) -> Option<ErrorKind> {
    CODES.find(code, None).map(Code::kind)
}

/// The kind a login failure with `code` reports: the table's, or
/// [`ErrorKind::AccountRestricted`] for an unknown code (never retried automatically).
pub(crate) fn login_kind(code: &str) -> ErrorKind {
    CODES
        .kind(code, Some("login"))
        .unwrap_or(ErrorKind::AccountRestricted)
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
    let kind = CODES
        .kind(code, Some(op))
        .unwrap_or(ErrorKind::UnexpectedResponse);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_and_looks_like_a_code() {
        let codes: Vec<&str> = CODES.rows().iter().filter_map(Code::code).collect();
        for (i, code) in codes.iter().enumerate() {
            assert!(
                code.bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit()),
                "{code}"
            );
            assert!(
                codes[i + 1..].iter().all(|c| c != code),
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
    fn the_crate_docs_print_every_code_table() {
        let docs = include_str!("../lib.rs");
        for table in [CODES, ACCOUNTS_CODES, FRAMEWORK_CODES] {
            if let Err(e) = table.check_docs(docs) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn the_docs_check_fails_when_a_row_changes() {
        let docs = include_str!("../lib.rs");
        for (from, to) in [
            ("`INVALID_PIN`, ", ""),
            (
                "| `TIMEOUT_ERROR` | downstream timeout | `Timeout` |",
                "| `TIMEOUT_ERROR` | downstream timeout | `Unavailable` |",
            ),
            ("| `SERVICE_BUSY` |", "| `SERVICE_BUSY`, `MADE_UP` |"),
            (
                "| `DSC-0019` | timeout (HTTP 504) |",
                "| `DSC-0019` | a timeout |",
            ),
        ] {
            assert!(docs.contains(from), "{from}");
            let changed = docs.replacen(from, to, 1);
            let failed = [CODES, ACCOUNTS_CODES, FRAMEWORK_CODES]
                .iter()
                .filter(|t| t.check_docs(&changed).is_err())
                .count();
            assert_eq!(failed, 1, "changing {from:?} fails exactly one table");
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
}
