//! [`AccountsBuilder`] and [`AccountsClient`]: the client's configuration, and the one call path
//! every operation takes (request, answer, rejection and the single retry).

use super::*;

/// Builds an [`AccountsClient`]. Start with [`AccountsClient::builder`].
pub struct AccountsBuilder {
    api_url: Option<String>,
    jurisdiction: Jurisdiction,
    transport: AccountsTransport,
    http: HttpOptions,
}

impl fmt::Debug for AccountsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountsBuilder")
            .field("api_url", &self.api_url)
            .field("jurisdiction", &self.jurisdiction)
            .field("transport", &self.transport)
            .field(
                "allow_insecure_loopback",
                &self.http.allow_insecure_loopback,
            )
            .field("extra_roots", &self.http.root_pems.len())
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

    /// Allows `http://` base URLs to loopback hosts (tests, simulators).
    #[must_use]
    pub fn allow_insecure_loopback(mut self, allow: bool) -> Self {
        self.http.allow_insecure_loopback = allow;
        self
    }

    /// Timeout of each request (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = Some(timeout);
        self
    }

    /// Connect timeout (default 10 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.connect_timeout = Some(timeout);
        self
    }

    /// Also trusts the root certificates in `pem`.
    #[must_use]
    pub fn add_root_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.http.root_pems.push(pem.into());
        self
    }

    session_core::http_option_methods!();

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
        let raw = self
            .api_url
            .as_deref()
            .unwrap_or(self.jurisdiction.api_url());
        let mut api = parse_base_url(NAME, raw, self.http.allow_insecure_loopback)?;
        if api.query().is_some() || api.fragment().is_some() {
            return Err(Error::configuration(
                NAME,
                "a base url must not have a query or fragment",
            ));
        }
        if !api.path().ends_with('/') {
            let path = format!("{}/", api.path());
            api.set_path(&path);
        }
        Ok(AccountsClient {
            inner: Arc::new(ClientInner {
                http: self.make_client()?,
                api,
                transport: self.transport,
                next_id: AtomicU64::new(1),
            }),
        })
    }
}

struct ClientInner {
    http: HttpClient,
    api: Url,
    transport: AccountsTransport,
    next_id: AtomicU64,
}

/// A client of Betfair's Accounts API vendor services. Cheap to clone.
///
/// Each operation takes the caller's session from a [`SessionSource`] and sends exactly the
/// headers Betfair requires for it:
///
/// | operation | caller | `X-Authentication` | `X-Application` | repeated after a rejection |
/// |---|---|---|---|---|
/// | [`get_application_subscription_token`](Self::get_application_subscription_token) | vendor | ✓ | ✓ | no |
/// | [`activate_application_subscription`](Self::activate_application_subscription) | customer | ✓ | — | no |
/// | [`cancel_application_subscription`](Self::cancel_application_subscription) | vendor | ✓ | ✓ | no |
/// | [`update_application_subscription`](Self::update_application_subscription) | vendor | ✓ | ✓ | no |
/// | [`list_application_subscription_tokens`](Self::list_application_subscription_tokens) | vendor | ✓ | ✓ | once |
/// | [`list_account_subscription_tokens`](Self::list_account_subscription_tokens) | customer | ✓ | ✓ | once |
/// | [`get_application_subscription_history`](Self::get_application_subscription_history), vendor form | vendor | ✓ | ✓ | once |
/// | [`get_application_subscription_history`](Self::get_application_subscription_history), customer form | customer | ✓ | — (`applicationKey` in the body) | once |
/// | [`get_vendor_client_id`](Self::get_vendor_client_id) | customer | ✓ | ✓ | once |
/// | [`get_vendor_details`](Self::get_vendor_details) | any | ✓ | ✓ | once |
/// | [`token`](Self::token) | vendor | ✓ | ✓ | no |
/// | [`is_account_subscribed_to_web_app`](Self::is_account_subscribed_to_web_app) | customer | ✓ | ✓ | once |
/// | [`revoke_access_to_web_app`](Self::revoke_access_to_web_app) | customer | ✓ | ✓ | no |
/// | [`list_authorized_web_apps`](Self::list_authorized_web_apps) | customer | ✓ | ✓ | once |
/// | [`get_affiliate_relation`](Self::get_affiliate_relation) | vendor | ✓ | ✓ | once |
/// | [`get_authorisation_code`](Self::get_authorisation_code) | customer | ✓ | ✓ | no |
///
/// A web-app session sends `Authorization: BEARER <access token>` in place of
/// `X-Authentication`. "Once": when the source is a [`SessionManager`], an
/// `INVALID_SESSION_INFORMATION` / `NO_SESSION` answer invalidates the lease and the call is
/// repeated once with a fresh session; for every other operation the lease is invalidated and
/// the error returned, since repeating it could create a second token or consume a code.
#[derive(Clone)]
pub struct AccountsClient {
    inner: Arc<ClientInner>,
}

impl fmt::Debug for AccountsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountsClient")
            .field("api_url", &self.inner.api.as_str())
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

impl AccountsClient {
    /// A builder for the global API host and JSON-RPC.
    pub fn builder() -> AccountsBuilder {
        AccountsBuilder {
            api_url: None,
            jurisdiction: Jurisdiction::Global,
            transport: AccountsTransport::JsonRpc,
            http: HttpOptions::default(),
        }
    }

    /// The API base URL.
    pub fn api_url(&self) -> &Url {
        &self.inner.api
    }

    /// The transport.
    pub fn transport(&self) -> AccountsTransport {
        self.inner.transport
    }

    #[tracing::instrument(
        name = "betfair.accounts",
        skip_all,
        fields(provider = NAME, operation = op.name)
    )]
    pub(super) async fn call<T, P, S>(&self, source: &S, op: wire::Op, params: &P) -> Result<T>
    where
        T: DeserializeOwned,
        P: Serialize + Sync,
        S: SessionSource + ?Sized,
    {
        let mut sourced = source.acquire().await?;
        let mut retried = false;
        loop {
            let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
            let request = wire::accounts_request(
                &self.inner.api,
                self.inner.transport,
                op,
                params,
                id,
                sourced.session(),
            )?;
            let response = self.inner.http.send(request).await?;
            match wire::parse_answer::<T>(self.inner.transport, &response) {
                Err(e) if wire::is_rejection_error(&e) => {
                    let fresh = source.reject(&sourced);
                    if op.idempotent && fresh && !retried {
                        tracing::debug!(provider = NAME, "session rejected; retrying once");
                        retried = true;
                        sourced = source.acquire().await?;
                        continue;
                    }
                    return Err(e);
                }
                other => return other,
            }
        }
    }
}
