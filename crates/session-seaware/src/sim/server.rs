//! The running simulator, [`SeawareSim`]: its URL, a provider builder pointed at it, request
//! counts, scripted faults and session control.

use super::*;

impl fmt::Debug for SeawareSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeawareSim")
            .field("base_url", &self.base_url())
            .field("logins", &self.calls(SimOp::Login))
            .field("refreshes", &self.calls(SimOp::Refresh))
            .field("logouts", &self.calls(SimOp::Logout))
            .finish_non_exhaustive()
    }
}

impl SeawareSim {
    /// A builder with the defaults described on its methods and no users.
    pub fn builder() -> SeawareSimBuilder {
        SeawareSimBuilder {
            users: Vec::new(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            expires_in: ExpiresIn::Number,
            refresh: true,
            accept_query: true,
            accept_form: true,
            rejection: RejectionStyle::SpringJson,
            echo_tokens: true,
            scopes: vec![TRAVELAGENT.to_owned(), RESAGENT.to_owned()],
            sessions_required: false,
            clock: Arc::new(SystemClock),
            tls: None,
        }
    }

    /// `http://127.0.0.1:PORT`, the base URL to configure the provider with.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// A provider builder pointed at this simulator: base URL, loopback opt-out, the
    /// simulator's client id and secret, its clock, and the first user's name and password
    /// (when it has users). Change what a test needs and build.
    pub fn provider_builder(&self) -> SeawareBuilder {
        let builder = SeawareProvider::builder(self.base_url())
            .allow_insecure_loopback(true)
            .client_id(self.shared.client_id.clone())
            .client_secret(self.shared.client_secret.clone())
            .clock(self.shared.clock.clone());
        match &self.shared.first_user {
            Some((username, password)) => builder.credentials(username.clone(), password.clone()),
            None => builder,
        }
    }

    /// Requests received for `op` so far (failed ones included).
    pub fn calls(&self, op: SimOp) -> usize {
        self.shared.ledger.calls(op)
    }

    /// Every request received so far (the most recent
    /// [`DEFAULT_LOG_CAPACITY`](session_core::test_util::DEFAULT_LOG_CAPACITY)), oldest first,
    /// with the operation it was counted under.
    pub fn requests(&self) -> Vec<SimRecord<SimOp>> {
        self.shared.ledger.requests()
    }

    /// Sessions whose access token has not expired.
    pub fn active_sessions(&self) -> usize {
        let now = self.shared.clock.now();
        self.shared
            .lock()
            .sessions
            .values()
            .filter(|s| now < s.expires_at)
            .count()
    }

    /// Answers the next request for `op` with `fault`. Faults queue up per operation and are
    /// played in order.
    pub fn fail_next(&self, op: SimOp, fault: SimFault) {
        self.shared.ledger.fail_next(op, fault);
    }

    /// Locks (or unlocks) a user: logins then fail with Spring's "User account is locked".
    pub fn lock_user(&self, username: &str, locked: bool) {
        if let Some(u) = self.shared.lock().users.get_mut(username) {
            u.locked = locked;
        }
    }

    /// Switches the refresh-token grant on or off.
    pub fn set_refresh(&self, enabled: bool) {
        self.shared.lock().refresh = enabled;
    }

    /// Forgets every session (as after a server restart or an administrator's purge).
    pub fn drop_sessions(&self) {
        self.shared.lock().sessions.clear();
    }
}
