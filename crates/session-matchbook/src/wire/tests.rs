//! Exact requests and every documented answer, from `reference/matchbook.md`.

use super::*;
use session_core::HttpFailure;

fn url() -> Url {
    session_url(&Url::parse("https://api.matchbook.com/").unwrap())
}

fn answer(status: u16, content_type: &str, body: &str) -> HttpResponse {
    let mut headers = http::HeaderMap::new();
    if !content_type.is_empty() {
        headers.insert("content-type", content_type.parse().unwrap());
    }
    HttpResponse::new(
        NAME,
        StatusCode::from_u16(status).unwrap(),
        headers,
        body.as_bytes().to_vec(),
    )
}

fn json(status: u16, body: &str) -> HttpResponse {
    answer(status, "application/json", body)
}

const DOCUMENTED: &str = r#"{"session-token": "1234_abcdef", "user-id": 1234, "role": "USER",
 "account": {"id": 1234, "username": "alice", "currency": "EUR", "balance": 100.0, "exposure": 0.0,
             "odds-type": "DECIMAL", "exchange-type": "back-lay", "language": "en"},
 "mfa-enabled": false, "last-login": "2026-10-01T12:00:00.000Z"}"#;

#[test]
fn the_login_posts_json_credentials_to_the_session_resource() {
    let creds = UsernamePassword::new("alice", "pw\"1");
    let r = login_request(&url(), &creds, None).unwrap();
    assert_eq!(r.method(), Method::POST);
    assert_eq!(
        r.uri().to_string(),
        "https://api.matchbook.com/bpapi/rest/security/session"
    );
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers().len(), 1);
    assert_eq!(r.body(), br#"{"username":"alice","password":"pw\"1"}"#);
}

#[test]
fn an_mfa_code_is_sent_as_mfa_code() {
    let creds = UsernamePassword::new("alice", "pw");
    let r = login_request(&url(), &creds, Some("123456")).unwrap();
    assert_eq!(
        r.body(),
        br#"{"username":"alice","password":"pw","mfa-code":"123456"}"#
    );
}

#[test]
fn check_and_logout_send_the_token_header_marked_sensitive_and_no_body() {
    for method in [Method::GET, Method::DELETE] {
        let r = session_request(method.clone(), &url(), &SessionToken::new("1234_abc")).unwrap();
        assert_eq!(r.method(), method);
        assert_eq!(r.uri().path(), "/bpapi/rest/security/session");
        assert_eq!(r.headers()["session-token"], "1234_abc");
        assert!(r.headers()["session-token"].is_sensitive());
        assert_eq!(r.headers().len(), 1);
        assert!(r.body().is_empty());
    }
    let bad = session_request(Method::GET, &url(), &SessionToken::new("a\nb")).unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Configuration);
}

#[test]
fn the_documented_login_answer_gives_the_token_and_user_id() {
    let a = parse_login(&json(200, DOCUMENTED)).unwrap();
    assert_eq!(a.token.expose_secret(), "1234_abcdef");
    assert_eq!(a.user_id(), Some(1234));
    let a = parse_login(&json(200, r#"{"session-token":"t","user-id":"77"}"#)).unwrap();
    assert_eq!(a.user_id(), Some(77), "a user id sent as a string is read");
    let a = parse_login(&json(200, r#"{"session-token":"t"}"#)).unwrap();
    assert_eq!(a.user_id(), None);
}

#[test]
fn a_login_answer_without_a_token_is_unexpected() {
    for body in [r#"{"session-token":" "}"#, r#"{"user-id":1}"#, "[]"] {
        let e = parse_login(&json(200, body)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedResponse, "{body}");
    }
}

#[test]
fn mfa_required_is_invalid_credentials_with_its_code() {
    let body = r#"{"errors":[{"field":"password","messages":["MFA code required"],"codes":["LOGIN_MFA_REQUIRED"]}]}"#;
    let e = parse_login(&json(400, body)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("LOGIN_MFA_REQUIRED"));
    assert_eq!(
        e.to_string(),
        "matchbook: login rejected (http 400): LOGIN_MFA_REQUIRED"
    );
}

#[test]
fn any_other_4xx_login_answer_is_invalid_credentials_with_the_first_code() {
    let body = r#"{"errors":[{"field":"x","codes":[]},{"codes":["BAD_LOGIN","OTHER"]}]}"#;
    for status in [400, 401, 403, 422] {
        let e = parse_login(&json(status, body)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials, "{status}");
        assert_eq!(e.code(), Some("BAD_LOGIN"));
        assert_eq!(e.http_failure(), Some(HttpFailure::Status(status)));
    }
    let e = parse_login(&json(401, "")).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::InvalidCredentials, None));
    let e = parse_login(&json(400, r#"{"errors":[{"codes":["has a space"]}]}"#)).unwrap_err();
    assert_eq!(e.code(), None, "text that is not a code is dropped");
}

#[test]
fn a_rate_limit_is_rate_limited_with_retry_after() {
    let mut r = json(429, r#"{"errors":[{"codes":["TOO_MANY_REQUESTS"]}]}"#);
    let mut headers = r.headers().clone();
    headers.insert("retry-after", "120".parse().unwrap());
    r = HttpResponse::new(NAME, r.status(), headers, r.body().to_vec());
    let e = parse_login(&r).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(120)));
    assert_eq!(e.code(), Some("TOO_MANY_REQUESTS"));
}

#[test]
fn server_errors_and_html_pages_are_unavailable() {
    let html = "<!DOCTYPE html><html><body>Bad gateway</body></html>";
    for r in [
        json(500, "{}"),
        json(503, ""),
        answer(502, "text/html", html),
        answer(200, "text/html", html),
        answer(403, "text/html", html),
    ] {
        let e = parse_login(&r).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable, "{}", r.status());
    }
    let e = parse_login(&json(200, r#"{"session-token":"t""#)).unwrap_err();
    assert_eq!(e.http_failure(), Some(HttpFailure::TruncatedBody));
}

#[test]
fn a_missing_endpoint_is_a_configuration_error_and_redirects_are_unexpected() {
    let e = parse_login(&answer(404, "text/plain", "Not Found")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = parse_login(&json(302, "")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
}

#[test]
fn the_check_is_live_on_200_and_ended_on_401() {
    parse_check(&json(200, r#"{"session-token":"x","user-id":1}"#)).unwrap();
    let e = parse_check(&json(401, r#"{"errors":[{"codes":["UNAUTHORIZED"]}]}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(e.to_string(), "matchbook: session ended (http 401)");
    assert_eq!(
        parse_check(&json(503, "")).unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    let e = parse_check(&answer(200, "text/html", "<html>portal</html>")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let e = parse_check(&json(429, "")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
}

#[test]
fn logout_succeeds_on_200_and_on_401() {
    parse_logout(&json(200, r#"{"session-token":"x","user-id":1}"#)).unwrap();
    parse_logout(&json(401, "")).unwrap();
    assert_eq!(
        parse_logout(&json(500, "")).unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(
        parse_logout(&json(400, "")).unwrap_err().kind(),
        ErrorKind::UnexpectedResponse
    );
}

#[test]
fn only_401_is_a_rejection() {
    assert!(is_rejection(&json(401, "")));
    assert!(is_rejection(&json(401, r#"{"errors":[{"codes":["X"]}]}"#)));
    for status in [200, 400, 403, 429, 500] {
        assert!(!is_rejection(&json(status, "")), "{status}");
    }
}
