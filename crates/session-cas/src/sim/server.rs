//! The running simulator, [`CasSim`]: its URLs, a provider configuration pointed at it, request
//! counts, scripted failures and ticket inspection.

use super::*;

impl fmt::Debug for CasSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CasSim")
            .field("flavor", &self.shared.flavor)
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

impl CasSim {
    /// A builder for a simulator of `flavor`.
    pub fn builder(flavor: Flavor) -> CasSimBuilder {
        CasSimBuilder {
            flavor,
            clock: Arc::new(SystemClock),
            users: Vec::new(),
            api: None,
            lifetimes: Lifetimes::default(),
            services: None,
            status_refreshes_idle: true,
            ticket_tag: format!("{:016x}", random_u64()),
            ticket_suffix: "-sim".to_owned(),
            lock_after: None,
            location_base: None,
            service_ticket_ttl: Duration::from_secs(10),
            send_expiry: true,
            resource_rejection: ResourceRejection::TicketNotFound,
            tls: None,
        }
    }

    /// The flavor served.
    pub fn flavor(&self) -> Flavor {
        self.shared.flavor
    }

    /// The base URL a provider should use: `http://127.0.0.1:PORT/v2/sessions` (William Hill) or
    /// `http://127.0.0.1:PORT/cas` (Apereo).
    pub fn base_url(&self) -> String {
        match self.shared.flavor {
            Flavor::WhApi => self.server.url("/v2/sessions"),
            Flavor::Apereo => self.server.url("/cas"),
        }
    }

    /// The URL of the authenticated resource at `path` (William Hill flavor):
    /// `http://127.0.0.1:PORT/resource{path}`, e.g. `resource_url("/accounts/me")`. Send
    /// `apiKey`, `apiSecret` and `apiTicket`, as [`CasSession`](crate::CasSession)'s
    /// `authenticate` does. A successful request answers 200
    /// `{"method", "path", "username"}` and, like a use of the ticket on another API that this
    /// crate cannot see, does not move the ticket's idle deadline.
    pub fn resource_url(&self, path: &str) -> String {
        self.server.url(&format!("/resource{path}"))
    }

    /// A provider configuration pointed at this simulator: its base URL, flavor, clock, loopback
    /// allowed, (William Hill) its API credentials or placeholders, and the first user's name
    /// and password (a user the simulator does not know when it has none). Change what a test
    /// needs ([`CasBuilder::credentials`] for another user) and build.
    pub fn provider_builder(&self) -> CasBuilder {
        let credentials = self
            .shared
            .users
            .first()
            .cloned()
            .unwrap_or_else(|| UsernamePassword::new("no-such-user", "no-such-password"));
        let mut config = CasProvider::builder(self.base_url(), credentials)
            .flavor(self.shared.flavor)
            .clock(self.shared.clock.clone())
            .allow_insecure_loopback(true);
        if self.shared.flavor == Flavor::WhApi {
            let api = self.shared.api.clone().unwrap_or_else(|| {
                ApiKeySecret::new("l7xxSIMULATORKEY00000", "SIMULATORSECRET000000")
            });
            config = config.api_credentials(api);
        }
        config
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    /// Requests seen so far for `op` (including failed ones).
    pub fn calls(&self, op: SimOp) -> usize {
        self.shared.ledger.calls(op)
    }

    /// Every request seen so far (the most recent
    /// [`DEFAULT_LOG_CAPACITY`](session_core::test_util::DEFAULT_LOG_CAPACITY)), oldest first,
    /// with the operation it was counted under; [`SimRequest::line`] gives `METHOD /path?query`.
    pub fn requests(&self) -> Vec<SimRecord<SimOp>> {
        self.shared.ledger.requests()
    }

    /// Every ticket issued so far (ticket-granting and service tickets), for leak checks.
    pub fn issued_tickets(&self) -> Vec<String> {
        self.state().issued.clone()
    }

    /// The marker embedded in every ticket.
    pub fn ticket_tag(&self) -> &str {
        &self.shared.ticket_tag
    }

    /// Ticket-granting tickets alive now.
    pub fn live_tickets(&self) -> usize {
        let now = self.shared.clock.now();
        let mut st = self.state();
        self.shared.sweep(&mut st, now);
        st.tickets.len()
    }

    /// Answers the next request for `op` with `fault`. Faults queue up per operation and are
    /// played in order.
    pub fn fail_next(&self, op: SimOp, fault: SimFault) {
        self.shared.ledger.fail_next(op, fault);
    }

    /// Answers every login with 429 (and `Retry-After`) until `duration` has passed on the clock.
    pub fn ban_for(&self, duration: Duration) {
        let until = timing::after(self.shared.clock.now(), duration);
        self.state().banned_until = Some(until);
    }

    /// Locks `username` (William Hill 20504, Apereo `AccountLockedException`).
    pub fn lock_account(&self, username: &str) {
        self.state().locked.insert(username.to_owned());
    }

    /// Forgets every ticket, as a CAS restart with a non-persistent registry does.
    pub fn revoke_all(&self) {
        let mut st = self.state();
        st.tickets.clear();
        st.service_tickets.clear();
    }

    /// Redeems a service ticket as the target service would (CAS `serviceValidate`): single use
    /// (gone after the first attempt, valid or not), valid only for the service it was minted for
    /// and before its short lifetime ends. Returns the user name on success.
    pub fn redeem_service_ticket(&self, ticket: &str, service: &str) -> Option<String> {
        let now = self.shared.clock.now();
        let st = self.state().service_tickets.remove(ticket)?;
        (st.service == service && now < st.expires).then_some(st.username)
    }
}
