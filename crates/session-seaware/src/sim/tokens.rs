//! The OAuth endpoints: the token grant (password and refresh, from the query string or a form)
//! and logout.

use super::*;

pub(super) fn token(shared: &Shared, req: &SimRequest) -> SimResponse {
    let mut params: HashMap<String, String> = HashMap::new();
    if shared.accept_query {
        params.extend(req.query_params());
    }
    let form = req
        .header("content-type")
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if shared.accept_form && form {
        params.extend(req.form());
    }
    let op = match params.get("grant_type").map(String::as_str) {
        Some("refresh_token") => SimOp::Refresh,
        _ => SimOp::Login,
    };
    shared
        .ledger
        .answer(op, req, fault_response, || grant(shared, &params))
}

/// The token grant itself, once counted and not faulted.
fn grant(shared: &Shared, params: &HashMap<String, String>) -> SimResponse {
    let param = |k: &str| params.get(k).map(String::as_str);
    let grant = param("grant_type");
    let now = shared.clock.now();
    let mut st = shared.lock();
    if param("client_id") != Some(shared.client_id.as_str())
        || param("client_secret") != Some(shared.client_secret.as_str())
    {
        return spring_error(401, "invalid_client", "Bad client credentials");
    }
    match grant {
        None => spring_error(400, "invalid_request", "Missing grant type"),
        Some("password") => {
            let username = param("username").unwrap_or("");
            let password = param("password").unwrap_or("");
            match st.users.get(username) {
                Some(u) if u.password == password && u.locked => {
                    return spring_error(400, "invalid_grant", "User account is locked");
                }
                Some(u) if u.password == password => {}
                _ => return spring_error(400, "invalid_grant", "Bad credentials"),
            }
            let scope = match param("scope") {
                Some(s) if shared.scopes.iter().any(|k| k == s) => s.to_owned(),
                Some(s) => {
                    return spring_error(400, "invalid_scope", &format!("Invalid scope: {s}"));
                }
                None => shared.scopes.first().cloned().unwrap_or_default(),
            };
            issue(shared, &mut st, username.to_owned(), scope, now)
        }
        Some("refresh_token") => {
            if !st.refresh {
                return spring_error(
                    400,
                    "unsupported_grant_type",
                    "Unsupported grant type: refresh_token",
                );
            }
            let presented = param("refresh_token").unwrap_or("").to_owned();
            match st.sessions.remove(&presented) {
                Some(s) if now < s.refresh_expires_at => {
                    issue(shared, &mut st, s.username, s.scope, now)
                }
                _ => spring_error(
                    400,
                    "invalid_grant",
                    &echo(shared, "Invalid refresh token", &presented),
                ),
            }
        }
        Some(other) => spring_error(
            400,
            "unsupported_grant_type",
            &format!("Unsupported grant type: {other}"),
        ),
    }
}

fn issue(
    shared: &Shared,
    st: &mut State,
    username: String,
    scope: String,
    now: SystemTime,
) -> SimResponse {
    st.issued += 1;
    let token = format!("{SIM_TOKEN_PREFIX}{:012X}", st.issued);
    st.sessions.insert(
        token.clone(),
        SimSession {
            username,
            scope: scope.clone(),
            expires_at: timing::after(now, shared.ttl),
            refresh_expires_at: timing::after(now, shared.refresh_ttl),
        },
    );
    let mut body = serde_json::json!({
        "access_token": token,
        "token_type": "bearer",
        "refresh_token": token,
        "scope": scope,
    });
    let secs = shared.ttl.as_secs();
    match shared.expires_in {
        ExpiresIn::Number => body["expires_in"] = secs.into(),
        ExpiresIn::String => body["expires_in"] = secs.to_string().into(),
        ExpiresIn::Omitted => {}
    }
    SimResponse::json(200, body)
        .header("content-type", "application/json;charset=UTF-8")
        .header("cache-control", "no-store")
        .header("pragma", "no-cache")
}

pub(super) fn logout(shared: &Shared, req: &SimRequest) -> SimResponse {
    shared
        .ledger
        .answer(SimOp::Logout, req, fault_response, || {
            logout_answer(shared, req)
        })
}

fn logout_answer(shared: &Shared, req: &SimRequest) -> SimResponse {
    let now = shared.clock.now();
    let mut st = shared.lock();
    let Some(token) = bearer(req) else {
        return spring_error(
            401,
            "unauthorized",
            "Full authentication is required to access this resource",
        );
    };
    match st.sessions.remove(&token) {
        Some(s) if now < s.expires_at => {
            SimResponse::json(200, serde_json::json!({ "status": "success" }))
        }
        Some(_) => spring_error(
            401,
            "invalid_token",
            &echo(shared, "Access token expired", &token),
        ),
        None => spring_error(
            401,
            "invalid_token",
            &echo(shared, "Invalid access token", &token),
        ),
    }
}
