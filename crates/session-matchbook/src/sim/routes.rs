//! Request routing, Matchbook's error bodies and scripted faults.

use session_core::test_util::retry_after_secs;

use super::*;

pub(super) fn handle(shared: &Shared, req: &SimRequest) -> SimResponse {
    let segments = req.segments();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let render = |fault| fault_response(fault);
    match (segments.as_slice(), &req.method) {
        (["bpapi", "rest", "security", "session"], m) if m == http::Method::POST => shared
            .ledger
            .answer(SimOp::Login, req, render, || login(shared, req)),
        (["bpapi", "rest", "security", "session"], m) if m == http::Method::GET => shared
            .ledger
            .answer(SimOp::Check, req, render, || check(shared, req, false)),
        (["bpapi", "rest", "security", "session"], m) if m == http::Method::DELETE => shared
            .ledger
            .answer(SimOp::Logout, req, render, || check(shared, req, true)),
        (["bpapi", "rest", "security", "session"], _) => SimResponse::status(405),
        (["edge", "rest", ..], _) => shared
            .ledger
            .answer(SimOp::Api, req, render, || api(shared, req)),
        _ => SimResponse::status(404),
    }
}

/// Matchbook's error shape.
pub(super) fn errors(status: u16, field: &str, message: &str, code: &str) -> SimResponse {
    SimResponse::json(
        status,
        serde_json::json!({"errors": [{"field": field, "messages": [message], "codes": [code]}]}),
    )
}

fn fault_response(fault: SimFault) -> SimResponse {
    match fault {
        SimFault::RateLimited { retry_after } => {
            let r = errors(429, "", "Too many requests", "TOO_MANY_REQUESTS");
            match retry_after {
                Some(d) => r.header("retry-after", &retry_after_secs(d).to_string()),
                None => r,
            }
        }
        other => other.render(|MatchbookFault::Errors { status, code }| {
            errors(status, "", "Scripted failure", code)
        }),
    }
}

fn login(shared: &Shared, req: &SimRequest) -> SimResponse {
    let body = req.json();
    let field = |k: &str| body.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let username = field("username");
    let user = match shared.users.get(username) {
        Some(u) if u.password == field("password") => u,
        _ => {
            return errors(
                401,
                "password",
                "Invalid username or password",
                "INVALID_CREDENTIALS",
            );
        }
    };
    if user
        .mfa
        .as_deref()
        .is_some_and(|code| code != field("mfa-code"))
    {
        return errors(
            400,
            "mfa-code",
            "A valid MFA code is required",
            "LOGIN_MFA_REQUIRED",
        );
    }
    let now = shared.clock.now();
    let mut st = shared.lock();
    st.issued += 1;
    let token = format!("{SIM_TOKEN_PREFIX}{}_{:016x}", user.id, st.issued);
    st.sessions
        .insert(token.clone(), (user.id, deadline(shared, now)));
    SimResponse::json(
        200,
        serde_json::json!({
            "session-token": token, "user-id": user.id, "role": "USER",
            "account": {"id": user.id, "username": username, "currency": "EUR", "balance": 100.0},
            "mfa-enabled": user.mfa.is_some(), "last-login": "2026-10-01T12:00:00.000Z",
        }),
    )
}

/// The live session named by the request's `session-token`: its token and user id.
fn live(shared: &Shared, req: &SimRequest, st: &State) -> Option<(String, u64)> {
    let token = req.header("session-token")?;
    match st.sessions.get(token) {
        Some((id, end)) if shared.clock.now() < *end => Some((token.to_owned(), *id)),
        _ => None,
    }
}

/// Matchbook's 401, echoing the token as a careless server would.
fn refused(req: &SimRequest) -> SimResponse {
    let token = req.header("session-token").unwrap_or("");
    let message = format!("Session {token} is not valid");
    errors(401, "session-token", &message, "UNAUTHORIZED")
}

/// `GET` (which extends the session) or `DELETE` (which ends it).
fn check(shared: &Shared, req: &SimRequest, end: bool) -> SimResponse {
    let mut st = shared.lock();
    let Some((token, id)) = live(shared, req, &st) else {
        return refused(req);
    };
    if end {
        st.sessions.remove(&token);
    } else {
        let until = deadline(shared, shared.clock.now());
        st.sessions.insert(token.clone(), (id, until));
    }
    SimResponse::json(
        200,
        serde_json::json!({"session-token": token, "user-id": id}),
    )
}

fn api(shared: &Shared, req: &SimRequest) -> SimResponse {
    let st = shared.lock();
    match live(shared, req, &st) {
        Some((_, id)) => {
            SimResponse::json(200, serde_json::json!({"path": req.path, "user-id": id}))
        }
        None => refused(req),
    }
}
