//! HTTP rules shared by every provider.
//!
//! One client factory ([`HttpClient::builder`]) sets connect, read and total timeouts, never
//! follows redirects, accepts only `https://` (with an explicit opt-out that is honoured only for
//! loopback hosts), caps response bodies and sends `Accept: application/json` unless the request
//! says otherwise. Providers build requests as plain [`http::Request`]s in pure functions and parse
//! [`HttpResponse`]s; the I/O in between is [`HttpClient::send`].
//!
//! The transport is one `reqwest` client per provider, configured here: the TLS backend chosen by
//! Cargo feature ([`TlsBackend`]: rustls with `aws-lc-rs` by default, rustls with `ring`, or
//! native-tls), the backend's default roots plus any
//! [`add_root_pem`](HttpClientBuilder::add_root_pem), an optional client certificate, no proxy
//! unless one is set ([`HttpClientBuilder::proxy`]; loopback hosts are always reached directly),
//! no redirects and no decompression unless asked for ([`HttpClientBuilder::gzip`]). A client of
//! your own can be used instead ([`HttpClientBuilder::reqwest_client`]). Nothing here logs a URL,
//! a header or a body, and no error carries one: `reqwest` errors are classified and dropped,
//! never displayed, because they quote the URL, and URLs here can hold CAS tickets or a
//! documented query-string password.
//!
//! # TLS backends and roots
//!
//! | backend (feature) | implementation | crypto | default roots |
//! |---|---|---|---|
//! | `rustls` (default) | rustls | `aws-lc-rs`, as `reqwest`'s own default | the operating system's, through `rustls-platform-verifier` |
//! | `rustls-ring` | rustls | `ring` | the operating system's, through `rustls-platform-verifier` |
//! | `native-tls` | OpenSSL / Secure Transport / SChannel | the platform's | the platform library's trust store |
//!
//! The rustls backends give `reqwest` a complete `rustls::ClientConfig` built with an explicit
//! crypto provider: this crate never reads or installs a process-wide default provider, and it
//! enables only the provider feature you chose.

use std::error::Error as StdError;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use http::{HeaderMap, HeaderValue, Request, StatusCode, Uri};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, ErrorKind, HttpFailure, Result};
use crate::timing;
pub use crate::tls::TlsBackend;
/// The `reqwest` this crate is built on, for [`HttpClientBuilder::reqwest_client`] without a
/// dependency of your own (or to check yours is the same major version).
pub use reqwest;

/// Hosts that never go through a proxy: every loopback name and address.
const LOOPBACK_NO_PROXY: &str = "localhost,127.0.0.0/8,::1";

/// The default cap on a response body: 1 MiB, far above any session API's answer.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// Checks that `url` may be used: `https://`, or `http://` to a loopback host when
/// `allow_insecure_loopback` is set. Providers call this when they are built, so a bad base URL
/// fails at configuration time.
pub fn check_url(provider: &'static str, url: &Url, allow_insecure_loopback: bool) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_insecure_loopback && is_loopback(url) => Ok(()),
        "http" if allow_insecure_loopback => Err(Error::configuration(
            provider,
            "http:// is allowed only for loopback hosts",
        )),
        "http" => Err(Error::configuration(
            provider,
            "http:// is refused; use https:// (loopback hosts may opt out)",
        )),
        _ => Err(Error::configuration(provider, "unsupported url scheme")),
    }
}

/// Parses a base URL and checks it with [`check_url`]. The parse error is not echoed (a URL may
/// hold credentials).
pub fn parse_base_url(
    provider: &'static str,
    url: &str,
    allow_insecure_loopback: bool,
) -> Result<Url> {
    let url = Url::parse(url).map_err(|_| Error::configuration(provider, "invalid base url"))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::configuration(provider, "invalid base url"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::configuration(
            provider,
            "base url must not contain credentials",
        ));
    }
    check_url(provider, &url, allow_insecure_loopback)?;
    Ok(url)
}

/// Appends path segments to a base URL, percent-encoding each segment (so a ticket containing `/`
/// or `?` stays one segment).
pub fn join_segments(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    {
        let mut path = url
            .path_segments_mut()
            .expect("base urls are checked to be bases");
        path.pop_if_empty();
        for s in segments {
            path.push(s);
        }
    }
    url
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn uri_is_loopback(uri: &Uri) -> bool {
    match uri.host() {
        Some(h) if h.eq_ignore_ascii_case("localhost") => true,
        Some(h) => h
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false),
        None => false,
    }
}

/// The HTTP options every provider builder offers, in one place: the loopback opt-out, timeouts,
/// extra root certificates, a proxy, the TLS backend and a client of the caller's own. Providers
/// keep one of these and turn it into a client and a checked base URL.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct HttpOptions {
    /// Allow `http://` to loopback hosts (tests, local simulators); other hosts need `https://`.
    pub allow_insecure_loopback: bool,
    /// Whole-request timeout, also used as the read timeout (default 30 s).
    pub timeout: Option<Duration>,
    /// Connect timeout (default 10 s).
    pub connect_timeout: Option<Duration>,
    /// Extra trusted root certificates, PEM.
    pub root_pems: Vec<Vec<u8>>,
    /// A proxy for every request to a non-loopback host (see [`HttpClientBuilder::proxy`]).
    pub proxy: Option<String>,
    /// Hosts reached directly although a proxy is set (see [`HttpClientBuilder::no_proxy`]).
    pub no_proxy: Option<String>,
    /// The TLS backend (default [`TlsBackend::preferred`]).
    pub tls_backend: Option<TlsBackend>,
    /// A `reqwest` client to use instead of building one (see
    /// [`HttpClientBuilder::reqwest_client`]).
    pub client: Option<reqwest::Client>,
}

impl fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpOptions")
            .field("allow_insecure_loopback", &self.allow_insecure_loopback)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("root_pems", &self.root_pems.len())
            // A proxy URL may carry credentials.
            .field("proxy", &self.proxy.as_ref().map(|_| "[set]"))
            .field("no_proxy", &self.no_proxy)
            .field("tls_backend", &self.tls_backend)
            .field("own_client", &self.client.is_some())
            .finish()
    }
}

impl HttpOptions {
    /// Options with every default: `https://` only, 30 s timeouts, default roots, no proxy.
    pub fn new() -> Self {
        Self::default()
    }

    /// A client builder with these options applied, for callers that add more (a client
    /// certificate, a body cap).
    pub fn builder(&self, provider: &'static str) -> Result<HttpClientBuilder> {
        let mut b =
            HttpClient::builder(provider).allow_insecure_loopback(self.allow_insecure_loopback);
        if let Some(t) = self.timeout {
            b = b.timeout(t).read_timeout(t);
        }
        if let Some(t) = self.connect_timeout {
            b = b.connect_timeout(t);
        }
        for pem in &self.root_pems {
            b = b.add_root_pem(pem)?;
        }
        if let Some(proxy) = &self.proxy {
            b = b.proxy(proxy)?;
        }
        if let Some(hosts) = &self.no_proxy {
            b = b.no_proxy(hosts);
        }
        if let Some(backend) = self.tls_backend {
            b = b.tls_backend(backend);
        }
        if let Some(client) = &self.client {
            b = b.reqwest_client(client.clone());
        }
        Ok(b)
    }

    /// A client with these options.
    pub fn client(&self, provider: &'static str) -> Result<HttpClient> {
        self.builder(provider)?.build()
    }

    /// Parses and checks a base URL under these options ([`parse_base_url`]).
    pub fn base_url(&self, provider: &'static str, url: &str) -> Result<Url> {
        parse_base_url(provider, url, self.allow_insecure_loopback)
    }
}

/// Writes the builder methods every provider builder shares, for a builder with an
/// [`HttpOptions`] field named `http`: `proxy`, `tls_backend` and `http_client`. Invoke it inside
/// the builder's `impl` block: `session_core::http_option_methods!();`.
#[macro_export]
macro_rules! http_option_methods {
    () => {
        /// Sends every request to a non-loopback host through the proxy at `url` (`http://` or
        /// `https://`; credentials in the URL become proxy basic auth). Loopback hosts are
        /// always reached directly, and the `https://` rule still applies to every target.
        /// Checked by `build`; see
        /// [`HttpClientBuilder::proxy`]($crate::http::HttpClientBuilder::proxy).
        #[must_use]
        pub fn proxy(mut self, url: impl Into<String>) -> Self {
            self.http.proxy = Some(url.into());
            self
        }

        /// Hosts reached directly although a proxy is set (the `NO_PROXY` syntax: names,
        /// `.suffix`, IPs, CIDR ranges; comma-separated); loopback hosts always are. See
        /// [`HttpClientBuilder::no_proxy`]($crate::http::HttpClientBuilder::no_proxy).
        #[must_use]
        pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
            let hosts = hosts.into();
            self.http.no_proxy = Some(match self.http.no_proxy.take() {
                Some(mut list) => {
                    list.push(',');
                    list.push_str(&hosts);
                    list
                }
                None => hosts,
            });
            self
        }

        /// Chooses the TLS backend among those compiled in (default: the first of `rustls`,
        /// `rustls-ring`, `native-tls`).
        #[must_use]
        pub fn tls_backend(mut self, backend: $crate::http::TlsBackend) -> Self {
            self.http.tls_backend = Some(backend);
            self
        }

        /// Sends requests with your own `reqwest` client (its TLS, proxy and pool settings),
        /// built with `.redirect(reqwest::redirect::Policy::none())`: an answer reached through
        /// a followed redirect is refused unread. Timeouts and the body cap still apply per
        /// request; roots, a proxy or a client certificate set here cannot be combined with it
        /// (`build` says so).
        #[must_use]
        pub fn http_client(mut self, client: $crate::http::reqwest::Client) -> Self {
            self.http.client = Some(client);
            self
        }
    };
}

/// Builds an [`HttpClient`].
pub struct HttpClientBuilder {
    provider: &'static str,
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Duration,
    max_body: usize,
    allow_insecure_loopback: bool,
    extra_roots: Vec<CertificateDer<'static>>,
    identity: Option<crate::tls::Identity>,
    user_agent: HeaderValue,
    proxy: Option<Url>,
    no_proxy: String,
    tls_backend: Option<TlsBackend>,
    gzip: bool,
    own_client: Option<reqwest::Client>,
}

impl fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClientBuilder")
            .field("provider", &self.provider)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("timeout", &self.timeout)
            .field("max_body", &self.max_body)
            .field("allow_insecure_loopback", &self.allow_insecure_loopback)
            .field("extra_roots", &self.extra_roots.len())
            .field("client_identity", &self.identity.is_some())
            .field("proxy", &self.proxy.as_ref().map(|_| "[set]"))
            .field("tls_backend", &self.tls_backend)
            .field("gzip", &self.gzip)
            .field("own_client", &self.own_client.is_some())
            .finish()
    }
}

impl HttpClientBuilder {
    /// Connect timeout (default 10 s).
    #[must_use]
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Longest wait for the response head and between body chunks (default 30 s).
    #[must_use]
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self
    }

    /// Whole-request timeout, from sending to the last body byte (default 30 s).
    #[must_use]
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Response body cap in bytes (default [`DEFAULT_MAX_BODY`]).
    #[must_use]
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Allows `http://` to loopback hosts (127.0.0.0/8, `::1`, `localhost`) for tests and local
    /// simulators. `http://` to any other host is refused even with this set.
    #[must_use]
    pub fn allow_insecure_loopback(mut self, allow: bool) -> Self {
        self.allow_insecure_loopback = allow;
        self
    }

    /// Also trusts the root certificates in `pem`, in addition to the backend's default roots
    /// (the operating system's; see [`TlsBackend`]).
    pub fn add_root_pem(mut self, pem: &[u8]) -> Result<Self> {
        let mut found = false;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|_| {
                Error::configuration(self.provider, "unreadable root certificate pem")
            })?;
            self.extra_roots.push(cert);
            found = true;
        }
        if !found {
            return Err(Error::configuration(
                self.provider,
                "no certificate in root pem",
            ));
        }
        Ok(self)
    }

    /// Presents a client certificate (mutual TLS): a PEM certificate chain and a PEM private key.
    pub fn client_identity_pem(self, cert_chain_pem: &[u8], key_pem: &[u8]) -> Result<Self> {
        let provider = self.provider;
        let certs = CertificateDer::pem_slice_iter(cert_chain_pem)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| Error::configuration(provider, "unreadable client certificate pem"))?;
        if certs.is_empty() {
            return Err(Error::configuration(
                provider,
                "no certificate in client certificate pem",
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|_| Error::configuration(provider, "unreadable client private key pem"))?;
        Ok(self.client_identity_der(certs, key))
    }

    /// Presents a client certificate (mutual TLS) already in DER form.
    #[must_use]
    pub fn client_identity_der(
        mut self,
        cert_chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Self {
        self.identity = Some((cert_chain, key));
        self
    }

    /// Sends every request to a non-loopback host through the proxy at `url` (`http://` or
    /// `https://`, credentials in the URL are sent as proxy basic auth). Loopback hosts
    /// (`localhost`, 127.0.0.0/8, `::1`) are always reached directly, and the target rules
    /// (`https://` only, `http://` only to loopback with the opt-out) still apply to every
    /// request, so a refused target sends nothing, not even to the proxy. Without this no proxy
    /// is used, whatever the environment says (`HTTPS_PROXY` and the like are for applications
    /// to read and pass here).
    pub fn proxy(mut self, url: &str) -> Result<Self> {
        let parsed = Url::parse(url)
            .map_err(|_| Error::configuration(self.provider, "invalid proxy url"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(Error::configuration(
                self.provider,
                "proxy url must be http:// or https:// with a host",
            ));
        }
        self.proxy = Some(parsed);
        Ok(self)
    }

    /// Hosts reached directly although a [`proxy`](Self::proxy) is set, in the `NO_PROXY`
    /// syntax: comma-separated host names (each also matching its subdomains; a leading `.` is
    /// allowed), IP addresses and CIDR ranges (`10.0.0.0/8`). Loopback hosts are always direct.
    /// Calls add to the list.
    #[must_use]
    pub fn no_proxy(mut self, hosts: &str) -> Self {
        for host in hosts.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            self.no_proxy.push(',');
            self.no_proxy.push_str(host);
        }
        self
    }

    /// Chooses the TLS backend (default [`TlsBackend::preferred`]; only compiled backends exist).
    #[must_use]
    pub fn tls_backend(mut self, backend: TlsBackend) -> Self {
        self.tls_backend = Some(backend);
        self
    }

    /// Sends `Accept-Encoding: gzip` and decodes gzip answers (feature `gzip`). The body cap
    /// applies to the decoded size, so a small compressed body that inflates past it is
    /// refused with [`HttpFailure::BodyTooLarge`] once the cap is reached.
    #[cfg(feature = "gzip")]
    #[cfg_attr(docsrs, doc(cfg(feature = "gzip")))]
    #[must_use]
    pub fn gzip(mut self, enable: bool) -> Self {
        self.gzip = enable;
        self
    }

    /// Uses `client` instead of building one: its TLS, proxy, pool and decompression settings
    /// apply. Timeouts, the body cap, the `https://` rule and the headers added here stay per
    /// request. Build it with `redirect(reqwest::redirect::Policy::none())`: redirects are
    /// per client in `reqwest`, and a followed 307 resends a body (a password) to whatever host
    /// the answer names. Every response's URL is checked against the request's, and an answer
    /// that arrived through a followed redirect is refused unread ([`HttpFailure::Redirect`]).
    ///
    /// Roots, a client certificate, a proxy, gzip or a TLS backend cannot be combined with a
    /// client of your own: [`build`](Self::build) refuses them (set them on your client).
    #[must_use]
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.own_client = Some(client);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<HttpClient> {
        let provider = self.provider;
        let client = match self.own_client {
            Some(client) => {
                if !self.extra_roots.is_empty()
                    || self.identity.is_some()
                    || self.proxy.is_some()
                    || self.tls_backend.is_some()
                    || self.gzip
                {
                    return Err(Error::configuration(
                        provider,
                        "roots, client certificates, proxies, gzip and the tls backend are set on a supplied reqwest client, not here",
                    ));
                }
                client
            }
            None => {
                let builder = reqwest::Client::builder()
                    // The read and total timeouts are applied around each await in `send`.
                    .connect_timeout(self.connect_timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .tcp_nodelay(true)
                    .pool_idle_timeout(Duration::from_secs(60));
                #[cfg(feature = "gzip")]
                let builder = builder.gzip(self.gzip);
                let builder = match self.proxy {
                    Some(url) => builder.proxy(
                        reqwest::Proxy::all(url.as_str())
                            .map_err(|_| Error::configuration(provider, "invalid proxy url"))?
                            .no_proxy(reqwest::NoProxy::from_string(&format!(
                                "{LOOPBACK_NO_PROXY}{}",
                                self.no_proxy
                            ))),
                    ),
                    None => builder.no_proxy(),
                };
                let backend = self
                    .tls_backend
                    .or_else(TlsBackend::preferred)
                    .ok_or_else(|| {
                        Error::configuration(
                            provider,
                            "no tls backend compiled in: enable the rustls, rustls-ring or native-tls feature",
                        )
                    })?;
                crate::tls::configure(provider, builder, backend, self.extra_roots, self.identity)?
                    .build()
                    .map_err(|_| Error::configuration(provider, "http client setup failed"))?
            }
        };
        Ok(HttpClient {
            inner: Arc::new(ClientInner {
                provider,
                client,
                read_timeout: self.read_timeout,
                timeout: self.timeout,
                max_body: self.max_body,
                allow_insecure_loopback: self.allow_insecure_loopback,
                user_agent: self.user_agent,
            }),
        })
    }
}

/// The one HTTP client every provider uses. Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    provider: &'static str,
    client: reqwest::Client,
    read_timeout: Duration,
    timeout: Duration,
    max_body: usize,
    allow_insecure_loopback: bool,
    user_agent: HeaderValue,
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
    /// A builder for `provider`'s client with the defaults described on [`HttpClientBuilder`].
    pub fn builder(provider: &'static str) -> HttpClientBuilder {
        HttpClientBuilder {
            provider,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
            max_body: DEFAULT_MAX_BODY,
            allow_insecure_loopback: false,
            extra_roots: Vec::new(),
            identity: None,
            user_agent: HeaderValue::from_static(concat!(
                "session-clients/",
                env!("CARGO_PKG_VERSION")
            )),
            proxy: None,
            no_proxy: String::new(),
            tls_backend: None,
            gzip: false,
            own_client: None,
        }
    }

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

/// A complete response: status, headers and the (capped) body.
#[derive(Clone)]
pub struct HttpResponse {
    provider: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
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

/// Encodes `pairs` as `application/x-www-form-urlencoded`.
pub fn form_encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Starts a request with the given method and URL.
pub fn request(method: http::Method, url: &Url) -> http::request::Builder {
    Request::builder().method(method).uri(url.as_str())
}

/// Finishes a request builder, turning a builder error (an invalid header value) into a
/// configuration error that does not echo the value.
pub fn finish(
    provider: &'static str,
    builder: http::request::Builder,
    body: Vec<u8>,
) -> Result<Request<Vec<u8>>> {
    builder
        .body(body)
        .map_err(|_| Error::configuration(provider, "invalid request header value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_accepted_and_http_only_for_loopback_with_opt_out() {
        let ok = |u: &str, allow| parse_base_url("p", u, allow).map(|_| ());
        assert!(ok("https://api.example.com/v2", false).is_ok());
        assert_eq!(
            ok("http://api.example.com", false).unwrap_err().kind(),
            ErrorKind::Configuration
        );
        assert_eq!(
            ok("http://api.example.com", true).unwrap_err().kind(),
            ErrorKind::Configuration
        );
        assert!(ok("http://127.0.0.1:8080", false).is_err());
        assert!(ok("http://127.0.0.1:8080", true).is_ok());
        assert!(ok("http://127.8.9.10", true).is_ok());
        assert!(ok("http://[::1]:9", true).is_ok());
        assert!(ok("http://localhost:9", true).is_ok());
        assert!(ok("http://localhost.evil.com", true).is_err());
        assert!(ok("ftp://x", true).is_err());
        let e = ok("https://user:pw@api.example.com", false).unwrap_err();
        assert!(!e.to_string().contains("pw"));
    }

    #[test]
    fn options_apply_the_loopback_opt_out_and_reject_bad_roots() {
        let strict = HttpOptions::default();
        assert!(strict.base_url("p", "http://127.0.0.1:1").is_err());
        let loose = HttpOptions {
            allow_insecure_loopback: true,
            ..HttpOptions::default()
        };
        assert!(loose.base_url("p", "http://127.0.0.1:1").is_ok());
        assert!(loose.base_url("p", "http://example.com").is_err());
        let bad = HttpOptions {
            root_pems: vec![b"not a pem".to_vec()],
            ..HttpOptions::default()
        };
        assert_eq!(
            bad.client("p").unwrap_err().kind(),
            ErrorKind::Configuration
        );
    }

    #[test]
    fn join_percent_encodes_each_segment() {
        let base = Url::parse("https://h/v2/sessions/").unwrap();
        let url = join_segments(&base, &["tickets", "TGT-1/x?y"]);
        assert_eq!(url.as_str(), "https://h/v2/sessions/tickets/TGT-1%2Fx%3Fy");
    }

    #[test]
    fn json_errors_are_distinct_and_never_echo_the_body() {
        #[derive(serde::Deserialize, Debug)]
        struct T {
            #[allow(dead_code)]
            a: u32,
        }
        let html = HttpResponse::new(
            "p",
            StatusCode::OK,
            HeaderMap::new(),
            "<!DOCTYPE html><p>secret</p>",
        );
        let e = html.json::<T>().unwrap_err();
        assert_eq!(
            (e.kind(), e.http_failure()),
            (ErrorKind::Unavailable, Some(HttpFailure::GatewayPage))
        );

        let trunc = HttpResponse::json_body("p", 200, r#"{"a": 1, "b": "secret"#);
        let e = trunc.json::<T>().unwrap_err();
        assert_eq!(
            (e.kind(), e.http_failure()),
            (ErrorKind::Unavailable, Some(HttpFailure::TruncatedBody))
        );

        let bad = HttpResponse::json_body("p", 200, r#"{"a": "secret"}"#);
        let e = bad.json::<T>().unwrap_err();
        assert_eq!(
            (e.kind(), e.http_failure()),
            (
                ErrorKind::UnexpectedResponse,
                Some(HttpFailure::MalformedBody)
            )
        );
        for e in [
            html.json::<T>().unwrap_err(),
            trunc.json::<T>().unwrap_err(),
            bad.json::<T>().unwrap_err(),
        ] {
            assert!(!format!("{e} {e:?}").contains("secret"));
        }
    }

    #[test]
    fn unexpected_status_maps_429_and_5xx() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        let r = HttpResponse::new("p", StatusCode::TOO_MANY_REQUESTS, h, "");
        let e = r.unexpected_status();
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
        let r = HttpResponse::json_body("p", 503, "{}");
        assert_eq!(r.unexpected_status().kind(), ErrorKind::Unavailable);
        let r = HttpResponse::json_body("p", 418, "{}");
        assert_eq!(
            r.unexpected_status().http_failure(),
            Some(HttpFailure::Status(418))
        );
    }

    fn labelled(status: u16, content_type: &'static str, body: &'static str) -> HttpResponse {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        HttpResponse::new("p", StatusCode::from_u16(status).unwrap(), h, body)
    }

    #[test]
    fn a_json_document_labelled_html_is_not_a_gateway_page() {
        let oauthlib = labelled(
            400,
            "text/html; charset=utf-8",
            r#"{"error": "invalid_request", "error_description": "URL query parameters are not allowed"}"#,
        );
        assert!(!oauthlib.is_html());
        assert!(oauthlib.is_json_document());
        let array = labelled(200, "text/html", " [1, 2] ");
        assert!(!array.is_html());
        // And a JSON success labelled HTML parses.
        let v: Vec<u8> = array.json().unwrap();
        assert_eq!(v, [1, 2]);
        // A real page is still a page, labelled or not, and so is non-JSON text labelled HTML.
        for page in [
            labelled(404, "text/html", "<!DOCTYPE html><title>Not Found</title>"),
            labelled(
                404,
                "application/json",
                "  <HTML><body>Not Found</body></HTML>",
            ),
            labelled(502, "text/html", "Bad Gateway"),
            labelled(502, "text/html", r#"{"error": "cut"#),
            labelled(200, "text/html", ""),
        ] {
            assert!(page.is_html(), "{:?}", std::str::from_utf8(page.body()));
        }
        // Invalid UTF-8 labelled HTML is a page, not a JSON document.
        let bytes = HttpResponse::new(
            "p",
            StatusCode::OK,
            labelled(200, "text/html", "").headers().clone(),
            vec![0xff, 0xfe, b'{'],
        );
        assert!(bytes.is_html() && !bytes.is_json_document());
    }

    #[test]
    fn missing_endpoint_is_configuration_for_404_and_405_only() {
        for (status, body) in [
            (404, "<!DOCTYPE html><h1>Not Found</h1>"),
            (405, ""),
            (404, r#"{"timestamp":1,"status":404,"error":"Not Found"}"#),
        ] {
            let e = labelled(status, "text/html", body)
                .missing_endpoint("cas rest")
                .unwrap();
            assert_eq!(e.kind(), ErrorKind::Configuration);
            assert_eq!(e.http_failure(), Some(HttpFailure::Status(status)));
            assert_eq!(
                e.to_string(),
                format!("p: no cas rest endpoint at the base url (http {status})")
            );
        }
        for status in [400, 401, 403, 410, 500, 200] {
            assert!(
                labelled(status, "text/html", "")
                    .missing_endpoint("x")
                    .is_none()
            );
        }
    }

    #[test]
    fn unexpected_status_names_the_status() {
        assert_eq!(
            labelled(418, "application/json", "{}")
                .unexpected_status()
                .to_string(),
            "p: unexpected status (http 418)"
        );
        assert_eq!(
            labelled(503, "application/json", "{}")
                .unexpected_status()
                .to_string(),
            "p: upstream unavailable (http 503)"
        );
    }

    #[test]
    fn retry_after_reads_every_form_and_clamps_absurd_values() {
        let with = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, HeaderValue::from_static(v));
            }
            HttpResponse::new("p", StatusCode::TOO_MANY_REQUESTS, h, "")
        };
        let huge = with(&[("retry-after", "9223372036854775807")]);
        assert_eq!(
            huge.retry_after(),
            Some(Duration::from_secs(i64::MAX.unsigned_abs()))
        );
        // The error carries at most a day, whatever the header said.
        assert_eq!(
            huge.unexpected_status().retry_after(),
            Some(timing::MAX_BAN)
        );
        let beyond_u64 = with(&[("retry-after", "99999999999999999999999999")]);
        assert_eq!(
            beyond_u64.unexpected_status().retry_after(),
            Some(timing::MAX_BAN)
        );
        let date = with(&[
            ("retry-after", "Wed, 21 Oct 2015 07:30:00 GMT"),
            ("date", "Wed, 21 Oct 2015 07:28:00 GMT"),
        ]);
        assert_eq!(date.retry_after(), Some(Duration::from_secs(120)));
        let past = with(&[
            ("retry-after", "Wed, 21 Oct 2015 07:00:00 GMT"),
            ("date", "Wed, 21 Oct 2015 07:28:00 GMT"),
        ]);
        assert_eq!(past.retry_after(), Some(Duration::ZERO));
        for bad in ["-5", "1e9", "soon", "", "12 34", "\u{e9}"] {
            let r = with(&[("retry-after", "x")]);
            let mut r = r;
            r.headers.insert(
                RETRY_AFTER,
                HeaderValue::from_bytes(bad.as_bytes()).unwrap_or(HeaderValue::from_static("x")),
            );
            assert_eq!(r.retry_after(), None, "{bad}");
        }
        let mut invalid_utf8 = with(&[]);
        invalid_utf8
            .headers
            .insert(RETRY_AFTER, HeaderValue::from_bytes(b"\xff\xfe").unwrap());
        assert_eq!(invalid_utf8.retry_after(), None);
    }

    #[test]
    fn form_encoding_escapes_reserved_characters() {
        assert_eq!(
            form_encode([("password", "a&b=c+d e\u{e9}")]),
            "password=a%26b%3Dc%2Bd+e%C3%A9"
        );
    }
}
