//! [`HttpClient`]: the send path (the `https://` check, default headers, timeouts), the
//! redirect refusal, the capped body read and the classification of transport errors.

use super::*;

/// The one HTTP client every provider uses. Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    pub(super) inner: Arc<ClientInner>,
}

pub(super) struct ClientInner {
    pub(super) provider: &'static str,
    pub(super) client: reqwest::Client,
    pub(super) read_timeout: Duration,
    pub(super) timeout: Duration,
    pub(super) max_body: usize,
    pub(super) allow_insecure_loopback: bool,
    pub(super) user_agent: HeaderValue,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("provider", &self.inner.provider)
            .field("timeout", &self.inner.timeout)
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// The provider name errors carry.
    pub fn provider(&self) -> &'static str {
        self.inner.provider
    }

    fn err(&self, kind: ErrorKind, message: &'static str, failure: HttpFailure) -> Error {
        Error::new(kind, self.inner.provider, message).with_http_failure(failure)
    }

    /// Sends `request` and reads the whole response under the client's rules.
    ///
    /// Redirect statuses (301, 302, 303, 307, 308) become [`ErrorKind::UnexpectedResponse`] with
    /// [`HttpFailure::Redirect`]; every other status is returned for the provider to interpret.
    #[tracing::instrument(name = "http.send", skip_all, fields(provider = self.inner.provider))]
    pub async fn send(&self, request: Request<Vec<u8>>) -> Result<HttpResponse> {
        let uri = request.uri();
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if self.inner.allow_insecure_loopback && uri_is_loopback(uri) => {}
            _ => {
                return Err(Error::configuration(
                    self.inner.provider,
                    "refusing a request that is not https (loopback hosts may opt out)",
                ));
            }
        }
        let (mut parts, body) = request.into_parts();
        if !parts.headers.contains_key(ACCEPT) {
            parts
                .headers
                .insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        if !parts.headers.contains_key(USER_AGENT) {
            parts
                .headers
                .insert(USER_AGENT, self.inner.user_agent.clone());
        }
        let request = reqwest::Request::try_from(Request::from_parts(parts, body))
            .map_err(|_| Error::configuration(self.inner.provider, "request could not be built"))?;
        match tokio::time::timeout(self.inner.timeout, self.exchange(request)).await {
            Ok(result) => result,
            Err(_) => Err(self.err(
                ErrorKind::Timeout,
                "request timed out",
                HttpFailure::Timeout,
            )),
        }
    }

    async fn exchange(&self, request: reqwest::Request) -> Result<HttpResponse> {
        let sent_to = request.url().clone();
        let mut response =
            match tokio::time::timeout(self.inner.read_timeout, self.inner.client.execute(request))
                .await
            {
                Err(_) => {
                    return Err(self.err(
                        ErrorKind::Timeout,
                        "timed out waiting for the response",
                        HttpFailure::Timeout,
                    ));
                }
                Ok(Err(e)) => return Err(self.transport_error(&e)),
                Ok(Ok(r)) => r,
            };
        let status = response.status();
        // A client of the caller's own may follow redirects: an answer from another URL is
        // refused before its body is read.
        if matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) || response.url() != &sent_to {
            return Err(self.err(
                ErrorKind::UnexpectedResponse,
                "redirect not followed",
                HttpFailure::Redirect,
            ));
        }
        let headers = std::mem::take(response.headers_mut());
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.inner.max_body as u64) {
            return Err(self.body_too_large());
        }
        let mut buf = BytesMut::with_capacity(declared.unwrap_or(0).min(64 * 1024) as usize);
        loop {
            let chunk = match tokio::time::timeout(self.inner.read_timeout, response.chunk()).await
            {
                Err(_) => None,
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => Some(chunk),
                Ok(Err(e)) if !e.is_timeout() => {
                    return Err(self.err(
                        ErrorKind::Unavailable,
                        "response body truncated",
                        HttpFailure::TruncatedBody,
                    ));
                }
                Ok(Err(_)) => None,
            };
            let Some(chunk) = chunk else {
                return Err(self.err(
                    ErrorKind::Timeout,
                    "timed out reading the response body",
                    HttpFailure::Timeout,
                ));
            };
            if buf.len() + chunk.len() > self.inner.max_body {
                return Err(self.body_too_large());
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            provider: self.inner.provider,
            status,
            headers,
            body: buf.freeze(),
        })
    }

    fn body_too_large(&self) -> Error {
        self.err(
            ErrorKind::UnexpectedResponse,
            "response body over the size cap",
            HttpFailure::BodyTooLarge,
        )
    }

    /// Classifies a transport error; the `reqwest` error itself is dropped (its `Display` quotes
    /// the URL).
    fn transport_error(&self, e: &reqwest::Error) -> Error {
        let (mut tls, mut timed_out) = (false, false);
        visit_causes(e, &mut |cause| {
            tls |= crate::tls::is_tls_error(cause);
            timed_out |= cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut);
        });
        if tls {
            self.err(
                ErrorKind::Unavailable,
                "tls handshake failed",
                HttpFailure::Tls,
            )
        } else if timed_out || e.is_timeout() {
            self.err(
                ErrorKind::Timeout,
                "connect timed out",
                HttpFailure::Timeout,
            )
        } else if e.is_connect() {
            self.err(
                ErrorKind::Unavailable,
                "connection failed",
                HttpFailure::Connect,
            )
        } else {
            self.err(
                ErrorKind::Unavailable,
                "connection closed before a complete response",
                HttpFailure::TruncatedBody,
            )
        }
    }
}

/// Calls `f` on `error` and every cause below it: its `source()` chain and, for I/O errors, the
/// error they wrap (`io::Error::source` skips that one, and the TLS layer's errors arrive wrapped
/// in two I/O errors).
fn visit_causes(error: &(dyn StdError + 'static), f: &mut dyn FnMut(&(dyn StdError + 'static))) {
    f(error);
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        visit_causes(inner, f);
    }
    if let Some(source) = error.source() {
        visit_causes(source, f);
    }
}
