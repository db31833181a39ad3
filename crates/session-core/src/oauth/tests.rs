//! Unit tests of the token requests, the answer parsing, the session and the provider.

use super::*;

#[test]
fn absurd_expires_in_saturates_instead_of_panicking() {
    let now = timing::from_unix_seconds(1_893_456_000);
    for body in [
        r#"{"access_token":"A","expires_in":1e300}"#,
        r#"{"access_token":"A","expires_in":18446744073709551615}"#,
        r#"{"access_token":"A","expires_in":"1e300"}"#,
    ] {
        let r = HttpResponse::json_body("p", 200, body);
        let t = parse_token_response(&r, "password").unwrap();
        let s = OAuthSession::from_response(t, now, Duration::from_secs(60));
        assert_eq!(s.expiry, Expiry::At(timing::max_time()), "{body}");
    }
    let r = HttpResponse::json_body("p", 200, r#"{"access_token":"A","expires_in":-5}"#);
    let t = parse_token_response(&r, "password").unwrap();
    let s = OAuthSession::from_response(t, now, Duration::from_secs(60));
    assert_eq!(
        s.expiry,
        Expiry::At(timing::after(now, Duration::from_secs(60)))
    );
}

#[test]
fn debug_shows_code_like_upstream_text_only() {
    let r = HttpResponse::json_body(
        "p",
        200,
        r#"{"access_token":"A","token_type":"SECRET ECHO","scope":"read write"}"#,
    );
    let t = parse_token_response(&r, "password").unwrap();
    let shown = format!("{t:?}");
    assert!(!shown.contains("secret echo"), "{shown}");
    assert!(shown.contains(r#"Some("read write")"#), "{shown}");
    let r = HttpResponse::json_body(
        "p",
        200,
        r#"{"access_token":"A","token_type":"bearer","scope":"https://x.example/?t=S3CR3T ok"}"#,
    );
    let t = parse_token_response(&r, "password").unwrap();
    let shown = format!("{t:?}");
    assert!(
        !shown.contains("S3CR3T") && shown.contains("\"bearer\""),
        "{shown}"
    );
}

fn url() -> Url {
    Url::parse("https://h/ota/oauth/token").unwrap()
}

#[test]
fn password_grant_in_query_has_empty_body() {
    let u = url();
    let pw = Password::new("p&w=1 +");
    let client = ClientCredentials::new("ota", "cs");
    let mut r = TokenRequest::new(
        &u,
        Grant::Password {
            username: "ann",
            password: &pw,
        },
    );
    r.client = Some(&client);
    r.scope = Some("travelagent");
    r.placement = Placement::Query;
    let req = r.build("seaware").unwrap();
    assert_eq!(req.method(), Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://h/ota/oauth/token?username=ann&password=p%26w%3D1+%2B&client_id=ota&client_secret=cs&grant_type=password&scope=travelagent"
    );
    assert!(req.body().is_empty());
    assert!(req.headers().get(http::header::CONTENT_TYPE).is_none());
}

#[test]
fn client_credentials_in_form_body() {
    let u = url();
    let client = ClientCredentials::new("id 1", "s&2");
    let mut r = TokenRequest::new(&u, Grant::ClientCredentials);
    r.client = Some(&client);
    let req = r.build("pagos").unwrap();
    assert_eq!(req.uri().to_string(), "https://h/ota/oauth/token");
    assert_eq!(
        String::from_utf8(req.body().clone()).unwrap(),
        "client_id=id+1&client_secret=s%262&grant_type=client_credentials"
    );
    assert_eq!(
        req.headers()[http::header::CONTENT_TYPE],
        "application/x-www-form-urlencoded"
    );
}

#[test]
fn basic_client_auth_is_sensitive() {
    let u = url();
    let client = ClientCredentials::new("Aladdin", "open sesame");
    let mut r = TokenRequest::new(&u, Grant::ClientCredentials);
    r.client = Some(&client);
    r.client_auth = ClientAuth::Basic;
    let req = r.build("p").unwrap();
    let v = &req.headers()[http::header::AUTHORIZATION];
    assert_eq!(v, "Basic QWxhZGRpbjpvcGVuK3Nlc2FtZQ==");
    assert!(v.is_sensitive());
}

#[test]
fn token_response_is_lenient() {
    for body in [
        r#"{"access_token":"A","token_type":"bearer","refresh_token":"R","expires_in":900,"scope":"travelagent"}"#,
        r#"{"access_token":"A","token_type":"Bearer","refresh_token":"R","expires_in":"900","extra":1}"#,
        r#"{"accessToken":"A","tokenType":"BEARER","refreshToken":"R","expiresIn":900.0}"#,
    ] {
        let t = parse_token_response(&HttpResponse::json_body("p", 200, body), "password").unwrap();
        assert_eq!(t.access_token.expose_secret(), "A");
        assert_eq!(t.refresh_token.unwrap().expose_secret(), "R");
        assert_eq!(t.expires_in, Some(900));
        assert_eq!(t.token_type, "bearer");
    }
    let t = parse_token_response(
        &HttpResponse::json_body("p", 200, r#"{"access_token":"A"}"#),
        "password",
    )
    .unwrap();
    assert_eq!(t.expires_in, None);
}

#[test]
fn rfc6749_errors_map_by_grant_and_drop_the_description() {
    let body =
        r#"{"error":"invalid_grant","error_description":"Bad credentials for TOKEN-SECRET"}"#;
    let e = parse_token_response(&HttpResponse::json_body("p", 400, body), "password").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("invalid_grant"));
    assert!(!format!("{e} {e:?}").contains("TOKEN-SECRET"));
    let e = parse_token_response(&HttpResponse::json_body("p", 400, body), "refresh_token")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    let e = parse_token_response(
        &HttpResponse::json_body("p", 401, r#"{"error":"invalid_client"}"#),
        "password",
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = parse_token_response(
        &HttpResponse::json_body("p", 401, r#"{"error":"invalid_token"}"#),
        "password",
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    let e = parse_token_response(&HttpResponse::json_body("p", 502, "not json"), "password")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

fn html_labelled(status: u16, body: &'static str) -> HttpResponse {
    let mut h = HeaderMap::new();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    HttpResponse::new("p", http::StatusCode::from_u16(status).unwrap(), h, body)
}

#[test]
fn error_answers_are_read_by_shape_whatever_the_content_type() {
    // oauthlib's answer to a token request with query parameters.
    let r = html_labelled(
        400,
        r#"{"error": "invalid_request", "error_description": "URL query parameters are not allowed"}"#,
    );
    let e = parse_token_response_placed(&r, "password", Placement::Query).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(e.code(), Some("invalid_request"));
    assert_eq!(e.http_failure(), Some(crate::HttpFailure::Status(400)));
    assert_eq!(
        e.to_string(),
        "p: token request refused (http 400); the server may refuse query parameters: use \
         the form placement (Placement::Form, --params form): invalid_request"
    );
    assert!(!format!("{e:?}").contains("URL query"));
    // The same answer to a form request has no advice about the placement.
    let e = parse_token_response_placed(&r, "password", Placement::Form).unwrap_err();
    assert_eq!(
        e.to_string(),
        "p: token request refused (http 400): invalid_request"
    );
    // Other codes to a query request carry no advice either.
    let r = html_labelled(401, r#"{"error":"invalid_client"}"#);
    let e = parse_token_response_placed(&r, "client_credentials", Placement::Query).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(
        e.to_string(),
        "p: login rejected (http 401): invalid_client"
    );
}

#[test]
fn pages_and_odd_bodies_are_not_error_answers() {
    // A real "Not Found" page at the token URL is a wrong URL, not a gateway outage.
    let e = parse_token_response(
        &html_labelled(404, "<!DOCTYPE html><title>Not Found</title>"),
        "client_credentials",
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(
        e.to_string(),
        "p: no oauth token endpoint at the base url (http 404)"
    );
    let e = parse_token_response(
        &HttpResponse::json_body("p", 404, r#"{"status":404,"error":"Not Found"}"#),
        "client_credentials",
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = parse_token_response(&html_labelled(502, "<html>Bad Gateway</html>"), "password")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    // JSON that is not an error answer: an empty code, a non-string code, an array.
    for body in [r#"{"error":""}"#, r#"{"error":7}"#, r#"["invalid_grant"]"#] {
        let e =
            parse_token_response(&HttpResponse::json_body("p", 400, body), "password").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedResponse, "{body}");
        assert_eq!(e.code(), None);
        assert_eq!(e.to_string(), "p: unexpected status (http 400)");
    }
    // A code that is not code-like is dropped from the error, and the description never shows.
    let e = parse_token_response(
        &HttpResponse::json_body(
            "p",
            400,
            r#"{"error":"invalid_grant TOKEN-SECRET","error_description":"TOKEN-SECRET"}"#,
        ),
        "password",
    )
    .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("TOKEN-SECRET"));
    let answer = ErrorAnswer::read(&HttpResponse::json_body(
        "p",
        400,
        r#"{"error":"invalid_grant","error_description":"TOKEN-SECRET"}"#,
    ))
    .unwrap();
    assert_eq!(answer.description(), Some("TOKEN-SECRET"));
    assert!(!format!("{answer:?}").contains("TOKEN-SECRET"));
}

#[test]
fn oauth_session_round_trips_through_persistence() {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    let s = OAuthSession {
        access_token: AccessToken::new("A"),
        refresh_token: Some(RefreshToken::new("R")),
        scope: Some("s".into()),
        expiry: Expiry::At(t0),
    };
    let back = OAuthSession::restore("p", &s.persist()).unwrap();
    assert_eq!(back.access_token.expose_secret(), "A");
    assert_eq!(back.refresh_token.unwrap().expose_secret(), "R");
    assert_eq!(back.expiry, Expiry::At(t0));
    assert!(!format!("{:?}", s.persist()).contains("\"A\""));
}

#[cfg(feature = "test-util")]
#[test]
fn the_module_docs_print_the_code_table() {
    let docs = include_str!("mod.rs");
    assert_eq!(CODES.check_docs(docs), Ok(()));
    let changed = docs.replacen(
        "| `slow_down` | any | too many requests | `RateLimited` |",
        "| `slow_down` | any | too many requests | `Unavailable` |",
        1,
    );
    assert_ne!(changed, docs);
    assert!(CODES.check_docs(&changed).is_err());
    for (code, grant, kind) in [
        ("invalid_grant", "refresh_token", ErrorKind::SessionRejected),
        ("invalid_grant", "password", ErrorKind::InvalidCredentials),
        (
            "invalid_client",
            "client_credentials",
            ErrorKind::InvalidCredentials,
        ),
        ("invalid_client", "password", ErrorKind::Configuration),
        (
            "unsupported_response_type",
            "authorization_code",
            ErrorKind::Configuration,
        ),
        (
            "temporarily_unavailable",
            "password",
            ErrorKind::Unavailable,
        ),
        ("slow_down", "password", ErrorKind::RateLimited),
        ("INVALID_GRANT", "password", ErrorKind::UnexpectedResponse),
        ("", "password", ErrorKind::UnexpectedResponse),
        ("*", "password", ErrorKind::UnexpectedResponse),
    ] {
        assert_eq!(error_kind(code, grant), kind, "{code} {grant}");
    }
}
