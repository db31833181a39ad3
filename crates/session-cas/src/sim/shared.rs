//! What both flavors share: request dispatch, the ticket registry (issue, idle and hard expiry,
//! service tickets), request counts and scripted failures, credential checks and lockout, and
//! William Hill's error bodies.

use super::*;

pub(super) fn random_u64() -> u64 {
    RandomState::new().build_hasher().finish()
}

pub(super) fn json(status: u16, value: serde_json::Value) -> SimResponse {
    SimResponse::json(status, value)
}

pub(super) fn wh_error(status: u16, code: &str, field: Option<&str>, message: &str) -> SimResponse {
    let mut entry = serde_json::json!({ "code": code, "message": message });
    if let Some(f) = field {
        entry["field"] = serde_json::Value::String(f.to_owned());
    }
    json(status, serde_json::json!({ "errors": [entry] }))
}

pub(super) fn wh_code_response(code: u32) -> SimResponse {
    let status = match code {
        20501 => 401,
        20511 => 404,
        _ => 403,
    };
    let field = match code {
        20510 => Some("target"),
        20511 => Some("tgt"),
        _ => None,
    };
    wh_error(status, &code.to_string(), field, "simulated failure")
}

fn apereo_auth_failure(exception: &str) -> SimResponse {
    let body = format!(
        "{{\n  \"authentication_exceptions\" : [ \"Authentication failed:authenticationFailure.{exception}\" ]\n}}"
    );
    SimResponse::status(401)
        .header("content-type", "application/json")
        .body(body)
}

impl Shared {
    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn alive(&self, t: &Tgt, now: SystemTime) -> bool {
        now < t.hard
            && (t.extended || now < timing::after(t.last_used, self.lifetimes.idle_timeout))
    }

    pub(super) fn sweep(&self, st: &mut State, now: SystemTime) {
        st.tickets.retain(|_, t| self.alive(t, now));
        st.service_tickets.retain(|_, s| now < s.expires);
    }

    fn new_ticket(&self, st: &mut State, prefix: &str) -> String {
        st.serial += 1;
        let suffix = if prefix == "TGT" {
            self.ticket_suffix.as_str()
        } else {
            "-sim"
        };
        let t = format!(
            "{prefix}-{}-{}{:016x}{:016x}{suffix}",
            st.serial,
            self.ticket_tag,
            random_u64(),
            random_u64()
        );
        st.issued.push(t.clone());
        t
    }

    /// A scripted fault as this flavor answers it.
    pub(super) fn fault_response(&self, fault: SimFault) -> SimResponse {
        match fault {
            SimFault::RateLimited { retry_after } => {
                let r = json(
                    429,
                    serde_json::json!({ "errors": [{ "code": "429", "message": "throttled" }] }),
                );
                match retry_after {
                    Some(d) => r.header("retry-after", &retry_after_secs(d).to_string()),
                    None => r,
                }
            }
            SimFault::Unavailable => json(503, serde_json::json!({ "message": "unavailable" })),
            other => other.render(|fault| self.cas_fault(fault)),
        }
    }

    /// A CAS-specific fault (scripted, or the outcome of a credential check) as this flavor
    /// answers it.
    pub(super) fn cas_fault(&self, fault: CasFault) -> SimResponse {
        let wh = self.flavor == Flavor::WhApi;
        match fault {
            CasFault::InvalidCredentials if wh => wh_code_response(20501),
            CasFault::InvalidCredentials => apereo_auth_failure("FailedLoginException"),
            CasFault::AccountLocked if wh => wh_code_response(20504),
            CasFault::AccountLocked => apereo_auth_failure("AccountLockedException"),
            CasFault::WhCode(code) if wh => wh_code_response(code),
            CasFault::WhCode(_) => SimResponse::text(400, "bad request"),
            CasFault::TicketNotFound if wh => wh_code_response(20511),
            CasFault::TicketNotFound => {
                SimResponse::text(404, "ticket could not be found or is considered invalid")
            }
        }
    }

    pub(super) fn handle(&self, req: &SimRequest) -> SimResponse {
        let now = self.clock.now();
        let date = format_http_date(now);
        let segments = req.segments();
        let resp = match self.flavor {
            Flavor::WhApi if segments.first().is_some_and(|s| s == "resource") => {
                self.route_resource(req, now)
            }
            Flavor::WhApi => self.route_wh(req, &segments, now),
            Flavor::Apereo => self.route_apereo(req, &segments, now),
        };
        resp.header("date", &date)
    }

    /// Counts and logs a request for `op` and answers it: with a scripted fault, or with
    /// `normal`.
    pub(super) fn answer(
        &self,
        op: SimOp,
        req: &SimRequest,
        normal: impl FnOnce() -> SimResponse,
    ) -> SimResponse {
        self.ledger
            .answer(op, req, |fault| self.fault_response(fault), normal)
    }

    pub(super) fn ban_response(&self, st: &State, now: SystemTime) -> Option<SimResponse> {
        let until = st.banned_until.filter(|u| *u > now)?;
        let left = until
            .duration_since(now)
            .unwrap_or_default()
            .as_secs()
            .max(1);
        Some(self.fault_response(SimFault::RateLimited {
            retry_after: Some(Duration::from_secs(left)),
        }))
    }

    /// Checks the password; counts failures and locks when configured.
    pub(super) fn check_credentials(
        &self,
        st: &mut State,
        username: &str,
        password: &str,
    ) -> Result<(), CasFault> {
        if st.locked.contains(username) {
            return Err(CasFault::AccountLocked);
        }
        let ok = self
            .users
            .iter()
            .any(|u| u.username == username && u.password.expose_secret() == password);
        if ok {
            st.failures.remove(username);
            return Ok(());
        }
        let n = st.failures.entry(username.to_owned()).or_insert(0);
        *n += 1;
        if self.lock_after.is_some_and(|limit| *n >= limit) {
            st.locked.insert(username.to_owned());
        }
        Err(CasFault::InvalidCredentials)
    }

    pub(super) fn issue(
        &self,
        st: &mut State,
        username: &str,
        extended: bool,
        now: SystemTime,
    ) -> (String, Tgt) {
        let tgt = self.new_ticket(st, "TGT");
        let life = if extended {
            self.lifetimes.extended_lifetime
        } else {
            self.lifetimes.max_lifetime
        };
        let ticket = Tgt {
            username: username.to_owned(),
            last_used: now,
            hard: timing::after(now, life),
            extended,
        };
        st.tickets.insert(tgt.clone(), ticket.clone());
        (tgt, ticket)
    }

    /// The live ticket `id`, or `None` (expired tickets are forgotten).
    pub(super) fn live<'a>(
        &self,
        st: &'a mut State,
        id: &str,
        now: SystemTime,
    ) -> Option<&'a mut Tgt> {
        self.sweep(st, now);
        st.tickets.get_mut(id)
    }

    pub(super) fn mint_service_ticket(
        &self,
        st: &mut State,
        tgt: &str,
        service: &str,
        now: SystemTime,
    ) -> Option<String> {
        let t = self.live(st, tgt, now)?;
        t.last_used = now;
        let username = t.username.clone();
        let id = self.new_ticket(st, "ST");
        st.service_tickets.insert(
            id.clone(),
            St {
                service: service.to_owned(),
                username,
                expires: timing::after(now, self.service_ticket_ttl),
            },
        );
        Some(id)
    }

    pub(super) fn service_established(&self, service: &str) -> bool {
        self.services
            .as_ref()
            .is_none_or(|list| list.iter().any(|s| s == service))
    }
}
