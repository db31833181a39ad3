//! Interactive login against httpmock: the exact request, every status, a sample of codes per
//! kind, two-factor codes, and the local 20-minute ban.

use std::time::Duration;

use httpmock::prelude::*;
use session_betfair::{
    Error, ErrorKind, LoginMethod, Session, SessionManager, SessionProvider, TwoFactorCode,
};
use session_core::test_util::{ManualClock, assert_error_clean};

use crate::support::*;

async fn login_answering(
    body: String,
) -> (MockServer, Result<session_betfair::BetfairSession, Error>) {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/login");
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/api"), &clock).build().unwrap();
    let result = provider.login().await;
    (server, result)
}

#[tokio::test]
async fn login_posts_exact_headers_and_a_form_encoded_body_never_the_url() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/login")
                .header("accept", "application/json")
                .header("x-application", APP_KEY)
                .header("content-type", "application/x-www-form-urlencoded")
                .header_missing("x-authentication")
                .body(format!("username={USER}&password={PASSWORD_FORM}"))
                .is_true(|req| req.uri().query().is_none());
            then.status(200)
                .header("content-type", "application/json")
                .body(login_body(TOKEN, "SUCCESS", ""));
        })
        .await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/api"), &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(session.token().expose_secret(), TOKEN);
    assert_eq!(session.method(), LoginMethod::Interactive);
    assert!(!session.is_limited());
    assert_eq!(
        session.expiry(),
        session_betfair::Expiry::At(clock.now() + Duration::from_secs(12 * 3600))
    );
    let mut headers = http::HeaderMap::new();
    session.authenticate(&mut headers);
    assert_eq!(headers["x-authentication"], TOKEN);
    assert!(headers["x-authentication"].is_sensitive());
    assert_eq!(headers["x-application"], APP_KEY);
    assert!(headers["x-application"].is_sensitive());
    let shown = format!("{session:?} {provider:?}");
    for s in secrets() {
        assert!(!shown.contains(&s), "Debug leaks a secret");
    }
}

#[tokio::test]
async fn the_two_factor_code_is_appended_to_the_password() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/login")
                .body(format!("username={USER}&password={PASSWORD_FORM}123456"));
            then.status(200).body(login_body(TOKEN, "SUCCESS", ""));
        })
        .await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/api"), &clock)
        .two_factor_code(TwoFactorCode::new("123456"))
        .build()
        .unwrap();
    provider.login().await.unwrap();
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn a_two_factor_source_is_asked_before_every_login() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.path("/api/login")
                .body_includes("password=PW-SENTINEL-7f3a%26%3D%2B+%C3%A9%E2%82%AC000001");
            then.status(200).body(login_body(TOKEN, "SUCCESS", ""));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.path("/api/login").body_includes("%E2%82%AC000002");
            then.status(200).body(login_body(TOKEN, "SUCCESS", ""));
        })
        .await;
    let clock = ManualClock::new();
    let n = std::sync::atomic::AtomicU32::new(0);
    let provider = interactive(&server.url("/api"), &clock)
        .two_factor_source(move || {
            let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            Some(TwoFactorCode::new(format!("{i:06}")))
        })
        .build()
        .unwrap();
    provider.login().await.unwrap();
    provider.login().await.unwrap();
    assert_eq!(
        (first.calls_async().await, second.calls_async().await),
        (1, 1)
    );
}

#[tokio::test]
async fn limited_access_gives_a_usable_session_that_says_why() {
    let (_server, result) =
        login_answering(login_body(TOKEN, "LIMITED_ACCESS", "PENDING_AUTH")).await;
    let session = result.unwrap();
    assert!(session.is_limited());
    assert_eq!(session.limited_access(), Some("PENDING_AUTH"));
    assert_eq!(session.token().expose_secret(), TOKEN);
}

#[tokio::test]
async fn every_status_and_a_sample_of_codes_per_kind_map_to_typed_errors() {
    let cases = [
        (
            "FAIL",
            "INVALID_USERNAME_OR_PASSWORD",
            ErrorKind::InvalidCredentials,
        ),
        ("FAIL", "INVALID_PIN", ErrorKind::InvalidCredentials),
        (
            "LOGIN_RESTRICTED",
            "STRONG_AUTH_CODE_REQUIRED",
            ErrorKind::InvalidCredentials,
        ),
        ("FAIL", "ACCOUNT_NOW_LOCKED", ErrorKind::AccountRestricted),
        ("FAIL", "SELF_EXCLUDED", ErrorKind::AccountRestricted),
        (
            "LOGIN_RESTRICTED",
            "ITALIAN_CONTRACT_ACCEPTANCE_REQUIRED",
            ErrorKind::AccountRestricted,
        ),
        (
            "LOGIN_RESTRICTED",
            "CHANGE_PASSWORD_REQUIRED",
            ErrorKind::AccountRestricted,
        ),
        (
            "FAIL",
            "SECURITY_RESTRICTED_LOCATION",
            ErrorKind::AccountRestricted,
        ),
        (
            "FAIL",
            "NOT_AUTHORIZED_BY_REGULATOR_DK",
            ErrorKind::AccountRestricted,
        ),
        (
            "FAIL",
            "AUTHORIZED_ONLY_FOR_DOMAIN_RO",
            ErrorKind::AccountRestricted,
        ),
        (
            "FAIL",
            "INVALID_CONNECTIVITY_TO_REGULATOR_DK",
            ErrorKind::Unavailable,
        ),
        (
            "FAIL",
            "TEMPORARY_BAN_TOO_MANY_REQUESTS",
            ErrorKind::RateLimited,
        ),
        ("FAIL", "INPUT_VALIDATION_ERROR", ErrorKind::Configuration),
        ("FAIL", "FORBIDDEN", ErrorKind::Configuration),
        (
            "FAIL",
            "A_CODE_FROM_THE_FUTURE",
            ErrorKind::AccountRestricted,
        ),
    ];
    for (status, code, kind) in cases {
        let (_server, result) = login_answering(login_body("", status, code)).await;
        let e = result.unwrap_err();
        assert_eq!((e.kind(), e.code()), (kind, Some(code)), "{status}/{code}");
        assert!(e.to_string().starts_with("betfair: "));
        assert_error_clean(&e, &secrets());
    }
}

#[tokio::test]
async fn the_reason_may_come_in_the_status_field() {
    let (_server, result) =
        login_answering(r#"{"status":"INVALID_USERNAME_OR_PASSWORD"}"#.to_owned()).await;
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("INVALID_USERNAME_OR_PASSWORD"));
}

#[tokio::test]
async fn an_html_page_is_unavailable_not_a_verdict() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/login");
            then.status(200)
                .header("content-type", "text/html")
                .body("<html>login page PW-SENTINEL-7f3a</html>");
        })
        .await;
    let clock = ManualClock::new();
    let e = interactive(&server.url("/api"), &clock)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_error_clean(&e, &secrets());
}

#[tokio::test]
async fn the_manager_never_retries_bad_credentials() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/api/login");
            then.status(200)
                .body(login_body("", "FAIL", "INVALID_USERNAME_OR_PASSWORD"));
        })
        .await;
    let clock = ManualClock::new();
    let manager =
        SessionManager::builder(interactive(&server.url("/api"), &clock).build().unwrap())
            .clock(clock.shared())
            .build();
    for _ in 0..3 {
        let e = manager.get().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    }
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn a_login_ban_is_enforced_locally_for_twenty_minutes() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/api/login");
            then.status(200)
                .body(login_body("", "FAIL", "TEMPORARY_BAN_TOO_MANY_REQUESTS"));
        })
        .await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/api"), &clock).build().unwrap();
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1200)));
    assert_eq!(mock.calls_async().await, 1);

    // The provider on its own refuses without a request.
    clock.advance(Duration::from_secs(600));
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(600)));
    assert!(provider.banned_until().is_some());
    assert_eq!(mock.calls_async().await, 1);

    // So does a manager (its own guard answers first).
    let manager = SessionManager::builder(provider)
        .clock(clock.shared())
        .build();
    let e = manager.get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(mock.calls_async().await, 1);
    let e = manager.get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(mock.calls_async().await, 1);

    // After the window, one new attempt.
    clock.advance(Duration::from_secs(601));
    let _ = manager.get().await;
    assert_eq!(mock.calls_async().await, 2);
}

#[tokio::test]
async fn a_server_error_is_transient() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/login");
            then.status(503).body("");
        })
        .await;
    let clock = ManualClock::new();
    let e = interactive(&server.url("/api"), &clock)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_retryable());
}

#[test]
fn building_checks_the_configuration() {
    let clock = ManualClock::new();
    let e = interactive("http://example.com/api", &clock)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = session_betfair::BetfairProvider::builder("")
        .interactive(USER, PASSWORD)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = session_betfair::BetfairProvider::builder(APP_KEY)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = session_betfair::BetfairProvider::builder("bad\nkey")
        .interactive(USER, PASSWORD)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(!e.to_string().contains("bad"));
    let e = session_betfair::BetfairProvider::builder(APP_KEY)
        .interactive(" ", PASSWORD)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}
