//! How Matchbook's answers map to [`ErrorKind`]s: the `errors[].codes` table ([`CODES`]), which
//! the [crate docs](crate) print (a unit test checks every row), and the rules for answers
//! without a code.

use session_core::ErrorKind::InvalidCredentials;
use session_core::http::HttpResponse;
use session_core::{Code, CodeTable, Error, ErrorKind};

/// The provider name used in errors, logs and store keys.
pub(crate) const NAME: &str = "matchbook";

/// The codes of a refused login (`errors[].codes`, first entry), on any 4xx that is not a 429.
pub(crate) const CODES: CodeTable = CodeTable::new(
    "Matchbook `codes`",
    &[
        Code::new(
            "LOGIN_MFA_REQUIRED",
            InvalidCredentials,
            "the account needs an MFA code: configure an MFA code source",
        ),
        Code::other(
            InvalidCredentials,
            "any other 4xx login answer, with or without a code (kept as the error's code)",
        ),
    ],
);

/// The error for a refused login: `kind` from [`CODES`] by the first code, which is kept.
pub(crate) fn login_refused(response: &HttpResponse, code: Option<&str>) -> Error {
    let status = response.status().as_u16();
    let kind = code
        .and_then(|c| CODES.kind(c, None))
        .unwrap_or(ErrorKind::InvalidCredentials);
    let message = match kind {
        ErrorKind::AccountRestricted => "account cannot log in",
        _ => "login rejected",
    };
    let e = Error::new(kind, NAME, format!("{message} (http {status})"))
        .with_http_failure(session_core::HttpFailure::Status(status));
    match code {
        Some(c) => e.with_code(c),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crate_docs_print_the_code_table() {
        let docs = include_str!("lib.rs");
        if let Err(e) = CODES.check_docs(docs) {
            panic!("{e}");
        }
        let changed = docs.replacen("`LOGIN_MFA_REQUIRED`", "`LOGIN_MFA`", 1);
        assert!(CODES.check_docs(&changed).is_err());
    }

    #[test]
    fn codes_map_to_kinds_and_are_kept() {
        let r = HttpResponse::json_body(NAME, 400, "{}");
        let e = login_refused(&r, Some("LOGIN_MFA_REQUIRED"));
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
        assert_eq!(e.code(), Some("LOGIN_MFA_REQUIRED"));
        assert_eq!(
            e.to_string(),
            "matchbook: login rejected (http 400): LOGIN_MFA_REQUIRED"
        );
        let e = login_refused(&r, Some("SOMETHING_NEW"));
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
        assert_eq!(e.code(), Some("SOMETHING_NEW"));
        let e = login_refused(&r, None);
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
        assert_eq!(e.code(), None);
    }
}
