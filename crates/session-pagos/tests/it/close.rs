//! Closing: explicit logout with the exact request, close on drop, and close failures.

use httpmock::prelude::*;
use session_core::test_util::ManualClock;
use session_pagos::{PagosClient, PagosFault, SessionManager, SessionProvider, SimFault, SimOp};

use crate::support::{APP, DOC_TOKEN, eventually, fixed_provider, sim_config, start_sim};

const UPPER: &str = "25EAE3AE-755E-4B3C-AA48-D7F096F6A2A7";

#[tokio::test]
async fn logout_sends_the_exact_close_request_with_the_id_as_received() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession");
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"SessionId":"{UPPER}","Success":true,"Messages":[]}}"#
                ));
        })
        .await;
    let close = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/CloseDedicatedSession")
                .header("authorization", format!("Bearer {DOC_TOKEN}"))
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"ApplicationKey":"{APP}","SessionId":"{UPPER}"}}"#
                ));
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"Success":true,"Messages":[]}"#);
        })
        .await;
    let manager = SessionManager::new(fixed_provider(&server.base_url(), DOC_TOKEN));
    let lease = manager.get().await.unwrap();
    assert_eq!(lease.session_id().expose_secret(), UPPER);
    manager.logout().await.expect("closed");
    assert!(lease.is_closed());
    drop(lease);
    close.assert_calls_async(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_closes_the_session_upstream_once() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let client = PagosClient::new(sim_config(&sim, &clock).build().unwrap());
    let lease = client.session().await.unwrap();
    assert_eq!(sim.open_sessions(), 1);
    client.logout().await.unwrap();
    drop(lease);
    drop(client);
    assert_eq!(sim.open_sessions(), 0);
    tokio::task::yield_now().await;
    assert_eq!(sim.calls(SimOp::Close), 1, "no second close on drop");
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_last_reference_closes_the_session_in_the_background() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let client = PagosClient::new(sim_config(&sim, &clock).build().unwrap());
    let lease = client.session().await.unwrap();
    assert!(client.manager().invalidate(&lease));
    assert_eq!(sim.calls(SimOp::Close), 0, "still referenced by the lease");
    drop(lease);
    assert!(
        eventually(|| sim.open_sessions() == 0).await,
        "closed on drop"
    );
    assert_eq!(sim.calls(SimOp::Close), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn close_on_drop_can_be_turned_off() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let provider = sim_config(&sim, &clock)
        .close_on_drop(None)
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    drop(session);
    tokio::task::yield_now().await;
    assert_eq!(sim.calls(SimOp::Close), 0);
    assert_eq!(sim.open_sessions(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_a_session_pagos_already_forgot_is_ok() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let provider = sim_config(&sim, &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    sim.fail_next(SimOp::Close, SimFault::Provider(PagosFault::Refused));
    provider
        .logout(&session)
        .await
        .expect("already gone counts as closed");
    // A second logout of the same session sends nothing.
    provider.logout(&session).await.unwrap();
    assert_eq!(sim.calls(SimOp::Close), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn close_with_a_refused_token_renews_it_and_retries_once() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let provider = sim_config(&sim, &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    sim.fail_next(SimOp::Close, SimFault::Provider(PagosFault::InvalidToken));
    provider.logout(&session).await.expect("retried");
    assert_eq!(sim.calls(SimOp::Close), 2);
    assert_eq!(sim.calls(SimOp::Token), 2);
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn close_failures_are_reported() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let provider = sim_config(&sim, &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    sim.fail_next(SimOp::Close, SimFault::Status(502));
    let e = provider.logout(&session).await.unwrap_err();
    assert_eq!(e.kind(), session_pagos::ErrorKind::Unavailable);
}
