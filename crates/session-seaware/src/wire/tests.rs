//! Wire unit tests: exact requests and every documented (and assumed Spring) answer.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use session_core::http::HttpResponse;
use session_core::oauth::{OAuthSession, Placement};
use session_core::{
    AccessToken, ClientCredentials, ErrorKind, Expiry, HttpFailure, RefreshToken, UsernamePassword,
};
use url::Url;

use super::*;

fn base() -> Url {
    Url::parse("https://bookings.example.com").unwrap()
}

fn creds() -> (UsernamePassword, ClientCredentials) {
    (
        UsernamePassword::new("JAMES", "secret007"),
        ClientCredentials::new("ota", "ota"),
    )
}

fn json(status: u16, body: &str) -> HttpResponse {
    HttpResponse::json_body(NAME, status, body.to_owned())
}

fn xml(status: u16, body: &str) -> HttpResponse {
    let mut h = HeaderMap::new();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml;charset=UTF-8"),
    );
    HttpResponse::new(
        NAME,
        StatusCode::from_u16(status).unwrap(),
        h,
        body.to_owned(),
    )
}

#[test]
fn urls_are_under_ota() {
    assert_eq!(
        token_url(&base()).as_str(),
        "https://bookings.example.com/ota/oauth/token"
    );
    assert_eq!(
        logout_url(&base()).as_str(),
        "https://bookings.example.com/ota/oauth/logout"
    );
    assert_eq!(
        rest_url(&base(), "OTA_PingRQ").as_str(),
        "https://bookings.example.com/ota/rest/OTA_PingRQ"
    );
    let prefixed = Url::parse("https://h:8081/proxy/").unwrap();
    assert_eq!(
        token_url(&prefixed).as_str(),
        "https://h:8081/proxy/ota/oauth/token"
    );
}

#[test]
fn the_documented_login_goes_in_the_query_string_with_an_empty_body() {
    let (user, client) = creds();
    let req = login_request(
        &token_url(&base()),
        &user,
        &client,
        Some("travelagent"),
        Placement::Query,
    )
    .unwrap();
    assert_eq!(req.method(), Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://bookings.example.com/ota/oauth/token?username=JAMES&password=secret007&client_id=ota&client_secret=ota&grant_type=password&scope=travelagent"
    );
    assert!(req.body().is_empty());
    assert!(req.headers().get(http::header::CONTENT_TYPE).is_none());
    assert!(req.headers().get(http::header::AUTHORIZATION).is_none());
}

#[test]
fn the_form_login_has_a_clean_url_and_an_encoded_body() {
    let user = UsernamePassword::new("ann smith", "p&w=1 +%");
    let client = ClientCredentials::new("ota", "c/s?");
    let req = login_request(
        &token_url(&base()),
        &user,
        &client,
        Some("resagent"),
        Placement::Form,
    )
    .unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://bookings.example.com/ota/oauth/token"
    );
    assert_eq!(
        std::str::from_utf8(req.body()).unwrap(),
        "username=ann+smith&password=p%26w%3D1+%2B%25&client_id=ota&client_secret=c%2Fs%3F&grant_type=password&scope=resagent"
    );
    assert_eq!(
        req.headers()[http::header::CONTENT_TYPE],
        "application/x-www-form-urlencoded"
    );
}

#[test]
fn a_login_without_scope_sends_no_scope_parameter() {
    let (user, client) = creds();
    let req = login_request(&token_url(&base()), &user, &client, None, Placement::Query).unwrap();
    assert!(!req.uri().to_string().contains("scope"));
}

#[test]
fn the_refresh_request_follows_the_placement() {
    let (_, client) = creds();
    let rt = RefreshToken::new("89A67471-074A-48BF-9AC0-FE6F96EE6BAD");
    let q = refresh_request(&token_url(&base()), &rt, &client, Placement::Query).unwrap();
    assert_eq!(
        q.uri().to_string(),
        "https://bookings.example.com/ota/oauth/token?refresh_token=89A67471-074A-48BF-9AC0-FE6F96EE6BAD&client_id=ota&client_secret=ota&grant_type=refresh_token"
    );
    assert!(q.body().is_empty());
    let f = refresh_request(&token_url(&base()), &rt, &client, Placement::Form).unwrap();
    assert_eq!(
        std::str::from_utf8(f.body()).unwrap(),
        "refresh_token=89A67471-074A-48BF-9AC0-FE6F96EE6BAD&client_id=ota&client_secret=ota&grant_type=refresh_token"
    );
}

#[test]
fn logout_sends_the_bearer_in_a_sensitive_header_and_no_body() {
    let session = OAuthSession::new(
        AccessToken::new("89A67471-074A-48BF-9AC0-FE6F96EE6BAD"),
        None,
        None,
        Expiry::Never,
    );
    let req = logout_request(&logout_url(&base()), &session).unwrap();
    assert_eq!(req.method(), Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://bookings.example.com/ota/oauth/logout"
    );
    let auth = &req.headers()[http::header::AUTHORIZATION];
    assert_eq!(auth, "Bearer 89A67471-074A-48BF-9AC0-FE6F96EE6BAD");
    assert!(auth.is_sensitive());
    assert!(req.body().is_empty());
}

#[test]
fn the_documented_token_response_parses() {
    let body = r#"{
  "access_token": "89A67471-074A-48BF-9AC0-FE6F96EE6BAD",
  "token_type": "bearer",
  "refresh_token": "89A67471-074A-48BF-9AC0-FE6F96EE6BAD",
  "expires_in": 900,
  "scope": "travelagent"
}"#;
    let t = parse_token(&json(200, body), "password", Placement::Form).unwrap();
    assert_eq!(
        t.access_token.expose_secret(),
        "89A67471-074A-48BF-9AC0-FE6F96EE6BAD"
    );
    assert_eq!(
        t.refresh_token.as_ref().unwrap().expose_secret(),
        "89A67471-074A-48BF-9AC0-FE6F96EE6BAD"
    );
    assert_eq!(t.expires_in, Some(900));
    assert_eq!(t.scope.as_deref(), Some("travelagent"));
    assert!(!format!("{t:?}").contains("89A67471"));
}

#[test]
fn token_responses_are_parsed_leniently() {
    for (body, expires) in [
        (
            r#"{"access_token":"A","token_type":"Bearer","expires_in":"300"}"#,
            Some(300),
        ),
        (
            r#"{"access_token":"A","token_type":"BEARER","expires_in":899,"x":1}"#,
            Some(899),
        ),
        (r#"{"access_token":"A"}"#, None),
        (r#"{"access_token":"A","token_type":"bearer"}"#, None),
    ] {
        let t = parse_token(&json(200, body), "password", Placement::Form).unwrap();
        assert_eq!(t.expires_in, expires, "{body}");
    }
}

#[test]
fn a_missing_expires_in_uses_the_default_ttl_from_receipt() {
    let t = parse_token(
        &json(200, r#"{"access_token":"A"}"#),
        "password",
        Placement::Form,
    )
    .unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
    let s = OAuthSession::from_response(t, now, Duration::from_secs(900));
    assert_eq!(s.expiry, Expiry::At(now + Duration::from_secs(900)));
}

#[test]
fn odd_token_responses_are_unexpected() {
    let e = parse_token(
        &json(200, r#"{"access_token":"A","token_type":"mac"}"#),
        "password",
        Placement::Form,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    let e = parse_token(
        &json(200, r#"{"access_token":""}"#),
        "password",
        Placement::Form,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    let e = parse_token(
        &json(200, r#"{"token_type":"bearer"}"#),
        "password",
        Placement::Form,
    )
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.http_failure()),
        (
            ErrorKind::UnexpectedResponse,
            Some(HttpFailure::MalformedBody)
        )
    );
    let e = parse_token(
        &json(200, r#"{"access_token":"SECRET-TRUNC"#),
        "password",
        Placement::Form,
    )
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.http_failure()),
        (ErrorKind::Unavailable, Some(HttpFailure::TruncatedBody))
    );
    assert!(!format!("{e} {e:?}").contains("SECRET"));
}

#[test]
fn spring_error_bodies_map_to_kinds_and_never_show_the_description() {
    let cases: [(u16, &str, &str, ErrorKind); 9] = [
        (
            400,
            r#"{"error":"invalid_grant","error_description":"Bad credentials"}"#,
            "password",
            ErrorKind::InvalidCredentials,
        ),
        (
            400,
            r#"{"error":"invalid_grant","error_description":"User account is locked"}"#,
            "password",
            ErrorKind::AccountRestricted,
        ),
        (
            401,
            r#"{"error":"invalid_client","error_description":"Bad client credentials"}"#,
            "password",
            ErrorKind::Configuration,
        ),
        (
            401,
            r#"{"error":"unauthorized","error_description":"Full authentication is required"}"#,
            "password",
            ErrorKind::Configuration,
        ),
        (
            400,
            r#"{"error":"invalid_scope","error_description":"Invalid scope: x"}"#,
            "password",
            ErrorKind::Configuration,
        ),
        (
            400,
            r#"{"error":"invalid_grant","error_description":"Invalid refresh token: SECRET-RT"}"#,
            "refresh_token",
            ErrorKind::SessionRejected,
        ),
        (
            401,
            r#"{"error":"invalid_token","error_description":"Invalid refresh token (expired): SECRET-RT"}"#,
            "refresh_token",
            ErrorKind::SessionRejected,
        ),
        (
            400,
            r#"{"error":"unsupported_grant_type","error_description":"Unsupported grant type: refresh_token"}"#,
            "refresh_token",
            ErrorKind::SessionRejected,
        ),
        (
            500,
            r#"{"error":"server_error","error_description":"Internal Server Error SECRET-RT"}"#,
            "password",
            ErrorKind::Unavailable,
        ),
    ];
    for (status, body, grant, kind) in cases {
        let e = parse_token(&json(status, body), grant, Placement::Form).unwrap_err();
        assert_eq!(e.kind(), kind, "{body}");
        let shown = format!("{e} {e:?} {e:#?}");
        for word in [
            "SECRET",
            "Bad credentials",
            "locked",
            "Invalid refresh",
            "Invalid scope",
            "Internal",
            "Full authentication",
        ] {
            assert!(!shown.contains(word), "{word} shown for {body}: {shown}");
        }
        assert!(e.code().is_some());
        assert_eq!(e.http_failure(), Some(HttpFailure::Status(status)));
    }
    let e = parse_token(
        &json(
            400,
            r#"{"error":"invalid_grant","error_description":"Bad credentials"}"#,
        ),
        "password",
        Placement::Form,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "seaware: login rejected (http 400): invalid_grant"
    );
}

#[test]
fn unsupported_grant_type_on_refresh_is_recognised() {
    let e = parse_token(
        &json(400, r#"{"error":"unsupported_grant_type"}"#),
        "refresh_token",
        Placement::Form,
    )
    .unwrap_err();
    assert!(refresh_unsupported(&e));
    let e = parse_token(
        &json(400, r#"{"error":"invalid_grant"}"#),
        "refresh_token",
        Placement::Form,
    )
    .unwrap_err();
    assert!(!refresh_unsupported(&e));
}

#[test]
fn transport_statuses_map_like_the_core() {
    let mut h = HeaderMap::new();
    h.insert(http::header::RETRY_AFTER, HeaderValue::from_static("30"));
    let r = HttpResponse::new(
        NAME,
        StatusCode::TOO_MANY_REQUESTS,
        h,
        r#"{"error":"too_many_requests"}"#,
    );
    let e = parse_token(&r, "password", Placement::Form).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
    let mut h = HeaderMap::new();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html"),
    );
    let r = HttpResponse::new(NAME, StatusCode::BAD_GATEWAY, h, "<html>bad gateway</html>");
    let e = parse_token(&r, "password", Placement::Form).unwrap_err();
    assert_eq!(
        (e.kind(), e.http_failure()),
        (ErrorKind::Unavailable, Some(HttpFailure::GatewayPage))
    );
    let e = parse_token(&json(418, "not json"), "password", Placement::Form).unwrap_err();
    assert_eq!(
        (e.kind(), e.http_failure()),
        (
            ErrorKind::UnexpectedResponse,
            Some(HttpFailure::Status(418))
        )
    );
    assert_eq!(e.to_string(), "seaware: unexpected status (http 418)");
}

fn html(status: u16, body: &'static str) -> HttpResponse {
    let mut h = HeaderMap::new();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    HttpResponse::new(NAME, StatusCode::from_u16(status).unwrap(), h, body)
}

#[test]
fn oauthlib_refusing_query_parameters_is_read_and_explained() {
    // oauthlib's answer, labelled text/html, to a token POST with parameters in the URL.
    let body = r#"{"error": "invalid_request", "error_description": "URL query parameters are not allowed"}"#;
    for grant in ["password", "refresh_token"] {
        let e = parse_token(&html(400, body), grant, Placement::Query).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{grant}");
        assert_eq!(e.code(), Some("invalid_request"));
        assert_eq!(e.http_failure(), Some(HttpFailure::Status(400)));
        let shown = e.to_string();
        assert!(
            shown.starts_with("seaware: token request refused (http 400); "),
            "{shown}"
        );
        assert!(
            shown.contains("(Placement::Form, --params form)"),
            "{shown}"
        );
        assert!(!format!("{shown} {e:?}").contains("URL query"));
    }
    let e = parse_token(&html(400, body), "password", Placement::Form).unwrap_err();
    assert_eq!(
        e.to_string(),
        "seaware: token request refused (http 400): invalid_request"
    );
    // Any RFC 6749 answer is read by its shape, whatever the label.
    let e = parse_token(
        &html(400, r#"{"error":"invalid_grant"}"#),
        "password",
        Placement::Query,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(
        e.to_string(),
        "seaware: login rejected (http 400): invalid_grant"
    );
}

#[test]
fn a_missing_token_or_logout_endpoint_is_configuration() {
    for r in [
        html(404, "<!DOCTYPE html><html><title>Not Found</title></html>"),
        html(405, ""),
        json(
            404,
            r#"{"timestamp":"2026-01-01","status":404,"error":"Not Found","path":"/x"}"#,
        ),
    ] {
        let e = parse_token(&r, "password", Placement::Form).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        let status = r.status().as_u16();
        assert_eq!(
            e.to_string(),
            format!("seaware: no seaware oauth endpoint at the base url (http {status})")
        );
        let e = parse_logout(&r).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
    }
    // An RFC 6749 answer in a 404 is still read as one.
    let e = parse_token(
        &json(404, r#"{"error":"invalid_client"}"#),
        "password",
        Placement::Form,
    )
    .unwrap_err();
    assert_eq!(e.code(), Some("invalid_client"));
    let e = parse_token(
        &html(502, "<html>Bad Gateway</html>"),
        "password",
        Placement::Form,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[test]
fn logout_answers() {
    assert!(parse_logout(&json(200, r#"{"status":"success"}"#)).is_ok());
    assert!(parse_logout(&json(200, r#"{"status":"SUCCESS"}"#)).is_ok());
    assert!(parse_logout(&json(200, "")).is_ok());
    assert!(parse_logout(&json(204, "")).is_ok());
    assert!(
        parse_logout(&json(
            401,
            r#"{"error":"invalid_token","error_description":"Invalid access token: X"}"#
        ))
        .is_ok(),
        "401 means already logged out"
    );
    assert!(parse_logout(&json(401, "")).is_ok());
    assert!(parse_logout(&json(400, r#"{"error":"invalid_token"}"#)).is_ok());
    let e = parse_logout(&json(200, r#"{"status":"failure"}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    assert_eq!(e.code(), Some("failure"));
    let e = parse_logout(&json(503, "{}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let e = parse_logout(&json(400, r#"{"error":"invalid_client"}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}

#[test]
fn ota_errors_saying_the_session_expired_are_recognised() {
    let yes = [
        r#"<OTA_PingRS><Errors><Error Type="4" ShortText="Session has expired"/></Errors></OTA_PingRS>"#,
        r#"<OTA_PingRS><Errors><Error Type="12" Code="321">Session 89A67471 expired</Error></Errors></OTA_PingRS>"#,
        r#"<ns:OTA_CruiseSailAvailRS xmlns:ns="x"><ns:Errors><ns:Error Type="5" Code="497" ShortText="Authentication"/></ns:Errors></ns:OTA_CruiseSailAvailRS>"#,
        r#"<OTA_PingRS><Errors><Error Type='3' ShortText='Invalid session token'/></Errors></OTA_PingRS>"#,
        r#"<OTA_ErrorRS ErrorCode="SessionFailure-101" ErrorMessage="x"/>"#,
        r#"<OTA_PingRS><Errors><Error Code="SessionFailure-102"/></Errors></OTA_PingRS>"#,
        "<?xml version=\"1.0\"?>\n<OTA_PingRS>\n  <Errors>\n    <Error Type=\"1\"\n      ShortText=\"Session timed out\"/>\n  </Errors>\n</OTA_PingRS>",
    ];
    for body in yes {
        assert!(ota_session_expired(body.as_bytes()), "{body}");
        assert!(is_rejection(&xml(200, body)), "{body}");
    }
    let no = [
        r#"<OTA_PingRS><Success/><EchoData>session expired</EchoData></OTA_PingRS>"#,
        r#"<OTA_CruiseBookRS><Errors><Error Type="3" ShortText="Cabin not available"/></Errors></OTA_CruiseBookRS>"#,
        r#"<OTA_PingRS><Warnings><Warning Type="5" ShortText="Session has expired"/></Warnings><Success/></OTA_PingRS>"#,
        r#"<OTA_PingRS><Errors><Error Type="3" ShortText="Invalid sailing"/></Errors></OTA_PingRS>"#,
        "not xml at all",
        "",
    ];
    for body in no {
        assert!(!ota_session_expired(body.as_bytes()), "{body}");
        assert!(!is_rejection(&xml(200, body)), "{body}");
    }
}

#[test]
fn rejections_include_401_and_invalid_token_but_not_other_failures() {
    assert!(is_rejection(&json(401, "")));
    assert!(is_rejection(&json(
        401,
        r#"{"error":"invalid_token","error_description":"Access token expired: X"}"#
    )));
    assert!(is_rejection(&json(400, r#"{"error":"invalid_token"}"#)));
    assert!(!is_rejection(&json(
        403,
        r#"{"error":"insufficient_scope"}"#
    )));
    assert!(!is_rejection(&json(500, "{}")));
    assert!(!is_rejection(&xml(
        200,
        "<OTA_PingRS><Success/></OTA_PingRS>"
    )));
    let mut h = HeaderMap::new();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html"),
    );
    let page = HttpResponse::new(
        NAME,
        StatusCode::OK,
        h,
        "<html><body>Session expired</body></html>",
    );
    assert!(!is_rejection(&page), "a gateway page is not a rejection");
}
