//! How Seaware's answers map to [`ErrorKind`]s: Seaware's own reading of some RFC 6749 codes
//! (`CODES`), then the core's table for the rest ([`session_core::oauth::CODES`]). The
//! [crate docs](crate) print both tables (a unit test checks every row)
//! and the rules for answers without a code.
//!
//! `error_description` is read only to tell a locked account from a wrong password; it is never
//! kept, logged or displayed, because Spring Security OAuth up to 2.5.1 echoes tokens in it.

use session_core::ErrorKind::{Configuration, InvalidCredentials, SessionRejected};
use session_core::{Code, CodeTable, ErrorKind};

/// The provider name used in errors, logs and store keys.
pub(crate) const NAME: &str = "seaware";

/// Where Seaware (Spring Security OAuth) differs from the core's RFC 6749 table, by grant.
pub(crate) const CODES: CodeTable = CodeTable::new(
    "Seaware `error`",
    &[
        Code::new(
            "invalid_grant",
            InvalidCredentials,
            "bad credentials; `AccountRestricted` when the description names a locked, disabled or expired account",
        )
        .when(&["password"]),
        Code::new(
            "invalid_grant",
            SessionRejected,
            "the refresh token is dead: one new login",
        )
        .when(&["refresh_token"]),
        Code::new(
            "invalid_token",
            SessionRejected,
            "the refresh token is dead: one new login",
        )
        .when(&["refresh_token"]),
        Code::new(
            "unsupported_grant_type",
            SessionRejected,
            "refresh is switched off for this provider: one new login (no error)",
        )
        .when(&["refresh_token"]),
        Code::new(
            "unauthorized",
            Configuration,
            "Spring Security's client-authentication failure",
        ),
    ],
)
.when_column("grant");

/// The kind of an RFC 6749 error `code` returned for `grant_type` ([`CODES`], then the core's
/// table), looking at the (secret-bearing, never displayed) `description` only to recognise
/// account-state failures.
pub(crate) fn token_error_kind(
    code: &str,
    grant_type: &str,
    description: Option<&str>,
) -> ErrorKind {
    if code == "invalid_grant"
        && grant_type == "password"
        && description.is_some_and(describes_account_state)
    {
        return ErrorKind::AccountRestricted;
    }
    CODES.find(code, Some(grant_type)).map_or_else(
        || session_core::oauth::error_kind(code, grant_type),
        Code::kind,
    )
}

/// Whether a Spring Security `invalid_grant` description names an account state rather than bad
/// credentials: "User account is locked", "User is disabled", "User account has expired",
/// "User credentials have expired".
fn describes_account_state(description: &str) -> bool {
    let d = description.to_ascii_lowercase();
    d.contains("locked")
        || d.contains("disabled")
        || (d.contains("expired") && (d.contains("account") || d.contains("credentials")))
}

/// The fixed message for an error of `kind` from the token endpoint.
pub(crate) fn token_message(kind: ErrorKind, grant_type: &str) -> &'static str {
    match (kind, grant_type) {
        (ErrorKind::InvalidCredentials, _) => "login rejected",
        (ErrorKind::AccountRestricted, _) => "account cannot log in",
        (ErrorKind::SessionRejected, "refresh_token") => "refresh token rejected",
        (ErrorKind::SessionRejected, _) => "token rejected",
        (ErrorKind::Configuration, _) => "token request refused",
        (ErrorKind::RateLimited, _) => "rate limited",
        (ErrorKind::Unavailable, _) => "token endpoint unavailable",
        _ => "token request failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_maps_codes_by_grant() {
        let cases = [
            (
                "invalid_grant",
                "password",
                None,
                ErrorKind::InvalidCredentials,
            ),
            (
                "invalid_grant",
                "password",
                Some("Bad credentials"),
                ErrorKind::InvalidCredentials,
            ),
            (
                "invalid_grant",
                "password",
                Some("User account is locked"),
                ErrorKind::AccountRestricted,
            ),
            (
                "invalid_grant",
                "password",
                Some("User is disabled"),
                ErrorKind::AccountRestricted,
            ),
            (
                "invalid_grant",
                "password",
                Some("User credentials have expired"),
                ErrorKind::AccountRestricted,
            ),
            (
                "invalid_grant",
                "refresh_token",
                None,
                ErrorKind::SessionRejected,
            ),
            (
                "unsupported_grant_type",
                "refresh_token",
                None,
                ErrorKind::SessionRejected,
            ),
            (
                "unsupported_grant_type",
                "password",
                None,
                ErrorKind::Configuration,
            ),
            (
                "invalid_token",
                "password",
                None,
                ErrorKind::SessionRejected,
            ),
            ("invalid_client", "password", None, ErrorKind::Configuration),
            ("unauthorized", "password", None, ErrorKind::Configuration),
            ("invalid_scope", "password", None, ErrorKind::Configuration),
            (
                "access_denied",
                "password",
                None,
                ErrorKind::AccountRestricted,
            ),
            ("server_error", "password", None, ErrorKind::Unavailable),
            ("slow_down", "password", None, ErrorKind::RateLimited),
            (
                "something_else",
                "password",
                None,
                ErrorKind::UnexpectedResponse,
            ),
        ];
        for (code, grant, description, kind) in cases {
            assert_eq!(
                token_error_kind(code, grant, description),
                kind,
                "{code} {grant} {description:?}"
            );
        }
    }

    #[test]
    fn the_crate_docs_print_seawares_table_and_the_cores() {
        let docs = include_str!("lib.rs");
        for table in [CODES, session_core::oauth::CODES] {
            if let Err(e) = table.check_docs(docs) {
                panic!("{e}");
            }
        }
        let changed = docs.replacen("`invalid_grant`, `invalid_token`", "`invalid_grant`", 1);
        assert_ne!(changed, docs);
        assert!(CODES.check_docs(&changed).is_err());
    }
}
