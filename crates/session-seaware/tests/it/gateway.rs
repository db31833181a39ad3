//! The gateway layer and the extra-headers hook: a second managed bearer in its own header, and
//! no silent collision with the session bearer.

use http::HeaderName;
use httpmock::prelude::*;
use session_core::http::HttpClient;
use session_core::test_util::ManualClock;
use session_seaware::{
    AccessToken, ClientCredentials, ClientCredentialsProvider, ErrorKind, Gateway, SessionManager,
    SessionMode, SessionProvider, StaticToken, StaticTokenProvider, authorize,
};

use crate::support::*;

const GATEWAY_TOKEN: &str = "GW-SENTINEL-3D9A";
const GATEWAY_SECRET: &str = "GS-SENTINEL-6B21";

fn gw_header() -> HeaderName {
    HeaderName::from_static("x-gateway-authorization")
}

fn static_gateway(header: HeaderName) -> Gateway {
    Gateway::new(
        SessionManager::new(StaticTokenProvider::new(
            "gateway",
            StaticToken::bearer(AccessToken::new(GATEWAY_TOKEN)),
        )),
        header,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managed_gateway_token_rides_in_its_own_header_next_to_the_session_bearer() {
    let clock = ManualClock::new();
    // The gateway: an Auth0-like client-credentials endpoint.
    let auth0 = MockServer::start_async().await;
    let gw_token = auth0
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!(
                    "client_id=partner&client_secret={GATEWAY_SECRET}&grant_type=client_credentials"
                ));
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"access_token":"{GATEWAY_TOKEN}","token_type":"Bearer","expires_in":86400}}"#
                ));
        })
        .await;
    let gw_provider = ClientCredentialsProvider::new(
        "auth0",
        HttpClient::builder("auth0")
            .allow_insecure_loopback(true)
            .build()
            .unwrap(),
        url::Url::parse(&auth0.url("/oauth/token")).unwrap(),
        ClientCredentials::new("partner", GATEWAY_SECRET),
    )
    .with_clock(clock.shared());
    let gateway_manager = SessionManager::builder(gw_provider)
        .clock(clock.shared())
        .build();

    // Seaware behind the gateway.
    let seaware = MockServer::start_async().await;
    let login = seaware
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ota/oauth/token")
                .header("x-gateway-authorization", format!("Bearer {GATEWAY_TOKEN}"))
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "application/json")
                .body(token_body(TOKEN, TOKEN, 900));
        })
        .await;
    let logout = seaware
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ota/oauth/logout")
                .header("x-gateway-authorization", format!("Bearer {GATEWAY_TOKEN}"))
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"status":"success"}"#);
        })
        .await;
    let provider = mock_provider(&seaware, &clock)
        .gateway(Gateway::new(gateway_manager, gw_header()))
        .build()
        .unwrap();
    let m = manager(provider, &clock);
    for _ in 0..3 {
        let mut headers = http::HeaderMap::new();
        authorize(&m, &mut headers).await.unwrap();
        assert_eq!(
            headers[http::header::AUTHORIZATION],
            format!("Bearer {TOKEN}").as_str()
        );
        let gw = &headers["x-gateway-authorization"];
        assert_eq!(gw, format!("Bearer {GATEWAY_TOKEN}").as_str());
        assert!(gw.is_sensitive());
        assert_eq!(headers.len(), 2);
    }
    m.logout().await.unwrap();
    assert_eq!(login.calls_async().await, 1);
    assert_eq!(logout.calls_async().await, 1);
    assert_eq!(
        gw_token.calls_async().await,
        1,
        "the gateway session is managed: one token"
    );
}

#[tokio::test]
async fn a_gateway_in_authorization_is_refused_while_sessions_are_on() {
    let e = remote_builder()
        .gateway(static_gateway(http::header::AUTHORIZATION))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(e.to_string().contains("authorization"));
}

fn remote_builder() -> session_seaware::SeawareBuilder {
    session_seaware::SeawareProvider::builder("https://bookings.example.com")
        .credentials(USER, PASSWORD)
}

#[tokio::test]
async fn a_gateway_in_authorization_is_allowed_for_session_less_accounts() {
    let provider = session_seaware::SeawareProvider::builder("https://bookings.example.com")
        .session_mode(SessionMode::SessionLess)
        .gateway(static_gateway(http::header::AUTHORIZATION))
        .build()
        .unwrap();
    let m = SessionManager::new(provider);
    let mut headers = http::HeaderMap::new();
    let lease = authorize(&m, &mut headers).await.unwrap();
    assert!(lease.is_session_less());
    assert_eq!(
        headers[http::header::AUTHORIZATION],
        format!("Bearer {GATEWAY_TOKEN}").as_str()
    );
    assert_eq!(headers.len(), 1);
}

#[tokio::test]
async fn extra_headers_that_set_authorization_are_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .header("content-type", "application/json")
                .body(token_body(TOKEN, TOKEN, 900));
        })
        .await;
    let provider = mock_provider(&server, &clock)
        .extra_headers(|h| {
            h.insert(http::header::AUTHORIZATION, "Bearer other".parse().unwrap());
        })
        .build()
        .unwrap();
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn extra_headers_colliding_with_the_gateway_header_are_refused() {
    let provider = remote_builder()
        .gateway(static_gateway(gw_header()))
        .extra_headers(|h| {
            h.insert("x-gateway-authorization", "x".parse().unwrap());
        })
        .build()
        .unwrap();
    let mut headers = http::HeaderMap::new();
    let e = provider
        .add_gateway_headers(&mut headers)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(headers.is_empty());
}

#[tokio::test]
async fn extra_headers_go_with_token_logout_and_message_requests() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ota/oauth/token")
                .header("x-api-version", "2");
            then.status(200)
                .header("content-type", "application/json")
                .body(token_body(TOKEN, TOKEN, 900));
        })
        .await;
    let logout = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ota/oauth/logout")
                .header("x-api-version", "2");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"status":"success"}"#);
        })
        .await;
    let provider = mock_provider(&server, &clock)
        .extra_headers(|h| {
            h.insert("x-api-version", "2".parse().unwrap());
        })
        .build()
        .unwrap();
    let m = manager(provider, &clock);
    let mut headers = http::HeaderMap::new();
    authorize(&m, &mut headers).await.unwrap();
    assert_eq!(headers["x-api-version"], "2");
    m.logout().await.unwrap();
    assert_eq!(login.calls_async().await, 1);
    assert_eq!(logout.calls_async().await, 1);
}

#[tokio::test]
async fn a_failing_gateway_fails_the_login_with_its_own_kind() {
    let clock = ManualClock::new();
    let auth0 = MockServer::start_async().await;
    auth0
        .mock_async(|when, then| {
            when.any_request();
            then.status(401)
                .header("content-type", "application/json")
                .body(r#"{"error":"access_denied","error_description":"Unauthorized"}"#);
        })
        .await;
    let gw_provider = ClientCredentialsProvider::new(
        "auth0",
        HttpClient::builder("auth0")
            .allow_insecure_loopback(true)
            .build()
            .unwrap(),
        url::Url::parse(&auth0.url("/oauth/token")).unwrap(),
        ClientCredentials::new("partner", GATEWAY_SECRET),
    );
    let seaware = MockServer::start_async().await;
    let provider = mock_provider(&seaware, &clock)
        .gateway(Gateway::new(SessionManager::new(gw_provider), gw_header()))
        .build()
        .unwrap();
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AccountRestricted);
    assert_eq!(e.provider(), "auth0");
}
