//! The simulator's own behaviour, seen through the provider.

use std::time::Duration;

use session_core::test_util::ManualClock;
use session_pagos::{
    AccessToken, ClientCredentials, ErrorKind, HttpFailure, PagosFailure, PagosFault,
    PagosProvider, SessionProvider, SimFault, SimOp, TokenSource,
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
    let provider = PagosProvider::builder(
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
    assert_eq!(sim.calls(SimOp::Token), 1);
    assert_eq!(sim.calls(SimOp::Open), 0);
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
        PagosProvider::builder(sim.base_url(), APP, TokenSource::fixed(AccessToken::new(v)))
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
    assert_eq!(sim.calls(SimOp::Open), 3);
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
            SimFault::HtmlPage,
            ErrorKind::Unavailable,
            Some(HttpFailure::GatewayPage),
        ),
        (
            SimFault::Status(502),
            ErrorKind::Unavailable,
            Some(HttpFailure::Status(502)),
        ),
        (
            SimFault::Malformed,
            ErrorKind::UnexpectedResponse,
            Some(HttpFailure::MalformedBody),
        ),
        (
            SimFault::Provider(PagosFault::NilSessionId),
            ErrorKind::UnexpectedResponse,
            None,
        ),
        (
            SimFault::Provider(PagosFault::Refused),
            ErrorKind::InvalidCredentials,
            None,
        ),
        (
            SimFault::RateLimited {
                retry_after: Some(std::time::Duration::from_secs(7)),
            },
            ErrorKind::RateLimited,
            Some(HttpFailure::Status(429)),
        ),
    ];
    for (failure, kind, http) in cases {
        sim.fail_next(SimOp::Open, failure.clone());
        let e = provider.login().await.expect_err("scripted");
        assert_eq!((e.kind(), e.http_failure()), (kind, http), "{failure:?}");
    }
    assert_eq!(sim.calls(SimOp::Open), 6);
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

#[tokio::test(flavor = "multi_thread")]
async fn the_provider_builder_logs_in_and_the_log_holds_the_exact_requests() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let provider = sim.provider_builder().build().unwrap();
    let session = provider.login().await.unwrap();
    assert!(sim.is_open(session.session_id().expose_secret()));
    assert_eq!((sim.calls(SimOp::Token), sim.calls(SimOp::Open)), (1, 1));

    let log = sim.requests();
    let ops: Vec<SimOp> = log.iter().map(|r| r.op).collect();
    assert_eq!(ops, [SimOp::Token, SimOp::Open]);
    let token = &log[0].request;
    assert_eq!(token.line(), "POST /token");
    let form = token.form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(
        (form["client_id"].as_str(), form["client_secret"].as_str()),
        (CLIENT_ID, crate::support::CLIENT_SECRET)
    );
    let open = &log[1].request;
    assert_eq!(open.line(), "POST /Api/Applications/OpenDedicatedSession");
    assert!(
        open.header("authorization")
            .unwrap()
            .starts_with(&format!("Bearer {}", sim.token_prefix()))
    );
    assert_eq!(open.json()["ApplicationKey"], APP);
    let shown = format!("{log:?}");
    assert!(!shown.contains(crate::support::CLIENT_SECRET), "{shown}");
    assert!(!shown.contains(&sim.token_prefix()), "{shown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn transport_faults_reach_the_provider_as_core_kinds() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let provider = sim
        .provider_builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let cases = [
        (SimFault::Drop, ErrorKind::Unavailable),
        (SimFault::Hang, ErrorKind::Timeout),
        (SimFault::Delay(Duration::from_secs(30)), ErrorKind::Timeout),
    ];
    for (fault, kind) in cases {
        sim.fail_next(SimOp::Open, fault.clone());
        let e = provider.login().await.expect_err("scripted");
        assert_eq!(e.kind(), kind, "{fault:?}: {e:?}");
    }
    sim.fail_next(SimOp::Open, SimFault::Truncated);
    let e = provider.login().await.expect_err("truncated");
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Unavailable | ErrorKind::UnexpectedResponse
        ),
        "{e:?}"
    );
    assert_eq!(sim.calls(SimOp::Open), 4);
    provider.login().await.expect("the script is used up");
}
