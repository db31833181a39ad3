//! keepAlive as the provider's renewal: exact request, extension, `NO_SESSION` means re-login,
//! `INTERNAL_ERROR` is transient.

use std::time::Duration;

use httpmock::prelude::*;
use session_betfair::{
    BetfairProvider, ErrorKind, Expiry, Renewal, Session, SessionManager, SessionProvider,
};
use session_core::test_util::ManualClock;

use crate::support::*;

async fn server_with_login() -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/login");
            then.status(200).body(login_body(TOKEN, "SUCCESS", ""));
        })
        .await;
    server
}

#[tokio::test]
async fn keep_alive_sends_the_token_and_app_key_and_extends_the_session() {
    let server = server_with_login().await;
    let keep_alive = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/keepAlive")
                .header("accept", "application/json")
                .header("x-authentication", TOKEN)
                .header("x-application", APP_KEY)
                .header_missing("content-type")
                .body("")
                .is_true(|req| req.uri().query().is_none());
            then.status(200)
                .header("content-type", "application/json")
                .body(session_body("SUCCESS", ""));
        })
        .await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/api"), &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    clock.advance(Duration::from_secs(3600));
    match provider.renew(&session).await.unwrap() {
        Renewal::Extended(Expiry::At(t)) => {
            assert_eq!(t, clock.now() + Duration::from_secs(12 * 3600));
        }
        other => panic!("expected an extension, got {other:?}"),
    }
    assert_eq!(keep_alive.calls_async().await, 1);
}

#[tokio::test]
async fn no_session_means_the_session_is_gone_and_the_manager_logs_in_again() {
    let server = server_with_login().await;
    server
        .mock_async(|when, then| {
            when.path("/api/keepAlive");
            then.status(200).body(session_body("FAIL", "NO_SESSION"));
        })
        .await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/api"), &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    let e = provider.renew(&session).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(e.code(), Some("NO_SESSION"));

    let manager = SessionManager::builder(provider)
        .clock(clock.shared())
        .build();
    let first = manager.get().await.unwrap();
    let second = manager.refresh().await.unwrap();
    assert!(
        second.generation() > first.generation(),
        "a new login replaced the session"
    );
}

#[tokio::test]
async fn internal_error_is_transient_and_the_session_stays_in_use() {
    let server = server_with_login().await;
    let keep_alive = server
        .mock_async(|when, then| {
            when.path("/api/keepAlive");
            then.status(200)
                .body(session_body("FAIL", "INTERNAL_ERROR"));
        })
        .await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/api"), &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    let e = provider.renew(&session).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_retryable());

    let manager = SessionManager::builder(provider)
        .clock(clock.shared())
        .build();
    let lease = manager.get().await.unwrap();
    // Inside the renewal window the keepAlive fails, but the still-valid session is handed out.
    clock.advance(Duration::from_secs(27_000));
    let again = manager.get().await.unwrap();
    assert_eq!(again.generation(), lease.generation());
    assert_eq!(keep_alive.calls_async().await, 2);
    assert_eq!(manager.health().last_error, Some(ErrorKind::Unavailable));
}

#[tokio::test]
async fn keep_alive_goes_to_the_identity_host_used_for_login() {
    let login_host = server_with_login().await;
    let other_host = MockServer::start_async().await;
    let good = login_host
        .mock_async(|when, then| {
            when.path("/api/keepAlive");
            then.status(200).body(session_body("SUCCESS", ""));
        })
        .await;
    let wrong = other_host
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(session_body("SUCCESS", ""));
        })
        .await;
    let clock = ManualClock::new();
    let session = interactive(&login_host.url("/api"), &clock)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap();
    // Another provider (say, reconfigured) renews the session where it was issued.
    let other = interactive(&other_host.url("/api"), &clock)
        .build()
        .unwrap();
    other.renew(&session).await.unwrap();
    assert_eq!(
        (good.calls_async().await, wrong.calls_async().await),
        (1, 0)
    );
}

#[tokio::test]
async fn a_missing_accept_header_would_get_html_which_is_not_a_verdict() {
    let server = server_with_login().await;
    server
        .mock_async(|when, then| {
            when.path("/api/keepAlive");
            then.status(200)
                .header("content-type", "text/html")
                .body("<html></html>");
        })
        .await;
    let clock = ManualClock::new();
    let provider: BetfairProvider = interactive(&server.url("/api"), &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    let e = provider.renew(&session).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn the_supervisor_keeps_the_session_alive_every_half_lifetime() {
    let server = server_with_login().await;
    let keep_alive = server
        .mock_async(|when, then| {
            when.path("/api/keepAlive");
            then.status(200).body(session_body("SUCCESS", ""));
        })
        .await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/api"), &clock)
        .session_lifetime(Duration::from_secs(1200))
        .build()
        .unwrap();
    let manager = SessionManager::builder(provider)
        .clock(clock.shared())
        .build();
    let lease = manager.get().await.unwrap();
    let supervisor = manager.spawn_keep_alive();
    for round in 1..=3 {
        // Let the supervisor reach its sleep, then move past its deadline.
        // (Two manager timers for the session, plus the supervisor's sleep.)
        for _ in 0..400 {
            if clock.pending() >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        clock.advance(Duration::from_secs(600));
        for _ in 0..200 {
            if keep_alive.calls_async().await >= round {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(keep_alive.calls_async().await, round, "round {round}");
    }
    supervisor.shutdown().await;
    assert_eq!(
        manager.get().await.unwrap().generation(),
        lease.generation()
    );
}

#[tokio::test]
async fn a_keep_alive_answer_with_another_token_replaces_the_session_token() {
    const NEW: &str = "NEWTOKEN-SENTINEL-0000000000000000000000000=";
    let server = server_with_login().await;
    let keep_alive = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/keepAlive")
                .header("x-authentication", TOKEN);
            then.status(200).body(
                serde_json::json!({"token": NEW, "product": APP_KEY, "status": "SUCCESS", "error": ""})
                    .to_string(),
            );
        })
        .await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/api"), &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    clock.advance(Duration::from_secs(60));
    match provider.renew(&session).await.unwrap() {
        Renewal::Renewed(renewed) => {
            assert_eq!(renewed.token().expose_secret(), NEW);
            assert_eq!(renewed.app_key().expose_secret(), APP_KEY);
            assert_eq!(renewed.identity_url(), session.identity_url());
            assert_eq!(renewed.method(), session.method());
            assert_eq!(
                renewed.expiry(),
                Expiry::At(clock.now() + Duration::from_secs(12 * 3600))
            );
        }
        other => panic!("expected the new token to be adopted, got {other:?}"),
    }
    // The same token, an empty one or none at all is an extension of the session it has.
    for token in [
        serde_json::json!(TOKEN),
        serde_json::json!(""),
        serde_json::Value::Null,
    ] {
        let server = server_with_login().await;
        server
            .mock_async(|when, then| {
                when.path("/api/keepAlive");
                then.status(200).body(
                    serde_json::json!({"token": token, "product": APP_KEY, "status": "SUCCESS", "error": ""})
                        .to_string(),
                );
            })
            .await;
        let provider = interactive(&server.url("/api"), &clock).build().unwrap();
        let session = provider.login().await.unwrap();
        assert!(
            matches!(
                provider.renew(&session).await.unwrap(),
                Renewal::Extended(_)
            ),
            "{token}"
        );
    }
    assert_eq!(keep_alive.calls_async().await, 1);
    // A resumed token is replaced the same way.
    let resumed = provider
        .resume(session_betfair::SessionToken::new(TOKEN))
        .await
        .unwrap();
    assert_eq!(resumed.token().expose_secret(), NEW);
}
