//! [`CasSimBuilder`]'s options and starting the server.

use super::*;

impl fmt::Debug for CasSimBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CasSimBuilder")
            .field("flavor", &self.flavor)
            .field("users", &self.users)
            .field("api", &self.api)
            .field("lifetimes", &self.lifetimes)
            .finish_non_exhaustive()
    }
}

impl CasSimBuilder {
    session_core::sim_tls_option!();

    /// The clock that drives ticket expiry (default the system clock).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Adds an account that can log in.
    #[must_use]
    pub fn user(mut self, username: &str, password: &str) -> Self {
        self.users.push(UsernamePassword::new(username, password));
        self
    }

    /// William Hill flavor: the `apiKey` / `apiSecret` every request must carry (default: any
    /// values are accepted, but the headers must be present).
    #[must_use]
    pub fn api_credentials(mut self, key: &str, secret: &str) -> Self {
        self.api = Some(ApiKeySecret::new(key, secret));
        self
    }

    /// Ticket lifetimes the server enforces (default 7,200 s idle, 28,000 s hard cap, 60 days
    /// extended).
    #[must_use]
    pub fn lifetimes(mut self, lifetimes: Lifetimes) -> Self {
        self.lifetimes = lifetimes;
        self
    }

    /// Restricts service tickets to these target URLs (default: any target is established).
    #[must_use]
    pub fn services<I, S>(mut self, services: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.services = Some(services.into_iter().map(Into::into).collect());
        self
    }

    /// Whether a validation (`GET` on the ticket) counts as use and pushes the idle deadline back
    /// (default `true`; real Apereo servers only count service-ticket grants).
    #[must_use]
    pub fn status_refreshes_idle(mut self, refreshes: bool) -> Self {
        self.status_refreshes_idle = refreshes;
        self
    }

    /// A marker embedded in every ticket the simulator issues (default: random), so leak tests can
    /// look for it.
    #[must_use]
    pub fn ticket_tag(mut self, tag: &str) -> Self {
        self.ticket_tag = tag.to_owned();
        self
    }

    /// The end of every ticket-granting ticket (default `-sim`). Real CAS servers append a host
    /// name; `-https://cas.example.org` reproduces the ticket that broke `lastIndexOf('/')`
    /// parsers.
    #[must_use]
    pub fn ticket_suffix(mut self, suffix: &str) -> Self {
        self.ticket_suffix = suffix.to_owned();
        self
    }

    /// Locks an account (William Hill 20504, Apereo `AccountLockedException`) after this many
    /// consecutive bad passwords (default: never).
    #[must_use]
    pub fn lock_after(mut self, failures: u32) -> Self {
        self.lock_after = Some(failures);
        self
    }

    /// Apereo: the scheme, host and prefix used in `Location` headers instead of the server's own
    /// (a CAS behind a reverse proxy announces its internal address).
    #[must_use]
    pub fn location_base(mut self, base: &str) -> Self {
        self.location_base = Some(base.trim_end_matches('/').to_owned());
        self
    }

    /// How long a service ticket can be redeemed (default 10 s, Apereo's default).
    #[must_use]
    pub fn service_ticket_ttl(mut self, ttl: Duration) -> Self {
        self.service_ticket_ttl = ttl;
        self
    }

    /// William Hill: whether login answers carry `expiryDateTime` (default `true`).
    #[must_use]
    pub fn send_expiry(mut self, send: bool) -> Self {
        self.send_expiry = send;
        self
    }

    /// How the authenticated resource (`/resource…`) rejects a ticket that is not live (default
    /// [`ResourceRejection::TicketNotFound`]).
    #[must_use]
    pub fn resource_rejection(mut self, rejection: ResourceRejection) -> Self {
        self.resource_rejection = rejection;
        self
    }

    /// Starts the server on a free loopback port.
    pub async fn start(self) -> std::io::Result<CasSim> {
        let shared = Arc::new(Shared {
            flavor: self.flavor,
            clock: self.clock,
            users: self.users,
            api: self.api,
            lifetimes: self.lifetimes,
            services: self.services,
            status_refreshes_idle: self.status_refreshes_idle,
            ticket_tag: self.ticket_tag,
            ticket_suffix: self.ticket_suffix,
            lock_after: self.lock_after,
            location_base: self.location_base,
            service_ticket_ttl: self.service_ticket_ttl,
            send_expiry: self.send_expiry,
            resource_rejection: self.resource_rejection,
            origin: Mutex::new(String::new()),
            state: Mutex::new(State::default()),
            ledger: Ledger::new(),
        });
        let handler = shared.clone();
        let server = SimServer::start_on(move |req| handler.handle(&req), self.tls).await?;
        *shared.origin.lock().unwrap_or_else(|p| p.into_inner()) = server.base_url();
        Ok(CasSim { shared, server })
    }
}
