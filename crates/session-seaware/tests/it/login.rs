//! Login: the exact token request for both placements, the token response, expiry.

use std::time::Duration;

use httpmock::prelude::*;
use session_core::test_util::ManualClock;
use session_seaware::{
    ErrorKind, Expiry, Placement, RESAGENT, Session, SessionProvider, authorize,
};

use crate::support::*;

const QUERY: &str = "username=JAMES&password=PW-SENTINEL-7f3a&client_id=ota&client_secret=CS-SENTINEL-91c2&grant_type=password&scope=travelagent";

#[tokio::test]
async fn the_default_login_puts_every_parameter_in_the_query_string_with_an_empty_body() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ota/oauth/token")
                .is_true(|r| r.uri().query() == Some(QUERY))
                .header_missing("content-type")
                .header_missing("authorization")
                .body("");
            then.status(200)
                .header("content-type", "application/json;charset=UTF-8")
                .body(token_body(TOKEN, TOKEN, 900));
        })
        .await;
    let provider = mock_provider(&server, &clock).build().unwrap();
    assert_eq!(provider.placement(), Placement::Query);
    let session = provider.login().await.unwrap();
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(session.access_token().unwrap().expose_secret(), TOKEN);
    assert_eq!(session.refresh_token().unwrap().expose_secret(), TOKEN);
    assert_eq!(session.scope(), Some("travelagent"));
    assert_eq!(
        session.expiry(),
        Expiry::At(clock.now() + Duration::from_secs(900))
    );
}

#[tokio::test]
async fn the_form_placement_sends_an_encoded_body_and_no_query() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ota/oauth/token")
                .is_true(|r| r.uri().query().is_none())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(QUERY);
            then.status(200)
                .header("content-type", "application/json")
                .body(token_body(TOKEN, TOKEN, 900));
        })
        .await;
    let provider = mock_provider(&server, &clock)
        .placement(Placement::Form)
        .build()
        .unwrap();
    provider.login().await.unwrap();
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn client_id_and_scope_are_configurable() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ota/oauth/token")
                .query_param("client_id", "swota-partner")
                .query_param("scope", "resagent")
                .query_param("grant_type", "password");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token":"AT-SENTINEL-5E1D","token_type":"bearer","expires_in":300,"scope":"resagent"}"#);
        })
        .await;
    let provider = mock_provider(&server, &clock)
        .client_id("swota-partner")
        .scope(RESAGENT)
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(session.scope(), Some("resagent"));
    assert_eq!(
        session.expiry(),
        Expiry::At(clock.now() + Duration::from_secs(300))
    );
    assert!(session.refresh_token().is_none());
}

#[tokio::test]
async fn no_scope_sends_no_scope_parameter() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ota/oauth/token")
                .query_param_missing("scope");
            then.status(200)
                .header("content-type", "application/json")
                .body(token_body(TOKEN, TOKEN, 900));
        })
        .await;
    let provider = mock_provider(&server, &clock).no_scope().build().unwrap();
    provider.login().await.unwrap();
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn a_missing_expires_in_uses_the_configured_default_from_receipt() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/ota/oauth/token");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token":"AT-SENTINEL-5E1D","token_type":"BEARER"}"#);
        })
        .await;
    let default = mock_provider(&server, &clock).build().unwrap();
    let s = default.login().await.unwrap();
    assert_eq!(
        s.expiry(),
        Expiry::At(clock.now() + Duration::from_secs(900))
    );
    assert_eq!(default.policy().default_ttl, Duration::from_secs(900));

    let short = mock_provider(&server, &clock)
        .default_ttl(Duration::from_secs(300))
        .build()
        .unwrap();
    clock.advance(Duration::from_secs(10));
    let s = short.login().await.unwrap();
    assert_eq!(
        s.expiry(),
        Expiry::At(clock.now() + Duration::from_secs(300))
    );
}

#[tokio::test]
async fn expires_in_as_a_string_is_accepted() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/ota/oauth/token");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token":"AT-SENTINEL-5E1D","token_type":"Bearer","expires_in":"899"}"#);
        })
        .await;
    let s = mock_provider(&server, &clock)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap();
    assert_eq!(
        s.expiry(),
        Expiry::At(clock.now() + Duration::from_secs(899))
    );
}

#[tokio::test]
async fn a_bad_password_is_invalid_credentials_and_is_not_retried() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/ota/oauth/token");
            then.status(400)
                .header("content-type", "application/json")
                .body(r#"{"error":"invalid_grant","error_description":"Bad credentials"}"#);
        })
        .await;
    let m = manager(mock_provider(&server, &clock).build().unwrap(), &clock);
    let e = m.get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("invalid_grant"));
    let e = m.get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(
        mock.calls_async().await,
        1,
        "the manager remembers bad credentials"
    );
}

#[tokio::test]
async fn a_bad_client_secret_is_a_configuration_error() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/ota/oauth/token");
            then.status(401)
                .header("content-type", "application/json")
                .header(
                    "www-authenticate",
                    r#"Bearer realm="oauth", error="invalid_client""#,
                )
                .body(r#"{"error":"invalid_client","error_description":"Bad client credentials"}"#);
        })
        .await;
    let e = mock_provider(&server, &clock)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(e.code(), Some("invalid_client"));
}

#[tokio::test]
async fn authorize_sets_a_sensitive_bearer_header() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/ota/oauth/token");
            then.status(200)
                .header("content-type", "application/json")
                .body(token_body(TOKEN, TOKEN, 900));
        })
        .await;
    let m = manager(mock_provider(&server, &clock).build().unwrap(), &clock);
    for _ in 0..3 {
        let mut headers = http::HeaderMap::new();
        authorize(&m, &mut headers).await.unwrap();
        let v = &headers[http::header::AUTHORIZATION];
        assert_eq!(v, &format!("Bearer {TOKEN}"));
        assert!(v.is_sensitive());
        assert_eq!(headers.len(), 1);
    }
    assert_eq!(
        token.calls_async().await,
        1,
        "one login serves every request"
    );
}

#[tokio::test]
async fn authorize_refuses_to_overwrite_an_authorization_header() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/ota/oauth/token");
            then.status(200)
                .header("content-type", "application/json")
                .body(token_body(TOKEN, TOKEN, 900));
        })
        .await;
    let m = manager(mock_provider(&server, &clock).build().unwrap(), &clock);
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::AUTHORIZATION, "Bearer other".parse().unwrap());
    let e = authorize(&m, &mut headers).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(headers[http::header::AUTHORIZATION], "Bearer other");
}
