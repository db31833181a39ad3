//! The exact requests over real HTTP (httpmock), and configuration errors.

use httpmock::prelude::*;
use session_core::test_util::ManualClock;
use session_matchbook::{DEFAULT_BASE_URL, ErrorKind, MatchbookProvider, SessionProvider};

use crate::support::*;

#[tokio::test]
async fn login_check_and_logout_send_exactly_the_documented_requests() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let path = "/bpapi/rest/security/session";
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(path)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header_missing("session-token")
                .body(format!(
                    r#"{{"username":"{USER}","password":"{PASSWORD}","mfa-code":"{MFA_CODE}"}}"#
                ));
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(r#"{{"session-token":"{TOKEN}","user-id":1234}}"#));
        })
        .await;
    let check = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(path)
                .header("session-token", TOKEN)
                .header_missing("content-type");
            then.status(200)
                .body(format!(r#"{{"session-token":"{TOKEN}","user-id":1234}}"#));
        })
        .await;
    let logout = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(path)
                .header("session-token", TOKEN)
                .header_missing("content-type");
            then.status(401)
                .body(r#"{"errors":[{"codes":["UNAUTHORIZED"]}]}"#);
        })
        .await;
    let provider = mock_provider(&server, &clock)
        .mfa_code(MFA_CODE)
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    assert_eq!(session.token().expose_secret(), TOKEN);
    assert_eq!(session.user_id(), Some(1234));
    provider.renew(&session).await.unwrap();
    provider.logout(&session).await.unwrap();
    assert_eq!(
        (
            login.calls_async().await,
            check.calls_async().await,
            logout.calls_async().await
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn a_redirect_to_https_is_not_followed() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let moved = server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(301).header(
                "location",
                "https://api.matchbook.com/bpapi/rest/security/session",
            );
        })
        .await;
    let e = mock_provider(&server, &clock)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    assert_eq!(moved.calls_async().await, 1);
}

#[test]
fn the_builder_refuses_plain_http_and_missing_credentials() {
    let e = MatchbookProvider::builder("http://api.matchbook.com")
        .credentials(USER, PASSWORD)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = MatchbookProvider::builder(DEFAULT_BASE_URL)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let p = MatchbookProvider::builder(DEFAULT_BASE_URL)
        .credentials(USER, PASSWORD)
        .build()
        .unwrap();
    assert_eq!(
        p.api_url("account").as_str(),
        "https://api.matchbook.com/edge/rest/account"
    );
    assert_eq!(
        p.api_url("/events/1/markets").as_str(),
        "https://api.matchbook.com/edge/rest/events/1/markets"
    );
}
