//! Authenticated requests against the simulator: [`PagosClient`]'s retry-once rule for calls that
//! carry the `SessionId` in their body (100 concurrent calls on a refused token → one new token,
//! one new session; `call_once` → `SessionRejected` after one request), `SessionMiddleware` over
//! the token manager for bearer-only requests, and nothing secret in the logs.

use serde_json::json;
use session_core::test_util::{ManualClock, capture_logs};
use session_pagos::{
    ClientCredentials, ErrorKind, PagosClient, PagosProvider, PagosSim, Repeatable,
    SessionMiddleware, SimOp, TokenSource,
};

use crate::support::{APP, CLIENT_ID, CLIENT_SECRET, eventually};

/// The start of every token this module's simulators issue.
const TOKEN_PREFIX: &str = "TOK-SENTINEL-mw-";

async fn start(clock: &ManualClock) -> PagosSim {
    PagosSim::builder()
        .clock(clock.shared())
        .client(CLIENT_ID, CLIENT_SECRET)
        .application(APP)
        .token_prefix(TOKEN_PREFIX)
        .start()
        .await
        .expect("simulator starts")
}

fn client(sim: &PagosSim, clock: &ManualClock) -> PagosClient {
    let provider = PagosProvider::builder(
        sim.base_url(),
        APP,
        TokenSource::client_credentials(
            sim.token_url(),
            ClientCredentials::new(CLIENT_ID, CLIENT_SECRET),
        ),
    )
    .allow_insecure_loopback(true)
    .clock(clock.shared())
    .build()
    .expect("valid config");
    PagosClient::new(provider)
}

fn secrets(sim: &PagosSim) -> Vec<String> {
    vec![
        CLIENT_SECRET.to_owned(),
        APP.to_owned(),
        TOKEN_PREFIX.to_owned(),
        sim.session_id_prefix(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_calls_on_a_refused_token_cause_one_new_token_and_one_new_session() {
    let logs = capture_logs();
    let clock = ManualClock::new();
    let sim = start(&clock).await;
    let client = client(&sim, &clock);
    let first = client.session().await.unwrap();
    let first_generation = first.generation();
    drop(first);
    assert_eq!((sim.calls(SimOp::Token), sim.calls(SimOp::Open)), (1, 1));
    sim.revoke_tokens();

    let mut tasks = Vec::new();
    for i in 0..100 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client
                .get_result(json!({ "Inputs": [{ "Ref": "N", "Value": [[i.to_string()]] }] }))
                .await
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let reply = task
            .await
            .unwrap()
            .expect("every call succeeds once resent");
        assert!(reply.is_success(), "call {i}");
        assert_eq!(
            reply.body()["SessionOpen"],
            true,
            "call {i} was resent with the new, open session"
        );
    }
    assert_eq!(
        sim.calls(SimOp::Token),
        2,
        "one token before, exactly one new token for 100 refusals"
    );
    assert_eq!(
        sim.calls(SimOp::Open),
        2,
        "one session before, exactly one re-open"
    );
    let sent = sim.calls(SimOp::GetResult);
    assert!(
        (100..=200).contains(&sent),
        "each call is sent once or twice, not {sent}"
    );
    let second = client.session().await.unwrap();
    assert!(second.generation() > first_generation);
    assert!(sim.is_open(second.session_id().expose_secret()));
    drop(second);
    // The refused session is closed in the background once its last lease is gone.
    assert!(eventually(|| sim.open_sessions() == 1).await);
    logs.assert_clean(&secrets(&sim));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_once_on_a_refused_token_is_session_rejected_after_one_request() {
    let logs = capture_logs();
    let clock = ManualClock::new();
    let sim = start(&clock).await;
    let client = client(&sim, &clock);
    client.get_result(json!({})).await.unwrap();
    sim.revoke_tokens();

    let e = client
        .call_once("GetResult", json!({ "Inputs": [] }))
        .await
        .expect_err("refused, not resent");
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(e.code(), Some("INVALID_TOKEN"));
    assert_eq!(
        sim.calls(SimOp::GetResult),
        2,
        "sent once after the warm-up"
    );
    assert_eq!(
        (sim.calls(SimOp::Token), sim.calls(SimOp::Open)),
        (1, 1),
        "no new token or session for the failed call"
    );
    assert!(
        client.manager().cached().is_none(),
        "the session was dropped"
    );
    assert!(
        client
            .manager()
            .provider()
            .token_manager()
            .cached()
            .is_none(),
        "the refused token was dropped"
    );

    // The next call gets one new token and opens one new session, without a refused attempt.
    let reply = client.call_once("GetResult", json!({})).await.unwrap();
    assert!(reply.is_success());
    assert_eq!(reply.body()["SessionOpen"], true);
    assert_eq!((sim.calls(SimOp::Token), sim.calls(SimOp::Open)), (2, 2));
    assert_eq!(sim.calls(SimOp::GetResult), 3);
    logs.assert_clean(&secrets(&sim));
}

/// `SessionMiddleware` over the token manager, for requests that need only the bearer token.
fn bearer_client(pagos: &PagosClient) -> reqwest_middleware::ClientWithMiddleware {
    let tokens = pagos.manager().provider().token_manager().clone();
    reqwest_middleware::ClientBuilder::new(session_core::test_util::reqwest_client())
        .with(SessionMiddleware::new(tokens))
        .build()
}

fn get_result(
    http: &reqwest_middleware::ClientWithMiddleware,
    sim: &PagosSim,
    repeatable: bool,
) -> reqwest_middleware::RequestBuilder {
    let request = http
        .post(format!("{}/Api/Applications/GetResult", sim.base_url()))
        .header("content-type", "application/json")
        .body(json!({ "ApplicationKey": APP, "Inputs": [] }).to_string());
    if repeatable {
        request.with_extension(Repeatable)
    } else {
        request
    }
}

async fn body(resp: reqwest::Response) -> serde_json::Value {
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_middleware_over_the_token_manager_renews_a_refused_token_once_for_a_hundred_requests()
{
    let logs = capture_logs();
    let clock = ManualClock::new();
    let sim = start(&clock).await;
    let pagos = client(&sim, &clock);
    let http = bearer_client(&pagos);
    let warm = get_result(&http, &sim, true).send().await.unwrap();
    assert_eq!(body(warm).await["Success"], true);
    assert_eq!(sim.calls(SimOp::Token), 1);
    sim.revoke_tokens();

    let mut tasks = Vec::new();
    for _ in 0..100 {
        let request = get_result(&http, &sim, true);
        tasks.push(tokio::spawn(async move {
            body(request.send().await.unwrap()).await
        }));
    }
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply["Success"], true, "InvalidToken on 200 was recovered");
        assert_eq!(reply["SessionOpen"], serde_json::Value::Null);
    }
    assert_eq!(sim.calls(SimOp::Token), 2, "exactly one new token");
    assert_eq!(sim.calls(SimOp::Open), 0, "no dedicated session involved");
    let sent = sim.calls(SimOp::GetResult) - 1;
    assert!((100..=200).contains(&sent), "sent {sent}");

    // Not marked repeatable: a typed error after one request.
    sim.revoke_tokens();
    let before = sim.calls(SimOp::GetResult);
    let err = get_result(&http, &sim, false).send().await.unwrap_err();
    let reqwest_middleware::Error::Middleware(inner) = err else {
        panic!("expected a middleware error, got a transport error")
    };
    let core = inner
        .downcast_ref::<session_pagos::Error>()
        .expect("a session_core::Error");
    assert_eq!(core.kind(), ErrorKind::SessionRejected);
    assert_eq!(sim.calls(SimOp::GetResult) - before, 1);
    assert_eq!(sim.calls(SimOp::Token), 2, "no token fetched for it");
    logs.assert_clean(&secrets(&sim));
}
