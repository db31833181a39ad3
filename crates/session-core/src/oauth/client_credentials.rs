//! [`ClientCredentialsProvider`], a ready provider for the client-credentials grant.

use super::*;

/// Obtains bearer tokens with the client-credentials grant (for example the Pagos token source).
#[derive(Clone)]
pub struct ClientCredentialsProvider {
    name: &'static str,
    http: HttpClient,
    token_url: Url,
    client: ClientCredentials,
    client_auth: ClientAuth,
    scope: Option<String>,
    policy: RenewPolicy,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for ClientCredentialsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsProvider")
            .field("name", &self.name)
            .field("client", &self.client)
            .field("scope", &self.scope.as_deref().map(UpstreamText::words))
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsProvider {
    /// A provider named `name` posting `client` to `token_url` (checked with the client's rules when
    /// sent). The id and secret go in the form body; see
    /// [`with_client_auth`](Self::with_client_auth).
    pub fn new(
        name: &'static str,
        http: HttpClient,
        token_url: Url,
        client: ClientCredentials,
    ) -> Self {
        Self {
            name,
            http,
            token_url,
            client,
            client_auth: ClientAuth::Params,
            scope: None,
            policy: RenewPolicy::default().with_default_ttl(Duration::from_secs(3600)),
            clock: Arc::new(SystemClock),
        }
    }

    /// Sends the client credentials as HTTP Basic instead of form parameters.
    #[must_use]
    pub fn with_client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// Requests `scope`.
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Uses `clock` to compute expiry.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the renewal policy (the default assumes one hour when `expires_in` is missing).
    #[must_use]
    pub fn with_policy(mut self, policy: RenewPolicy) -> Self {
        self.policy = policy;
        self
    }
}

#[async_trait]
impl SessionProvider for ClientCredentialsProvider {
    type Session = OAuthSession;

    fn name(&self) -> &'static str {
        self.name
    }

    #[tracing::instrument(name = "oauth.client_credentials", skip_all, fields(provider = self.name))]
    async fn login(&self) -> Result<OAuthSession> {
        let mut req = TokenRequest::new(&self.token_url, Grant::ClientCredentials);
        req.client = Some(&self.client);
        req.client_auth = self.client_auth;
        req.scope = self.scope.as_deref();
        let response = self.http.send(req.build(self.name)?).await?;
        let token = parse_token_response(&response, "client_credentials")?;
        Ok(OAuthSession::from_response(
            token,
            self.clock.now(),
            self.policy.default_ttl,
        ))
    }

    fn policy(&self) -> RenewPolicy {
        self.policy
    }

    fn store_key(&self) -> String {
        format!("{}:{}:{}", self.name, self.token_url, self.client.client_id)
    }

    fn persist(&self, session: &OAuthSession) -> Option<PersistedSession> {
        Some(session.persist())
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<OAuthSession> {
        OAuthSession::restore(self.name, persisted)
    }
}
