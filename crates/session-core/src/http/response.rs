//! [`HttpResponse`]: a complete, capped response and its checks (HTML pages, JSON, text,
//! `Retry-After`, unexpected statuses).

use super::*;

/// A complete response: status, headers and the (capped) body.
#[derive(Clone)]
pub struct HttpResponse {
    pub(super) provider: &'static str,
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl HttpResponse {
    /// A response built by hand (simulators, unit tests of parsers).
    pub fn new(
        provider: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: impl Into<Bytes>,
    ) -> Self {
        Self {
            provider,
            status,
            headers,
            body: body.into(),
        }
    }

    /// A JSON response built by hand, with `Content-Type: application/json`.
    pub fn json_body(provider: &'static str, status: u16, body: impl Into<Bytes>) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Self::new(
            provider,
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers,
            body,
        )
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The provider this response belongs to.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Whether the body is an HTML page: its first bytes open an HTML document, or the content type
    /// names HTML and the body is not a JSON document. The body's shape wins over the label:
    /// servers such as oauthlib send JSON error answers as `text/html`, and those are API answers,
    /// not gateway pages.
    pub fn is_html(&self) -> bool {
        let head: Vec<u8> = self
            .body
            .iter()
            .skip_while(|b| b.is_ascii_whitespace())
            .take(15)
            .map(u8::to_ascii_lowercase)
            .collect();
        if head.starts_with(b"<!doctype html") || head.starts_with(b"<html") {
            return true;
        }
        self.content_type().to_ascii_lowercase().contains("html") && !self.is_json_document()
    }

    /// Whether the whole body is one JSON document (of any shape), whatever the content type.
    pub fn is_json_document(&self) -> bool {
        serde_json::from_slice::<serde::de::IgnoredAny>(&self.body).is_ok()
    }

    /// The error for a 404 or 405 from an endpoint whose path is fixed (a login, token, keep-alive
    /// or logout path, never one that holds a ticket): the base URL does not lead to `api`, so the
    /// answer is [`ErrorKind::Configuration`] ("no cas rest endpoint at the base url (http 404)")
    /// whether the body is an HTML "Not Found" page or not, and retrying cannot help. `None` for
    /// any other status.
    pub fn missing_endpoint(&self, api: &str) -> Option<Error> {
        let code = self.status.as_u16();
        matches!(code, 404 | 405).then(|| {
            Error::new(
                ErrorKind::Configuration,
                self.provider,
                format!("no {api} endpoint at the base url (http {code})"),
            )
            .with_http_failure(HttpFailure::Status(code))
        })
    }

    /// Whether the content type names JSON (or is absent).
    pub fn is_json_type(&self) -> bool {
        let ct = self.content_type().to_ascii_lowercase();
        ct.is_empty() || ct.contains("json")
    }

    /// The `Retry-After` header, when present and readable: delta-seconds (a number too large
    /// for `u64` saturates), or an HTTP-date measured from the response's own `Date` header (so
    /// the local clock does not matter). Callers clamp it to a ban ceiling
    /// ([`timing::ban`]).
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            return Some(
                value
                    .parse::<u64>()
                    .map_or(Duration::MAX, Duration::from_secs),
            );
        }
        let at = httpdate::parse_http_date(value).ok()?;
        let date = self.headers.get(http::header::DATE)?.to_str().ok()?;
        let sent = httpdate::parse_http_date(date.trim()).ok()?;
        Some(timing::until(sent, at))
    }

    fn err(&self, kind: ErrorKind, message: &'static str, failure: HttpFailure) -> Error {
        Error::new(kind, self.provider, message).with_http_failure(failure)
    }

    /// Parses the body as JSON after ruling out an HTML page. A gateway page is
    /// [`ErrorKind::Unavailable`], a body that ends early is [`ErrorKind::Unavailable`] with
    /// [`HttpFailure::TruncatedBody`], and anything else that is not the expected JSON is
    /// [`ErrorKind::UnexpectedResponse`]. The body and serde's message are never echoed.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        if self.is_html() {
            return Err(self.err(
                ErrorKind::Unavailable,
                "html page instead of an api response",
                HttpFailure::GatewayPage,
            ));
        }
        match serde_json::from_slice::<T>(&self.body) {
            Ok(v) => Ok(v),
            Err(e) if e.is_eof() && !self.body.is_empty() => Err(self.err(
                ErrorKind::Unavailable,
                "response body truncated",
                HttpFailure::TruncatedBody,
            )),
            Err(_) if !self.is_json_type() => Err(self.err(
                ErrorKind::UnexpectedResponse,
                "unexpected content type",
                HttpFailure::UnexpectedContentType,
            )),
            Err(_) => Err(self.err(
                ErrorKind::UnexpectedResponse,
                "malformed response body",
                HttpFailure::MalformedBody,
            )),
        }
    }

    /// The body as UTF-8 text (for plain-text APIs such as a CAS service ticket).
    pub fn text(&self) -> Result<&str> {
        if self.is_html() {
            return Err(self.err(
                ErrorKind::Unavailable,
                "html page instead of an api response",
                HttpFailure::GatewayPage,
            ));
        }
        std::str::from_utf8(&self.body).map_err(|_| {
            self.err(
                ErrorKind::UnexpectedResponse,
                "malformed response body",
                HttpFailure::MalformedBody,
            )
        })
    }

    /// The error for a status the operation did not expect: 429 is
    /// [`ErrorKind::RateLimited`] (with `Retry-After`), 5xx and gateway pages are
    /// [`ErrorKind::Unavailable`], anything else is [`ErrorKind::UnexpectedResponse`].
    pub fn unexpected_status(&self) -> Error {
        let code = self.status.as_u16();
        let failure = HttpFailure::Status(code);
        if code == 429 {
            let e = self.err(ErrorKind::RateLimited, "rate limited", failure);
            return match self.retry_after() {
                Some(after) => e.with_retry_after(after),
                None => e,
            };
        }
        if self.status.is_server_error() {
            if self.is_html() {
                return self.err(
                    ErrorKind::Unavailable,
                    "html page instead of an api response",
                    HttpFailure::GatewayPage,
                );
            }
            return Error::new(
                ErrorKind::Unavailable,
                self.provider,
                format!("upstream unavailable (http {code})"),
            )
            .with_http_failure(failure);
        }
        Error::new(
            ErrorKind::UnexpectedResponse,
            self.provider,
            format!("unexpected status (http {code})"),
        )
        .with_http_failure(failure)
    }
}
