//! One error model for every provider.
//!
//! [`Error`] carries an [`ErrorKind`] callers match on, the provider name, the upstream's own code
//! (for example `INVALID_USERNAME_OR_PASSWORD` or `20504`), an optional [`HttpFailure`] that tells
//! transport failures apart, and a retry hint. Its `Display` is one lowercase line prefixed with the
//! provider (`betfair: login rejected: INVALID_USERNAME_OR_PASSWORD`) and never contains a body, a
//! URL, a serde message that quotes input, or a secret: messages are fixed strings chosen by this
//! workspace's code, and upstream codes are kept only when they look like codes.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in the terms a caller decides on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The upstream refused the credentials. Never retried automatically.
    InvalidCredentials,
    /// The account cannot log in now (locked, suspended, needs an action, wrong location...).
    /// Never retried automatically.
    AccountRestricted,
    /// The upstream asked us to slow down; see [`Error::retry_after`].
    RateLimited,
    /// The upstream no longer accepts the session (expired, logged out, unknown).
    SessionRejected,
    /// The request did not finish in time.
    Timeout,
    /// The upstream could not be reached or answered with a transient failure (5xx, a gateway page,
    /// a truncated body, a connection error).
    Unavailable,
    /// The upstream answered with something this client does not understand (including a redirect,
    /// which is never followed, and a body over the size cap).
    UnexpectedResponse,
    /// The client is configured wrongly (bad URL, insecure scheme, unusable certificate file...).
    Configuration,
}

impl ErrorKind {
    /// The kind as a `snake_case` string, as the `sessions` tool prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountRestricted => "account_restricted",
            Self::RateLimited => "rate_limited",
            Self::SessionRejected => "session_rejected",
            Self::Timeout => "timeout",
            Self::Unavailable => "unavailable",
            Self::UnexpectedResponse => "unexpected_response",
            Self::Configuration => "configuration",
        }
    }

    /// Whether a later attempt of the same request may succeed without any change.
    pub fn is_transient(self) -> bool {
        matches!(self, Self::Timeout | Self::Unavailable)
    }

    /// Whether a failed login of this kind must not be retried automatically.
    pub fn is_login_final(self) -> bool {
        matches!(self, Self::InvalidCredentials | Self::AccountRestricted)
    }

    /// Every kind, in the order the crate docs list them.
    pub const ALL: [ErrorKind; 8] = [
        Self::InvalidCredentials,
        Self::AccountRestricted,
        Self::RateLimited,
        Self::SessionRejected,
        Self::Timeout,
        Self::Unavailable,
        Self::UnexpectedResponse,
        Self::Configuration,
    ];

    /// What the kind means, in a few words (the crate docs' error table).
    pub fn meaning(self) -> &'static str {
        match self {
            Self::InvalidCredentials => "the upstream refused the credentials",
            Self::AccountRestricted => {
                "the account cannot log in now (locked, suspended, location...)"
            }
            Self::RateLimited => "too many requests; see `Error::retry_after`",
            Self::SessionRejected => "the upstream no longer accepts the session",
            Self::Timeout => "connect, read or total timeout",
            Self::Unavailable => "connection failure, 5xx, gateway page, truncated body",
            Self::UnexpectedResponse => {
                "a body or status this client does not understand, a redirect, an oversized body"
            }
            Self::Configuration => {
                "bad URL or scheme, unusable certificate, mismatched stored session"
            }
        }
    }

    /// Whether and how the session manager retries after a failure of this kind, in a few
    /// words (the "retried automatically" column of every code table).
    pub fn retried(self) -> &'static str {
        match self {
            Self::InvalidCredentials | Self::AccountRestricted => "never; remembered until reset",
            Self::RateLimited => "not inside the ban window",
            Self::SessionRejected => "the manager logs in again",
            Self::Timeout | Self::Unavailable => "yes, with backoff (`Error::is_retryable`)",
            Self::UnexpectedResponse | Self::Configuration => "no",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which transport-level rule a response broke, for callers and tests that need to tell
/// failures of the same [`ErrorKind`] apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpFailure {
    /// The connection could not be made (refused, DNS, reset).
    Connect,
    /// The TLS handshake failed.
    Tls,
    /// A connect, read or total timeout fired.
    Timeout,
    /// The server answered with a redirect, which is never followed.
    Redirect,
    /// An HTML page (typically a gateway or maintenance page) came instead of the API's format.
    GatewayPage,
    /// The body ended before its declared length or before the document was complete.
    TruncatedBody,
    /// The body was larger than the configured cap.
    BodyTooLarge,
    /// The body was not valid in the expected format (for example malformed JSON).
    MalformedBody,
    /// The `Content-Type` was not the expected one.
    UnexpectedContentType,
    /// The status code was not one the operation expects.
    Status(u16),
}

/// The error type of every session operation.
///
/// Cheap to clone (the manager hands one failed login's error to every waiting caller).
#[derive(Clone)]
pub struct Error {
    inner: Arc<Inner>,
}

/// What an [`Error`] holds. `Display` (derived with `thiserror`) is one line,
/// `provider: message[: code]`, and never more: the cause's text stays out of it. The cause is
/// shared in an `Arc` (errors are cloned to every waiting caller), so [`Error`]'s
/// `source()` is written by hand to hand out the cause itself, which then downcasts to its own
/// type; a derived `#[source]` would hand out the `Arc`.
#[derive(thiserror::Error)]
#[error("{provider}: {message}{code}", code = CodeSuffix(.code.as_deref()))]
struct Inner {
    kind: ErrorKind,
    provider: &'static str,
    message: Cow<'static, str>,
    code: Option<String>,
    retry_after: Option<Duration>,
    http: Option<HttpFailure>,
    cause: Option<Arc<dyn StdError + Send + Sync>>,
}

/// `: CODE` after the message when there is a code.
struct CodeSuffix<'a>(Option<&'a str>);

impl fmt::Display for CodeSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(code) => write!(f, ": {code}"),
            None => Ok(()),
        }
    }
}

/// The longest upstream code kept; longer values are dropped as not being codes.
const MAX_CODE_LEN: usize = 64;

/// Keeps an upstream code only when it looks like one: short, ASCII letters, digits and `_-.:`.
/// Anything else (a sentence, a value echoed from input, a token) is dropped.
fn sanitize_code(code: &str) -> Option<String> {
    let code = code.trim();
    looks_like_code(code).then(|| code.to_owned())
}

/// Shows upstream text in a `Debug` impl only when it looks like a code ([`looks_like_code`]):
/// [`UpstreamText::code`] for one value (a token type such as `bearer`),
/// [`UpstreamText::words`] for a space-separated list of codes (a scope such as `read write`).
/// Anything else prints as `[REDACTED]`, since an upstream may echo a secret in any field.
pub struct UpstreamText<'a> {
    text: &'a str,
    words: bool,
}

impl<'a> UpstreamText<'a> {
    /// One code-like value.
    pub fn code(text: &'a str) -> Self {
        Self { text, words: false }
    }

    /// A space-separated list of code-like values.
    pub fn words(text: &'a str) -> Self {
        Self { text, words: true }
    }
}

impl fmt::Debug for UpstreamText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = if self.words {
            let mut words = self.text.split_ascii_whitespace().peekable();
            words.peek().is_some() && words.all(looks_like_code)
        } else {
            looks_like_code(self.text)
        };
        if shown || self.text.is_empty() {
            fmt::Debug::fmt(self.text, f)
        } else {
            f.write_str("[REDACTED]")
        }
    }
}

/// Whether upstream text looks like a code (`INVALID_USERNAME_OR_PASSWORD`, `20504`,
/// `SessionFailure-101`): non-empty, at most 64 bytes, ASCII letters, digits and `_ - . :`. Only
/// such text is ever kept in an [`Error`] or shown by a `Debug` impl of this workspace; anything
/// else an upstream sends (a message, an echoed token) is dropped or redacted.
pub fn looks_like_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}

impl Error {
    /// A new error of `kind` from `provider` with a fixed, non-secret `message` such as
    /// `"login rejected"`. Never build the message from a response body or a URL.
    pub fn new(
        kind: ErrorKind,
        provider: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                kind,
                provider,
                message: message.into(),
                code: None,
                retry_after: None,
                http: None,
                cause: None,
            }),
        }
    }

    /// A [`ErrorKind::Configuration`] error.
    pub fn configuration(provider: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Configuration, provider, message)
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::get_mut(&mut self.inner).expect("builder methods run before the error is shared")
    }

    /// Attaches the upstream's code (for example `INVALID_USERNAME_OR_PASSWORD`, `20504`).
    /// A value that does not look like a code (too long, spaces, punctuation) is dropped.
    #[must_use]
    pub fn with_code(mut self, code: impl AsRef<str>) -> Self {
        if Arc::get_mut(&mut self.inner).is_none() {
            self.inner = Arc::new(self.inner.clone_shallow());
        }
        self.inner_mut().code = sanitize_code(code.as_ref());
        self
    }

    /// Attaches how long to wait before trying again, clamped to
    /// [`timing::MAX_BAN`](crate::timing::MAX_BAN) (24 hours): an upstream asking for longer is
    /// still obeyed for a day, and no deadline computed from it can overflow.
    #[must_use]
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        if Arc::get_mut(&mut self.inner).is_none() {
            self.inner = Arc::new(self.inner.clone_shallow());
        }
        self.inner_mut().retry_after = Some(after.min(crate::timing::MAX_BAN));
        self
    }

    /// Attaches the transport rule that failed.
    #[must_use]
    pub fn with_http_failure(mut self, failure: HttpFailure) -> Self {
        if Arc::get_mut(&mut self.inner).is_none() {
            self.inner = Arc::new(self.inner.clone_shallow());
        }
        self.inner_mut().http = Some(failure);
        self
    }

    /// Attaches an underlying error. It must not carry a URL, a body or a secret in its own
    /// `Display`/`Debug`; the HTTP layer strips those before calling this.
    #[must_use]
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        if Arc::get_mut(&mut self.inner).is_none() {
            self.inner = Arc::new(self.inner.clone_shallow());
        }
        self.inner_mut().cause = Some(Arc::new(source));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The provider that reported it (`"betfair"`, `"cas"`, ...).
    pub fn provider(&self) -> &'static str {
        self.inner.provider
    }

    /// The fixed description, without the provider prefix and the code.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The upstream's own error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// How long to wait before trying again, when the upstream or a local ban says so.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The transport rule that failed, for transport-level errors.
    pub fn http_failure(&self) -> Option<HttpFailure> {
        self.inner.http
    }

    /// Whether repeating the same call later may succeed without changing anything:
    /// timeouts and unavailability are; bad credentials, account state and bans are not.
    pub fn is_retryable(&self) -> bool {
        self.inner.kind.is_transient()
    }
}

impl Inner {
    fn clone_shallow(&self) -> Self {
        Self {
            kind: self.kind,
            provider: self.provider,
            message: self.message.clone(),
            code: self.code.clone(),
            retry_after: self.retry_after,
            http: self.http,
            cause: self.cause.clone(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .cause
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind)
            .field("provider", &self.provider)
            .field("message", &self.message);
        if let Some(code) = &self.code {
            d.field("code", code);
        }
        if let Some(after) = &self.retry_after {
            d.field("retry_after", after);
        }
        if let Some(http) = &self.http {
            d.field("http", http);
        }
        if let Some(source) = &self.cause {
            d.field("source", &format_args!("{source}"));
        }
        d.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_lowercase_line_with_provider_and_code() {
        let e = Error::new(ErrorKind::InvalidCredentials, "betfair", "login rejected")
            .with_code("INVALID_USERNAME_OR_PASSWORD");
        assert_eq!(
            e.to_string(),
            "betfair: login rejected: INVALID_USERNAME_OR_PASSWORD"
        );
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
        assert_eq!(e.code(), Some("INVALID_USERNAME_OR_PASSWORD"));
        assert!(!e.is_retryable());
    }

    #[test]
    fn codes_that_are_not_codes_are_dropped() {
        let e = Error::new(ErrorKind::UnexpectedResponse, "cas", "bad")
            .with_code("ticket TGT-1-abc is bad");
        assert_eq!(e.code(), None);
        let long = "A".repeat(65);
        assert_eq!(
            Error::new(ErrorKind::UnexpectedResponse, "cas", "x")
                .with_code(long)
                .code(),
            None
        );
        assert_eq!(
            Error::new(ErrorKind::AccountRestricted, "cas", "x")
                .with_code(" 20504 ")
                .code(),
            Some("20504")
        );
    }

    #[test]
    fn the_crate_docs_list_every_kind_as_the_code_says() {
        let mut expected = vec![
            "| [`ErrorKind`] | meaning | retried automatically |".to_owned(),
            "|---|---|---|".to_owned(),
        ];
        for kind in ErrorKind::ALL {
            expected.push(format!(
                "| `{kind:?}` | {} | {} |",
                kind.meaning(),
                kind.retried()
            ));
        }
        let docs = crate::codes::doc_text(include_str!("lib.rs"));
        let start = docs
            .iter()
            .position(|l| *l == expected[0])
            .expect("the crate docs have the table of kinds");
        let printed: Vec<&str> = docs[start..]
            .iter()
            .copied()
            .take_while(|l| l.starts_with('|'))
            .collect();
        assert_eq!(
            printed, expected,
            "print the table of kinds as the code says"
        );
        let unique: std::collections::HashSet<_> = ErrorKind::ALL.iter().collect();
        assert_eq!(unique.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn retryable_only_for_transient_kinds() {
        for (kind, retry) in [
            (ErrorKind::Timeout, true),
            (ErrorKind::Unavailable, true),
            (ErrorKind::RateLimited, false),
            (ErrorKind::SessionRejected, false),
            (ErrorKind::InvalidCredentials, false),
            (ErrorKind::AccountRestricted, false),
            (ErrorKind::UnexpectedResponse, false),
            (ErrorKind::Configuration, false),
        ] {
            assert_eq!(Error::new(kind, "p", "m").is_retryable(), retry, "{kind}");
        }
    }

    #[test]
    fn builders_work_on_a_shared_error() {
        let a = Error::new(ErrorKind::RateLimited, "betfair", "login rate limited");
        let b = a.clone().with_retry_after(Duration::from_secs(5));
        assert_eq!(a.retry_after(), None);
        assert_eq!(b.retry_after(), Some(Duration::from_secs(5)));
    }

    #[test]
    fn kinds_print_snake_case() {
        assert_eq!(ErrorKind::SessionRejected.to_string(), "session_rejected");
        assert_eq!(
            ErrorKind::UnexpectedResponse.as_str(),
            "unexpected_response"
        );
    }
}
