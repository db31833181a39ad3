//! The simulator's own behaviour, seen through the provider.

use std::time::Duration;

use session_core::test_util::ManualClock;
use session_pagos::{
    AccessToken, ClientCredentials, ErrorKind, HttpFailure, PagosConfig, PagosFailure,
    SessionProvider, SimFailure, SimOp, TokenSource,
};

use crate::support::{APP, CLIENT_ID, sim_config, start_sim};

#[tokio::test(flavor = "multi_thread")]
async fn unknown_application_keys_get_the_documented_refusal() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let provider = sim_config(&sim, &clock)
        .build()
        .unwrap()
        .with_application_key("ffffffffffffffffffffffffffffffff")
        .unwrap();
    let e = provider.login().await.expect_err("unknown app");
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(
        PagosFailure::of(&e).unwrap().messages(),
        ["The requested application is invalid."]
    );
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_client_secrets_are_refused_by_the_token_endpoint() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let provider = PagosConfig::new(
        sim.base_url(),
        APP,
        TokenSource::client_credentials(
            sim.token_url(),
            ClientCredentials::new(CLIENT_ID, "wrong"),
        ),
    )
    .allow_insecure_loopback(true)
    .build()
    .unwrap();
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(sim.count(SimOp::Token), 1);
    assert_eq!(sim.count(SimOp::Open), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_and_unknown_tokens_get_invalid_token() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let provider = sim_config(&sim, &clock).build().unwrap();
    let token = provider.token_manager().get().await.unwrap();
    let value = token.token().expose_secret().to_owned();
    assert!(value.starts_with(&sim.token_prefix()));
    let reuse = |v: &str| {
        PagosConfig::new(sim.base_url(), APP, TokenSource::fixed(AccessToken::new(v)))
            .allow_insecure_loopback(true)
            .clock(clock.shared())
            .close_on_drop(None)
            .build()
            .unwrap()
    };
    reuse(&value).login().await.expect("a live token works");
    clock.advance(Duration::from_secs(3600));
    let e = reuse(&value).login().await.expect_err("expired");
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert!(PagosFailure::of(&e).unwrap().invalid_token());
    let e = reuse("never-issued").login().await.expect_err("unknown");
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(sim.count(SimOp::Open), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn scripted_failures_map_to_core_kinds() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let provider = sim_config(&sim, &clock)
        .close_on_drop(None)
        .build()
        .unwrap();
    let cases = [
        (
            SimFailure::Html,
            ErrorKind::Unavailable,
            Some(HttpFailure::GatewayPage),
        ),
        (
            SimFailure::Status(502),
            ErrorKind::Unavailable,
            Some(HttpFailure::Status(502)),
        ),
        (
            SimFailure::Malformed,
            ErrorKind::UnexpectedResponse,
            Some(HttpFailure::MalformedBody),
        ),
        (
            SimFailure::NilSessionId,
            ErrorKind::UnexpectedResponse,
            None,
        ),
        (SimFailure::Refused, ErrorKind::InvalidCredentials, None),
        (
            SimFailure::RateLimited {
                retry_after_secs: 7,
            },
            ErrorKind::RateLimited,
            Some(HttpFailure::Status(429)),
        ),
    ];
    for (failure, kind, http) in cases {
        sim.script(SimOp::Open, failure);
        let e = provider.login().await.expect_err("scripted");
        assert_eq!((e.kind(), e.http_failure()), (kind, http), "{failure:?}");
    }
    assert_eq!(sim.count(SimOp::Open), 6);
    provider.login().await.expect("the script is used up");
}

#[tokio::test(flavor = "multi_thread")]
async fn session_ids_compare_case_insensitively() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let provider = sim_config(&sim, &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    let id = session.session_id().expose_secret().to_owned();
    assert!(id.starts_with(&sim.session_id_prefix()));
    assert!(sim.is_open(&id.to_uppercase()));
    assert!(session.is_session(&id.to_uppercase()));
    provider.logout(&session).await.unwrap();
    assert!(!sim.is_open(&id));
}
