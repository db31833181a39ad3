//! Request routing: the identity SSO endpoints, the Accounts API vendor services, and the tiny
//! API-NG stand-in that rejects unknown or expired session tokens.

use super::identity::scripted_identity;
use super::*;

pub(super) fn handle(
    state: &Mutex<State>,
    ledger: &Ledger<SimOp, BetfairFault>,
    clock: &dyn Clock,
    req: SimRequest,
) -> SimResponse {
    let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
    let now = clock.now();
    st.sessions.retain(|_, s| s.expires_at > now);
    let segments = req.segments();
    if segments.first().map(String::as_str) == Some("exchange") {
        if let Some(routed) = vendor::route(&req, &segments) {
            return vendor::handle(&mut st, ledger, now, &req, routed);
        }
        return ledger.answer_with(SimOp::Api, &req, |fault| match fault {
            None => api(&st, &req, &segments, None),
            Some(f) => f.render(|f| api(&st, &req, &segments, Some(f.code()))),
        });
    }
    let op = match segments.as_slice() {
        [api, endpoint] if api == "api" => match endpoint.as_str() {
            "login" => SimOp::Login,
            "certlogin" => SimOp::CertLogin,
            "keepAlive" => SimOp::KeepAlive,
            "logout" => SimOp::Logout,
            _ => return SimResponse::status(404),
        },
        _ => return SimResponse::status(404),
    };
    ledger.answer_with(op, &req, |fault| {
        if req.method != http::Method::POST {
            return SimResponse::status(405);
        }
        // Without Accept: application/json the real SSO answers with its HTML login page.
        if !req
            .header("accept")
            .is_some_and(|a| a.contains("application/json"))
        {
            return SimResponse::html(
                200,
                "<!DOCTYPE html><html><body>Betfair login</body></html>",
            );
        }
        match fault {
            None => identity(&mut st, now, &req, op),
            Some(f) => f.render(|f| scripted_identity(&mut st, now, &req, op, &f)),
        }
    })
}

/// An identity endpoint's normal answer.
fn identity(st: &mut State, now: SystemTime, req: &SimRequest, op: SimOp) -> SimResponse {
    match op {
        SimOp::Login => login(st, now, req, false),
        SimOp::CertLogin => login(st, now, req, true),
        SimOp::KeepAlive => keep_alive_or_rotate(st, now, req),
        _ => logout(st, req),
    }
}

/// The API-NG stand-in: the caller's user name for a live session, otherwise (or always, with
/// a `scripted` error code) an `AccountAPINGException`.
fn api(st: &State, req: &SimRequest, segments: &[String], scripted: Option<&str>) -> SimResponse {
    let token = req.header("x-authentication").unwrap_or("");
    let live = scripted.is_none() && !token.is_empty() && st.sessions.contains_key(token);
    let user = st.sessions.get(token).map(|s| s.username.clone());
    let json_rpc = segments.iter().any(|s| s == "json-rpc");
    let (code, id) = match scripted {
        Some(code) => (code, "0003"),
        None if token.is_empty() => ("NO_SESSION", "0010"),
        None => ("INVALID_SESSION_INFORMATION", "0002"),
    };
    match (json_rpc, live) {
        (true, true) => SimResponse::json(
            200,
            json!({ "jsonrpc": "2.0", "result": { "user": user }, "id": req.json().get("id").cloned().unwrap_or(json!(1)) }),
        ),
        (true, false) => SimResponse::json(
            200,
            json!({
                "jsonrpc": "2.0",
                "error": {
                    "code": -32099,
                    "message": format!("AANGX-{id}"),
                    "data": {
                        "exceptionname": "AccountAPINGException",
                        "AccountAPINGException": {
                            "errorCode": code,
                            "errorDetails": "",
                            "requestUUID": "sim-request"
                        }
                    }
                },
                "id": req.json().get("id").cloned().unwrap_or(json!(1))
            }),
        ),
        (false, true) => SimResponse::json(200, json!({ "user": user })),
        (false, false) => SimResponse::json(
            400,
            json!({
                "faultcode": "Client",
                "faultstring": format!("AANGX-{id}"),
                "detail": {
                    "exceptionname": "AccountAPINGException",
                    "AccountAPINGException": {
                        "errorCode": code,
                        "errorDetails": "",
                        "requestUUID": "sim-request"
                    }
                }
            }),
        ),
    }
}
