//! Expiry with the manual clock: due sessions are replaced, old ones closed when released.

use std::time::Duration;

use session_core::test_util::ManualClock;
use session_pagos::{DEFAULT_SESSION_TTL, Expiry, PagosClient, PagosSim, Session, SimOp};

use crate::support::{APP, CLIENT_ID, CLIENT_SECRET, eventually, sim_config, start_sim};

#[tokio::test(flavor = "multi_thread")]
async fn a_due_session_is_replaced_and_the_old_one_closed_when_released() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let client = PagosClient::new(sim_config(&sim, &clock).build().unwrap());
    let t0 = clock.now();
    let first = client.session().await.unwrap();
    assert_eq!(first.expiry(), Expiry::At(t0 + DEFAULT_SESSION_TTL));
    let first_id = first.session_id().expose_secret().to_owned();
    drop(first);

    clock.advance(DEFAULT_SESSION_TTL - Duration::from_secs(1));
    let second = client.session().await.unwrap();
    assert_ne!(second.session_id().expose_secret(), first_id);
    assert_eq!(sim.calls(SimOp::Open), 2);
    assert_eq!(sim.calls(SimOp::Token), 1, "the token is still good");
    assert!(
        eventually(|| !sim.is_open(&first_id)).await,
        "old session closed"
    );
    assert!(sim.is_open(second.session_id().expose_secret()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_bound_to_an_expiring_token_is_replaced_with_a_new_token() {
    let clock = ManualClock::new();
    let sim = PagosSim::builder()
        .clock(clock.shared())
        .client(CLIENT_ID, CLIENT_SECRET)
        .application(APP)
        .token_ttl(Duration::from_secs(300))
        .start()
        .await
        .unwrap();
    let client = PagosClient::new(sim_config(&sim, &clock).session_ttl(None).build().unwrap());
    let t0 = clock.now();
    let first = client.session().await.unwrap();
    assert_eq!(first.expiry(), Expiry::At(t0 + Duration::from_secs(300)));
    let first_generation = first.token_generation();
    drop(first);
    clock.advance(Duration::from_secs(301));
    let second = client.session().await.unwrap();
    assert!(second.token_generation() > first_generation);
    assert_eq!(sim.calls(SimOp::Token), 2);
    assert_eq!(sim.calls(SimOp::Open), 2);
    let reply = client.get_result(serde_json::json!({})).await.unwrap();
    assert_eq!(reply.body()["SessionOpen"], true);
}
