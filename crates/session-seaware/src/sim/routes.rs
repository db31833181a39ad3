//! Request routing, Spring-style OAuth error answers, scripted faults, and the authenticated
//! message endpoint under `/ota/rest/`.

use session_core::test_util::retry_after_secs;

use super::*;

pub(super) fn handle(shared: &Shared, req: &SimRequest) -> SimResponse {
    let segments = req.segments();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let post = req.method == http::Method::POST;
    match segments.as_slice() {
        ["ota", "oauth", "token"] if post => token(shared, req),
        ["ota", "oauth", "token"] => spring_error(
            405,
            "method_not_allowed",
            &format!("Request method '{}' not supported", req.method),
        ),
        ["ota", "oauth", "logout"] if post => logout(shared, req),
        ["ota", "rest", name] if post => message(shared, req, name),
        _ => SimResponse::status(404),
    }
}

pub(super) fn spring_error(status: u16, error: &str, description: &str) -> SimResponse {
    let mut r = SimResponse::json(
        status,
        serde_json::json!({ "error": error, "error_description": description }),
    )
    .header("cache-control", "no-store")
    .header("pragma", "no-cache");
    if status == 401 {
        r = r.header(
            "www-authenticate",
            &format!("Bearer realm=\"oauth\", error=\"{error}\""),
        );
    }
    r
}

/// A scripted fault as SwOTA answers it.
pub(super) fn fault_response(fault: SimFault) -> SimResponse {
    match fault {
        SimFault::RateLimited { retry_after } => {
            let r = SimResponse::text(429, "Too Many Requests");
            match retry_after {
                Some(d) => r.header("retry-after", &retry_after_secs(d).to_string()),
                None => r,
            }
        }
        SimFault::Unavailable => spring_error(500, "server_error", "Internal Server Error"),
        other => other.render(|SeawareFault::Spring { status, error }| {
            spring_error(status, error, "Scripted failure")
        }),
    }
}

pub(super) fn bearer(req: &SimRequest) -> Option<String> {
    let value = req.header("authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

pub(super) fn echo(shared: &Shared, text: &str, token: &str) -> String {
    if shared.echo_tokens {
        format!("{text}: {token}")
    } else {
        text.to_owned()
    }
}

fn message(shared: &Shared, req: &SimRequest, name: &str) -> SimResponse {
    shared
        .ledger
        .answer(SimOp::Message, req, fault_response, || {
            message_answer(shared, req, name)
        })
}

fn message_answer(shared: &Shared, req: &SimRequest, name: &str) -> SimResponse {
    let now = shared.clock.now();
    let st = shared.lock();
    let rs = match name.strip_suffix("RQ") {
        Some(stem) => format!("{stem}RS"),
        None => format!("{name}RS"),
    };
    let ok = || {
        SimResponse::status(200)
            .header("content-type", "application/xml;charset=UTF-8")
            .body(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><{rs} xmlns=\"http://www.opentravel.org/OTA/2003/05\" Version=\"1.0\"><Success/></{rs}>"
            ))
    };
    let Some(token) = bearer(req) else {
        if shared.sessions_required {
            return spring_error(
                401,
                "unauthorized",
                "Full authentication is required to access this resource",
            );
        }
        return ok();
    };
    if st.sessions.get(&token).is_some_and(|s| now < s.expires_at) {
        return ok();
    }
    match shared.rejection {
        RejectionStyle::SpringJson => {
            spring_error(401, "invalid_token", &echo(shared, "Access token expired", &token))
        }
        RejectionStyle::OtaXml => SimResponse::status(200)
            .header("content-type", "application/xml;charset=UTF-8")
            .body(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><{rs} xmlns=\"http://www.opentravel.org/OTA/2003/05\" Version=\"1.0\"><Errors><Error Type=\"4\" Status=\"NotProcessed\" ShortText=\"Session has expired\">{}</Error></Errors></{rs}>",
                echo(shared, "Session has expired", &token)
            )),
    }
}
