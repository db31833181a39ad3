//! logout: the exact request, and the session is dropped whatever Betfair answers.

use httpmock::prelude::*;
use session_betfair::{ErrorKind, SessionManager, SessionProvider};
use session_core::test_util::ManualClock;

use crate::support::*;

async fn with_login() -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/login");
            then.status(200).body(login_body(TOKEN, "SUCCESS", ""));
        })
        .await;
    server
}

async fn logout_mock(server: &MockServer, status: u16, body: String) -> httpmock::Mock<'_> {
    server
        .mock_async(move |when, then| {
            when.method(POST)
                .path("/api/logout")
                .header("accept", "application/json")
                .header("x-authentication", TOKEN)
                .header("x-application", APP_KEY)
                .body("");
            then.status(status).body(body);
        })
        .await
}

#[tokio::test]
async fn logout_posts_the_token_and_drops_the_session() {
    let server = with_login().await;
    let mock = logout_mock(&server, 200, session_body("SUCCESS", "")).await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/api"), &clock).build().unwrap();
    let manager = SessionManager::builder(provider)
        .clock(clock.shared())
        .build();
    manager.get().await.unwrap();
    manager.logout().await.unwrap();
    assert_eq!(mock.calls_async().await, 1);
    assert!(!manager.health().has_session);
}

#[tokio::test]
async fn a_session_betfair_already_forgot_counts_as_logged_out() {
    let server = with_login().await;
    let mock = logout_mock(&server, 200, session_body("FAIL", "NO_SESSION")).await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/api"), &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    provider.logout(&session).await.unwrap();
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn the_session_is_dropped_even_when_logout_fails() {
    for (status, body, kind) in [
        (
            200,
            session_body("FAIL", "INTERNAL_ERROR"),
            ErrorKind::Unavailable,
        ),
        (500, String::new(), ErrorKind::Unavailable),
        (200, "<html></html>".to_owned(), ErrorKind::Unavailable),
    ] {
        let server = with_login().await;
        let mock = logout_mock(&server, status, body).await;
        let clock = ManualClock::new();
        let provider = interactive(&server.url("/api"), &clock).build().unwrap();
        let manager = SessionManager::builder(provider)
            .clock(clock.shared())
            .build();
        let first = manager.get().await.unwrap();
        let e = manager.logout().await.unwrap_err();
        assert_eq!(e.kind(), kind);
        assert_eq!(mock.calls_async().await, 1);
        assert!(!manager.health().has_session, "dropped whatever the answer");
        let next = manager.get().await.unwrap();
        assert!(
            next.generation() > first.generation(),
            "the next get logs in again"
        );
    }
}
