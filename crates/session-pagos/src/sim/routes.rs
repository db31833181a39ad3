//! Request routing, SpreadsheetWEB's answers (and its renderings of scripted faults), and one
//! function per operation: the token endpoint, open, close and `GetResult`.

use session_core::test_util::retry_after_secs;

use super::*;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn reply(value: Value) -> SimResponse {
    SimResponse::status(200)
        .header("content-type", "application/json; charset=utf-8")
        .header("cache-control", "no-cache, no-store")
        .body(value.to_string())
}

fn invalid_token() -> SimResponse {
    reply(json!({
        "SessionId": NIL,
        "Success": false,
        "InvalidToken": true,
        "Messages": [MSG_INVALID_TOKEN],
    }))
}

fn invalid_application() -> SimResponse {
    reply(json!({
        "SessionId": NIL,
        "Success": false,
        "InvalidToken": false,
        "Messages": [MSG_INVALID_APP],
    }))
}

/// A scripted fault as SpreadsheetWEB answers it.
fn fault_response(fault: SimFault) -> SimResponse {
    match fault {
        SimFault::Status(code) => {
            SimResponse::json(code, json!({ "Message": "An error has occurred." }))
        }
        SimFault::Unavailable => {
            SimResponse::json(503, json!({ "Message": "An error has occurred." }))
        }
        SimFault::RateLimited { retry_after } => {
            let r = SimResponse::json(429, json!({ "Message": "Too many requests." }));
            match retry_after {
                Some(d) => r.header("retry-after", &retry_after_secs(d).to_string()),
                None => r,
            }
        }
        other => other.render(|fault| match fault {
            PagosFault::InvalidToken => invalid_token(),
            PagosFault::Refused => invalid_application(),
            PagosFault::NilSessionId => reply(json!({
                "SessionId": NIL,
                "Success": true,
                "Messages": [],
            })),
        }),
    }
}

fn op_of(path: &str) -> Option<SimOp> {
    match path {
        "/token" => Some(SimOp::Token),
        "/Api/Applications/OpenDedicatedSession" => Some(SimOp::Open),
        "/Api/Applications/CloseDedicatedSession" => Some(SimOp::Close),
        "/Api/Applications/GetResult" => Some(SimOp::GetResult),
        _ => None,
    }
}

pub(super) fn handle(
    state: &Mutex<State>,
    ledger: &Ledger<SimOp, PagosFault>,
    req: &SimRequest,
) -> SimResponse {
    let Some(op) = op_of(&req.path) else {
        return SimResponse::html(404, "<html><body>Not Found</body></html>");
    };
    if req.method != http::Method::POST {
        return SimResponse::html(405, "<html><body>Method Not Allowed</body></html>");
    }
    ledger.answer(op, req, fault_response, || {
        let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
        match op {
            SimOp::Token => st.token(req),
            SimOp::Open => st.open(req),
            SimOp::Close => st.close(req),
            SimOp::GetResult => st.get_result(req),
        }
    })
}

impl State {
    fn token(&mut self, req: &SimRequest) -> SimResponse {
        let form = req.form();
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return SimResponse::json(400, json!({ "error": "unsupported_grant_type" }));
        }
        let id_ok = form.get("client_id") == Some(&self.client_id);
        let secret_ok = form.get("client_secret") == Some(&self.client_secret);
        if !(id_ok && secret_ok) {
            return SimResponse::json(401, json!({ "error": "invalid_client" }))
                .header("www-authenticate", "Bearer error=\"invalid_client\"");
        }
        self.issued_tokens += 1;
        let n = self.issued_tokens;
        let value = format!(
            "{}{n}-{:016x}",
            self.token_prefix,
            splitmix(n ^ u64::from(self.session_id_seed))
        );
        let now = self.clock.now();
        self.tokens.push(IssuedToken {
            value: value.clone(),
            expires_at: Some(timing::after(now, self.token_ttl)),
        });
        SimResponse::json(
            200,
            json!({
                "access_token": value,
                "token_type": "bearer",
                "expires_in": self.token_ttl.as_secs(),
            }),
        )
        .header("cache-control", "no-store")
    }

    fn token_ok(&self, req: &SimRequest) -> bool {
        let Some(presented) = req
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return false;
        };
        let now = self.clock.now();
        self.tokens
            .iter()
            .any(|t| t.value == presented && t.expires_at.is_none_or(|at| now < at))
    }

    fn application_ok(&self, body: &Value) -> Option<String> {
        let key = body.get("ApplicationKey")?.as_str()?;
        self.applications
            .iter()
            .any(|a| a == key)
            .then(|| key.to_owned())
    }

    fn open(&mut self, req: &SimRequest) -> SimResponse {
        if !self.token_ok(req) {
            return invalid_token();
        }
        let Some(application_key) = self.application_ok(&req.json()) else {
            return invalid_application();
        };
        self.issued_sessions += 1;
        let n = self.issued_sessions;
        let r = splitmix(n.wrapping_mul(0x0001_0000_0001) ^ u64::from(self.session_id_seed));
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            self.session_id_seed,
            n & 0xffff,
            (r >> 52) & 0xfff,
            0x8000 | ((r >> 36) & 0x3fff),
            r & 0xffff_ffff_ffff
        );
        self.sessions.push(OpenSession {
            id: id.clone(),
            application_key,
        });
        reply(json!({ "SessionId": id, "Success": true, "Messages": [] }))
    }

    fn close(&mut self, req: &SimRequest) -> SimResponse {
        if !self.token_ok(req) {
            return invalid_token();
        }
        let body = req.json();
        let Some(application_key) = self.application_ok(&body) else {
            return invalid_application();
        };
        let id = body.get("SessionId").and_then(Value::as_str).unwrap_or("");
        let before = self.sessions.len();
        self.sessions.retain(|s| {
            !(s.application_key == application_key && wire::same_session_id(&s.id, id))
        });
        if self.sessions.len() < before {
            reply(json!({ "Success": true, "Messages": [] }))
        } else {
            reply(json!({ "Success": false, "Messages": ["The session is not open."] }))
        }
    }

    fn get_result(&mut self, req: &SimRequest) -> SimResponse {
        if !self.token_ok(req) {
            return invalid_token();
        }
        let body = req.json();
        let Some(application_key) = self.application_ok(&body) else {
            return invalid_application();
        };
        let open = body.get("SessionId").and_then(Value::as_str).map(|id| {
            self.sessions
                .iter()
                .any(|s| s.application_key == application_key && wire::same_session_id(&s.id, id))
        });
        reply(json!({
            "Success": true,
            "Messages": [],
            "SessionOpen": open,
            "Outputs": [],
        }))
    }
}
