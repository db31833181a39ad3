//! The identity SSO endpoints: interactive and certificate login (rate limit, ban, two-factor
//! codes, pending vendor subscriptions), keepAlive (optionally rotating the token) and logout.

use super::*;

fn product(req: &SimRequest) -> String {
    req.header("x-application").unwrap_or("").to_owned()
}

fn login_answer(
    cert: bool,
    req: &SimRequest,
    token: &str,
    status: &str,
    error: &str,
) -> SimResponse {
    if cert {
        // Certificate login puts the failure code itself in `loginStatus`.
        let login_status = if !token.is_empty() || error.is_empty() {
            status
        } else {
            error
        };
        let mut body = json!({ "loginStatus": login_status });
        if !token.is_empty() {
            body["sessionToken"] = json!(token);
            if !error.is_empty() {
                body["error"] = json!(error);
            }
        }
        SimResponse::json(200, body)
    } else {
        SimResponse::json(
            200,
            json!({ "token": token, "product": product(req), "status": status, "error": error }),
        )
    }
}

fn issue(st: &mut State, now: SystemTime, username: &str) -> String {
    st.next_token += 1;
    let token = format!(
        "{SIM_TOKEN_PREFIX}{:06}-{:08x}",
        st.next_token,
        mix(st.next_token)
    );
    st.sessions.insert(
        token.clone(),
        SimSession {
            username: username.to_owned(),
            expires_at: timing::after(now, st.lifetime),
        },
    );
    st.successful_logins += 1;
    st.recent_logins
        .entry(username.to_owned())
        .or_default()
        .push_back(now);
    token
}

pub(super) fn login(st: &mut State, now: SystemTime, req: &SimRequest, cert: bool) -> SimResponse {
    let form = req.form();
    let username = form.get("username").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let fail = |code: &str| login_answer(cert, req, "", "FAIL", code);
    let form_type = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !form_type || username.is_empty() || password.is_empty() {
        return fail("INPUT_VALIDATION_ERROR");
    }
    if cert && st.require_client_cert && !req.client_cert {
        return fail("CERT_AUTH_REQUIRED");
    }
    if !cert {
        let key = product(req);
        let key_ok = match &st.app_key {
            Some(expected) => &key == expected || st.vendor.knows_key(&key),
            None => !key.is_empty(),
        };
        if !key_ok {
            return fail("INPUT_VALIDATION_ERROR");
        }
    }
    let Some(account) = st.accounts.get(&username) else {
        return fail("INVALID_USERNAME_OR_PASSWORD");
    };
    let credentials_ok = match (&account.two_factor, cert) {
        (Some(code), false) => {
            if password == account.password {
                return login_answer(
                    cert,
                    req,
                    "",
                    "LOGIN_RESTRICTED",
                    "STRONG_AUTH_CODE_REQUIRED",
                );
            }
            password == format!("{}{code}", account.password)
        }
        _ => password == account.password,
    };
    if !credentials_ok {
        return fail("INVALID_USERNAME_OR_PASSWORD");
    }
    if st.bans.get(&username).is_some_and(|until| *until > now) {
        return fail("TEMPORARY_BAN_TOO_MANY_REQUESTS");
    }
    let minute_ago = now.checked_sub(Duration::from_secs(60)).unwrap_or(now);
    let recent = st.recent_logins.entry(username.clone()).or_default();
    while recent.front().is_some_and(|t| *t <= minute_ago) {
        recent.pop_front();
    }
    if recent.len() >= st.login_limit {
        let until = timing::after(now, st.ban);
        st.bans.insert(username, until);
        return fail("TEMPORARY_BAN_TOO_MANY_REQUESTS");
    }
    // A customer logging in with a vendor's app key before activating a subscription gets a
    // session that can only activate one.
    if !cert && st.vendor.pending(&product(req), &username, now) {
        let token = issue(st, now, &username);
        return login_answer(cert, req, &token, "LIMITED_ACCESS", "PENDING_AUTH");
    }
    let token = issue(st, now, &username);
    login_answer(cert, req, &token, "SUCCESS", "")
}

fn session_answer(req: &SimRequest, token: &str, status: &str, error: &str) -> SimResponse {
    SimResponse::json(
        200,
        json!({ "token": token, "product": product(req), "status": status, "error": error }),
    )
}

fn keep_alive(st: &mut State, now: SystemTime, req: &SimRequest) -> SimResponse {
    let token = req.header("x-authentication").unwrap_or("").to_owned();
    let lifetime = st.lifetime;
    match st.sessions.get_mut(&token) {
        Some(session) if !token.is_empty() => {
            session.expires_at = timing::after(now, lifetime);
            session_answer(req, &token, "SUCCESS", "")
        }
        _ => session_answer(req, &token, "FAIL", "NO_SESSION"),
    }
}

/// A keepAlive; when a rotation is pending and the keepAlive succeeded, the (extended) session
/// then moves to a new token, which the answer carries, and the old token stops working.
pub(super) fn keep_alive_or_rotate(
    st: &mut State,
    now: SystemTime,
    req: &SimRequest,
) -> SimResponse {
    let answer = keep_alive(st, now, req);
    let token = req.header("x-authentication").unwrap_or("");
    if st.rotate_keep_alives == 0 || token.is_empty() {
        return answer;
    }
    let Some(session) = st.sessions.remove(token) else {
        return answer;
    };
    st.rotate_keep_alives -= 1;
    st.next_token += 1;
    let new_token = format!(
        "{SIM_TOKEN_PREFIX}{:06}-{:08x}",
        st.next_token,
        mix(st.next_token)
    );
    st.sessions.insert(new_token.clone(), session);
    session_answer(req, &new_token, "SUCCESS", "")
}

pub(super) fn logout(st: &mut State, req: &SimRequest) -> SimResponse {
    let token = req.header("x-authentication").unwrap_or("").to_owned();
    // Betfair's recorded logout answers echo the session token, success or not.
    match st.sessions.remove(&token) {
        Some(_) if !token.is_empty() => session_answer(req, &token, "SUCCESS", ""),
        _ => session_answer(req, &token, "FAIL", "NO_SESSION"),
    }
}

/// A scripted answer of an identity endpoint: a login answers the fault's status and code
/// (creating a session for `SUCCESS` and `LIMITED_ACCESS`) without checking credentials;
/// keepAlive and logout answer `FAIL` with the code.
pub(super) fn scripted_identity(
    st: &mut State,
    now: SystemTime,
    req: &SimRequest,
    op: SimOp,
    fault: &BetfairFault,
) -> SimResponse {
    let token = req.header("x-authentication").unwrap_or("").to_owned();
    match op {
        SimOp::Login | SimOp::CertLogin => {
            let (status, error) = fault.login_answer();
            let token = if matches!(status, "SUCCESS" | "LIMITED_ACCESS") {
                let username = req.form().get("username").cloned().unwrap_or_default();
                issue(st, now, &username)
            } else {
                String::new()
            };
            login_answer(op == SimOp::CertLogin, req, &token, status, error)
        }
        _ => session_answer(req, &token, "FAIL", fault.code()),
    }
}
