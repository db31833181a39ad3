//! [`SeawareSimBuilder`]'s options and starting the server.

use super::*;

impl fmt::Debug for SeawareSimBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeawareSimBuilder")
            .field("users", &self.users.len())
            .field("client_id", &self.client_id)
            .field("ttl", &self.ttl)
            .field("refresh", &self.refresh)
            .finish_non_exhaustive()
    }
}

impl SeawareSimBuilder {
    session_core::sim_tls_option!();

    /// Adds a user.
    #[must_use]
    pub fn user(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.users.push((username.into(), password.into()));
        self
    }

    /// The accepted client id and secret (default `ota` / `ota`).
    #[must_use]
    pub fn client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = id.into();
        self.client_secret = secret.into();
        self
    }

    /// Access-token lifetime (default 900 s).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Refresh-token lifetime (default 30 days, Spring's default).
    #[must_use]
    pub fn refresh_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_ttl = ttl;
        self
    }

    /// How `expires_in` is sent (default a number).
    #[must_use]
    pub fn expires_in(mut self, style: ExpiresIn) -> Self {
        self.expires_in = style;
        self
    }

    /// Whether the refresh-token grant is enabled (default `true`; when off it answers
    /// `unsupported_grant_type`).
    #[must_use]
    pub fn refresh(mut self, enabled: bool) -> Self {
        self.refresh = enabled;
        self
    }

    /// Whether token parameters are read from the query string (default `true`).
    #[must_use]
    pub fn accept_query(mut self, accept: bool) -> Self {
        self.accept_query = accept;
        self
    }

    /// Whether token parameters are read from a form body (default `true`).
    #[must_use]
    pub fn accept_form(mut self, accept: bool) -> Self {
        self.accept_form = accept;
        self
    }

    /// How dead sessions are reported on `/ota/rest/*` (default Spring JSON).
    #[must_use]
    pub fn rejection(mut self, style: RejectionStyle) -> Self {
        self.rejection = style;
        self
    }

    /// Whether error descriptions echo tokens, like Spring Security OAuth up to 2.5.1
    /// (default `true`).
    #[must_use]
    pub fn echo_tokens(mut self, echo: bool) -> Self {
        self.echo_tokens = echo;
        self
    }

    /// The scopes the server grants (default `travelagent`, `resagent`; the first is granted when
    /// the request names none).
    #[must_use]
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Whether `/ota/rest/*` requires a session (default `false`: "optional" is the default).
    #[must_use]
    pub fn sessions_required(mut self, required: bool) -> Self {
        self.sessions_required = required;
        self
    }

    /// The clock expiry follows (default the system clock).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Starts serving on `127.0.0.1`.
    pub async fn start(self) -> std::io::Result<SeawareSim> {
        let mut state = State {
            refresh: self.refresh,
            ..State::default()
        };
        let first_user = self.users.first().cloned();
        for (username, password) in self.users {
            state.users.insert(
                username,
                User {
                    password,
                    locked: false,
                },
            );
        }
        let shared = Arc::new(Shared {
            clock: self.clock,
            client_id: self.client_id,
            client_secret: self.client_secret,
            ttl: self.ttl,
            refresh_ttl: self.refresh_ttl,
            expires_in: self.expires_in,
            accept_query: self.accept_query,
            accept_form: self.accept_form,
            rejection: self.rejection,
            echo_tokens: self.echo_tokens,
            scopes: self.scopes,
            sessions_required: self.sessions_required,
            first_user,
            state: Mutex::new(state),
            ledger: Ledger::new(),
        });
        let handler_state = shared.clone();
        let server = SimServer::start_on(move |req| handle(&handler_state, &req), self.tls).await?;
        Ok(SeawareSim { server, shared })
    }
}
