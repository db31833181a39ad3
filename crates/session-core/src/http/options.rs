//! [`HttpOptions`], the options every provider builder embeds, and the
//! [`http_option_methods!`](crate::http_option_methods) macro that forwards them.

use super::*;
use crate::clock::{Clock, SystemClock};

/// The options every provider builder offers, in one place: the loopback opt-out, timeouts,
/// extra root certificates, a proxy, the TLS backend, a client of the caller's own, the
/// `User-Agent` and the clock. A provider builder keeps one of these in a field named `http`,
/// forwards its setters with one [`http_option_methods!`](crate::http_option_methods)
/// invocation, and turns it into a client ([`client`](Self::client)) and checked base URLs
/// ([`base_url`](Self::base_url), [`base_dir`](Self::base_dir)).
///
/// The clock lives here too although it is not an HTTP setting: every provider has one, and
/// one type means one macro and one place to document it.
#[derive(Clone)]
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
    /// The `User-Agent` sent with every request (default `session-clients/<version>`; see
    /// [`HttpClientBuilder::user_agent`]).
    pub user_agent: Option<String>,
    /// The clock every expiry, deadline and ban is computed with (default [`SystemClock`]).
    pub clock: Arc<dyn Clock>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            allow_insecure_loopback: false,
            timeout: None,
            connect_timeout: None,
            root_pems: Vec::new(),
            proxy: None,
            no_proxy: None,
            tls_backend: None,
            client: None,
            user_agent: None,
            clock: Arc::new(SystemClock),
        }
    }
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
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl HttpOptions {
    /// Options with every default: `https://` only, 30 s timeouts, default roots, no proxy, the
    /// system clock.
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
        if let Some(agent) = &self.user_agent {
            b = b.user_agent(agent)?;
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

    /// Parses and checks a base URL that endpoint paths are appended to as segments: the
    /// [`base_url`](Self::base_url) rules, no query or fragment, and a trailing `/` added so the
    /// base's last segment is kept (`https://host/api` becomes `https://host/api/`).
    pub fn base_dir(&self, provider: &'static str, url: &str) -> Result<Url> {
        let mut url = self.base_url(provider, url)?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::configuration(
                provider,
                "a base url must not have a query or fragment",
            ));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(url)
    }
}

/// Writes the builder methods every provider builder shares, for a builder with an
/// [`HttpOptions`] field named `http`: `allow_insecure_loopback`, `timeout`, `connect_timeout`,
/// `add_root_pem`, `proxy`, `no_proxy`, `tls_backend`, `http_client`, `user_agent` and `clock`.
/// Invoke it once inside the builder's `impl` block. Every value is checked when the builder's
/// `build` runs, so the setters never fail.
///
/// | invocation | writes | for |
/// |---|---|---|
/// | `session_core::http_option_methods!();` | every method above | a provider builder |
/// | `session_core::http_option_methods!(http);` | all but `clock` | a builder of a plain HTTP client that keeps no time |
/// | `session_core::http_option_methods!(clock);` | `clock` only, setting a field `clock: Arc<dyn Clock>` | a provider that makes no requests of its own |
#[macro_export]
macro_rules! http_option_methods {
    () => {
        $crate::http_option_methods!(http);
        $crate::http_option_methods!(@clock http.clock);
    };
    (clock) => {
        $crate::http_option_methods!(@clock clock);
    };
    (@clock $($field:ident).+) => {
        /// The clock every expiry, deadline and ban is computed with (default
        /// [`SystemClock`]($crate::SystemClock)); tests inject a manual clock.
        #[must_use]
        pub fn clock(mut self, clock: ::std::sync::Arc<dyn $crate::Clock>) -> Self {
            self.$($field).+ = clock;
            self
        }
    };
    (http) => {
        /// Allows `http://` to loopback hosts (`127.0.0.0/8`, `::1`, `localhost`), for tests and
        /// local simulators. `http://` to any other host is refused even with this set.
        #[must_use]
        pub fn allow_insecure_loopback(mut self, allow: bool) -> Self {
            self.http.allow_insecure_loopback = allow;
            self
        }

        /// Timeout of each request, from sending to the last body byte, also the longest wait
        /// for the response head and between body chunks (default 30 s).
        #[must_use]
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.http.timeout = Some(timeout);
            self
        }

        /// Connect timeout (default 10 s).
        #[must_use]
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.http.connect_timeout = Some(timeout);
            self
        }

        /// Also trusts the root certificates in `pem` (a test CA, a corporate proxy), besides
        /// the TLS backend's default roots. Checked by `build`: a PEM without a certificate is a
        /// configuration error.
        #[must_use]
        pub fn add_root_pem(
            mut self,
            pem: impl ::core::convert::Into<::std::vec::Vec<u8>>,
        ) -> Self {
            self.http.root_pems.push(pem.into());
            self
        }

        /// Sends every request to a non-loopback host through the proxy at `url` (`http://` or
        /// `https://`; credentials in the URL become proxy basic auth). Loopback hosts are
        /// always reached directly, and the `https://` rule still applies to every target.
        /// Checked by `build`; see
        /// [`HttpClientBuilder::proxy`]($crate::http::HttpClientBuilder::proxy).
        #[must_use]
        pub fn proxy(mut self, url: impl ::core::convert::Into<::std::string::String>) -> Self {
            self.http.proxy = Some(url.into());
            self
        }

        /// Hosts reached directly although a proxy is set (the `NO_PROXY` syntax: names,
        /// `.suffix`, IPs, CIDR ranges; comma-separated); loopback hosts always are. See
        /// [`HttpClientBuilder::no_proxy`]($crate::http::HttpClientBuilder::no_proxy).
        #[must_use]
        pub fn no_proxy(
            mut self,
            hosts: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
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

        /// The `User-Agent` header of every request (default `session-clients/<version>`); a
        /// request that sets its own keeps it. Checked by `build`: a value that is not a valid
        /// header value is a configuration error.
        #[must_use]
        pub fn user_agent(
            mut self,
            agent: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            self.http.user_agent = Some(agent.into());
            self
        }
    };
}

/// Writes the renewal setters every provider builder with a [`RenewPolicy`](crate::RenewPolicy)
/// field named `policy` shares: `default_ttl`, `renew_buffer` and `renew_jitter`. Invoke it once
/// inside the builder's `impl` block, beside
/// [`http_option_methods!`](crate::http_option_methods); set the provider's defaults where the
/// builder is created.
#[macro_export]
macro_rules! renew_policy_methods {
    () => {
        /// The lifetime assumed when the upstream gives none
        /// ([`RenewPolicy::default_ttl`]($crate::RenewPolicy::default_ttl)).
        #[must_use]
        pub fn default_ttl(mut self, ttl: ::std::time::Duration) -> Self {
            self.policy = self.policy.with_default_ttl(ttl);
            self
        }

        /// Renew this long before the session's deadline (never earlier than half way through
        /// its life; [`RenewPolicy::buffer`]($crate::RenewPolicy::buffer)).
        #[must_use]
        pub fn renew_buffer(mut self, buffer: ::std::time::Duration) -> Self {
            self.policy = self.policy.with_buffer(buffer);
            self
        }

        /// Renew up to this much earlier still, at random per session
        /// ([`RenewPolicy::jitter`]($crate::RenewPolicy::jitter)).
        #[must_use]
        pub fn renew_jitter(mut self, jitter: ::std::time::Duration) -> Self {
            self.policy = self.policy.with_jitter(jitter);
            self
        }
    };
}
