//! `SessionMiddleware` (feature `middleware`) against the simulator's authenticated `/resource`:
//! one login for any number of concurrent rejections, resend only for repeatable requests, every
//! rejection style William Hill APIs use, and no ticket in the logs.

use session_cas::{
    CasProvider, CasSim, ErrorKind, Flavor, Repeatable, ResourceRejection, SessionManager,
    SessionMiddleware, SimOp, UsernamePassword,
};
use session_core::test_util::{ManualClock, capture_logs};

use crate::support::{KEY, PW, SECRET, USER, secrets};

/// A marker in every ticket the simulator issues.
const TAG: &str = "MWTICKETSENTINEL";

struct Fixture {
    sim: CasSim,
    manager: SessionManager<CasProvider>,
    client: reqwest_middleware::ClientWithMiddleware,
    _clock: ManualClock,
}

async fn start(rejection: ResourceRejection) -> Fixture {
    let clock = ManualClock::new();
    let sim = CasSim::builder(Flavor::WhApi)
        .clock(clock.shared())
        .user(USER, PW)
        .api_credentials(KEY, SECRET)
        .ticket_tag(TAG)
        .resource_rejection(rejection)
        .start()
        .await
        .unwrap();
    let provider = sim
        .provider_builder()
        .credentials(UsernamePassword::new(USER, PW))
        .build()
        .unwrap();
    let manager = SessionManager::builder(provider)
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

/// Every secret of a fixture: the sentinels and every ticket the simulator issued.
fn all_secrets(f: &Fixture) -> Vec<String> {
    let mut all = secrets();
    all.push(TAG.to_owned());
    all.extend(f.sim.issued_tickets());
    all
}

async fn json(resp: reqwest::Response) -> serde_json::Value {
    let bytes = resp.bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn session_rejected(err: reqwest_middleware::Error) -> ErrorKind {
    let reqwest_middleware::Error::Middleware(inner) = err else {
        panic!("expected a middleware error, got a transport error")
    };
    inner
        .downcast_ref::<session_cas::Error>()
        .expect("a session_core::Error")
        .kind()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_requests_on_a_revoked_ticket_cause_one_login_and_all_succeed() {
    let logs = capture_logs();
    let f = start(ResourceRejection::TicketNotFound).await;
    let first = f
        .client
        .get(f.sim.resource_url("/warm"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(f.sim.calls(SimOp::Login), 1);
    f.sim.revoke_all();
    let before = f.sim.calls(SimOp::Resource);

    let mut tasks = Vec::new();
    for i in 0..100 {
        let client = f.client.clone();
        let url = f.sim.resource_url(&format!("/accounts/{i}"));
        tasks.push(tokio::spawn(async move {
            let resp = client.get(url).send().await.unwrap();
            (resp.status(), json(resp).await)
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "request {i} succeeds once resent");
        assert_eq!(body["path"], format!("/resource/accounts/{i}"));
        assert_eq!(body["username"], USER);
    }
    assert_eq!(
        f.sim.calls(SimOp::Login),
        2,
        "one login before, exactly one re-login for 100 rejections"
    );
    let sent = f.sim.calls(SimOp::Resource) - before;
    assert!(
        (100..=200).contains(&sent),
        "each request is sent once or twice, not {sent}"
    );
    assert_eq!(f.sim.live_tickets(), 1);
    logs.assert_clean(&all_secrets(&f));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_post_is_session_rejected_after_one_request() {
    let logs = capture_logs();
    let f = start(ResourceRejection::TicketNotFound).await;
    f.client
        .get(f.sim.resource_url("/warm"))
        .send()
        .await
        .unwrap();
    f.sim.revoke_all();
    let before = f.sim.calls(SimOp::Resource);

    let err = f
        .client
        .post(f.sim.resource_url("/bets"))
        .body(r#"{"stake":1}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(session_rejected(err), ErrorKind::SessionRejected);
    assert_eq!(
        f.sim.calls(SimOp::Resource) - before,
        1,
        "a POST is not resent"
    );
    assert_eq!(f.sim.calls(SimOp::Login), 1, "no login for the failed POST");
    assert!(
        f.manager.cached().is_none(),
        "the rejected ticket was dropped"
    );

    // The next request logs in once and succeeds.
    let resp = f
        .client
        .post(f.sim.resource_url("/bets"))
        .body(r#"{"stake":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(f.sim.calls(SimOp::Login), 2);
    logs.assert_clean(&all_secrets(&f));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_marked_repeatable_is_resent_once() {
    let f = start(ResourceRejection::TicketNotFound).await;
    f.client
        .get(f.sim.resource_url("/warm"))
        .send()
        .await
        .unwrap();
    f.sim.revoke_all();
    let before = f.sim.calls(SimOp::Resource);
    let resp = f
        .client
        .post(f.sim.resource_url("/search"))
        .with_extension(Repeatable)
        .body("q")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["method"], "POST");
    assert_eq!(f.sim.calls(SimOp::Resource) - before, 2);
    assert_eq!(f.sim.calls(SimOp::Login), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_william_hill_rejection_style_is_recognized_and_recovered() {
    for style in [
        ResourceRejection::TicketNotFound,
        ResourceRejection::Unauthorized,
        ResourceRejection::ApiTicketForbidden,
        ResourceRejection::WhoFault,
    ] {
        let f = start(style).await;
        f.client
            .get(f.sim.resource_url("/warm"))
            .send()
            .await
            .unwrap();
        f.sim.revoke_all();
        let resp = f
            .client
            .get(f.sim.resource_url("/after"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{style:?} is a rejection");
        assert_eq!(f.sim.calls(SimOp::Login), 2, "{style:?}: one re-login");
        assert_eq!(f.sim.calls(SimOp::Resource), 3, "{style:?}: one resend");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_error_is_returned_as_is_without_a_relogin() {
    let f = start(ResourceRejection::TicketNotFound).await;
    f.client
        .get(f.sim.resource_url("/warm"))
        .send()
        .await
        .unwrap();
    // 20504 (account locked) is not a ticket problem: logging in again would not help.
    f.sim.fail_next(
        SimOp::Resource,
        session_cas::SimFault::Provider(session_cas::CasFault::WhCode(20504)),
    );
    let resp = f.client.get(f.sim.resource_url("/x")).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(json(resp).await["errors"][0]["code"], "20504");
    assert_eq!(f.sim.calls(SimOp::Login), 1);
    assert!(f.manager.cached().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ticket_headers_are_sent_marked_sensitive() {
    let f = start(ResourceRejection::TicketNotFound).await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let client = reqwest_middleware::ClientBuilder::new(session_core::test_util::reqwest_client())
        .with(SessionMiddleware::new(f.manager.clone()))
        .with(Inspect(seen.clone()))
        .build();
    let resp = client.get(f.sim.resource_url("/x")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [("apikey", true), ("apisecret", true), ("apiticket", true)]
    );
}

/// Records which of the William Hill headers leave the chain, and whether they are sensitive.
struct Inspect(std::sync::Arc<std::sync::Mutex<Vec<(&'static str, bool)>>>);

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for Inspect {
    async fn handle(
        &self,
        req: reqwest::Request,
        ext: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let found: Vec<_> = ["apikey", "apisecret", "apiticket"]
            .into_iter()
            .filter_map(|name| req.headers().get(name).map(|v| (name, v.is_sensitive())))
            .collect();
        self.0.lock().unwrap().extend(found);
        next.run(req, ext).await
    }
}
