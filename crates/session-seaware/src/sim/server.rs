//! The running simulator, [`SeawareSim`]: its URL, a provider builder pointed at it, request
//! counts, scripted faults and session control.

use super::*;

impl fmt::Debug for SeawareSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeawareSim")
            .field("base_url", &self.base_url())
            .field("logins", &self.count(SimOp::Login))
            .field("refreshes", &self.count(SimOp::Refresh))
            .field("logouts", &self.count(SimOp::Logout))
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

    /// A provider builder pointed at this simulator: base URL, loopback opt-out, and the
    /// simulator's client id and secret. Add credentials (and a clock) and build.
    pub fn provider_builder(&self) -> SeawareBuilder {
        SeawareProvider::builder(self.base_url())
            .allow_insecure_loopback(true)
            .client_id(self.shared.client_id.clone())
            .client_secret(self.shared.client_secret.clone())
    }

    /// Requests received for `op` so far (failed ones included).
    pub fn count(&self, op: SimOp) -> usize {
        self.shared.lock().counts.get(&op).copied().unwrap_or(0)
    }

    /// Password-grant requests so far.
    pub fn logins(&self) -> usize {
        self.count(SimOp::Login)
    }

    /// Refresh-grant requests so far.
    pub fn refreshes(&self) -> usize {
        self.count(SimOp::Refresh)
    }

    /// Logout requests so far.
    pub fn logouts(&self) -> usize {
        self.count(SimOp::Logout)
    }

    /// Message requests so far.
    pub fn messages(&self) -> usize {
        self.count(SimOp::Message)
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

    /// Answers the next `n` requests for `op` with `fault`.
    pub fn fail_next(&self, op: SimOp, n: usize, fault: SimFault) {
        let mut st = self.shared.lock();
        let queue = st.faults.entry(op).or_default();
        queue.extend(std::iter::repeat_n(fault, n));
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
