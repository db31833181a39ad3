//! Wire tests: exact requests and every documented success and failure body.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderValue, StatusCode};
use session_core::http::HttpResponse;
use session_core::{ApiKeySecret, ErrorKind, HttpFailure, Password, Ticket, from_unix_seconds};
use url::Url;

use super::*;
use crate::config::{ExtendedEncoding, ExtendedPlacement, FieldSelection, Territory};
use crate::error::is_target_not_established;

const KEY: &str = "l7xxKEYSENTINEL0000000";
const SECRET: &str = "SECRETSENTINEL00000000";
const PW: &str = "PW-SENTINEL-7f3a";

fn wh_base() -> Url {
    Url::parse("https://sandbox.whapi.com/v2/sessions").unwrap()
}

fn api() -> ApiKeySecret {
    ApiKeySecret::new(KEY, SECRET)
}

fn ctx<'a>(base: &'a Url, api: &'a ApiKeySecret) -> WhContext<'a> {
    WhContext {
        base,
        api,
        territory: None,
        language_as_per_territory: None,
    }
}

fn header<'a>(req: &'a http::Request<Vec<u8>>, name: &str) -> &'a HeaderValue {
    req.headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
}

fn json(status: u16, body: &str) -> HttpResponse {
    HttpResponse::json_body(NAME, status, body.to_owned())
}

fn text(status: u16, body: &str) -> HttpResponse {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("text/plain"));
    HttpResponse::new(
        NAME,
        StatusCode::from_u16(status).unwrap(),
        h,
        body.to_owned(),
    )
}

fn html(status: u16) -> HttpResponse {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("text/html"));
    HttpResponse::new(
        NAME,
        StatusCode::from_u16(status).unwrap(),
        h,
        "<html><body>Bad Gateway BODY-SENTINEL</body></html>",
    )
}

fn with_header(resp: HttpResponse, name: &'static str, value: &str) -> HttpResponse {
    let mut h = resp.headers().clone();
    h.insert(name, HeaderValue::from_str(value).unwrap());
    HttpResponse::new(NAME, resp.status(), h, resp.body().to_vec())
}

fn t(secs: i64) -> SystemTime {
    from_unix_seconds(secs)
}

// ------------------------------------------------------------------------ William Hill requests

#[test]
fn wh_login_is_a_json_post_with_api_headers_and_no_password_in_the_url() {
    let (base, api) = (wh_base(), api());
    let req = wh_login(
        &ctx(&base, &api),
        "punter_01",
        &Password::new(PW),
        ext(false, ExtendedEncoding::Boolean),
        &FieldSelection::default(),
    )
    .unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://sandbox.whapi.com/v2/sessions/tickets"
    );
    assert_eq!(
        std::str::from_utf8(req.body()).unwrap(),
        r#"{"username":"punter_01","password":"PW-SENTINEL-7f3a","extended":false}"#
    );
    assert_eq!(header(&req, "content-type"), "application/json");
    assert_eq!(header(&req, "accept"), "application/json");
    assert_eq!(header(&req, "apiKey"), KEY);
    assert_eq!(header(&req, "apiSecret"), SECRET);
    assert!(header(&req, "apiKey").is_sensitive());
    assert!(header(&req, "apiSecret").is_sensitive());
    assert!(req.headers().get("territory").is_none());
    assert!(!req.uri().to_string().contains(PW));
}

/// The default placement (query and body) with `encoding`.
fn ext(wanted: bool, encoding: ExtendedEncoding) -> Extended {
    Extended {
        wanted,
        encoding,
        placement: ExtendedPlacement::default(),
    }
}

#[test]
fn wh_login_sends_extended_territory_language_and_field_lists() {
    let (base, api) = (wh_base(), api());
    let c = WhContext {
        territory: Some(Territory::Es),
        language_as_per_territory: Some(false),
        ..ctx(&base, &api)
    };
    let fields = FieldSelection::new()
        .fields(["ticket", "expiryDateTime"])
        .include(["extended"])
        .exclude(["location"]);
    let req = wh_login(
        &c,
        "punter_01",
        &Password::new(PW),
        ext(true, ExtendedEncoding::Boolean),
        &fields,
    )
    .unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://sandbox.whapi.com/v2/sessions/tickets?extended=Y&fields=ticket%2CexpiryDateTime&include=extended&exclude=location&languageAsPerTerritory=false"
    );
    assert_eq!(header(&req, "territory"), "ES");
    assert_eq!(
        std::str::from_utf8(req.body()).unwrap(),
        r#"{"username":"punter_01","password":"PW-SENTINEL-7f3a","extended":true}"#
    );
    let yn = wh_login(
        &ctx(&base, &api),
        "punter_01",
        &Password::new(PW),
        ext(true, ExtendedEncoding::YesNo),
        &FieldSelection::default(),
    )
    .unwrap();
    assert_eq!(
        std::str::from_utf8(yn.body()).unwrap(),
        r#"{"username":"punter_01","password":"PW-SENTINEL-7f3a","extended":"Y"}"#
    );
}

#[test]
fn the_extended_flag_goes_where_the_placement_says() {
    let (base, api) = (wh_base(), api());
    let login = |wanted, placement| {
        let req = wh_login(
            &ctx(&base, &api),
            "punter_01",
            &Password::new(PW),
            Extended {
                wanted,
                encoding: ExtendedEncoding::Boolean,
                placement,
            },
            &FieldSelection::default(),
        )
        .unwrap();
        (
            req.uri().query().map(str::to_owned),
            String::from_utf8(req.body().clone()).unwrap(),
        )
    };
    let body = |extended: &str| {
        format!(r#"{{"username":"punter_01","password":"PW-SENTINEL-7f3a"{extended}}}"#)
    };
    let cases = [
        (
            true,
            ExtendedPlacement::QueryAndBody,
            Some("extended=Y"),
            body(r#","extended":true"#),
        ),
        (
            false,
            ExtendedPlacement::QueryAndBody,
            None,
            body(r#","extended":false"#),
        ),
        (
            true,
            ExtendedPlacement::Body,
            None,
            body(r#","extended":true"#),
        ),
        (
            false,
            ExtendedPlacement::Body,
            None,
            body(r#","extended":false"#),
        ),
        (true, ExtendedPlacement::Query, Some("extended=Y"), body("")),
        (false, ExtendedPlacement::Query, None, body("")),
    ];
    for (wanted, placement, query, body) in cases {
        assert_eq!(
            login(wanted, placement),
            (query.map(str::to_owned), body),
            "{wanted} {placement:?}"
        );
    }
    assert_eq!(
        ExtendedPlacement::default(),
        ExtendedPlacement::QueryAndBody
    );
}

#[test]
fn wh_login_escapes_json_special_characters_in_credentials() {
    let (base, api) = (wh_base(), api());
    let req = wh_login(
        &ctx(&base, &api),
        "a\"b",
        &Password::new("p\\w"),
        ext(false, ExtendedEncoding::Boolean),
        &FieldSelection::default(),
    )
    .unwrap();
    assert_eq!(
        std::str::from_utf8(req.body()).unwrap(),
        r#"{"username":"a\"b","password":"p\\w","extended":false}"#
    );
}

#[test]
fn wh_ticket_calls_percent_encode_the_ticket_as_one_segment() {
    let (base, api) = (wh_base(), api());
    let c = ctx(&base, &api);
    let tgt = Ticket::new("TGT-1/x?y#z");
    let v = wh_validate(&c, &tgt).unwrap();
    assert_eq!(v.method(), http::Method::GET);
    assert_eq!(
        v.uri().to_string(),
        "https://sandbox.whapi.com/v2/sessions/tickets/TGT-1%2Fx%3Fy%23z"
    );
    assert!(v.body().is_empty());
    assert!(v.headers().get("content-type").is_none());
    assert_eq!(header(&v, "apiKey"), KEY);
    let d = wh_logout(&c, &tgt).unwrap();
    assert_eq!(d.method(), http::Method::DELETE);
    assert_eq!(d.uri(), v.uri());
}

#[test]
fn wh_service_ticket_is_a_get_with_the_target_in_the_query() {
    let (base, api) = (wh_base(), api());
    let c = WhContext {
        language_as_per_territory: Some(true),
        ..ctx(&base, &api)
    };
    let req = wh_service_ticket(
        &c,
        &Ticket::new("TGT-1920-abc-brsux349"),
        "https://sports.williamhill.com/bet?x=1&y=2",
        &FieldSelection::new().exclude(["location"]),
    )
    .unwrap();
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(
        req.uri().to_string(),
        "https://sandbox.whapi.com/v2/sessions/tickets/TGT-1920-abc-brsux349/serviceTicket?target=https%3A%2F%2Fsports.williamhill.com%2Fbet%3Fx%3D1%26y%3D2&exclude=location&languageAsPerTerritory=true"
    );
}

#[test]
fn wh_base_with_trailing_slash_builds_the_same_urls() {
    let base = Url::parse("https://sandbox.whapi.com/v2/sessions/").unwrap();
    let api = api();
    let req = wh_validate(&ctx(&base, &api), &Ticket::new("TGT-1")).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://sandbox.whapi.com/v2/sessions/tickets/TGT-1"
    );
}

#[test]
fn wh_api_credentials_that_are_not_header_values_are_a_configuration_error() {
    let base = wh_base();
    let api = ApiKeySecret::new("bad\nkey", SECRET);
    let e = wh_validate(&ctx(&base, &api), &Ticket::new("TGT-1")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(!e.to_string().contains("bad"));
}

// ------------------------------------------------------------------------ William Hill responses

#[test]
fn wh_login_success_reads_ticket_expiry_and_flags() {
    let r = json(
        200,
        r#"{"ticket":"TGT-1920-abcdefghijklmnopqrstuvwxyz0123456789-brsux349","expiryDateTime":"2030-01-01T07:46:40","extended":false,"location":"https://sandbox.whapi.com/v2/sessions/tickets/TGT-1920","temporaryPassword":true,"temporaryPasswordUrl":"https://example.com/change"}"#,
    );
    let r = with_header(r, "date", "Tue, 01 Jan 2030 00:00:00 GMT");
    let login = parse_wh_login(&r).unwrap();
    assert_eq!(
        login.ticket.expose_secret(),
        "TGT-1920-abcdefghijklmnopqrstuvwxyz0123456789-brsux349"
    );
    assert_eq!(login.expiry, Some(t(1_893_456_000 + 28_000)));
    assert_eq!(login.server_date, Some(t(1_893_456_000)));
    assert_eq!(login.extended, Some(false));
    assert!(login.temporary_password);
    assert_eq!(
        login.temporary_password_url.as_deref(),
        Some("https://example.com/change")
    );
}

#[test]
fn wh_login_accepts_any_2xx_and_missing_optional_fields() {
    let login = parse_wh_login(&json(201, r#"{"ticket":"TGT-1"}"#)).unwrap();
    assert_eq!(login.expiry, None);
    assert_eq!(login.extended, None);
    assert!(!login.temporary_password);
    let login = parse_wh_login(&json(
        200,
        r#"{"ticket":"TGT-1","extended":"Y","expiryDateTime":1893484000000,"unknown":{"a":1}}"#,
    ))
    .unwrap();
    assert_eq!(login.extended, Some(true));
    assert_eq!(login.expiry, Some(t(1_893_484_000)));
    let login = parse_wh_login(&json(
        200,
        r#"{"ticket":"TGT-1","expiryDateTime":"not a date"}"#,
    ))
    .unwrap();
    assert_eq!(login.expiry, None);
}

#[test]
fn wh_login_without_a_ticket_is_unexpected() {
    for body in [
        r#"{"expiryDateTime":"2030-01-01T00:00:00"}"#,
        r#"{"ticket":""}"#,
    ] {
        let e = parse_wh_login(&json(200, body)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedResponse, "{body}");
    }
}

#[test]
fn wh_login_failures_map_per_the_code_table() {
    let cases: &[(u16, &str, ErrorKind, Option<&str>)] = &[
        (
            401,
            r#"{"errors":[{"code":"20501","message":"Credentials did not validate"}]}"#,
            ErrorKind::InvalidCredentials,
            Some("20501"),
        ),
        (
            401,
            r#"{"errors":[{"code":20501,"field":"password","message":"x"}]}"#,
            ErrorKind::InvalidCredentials,
            Some("20501"),
        ),
        (
            401,
            r#"{"errors":[{"code":"000000","message":"Unauthorized"}]}"#,
            ErrorKind::InvalidCredentials,
            Some("000000"),
        ),
        (401, "", ErrorKind::InvalidCredentials, None),
        (400, r#"{"errors":[]}"#, ErrorKind::InvalidCredentials, None),
        (403, "{}", ErrorKind::AccountRestricted, None),
        (
            404,
            r#"{"message":"Application metadata not configured correctly"}"#,
            ErrorKind::Configuration,
            None,
        ),
        (
            429,
            r#"{"errors":[{"code":"429"}]}"#,
            ErrorKind::RateLimited,
            Some("429"),
        ),
        (500, "{}", ErrorKind::Unavailable, None),
        (503, "", ErrorKind::Unavailable, None),
        (418, "{}", ErrorKind::UnexpectedResponse, None),
    ];
    for (status, body, kind, code) in cases {
        let e = parse_wh_login(&json(*status, body)).unwrap_err();
        assert_eq!(e.kind(), *kind, "{status} {body}");
        assert_eq!(e.code(), *code, "{status} {body}");
    }
    for code in (20503..=20509).chain(20512..=20514) {
        let body = format!(r#"{{"errors":[{{"code":"{code}","message":"MSG-SENTINEL"}}]}}"#);
        let e = parse_wh_login(&json(403, &body)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AccountRestricted, "{code}");
        assert_eq!(e.code(), Some(code.to_string().as_str()));
        assert_eq!(e.http_failure(), Some(HttpFailure::Status(403)));
        assert!(!format!("{e} {e:?}").contains("MSG-SENTINEL"));
    }
}

#[test]
fn wh_gateway_html_is_unavailable_at_any_status_but_a_missing_login_path() {
    for status in [200, 401, 403, 502, 503] {
        let e = parse_wh_login(&html(status)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable, "{status}");
        assert_eq!(e.http_failure(), Some(HttpFailure::GatewayPage));
        assert!(!format!("{e} {e:?}").contains("BODY-SENTINEL"));
    }
    // A "Not Found" page at the login path means the base URL has no REST API: retrying is useless.
    for status in [404, 405] {
        let e = parse_wh_login(&html(status)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{status}");
        assert_eq!(e.http_failure(), Some(HttpFailure::Status(status)));
        assert!(!format!("{e} {e:?}").contains("BODY-SENTINEL"));
    }
    let e = parse_wh_validate(&html(404)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[test]
fn wh_rate_limit_keeps_retry_after() {
    let r = with_header(json(429, "{}"), "retry-after", "90");
    let e = parse_wh_login(&r).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(90)));
}

#[test]
fn wh_validate_accepts_valid_and_the_older_success_field() {
    parse_wh_validate(&json(200, r#"{"valid":true}"#)).unwrap();
    parse_wh_validate(&json(200, r#"{"success":true}"#)).unwrap();
    parse_wh_validate(&json(200, r#"{"valid":"true"}"#)).unwrap();
}

#[test]
fn wh_validate_rejects_invalid_and_missing_tickets() {
    let e = parse_wh_validate(&json(200, r#"{"valid":false}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    let e = parse_wh_validate(&json(
        404,
        r#"{"errors":[{"code":"20511","field":"target","message":"TGT could not be found"}]}"#,
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(e.code(), Some("20511"));
    let e = parse_wh_validate(&json(404, "")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    let e = parse_wh_validate(&json(401, r#"{"errors":[{"code":"20501"}]}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    let e = parse_wh_validate(&json(200, "{}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    let e = parse_wh_validate(&json(503, "{}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[test]
fn wh_logout_treats_not_found_as_already_logged_out() {
    parse_wh_logout(&json(200, r#"{"success":true}"#)).unwrap();
    parse_wh_logout(&json(200, "")).unwrap();
    parse_wh_logout(&json(204, "")).unwrap();
    parse_wh_logout(&json(404, r#"{"errors":[{"code":"20511"}]}"#)).unwrap();
    parse_wh_logout(&json(404, "")).unwrap();
    parse_wh_logout(&json(401, r#"{"errors":[{"code":20511}]}"#)).unwrap();
}

#[test]
fn wh_logout_failures_are_errors() {
    let e = parse_wh_logout(&json(200, r#"{"success":false}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    let e = parse_wh_logout(&json(403, "{}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    let e = parse_wh_logout(&json(500, "{}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let e = parse_wh_logout(&html(404)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[test]
fn wh_service_ticket_reads_the_ticket() {
    let st = parse_wh_service_ticket(&json(
        200,
        r#"{"location":"http://www.example.com/","ticket":"ST-861-abcdefghijklmnop-brsux349"}"#,
    ))
    .unwrap();
    assert_eq!(st.expose_secret(), "ST-861-abcdefghijklmnop-brsux349");
    let e = parse_wh_service_ticket(&json(200, r#"{"location":"x"}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
}

#[test]
fn wh_service_ticket_failures_are_typed() {
    let e = parse_wh_service_ticket(&json(
        403,
        r#"{"errors":[{"code":"20510","field":"target","message":"Target service not established"}]}"#,
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(e.code(), Some("20510"));
    assert!(is_target_not_established(&e));
    let e = parse_wh_service_ticket(&json(403, r#"{"errors":[{"code":"20502"}]}"#)).unwrap_err();
    assert!(is_target_not_established(&e));
    let e = parse_wh_service_ticket(&json(403, "")).unwrap_err();
    assert!(is_target_not_established(&e));
    let e = parse_wh_service_ticket(&json(404, r#"{"errors":[{"code":"20511"}]}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert!(!is_target_not_established(&e));
    let e = parse_wh_service_ticket(&json(401, r#"{"errors":[{"code":"20501"}]}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    let e = parse_wh_service_ticket(&json(403, r#"{"errors":[{"code":"20506"}]}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AccountRestricted);
}

// ------------------------------------------------------------------------ Apereo

fn cas_base() -> Url {
    Url::parse("https://cas.example.org/cas").unwrap()
}

#[test]
fn apereo_login_is_a_form_post() {
    let req = apereo_login(&cas_base(), "ann", &Password::new("p&ss w=rd")).unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://cas.example.org/cas/v1/tickets"
    );
    assert_eq!(
        header(&req, "content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(header(&req, "accept"), "text/plain");
    assert_eq!(
        std::str::from_utf8(req.body()).unwrap(),
        "username=ann&password=p%26ss+w%3Drd"
    );
    assert!(req.headers().get("apiKey").is_none());
}

#[test]
fn apereo_ticket_calls_use_the_configured_base_and_encode_the_ticket() {
    let base = cas_base();
    let tgt = Ticket::new("TGT-2-xyz-https://cas.example.org");
    let st = apereo_service_ticket(&base, &tgt, "https://app.example.org/login?x=1").unwrap();
    assert_eq!(st.method(), http::Method::POST);
    assert_eq!(
        st.uri().to_string(),
        "https://cas.example.org/cas/v1/tickets/TGT-2-xyz-https:%2F%2Fcas.example.org"
    );
    assert_eq!(
        std::str::from_utf8(st.body()).unwrap(),
        "service=https%3A%2F%2Fapp.example.org%2Flogin%3Fx%3D1"
    );
    assert_eq!(
        header(&st, "content-type"),
        "application/x-www-form-urlencoded"
    );
    let g = apereo_status(&base, &tgt).unwrap();
    assert_eq!(g.method(), http::Method::GET);
    assert_eq!(g.uri(), st.uri());
    assert!(g.body().is_empty());
    let d = apereo_logout(&base, &tgt).unwrap();
    assert_eq!(d.method(), http::Method::DELETE);
    assert_eq!(d.uri(), st.uri());
}

#[test]
fn tgt_is_everything_after_v1_tickets_never_after_the_last_slash() {
    let cases = [
        (
            "https://cas.example.org/cas/v1/tickets/TGT-1-abc-cas.example.org",
            Some("TGT-1-abc-cas.example.org"),
        ),
        (
            "https://cas.example.org/cas/v1/tickets/TGT-2-xyz-https://cas.example.org",
            Some("TGT-2-xyz-https://cas.example.org"),
        ),
        (
            "http://10.0.0.7:8080/cas/v1/tickets/TGT-3-internal",
            Some("TGT-3-internal"),
        ),
        ("/cas/v1/tickets/TGT-4", Some("TGT-4")),
        (
            "https://cas.example.org/cas/v1/tickets/TGT-5%2Dx/",
            Some("TGT-5-x"),
        ),
        (
            "https://cas.example.org/cas/v1/tickets/TGT-6?x=1",
            Some("TGT-6"),
        ),
        ("https://cas.example.org/cas/v1/tickets/", None),
        ("https://cas.example.org/cas/v1/other/TGT-7", None),
        ("https://cas.example.org/cas/v1/tickets/TGT-%zz", None),
        ("https://cas.example.org/cas/v1/tickets/TGT-8%2", None),
        ("https://cas.example.org/cas/v1/tickets/TGT-8%", None),
        // %FF alone is not UTF-8; %C3%A9 is "é" and %25 a literal percent sign.
        ("https://cas.example.org/cas/v1/tickets/TGT-9%FF", None),
        (
            "https://cas.example.org/cas/v1/tickets/TGT-10-%C3%A9%25",
            Some("TGT-10-\u{e9}%"),
        ),
    ];
    for (location, want) in cases {
        assert_eq!(tgt_from_location(location).as_deref(), want, "{location}");
    }
}

#[test]
fn apereo_login_reads_the_location_even_with_an_html_body() {
    let r = with_header(
        html(201),
        "location",
        "https://internal:8443/cas/v1/tickets/TGT-9-abc-cas01",
    );
    assert_eq!(
        parse_apereo_login(&r).unwrap().expose_secret(),
        "TGT-9-abc-cas01"
    );
    let r = text(201, "TGT-10-plain\n");
    assert_eq!(
        parse_apereo_login(&r).unwrap().expose_secret(),
        "TGT-10-plain"
    );
    let e = parse_apereo_login(&text(201, "created")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    let r = with_header(text(201, ""), "location", "https://cas/cas/v1/tickets/");
    assert_eq!(
        parse_apereo_login(&r).unwrap_err().kind(),
        ErrorKind::UnexpectedResponse
    );
}

#[test]
fn apereo_login_failures_map() {
    let e = parse_apereo_login(&json(
        401,
        "{\n  \"authentication_exceptions\" : [ \"Authentication failed:authenticationFailure.FailedLoginException\" ]\n}",
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), None);
    let e = parse_apereo_login(&json(
        401,
        r#"{"authentication_exceptions":["x:authenticationFailure.AccountLockedException"]}"#,
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AccountRestricted);
    assert_eq!(e.code(), Some("AccountLockedException"));
    let e = parse_apereo_login(&json(
        401,
        r#"{"authentication_exceptions":{"handler":"AccountDisabledException"}}"#,
    ))
    .unwrap_err();
    assert_eq!(e.code(), Some("AccountDisabledException"));
    let e = parse_apereo_login(&text(401, "")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    let e = parse_apereo_login(&text(400, "No credentials are provided")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    let e = parse_apereo_login(&text(415, "")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = parse_apereo_login(&text(429, "")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    let e = parse_apereo_login(&text(500, "boom")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let e = parse_apereo_login(&html(502)).unwrap_err();
    assert_eq!(e.http_failure(), Some(HttpFailure::GatewayPage));
}

#[test]
fn apereo_service_ticket_is_plain_text() {
    let st = parse_apereo_service_ticket(&text(200, "ST-1-abcdef-cas01\n")).unwrap();
    assert_eq!(st.expose_secret(), "ST-1-abcdef-cas01");
    let e = parse_apereo_service_ticket(&text(200, "  ")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    let e = parse_apereo_service_ticket(&html(200)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[test]
fn apereo_service_ticket_failures_map() {
    let e = parse_apereo_service_ticket(&text(
        404,
        "TGT-1 could not be found or is considered invalid",
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    let e = parse_apereo_service_ticket(&text(400, "")).unwrap_err();
    assert!(is_target_not_established(&e));
    assert_eq!(e.code(), Some("INVALID_SERVICE"));
    let e = parse_apereo_service_ticket(&text(
        500,
        "Target service/application is unspecified or unrecognized",
    ))
    .unwrap_err();
    assert!(is_target_not_established(&e));
    let e = parse_apereo_service_ticket(&text(500, "NullPointerException")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[test]
fn apereo_status_and_logout() {
    parse_apereo_status(&text(200, "TGT-1")).unwrap();
    let e = parse_apereo_status(&text(404, "Ticket could not be found")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    parse_apereo_logout(&text(200, "")).unwrap();
    parse_apereo_logout(&text(200, "TGT-1")).unwrap();
    parse_apereo_logout(&text(404, "")).unwrap();
    let e = parse_apereo_logout(&text(500, "")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

// ------------------------------------------------------------------------ lifetime and dates

#[test]
fn hard_deadline_is_the_cap_without_server_expiry() {
    let sent = t(1_000_000);
    let cap = Duration::from_secs(28_000);
    assert_eq!(hard_deadline(sent, sent, cap, None, None), sent + cap);
}

#[test]
fn hard_deadline_takes_the_smaller_of_cap_and_server_expiry() {
    let sent = t(1_000_000);
    let cap = Duration::from_secs(28_000);
    // Absolute expiry sooner than the cap.
    assert_eq!(
        hard_deadline(
            sent,
            sent,
            cap,
            Some(sent + Duration::from_secs(3_600)),
            None
        ),
        sent + Duration::from_secs(3_600)
    );
    // "8 hours" from the server: the 28,000 s cap wins.
    assert_eq!(
        hard_deadline(
            sent,
            sent,
            cap,
            Some(sent + Duration::from_secs(28_800)),
            None
        ),
        sent + cap
    );
}

#[test]
fn hard_deadline_reads_server_expiry_relative_to_its_date_header() {
    let sent = t(1_000_000);
    let cap = Duration::from_secs(28_000);
    // The server clock runs an hour ahead; its ticket lives 2 h.
    let server_now = sent + Duration::from_secs(3_600);
    assert_eq!(
        hard_deadline(
            sent,
            sent,
            cap,
            Some(server_now + Duration::from_secs(7_200)),
            Some(server_now)
        ),
        sent + Duration::from_secs(7_200)
    );
    // An expiry not after the server's own date is ignored.
    assert_eq!(
        hard_deadline(sent, sent, cap, Some(server_now), Some(server_now)),
        sent + cap
    );
    // An absolute expiry already in the past (skew, no date) is ignored.
    assert_eq!(
        hard_deadline(sent, sent, cap, Some(sent - Duration::from_secs(1)), None),
        sent + cap
    );
}

#[test]
fn iso_datetimes_parse_in_the_forms_servers_send() {
    let base = 1_893_484_000; // 2030-01-01T07:46:40Z
    let cases = [
        ("2030-01-01T07:46:40", Some(t(base))),
        ("2030-01-01T07:46:40Z", Some(t(base))),
        ("2030-01-01 07:46:40", Some(t(base))),
        ("2030-01-01T08:46:40+01:00", Some(t(base))),
        ("2030-01-01T08:46:40+0100", Some(t(base))),
        ("2030-01-01T06:46:40-01", Some(t(base))),
        ("2030-01-01T07:46", Some(t(base - 40))),
        (
            "2030-01-01T07:46:40.250Z",
            Some(t(base) + Duration::from_millis(250)),
        ),
        ("2028-02-29T00:00:00Z", Some(t(1_835_395_200))),
        ("2030-02-29T00:00:00Z", None),
        ("2030-13-01T00:00:00Z", None),
        ("2030-01-01T24:00:00Z", None),
        ("2030-01-01", None),
        ("01/01/2030 07:46:40", None),
        ("2030-01-01T07:46:40+25:00", None),
        ("", None),
        // Non-ASCII where digits belong, at every position an offset or a field could start:
        // never a panic (the old parser sliced inside the multi-byte character).
        ("2030-01-01T00:00+1\u{e9}1", None),
        ("2030-01-01T00:00+\u{e9}", None),
        ("2030-01-01T00:00:0\u{e9}", None),
        ("2030-01-01T00:00:00.\u{e9}", None),
        ("2030-01-01\u{e9}00:00:00", None),
        ("\u{e9}\u{e9}\u{e9}\u{e9}-01-01T00:00:00Z", None),
        ("2030-01-01T00:00:00+01:\u{e9}", None),
        // Digits past nanoseconds are read and dropped.
        (
            "2030-01-01T00:00:00.1234567890Z",
            Some(t(1_893_456_000) + Duration::from_nanos(123_456_789)),
        ),
        ("2030-01-01T00:00:00+01:00:00", None),
        ("9999-12-31T23:59:59-23:59", Some(timing::max_time())),
        (
            "0000-01-01T00:00:00+23:59",
            Some(timing::from_unix_seconds(timing::MIN_UNIX_SECONDS)),
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse_iso_datetime(text), want, "{text}");
    }
}

#[test]
fn iso_datetimes_round_trip() {
    for secs in [0, 951_782_400, 1_893_484_000, 4_102_444_799] {
        let s = format_iso_datetime(t(secs));
        assert_eq!(parse_iso_datetime(&s), Some(t(secs)), "{s}");
    }
    assert_eq!(
        format_iso_datetime(t(1_893_484_000)),
        "2030-01-01T07:46:40Z"
    );
}

#[test]
fn http_dates_parse_and_format() {
    assert_eq!(
        parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
        Some(t(784_111_777))
    );
    assert_eq!(
        format_http_date(t(784_111_777)),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
    assert_eq!(
        format_http_date(t(1_893_456_000)),
        "Tue, 01 Jan 2030 00:00:00 GMT"
    );
    // RFC 9110 §5.6.7: recipients accept the obsolete RFC 850 and asctime forms too.
    assert_eq!(
        parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
        Some(t(784_111_777))
    );
    assert_eq!(
        parse_http_date("Sun Nov  6 08:49:37 1994"),
        Some(t(784_111_777))
    );
    assert_eq!(
        format_http_date(t(i64::MAX)),
        "Fri, 31 Dec 9999 23:59:59 GMT"
    );
    assert_eq!(format_http_date(t(-5)), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
    assert_eq!(parse_http_date("garbage"), None);
}
