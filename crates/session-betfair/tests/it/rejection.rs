//! Rejected sessions end to end: an API-NG call answered `INVALID_SESSION_INFORMATION` makes
//! callers invalidate the lease and retry once; many callers cause one re-login.

use session_betfair::{
    BetfairProvider, BetfairSession, BetfairSim, HttpResponse, Lease, Session, SessionManager,
    SessionProvider, is_session_rejection,
};
use session_core::http::HttpClient;
use session_core::test_util::ManualClock;

use crate::support::*;

async fn call(client: &HttpClient, url: &str, lease: &Lease<BetfairSession>) -> HttpResponse {
    let mut req = http::Request::post(url)
        .header("content-type", "application/json")
        .body(br#"{"jsonrpc":"2.0","method":"AccountAPING/v1.0/getAccountDetails","params":{},"id":7}"#.to_vec())
        .unwrap();
    lease.authenticate(req.headers_mut());
    client.send(req).await.unwrap()
}

fn client() -> HttpClient {
    HttpClient::builder("betfair")
        .allow_insecure_loopback(true)
        .build()
        .unwrap()
}

async fn setup(clock: &ManualClock) -> (BetfairSim, SessionManager<BetfairProvider>) {
    let sim = BetfairSim::builder()
        .clock(clock.shared())
        .account(USER, PASSWORD)
        .start()
        .await
        .unwrap();
    let manager = SessionManager::builder(interactive(&sim.identity_url(), clock).build().unwrap())
        .clock(clock.shared())
        .build();
    (sim, manager)
}

#[tokio::test]
async fn a_rejected_lease_is_invalidated_and_the_retry_succeeds() {
    let clock = ManualClock::new();
    let (sim, manager) = setup(&clock).await;
    let http = client();
    let lease = manager.get().await.unwrap();
    let ok = call(&http, &sim.json_rpc_url(), &lease).await;
    assert!(!is_session_rejection(&ok));

    sim.expire_all_sessions();
    let rejected = call(&http, &sim.json_rpc_url(), &lease).await;
    assert!(is_session_rejection(&rejected));
    assert!(manager.provider().is_rejection(&rejected));
    assert!(manager.invalidate(&lease));
    let fresh = manager.get().await.unwrap();
    assert!(!is_session_rejection(
        &call(&http, &sim.json_rpc_url(), &fresh).await
    ));
    assert_eq!(sim.logins(), 2);
}

#[tokio::test]
async fn rest_faults_are_recognised_too() {
    let clock = ManualClock::new();
    let (sim, manager) = setup(&clock).await;
    let http = client();
    let lease = manager.get().await.unwrap();
    sim.expire_all_sessions();
    let rejected = call(&http, &sim.rest_url("getAccountFunds"), &lease).await;
    assert_eq!(rejected.status(), 400);
    assert!(is_session_rejection(&rejected));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_rejections_cause_one_re_login() {
    let clock = ManualClock::new();
    let (sim, manager) = setup(&clock).await;
    let url = sim.json_rpc_url();
    manager.get().await.unwrap();
    sim.expire_all_sessions();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let m = manager.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let http = client();
            let lease = m.get().await.unwrap();
            let mut response = call(&http, &url, &lease).await;
            if is_session_rejection(&response) {
                m.invalidate(&lease);
                let lease = m.get().await.unwrap();
                response = call(&http, &url, &lease).await;
            }
            is_session_rejection(&response)
        }));
    }
    for t in tasks {
        assert!(!t.await.unwrap(), "the retry succeeded");
    }
    assert_eq!(sim.logins(), 2, "one login, one re-login");
}
