//! How Redis failures become [`session_core::Error`]s.
//!
//! Every error this crate returns has the provider name [`NAME`] (`"redis"`), a fixed lowercase
//! message and, for errors the server sent, the server's error code (`NOAUTH`, `READONLY`...).
//! The `redis` crate's own error is never attached: its text can quote server replies, and this
//! crate keeps the rule that no error carries a URL, a reply or a secret.
//!
//! | failure | [`ErrorKind`] | code |
//! |---|---|---|
//! | the operation did not finish within the command timeout | `Timeout` | — |
//! | a socket read or connect timed out inside the client | `Timeout` | — |
//! | connection refused, reset or dropped; any other I/O failure | `Unavailable` | — |
//! | `LOADING`, `MASTERDOWN`, `TRYAGAIN`, `CLUSTERDOWN`, `READONLY` (a replica after failover), `OOM`, `BUSY` | `Unavailable` | the server's code |
//! | `NOAUTH`, `WRONGPASS`, `NOPERM`, authentication refused while connecting | `Configuration` | the server's code, when it sent one |
//! | `WRONGTYPE` (a key under the prefix holds something else) | `Configuration` | `WRONGTYPE` |
//! | a bad URL or client setting | `Configuration` | — |
//! | a stored value this store cannot open (wrong key, corrupt, sealed/unsealed mismatch) | `Configuration` | — |
//! | any other server error or an unexpected reply | `UnexpectedResponse` | the server's code, when it sent one |
//!
//! The session manager treats every store error alike: it reports the store as degraded
//! (`Health::store_degraded`, `Event::StoreUnavailable`) and carries on with local single-flight
//! login, so the kind matters for dashboards and alerts rather than for control flow.

use redis::{ErrorKind as RedisKind, RedisError, ServerErrorKind};
use session_core::{Error, ErrorKind};

/// The provider name on every error of this crate.
pub const NAME: &str = "redis";

/// Server error codes that mean "try again later" rather than "this request is wrong".
const TRANSIENT_CODES: &[&str] = &[
    "LOADING",
    "MASTERDOWN",
    "TRYAGAIN",
    "CLUSTERDOWN",
    "READONLY",
    "OOM",
    "BUSY",
];

/// Server error codes that mean the client's credentials or permissions are wrong.
const AUTH_CODES: &[&str] = &["NOAUTH", "WRONGPASS", "NOPERM"];

/// The error for an operation that did not finish within the command timeout.
pub(crate) fn timed_out() -> Error {
    Error::new(ErrorKind::Timeout, NAME, "redis operation timed out")
}

/// A configuration error with a fixed message.
pub(crate) fn configuration(message: &'static str) -> Error {
    Error::new(ErrorKind::Configuration, NAME, message)
}

/// Whether a failed attempt may be repeated at once: the connection was refused, reset or dropped
/// (the connection manager is reconnecting). Every operation of this store is idempotent, so a
/// repeated attempt cannot apply twice.
pub(crate) fn is_connection_failure(e: &RedisError) -> bool {
    e.is_io_error() && !e.is_timeout()
}

/// Maps a `redis` error to this workspace's error model (see the module table).
pub(crate) fn from_redis(e: &RedisError) -> Error {
    let code = e.code().map(str::to_owned);
    let kind = e.kind();
    let (error_kind, message) = if e.is_timeout() {
        (ErrorKind::Timeout, "redis did not answer in time")
    } else if e.is_io_error() {
        (ErrorKind::Unavailable, "redis is unreachable")
    } else if kind == RedisKind::AuthenticationFailed
        || code.as_deref().is_some_and(|c| AUTH_CODES.contains(&c))
        || kind == RedisKind::Server(ServerErrorKind::NoPerm)
    {
        (ErrorKind::Configuration, "redis refused the credentials")
    } else if code.as_deref() == Some("WRONGTYPE") {
        (
            ErrorKind::Configuration,
            "a redis key under the prefix holds another type",
        )
    } else if kind == RedisKind::InvalidClientConfig {
        (ErrorKind::Configuration, "invalid redis client settings")
    } else if code
        .as_deref()
        .is_some_and(|c| TRANSIENT_CODES.contains(&c))
    {
        (ErrorKind::Unavailable, "redis cannot serve requests now")
    } else {
        (ErrorKind::UnexpectedResponse, "unexpected reply from redis")
    };
    let error = Error::new(error_kind, NAME, message);
    match code {
        Some(code) => error.with_code(code),
        None => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(kind: std::io::ErrorKind) -> RedisError {
        RedisError::from(std::io::Error::new(kind, "detail that must not show"))
    }

    #[test]
    fn refused_and_dropped_connections_are_unavailable_and_retried() {
        for k in [
            std::io::ErrorKind::ConnectionRefused,
            std::io::ErrorKind::ConnectionReset,
            std::io::ErrorKind::UnexpectedEof,
            std::io::ErrorKind::BrokenPipe,
        ] {
            let e = io(k);
            assert!(is_connection_failure(&e));
            let mapped = from_redis(&e);
            assert_eq!(mapped.kind(), ErrorKind::Unavailable);
            assert_eq!(mapped.provider(), NAME);
            assert!(!mapped.to_string().contains("detail"));
        }
    }

    #[test]
    fn socket_timeouts_are_timeouts_and_not_retried() {
        let e = io(std::io::ErrorKind::TimedOut);
        assert!(!is_connection_failure(&e));
        assert_eq!(from_redis(&e).kind(), ErrorKind::Timeout);
        assert_eq!(timed_out().kind(), ErrorKind::Timeout);
    }

    #[test]
    fn authentication_failures_are_configuration_errors() {
        let e = RedisError::from((
            RedisKind::AuthenticationFailed,
            "Password authentication failed",
        ));
        let mapped = from_redis(&e);
        assert_eq!(mapped.kind(), ErrorKind::Configuration);
        assert!(!mapped.to_string().contains("Password"));
    }

    #[test]
    fn client_setting_errors_are_configuration_errors() {
        let e = RedisError::from((RedisKind::InvalidClientConfig, "bad"));
        assert_eq!(from_redis(&e).kind(), ErrorKind::Configuration);
    }

    #[test]
    fn unknown_failures_are_unexpected_responses() {
        let e = RedisError::from((RedisKind::Parse, "garbage"));
        assert_eq!(from_redis(&e).kind(), ErrorKind::UnexpectedResponse);
    }
}
