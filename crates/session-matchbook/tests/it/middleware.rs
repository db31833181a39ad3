//! `SessionMiddleware` (feature `middleware`) against the simulator's `/edge/rest/` stand-in:
//! one login for any number of concurrent rejections, resend only for repeatable requests.

use session_core::test_util::ManualClock;
use session_matchbook::{
    ErrorKind, MatchbookProvider, MatchbookSim, Repeatable, SessionManager, SessionMiddleware,
    SimOp,
};

use crate::support::*;

async fn start(
    clock: &ManualClock,
) -> (
    MatchbookSim,
    SessionManager<MatchbookProvider>,
    reqwest_middleware::ClientWithMiddleware,
) {
    let sim = sim(clock).await;
    let manager = manager(sim_provider(&sim, clock).build().unwrap(), clock);
    let client = reqwest_middleware::ClientBuilder::new(session_core::test_util::reqwest_client())
        .with(SessionMiddleware::new(manager.clone()))
        .build();
    (sim, manager, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_requests_on_an_ended_session_cause_one_login_and_all_succeed() {
    let clock = ManualClock::new();
    let (sim, manager, client) = start(&clock).await;
    let url = manager.provider().api_url("account");
    let warm = client.get(url.as_str()).send().await.unwrap();
    assert_eq!(warm.status(), 200);
    assert_eq!(warm.headers().get("session-token"), None);
    sim.drop_sessions();
    let before = sim.calls(SimOp::Api);

    let mut tasks = Vec::new();
    for i in 0..50 {
        let client = client.clone();
        let url = manager.provider().api_url(&format!("events/{i}"));
        tasks.push(tokio::spawn(async move {
            let r = client.get(url.as_str()).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "request {i} succeeds once resent");
        assert!(body.contains(&format!("/edge/rest/events/{i}")), "{body}");
    }
    assert_eq!(
        sim.calls(SimOp::Login),
        2,
        "one login before, one re-login for 50 rejections"
    );
    assert_eq!(
        sim.calls(SimOp::Check),
        0,
        "a rejected session is not checked"
    );
    let sent = sim.calls(SimOp::Api) - before;
    assert!(
        (50..=100).contains(&sent),
        "each request is sent once or twice, not {sent}"
    );
    assert_eq!(sim.active_sessions(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_post_is_not_resent_unless_repeatable() {
    let clock = ManualClock::new();
    let (sim, manager, client) = start(&clock).await;
    let url = manager.provider().api_url("offers");
    manager.get().await.unwrap();
    sim.drop_sessions();
    let before = sim.calls(SimOp::Api);
    let err = client
        .post(url.as_str())
        .body("{}")
        .send()
        .await
        .unwrap_err();
    let reqwest_middleware::Error::Middleware(inner) = err else {
        panic!("expected a middleware error")
    };
    let kind = inner
        .downcast_ref::<session_matchbook::Error>()
        .map(|e| e.kind());
    assert_eq!(kind, Some(ErrorKind::SessionRejected));
    assert_eq!(sim.calls(SimOp::Api) - before, 1, "sent once, not resent");

    let ok = client
        .post(url.as_str())
        .body("{}")
        .with_extension(Repeatable)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(sim.calls(SimOp::Login), 2);
}
