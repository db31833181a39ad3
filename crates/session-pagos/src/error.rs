//! How Pagos failures become [`session_core::Error`]s, and the [`PagosFailure`] detail that keeps
//! the upstream's `Messages` out of every `Display` and `Debug`.
//!
//! Pagos reports application failures in-band: HTTP 200 with `Success: false`, an `InvalidToken`
//! flag and a list of free-text `Messages`. Pagos sends no error codes, so `CODES` holds this
//! crate's own labels for the flag combinations; they are what [`Error::code`] returns, and the
//! errors below take their kinds from that table. The [crate docs](crate) print it (a unit
//! test checks every row) beside the answers that carry no code; the token endpoint's codes map
//! by the core's RFC 6749 table ([`session_core::oauth::CODES`]).

use std::error::Error as StdError;
use std::fmt;

use session_core::{Code, CodeTable, Error, ErrorKind};

/// The provider name every error and log line carries.
pub(crate) const NAME: &str = "pagos";

/// The crate's code for a rejected bearer token.
pub(crate) const CODE_INVALID_TOKEN: &str = "INVALID_TOKEN";
/// The crate's code for an `OpenDedicatedSession` refused for another reason.
pub(crate) const CODE_OPEN_REFUSED: &str = "OPEN_REFUSED";
/// The crate's code for a success answer without a usable session id.
pub(crate) const CODE_INVALID_SESSION_ID: &str = "INVALID_SESSION_ID";

/// This crate's codes for Pagos's flag combinations, in the order the crate docs print them.
pub(crate) const CODES: CodeTable = CodeTable::new(
    "code",
    &[
        Code::new(
            CODE_INVALID_TOKEN,
            ErrorKind::SessionRejected,
            "`InvalidToken: true` or HTTP 401, after one token renewal and retry (at once with a fixed token)",
        ),
        Code::new(
            CODE_OPEN_REFUSED,
            ErrorKind::InvalidCredentials,
            "`OpenDedicatedSession`: `Success: false`, `InvalidToken: false` (e.g. \"The requested application is invalid.\")",
        ),
        Code::new(
            CODE_INVALID_SESSION_ID,
            ErrorKind::UnexpectedResponse,
            "`OpenDedicatedSession`: `Success: true` without a non-nil GUID `SessionId`",
        ),
    ],
);

/// An error with one of this crate's `code`s, of the kind [`CODES`] gives it.
fn coded(code: &'static str, message: &'static str) -> Error {
    let kind = CODES
        .find(code, None)
        .map_or(ErrorKind::UnexpectedResponse, Code::kind);
    Error::new(kind, NAME, message).with_code(code)
}

/// At most this many upstream messages are kept.
pub const MAX_MESSAGES: usize = 8;
/// Each kept upstream message is cut to at most this many characters.
pub const MAX_MESSAGE_CHARS: usize = 256;

/// What Pagos said when it refused a request: the `InvalidToken` flag, the HTTP status when it was
/// not 200, and the `Messages` list — bounded to [`MAX_MESSAGES`] messages of at most
/// [`MAX_MESSAGE_CHARS`] characters, control characters replaced, and every secret this client sent
/// with the request (bearer token, application key, session id) replaced by `[REDACTED]`.
///
/// The messages are upstream text, so they appear in neither this type's `Display` nor its
/// `Debug` (nor, therefore, in the `Display`/`Debug` of the [`Error`] that carries it). Read them
/// through [`messages`](PagosFailure::messages):
///
/// ```
/// # fn handle(err: session_pagos::Error) {
/// use session_pagos::PagosFailure;
/// if let Some(failure) = PagosFailure::of(&err) {
///     for message in failure.messages() {
///         // Decide yourself whether this text may go into your logs.
///         let _ = message;
///     }
/// }
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PagosFailure {
    invalid_token: bool,
    status: Option<u16>,
    messages: Vec<String>,
}

impl PagosFailure {
    /// Builds a failure from the upstream's flags and messages, bounding and redacting them.
    pub(crate) fn new(
        invalid_token: bool,
        status: Option<u16>,
        messages: Vec<String>,
        redact: &[&str],
    ) -> Self {
        Self {
            invalid_token,
            status,
            messages: bound_messages(messages, redact),
        }
    }

    /// The failure carried by `error` (anywhere in its source chain), if Pagos reported one.
    pub fn of(error: &Error) -> Option<&PagosFailure> {
        let mut current: Option<&(dyn StdError + 'static)> = error.source();
        while let Some(e) = current {
            if let Some(f) = e.downcast_ref::<PagosFailure>() {
                return Some(f);
            }
            current = e.source();
        }
        None
    }

    /// Whether Pagos said the bearer token was the cause (`InvalidToken: true`, or HTTP 401).
    pub fn invalid_token(&self) -> bool {
        self.invalid_token
    }

    /// The HTTP status, when it was not 200 (for example 401).
    pub fn http_status(&self) -> Option<u16> {
        self.status
    }

    /// The upstream's `Messages`, bounded and redacted as described on the type. Upstream text:
    /// not a stable contract, and not vetted for your logs.
    pub fn messages(&self) -> &[String] {
        &self.messages
    }
}

impl fmt::Display for PagosFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pagos reported a failure (invalid token: {}, {} message(s))",
            self.invalid_token,
            self.messages.len()
        )
    }
}

impl fmt::Debug for PagosFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagosFailure")
            .field("invalid_token", &self.invalid_token)
            .field("http_status", &self.status)
            .field("messages", &self.messages.len())
            .finish()
    }
}

impl StdError for PagosFailure {}

/// Bounds, cleans and redacts upstream messages.
pub(crate) fn bound_messages(messages: Vec<String>, redact: &[&str]) -> Vec<String> {
    messages
        .into_iter()
        .take(MAX_MESSAGES)
        .map(|m| {
            let mut m = m;
            for secret in redact {
                if !secret.is_empty() && m.contains(secret) {
                    m = m.replace(secret, "[REDACTED]");
                }
            }
            m.chars()
                .take(MAX_MESSAGE_CHARS)
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        })
        .collect()
}

/// The bearer token was rejected and renewing it did not help (or could not: a fixed token).
pub(crate) fn token_rejected(failure: PagosFailure) -> Error {
    coded(CODE_INVALID_TOKEN, "bearer token rejected").with_source(failure)
}

/// `OpenDedicatedSession` answered `Success: false` for a reason other than the token.
pub(crate) fn open_refused(failure: PagosFailure) -> Error {
    coded(CODE_OPEN_REFUSED, "dedicated session refused").with_source(failure)
}

/// A success answer without a usable `SessionId`.
pub(crate) fn invalid_session_id() -> Error {
    coded(
        CODE_INVALID_SESSION_ID,
        "success without a valid session id",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_bounded_cleaned_and_redacted() {
        let many: Vec<String> = (0..20).map(|i| format!("m{i}")).collect();
        assert_eq!(bound_messages(many, &[]).len(), MAX_MESSAGES);
        let long = "x".repeat(10_000);
        assert_eq!(
            bound_messages(vec![long], &[])[0].chars().count(),
            MAX_MESSAGE_CHARS
        );
        let out = bound_messages(
            vec!["bad token TOK-SENTINEL-1\nsecond line".into()],
            &["TOK-SENTINEL-1", ""],
        );
        assert_eq!(out, vec!["bad token [REDACTED] second line".to_owned()]);
    }

    #[test]
    fn failure_keeps_messages_out_of_display_and_debug() {
        let f = PagosFailure::new(true, None, vec!["UPSTREAM-TEXT".into()], &[]);
        let e = token_rejected(f);
        assert_eq!(e.kind(), ErrorKind::SessionRejected);
        assert_eq!(e.to_string(), "pagos: bearer token rejected: INVALID_TOKEN");
        assert!(!format!("{e} {e:?} {e:#?}").contains("UPSTREAM-TEXT"));
        let f = PagosFailure::of(&e).expect("failure attached");
        assert!(f.invalid_token());
        assert_eq!(f.messages(), ["UPSTREAM-TEXT"]);
        assert!(!format!("{f} {f:?}").contains("UPSTREAM-TEXT"));
    }

    #[test]
    fn each_error_takes_its_kind_and_code_from_the_table() {
        let f = || PagosFailure::new(false, None, Vec::new(), &[]);
        for (e, code) in [
            (token_rejected(f()), CODE_INVALID_TOKEN),
            (open_refused(f()), CODE_OPEN_REFUSED),
            (invalid_session_id(), CODE_INVALID_SESSION_ID),
        ] {
            assert_eq!(e.code(), Some(code));
            assert_eq!(Some(e.kind()), CODES.kind(code, None), "{code}");
        }
        assert_eq!(open_refused(f()).kind(), ErrorKind::InvalidCredentials);
        assert_eq!(invalid_session_id().kind(), ErrorKind::UnexpectedResponse);
    }

    #[test]
    fn the_crate_docs_print_the_code_table() {
        let docs = include_str!("lib.rs");
        if let Err(e) = CODES.check_docs(docs) {
            panic!("{e}");
        }
        let changed = docs.replacen("| `OPEN_REFUSED` |", "| `OPEN_DENIED` |", 1);
        assert_ne!(changed, docs);
        let e = CODES.check_docs(&changed).unwrap_err();
        assert!(
            e.contains("`OPEN_REFUSED`: missing") && e.contains("`OPEN_DENIED`: in the docs"),
            "{e}"
        );
    }

    #[test]
    fn errors_without_failure_have_none() {
        assert!(PagosFailure::of(&invalid_session_id()).is_none());
    }
}
