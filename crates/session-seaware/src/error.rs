//! How Seaware's answers map to [`ErrorKind`]s.
//!
//! | upstream answer | grant / endpoint | [`ErrorKind`] |
//! |---|---|---|
//! | `invalid_grant` | password | `InvalidCredentials` (`AccountRestricted` when the server says the account is locked, disabled or expired) |
//! | `invalid_grant` | refresh_token | `SessionRejected` (the manager logs in again) |
//! | `unsupported_grant_type` | refresh_token | refresh is switched off for this provider; the manager logs in again |
//! | `unsupported_grant_type` | password | `Configuration` |
//! | `invalid_token` | any | `SessionRejected` |
//! | `invalid_client`, `unauthorized` (Spring's client-authentication failure), `unauthorized_client`, `invalid_scope`, `invalid_request` | any | `Configuration` |
//! | `access_denied` | any | `AccountRestricted` |
//! | `server_error`, `temporarily_unavailable` | any | `Unavailable` |
//! | `slow_down`, HTTP 429 | any | `RateLimited` (with `Retry-After`) |
//! | HTTP 5xx, an HTML gateway page, a truncated body | any | `Unavailable` |
//! | a malformed body, an unknown code, a token type other than `bearer` | any | `UnexpectedResponse` |
//! | HTTP 401, or 400 `invalid_token` | logout | success: the session is already gone |
//! | HTTP 401, an `invalid_token` body, an OTA `<Errors>` body saying the session expired | a message (`/ota/rest/*`) | a rejection (see [`is_rejection`](crate::is_rejection)) |
//!
//! `error_description` is read only to tell a locked account from a wrong password; it is never
//! kept, logged or displayed, because Spring Security OAuth up to 2.5.1 echoes tokens in it.

use session_core::ErrorKind;

/// The provider name used in errors, logs and store keys.
pub(crate) const NAME: &str = "seaware";

/// The kind of an RFC 6749 error `code` returned for `grant_type`, looking at the (secret-bearing,
/// never displayed) `description` only to recognise account-state failures.
pub(crate) fn token_error_kind(
    code: &str,
    grant_type: &str,
    description: Option<&str>,
) -> ErrorKind {
    match (code, grant_type) {
        ("invalid_grant", "password") if description.is_some_and(describes_account_state) => {
            ErrorKind::AccountRestricted
        }
        ("unauthorized", _) => ErrorKind::Configuration,
        ("invalid_grant" | "invalid_token" | "unsupported_grant_type", "refresh_token") => {
            ErrorKind::SessionRejected
        }
        _ => session_core::oauth::error_kind(code, grant_type),
    }
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
}
