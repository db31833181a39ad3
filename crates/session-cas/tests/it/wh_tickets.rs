//! William Hill ticket calls against httpmock: validation as renewal, service tickets, logout,
//! session headers and rejection detection.

use std::time::Duration;

use http::{HeaderMap, StatusCode};
use httpmock::Method::{DELETE, GET, POST};
use httpmock::{Mock, MockServer};
use serde_json::json;
use session_cas::{
    ErrorKind, Event, FieldSelection, Renewal, Session, SessionManager, SessionProvider,
    is_target_not_established,
};
use session_core::http::HttpResponse;
use session_core::test_util::{ManualClock, assert_error_clean};

use crate::support::{KEY, SECRET, ST, T0_DATE, TGT, secrets, wh_config, wh_provider};

const TICKET_PATH: &str =
    "/v2/sessions/tickets/TGT-1920-TGTSENTINELabcdefghijklmnopqrstuvwxyz-brsux349";

async fn login_mock(server: &MockServer) -> Mock<'_> {
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/sessions/tickets");
            then.status(200)
                .header("date", T0_DATE)
                .json_body(json!({ "ticket": TGT, "expiryDateTime": "2030-01-01T07:46:40", "extended": false }));
        })
        .await
}

#[tokio::test]
async fn validation_is_a_get_on_the_ticket_and_moves_the_idle_deadline() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let t0 = clock.now();
    login_mock(&server).await;
    let validate = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(TICKET_PATH)
                .header("apiKey", KEY)
                .header("apiSecret", SECRET)
                .header("accept", "application/json")
                .header_missing("content-type")
                .is_true(|req| req.body_ref().is_empty() && req.uri().query().is_none());
            then.status(200).json_body(json!({ "valid": true }));
        })
        .await;
    let provider = wh_provider(&server.base_url(), &clock);
    let session = provider.login().await.unwrap();
    clock.advance(Duration::from_secs(3_600));
    let renewal = provider.renew(&session).await.unwrap();
    validate.assert_async().await;
    let Renewal::Extended(expiry) = renewal else {
        panic!("validation extends the same ticket");
    };
    assert_eq!(
        expiry,
        session_cas::Expiry::At(t0 + Duration::from_secs(3_600 + 7_200))
    );
    assert_eq!(session.last_used(), t0 + Duration::from_secs(3_600));
}

#[tokio::test]
async fn the_older_success_field_counts_as_valid() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    login_mock(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(TICKET_PATH);
            then.status(200).json_body(json!({ "success": true }));
        })
        .await;
    let provider = wh_provider(&server.base_url(), &clock);
    let session = provider.login().await.unwrap();
    provider.validate(&session).await.unwrap();
}

#[tokio::test]
async fn an_invalid_or_unknown_ticket_makes_the_manager_log_in_again() {
    for (status, body) in [
        (200, json!({ "valid": false })),
        (
            404,
            json!({ "errors": [{ "code": "20511", "field": "target", "message": "TGT could not be found" }] }),
        ),
        (404, json!({})),
    ] {
        let server = MockServer::start_async().await;
        let clock = ManualClock::new();
        let login = login_mock(&server).await;
        let validate = server
            .mock_async(|when, then| {
                when.method(GET).path(TICKET_PATH);
                then.status(status).json_body(body.clone());
            })
            .await;
        let manager = SessionManager::builder(wh_provider(&server.base_url(), &clock))
            .clock(clock.shared())
            .build();
        let first = manager.get().await.unwrap();
        let again = manager.refresh().await.unwrap();
        assert_eq!(validate.calls_async().await, 1, "{status} {body}");
        assert_eq!(
            login.calls_async().await,
            2,
            "{status} {body}: gone means log in again"
        );
        assert!(again.generation() > first.generation());
    }
}

#[tokio::test]
async fn a_renewal_near_the_hard_cap_logs_in_again_instead_of_validating() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let login = login_mock(&server).await;
    let validate = server
        .mock_async(|when, then| {
            when.method(GET).path(TICKET_PATH);
            then.status(200).json_body(json!({ "valid": true }));
        })
        .await;
    let manager = SessionManager::builder(wh_provider(&server.base_url(), &clock))
        .clock(clock.shared())
        .build();
    let first = manager.get().await.unwrap();
    // Keep the ticket in use every hour: each refresh is one validation.
    for _ in 0..7 {
        clock.advance(Duration::from_secs(3_600));
        manager.refresh().await.unwrap();
    }
    assert_eq!(validate.calls_async().await, 7);
    assert_eq!(login.calls_async().await, 1);
    let lease = manager.get().await.unwrap();
    assert_eq!(lease.generation(), first.generation());
    // The expiry never passes the hard cap (28,000 s after the login).
    let cap = first.issued_at() + Duration::from_secs(28_000);
    assert_eq!(lease.expires_at(), Some(cap));
    // 100 s before the cap no use can extend the ticket: the manager logs in again.
    clock.advance(Duration::from_secs(2_700));
    let replaced = manager.get().await.unwrap();
    assert_eq!(login.calls_async().await, 2);
    assert_eq!(validate.calls_async().await, 7);
    assert!(replaced.generation() > first.generation());
}

#[tokio::test]
async fn a_service_ticket_is_minted_for_every_call_and_never_cached() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    login_mock(&server).await;
    let mint = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{TICKET_PATH}/serviceTicket"))
                .header("apiKey", KEY)
                .header("apiSecret", SECRET)
                .query_param("target", "https://sports.williamhill.com/bet?a=1&b=2")
                .query_param("exclude", "location");
            then.status(200).json_body(
                json!({ "location": "https://sports.williamhill.com/bet?a=1&b=2", "ticket": ST }),
            );
        })
        .await;
    let provider = wh_config(&server.base_url(), &clock)
        .service_ticket_fields(FieldSelection::new().exclude(["location"]))
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    let target = "https://sports.williamhill.com/bet?a=1&b=2";
    let a = provider.service_ticket(&session, target).await.unwrap();
    clock.advance(Duration::from_secs(60));
    let b = provider.service_ticket(&session, target).await.unwrap();
    assert_eq!(a.expose_secret(), ST);
    assert_eq!(b.expose_secret(), ST);
    assert_eq!(mint.calls_async().await, 2);
    assert_eq!(session.last_used(), clock.now(), "a grant counts as use");
}

#[tokio::test]
async fn a_target_that_is_not_established_is_a_typed_error() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    login_mock(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{TICKET_PATH}/serviceTicket"));
            then.status(403).json_body(json!({
                "errors": [{ "code": "20510", "field": "target", "message": "Target service not established" }]
            }));
        })
        .await;
    let provider = wh_provider(&server.base_url(), &clock);
    let session = provider.login().await.unwrap();
    let e = provider
        .service_ticket(&session, "https://unknown.example.com/")
        .await
        .unwrap_err();
    assert!(is_target_not_established(&e));
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(e.code(), Some("20510"));
    assert_eq!(e.to_string(), "cas: target service not established: 20510");
    assert_error_clean(&e, &secrets());
}

#[tokio::test]
async fn a_service_ticket_for_a_dead_ticket_is_session_rejected() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    login_mock(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{TICKET_PATH}/serviceTicket"));
            then.status(404).json_body(
                json!({ "errors": [{ "code": 20511, "message": "TGT could not be found" }] }),
            );
        })
        .await;
    let provider = wh_provider(&server.base_url(), &clock);
    let session = provider.login().await.unwrap();
    let e = provider
        .service_ticket(&session, "https://sports.williamhill.com/")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(e.code(), Some("20511"));
}

#[tokio::test]
async fn a_locally_expired_ticket_is_refused_without_a_request() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    login_mock(&server).await;
    let any = server
        .mock_async(|when, then| {
            when.path_prefix(TICKET_PATH);
            then.status(200)
                .json_body(json!({ "valid": true, "ticket": ST }));
        })
        .await;
    let provider = wh_provider(&server.base_url(), &clock);
    let session = provider.login().await.unwrap();
    clock.advance(Duration::from_secs(7_200));
    let e = provider
        .service_ticket(&session, "https://sports.williamhill.com/")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    let e = provider.validate(&session).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn logout_deletes_the_ticket_and_not_found_counts_as_logged_out() {
    for (status, body) in [
        (200, json!({ "success": true })),
        (
            404,
            json!({ "errors": [{ "code": "20511", "message": "TGT could not be found" }] }),
        ),
    ] {
        let server = MockServer::start_async().await;
        let clock = ManualClock::new();
        login_mock(&server).await;
        let delete = server
            .mock_async(|when, then| {
                when.method(DELETE)
                    .path(TICKET_PATH)
                    .header("apiKey", KEY)
                    .header("apiSecret", SECRET)
                    .body("");
                then.status(status).json_body(body.clone());
            })
            .await;
        let manager = SessionManager::builder(wh_provider(&server.base_url(), &clock))
            .clock(clock.shared())
            .build();
        let mut events = manager.subscribe();
        manager.get().await.unwrap();
        manager.logout().await.unwrap();
        assert_eq!(delete.calls_async().await, 1, "{status}");
        assert!(!manager.health().has_session);
        let mut logged_out = false;
        while let Ok(e) = events.try_recv() {
            logged_out |= matches!(e, Event::LoggedOut { .. });
        }
        assert!(logged_out);
    }
}

#[tokio::test]
async fn a_failed_logout_is_reported() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    login_mock(&server).await;
    server
        .mock_async(|when, then| {
            when.method(DELETE).path(TICKET_PATH);
            then.status(200).json_body(json!({ "success": false }));
        })
        .await;
    let provider = wh_provider(&server.base_url(), &clock);
    let session = provider.login().await.unwrap();
    let e = provider.logout(&session).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
}

#[tokio::test]
async fn the_session_authenticates_other_william_hill_apis_with_sensitive_headers() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    login_mock(&server).await;
    let session = wh_provider(&server.base_url(), &clock)
        .login()
        .await
        .unwrap();
    let mut headers = HeaderMap::new();
    session.authenticate(&mut headers);
    for (name, value) in [("apiKey", KEY), ("apiSecret", SECRET), ("apiTicket", TGT)] {
        let v = headers.get(name).unwrap_or_else(|| panic!("{name} set"));
        assert_eq!(v, value);
        assert!(v.is_sensitive(), "{name} is sensitive");
    }
    assert_eq!(headers.len(), 3);
}

#[tokio::test]
async fn rejections_from_other_apis_are_recognized() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let provider = wh_provider(&server.base_url(), &clock);
    let r = |status: u16, body: &str| HttpResponse::json_body("accounts", status, body.to_owned());
    assert!(provider.is_rejection(&r(
        401,
        r#"{"errors":[{"code":"000000","message":"Unauthorized"}]}"#
    )));
    assert!(provider.is_rejection(&r(404, r#"{"errors":[{"code":"20511"}]}"#)));
    assert!(provider.is_rejection(&r(403, r#"{"errors":[{"code":"x","field":"apiTicket"}]}"#)));
    assert!(provider.is_rejection(&r(
        401,
        r#"{"whoFaults":[{"faultCode":"1","faultName":"InvalidTicket","faultString":"who-ticket expired"}]}"#
    )));
    assert!(provider.is_rejection(&r(
        403,
        r#"{"whoFaults":[{"faultCode":"1","faultName":"Forbidden","faultString":"Invalid who-ticket"}]}"#
    )));
    assert!(!provider.is_rejection(&r(403, r#"{"errors":[{"code":"20504"}]}"#)));
    assert!(!provider.is_rejection(&r(400, r#"{"errors":[{"code":"1","field":"stake"}]}"#)));
    assert!(!provider.is_rejection(&HttpResponse::new(
        "accounts",
        StatusCode::SERVICE_UNAVAILABLE,
        HeaderMap::new(),
        ""
    )));
}

#[tokio::test]
async fn every_call_carries_the_territory_header_and_the_language_flag() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let mut mocks = Vec::new();
    for (method, path) in [
        (POST, "/v2/sessions/tickets".to_owned()),
        (GET, TICKET_PATH.to_owned()),
        (GET, format!("{TICKET_PATH}/serviceTicket")),
        (DELETE, TICKET_PATH.to_owned()),
    ] {
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(method)
                        .path(path)
                        .header("apiKey", KEY)
                        .header("apiSecret", SECRET)
                        .header("accept", "application/json")
                        .header("territory", "COM")
                        .query_param("languageAsPerTerritory", "true");
                    then.status(200).json_body(json!({
                        "ticket": TGT, "valid": true, "success": true
                    }));
                })
                .await,
        );
    }
    let provider = wh_config(&server.base_url(), &clock)
        .territory(session_cas::Territory::Com)
        .language_as_per_territory(true)
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    provider.validate(&session).await.unwrap();
    provider
        .service_ticket(&session, "https://sports.williamhill.com/")
        .await
        .unwrap();
    provider.logout(&session).await.unwrap();
    for mock in &mocks {
        assert_eq!(mock.calls_async().await, 1);
    }
}
