//! [`HttpOptions`], the options every provider builder embeds, and the
//! [`http_option_methods!`](crate::http_option_methods) macro that forwards them.

use super::*;

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
