//! The running simulator, [`BetfairSim`]: its URLs, counters, scripted answers, and the session
//! and vendor state tests inspect or change.

use super::*;

impl fmt::Debug for BetfairSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BetfairSim")
            .field("identity_url", &self.identity_url())
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

impl BetfairSim {
    /// A builder with no accounts, a 12-hour lifetime and Betfair's login limit.
    pub fn builder() -> BetfairSimBuilder {
        BetfairSimBuilder {
            clock: Arc::new(SystemClock),
            accounts: HashMap::new(),
            first_account: None,
            app_key: None,
            lifetime: Duration::from_secs(12 * 3600),
            login_limit: 100,
            ban: LOGIN_BAN,
            require_client_cert: true,
            vendor_apps: Vec::new(),
            unactivated_cap: vendor::DEFAULT_UNACTIVATED_CAP,
            web_access_ttl: vendor::DEFAULT_ACCESS_TTL,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The identity base URL (`http://127.0.0.1:PORT/api/`).
    pub fn identity_url(&self) -> String {
        self.server.url("/api/")
    }

    /// The certificate-login base URL: the TLS server's when started with one
    /// (`https://localhost:PORT/api/`), otherwise the identity URL.
    pub fn cert_url(&self) -> String {
        match &self.cert_server {
            Some(s) => s.url("/api/"),
            None => self.identity_url(),
        }
    }

    /// The API base URL (`http://127.0.0.1:PORT/`), for
    /// [`AccountsBuilder::api_url`](crate::AccountsBuilder::api_url).
    pub fn api_url(&self) -> String {
        self.server.url("/")
    }

    /// The API-NG stand-in's JSON-RPC URL (`.../exchange/account/json-rpc/v1`).
    pub fn json_rpc_url(&self) -> String {
        self.server.url("/exchange/account/json-rpc/v1")
    }

    /// The API-NG stand-in's REST URL for `operation` (`.../exchange/account/rest/v1.0/<op>/`).
    pub fn rest_url(&self, operation: &str) -> String {
        self.server
            .url(&format!("/exchange/account/rest/v1.0/{operation}/"))
    }

    /// A provider builder pointed at this simulator: its identity and certificate-login URLs,
    /// loopback allowed, its clock, its app key (or a placeholder when it accepts any), and
    /// interactive login as the first account added (with its two-factor code appended, when it
    /// has one; a user the simulator does not know when it has no accounts). Change what a test
    /// needs and build.
    pub fn provider_builder(&self) -> BetfairBuilder {
        let st = self.lock();
        let app_key = st
            .app_key
            .clone()
            .unwrap_or_else(|| "SIM-APP-KEY".to_owned());
        let (username, password) = st
            .first_account
            .clone()
            .unwrap_or_else(|| ("no-such-user".to_owned(), "no-such-password".to_owned()));
        BetfairProvider::builder(app_key)
            .interactive(username, password)
            .identity_url(self.identity_url())
            .cert_url(self.cert_url())
            .allow_insecure_loopback(true)
            .clock(self.clock.clone())
    }

    /// An Accounts API client builder pointed at this simulator's API (JSON-RPC, loopback
    /// allowed); the vendor and customer sessions come from providers built with
    /// [`provider_builder`](Self::provider_builder).
    pub fn accounts_builder(&self) -> AccountsBuilder {
        AccountsClient::builder()
            .api_url(self.api_url())
            .allow_insecure_loopback(true)
    }

    /// Requests seen so far for `op`, scripted failures included.
    pub fn calls(&self, op: SimOp) -> usize {
        self.ledger.calls(op)
    }

    /// Requests to either login endpoint: `calls(SimOp::Login) + calls(SimOp::CertLogin)`.
    pub fn logins(&self) -> usize {
        self.calls(SimOp::Login) + self.calls(SimOp::CertLogin)
    }

    /// Logins (either kind, scripted ones included) that created a session, `LIMITED_ACCESS`
    /// ones included.
    pub fn successful_logins(&self) -> usize {
        self.lock().successful_logins
    }

    /// Every request seen so far (the most recent
    /// [`DEFAULT_LOG_CAPACITY`](session_core::test_util::DEFAULT_LOG_CAPACITY)), oldest first,
    /// with the operation it was counted under.
    pub fn requests(&self) -> Vec<SimRecord<SimOp>> {
        self.ledger.requests()
    }

    /// Answers the next request for `op` with `fault`. Faults queue up per operation and are
    /// played in order.
    ///
    /// ```no_run
    /// # async fn demo() -> session_betfair::Result<()> {
    /// use session_betfair::{AccountsOp, BetfairFault, BetfairSim, SimFault, SimOp};
    /// let sim = BetfairSim::builder().account("alice", "s3cret").start().await?;
    /// sim.fail_next(SimOp::Login, SimFault::Provider(BetfairFault::login("LIMITED_ACCESS", "KYC_SUSPEND")));
    /// sim.fail_next(SimOp::KeepAlive, SimFault::Provider(BetfairFault::error("INTERNAL_ERROR")));
    /// sim.fail_next(SimOp::Accounts(AccountsOp::Token), SimFault::Status(503));
    /// # Ok(()) }
    /// ```
    pub fn fail_next(&self, op: SimOp, fault: SimFault) {
        self.ledger.fail_next(op, fault);
    }

    /// Sessions alive now.
    pub fn active_sessions(&self) -> usize {
        let now = self.clock.now();
        self.lock()
            .sessions
            .values()
            .filter(|s| s.expires_at > now)
            .count()
    }

    /// Whether `token` is a live session here.
    pub fn is_live(&self, token: &SessionToken) -> bool {
        let now = self.clock.now();
        self.lock()
            .sessions
            .get(token.expose_secret())
            .is_some_and(|s| s.expires_at > now)
    }

    /// Ends every session server-side (as if Betfair restarted or expired them all).
    pub fn expire_all_sessions(&self) {
        self.lock().sessions.clear();
    }

    /// The next successful keepAlive moves the session to a new token, answers that token in
    /// `token`, and stops accepting the old one (Betfair's answers carry a token; clients adopt
    /// it when it differs). Calls queue up.
    pub fn rotate_token_on_keep_alive(&self) {
        self.lock().rotate_keep_alives += 1;
    }

    /// Creates `count` unactivated subscription tokens for the vendor app `app_key` at once (to
    /// reach the 15,000 cap without 15,000 requests).
    pub fn seed_unactivated_tokens(&self, app_key: &str, count: usize) {
        let now = self.clock.now();
        let mut st = self.lock();
        for _ in 0..count {
            st.vendor.new_sub(app_key, now, Some(365), None);
        }
    }

    /// Unactivated (not expired, not cancelled) subscription tokens of `app_key`.
    pub fn unactivated_tokens(&self, app_key: &str) -> usize {
        let now = self.clock.now();
        self.lock().vendor.unactivated(app_key, now)
    }

    /// The status of a subscription token, now.
    pub fn subscription_status(&self, token: &str) -> Option<SubscriptionStatus> {
        let now = self.clock.now();
        self.lock()
            .vendor
            .subs
            .iter()
            .find(|s| s.token == token)
            .map(|s| SubscriptionStatus::parse(s.status(now)))
    }

    /// The customer whose subscription `token` is, once activated.
    pub fn subscription_customer(&self, token: &str) -> Option<String> {
        self.lock()
            .vendor
            .subs
            .iter()
            .find(|s| s.token == token)
            .and_then(|s| s.customer.clone())
    }

    /// `username`'s vendor client id for the vendor owning `app_key`, once created.
    pub fn vendor_client_id(&self, username: &str, app_key: &str) -> Option<String> {
        let st = self.lock();
        let owner = st
            .vendor
            .apps
            .iter()
            .find(|a| a.app_key == app_key)?
            .owner
            .clone();
        st.vendor
            .client_ids
            .get(&(username.to_owned(), owner))
            .cloned()
    }

    /// Issues a web-app authorisation code for `username` and the web app `vendor_id`, as
    /// Betfair's consent page would before redirecting the browser (single use, 10 minutes).
    pub fn issue_authorisation_code(&self, username: &str, vendor_id: i64) -> String {
        let now = self.clock.now();
        self.lock().vendor.issue_code(username, vendor_id, now)
    }

    /// Whether `username` has authorised the web app `vendor_id` (holds a refresh token).
    pub fn has_web_app_grant(&self, username: &str, vendor_id: i64) -> bool {
        self.lock().vendor.has_grant(username, vendor_id)
    }

    /// Invalidates every web-app access token (refresh tokens keep working).
    pub fn expire_access_tokens(&self) {
        self.lock().vendor.expire_access_tokens();
    }

    /// Marks `username` as affiliated with every vendor (`getAffiliateRelation`).
    pub fn mark_affiliated(&self, username: &str) {
        self.lock().vendor.affiliated.insert(username.to_owned());
    }

    /// Until when `username` cannot log in because of the login rate limit.
    pub fn banned_until(&self, username: &str) -> Option<SystemTime> {
        let now = self.clock.now();
        self.lock().bans.get(username).copied().filter(|t| *t > now)
    }
}
