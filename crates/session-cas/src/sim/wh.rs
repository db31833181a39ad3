//! The William Hill Sessions API v2 flavor: login, ticket validation, service tickets, logout,
//! and the authenticated resource standing in for William Hill's other v2 APIs.

use super::*;

impl Shared {
    pub(super) fn route_wh(
        &self,
        req: &SimRequest,
        seg: &[String],
        now: SystemTime,
    ) -> SimResponse {
        let rest: Vec<&str> = match seg {
            [a, b, rest @ ..] if a == "v2" && b == "sessions" => {
                rest.iter().map(String::as_str).collect()
            }
            _ => return wh_error(404, "404", None, "not found"),
        };
        let op = match (&req.method, rest.as_slice()) {
            (&Method::POST, ["tickets"]) => SimOp::Login,
            (&Method::GET, ["tickets", _]) => SimOp::Validate,
            (&Method::DELETE, ["tickets", _]) => SimOp::Logout,
            (&Method::GET, ["tickets", _, "serviceTicket"]) => SimOp::ServiceTicket,
            _ => return wh_error(404, "404", None, "not found"),
        };
        let ticket = rest.get(1).copied().unwrap_or_default();
        self.answer(op, req, || {
            if !self.wh_app_ok(req) {
                return wh_error(401, "000000", None, "unauthorized");
            }
            match op {
                SimOp::Login => self.wh_login(&mut self.state(), req, now),
                SimOp::Validate => self.wh_validate(ticket, now),
                SimOp::Logout => self.wh_logout(ticket, now),
                SimOp::ServiceTicket => self.wh_service_ticket(req, ticket, now),
                // Served by `route_resource`, never routed here.
                SimOp::Resource => wh_error(404, "404", None, "not found"),
            }
        })
    }

    /// `GET /v2/sessions/tickets/{tgt}`: whether the ticket is live.
    fn wh_validate(&self, ticket: &str, now: SystemTime) -> SimResponse {
        let mut st = self.state();
        match self.live(&mut st, ticket, now) {
            Some(t) => {
                if self.status_refreshes_idle {
                    t.last_used = now;
                }
                json(200, serde_json::json!({ "valid": true }))
            }
            None => wh_code_response(20511),
        }
    }

    /// `DELETE /v2/sessions/tickets/{tgt}`: ends the ticket.
    fn wh_logout(&self, ticket: &str, now: SystemTime) -> SimResponse {
        let mut st = self.state();
        let alive = self.live(&mut st, ticket, now).is_some();
        st.tickets.remove(ticket);
        if alive {
            json(200, serde_json::json!({ "success": true }))
        } else {
            wh_code_response(20511)
        }
    }

    /// `GET /v2/sessions/tickets/{tgt}/serviceTicket?target=…`: a service ticket for `target`.
    fn wh_service_ticket(&self, req: &SimRequest, ticket: &str, now: SystemTime) -> SimResponse {
        let params = req.query_params();
        let Some(target) = params.get("target").filter(|t| !t.is_empty()) else {
            return wh_error(400, "400", Some("target"), "target is required");
        };
        let mut st = self.state();
        if self.live(&mut st, ticket, now).is_none() {
            return wh_code_response(20511);
        }
        if !self.service_established(target) {
            return wh_code_response(20510);
        }
        match self.mint_service_ticket(&mut st, ticket, target, now) {
            Some(id) => json(200, serde_json::json!({ "ticket": id, "location": target })),
            None => wh_code_response(20511),
        }
    }

    /// The authenticated resource standing in for William Hill's other v2 APIs.
    pub(super) fn route_resource(&self, req: &SimRequest, now: SystemTime) -> SimResponse {
        self.answer(SimOp::Resource, req, || {
            if !self.wh_app_ok(req) {
                return wh_error(401, "000000", None, "unauthorized");
            }
            let Some(ticket) = req.header("apiTicket").or_else(|| req.header("who-ticket")) else {
                return wh_error(401, "000000", Some("apiTicket"), "apiTicket is required");
            };
            match self.live(&mut self.state(), ticket, now) {
                Some(t) => json(
                    200,
                    serde_json::json!({
                        "method": req.method.as_str(),
                        "path": req.path,
                        "username": t.username,
                    }),
                ),
                None => self.resource_rejection_response(),
            }
        })
    }

    fn resource_rejection_response(&self) -> SimResponse {
        match self.resource_rejection {
            ResourceRejection::TicketNotFound => {
                wh_error(404, "20511", Some("apiTicket"), "ticket not found")
            }
            ResourceRejection::Unauthorized => wh_error(401, "000000", None, "unauthorized"),
            ResourceRejection::ApiTicketForbidden => {
                wh_error(403, "403", Some("apiTicket"), "invalid ticket")
            }
            ResourceRejection::WhoFault => json(
                403,
                serde_json::json!({ "whoFaults": [{
                    "faultCode": "403",
                    "faultName": "InvalidWhoTicket",
                    "faultString": "who-ticket is not valid",
                }] }),
            ),
        }
    }

    fn wh_app_ok(&self, req: &SimRequest) -> bool {
        let (Some(key), Some(secret)) = (req.header("apiKey"), req.header("apiSecret")) else {
            return false;
        };
        match &self.api {
            Some(api) => api.key.expose_secret() == key && api.secret.expose_secret() == secret,
            None => !key.is_empty() && !secret.is_empty(),
        }
    }

    /// `POST /v2/sessions/tickets`: a ticket-granting ticket for a JSON login.
    fn wh_login(&self, st: &mut State, req: &SimRequest, now: SystemTime) -> SimResponse {
        if !req
            .header("content-type")
            .is_some_and(|c| c.contains("json"))
        {
            return wh_error(415, "415", None, "unsupported media type");
        }
        let body = req.json();
        let (Some(username), Some(password)) =
            (body["username"].as_str(), body["password"].as_str())
        else {
            return wh_error(400, "400", None, "username and password are required");
        };
        // The overview puts `extended=Y` in the query, the v2 schema in the body: either asks.
        let in_query = req
            .query_params()
            .get("extended")
            .is_some_and(|v| v.eq_ignore_ascii_case("y") || v == "true");
        let extended = in_query
            || match &body["extended"] {
                serde_json::Value::Bool(b) => *b,
                serde_json::Value::String(s) => s.eq_ignore_ascii_case("y") || s == "true",
                _ => false,
            };
        if let Some(r) = self.ban_response(st, now) {
            return r;
        }
        if let Err(f) = self.check_credentials(st, username, password) {
            return self.cas_fault(f);
        }
        let (tgt, ticket) = self.issue(st, username, extended, now);
        let base = format!(
            "{}/v2/sessions",
            self.origin.lock().unwrap_or_else(|p| p.into_inner())
        );
        let mut out = serde_json::Map::new();
        out.insert("ticket".into(), tgt.clone().into());
        if self.send_expiry {
            out.insert(
                "expiryDateTime".into(),
                format_iso_datetime(ticket.hard).into(),
            );
        }
        out.insert("extended".into(), extended.into());
        out.insert("location".into(), format!("{base}/tickets/{tgt}").into());
        out.insert("temporaryPassword".into(), false.into());
        let params = req.query_params();
        let list = |name: &str| -> Vec<String> {
            params
                .get(name)
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
                .unwrap_or_default()
        };
        let fields = list("fields");
        if !fields.is_empty() {
            out.retain(|k, _| fields.iter().any(|f| f == k));
        }
        for f in list("exclude") {
            out.remove(&f);
        }
        json(200, serde_json::Value::Object(out))
    }
}
