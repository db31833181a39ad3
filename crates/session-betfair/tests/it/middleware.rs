//! `SessionMiddleware` (feature `middleware`) against the simulator's API-NG stand-in: one login
//! for any number of concurrent `INVALID_SESSION_INFORMATION` answers (JSON-RPC on HTTP 200, REST
//! faults on HTTP 400), resend only for repeatable requests, and no token in the logs.

use session_betfair::{
    BetfairProvider, BetfairSim, ErrorKind, Repeatable, SessionManager, SessionMiddleware, SimOp,
};
use session_core::test_util::{ManualClock, capture_logs};

use crate::support::*;

struct Fixture {
    sim: BetfairSim,
    manager: SessionManager<BetfairProvider>,
    client: reqwest_middleware::ClientWithMiddleware,
    _clock: ManualClock,
}

async fn start() -> Fixture {
    let clock = ManualClock::new();
    let sim = BetfairSim::builder()
        .clock(clock.shared())
        .account(USER, PASSWORD)
        .start()
        .await
        .unwrap();
    let manager =
        SessionManager::builder(interactive(&sim.identity_url(), &clock).build().unwrap())
            .clock(clock.shared())
            .build();
    let client = reqwest_middleware::ClientBuilder::new(session_core::test_util::reqwest_client())
        .with(SessionMiddleware::new(manager.clone()))
        .build();
    Fixture {
        sim,
        manager,
        client,
        _clock: clock,
    }
}

/// A JSON-RPC `getAccountDetails` call with `id`, marked repeatable or not.
fn json_rpc(f: &Fixture, id: u64, repeatable: bool) -> reqwest_middleware::RequestBuilder {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "method": "AccountAPING/v1.0/getAccountDetails",
        "params": {},
        "id": id,
    });
    let request = f
        .client
        .post(f.sim.json_rpc_url())
        .header("content-type", "application/json")
        .body(body.to_string());
    if repeatable {
        request.with_extension(Repeatable)
    } else {
        request
    }
}

async fn json(resp: reqwest::Response) -> serde_json::Value {
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

fn kind(err: reqwest_middleware::Error) -> ErrorKind {
    let reqwest_middleware::Error::Middleware(inner) = err else {
        panic!("expected a middleware error, got a transport error")
    };
    inner
        .downcast_ref::<session_betfair::Error>()
        .expect("a session_core::Error")
        .kind()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_calls_on_an_expired_session_cause_one_login_and_all_succeed() {
    let logs = capture_logs();
    let f = start().await;
    let warm = json_rpc(&f, 0, true).send().await.unwrap();
    assert_eq!(json(warm).await["result"]["user"], USER);
    assert_eq!(f.sim.logins(), 1);
    f.sim.expire_all_sessions();
    let before = f.sim.calls(SimOp::Api);

    let mut tasks = Vec::new();
    for i in 1..=100 {
        let request = json_rpc(&f, i, true);
        tasks.push(tokio::spawn(async move {
            let resp = request.send().await.unwrap();
            (resp.status(), json(resp).await)
        }));
    }
    for (i, task) in (1..=100).zip(tasks) {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(body["id"], i, "the caller reads the resent answer");
        assert_eq!(
            body["result"]["user"], USER,
            "call {i} succeeds once resent"
        );
    }
    assert_eq!(
        f.sim.logins(),
        2,
        "one login before, exactly one re-login for 100 rejections"
    );
    let sent = f.sim.calls(SimOp::Api) - before;
    assert!(
        (100..=200).contains(&sent),
        "each call is sent once or twice, not {sent}"
    );
    assert_eq!(f.sim.active_sessions(), 1);
    logs.assert_clean(&secrets());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_call_not_marked_repeatable_is_session_rejected_after_one_request() {
    let logs = capture_logs();
    let f = start().await;
    json_rpc(&f, 0, true).send().await.unwrap();
    f.sim.expire_all_sessions();
    let before = f.sim.calls(SimOp::Api);

    let err = json_rpc(&f, 1, false).send().await.unwrap_err();
    assert_eq!(kind(err), ErrorKind::SessionRejected);
    assert_eq!(f.sim.calls(SimOp::Api) - before, 1, "a POST is not resent");
    assert_eq!(f.sim.logins(), 1, "no login for the failed call");
    assert!(
        f.manager.cached().is_none(),
        "the rejected session was dropped"
    );

    let resp = json_rpc(&f, 2, false).send().await.unwrap();
    assert_eq!(json(resp).await["result"]["user"], USER);
    assert_eq!(f.sim.logins(), 2);
    logs.assert_clean(&secrets());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rest_fault_on_400_is_a_rejection_and_a_repeatable_call_is_resent() {
    let f = start().await;
    json_rpc(&f, 0, true).send().await.unwrap();
    f.sim.expire_all_sessions();
    let before = f.sim.calls(SimOp::Api);
    let resp = f
        .client
        .post(f.sim.rest_url("getAccountFunds"))
        .header("content-type", "application/json")
        .with_extension(Repeatable)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["user"], USER);
    assert_eq!(f.sim.calls(SimOp::Api) - before, 2);
    assert_eq!(f.sim.logins(), 2);
}
