//! Opening a dedicated session: the exact documented request, and the documented replies.

use httpmock::prelude::*;
use session_pagos::{
    ClientCredentials, ErrorKind, HttpFailure, PagosFailure, PagosProvider, SessionManager,
    SessionProvider, TokenSource,
};

use crate::support::{
    APP, DOC_SESSION, DOC_TOKEN, FAILURE_APP, FAILURE_TOKEN, SUCCESS, fixed_provider,
};

const JSON_UTF8: &str = "application/json; charset=utf-8";

#[tokio::test]
async fn documented_success_opens_a_session_with_the_exact_documented_request() {
    let server = MockServer::start_async().await;
    let open = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession")
                .header("authorization", format!("Bearer {DOC_TOKEN}"))
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(format!(r#"{{"ApplicationKey":"{APP}"}}"#));
            then.status(200)
                .header("content-type", JSON_UTF8)
                .header("cache-control", "no-cache, no-store")
                .body(SUCCESS);
        })
        .await;
    let provider = fixed_provider(&server.base_url(), DOC_TOKEN);
    let session = provider.login().await.expect("session opens");
    open.assert_calls_async(1).await;
    assert_eq!(session.session_id().expose_secret(), DOC_SESSION);
    assert!(session.is_session(&DOC_SESSION.to_uppercase()));
    assert_eq!(session.token_generation(), 1);
    assert!(!format!("{session:?}").contains(DOC_SESSION));
}

#[tokio::test]
async fn documented_failure_1_with_a_fixed_token_is_session_rejected_after_one_open() {
    let server = MockServer::start_async().await;
    let open = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession")
                .header("authorization", format!("Bearer {DOC_TOKEN}"))
                .body(format!(r#"{{"ApplicationKey":"{APP}"}}"#));
            then.status(200)
                .header("content-type", JSON_UTF8)
                .body(FAILURE_TOKEN);
        })
        .await;
    let provider = fixed_provider(&server.base_url(), DOC_TOKEN);
    let e = provider.login().await.expect_err("token refused");
    open.assert_calls_async(1).await;
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(e.code(), Some("INVALID_TOKEN"));
    let failure = PagosFailure::of(&e).expect("failure detail");
    assert!(failure.invalid_token());
    assert_eq!(
        failure.messages(),
        ["The requested resource is restricted and your request did not provide a valid token."]
    );
    let shown = format!("{e} {e:?} {e:#?}");
    assert!(!shown.contains("restricted"));
    assert!(!shown.contains(DOC_TOKEN));
}

/// Token endpoint mocks: the first answers `first`, every later one `second`.
async fn token_sequence<'a>(
    server: &'a MockServer,
    first: &str,
    second: &str,
) -> (httpmock::Mock<'a>, httpmock::Mock<'a>) {
    let body = "client_id=it-client&client_secret=CS-SENTINEL-open-1&grant_type=client_credentials";
    let a = server
        .mock_async(|when, then| {
            when.method(POST).path("/token").body(body);
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"access_token":"{first}","token_type":"bearer","expires_in":3600}}"#
                ));
        })
        .await;
    a.up_to_n_times_async(1).await;
    let b = server
        .mock_async(|when, then| {
            when.method(POST).path("/token").body(body);
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"access_token":"{second}","token_type":"bearer","expires_in":3600}}"#
                ));
        })
        .await;
    (a, b)
}

fn cc_provider(server: &MockServer) -> session_pagos::PagosProvider {
    PagosProvider::builder(
        server.base_url(),
        APP,
        TokenSource::client_credentials(
            server.url("/token"),
            ClientCredentials::new("it-client", "CS-SENTINEL-open-1"),
        ),
    )
    .allow_insecure_loopback(true)
    .close_on_drop(None)
    .build()
    .unwrap()
}

#[tokio::test]
async fn documented_failure_1_renews_a_client_credentials_token_and_retries_once() {
    let server = MockServer::start_async().await;
    let (tok_a, tok_b) = token_sequence(&server, "TOK-A-3d1f", "TOK-B-3d1f").await;
    let refused = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession")
                .header("authorization", "Bearer TOK-A-3d1f")
                .body(format!(r#"{{"ApplicationKey":"{APP}"}}"#));
            then.status(200)
                .header("content-type", JSON_UTF8)
                .body(FAILURE_TOKEN);
        })
        .await;
    let opened = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession")
                .header("authorization", "Bearer TOK-B-3d1f")
                .body(format!(r#"{{"ApplicationKey":"{APP}"}}"#));
            then.status(200)
                .header("content-type", JSON_UTF8)
                .body(SUCCESS);
        })
        .await;
    let provider = cc_provider(&server);
    let session = provider.login().await.expect("second attempt opens");
    tok_a.assert_calls_async(1).await;
    tok_b.assert_calls_async(1).await;
    refused.assert_calls_async(1).await;
    opened.assert_calls_async(1).await;
    assert_eq!(session.token_generation(), 2, "bound to the renewed token");
    assert_eq!(session.token().token().expose_secret(), "TOK-B-3d1f");
}

#[tokio::test]
async fn invalid_token_twice_is_session_rejected_after_exactly_two_opens() {
    let server = MockServer::start_async().await;
    let (tok_a, tok_b) = token_sequence(&server, "TOK-A-77e0", "TOK-B-77e0").await;
    let open = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession");
            then.status(200)
                .header("content-type", JSON_UTF8)
                .body(FAILURE_TOKEN);
        })
        .await;
    let provider = cc_provider(&server);
    let e = provider.login().await.expect_err("refused twice");
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    open.assert_calls_async(2).await;
    tok_a.assert_calls_async(1).await;
    tok_b.assert_calls_async(1).await;
}

#[tokio::test]
async fn documented_failure_2_is_invalid_credentials_and_not_retried() {
    let server = MockServer::start_async().await;
    let open = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession")
                .header("authorization", format!("Bearer {DOC_TOKEN}"))
                .body(format!(r#"{{"ApplicationKey":"{APP}"}}"#));
            then.status(200)
                .header("content-type", JSON_UTF8)
                .body(FAILURE_APP);
        })
        .await;
    let manager = SessionManager::new(fixed_provider(&server.base_url(), DOC_TOKEN));
    let e = manager.get().await.expect_err("application refused");
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("OPEN_REFUSED"));
    let failure = PagosFailure::of(&e).expect("failure detail");
    assert!(!failure.invalid_token());
    assert_eq!(
        failure.messages(),
        ["The requested application is invalid."]
    );
    open.assert_calls_async(1).await;
    let again = manager.get().await.expect_err("remembered");
    assert_eq!(again.kind(), ErrorKind::InvalidCredentials);
    open.assert_calls_async(1).await;
}

#[tokio::test]
async fn success_with_the_nil_guid_is_an_unexpected_response() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/Api/Applications/OpenDedicatedSession");
            then.status(200).header("content-type", JSON_UTF8).body(
                r#"{"SessionId":"00000000-0000-0000-0000-000000000000","Success":true,"Messages":[]}"#,
            );
        })
        .await;
    let e = fixed_provider(&server.base_url(), DOC_TOKEN)
        .login()
        .await
        .expect_err("nil guid");
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    assert_eq!(e.code(), Some("INVALID_SESSION_ID"));
}

#[tokio::test]
async fn gateway_pages_and_statuses_map_to_core_kinds() {
    let cases: [(u16, &str, &str, ErrorKind, Option<HttpFailure>); 8] = [
        (
            200,
            "text/html",
            "<!DOCTYPE html><html>sign in</html>",
            ErrorKind::Unavailable,
            Some(HttpFailure::GatewayPage),
        ),
        (
            503,
            "text/html",
            "<html>maintenance</html>",
            ErrorKind::Unavailable,
            Some(HttpFailure::GatewayPage),
        ),
        (
            500,
            "application/json",
            r#"{"Message":"An error has occurred."}"#,
            ErrorKind::Unavailable,
            Some(HttpFailure::Status(500)),
        ),
        (
            404,
            "text/plain",
            "not found",
            ErrorKind::Configuration,
            Some(HttpFailure::Status(404)),
        ),
        // IIS's page for a wrong base URL or method: no endpoint here, not an outage.
        (
            404,
            "text/html",
            "<!DOCTYPE html><html><title>404 - File or directory not found.</title></html>",
            ErrorKind::Configuration,
            Some(HttpFailure::Status(404)),
        ),
        (
            405,
            "text/html",
            "<html><body>Method Not Allowed</body></html>",
            ErrorKind::Configuration,
            Some(HttpFailure::Status(405)),
        ),
        (
            418,
            "text/plain",
            "teapot",
            ErrorKind::UnexpectedResponse,
            Some(HttpFailure::Status(418)),
        ),
        (
            200,
            "application/json",
            "{\"Success\": tr",
            ErrorKind::Unavailable,
            Some(HttpFailure::TruncatedBody),
        ),
    ];
    for (status, ct, body, kind, failure) in cases {
        let server = MockServer::start_async().await;
        let open = server
            .mock_async(|when, then| {
                when.method(POST)
                    .path("/Api/Applications/OpenDedicatedSession");
                then.status(status).header("content-type", ct).body(body);
            })
            .await;
        let e = fixed_provider(&server.base_url(), DOC_TOKEN)
            .login()
            .await
            .expect_err("failure");
        assert_eq!(
            (e.kind(), e.http_failure()),
            (kind, failure),
            "{status} {body}"
        );
        assert!(!e.to_string().contains(body));
        open.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn http_429_is_rate_limited_with_retry_after() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession");
            then.status(429).header("retry-after", "42");
        })
        .await;
    let e = fixed_provider(&server.base_url(), DOC_TOKEN)
        .login()
        .await
        .expect_err("rate limited");
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(42)));
}

#[tokio::test]
async fn http_401_is_treated_as_an_invalid_token() {
    let server = MockServer::start_async().await;
    let open = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession");
            then.status(401)
                .header("www-authenticate", "Bearer error=\"invalid_token\"");
        })
        .await;
    let e = fixed_provider(&server.base_url(), DOC_TOKEN)
        .login()
        .await
        .expect_err("401");
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(
        PagosFailure::of(&e).and_then(PagosFailure::http_status),
        Some(401)
    );
    open.assert_calls_async(1).await;
}
