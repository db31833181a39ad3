//! [`HttpClientBuilder`]: timeouts, the body cap, roots, a client identity, a proxy, the TLS
//! backend, and the `reqwest` client it builds.

use super::*;

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

    /// The `User-Agent` header sent with every request that does not set its own (default
    /// `session-clients/<version>`). Refused when empty or not a valid header value (control
    /// characters, a line break); the value is not echoed.
    pub fn user_agent(mut self, agent: &str) -> Result<Self> {
        if agent.trim().is_empty() {
            return Err(Error::configuration(
                self.provider,
                "the user agent is empty",
            ));
        }
        self.user_agent = HeaderValue::from_str(agent)
            .map_err(|_| Error::configuration(self.provider, "invalid user agent header value"))?;
        Ok(self)
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
}
