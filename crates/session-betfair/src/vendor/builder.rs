//! [`AccountsBuilder`]'s options and building an [`AccountsClient`].

use super::*;

impl fmt::Debug for AccountsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountsBuilder")
            .field("api_url", &self.api_url)
            .field("jurisdiction", &self.jurisdiction)
            .field("transport", &self.transport)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl AccountsBuilder {
    /// The jurisdiction whose API host to use (default [`Jurisdiction::Global`]).
    #[must_use]
    pub fn jurisdiction(mut self, jurisdiction: Jurisdiction) -> Self {
        self.jurisdiction = jurisdiction;
        self
    }

    /// Overrides the API base URL (`https://api.betfair.com/`, or the simulator's
    /// `BetfairSim::api_url()`); the operation paths are appended to it.
    #[must_use]
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = Some(url.into());
        self
    }

    /// JSON-RPC (default) or REST.
    #[must_use]
    pub fn transport(mut self, transport: AccountsTransport) -> Self {
        self.transport = transport;
        self
    }

    session_core::http_option_methods!(http);

    /// The client: with the `gzip` feature (default) it asks for and decodes gzip answers, the
    /// body cap counting decoded bytes; an own client decides for itself.
    fn make_client(&self) -> Result<HttpClient> {
        let builder = self.http.builder(NAME)?;
        #[cfg(feature = "gzip")]
        let builder = if self.http.client.is_none() {
            builder.gzip(true)
        } else {
            builder
        };
        builder.build()
    }

    /// Checks the URL and builds the client. No request is made.
    pub fn build(self) -> Result<AccountsClient> {
        let api = self.http.base_dir(
            NAME,
            self.api_url
                .as_deref()
                .unwrap_or(self.jurisdiction.api_url()),
        )?;
        Ok(AccountsClient {
            inner: Arc::new(Inner {
                http: self.make_client()?,
                api,
                transport: self.transport,
                next_id: AtomicU64::new(1),
            }),
        })
    }
}
