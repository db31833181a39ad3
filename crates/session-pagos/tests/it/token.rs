//! The bearer token: client credentials in the form body, refusals, sharing, freshness.

use std::time::Duration;

use httpmock::prelude::*;
use session_core::test_util::ManualClock;
use session_pagos::{
    AccessToken, BearerSource, BearerToken, ClientCredentials, ErrorKind, Expiry, PagosBuilder,
    PagosProvider, Session, SessionManager, SessionProvider, StaticToken, StaticTokenProvider,
    TokenSource,
};

use crate::support::{APP, SUCCESS, shared};

const OPEN: &str = "/Api/Applications/OpenDedicatedSession";

fn cc_config(server: &MockServer, secret: &str) -> PagosBuilder {
    PagosProvider::builder(
        server.base_url(),
        APP,
        TokenSource::client_credentials(
            server.url("/token"),
            ClientCredentials::new("api key", secret),
        ),
    )
    .allow_insecure_loopback(true)
    .close_on_drop(None)
}

#[tokio::test]
async fn client_credentials_are_url_encoded_in_the_form_body() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .header_missing("authorization")
                .query_param_missing("client_secret")
                .body("client_id=api+key&client_secret=CS-SENTINEL-7f3a%26%3D+x&grant_type=client_credentials");
            then.status(200).header("content-type", "application/json").body(
                r#"{"access_token":"AT-SENTINEL-0b9c","token_type":"Bearer","expires_in":"3600"}"#,
            );
        })
        .await;
    let open = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(OPEN)
                .header("authorization", "Bearer AT-SENTINEL-0b9c")
                .body(format!(r#"{{"ApplicationKey":"{APP}"}}"#));
            then.status(200)
                .header("content-type", "application/json")
                .body(SUCCESS);
        })
        .await;
    let provider = cc_config(&server, "CS-SENTINEL-7f3a&= x").build().unwrap();
    let session = provider.login().await.expect("opens");
    token.assert_calls_async(1).await;
    open.assert_calls_async(1).await;
    assert!(session.token().is_renewable());
    let shown = format!("{provider:?} {session:?}");
    assert!(!shown.contains("CS-SENTINEL-7f3a"));
    assert!(!shown.contains("AT-SENTINEL-0b9c"));
}

#[tokio::test]
async fn basic_client_auth_can_be_chosen() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/token")
                // base64("id:secret")
                .header("authorization", "Basic aWQ6c2VjcmV0")
                .body("grant_type=client_credentials");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token":"AT-1","expires_in":60}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(OPEN)
                .header("authorization", "Bearer AT-1");
            then.status(200)
                .header("content-type", "application/json")
                .body(SUCCESS);
        })
        .await;
    let provider = PagosProvider::builder(
        server.base_url(),
        APP,
        TokenSource::client_credentials(
            server.url("/token"),
            ClientCredentials::new("id", "secret"),
        )
        .with_basic_auth(true),
    )
    .allow_insecure_loopback(true)
    .close_on_drop(None)
    .build()
    .unwrap();
    provider.login().await.expect("opens");
    token.assert_calls_async(1).await;
}

#[tokio::test]
async fn rejected_client_credentials_are_invalid_credentials_and_not_retried() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/token");
            then.status(401)
                .header("content-type", "application/json")
                .body(r#"{"error":"invalid_client","error_description":"bad secret CS-SENTINEL-dd01"}"#);
        })
        .await;
    let open = server
        .mock_async(|when, then| {
            when.method(POST).path(OPEN);
            then.status(200).body(SUCCESS);
        })
        .await;
    let manager = SessionManager::new(cc_config(&server, "CS-SENTINEL-dd01").build().unwrap());
    let e = manager.get().await.expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("invalid_client"));
    assert!(!format!("{e} {e:?}").contains("CS-SENTINEL-dd01"));
    manager.reset();
    let e = manager
        .get()
        .await
        .expect_err("the token manager remembers");
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    token.assert_calls_async(1).await;
    open.assert_calls_async(0).await;
    manager.provider().token_manager().reset();
    manager.reset();
    let _ = manager.get().await;
    token.assert_calls_async(2).await;
}

#[tokio::test]
async fn several_application_keys_share_one_token() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/token");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token":"AT-shared","expires_in":3600}"#);
        })
        .await;
    let open_one = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(OPEN)
                .header("authorization", "Bearer AT-shared")
                .body(format!(r#"{{"ApplicationKey":"{APP}"}}"#));
            then.status(200)
                .header("content-type", "application/json")
                .body(SUCCESS);
        })
        .await;
    let open_two = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(OPEN)
                .header("authorization", "Bearer AT-shared")
                .body(r#"{"ApplicationKey":"second-app"}"#);
            then.status(200).header("content-type", "application/json").body(
                r#"{"SessionId":"0f0f0f0f-1111-4222-8333-444455556666","Success":true,"Messages":[]}"#,
            );
        })
        .await;
    let one = cc_config(&server, "s").build().unwrap();
    let two = one.with_application_key("second-app").unwrap();
    let three = PagosProvider::builder(
        server.base_url(),
        "third-app",
        TokenSource::manager(one.token_manager().clone()),
    )
    .allow_insecure_loopback(true)
    .build()
    .unwrap();
    let a = one.login().await.unwrap();
    let b = two.login().await.unwrap();
    assert!(b.is_session("0F0F0F0F-1111-4222-8333-444455556666"));
    assert_eq!(a.token_generation(), b.token_generation());
    token.assert_calls_async(1).await;
    open_one.assert_calls_async(1).await;
    open_two.assert_calls_async(1).await;
    assert!(std::ptr::eq(
        three.token_manager().provider().as_ref(),
        one.token_manager().provider().as_ref()
    ));
    assert_ne!(one.store_key(), two.store_key());
    assert!(!one.store_key().contains(APP));
}

#[tokio::test]
async fn a_session_never_outlives_its_token_and_near_expiry_tokens_are_replaced() {
    let clock = ManualClock::new();
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/token");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token":"AT-600","expires_in":600}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(OPEN);
            then.status(200)
                .header("content-type", "application/json")
                .body(SUCCESS);
        })
        .await;
    let provider = cc_config(&server, "s")
        .clock(shared(&clock))
        .build()
        .unwrap();
    let t0 = clock.now();
    let first = provider.login().await.unwrap();
    assert_eq!(first.expiry(), Expiry::At(t0 + Duration::from_secs(600)));
    // 100 s before the token's end: not yet due for the token manager, but too close to open a
    // session on, so a new token is fetched first.
    clock.advance(Duration::from_secs(500));
    let second = provider.login().await.unwrap();
    token.assert_calls_async(2).await;
    assert!(second.token_generation() > first.token_generation());
    assert_eq!(
        second.expiry(),
        Expiry::At(t0 + Duration::from_secs(500 + 600))
    );
}

#[tokio::test]
async fn a_custom_token_provider_plugs_in() {
    let server = MockServer::start_async().await;
    let open = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(OPEN)
                .header("authorization", "Bearer custom-1");
            then.status(200)
                .header("content-type", "application/json")
                .body(SUCCESS);
        })
        .await;
    let source = std::sync::Arc::new(BearerSource::new(StaticTokenProvider::new(
        "custom",
        StaticToken::bearer(AccessToken::new("custom-1")),
    )));
    let provider = PagosProvider::builder(server.base_url(), APP, TokenSource::provider(source))
        .allow_insecure_loopback(true)
        .close_on_drop(None)
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    open.assert_calls_async(1).await;
    assert!(!session.token().is_renewable());
    let closure = session_core::provider_fn("closure", || async {
        Ok(BearerToken::new(AccessToken::new("c"), Expiry::Unknown))
    });
    let _ = TokenSource::provider(std::sync::Arc::new(closure));
}

#[test]
fn configuration_errors_are_reported_at_build() {
    let fixed = || TokenSource::fixed(AccessToken::new("t"));
    for (base, app) in [
        ("http://calc.example.com", APP),
        ("not a url", APP),
        ("https://user:pw@calc.example.com", APP),
        ("https://calc.example.com", ""),
    ] {
        let e = PagosProvider::builder(base, app, fixed())
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{base} {app}");
        assert!(!e.to_string().contains("pw"));
    }
    let e = PagosProvider::builder(
        "https://calc.example.com",
        APP,
        TokenSource::fixed(AccessToken::new("")),
    )
    .build()
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = PagosProvider::builder(
        "https://calc.example.com",
        APP,
        TokenSource::client_credentials(
            "http://idp.example.com/token",
            ClientCredentials::new("i", "s"),
        ),
    )
    .build()
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = PagosProvider::builder("https://calc.example.com", APP, fixed())
        .add_root_pem(b"not a pem")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}
