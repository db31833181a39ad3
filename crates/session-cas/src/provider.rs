//! The provider ([`CasProvider`]) and its session ([`CasSession`]): login, validation as renewal,
//! service tickets, logout, local lifetime tracking and session persistence.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use http::HeaderMap;
use session_core::http::{HttpClient, HttpResponse};
use session_core::timing;
use session_core::{
    ApiKeySecret, Clock, Error, ErrorKind, Expiry, PersistedSession, RenewPolicy, Renewal, Result,
    Session, SessionProvider, Ticket, UsernamePassword, sensitive_value,
};
use url::Url;

use crate::config::{CasBuilder, Flavor, Lifetimes, Settings};
use crate::error::{NAME, is_rejection};
use crate::wire;

/// How long before a deadline the manager renews (plus up to [`RENEW_JITTER`]).
const RENEW_BUFFER: Duration = Duration::from_secs(120);
/// Random extra lead per session, so processes that logged in together do not renew together.
const RENEW_JITTER: Duration = Duration::from_secs(30);

/// A logged-in CAS session: the ticket-granting ticket (TGT) and its locally tracked lifetime.
///
/// The deadline is the earlier of the hard deadline (issue time + the hard cap, capped by the
/// server's `expiryDateTime`) and, for normal tickets, the idle deadline (last successful use +
/// the idle timeout). Successful validations and service-ticket grants through the
/// [`CasProvider`] move the idle deadline.
///
/// [`Session::authenticate`] adds `apiKey`, `apiSecret` and `apiTicket: <TGT>` (all marked
/// sensitive) for the William Hill flavor, which is what William Hill's other v2 APIs expect.
/// For the Apereo flavor it adds nothing: CAS-protected services are reached with a service ticket
/// from [`CasProvider::service_ticket`], never with the TGT itself.
pub struct CasSession {
    ticket: Ticket,
    flavor: Flavor,
    extended: bool,
    issued_at: SystemTime,
    hard_deadline: SystemTime,
    idle_timeout: Option<Duration>,
    last_used: Mutex<SystemTime>,
    temporary_password: bool,
    temporary_password_url: Option<String>,
    app: Option<Arc<ApiKeySecret>>,
}

impl Clone for CasSession {
    fn clone(&self) -> Self {
        Self {
            ticket: self.ticket.clone(),
            flavor: self.flavor,
            extended: self.extended,
            issued_at: self.issued_at,
            hard_deadline: self.hard_deadline,
            idle_timeout: self.idle_timeout,
            last_used: Mutex::new(self.last_used()),
            temporary_password: self.temporary_password,
            temporary_password_url: self.temporary_password_url.clone(),
            app: self.app.clone(),
        }
    }
}

impl fmt::Debug for CasSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CasSession")
            .field("ticket", &self.ticket)
            .field("flavor", &self.flavor)
            .field("extended", &self.extended)
            .field("issued_at", &self.issued_at)
            .field("hard_deadline", &self.hard_deadline)
            .field("idle_timeout", &self.idle_timeout)
            .field("last_used", &self.last_used())
            .field("temporary_password", &self.temporary_password)
            .field(
                "temporary_password_url",
                &self.temporary_password_url.as_ref().map(|_| "[present]"),
            )
            .finish_non_exhaustive()
    }
}

impl CasSession {
    /// The ticket-granting ticket. Secret: send it only where a request needs it.
    pub fn ticket(&self) -> &Ticket {
        &self.ticket
    }

    /// The flavor that issued it.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// Whether it is an extended (60-day, no idle timeout) William Hill ticket.
    pub fn is_extended(&self) -> bool {
        self.extended
    }

    /// When the login request that obtained it was sent (local clock).
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }

    /// When it dies however it is used.
    pub fn hard_deadline(&self) -> SystemTime {
        self.hard_deadline
    }

    /// When it dies if it is not used again (`None` for extended tickets).
    pub fn idle_deadline(&self) -> Option<SystemTime> {
        self.idle_timeout
            .map(|idle| timing::after(self.last_used(), idle))
    }

    /// When it was last used successfully (or issued).
    pub fn last_used(&self) -> SystemTime {
        *self.last_used.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The earlier of the hard and idle deadlines.
    pub fn deadline(&self) -> SystemTime {
        match self.idle_deadline() {
            Some(idle) => idle.min(self.hard_deadline),
            None => self.hard_deadline,
        }
    }

    /// Whether the account has a temporary password the user should change (William Hill's
    /// `temporaryPassword`).
    pub fn temporary_password(&self) -> bool {
        self.temporary_password
    }

    /// Where the user changes a temporary password (William Hill's `temporaryPasswordUrl`; the
    /// server documents that the TGT must be added to it, without saying how).
    pub fn temporary_password_url(&self) -> Option<&str> {
        self.temporary_password_url.as_deref()
    }

    /// Records a successful use that started at `at`.
    fn touch(&self, at: SystemTime) {
        let mut last = self.last_used.lock().unwrap_or_else(|p| p.into_inner());
        if at > *last {
            *last = at;
        }
    }
}

impl Session for CasSession {
    fn expiry(&self) -> Expiry {
        Expiry::At(self.deadline())
    }

    fn authenticate(&self, headers: &mut HeaderMap) {
        if self.flavor != Flavor::WhApi {
            return;
        }
        if let Some(app) = &self.app {
            if let Some(v) = sensitive_value(app.key.expose_secret()) {
                headers.insert("apiKey", v);
            }
            if let Some(v) = sensitive_value(app.secret.expose_secret()) {
                headers.insert("apiSecret", v);
            }
        }
        if let Some(v) = sensitive_value(self.ticket.expose_secret()) {
            headers.insert("apiTicket", v);
        }
    }
}

/// Logs in to a William Hill Sessions API v2 or Apereo CAS REST server, validates and ends the
/// ticket, and mints service tickets. Build it with [`CasProvider::builder`].
pub struct CasProvider {
    inner: Inner,
}

/// A provider's checked configuration, made by [`CasBuilder::build`](crate::CasBuilder::build):
/// the settings as configured, and what `build` derived from the rest.
pub(crate) struct Inner {
    pub(crate) settings: Settings,
    pub(crate) base: Url,
    pub(crate) api: Option<Arc<ApiKeySecret>>,
    pub(crate) keep_alive: Option<Duration>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) http: HttpClient,
}

impl fmt::Debug for CasProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CasProvider")
            .field("flavor", &self.inner.settings.flavor)
            .field("base", &self.inner.base.as_str())
            .field("credentials", &self.inner.settings.credentials)
            .field("api", &self.inner.api)
            .field("territory", &self.inner.settings.territory)
            .field("extended", &self.inner.settings.extended)
            .field("lifetimes", &self.inner.settings.lifetimes)
            .field("keep_alive", &self.inner.keep_alive)
            .finish_non_exhaustive()
    }
}

impl CasProvider {
    /// Starts a builder for the server at `base_url` (the William Hill Sessions API root, e.g.
    /// `https://sandbox.whapi.com/v2/sessions`, or the CAS prefix for [`Flavor::Apereo`]),
    /// logging in as `credentials`. The flavor defaults to [`Flavor::WhApi`].
    pub fn builder(base_url: impl Into<String>, credentials: UsernamePassword) -> CasBuilder {
        CasBuilder::new(base_url.into(), credentials)
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self { inner }
    }

    /// The flavor this provider speaks.
    pub fn flavor(&self) -> Flavor {
        self.inner.settings.flavor
    }

    /// The configured base URL (all ticket URLs are built from it, never from a server's
    /// `Location`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The lifetimes this provider tracks.
    pub fn lifetimes(&self) -> Lifetimes {
        self.inner.settings.lifetimes
    }

    fn wh(&self) -> Result<wire::WhContext<'_>> {
        let api = self
            .inner
            .api
            .as_deref()
            .ok_or_else(|| Error::configuration(NAME, "missing api credentials"))?;
        Ok(wire::WhContext {
            base: &self.inner.base,
            api,
            territory: self.inner.settings.territory,
            language_as_per_territory: self.inner.settings.language_as_per_territory,
        })
    }

    /// Refuses, without a request, a session of another flavor or one past its local deadline.
    fn check_usable(&self, session: &CasSession, now: SystemTime) -> Result<()> {
        if session.flavor != self.inner.settings.flavor {
            return Err(Error::configuration(
                NAME,
                "session belongs to another cas flavor",
            ));
        }
        if now >= session.deadline() {
            return Err(Error::new(
                ErrorKind::SessionRejected,
                NAME,
                "ticket expired (idle timeout or hard cap)",
            ));
        }
        Ok(())
    }

    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<HttpResponse> {
        self.inner.http.send(request).await
    }

    /// Asks the server whether the ticket is still valid. On success the ticket counts as used
    /// (its idle deadline moves). Errors: [`ErrorKind::SessionRejected`] when it is gone
    /// (`{"valid": false}`, 404, 20511, or past its local deadline, in which case no request is
    /// made).
    #[tracing::instrument(name = "cas.validate", skip_all, fields(provider = NAME, flavor = %self.inner.settings.flavor))]
    pub async fn validate(&self, session: &CasSession) -> Result<()> {
        let sent_at = self.inner.clock.now();
        self.check_usable(session, sent_at)?;
        match self.inner.settings.flavor {
            Flavor::WhApi => {
                let resp = self
                    .send(wire::wh_validate(&self.wh()?, &session.ticket)?)
                    .await?;
                wire::parse_wh_validate(&resp)?;
            }
            Flavor::Apereo => {
                let resp = self
                    .send(wire::apereo_status(&self.inner.base, &session.ticket)?)
                    .await?;
                wire::parse_apereo_status(&resp)?;
            }
        }
        session.touch(sent_at);
        Ok(())
    }

    /// Mints a one-time service ticket (`ST-...`) for `target`, the URL of a CAS-enabled service.
    /// Service tickets are single use and short-lived: call this for every access, never cache
    /// the result. On success the TGT counts as used.
    ///
    /// Errors: [`ErrorKind::SessionRejected`] when the TGT is gone (404, 20511, or past its local
    /// deadline, with no request); the "target service not established" error (20510 / 20502,
    /// Apereo's unknown service) is [`ErrorKind::Configuration`], recognized by
    /// [`is_target_not_established`](crate::is_target_not_established).
    #[tracing::instrument(name = "cas.service_ticket", skip_all, fields(provider = NAME, flavor = %self.inner.settings.flavor))]
    pub async fn service_ticket(&self, session: &CasSession, target: &str) -> Result<Ticket> {
        let sent_at = self.inner.clock.now();
        self.check_usable(session, sent_at)?;
        let st = match self.inner.settings.flavor {
            Flavor::WhApi => {
                let req = wire::wh_service_ticket(
                    &self.wh()?,
                    &session.ticket,
                    target,
                    &self.inner.settings.service_ticket_fields,
                )?;
                wire::parse_wh_service_ticket(&self.send(req).await?)?
            }
            Flavor::Apereo => {
                let req = wire::apereo_service_ticket(&self.inner.base, &session.ticket, target)?;
                wire::parse_apereo_service_ticket(&self.send(req).await?)?
            }
        };
        session.touch(sent_at);
        Ok(st)
    }

    fn new_session(
        &self,
        ticket: Ticket,
        extended: bool,
        issued_at: SystemTime,
        hard_deadline: SystemTime,
    ) -> CasSession {
        CasSession {
            ticket,
            flavor: self.inner.settings.flavor,
            extended,
            issued_at,
            hard_deadline,
            idle_timeout: (!extended).then_some(self.inner.settings.lifetimes.idle_timeout),
            last_used: Mutex::new(issued_at),
            temporary_password: false,
            temporary_password_url: None,
            app: self.inner.api.clone(),
        }
    }
}

#[async_trait]
impl SessionProvider for CasProvider {
    type Session = CasSession;

    fn name(&self) -> &'static str {
        NAME
    }

    #[tracing::instrument(name = "cas.login", skip_all, fields(provider = NAME, flavor = %self.inner.settings.flavor))]
    async fn login(&self) -> Result<CasSession> {
        let sent_at = self.inner.clock.now();
        let user = &self.inner.settings.credentials;
        match self.inner.settings.flavor {
            Flavor::WhApi => {
                let req = wire::wh_login(
                    &self.wh()?,
                    &user.username,
                    &user.password,
                    wire::Extended {
                        wanted: self.inner.settings.extended,
                        encoding: self.inner.settings.extended_encoding,
                        placement: self.inner.settings.extended_placement,
                    },
                    &self.inner.settings.login_fields,
                )?;
                let resp = self.send(req).await?;
                let login = wire::parse_wh_login(&resp)?;
                let received_at = self.inner.clock.now();
                // The server's echo can only shorten the ticket: an explicit `false` means the
                // request for an extended ticket was not honoured.
                let extended = self.inner.settings.extended && login.extended != Some(false);
                let cap = if extended {
                    self.inner.settings.lifetimes.extended_lifetime
                } else {
                    self.inner.settings.lifetimes.max_lifetime
                };
                let hard =
                    wire::hard_deadline(sent_at, received_at, cap, login.expiry, login.server_date);
                let mut session = self.new_session(login.ticket, extended, sent_at, hard);
                session.temporary_password = login.temporary_password;
                session.temporary_password_url = login.temporary_password_url;
                tracing::debug!(extended, "cas ticket granted");
                Ok(session)
            }
            Flavor::Apereo => {
                let req = wire::apereo_login(&self.inner.base, &user.username, &user.password)?;
                let resp = self.send(req).await?;
                let ticket = wire::parse_apereo_login(&resp)?;
                let hard = timing::after(sent_at, self.inner.settings.lifetimes.max_lifetime);
                tracing::debug!("cas ticket granted");
                Ok(self.new_session(ticket, false, sent_at, hard))
            }
        }
    }

    /// Validates the ticket (or, with [`CasBuilder::renew_service`], mints and discards a service
    /// ticket), which counts as use: the session is extended to the new idle deadline, capped by
    /// the hard deadline. Within the renewal window of the hard deadline no use can help, so this
    /// answers [`Renewal::Unsupported`] and the manager logs in again.
    #[tracing::instrument(name = "cas.renew", skip_all, fields(provider = NAME, flavor = %self.inner.settings.flavor))]
    async fn renew(&self, session: &CasSession) -> Result<Renewal<CasSession>> {
        let now = self.inner.clock.now();
        self.check_usable(session, now)?;
        let left = session
            .hard_deadline
            .duration_since(now)
            .unwrap_or(Duration::ZERO);
        if left <= RENEW_BUFFER.saturating_add(RENEW_JITTER) {
            return Ok(Renewal::Unsupported);
        }
        match &self.inner.settings.renew_service {
            Some(service) => {
                self.service_ticket(session, service).await?;
            }
            None => self.validate(session).await?,
        }
        Ok(Renewal::Extended(session.expiry()))
    }

    #[tracing::instrument(name = "cas.logout", skip_all, fields(provider = NAME, flavor = %self.inner.settings.flavor))]
    async fn logout(&self, session: &CasSession) -> Result<()> {
        if session.flavor != self.inner.settings.flavor {
            return Err(Error::configuration(
                NAME,
                "session belongs to another cas flavor",
            ));
        }
        match self.inner.settings.flavor {
            Flavor::WhApi => {
                let resp = self
                    .send(wire::wh_logout(&self.wh()?, &session.ticket)?)
                    .await?;
                wire::parse_wh_logout(&resp)
            }
            Flavor::Apereo => {
                let resp = self
                    .send(wire::apereo_logout(&self.inner.base, &session.ticket)?)
                    .await?;
                wire::parse_apereo_logout(&resp)
            }
        }
    }

    fn policy(&self) -> RenewPolicy {
        RenewPolicy::default()
            .with_keep_alive(self.inner.keep_alive)
            .with_default_ttl(self.inner.settings.lifetimes.idle_timeout)
            .with_buffer(RENEW_BUFFER)
            .with_jitter(RENEW_JITTER)
    }

    fn store_key(&self) -> String {
        format!(
            "{NAME}:{}:{}:{}",
            self.inner.settings.flavor,
            self.inner.base.as_str(),
            self.inner.settings.credentials.username
        )
    }

    fn persist(&self, session: &CasSession) -> Option<PersistedSession> {
        Some(
            PersistedSession::writer()
                .field("v", 1)
                .field("flavor", session.flavor.as_str())
                .secret("ticket", session.ticket.expose_secret())
                .field("extended", session.extended)
                .time("issued_at", session.issued_at)
                .time("hard_deadline", session.hard_deadline)
                .time("last_used", session.last_used())
                .secs("idle_timeout", session.idle_timeout)
                .field("temporary_password", session.temporary_password)
                .finish(Some(session.deadline())),
        )
    }

    fn restore(&self, persisted: &PersistedSession) -> Result<CasSession> {
        let mut s = persisted.reader(NAME)?;
        if s.field::<String>("flavor")? != self.inner.settings.flavor.as_str() {
            return Err(Error::configuration(
                NAME,
                "stored session belongs to another cas flavor",
            ));
        }
        let mut session = self.new_session(
            s.secret("ticket")?,
            s.field("extended")?,
            s.time("issued_at")?,
            s.time("hard_deadline")?,
        );
        session.idle_timeout = s.secs("idle_timeout")?;
        session.touch(s.time("last_used")?);
        session.temporary_password = s
            .field::<Option<bool>>("temporary_password")?
            .unwrap_or(false);
        Ok(session)
    }

    /// Recognizes a dead ticket in a response from another API the session authenticated:
    /// HTTP 401; William Hill code 20511 at any 4xx; a 403/404 whose error `field` names the
    /// ticket (`apiTicket`, `who-ticket`, `tgt`, `ticket`); a v1 `whoFaults` entry about the
    /// ticket. Account-state 403s (205xx) and "target service not established" are not
    /// rejections: logging in again would not help.
    fn is_rejection(&self, response: &HttpResponse) -> bool {
        is_rejection(response)
    }
}
