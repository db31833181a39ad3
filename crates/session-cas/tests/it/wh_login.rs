//! William Hill login against httpmock: the exact request, every documented answer, and the
//! manager's handling of final failures.

use std::time::Duration;

use httpmock::Method::POST;
use httpmock::MockServer;
use serde_json::json;
use session_cas::{
    CasProvider, ErrorKind, ExtendedEncoding, ExtendedPlacement, FieldSelection, SessionManager,
    SessionProvider, Territory,
};
use session_core::test_util::{ManualClock, assert_error_clean};

use crate::support::{KEY, PW, SECRET, T0_DATE, TGT, USER, secrets, wh_config, wh_provider};

const LOGIN_BODY: &str =
    r#"{"username":"punter_01","password":"PW-SENTINEL-7f3a","extended":false}"#;

fn session_body(expiry: &str, extended: bool) -> serde_json::Value {
    json!({
        "ticket": TGT,
        "expiryDateTime": expiry,
        "extended": extended,
        "location": "https://sandbox.whapi.com/v2/sessions/tickets/TGT",
        "temporaryPassword": false,
        "temporaryPasswordUrl": ""
    })
}

#[tokio::test]
async fn login_posts_exact_json_with_api_headers_and_keeps_the_password_out_of_the_url() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let t0 = clock.now();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/sessions/tickets")
                .header("apiKey", KEY)
                .header("apiSecret", SECRET)
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .header_missing("territory")
                .is_true(|req| req.uri().query().is_none())
                .body(LOGIN_BODY);
            then.status(200)
                .header("date", T0_DATE)
                .json_body(session_body("2030-01-01T08:00:00", false));
        })
        .await;
    let provider = wh_provider(&server.base_url(), &clock);
    let session = provider.login().await.expect("login succeeds");
    mock.assert_async().await;
    assert_eq!(session.ticket().expose_secret(), TGT);
    assert!(!session.is_extended());
    assert_eq!(session.issued_at(), t0);
    // The server says 8 hours (28,800 s); the smaller documented cap of 28,000 s wins.
    assert_eq!(session.hard_deadline(), t0 + Duration::from_secs(28_000));
    assert_eq!(
        session.idle_deadline(),
        Some(t0 + Duration::from_secs(7_200))
    );
    assert_eq!(session.deadline(), t0 + Duration::from_secs(7_200));
}

#[tokio::test]
async fn a_server_expiry_sooner_than_the_cap_is_the_hard_deadline() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let t0 = clock.now();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/sessions/tickets");
            then.status(200)
                .header("date", T0_DATE)
                .json_body(session_body("2030-01-01T01:00:00Z", false));
        })
        .await;
    let session = wh_provider(&server.base_url(), &clock)
        .login()
        .await
        .unwrap();
    assert_eq!(session.hard_deadline(), t0 + Duration::from_secs(3_600));
    assert_eq!(session.deadline(), t0 + Duration::from_secs(3_600));
}

#[tokio::test]
async fn login_sends_territory_language_flag_and_field_lists() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/sessions/tickets")
                .header("territory", "IT")
                .query_param("languageAsPerTerritory", "false")
                .query_param("include", "extended,temporaryPassword")
                .query_param("exclude", "location")
                .body(LOGIN_BODY);
            then.status(200)
                .json_body(json!({ "ticket": TGT, "extended": false }));
        })
        .await;
    let provider = wh_config(&server.base_url(), &clock)
        .territory(Territory::It)
        .language_as_per_territory(false)
        .login_fields(
            FieldSelection::new()
                .include(["extended", "temporaryPassword"])
                .exclude(["location"]),
        )
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    mock.assert_async().await;
    // Without expiryDateTime the local cap applies.
    assert_eq!(
        session.hard_deadline(),
        clock.now() + Duration::from_secs(28_000)
    );
}

#[tokio::test]
async fn an_extended_login_lasts_sixty_days_without_idle_timeout() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let t0 = clock.now();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/sessions/tickets")
                .body(r#"{"username":"punter_01","password":"PW-SENTINEL-7f3a","extended":true}"#);
            then.status(200)
                .header("date", T0_DATE)
                .json_body(session_body("2030-03-02T00:00:00", true));
        })
        .await;
    let provider = wh_config(&server.base_url(), &clock)
        .extended(true)
        .build()
        .unwrap();
    assert_eq!(provider.policy().keep_alive, None);
    let session = provider.login().await.unwrap();
    mock.assert_async().await;
    assert!(session.is_extended());
    assert_eq!(session.idle_deadline(), None);
    assert_eq!(session.deadline(), t0 + Duration::from_secs(60 * 86_400));
}

#[tokio::test]
async fn extended_can_be_sent_as_y() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/sessions/tickets")
                .body(r#"{"username":"punter_01","password":"PW-SENTINEL-7f3a","extended":"Y"}"#);
            then.status(200)
                .json_body(json!({ "ticket": TGT, "extended": "Y" }));
        })
        .await;
    let session = wh_config(&server.base_url(), &clock)
        .extended(true)
        .extended_encoding(ExtendedEncoding::YesNo)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(session.is_extended());
}

#[tokio::test]
async fn an_extended_request_the_server_did_not_honour_keeps_the_normal_lifetime() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let t0 = clock.now();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/sessions/tickets");
            then.status(200)
                .json_body(json!({ "ticket": TGT, "extended": false }));
        })
        .await;
    let session = wh_config(&server.base_url(), &clock)
        .extended(true)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap();
    assert!(!session.is_extended());
    assert_eq!(session.deadline(), t0 + Duration::from_secs(7_200));
}

#[tokio::test]
async fn a_201_login_is_accepted_like_a_200() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/sessions/tickets");
            then.status(201).json_body(json!({ "ticket": TGT }));
        })
        .await;
    let session = wh_provider(&server.base_url(), &clock)
        .login()
        .await
        .unwrap();
    assert_eq!(session.ticket().expose_secret(), TGT);
}

#[tokio::test]
async fn bad_credentials_are_one_request_then_a_remembered_typed_error() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/sessions/tickets");
            then.status(401).json_body(json!({
                "errors": [{ "code": "20501", "field": "password", "message": "Credentials did not validate for punter_01 / PW-SENTINEL-7f3a" }]
            }));
        })
        .await;
    let manager = SessionManager::builder(wh_provider(&server.base_url(), &clock))
        .clock(clock.shared())
        .build();
    let e = manager.get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("20501"));
    assert_eq!(e.to_string(), "cas: login rejected: 20501");
    assert_error_clean(&e, &secrets());
    let again = manager.get().await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(
        mock.calls_async().await,
        1,
        "bad credentials are never retried"
    );
}

#[tokio::test]
async fn account_states_are_account_restricted_and_keep_the_code() {
    for code in [
        20503, 20504, 20505, 20506, 20507, 20508, 20509, 20512, 20513, 20514,
    ] {
        let server = MockServer::start_async().await;
        let clock = ManualClock::new();
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path("/v2/sessions/tickets");
                then.status(403).json_body(json!({
                    "errors": [{ "code": code, "message": "account state" }]
                }));
            })
            .await;
        let manager = SessionManager::builder(wh_provider(&server.base_url(), &clock))
            .clock(clock.shared())
            .build();
        let e = manager.get().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AccountRestricted, "{code}");
        assert_eq!(e.code(), Some(code.to_string().as_str()));
        let _ = manager.get().await.unwrap_err();
        assert_eq!(mock.calls_async().await, 1, "{code} is never retried");
    }
}

#[tokio::test]
async fn a_login_404_without_a_code_means_the_application_is_not_configured() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/sessions/tickets");
            then.status(404)
                .json_body(json!({ "message": "Application metadata not configured correctly" }));
        })
        .await;
    let e = wh_provider(&server.base_url(), &clock)
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(e.code(), None);
}

#[tokio::test]
async fn a_gateway_html_page_is_unavailable() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/sessions/tickets");
            then.status(502)
                .header("content-type", "text/html")
                .body("<html><body>502 Bad Gateway PW-SENTINEL-7f3a</body></html>");
        })
        .await;
    let e = wh_provider(&server.base_url(), &clock)
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_retryable());
    assert_error_clean(&e, &secrets());
}

#[tokio::test]
async fn a_rate_limited_login_bans_further_logins_for_retry_after() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/sessions/tickets");
            then.status(429).header("retry-after", "300").body("");
        })
        .await;
    let manager = SessionManager::builder(wh_provider(&server.base_url(), &clock))
        .clock(clock.shared())
        .build();
    let e = manager.get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(300)));
    let local = manager.get().await.unwrap_err();
    assert_eq!(local.kind(), ErrorKind::RateLimited);
    assert_eq!(mock.calls_async().await, 1);
    clock.advance(Duration::from_secs(301));
    let _ = manager.get().await;
    assert_eq!(mock.calls_async().await, 2);
}

#[tokio::test]
async fn a_login_without_a_ticket_is_an_unexpected_response() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/sessions/tickets");
            then.status(200)
                .json_body(json!({ "expiryDateTime": "2030-01-01T08:00:00" }));
        })
        .await;
    let e = wh_provider(&server.base_url(), &clock)
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
}

#[test]
fn configuration_errors_are_caught_when_the_provider_is_built() {
    let clock = ManualClock::new();
    let creds = || session_cas::UsernamePassword::new(USER, PW);
    let e = CasProvider::builder("https://sandbox.whapi.com/v2/sessions", creds())
        .build()
        .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::Configuration,
        "api credentials are required"
    );
    let e = wh_config("http://sandbox.whapi.com", &clock)
        .allow_insecure_loopback(false)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration, "http is refused");
    let e = wh_config("http://example.com", &clock).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration, "http only for loopback");
    let e = wh_config("not a url", &clock).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = wh_config("https://example.com", &clock)
        .add_root_pem("not a pem")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = wh_config("https://example.com", &clock)
        .idle_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}

#[tokio::test]
async fn an_extended_login_asks_in_the_query_and_in_the_body_by_default() {
    let extended_body = r#"{"username":"punter_01","password":"PW-SENTINEL-7f3a","extended":true}"#;
    for (placement, query, body) in [
        (
            ExtendedPlacement::QueryAndBody,
            Some("extended=Y"),
            extended_body,
        ),
        (ExtendedPlacement::Body, None, extended_body),
        (
            ExtendedPlacement::Query,
            Some("extended=Y"),
            r#"{"username":"punter_01","password":"PW-SENTINEL-7f3a"}"#,
        ),
    ] {
        let server = MockServer::start_async().await;
        let clock = ManualClock::new();
        let mock = server
            .mock_async(|when, then| {
                when.method(POST)
                    .path("/v2/sessions/tickets")
                    .is_true(move |req| req.uri().query() == query)
                    .body(body);
                then.status(200)
                    .header("date", T0_DATE)
                    .json_body(session_body("2030-01-01T08:00:00", true));
            })
            .await;
        let provider = wh_config(&server.base_url(), &clock)
            .extended(true)
            .extended_placement(placement)
            .build()
            .unwrap();
        let session = provider.login().await.expect("login succeeds");
        mock.assert_async().await;
        assert!(session.is_extended(), "{placement:?}");
    }
}
