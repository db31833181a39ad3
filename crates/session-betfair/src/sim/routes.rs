//! Request routing: the identity SSO endpoints, the Accounts API vendor services, and the tiny
//! API-NG stand-in that rejects unknown or expired session tokens.

use super::*;

pub(super) fn handle(state: &Mutex<State>, clock: &dyn Clock, req: SimRequest) -> SimResponse {
    let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
    let now = clock.now();
    st.sessions.retain(|_, s| s.expires_at > now);
    let segments = req.segments();
    if segments.first().map(String::as_str) == Some("exchange") {
        st.counts.api_calls += 1;
        if let Some(routed) = vendor::route(&req, &segments) {
            return vendor::handle(&mut st, now, &req, routed);
        }
        return api(&st, &req, &segments);
    }
    let endpoint = match segments.as_slice() {
        [api, endpoint] if api == "api" => endpoint.as_str(),
        _ => return SimResponse::status(404),
    };
    match endpoint {
        "login" => st.counts.interactive_logins += 1,
        "certlogin" => st.counts.cert_logins += 1,
        "keepAlive" => st.counts.keep_alives += 1,
        "logout" => st.counts.logouts += 1,
        _ => return SimResponse::status(404),
    }
    if matches!(endpoint, "login" | "certlogin") {
        st.counts.logins += 1;
    }
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
    match endpoint {
        "login" => login(&mut st, now, &req, false),
        "certlogin" => login(&mut st, now, &req, true),
        "keepAlive" => keep_alive_or_rotate(&mut st, now, &req),
        _ => logout(&mut st, &req),
    }
}

fn api(st: &State, req: &SimRequest, segments: &[String]) -> SimResponse {
    let token = req.header("x-authentication").unwrap_or("");
    let live = !token.is_empty() && st.sessions.contains_key(token);
    let user = st.sessions.get(token).map(|s| s.username.clone());
    let json_rpc = segments.iter().any(|s| s == "json-rpc");
    let (code, id) = if token.is_empty() {
        ("NO_SESSION", "0010")
    } else {
        ("INVALID_SESSION_INFORMATION", "0002")
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
