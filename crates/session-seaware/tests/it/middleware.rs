//! `SessionMiddleware` (feature `middleware`) against the simulator's `/ota/rest/*`: one login
//! for any number of concurrent rejections, resend only for repeatable messages, both rejection
//! styles (401 JSON and an OTA `<Errors>` body on 200), and no token in the logs.

use session_core::test_util::{ManualClock, capture_logs};
use session_seaware::{
    ErrorKind, RejectionStyle, Repeatable, SeawareProvider, SeawareSim, SessionManager,
    SessionMiddleware, SimOp,
};

use crate::support::*;

struct Fixture {
    sim: SeawareSim,
    manager: SessionManager<SeawareProvider>,
    client: reqwest_middleware::ClientWithMiddleware,
    _clock: ManualClock,
}

async fn start(rejection: RejectionStyle) -> Fixture {
    let clock = ManualClock::new();
    // Sessions required, and (the default) error descriptions that echo the token.
    let sim = sim_with(&clock, |b| b.sessions_required(true).rejection(rejection)).await;
    let manager = manager(sim_provider(&sim, &clock).build().unwrap(), &clock);
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

/// Posts the OTA message `name` (e.g. `OTA_PingRQ`), marked repeatable or not.
async fn post(
    f: &Fixture,
    name: &str,
    repeatable: bool,
) -> reqwest_middleware::Result<reqwest::Response> {
    post_with(&f.client, &f.manager, name, repeatable).await
}

async fn post_with(
    client: &reqwest_middleware::ClientWithMiddleware,
    manager: &SessionManager<SeawareProvider>,
    name: &str,
    repeatable: bool,
) -> reqwest_middleware::Result<reqwest::Response> {
    let url = manager.provider().rest_url(name);
    let mut request = client
        .post(url.as_str())
        .header("content-type", "application/xml")
        .body(format!("<{name}><EchoData>hi</EchoData></{name}>"));
    if repeatable {
        request = request.with_extension(Repeatable);
    }
    request.send().await
}

async fn text(resp: reqwest::Response) -> String {
    String::from_utf8(resp.bytes().await.unwrap().to_vec()).unwrap()
}

fn kind(err: reqwest_middleware::Error) -> ErrorKind {
    let reqwest_middleware::Error::Middleware(inner) = err else {
        panic!("expected a middleware error, got a transport error")
    };
    inner
        .downcast_ref::<session_seaware::Error>()
        .expect("a session_core::Error")
        .kind()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_messages_on_a_dropped_session_cause_one_login_and_all_succeed() {
    let logs = capture_logs();
    let f = start(RejectionStyle::SpringJson).await;
    let warm = post(&f, "OTA_PingRQ", true).await.unwrap();
    assert_eq!(warm.status(), 200);
    assert_eq!(f.sim.calls(SimOp::Login), 1);
    f.sim.drop_sessions();
    let before = f.sim.calls(SimOp::Message);

    let mut tasks = Vec::new();
    for i in 0..100 {
        let client = f.client.clone();
        let manager = f.manager.clone();
        tasks.push(tokio::spawn(async move {
            let resp = post_with(&client, &manager, &format!("OTA_Ping{i}RQ"), true)
                .await
                .unwrap();
            (resp.status(), text(resp).await)
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "message {i} succeeds once resent");
        assert!(
            body.contains(&format!("<OTA_Ping{i}RS ")) && body.contains("<Success/>"),
            "message {i}: the caller reads the resent answer"
        );
    }
    assert_eq!(
        f.sim.calls(SimOp::Login),
        2,
        "one login before, exactly one re-login for 100 rejections"
    );
    assert_eq!(
        f.sim.calls(SimOp::Refresh),
        0,
        "a rejected session is not refreshed"
    );
    let sent = f.sim.calls(SimOp::Message) - before;
    assert!(
        (100..=200).contains(&sent),
        "each message is sent once or twice, not {sent}"
    );
    assert_eq!(f.sim.active_sessions(), 1);
    logs.assert_clean(&secrets());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_message_not_marked_repeatable_is_session_rejected_after_one_request() {
    let logs = capture_logs();
    let f = start(RejectionStyle::SpringJson).await;
    post(&f, "OTA_PingRQ", true).await.unwrap();
    f.sim.drop_sessions();
    let before = f.sim.calls(SimOp::Message);

    let err = post(&f, "OTA_ResCreateRQ", false).await.unwrap_err();
    assert_eq!(kind(err), ErrorKind::SessionRejected);
    assert_eq!(
        f.sim.calls(SimOp::Message) - before,
        1,
        "a booking is not resent"
    );
    assert_eq!(
        f.sim.calls(SimOp::Login),
        1,
        "no login for the failed message"
    );
    assert!(
        f.manager.cached().is_none(),
        "the rejected session was dropped"
    );

    // The next message logs in once and succeeds.
    let resp = post(&f, "OTA_ResCreateRQ", false).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(f.sim.calls(SimOp::Login), 2);
    logs.assert_clean(&secrets());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ota_errors_body_on_200_is_a_rejection_and_the_caller_reads_the_resent_answer() {
    let logs = capture_logs();
    let f = start(RejectionStyle::OtaXml).await;
    post(&f, "OTA_PingRQ", true).await.unwrap();
    f.sim.drop_sessions();
    let before = f.sim.calls(SimOp::Message);

    let resp = post(&f, "OTA_ReadRQ", true).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = text(resp).await;
    assert!(body.contains("<OTA_ReadRS ") && body.contains("<Success/>"));
    assert!(!body.contains("Errors"));
    assert_eq!(f.sim.calls(SimOp::Message) - before, 2);
    assert_eq!(f.sim.calls(SimOp::Login), 2);

    // Not repeatable: the 200 `<Errors>` answer becomes a typed error, after one request.
    f.sim.drop_sessions();
    let before = f.sim.calls(SimOp::Message);
    let err = post(&f, "OTA_ResCreateRQ", false).await.unwrap_err();
    assert_eq!(kind(err), ErrorKind::SessionRejected);
    assert_eq!(f.sim.calls(SimOp::Message) - before, 1);
    logs.assert_clean(&secrets());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_is_returned_as_is_without_a_relogin() {
    let f = start(RejectionStyle::SpringJson).await;
    post(&f, "OTA_PingRQ", true).await.unwrap();
    f.sim.fail_next(
        session_seaware::SimOp::Message,
        session_seaware::SimFault::Unavailable,
    );
    let resp = post(&f, "OTA_PingRQ", true).await.unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(f.sim.calls(SimOp::Login), 1);
    assert!(f.manager.cached().is_some());
}
