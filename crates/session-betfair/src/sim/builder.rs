//! [`BetfairSimBuilder`]'s options, and starting the simulator (with an optional certificate
//! login server).

use super::*;

impl fmt::Debug for BetfairSimBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BetfairSimBuilder")
            .field("accounts", &self.accounts.len())
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl BetfairSimBuilder {
    /// The clock sessions and bans expire on (default [`SystemClock`]; tests pass a
    /// `ManualClock`).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Adds an account.
    #[must_use]
    pub fn account(mut self, username: &str, password: &str) -> Self {
        self.first_account
            .get_or_insert_with(|| (username.to_owned(), password.to_owned()));
        self.accounts.insert(
            username.to_owned(),
            Account {
                password: password.to_owned(),
                two_factor: None,
            },
        );
        self
    }

    /// Adds an account with two-factor authentication: interactive login needs `code` appended
    /// to the password (the password alone gets `LOGIN_RESTRICTED` / `STRONG_AUTH_CODE_REQUIRED`);
    /// certificate login does not.
    #[must_use]
    pub fn account_with_two_factor(mut self, username: &str, password: &str, code: &str) -> Self {
        self.first_account
            .get_or_insert_with(|| (username.to_owned(), format!("{password}{code}")));
        self.accounts.insert(
            username.to_owned(),
            Account {
                password: password.to_owned(),
                two_factor: Some(code.to_owned()),
            },
        );
        self
    }

    /// Accepts only this app key on interactive login (default: any non-empty key).
    #[must_use]
    pub fn app_key(mut self, app_key: &str) -> Self {
        self.app_key = Some(app_key.to_owned());
        self
    }

    /// Session lifetime without keepAlive (default 12 hours).
    #[must_use]
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Successful logins allowed per account per minute (default 100) and the ban that follows
    /// (default 20 minutes).
    #[must_use]
    pub fn login_limit(mut self, per_minute: usize, ban: Duration) -> Self {
        self.login_limit = per_minute;
        self.ban = ban;
        self
    }

    /// Whether `/certlogin` requires a TLS client certificate (default `true`; over plain HTTP it
    /// then always answers `CERT_AUTH_REQUIRED`, like Betfair's retired non-cert host).
    #[must_use]
    pub fn require_client_cert(mut self, require: bool) -> Self {
        self.require_client_cert = require;
        self
    }

    /// Adds a vendor application (Accounts API vendor services).
    #[must_use]
    pub fn vendor_app(mut self, app: SimVendorApp) -> Self {
        self.vendor_apps.push(app);
        self
    }

    /// How many unactivated subscription tokens a vendor app may have (default Betfair's
    /// 15,000); the next `getApplicationSubscriptionToken` answers `TOO_MANY_REQUESTS`.
    #[must_use]
    pub fn unactivated_token_cap(mut self, cap: usize) -> Self {
        self.unactivated_cap = cap;
        self
    }

    /// The web-app access-token lifetime (default 4 hours, Betfair's `expires_in` of 14,400).
    #[must_use]
    pub fn web_access_ttl(mut self, ttl: Duration) -> Self {
        self.web_access_ttl = ttl;
        self
    }

    fn state(self) -> (Arc<Mutex<State>>, Arc<dyn Clock>) {
        let state = State {
            accounts: self.accounts,
            first_account: self.first_account,
            app_key: self.app_key,
            lifetime: self.lifetime,
            login_limit: self.login_limit,
            ban: self.ban,
            require_client_cert: self.require_client_cert,
            sessions: HashMap::new(),
            recent_logins: HashMap::new(),
            bans: HashMap::new(),
            rotate_keep_alives: 0,
            successful_logins: 0,
            next_token: 0,
            vendor: vendor::VendorState::new(
                self.vendor_apps,
                self.unactivated_cap,
                self.web_access_ttl,
            ),
        };
        (Arc::new(Mutex::new(state)), self.clock)
    }

    /// Starts the simulator over plain HTTP on `127.0.0.1` (every endpoint on one server).
    pub async fn start(self) -> Result<BetfairSim> {
        let (state, clock) = self.state();
        let ledger = Arc::new(Ledger::new());
        let server = serve(&state, &ledger, &clock, None).await?;
        Ok(BetfairSim {
            state,
            ledger,
            clock,
            server,
            cert_server: None,
        })
    }

    /// Starts the simulator over plain HTTP, plus a TLS server with `tls` (which should require
    /// client certificates) for certificate login; [`BetfairSim::cert_url`] points at the latter.
    pub async fn start_with_cert_server(
        self,
        tls: Arc<rustls::ServerConfig>,
    ) -> Result<BetfairSim> {
        let (state, clock) = self.state();
        let ledger = Arc::new(Ledger::new());
        let server = serve(&state, &ledger, &clock, None).await?;
        let cert_server = serve(&state, &ledger, &clock, Some(tls)).await?;
        Ok(BetfairSim {
            state,
            ledger,
            clock,
            server,
            cert_server: Some(cert_server),
        })
    }
}

async fn serve(
    state: &Arc<Mutex<State>>,
    ledger: &Arc<Ledger<SimOp, BetfairFault>>,
    clock: &Arc<dyn Clock>,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Result<SimServer> {
    let (state, ledger, clock) = (state.clone(), ledger.clone(), clock.clone());
    SimServer::start_on(move |req| handle(&state, &ledger, clock.as_ref(), req), tls)
        .await
        .map_err(|_| Error::new(ErrorKind::Unavailable, NAME, "simulator could not start"))
}
