//! Later calls (`GetResult`): the session id in the JSON body, and the retry-once rule.

use httpmock::prelude::*;
use serde_json::json;
use session_core::test_util::ManualClock;
use session_pagos::{
    AccessToken, ErrorKind, PagosClient, PagosFault, PagosProvider, PagosSim, SimFault, SimOp,
    TokenSource,
};

use crate::support::{APP, DOC_SESSION, DOC_TOKEN, SUCCESS, fixed_provider, sim_config, start_sim};

#[tokio::test]
async fn get_result_sends_the_session_id_in_the_json_body() {
    let server = MockServer::start_async().await;
    let open = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession");
            then.status(200)
                .header("content-type", "application/json")
                .body(SUCCESS);
        })
        .await;
    let get_result = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/GetResult")
                .header("authorization", format!("Bearer {DOC_TOKEN}"))
                .header("content-type", "application/json")
                .header_missing("sessionid")
                .json_body(json!({
                    "ApplicationKey": APP,
                    "Inputs": [{ "Ref": "Input1", "Value": [["12"]] }],
                    "Outputs": ["Total"],
                    "SessionId": DOC_SESSION,
                }));
            then.status(200).header("content-type", "application/json").body(
                r#"{"Success":true,"Messages":[],"Outputs":[{"Ref":"Total","Value":[["24"]]}]}"#,
            );
        })
        .await;
    let client = PagosClient::new(fixed_provider(&server.base_url(), DOC_TOKEN));
    let reply = client
        .get_result(json!({
            "Inputs": [{ "Ref": "Input1", "Value": [["12"]] }],
            "Outputs": ["Total"],
        }))
        .await
        .expect("call succeeds");
    assert!(reply.is_success());
    assert_eq!(reply.body()["Outputs"][0]["Value"][0][0], "24");
    open.assert_calls_async(1).await;
    get_result.assert_calls_async(1).await;
}

#[tokio::test]
async fn an_unsuccessful_reply_is_returned_not_an_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession");
            then.status(200)
                .header("content-type", "application/json")
                .body(SUCCESS);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/Api/Applications/GetResult");
            then.status(200).header("content-type", "application/json").body(
                r#"{"Success":false,"InvalidToken":false,"Messages":["Input1 is not a valid reference."]}"#,
            );
        })
        .await;
    let client = PagosClient::new(fixed_provider(&server.base_url(), DOC_TOKEN));
    let reply = client.get_result(json!({})).await.unwrap();
    assert!(!reply.is_success());
    assert_eq!(reply.messages(), ["Input1 is not a valid reference."]);
}

#[tokio::test(flavor = "multi_thread")]
async fn get_result_reports_the_session_open_in_the_simulator() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let client = PagosClient::new(sim_config(&sim, &clock).build().unwrap());
    let session = client.session().await.unwrap();
    assert!(sim.is_open(session.session_id().expose_secret()));
    // Futures of the client are Send: they can be spawned.
    let spawned = tokio::spawn({
        let client = client.clone();
        async move { client.get_result(json!({ "Outputs": [] })).await }
    });
    let reply = spawned.await.unwrap().unwrap();
    assert_eq!(reply.body()["SessionOpen"], true);
    assert_eq!(sim.calls(SimOp::GetResult), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_token_on_a_call_renews_token_and_session_and_retries_once() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let client = PagosClient::new(sim_config(&sim, &clock).build().unwrap());
    let first = client.session().await.unwrap();
    sim.revoke_tokens();
    let reply = client.get_result(json!({})).await.expect("retried");
    assert!(reply.is_success());
    assert_eq!(reply.body()["SessionOpen"], true);
    assert_eq!(sim.calls(SimOp::Token), 2);
    assert_eq!(sim.calls(SimOp::Open), 2);
    assert_eq!(sim.calls(SimOp::GetResult), 2);
    let second = client.session().await.unwrap();
    assert!(second.generation() > first.generation());
    assert!(second.token_generation() > first.token_generation());
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_token_twice_on_a_call_is_session_rejected() {
    let clock = ManualClock::new();
    let sim = start_sim(&clock).await;
    let client = PagosClient::new(sim_config(&sim, &clock).build().unwrap());
    sim.fail_next(
        SimOp::GetResult,
        SimFault::Provider(PagosFault::InvalidToken),
    );
    sim.fail_next(
        SimOp::GetResult,
        SimFault::Provider(PagosFault::InvalidToken),
    );
    let e = client
        .get_result(json!({}))
        .await
        .expect_err("refused twice");
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(sim.calls(SimOp::GetResult), 2);
    assert_eq!(sim.calls(SimOp::Token), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fixed_token_refused_on_a_call_is_session_rejected_without_retry() {
    let clock = ManualClock::new();
    let sim = PagosSim::builder()
        .clock(clock.shared())
        .application(APP)
        .static_token("FIXED-SENTINEL-42aa")
        .start()
        .await
        .unwrap();
    let provider = PagosProvider::builder(
        sim.base_url(),
        APP,
        TokenSource::fixed(AccessToken::new("FIXED-SENTINEL-42aa")),
    )
    .allow_insecure_loopback(true)
    .clock(clock.shared())
    .build()
    .unwrap();
    let client = PagosClient::new(provider);
    client.session().await.unwrap();
    sim.revoke_tokens();
    let e = client
        .get_result(json!({}))
        .await
        .expect_err("fixed token refused");
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(sim.calls(SimOp::GetResult), 1);
    assert_eq!(sim.calls(SimOp::Open), 1);
    assert_eq!(sim.calls(SimOp::Token), 0);
}

#[tokio::test]
async fn bad_method_names_and_bodies_are_configuration_errors() {
    let server = MockServer::start_async().await;
    let open = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/Api/Applications/OpenDedicatedSession");
            then.status(200)
                .header("content-type", "application/json")
                .body(SUCCESS);
        })
        .await;
    let client = PagosClient::new(fixed_provider(&server.base_url(), DOC_TOKEN));
    let e = client.call("../Sites/x", json!({})).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = client.call("GetResult", json!("text")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    open.assert_calls_async(1).await;
}
