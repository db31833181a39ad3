//! Wire tests: exact requests and every documented answer shape.

use super::*;

fn base() -> Url {
    Url::parse("https://identitysso.betfair.com/api/").unwrap()
}

fn body(req: &http::Request<Vec<u8>>) -> &str {
    std::str::from_utf8(req.body()).unwrap()
}

fn json(body: &str) -> HttpResponse {
    HttpResponse::json_body(NAME, 200, body.to_owned())
}

#[test]
fn login_request_is_an_exact_form_post() {
    let req = login_request(
        &base(),
        &AppKey::new("APP-1"),
        "ann",
        &Password::new("p&w=1+2 é€"),
    )
    .unwrap();
    assert_eq!(req.method(), Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://identitysso.betfair.com/api/login"
    );
    assert_eq!(req.uri().query(), None, "nothing in the url");
    assert_eq!(
        body(&req),
        "username=ann&password=p%26w%3D1%2B2+%C3%A9%E2%82%AC"
    );
    let h = req.headers();
    assert_eq!(h["accept"], "application/json");
    assert_eq!(h["content-type"], "application/x-www-form-urlencoded");
    assert_eq!(h["x-application"], "APP-1");
    assert!(h["x-application"].is_sensitive());
    assert_eq!(h.len(), 3);
}

#[test]
fn cert_login_request_posts_to_certlogin() {
    let cert = Url::parse("https://identitysso-cert.betfair.it/api/").unwrap();
    let req = cert_login_request(&cert, &AppKey::new("K"), "u ser", &Password::new("a b")).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://identitysso-cert.betfair.it/api/certlogin"
    );
    assert_eq!(body(&req), "username=u+ser&password=a+b");
    assert_eq!(
        req.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(req.headers()["accept"], "application/json");
    assert!(req.headers()["x-application"].is_sensitive());
}

#[test]
fn keep_alive_and_logout_send_the_token_in_a_sensitive_header_and_no_body() {
    for (req, path) in [
        (
            keep_alive_request(&base(), &AppKey::new("K"), &SessionToken::new("TOK")).unwrap(),
            "/api/keepAlive",
        ),
        (
            logout_request(&base(), &AppKey::new("K"), &SessionToken::new("TOK")).unwrap(),
            "/api/logout",
        ),
    ] {
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.uri().path(), path);
        assert_eq!(req.uri().query(), None);
        assert!(req.body().is_empty());
        let h = req.headers();
        assert_eq!(h["accept"], "application/json");
        assert_eq!(h["x-authentication"], "TOK");
        assert!(h["x-authentication"].is_sensitive());
        assert_eq!(h["x-application"], "K");
        assert!(h["x-application"].is_sensitive());
        assert!(h.get("content-type").is_none());
    }
}

#[test]
fn a_base_without_trailing_slash_keeps_its_path() {
    let b = Url::parse("http://127.0.0.1:9/sso/api").unwrap();
    let req = keep_alive_request(&b, &AppKey::new("K"), &SessionToken::new("T")).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "http://127.0.0.1:9/sso/api/keepAlive"
    );
}

#[test]
fn a_token_that_is_not_a_header_value_is_rejected_without_echo() {
    let e = keep_alive_request(&base(), &AppKey::new("K"), &SessionToken::new("bad\ntoken"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert!(!e.to_string().contains("bad"));
}

#[test]
fn documented_success_gives_the_token() {
    let out = parse_login(&json(
        r#"{"token":"SESSION_TOKEN","product":"APP_KEY","status":"SUCCESS","error":""}"#,
    ))
    .unwrap();
    assert_eq!(out.token.expose_secret(), "SESSION_TOKEN");
    assert!(out.limited.is_none());
}

#[test]
fn cert_login_success_uses_its_own_field_names() {
    let out = parse_login(&json(
        r#"{"sessionToken":"Zx8i4oigut5nc+l4L8qFb0DSxG+mwLn2t0AMGFxjrMJI=","loginStatus":"SUCCESS"}"#,
    ))
    .unwrap();
    assert_eq!(
        out.token.expose_secret(),
        "Zx8i4oigut5nc+l4L8qFb0DSxG+mwLn2t0AMGFxjrMJI="
    );
}

#[test]
fn limited_access_is_a_usable_session_with_its_reason() {
    let out = parse_login(&json(
        r#"{"token":"T1","product":"K","status":"LIMITED_ACCESS","error":"PENDING_AUTH"}"#,
    ))
    .unwrap();
    assert_eq!(out.token.expose_secret(), "T1");
    assert_eq!(out.limited.as_deref(), Some("PENDING_AUTH"));
    let out = parse_login(&json(r#"{"token":"T1","status":"LIMITED_ACCESS"}"#)).unwrap();
    assert_eq!(out.limited.as_deref(), Some("LIMITED_ACCESS"));
    let e = parse_login(&json(
        r#"{"token":"","status":"LIMITED_ACCESS","error":"KYC_SUSPEND"}"#,
    ))
    .err()
    .unwrap();
    assert_eq!(e.kind(), ErrorKind::AccountRestricted);
    assert_eq!(e.code(), Some("KYC_SUSPEND"));
}

#[test]
fn login_restricted_and_fail_are_typed_errors_with_the_code() {
    let cases = [
        (
            r#"{"token":"","product":"K","status":"LOGIN_RESTRICTED","error":"STRONG_AUTH_CODE_REQUIRED"}"#,
            ErrorKind::InvalidCredentials,
            "STRONG_AUTH_CODE_REQUIRED",
        ),
        (
            r#"{"token":"","product":"K","status":"LOGIN_RESTRICTED","error":"CHANGE_PASSWORD_REQUIRED"}"#,
            ErrorKind::AccountRestricted,
            "CHANGE_PASSWORD_REQUIRED",
        ),
        (
            r#"{"token":"","product":"K","status":"FAIL","error":"INVALID_USERNAME_OR_PASSWORD"}"#,
            ErrorKind::InvalidCredentials,
            "INVALID_USERNAME_OR_PASSWORD",
        ),
        (
            r#"{"token":"","product":"K","status":"FAIL","error":"TEMPORARY_BAN_TOO_MANY_REQUESTS"}"#,
            ErrorKind::RateLimited,
            "TEMPORARY_BAN_TOO_MANY_REQUESTS",
        ),
        (
            r#"{"token":"","product":"K","status":"FAIL","error":"INVALID_CONNECTIVITY_TO_REGULATOR_IT"}"#,
            ErrorKind::Unavailable,
            "INVALID_CONNECTIVITY_TO_REGULATOR_IT",
        ),
        (
            r#"{"token":"","product":"K","status":"FAIL","error":"BETTING_RESTRICTED_LOCATION"}"#,
            ErrorKind::AccountRestricted,
            "BETTING_RESTRICTED_LOCATION",
        ),
        (
            r#"{"token":"","product":"K","status":"FAIL","error":"NOT_AUTHORIZED_FOR_DOMAIN_RO"}"#,
            ErrorKind::AccountRestricted,
            "NOT_AUTHORIZED_FOR_DOMAIN_RO",
        ),
        (
            r#"{"token":"","product":"K","status":"FAIL","error":"INPUT_VALIDATION_ERROR"}"#,
            ErrorKind::Configuration,
            "INPUT_VALIDATION_ERROR",
        ),
        (
            r#"{"token":"","status":"FAIL","error":""}"#,
            ErrorKind::AccountRestricted,
            "FAIL",
        ),
        (
            r#"{"token":"","status":"LOGIN_RESTRICTED","error":null}"#,
            ErrorKind::AccountRestricted,
            "LOGIN_RESTRICTED",
        ),
    ];
    for (body, kind, code) in cases {
        let e = parse_login(&json(body)).err().unwrap();
        assert_eq!((e.kind(), e.code()), (kind, Some(code)), "{body}");
    }
}

#[test]
fn the_reason_is_read_from_either_field() {
    // betfairlightweight's failure fixture: the code in `status`.
    let e = parse_login(&json(r#"{"status":"INVALID_USERNAME_OR_PASSWORD"}"#))
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("INVALID_USERNAME_OR_PASSWORD"));
    // Certificate login: the code in `loginStatus`.
    for (status, kind) in [
        ("CERT_AUTH_REQUIRED", ErrorKind::Configuration),
        ("ACCOUNT_NOW_LOCKED", ErrorKind::AccountRestricted),
        ("TEMPORARY_BAN_TOO_MANY_REQUESTS", ErrorKind::RateLimited),
        ("SOMETHING_NEW", ErrorKind::AccountRestricted),
    ] {
        let e = parse_login(&json(&format!(r#"{{"loginStatus":"{status}"}}"#)))
            .err()
            .unwrap();
        assert_eq!((e.kind(), e.code()), (kind, Some(status)));
    }
    // Only an error, no status.
    let e = parse_login(&json(r#"{"error":"SUSPENDED"}"#))
        .err()
        .unwrap();
    assert_eq!(e.code(), Some("SUSPENDED"));
}

#[test]
fn odd_success_answers_are_unexpected() {
    for body in [
        r#"{"token":"","status":"SUCCESS","error":""}"#,
        r#"{"loginStatus":"SUCCESS"}"#,
        r#"{"token":"T"}"#,
        r#"{}"#,
    ] {
        let e = parse_login(&json(body)).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::UnexpectedResponse, "{body}");
    }
}

#[test]
fn html_and_broken_answers_never_echo_the_body() {
    let html = HttpResponse::new(
        NAME,
        http::StatusCode::OK,
        http::HeaderMap::new(),
        "<!DOCTYPE html><p>PW-SENTINEL</p>",
    );
    let e = parse_login(&html).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(!format!("{e} {e:?}").contains("PW-SENTINEL"));
    let e = parse_login(&json(r#"{"token":"TOKEN-SENTINEL","status":"#))
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(!format!("{e} {e:?}").contains("TOKEN-SENTINEL"));
    let e = parse_login(&json(r#"["TOKEN-SENTINEL"]"#)).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    assert!(!format!("{e} {e:?}").contains("TOKEN-SENTINEL"));
    // A code that is not a code (an echoed password, a sentence) is dropped.
    let e = parse_login(&json(
        r#"{"status":"FAIL","error":"bad password PW-SENTINEL"}"#,
    ))
    .err()
    .unwrap();
    assert_eq!(e.code(), None);
    assert!(!format!("{e} {e:?}").contains("PW-SENTINEL"));
}

#[test]
fn non_200_answers_use_the_body_code_or_the_status() {
    let r = HttpResponse::json_body(NAME, 403, r#"{"status":"FAIL","error":"FORBIDDEN"}"#);
    let e = parse_login(&r).err().unwrap();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("FORBIDDEN"))
    );
    let r = HttpResponse::json_body(NAME, 503, "{}");
    assert_eq!(
        parse_login(&r).err().unwrap().kind(),
        ErrorKind::Unavailable
    );
    let r = HttpResponse::json_body(NAME, 429, "");
    assert_eq!(
        parse_login(&r).err().unwrap().kind(),
        ErrorKind::RateLimited
    );
}

#[test]
fn keep_alive_answers() {
    assert!(
        parse_session_call(
            "keepalive",
            &json(r#"{"token":"T","product":"K","status":"SUCCESS","error":""}"#)
        )
        .is_ok()
    );
    for (error, kind) in [
        ("NO_SESSION", ErrorKind::SessionRejected),
        ("INTERNAL_ERROR", ErrorKind::Unavailable),
        ("INPUT_VALIDATION_ERROR", ErrorKind::Configuration),
        ("SOMETHING_ELSE", ErrorKind::UnexpectedResponse),
    ] {
        let body = format!(r#"{{"token":"T","product":"K","status":"FAIL","error":"{error}"}}"#);
        let e = parse_session_call("keepalive", &json(&body)).unwrap_err();
        assert_eq!((e.kind(), e.code()), (kind, Some(error)));
    }
    let e = parse_session_call("keepalive", &json("{}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    let e = parse_session_call("logout", &json(r#"{"status":"FAIL","error":"NO_SESSION"}"#))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    // An HTML page (no Accept header honoured) is a gateway page, not a verdict on the session.
    let html = HttpResponse::new(
        NAME,
        http::StatusCode::OK,
        {
            let mut h = http::HeaderMap::new();
            h.insert("content-type", http::HeaderValue::from_static("text/html"));
            h
        },
        "<html></html>",
    );
    assert_eq!(
        parse_session_call("keepalive", &html).unwrap_err().kind(),
        ErrorKind::Unavailable
    );
}

#[test]
fn rejections_are_recognised_in_json_rpc_rest_and_sso_bodies() {
    let yes = [
        r#"{"jsonrpc":"2.0","error":{"code":-32099,"message":"ANGX-0003","data":{"exceptionname":"APINGException","APINGException":{"errorCode":"INVALID_SESSION_INFORMATION","errorDetails":"","requestUUID":"prdang001"}}},"id":1}"#,
        r#"{"jsonrpc":"2.0","error":{"code":-32099,"message":"AANGX-0010","data":{"exceptionname":"AccountAPINGException","AccountAPINGException":{"errorCode":"NO_SESSION","errorDetails":""}}},"id":1}"#,
        r#"[{"jsonrpc":"2.0","result":{},"id":1},{"jsonrpc":"2.0","error":{"code":-32099,"message":"ANGX-0003","data":{"APINGException":{"errorCode":"INVALID_SESSION_INFORMATION"}}},"id":2}]"#,
        r#"{"faultcode":"Client","faultstring":"ANGX-0003","detail":{"exceptionname":"APINGException","APINGException":{"errorCode":"INVALID_SESSION_INFORMATION","errorDetails":"","requestUUID":"x"}}}"#,
        r#"{"faultcode":"Client","faultstring":"AANGX-0002","detail":{"AccountAPINGException":{"errorCode":"INVALID_SESSION_INFORMATION"}}}"#,
        r#"{"errorCode":"INVALID_SESSION_INFORMATION"}"#,
        r#"{"token":"","product":"K","status":"FAIL","error":"NO_SESSION"}"#,
    ];
    for b in yes {
        assert!(session_rejection_code(b.as_bytes()).is_some(), "{b}");
        assert!(
            is_session_rejection(&HttpResponse::json_body(NAME, 400, b)),
            "{b}"
        );
    }
    let no = [
        r#"{"jsonrpc":"2.0","result":[],"id":1}"#,
        r#"{"jsonrpc":"2.0","error":{"code":-32099,"message":"ANGX-0005","data":{"APINGException":{"errorCode":"SERVICE_BUSY"}}},"id":1}"#,
        r#"{"faultcode":"Client","faultstring":"DSC-0018","detail":{}}"#,
        r#"{"jsonrpc":"2.0","error":{"code":-32602,"message":"DSC-0018"},"id":1}"#,
        r#"{"status":"SUCCESS","error":""}"#,
        "INVALID_SESSION_INFORMATION",
        "",
    ];
    for b in no {
        assert!(session_rejection_code(b.as_bytes()).is_none(), "{b}");
    }
    assert_eq!(
        session_rejection_code(yes[0].as_bytes()),
        Some("INVALID_SESSION_INFORMATION")
    );
    assert!(!is_session_rejection(&HttpResponse::json_body(
        NAME, 401, ""
    )));
}

#[test]
fn pending_auth_with_a_token_is_a_limited_session_whatever_the_status() {
    for body in [
        r#"{"token":"T1","product":"K","status":"LIMITED_ACCESS","error":"PENDING_AUTH"}"#,
        r#"{"token":"T1","product":"K","status":"FAIL","error":"PENDING_AUTH"}"#,
        r#"{"token":"T1","product":"K","status":"LOGIN_RESTRICTED","error":"pending_auth"}"#,
    ] {
        let out = parse_login(&json(body)).unwrap();
        assert_eq!(out.token.expose_secret(), "T1");
        assert_eq!(out.limited.as_deref(), Some("PENDING_AUTH"), "{body}");
    }
    let e = parse_login(&json(
        r#"{"token":"","status":"FAIL","error":"PENDING_AUTH"}"#,
    ))
    .err()
    .unwrap();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::AccountRestricted, Some("PENDING_AUTH"))
    );
}

#[test]
fn a_missing_identity_endpoint_is_configuration_html_or_not() {
    let mut h = http::HeaderMap::new();
    h.insert("content-type", http::HeaderValue::from_static("text/html"));
    for status in [404u16, 405] {
        for body in ["<!DOCTYPE html><h1>Not Found PW-SENTINEL</h1>", ""] {
            let r = HttpResponse::new(
                NAME,
                http::StatusCode::from_u16(status).unwrap(),
                h.clone(),
                body,
            );
            for e in [
                parse_login(&r).err().unwrap(),
                parse_session_call("keepalive", &r).unwrap_err(),
                parse_session_call("logout", &r).unwrap_err(),
            ] {
                assert_eq!(e.kind(), ErrorKind::Configuration, "{status} {body}");
                assert_eq!(
                    e.to_string(),
                    format!(
                        "betfair: no betfair identity endpoint at the base url (http {status})"
                    )
                );
                assert!(!format!("{e:?}").contains("PW-SENTINEL"));
            }
        }
    }
    // A code in the body still decides.
    let r = HttpResponse::json_body(NAME, 404, r#"{"status":"FAIL","error":"NO_SESSION"}"#);
    let e = parse_session_call("keepalive", &r).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
}

#[test]
fn a_keep_alive_answer_returns_its_token_when_it_has_one() {
    let t = parse_session_call(
        "keepalive",
        &json(r#"{"token":"NEW","product":"K","status":"SUCCESS","error":""}"#),
    )
    .unwrap();
    assert_eq!(t.unwrap().expose_secret(), "NEW");
    for body in [
        r#"{"token":"","status":"SUCCESS"}"#,
        r#"{"token":"  ","status":"SUCCESS"}"#,
        r#"{"status":"SUCCESS"}"#,
    ] {
        assert!(
            parse_session_call("keepalive", &json(body))
                .unwrap()
                .is_none(),
            "{body}"
        );
    }
}
