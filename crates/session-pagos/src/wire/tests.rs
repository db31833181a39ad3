//! Wire tests: exact requests, and every documented reply from the OpenDedicatedSession page.

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, StatusCode};
use session_core::{ErrorKind, Expiry, HttpFailure, Lease, SessionManager, StaticToken};

use super::*;

const APP: &str = "a4dcfb4f0464453b928ce1d6bcfb6aa3";
const TOKEN: &str = "Do3l_2l3uLdmYX76u-BufLzuuhFPOE-nRZDyU0adiFk1";

/// The documented success reply.
const SUCCESS: &str = r#"{
       "SessionId": "25eae3ae-755e-4b3c-aa48-d7f096f6a2a7",
       "Success": true,
       "Messages": []
}"#;

/// Documented failure, example 1.
const FAILURE_TOKEN: &str = r#"{
       "SessionId": "00000000-0000-0000-0000-000000000000",
       "Success": false,
       "InvalidToken": true,
       "Messages": [
             "The requested resource is restricted and your request did not provide a valid token."
       ]
}"#;

/// Documented failure, example 2.
const FAILURE_APP: &str = r#"{
       "SessionId": "00000000-0000-0000-0000-000000000000",
       "Success": false,
       "InvalidToken": false,
       "Messages": [
             "The requested application is invalid."
       ]
}"#;

fn base() -> Url {
    Url::parse("https://dev7.pagos.com").unwrap()
}

fn token() -> BearerToken {
    BearerToken::fixed(TOKEN)
}

fn app() -> AppKey {
    AppKey::new(APP)
}

fn documented(body: &str) -> HttpResponse {
    let mut h = HeaderMap::new();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    HttpResponse::new("pagos", StatusCode::OK, h, body.to_owned())
}

fn redact<'a>(token: &'a BearerToken, app: &'a AppKey) -> Redact<'a> {
    Redact {
        token,
        application_key: app,
        session_id: None,
    }
}

#[test]
fn open_request_matches_the_documented_sample() {
    let req = open_request(&base(), &app(), &token()).unwrap();
    assert_eq!(req.method(), Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://dev7.pagos.com/Api/Applications/OpenDedicatedSession"
    );
    let auth = &req.headers()[AUTHORIZATION];
    assert_eq!(auth, &format!("Bearer {TOKEN}"));
    assert!(auth.is_sensitive());
    assert_eq!(req.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(
        req.body().as_slice(),
        format!(r#"{{"ApplicationKey":"{APP}"}}"#).as_bytes()
    );
}

#[test]
fn base_path_is_kept_and_trailing_slash_ignored() {
    for b in ["https://h/spreadsheetweb", "https://h/spreadsheetweb/"] {
        let req = open_request(&Url::parse(b).unwrap(), &app(), &token()).unwrap();
        assert_eq!(
            req.uri().to_string(),
            "https://h/spreadsheetweb/Api/Applications/OpenDedicatedSession"
        );
    }
}

#[test]
fn close_request_carries_key_and_session_id_in_the_body() {
    let id = SessionId::new("25EAE3AE-755E-4B3C-AA48-D7F096F6A2A7");
    let req = close_request(&base(), &app(), &id, &token()).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://dev7.pagos.com/Api/Applications/CloseDedicatedSession"
    );
    assert!(req.headers()[AUTHORIZATION].is_sensitive());
    assert_eq!(
        String::from_utf8(req.body().clone()).unwrap(),
        format!(
            r#"{{"ApplicationKey":"{APP}","SessionId":"25EAE3AE-755E-4B3C-AA48-D7F096F6A2A7"}}"#
        )
    );
}

#[test]
fn call_request_puts_the_session_id_in_the_json_body() {
    let id = SessionId::new("25eae3ae-755e-4b3c-aa48-d7f096f6a2a7");
    let body = serde_json::json!({ "Inputs": [{ "Ref": "A1", "Value": [["1"]] }] });
    let req = call_request(&base(), "GetResult", &app(), &id, &token(), &body).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://dev7.pagos.com/Api/Applications/GetResult"
    );
    let sent: Value = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({
            "ApplicationKey": APP,
            "Inputs": [{ "Ref": "A1", "Value": [["1"]] }],
            "SessionId": "25eae3ae-755e-4b3c-aa48-d7f096f6a2a7",
        })
    );
    assert!(req.headers().get("sessionid").is_none());
}

#[test]
fn call_request_keeps_a_given_application_key_and_rejects_bad_input() {
    let id = SessionId::new("25eae3ae-755e-4b3c-aa48-d7f096f6a2a7");
    let body = serde_json::json!({ "ApplicationKey": "other" });
    let req = call_request(&base(), "GetResult", &app(), &id, &token(), &body).unwrap();
    let sent: Value = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(sent["ApplicationKey"], "other");

    let e = call_request(
        &base(),
        "GetResult",
        &app(),
        &id,
        &token(),
        &serde_json::json!([1]),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    for bad in ["", "Get/Result", "../x", "Get Result"] {
        let e =
            call_request(&base(), bad, &app(), &id, &token(), &serde_json::json!({})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{bad:?}");
    }
}

#[test]
fn documented_success_opens_a_session_kept_as_received() {
    let (t, a) = (token(), app());
    match parse_open(&documented(SUCCESS), &redact(&t, &a)).unwrap() {
        OpenOutcome::Opened(id) => {
            assert_eq!(id.expose_secret(), "25eae3ae-755e-4b3c-aa48-d7f096f6a2a7");
        }
        other => panic!("unexpected {other:?}"),
    }
    let upper = SUCCESS.replace(
        "25eae3ae-755e-4b3c-aa48-d7f096f6a2a7",
        "25EAE3AE-755E-4B3C-AA48-D7F096F6A2A7",
    );
    match parse_open(&documented(&upper), &redact(&t, &a)).unwrap() {
        OpenOutcome::Opened(id) => {
            assert_eq!(id.expose_secret(), "25EAE3AE-755E-4B3C-AA48-D7F096F6A2A7");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn documented_failure_1_is_a_token_rejection_with_messages() {
    let (t, a) = (token(), app());
    match parse_open(&documented(FAILURE_TOKEN), &redact(&t, &a)).unwrap() {
        OpenOutcome::TokenRejected(f) => {
            assert!(f.invalid_token());
            assert_eq!(
                f.messages(),
                [
                    "The requested resource is restricted and your request did not provide a valid token."
                ]
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn documented_failure_2_is_an_open_refusal_with_messages() {
    let (t, a) = (token(), app());
    let e = parse_open(&documented(FAILURE_APP), &redact(&t, &a)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("OPEN_REFUSED"));
    assert_eq!(
        e.to_string(),
        "pagos: dedicated session refused: OPEN_REFUSED"
    );
    let f = PagosFailure::of(&e).unwrap();
    assert!(!f.invalid_token());
    assert_eq!(f.messages(), ["The requested application is invalid."]);
    assert!(!format!("{e} {e:?}").contains("invalid."));
}

/// Only an explicit `Success: false` is a refusal (a final verdict the login guard remembers);
/// a reply that does not say so is an unexpected answer, never `InvalidCredentials`.
#[test]
fn replies_that_do_not_say_success_are_unexpected_not_refusals() {
    let (t, a) = (token(), app());
    for body in [
        "[]",
        "{}",
        "[1,2]",
        r#""garbage""#,
        "42",
        "null",
        "garbage",
        r#"{"Messages":["The requested application is invalid."]}"#,
        r#"{"Success":"maybe"}"#,
        r#"{"Success":null,"InvalidToken":false}"#,
        r#"{"Success":2}"#,
        "{\"Success\":\"\u{e9}\"}",
    ] {
        let e = parse_open(&documented(body), &redact(&t, &a)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedResponse, "{body}");
        let e = parse_close(&documented(body), &redact(&t, &a)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedResponse, "close {body}");
    }
    for body in [
        r#"{"Success":false}"#,
        r#"{"success":"false","Messages":[]}"#,
        r#"{"Success":0}"#,
    ] {
        let e = parse_open(&documented(body), &redact(&t, &a)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials, "{body}");
    }
}

#[test]
fn success_without_a_usable_guid_is_unexpected() {
    let (t, a) = (token(), app());
    for body in [
        r#"{"Success":true,"SessionId":"00000000-0000-0000-0000-000000000000","Messages":[]}"#,
        r#"{"Success":true,"Messages":[]}"#,
        r#"{"Success":true,"SessionId":null}"#,
        r#"{"Success":true,"SessionId":"not-a-guid"}"#,
        r#"{"Success":true,"SessionId":"25eae3ae755e4b3caa48d7f096f6a2a7"}"#,
        r#"{"Success":true,"SessionId":"25eae3ae-755e-4b3c-aa48-d7f096f6a2ag"}"#,
    ] {
        let e = parse_open(&documented(body), &redact(&t, &a)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedResponse, "{body}");
        assert_eq!(e.code(), Some("INVALID_SESSION_ID"));
    }
}

#[test]
fn replies_are_lenient() {
    let (t, a) = (token(), app());
    for body in [
        r#"{"success":"true","sessionId":"25eae3ae-755e-4b3c-aa48-d7f096f6a2a7","messages":null,"extra":1}"#,
        r#"{"Success":1,"SessionId":"{25eae3ae-755e-4b3c-aa48-d7f096f6a2a7}"}"#,
    ] {
        assert!(
            matches!(
                parse_open(&documented(body), &redact(&t, &a)).unwrap(),
                OpenOutcome::Opened(_)
            ),
            "{body}"
        );
    }
    match parse_open(
        &documented(r#"{"Success":false,"InvalidToken":"True","Messages":[1,"m",null]}"#),
        &redact(&t, &a),
    )
    .unwrap()
    {
        OpenOutcome::TokenRejected(f) => assert_eq!(f.messages(), ["m"]),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn messages_echoing_secrets_are_redacted() {
    let (t, a) = (token(), app());
    let body = format!(
        r#"{{"Success":false,"InvalidToken":true,"Messages":["token {TOKEN} for app {APP} is bad"]}}"#
    );
    match parse_open(&documented(&body), &redact(&t, &a)).unwrap() {
        OpenOutcome::TokenRejected(f) => {
            assert_eq!(f.messages(), ["token [REDACTED] for app [REDACTED] is bad"]);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn transport_failures_map_to_core_kinds() {
    let (t, a) = (token(), app());
    let html = HttpResponse::new(
        "pagos",
        StatusCode::OK,
        HeaderMap::new(),
        "<!DOCTYPE html><html>login</html>",
    );
    let e = parse_open(&html, &redact(&t, &a)).unwrap_err();
    assert_eq!(
        (e.kind(), e.http_failure()),
        (ErrorKind::Unavailable, Some(HttpFailure::GatewayPage))
    );
    let e = parse_open(
        &HttpResponse::json_body("pagos", 503, "{}"),
        &redact(&t, &a),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let e = parse_open(
        &HttpResponse::json_body("pagos", 404, "{}"),
        &redact(&t, &a),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(
        e.to_string(),
        "pagos: no spreadsheetweb api endpoint at the base url (http 404)"
    );
    let mut h = HeaderMap::new();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    for status in [StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED] {
        let page = HttpResponse::new("pagos", status, h.clone(), "<html>Not Found</html>");
        assert_eq!(
            parse_open(&page, &redact(&t, &a)).unwrap_err().kind(),
            ErrorKind::Configuration
        );
        assert_eq!(
            parse_close(&page, &redact(&t, &a)).unwrap_err().kind(),
            ErrorKind::Configuration
        );
        assert_eq!(
            parse_call(&page, &redact(&t, &a)).unwrap_err().kind(),
            ErrorKind::Configuration
        );
    }
    let e = parse_open(
        &HttpResponse::json_body("pagos", 400, "{}"),
        &redact(&t, &a),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    let e = parse_open(
        &HttpResponse::json_body("pagos", 429, "{}"),
        &redact(&t, &a),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    let e = parse_open(
        &HttpResponse::json_body("pagos", 200, "nope"),
        &redact(&t, &a),
    )
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.http_failure()),
        (
            ErrorKind::UnexpectedResponse,
            Some(HttpFailure::MalformedBody)
        )
    );
    match parse_open(&HttpResponse::json_body("pagos", 401, ""), &redact(&t, &a)).unwrap() {
        OpenOutcome::TokenRejected(f) => assert_eq!(f.http_status(), Some(401)),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn close_replies() {
    let (t, a) = (token(), app());
    let r = |b: &str| parse_close(&documented(b), &redact(&t, &a)).unwrap();
    assert!(matches!(
        r(r#"{"Success":true,"Messages":[]}"#),
        CloseOutcome::Closed
    ));
    assert!(matches!(
        r(r#"{"Success":false,"Messages":["gone"]}"#),
        CloseOutcome::NotOpen
    ));
    assert!(matches!(r(FAILURE_TOKEN), CloseOutcome::TokenRejected(_)));
}

#[test]
fn call_replies() {
    let (t, a) = (token(), app());
    let body = r#"{"Success":false,"Messages":["bad input"],"Message":"detail","Outputs":[]}"#;
    match parse_call(&documented(body), &redact(&t, &a)).unwrap() {
        CallOutcome::Done(r) => {
            assert!(!r.is_success());
            assert_eq!(r.messages(), ["bad input", "detail"]);
            assert_eq!(r.body()["Outputs"], serde_json::json!([]));
            assert!(!format!("{r:?}").contains("bad input"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(
        parse_call(&documented(FAILURE_TOKEN), &redact(&t, &a)).unwrap(),
        CallOutcome::TokenRejected(_)
    ));
    let e = parse_call(&documented("[1,2]"), &redact(&t, &a)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
}

#[test]
fn token_rejection_is_recognised() {
    assert!(is_token_rejection(&documented(FAILURE_TOKEN)));
    assert!(!is_token_rejection(&documented(FAILURE_APP)));
    assert!(!is_token_rejection(&documented(SUCCESS)));
    assert!(is_token_rejection(&HttpResponse::json_body(
        "pagos", 401, ""
    )));
    assert!(!is_token_rejection(&HttpResponse::json_body(
        "pagos",
        500,
        FAILURE_TOKEN
    )));
}

#[test]
fn guids_parse_compare_by_value_and_nil_is_rejected() {
    let g = "25eae3ae-755e-4b3c-aa48-d7f096f6a2a7";
    assert_eq!(parse_guid(g), Some(0x25eae3ae_755e_4b3c_aa48_d7f096f6a2a7));
    assert!(is_session_guid(g));
    assert!(!is_session_guid("00000000-0000-0000-0000-000000000000"));
    assert!(same_session_id(g, "25EAE3AE-755E-4B3C-AA48-D7F096F6A2A7"));
    assert!(same_session_id(g, "{25eae3ae-755e-4b3c-aa48-d7f096f6a2a7}"));
    assert!(!same_session_id(g, "25eae3ae-755e-4b3c-aa48-d7f096f6a2a8"));
    for bad in [
        "",
        "25eae3ae-755e-4b3c-aa48-d7f096f6a2a",
        "25eae3ae-755e-4b3c-aa48-d7f096f6a2a77",
        "25eae3ae_755e_4b3c_aa48_d7f096f6a2a7",
        "25eae3ae-755e-4b3c-aa48-d7f096f6a2a\u{e9}",
        "{25eae3ae-755e-4b3c-aa48-d7f096f6a2a7",
    ] {
        assert_eq!(parse_guid(bad), None, "{bad:?}");
    }
}

#[tokio::test]
async fn insert_session_uses_the_lease_deref() {
    // A lease derefs to the token, so builders accept `&Lease<BearerToken>`.
    let manager = SessionManager::new(crate::BearerSource::new(
        session_core::StaticTokenProvider::new("pagos", StaticToken::bearer(TOKEN.into())),
    ));
    let lease: Lease<BearerToken> = manager.get().await.unwrap();
    assert_eq!(lease.expiry(), Expiry::Never);
    let req = open_request(&base(), &app(), &lease).unwrap();
    assert_eq!(req.headers()[AUTHORIZATION], &format!("Bearer {TOKEN}"));
}
