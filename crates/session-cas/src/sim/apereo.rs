//! The Apereo CAS REST protocol flavor: ticket-granting tickets, service tickets, validation and
//! logout under `/cas/v1/tickets`.

use super::*;

impl Shared {
    pub(super) fn route_apereo(
        &self,
        req: &SimRequest,
        seg: &[String],
        now: SystemTime,
    ) -> SimResponse {
        let rest: Vec<&str> = match seg {
            [cas, v1, tickets, rest @ ..] if cas == "cas" && v1 == "v1" && tickets == "tickets" => {
                rest.iter().map(String::as_str).collect()
            }
            _ => return SimResponse::text(404, "not found"),
        };
        let op = match (&req.method, rest.as_slice()) {
            (&Method::POST, []) => SimOp::Login,
            (&Method::GET, [_]) => SimOp::Validate,
            (&Method::DELETE, [_]) => SimOp::Logout,
            (&Method::POST, [_]) => SimOp::ServiceTicket,
            (_, []) => return SimResponse::status(405),
            _ => return SimResponse::text(404, "not found"),
        };
        let ticket = rest.first().copied().unwrap_or_default();
        self.answer(op, req, || match op {
            SimOp::Login => self.apereo_login(req, now),
            SimOp::Validate => self.apereo_validate(ticket, now),
            SimOp::Logout => {
                self.state().tickets.remove(ticket);
                SimResponse::text(200, "")
            }
            SimOp::ServiceTicket => self.apereo_service_ticket(req, ticket, now),
            // The Apereo simulator has no authenticated resource.
            SimOp::Resource => SimResponse::text(404, "not found"),
        })
    }

    fn form_ok(req: &SimRequest) -> bool {
        req.header("content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
    }

    /// `POST /cas/v1/tickets`: a ticket-granting ticket for a form login.
    fn apereo_login(&self, req: &SimRequest, now: SystemTime) -> SimResponse {
        if !Self::form_ok(req) {
            return SimResponse::status(415);
        }
        let mut st = self.state();
        let form = req.form();
        let (Some(username), Some(password)) = (form.get("username"), form.get("password")) else {
            return SimResponse::text(
                400,
                "No credentials are provided or extracted to authenticate the REST request",
            );
        };
        if let Some(r) = self.ban_response(&st, now) {
            return r;
        }
        if let Err(f) = self.check_credentials(&mut st, username, password) {
            return self.cas_fault(f);
        }
        let (tgt, _) = self.issue(&mut st, username, false, now);
        let base = match &self.location_base {
            Some(b) => b.clone(),
            None => format!(
                "{}/cas",
                self.origin.lock().unwrap_or_else(|p| p.into_inner())
            ),
        };
        let location = format!("{base}/v1/tickets/{tgt}");
        let html = req
            .header("accept")
            .is_none_or(|a| a.contains("text/html") || a.trim() == "*/*");
        let resp = if html {
            SimResponse::html(
                201,
                format!(
                    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\"><html><head><title>201 Created</title></head><body><h1>TGT Created</h1><form action=\"{location}\" method=\"POST\">Service:<input type=\"text\" name=\"service\" value=\"\"><br><input type=\"submit\" value=\"Submit\"></form></body></html>"
                ),
            )
        } else {
            SimResponse::text(201, tgt)
        };
        resp.header("location", &location)
    }

    /// `GET /cas/v1/tickets/{tgt}`: whether the ticket is live.
    fn apereo_validate(&self, ticket: &str, now: SystemTime) -> SimResponse {
        let mut st = self.state();
        match self.live(&mut st, ticket, now) {
            Some(t) => {
                if self.status_refreshes_idle {
                    t.last_used = now;
                }
                SimResponse::text(200, ticket)
            }
            None => SimResponse::text(404, "Ticket could not be found"),
        }
    }

    /// `POST /cas/v1/tickets/{tgt}`: a service ticket for the form's `service`.
    fn apereo_service_ticket(
        &self,
        req: &SimRequest,
        ticket: &str,
        now: SystemTime,
    ) -> SimResponse {
        if !Self::form_ok(req) {
            return SimResponse::status(415);
        }
        let form = req.form();
        let Some(service) = form.get("service").filter(|s| !s.is_empty()) else {
            return SimResponse::text(400, "Target service/application is unspecified");
        };
        let mut st = self.state();
        if self.live(&mut st, ticket, now).is_none() {
            return SimResponse::text(404, "ticket could not be found or is considered invalid");
        }
        if !self.service_established(service) {
            return SimResponse::text(
                500,
                "Target service/application is unspecified or unrecognized",
            );
        }
        match self.mint_service_ticket(&mut st, ticket, service, now) {
            Some(id) => SimResponse::text(200, id),
            None => SimResponse::text(404, "ticket could not be found or is considered invalid"),
        }
    }
}
