//! What a command reports, and how it is printed: one JSON object on stdout with `--json`, short
//! readable lines otherwise; and the exit code for each error kind.
//!
//! Reports hold only values a command chose to show. Secrets reach a report only through
//! [`Report::reveal`], which the commands call only when `--reveal` was given.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool reports on stdout and stderr"
)]

use std::time::SystemTime;

use serde_json::Value;
use session_core::{Error, ErrorKind};

/// Exit code: success.
pub(crate) const EXIT_OK: u8 = 0;

/// The exit code for an error of `kind` (see the contract: 2 usage or configuration,
/// 3 invalid credentials, 4 account restricted, 5 rate limited, 6 session rejected,
/// 7 timeout or unavailable, 8 unexpected response).
pub(crate) fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Configuration => 2,
        ErrorKind::InvalidCredentials => 3,
        ErrorKind::AccountRestricted => 4,
        ErrorKind::RateLimited => 5,
        ErrorKind::SessionRejected => 6,
        ErrorKind::Timeout | ErrorKind::Unavailable => 7,
        _ => 8,
    }
}

/// A wall-clock time as RFC 3339 UTC with whole seconds (`2030-01-01T00:00:00Z`); times past
/// year 9999 print as its last second, never a panic.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    session_core::timing::format_rfc3339(t)
}

/// A JSON value for an optional time: an RFC 3339 string or `null`.
pub(crate) fn time_value(t: Option<SystemTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(rfc3339(t)))
}

/// The successful result of one command: the session's expiry and the command's own fields, in
/// the order they are added.
#[derive(Default)]
pub(crate) struct Report {
    expires_at: Option<SystemTime>,
    fields: Vec<(&'static str, Value)>,
}

impl Report {
    /// An empty report (`expires_at` null).
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Sets the session's expiry.
    pub(crate) fn expires_at(mut self, t: Option<SystemTime>) -> Self {
        self.expires_at = t;
        self
    }

    /// Adds a field.
    pub(crate) fn field(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// Adds a secret the command created, because `--reveal` was given. Callers decide; this is
    /// the only way a secret value enters a report.
    pub(crate) fn reveal(self, name: &'static str, secret: &str) -> Self {
        self.field(name, Value::String(secret.to_owned()))
    }
}

/// The outcome of one command, ready to print.
pub(crate) struct Outcome {
    /// `"cas"`, `"betfair"`, `"seaware"`, `"pagos"`.
    pub(crate) provider: &'static str,
    /// The command as the contract names it (`"login"`, `"service-ticket"`, `"open"`, ...).
    pub(crate) command: String,
    /// What happened.
    pub(crate) result: Result<Report, Error>,
}

/// Writes `fields` as one JSON object, keeping their order.
pub(crate) fn json_object(fields: &[(&str, Value)]) -> String {
    let mut out = String::from("{");
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String((*name).to_owned()).to_string());
        out.push(':');
        out.push_str(&value.to_string());
    }
    out.push('}');
    out
}

/// The `error` member of a failure object.
pub(crate) fn error_value(e: &Error) -> Value {
    serde_json::json!({
        "kind": e.kind().as_str(),
        "code": e.code(),
        "message": one_line(&e.to_string()),
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Outcome {
    /// Prints the outcome (JSON on stdout with `json`; otherwise lines on stdout, or one line on
    /// stderr for a failure) and returns the exit code.
    pub(crate) fn emit(self, json: bool) -> u8 {
        let head: [(&str, Value); 2] = [
            ("provider", Value::String(self.provider.to_owned())),
            ("command", Value::String(self.command.clone())),
        ];
        match self.result {
            Ok(report) => {
                if json {
                    let mut fields: Vec<(&str, Value)> = head.to_vec();
                    fields.push(("ok", Value::Bool(true)));
                    fields.push(("expires_at", time_value(report.expires_at)));
                    fields.extend(report.fields.iter().map(|(k, v)| (*k, v.clone())));
                    println!("{}", json_object(&fields));
                } else {
                    println!("{} {}: ok", self.provider, self.command);
                    let expires = report
                        .expires_at
                        .map_or_else(|| "unknown".to_owned(), rfc3339);
                    println!("  {:<16} {}", "expires_at", expires);
                    for (name, value) in &report.fields {
                        let shown = match value {
                            Value::String(s) => s.clone(),
                            Value::Null => "-".to_owned(),
                            other => other.to_string(),
                        };
                        println!("  {name:<16} {shown}");
                    }
                }
                EXIT_OK
            }
            Err(e) => {
                if json {
                    let mut fields: Vec<(&str, Value)> = head.to_vec();
                    fields.push(("ok", Value::Bool(false)));
                    fields.push(("error", error_value(&e)));
                    println!("{}", json_object(&fields));
                } else {
                    let code = e.code().map(|c| format!(", code {c}")).unwrap_or_default();
                    eprintln!(
                        "sessions: {} {} failed: {} ({}{code})",
                        self.provider,
                        self.command,
                        one_line(&e.to_string()),
                        e.kind().as_str(),
                    );
                }
                exit_code(e.kind())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn every_kind_has_its_contract_exit_code() {
        let expected = [
            (ErrorKind::Configuration, 2),
            (ErrorKind::InvalidCredentials, 3),
            (ErrorKind::AccountRestricted, 4),
            (ErrorKind::RateLimited, 5),
            (ErrorKind::SessionRejected, 6),
            (ErrorKind::Timeout, 7),
            (ErrorKind::Unavailable, 7),
            (ErrorKind::UnexpectedResponse, 8),
        ];
        for (kind, code) in expected {
            assert_eq!(exit_code(kind), code, "{kind}");
        }
    }

    #[test]
    fn times_are_rfc3339_utc_whole_seconds() {
        let t = session_core::timing::from_unix_millis(1_893_456_000_250);
        assert_eq!(rfc3339(t), "2030-01-01T00:00:00Z");
        assert_eq!(time_value(None), Value::Null);
        // Past year 9999 (a stored expiry from an absurd lifetime) and before 1970: no panic.
        let far = SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(400_000_000_000))
            .expect("representable");
        assert_eq!(rfc3339(far), "9999-12-31T23:59:59Z");
        let early = session_core::timing::from_unix_seconds(-1);
        assert_eq!(rfc3339(early), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn json_objects_keep_field_order() {
        let s = json_object(&[("b", Value::Bool(true)), ("a", Value::from("x\"y"))]);
        assert_eq!(s, r#"{"b":true,"a":"x\"y"}"#);
    }

    #[test]
    fn error_values_carry_kind_code_and_one_line_message() {
        let e = Error::new(ErrorKind::InvalidCredentials, "betfair", "login rejected")
            .with_code("INVALID_USERNAME_OR_PASSWORD");
        let v = error_value(&e);
        assert_eq!(v["kind"], "invalid_credentials");
        assert_eq!(v["code"], "INVALID_USERNAME_OR_PASSWORD");
        assert_eq!(
            v["message"],
            "betfair: login rejected: INVALID_USERNAME_OR_PASSWORD"
        );
        let none = error_value(&Error::configuration("cas", "bad"));
        assert_eq!(none["code"], Value::Null);
    }
}
