//! `call_with_session` and `Recovery` against a loopback server that accepts only the token of
//! the latest login: the logins and requests each rejection costs, concurrent rejections, a
//! rejected resend, a caller rejected with an old session, sources that cannot give a fresh one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use session_core::test_util::{SimResponse, SimServer};
use session_core::{
    AccessToken, Attempt, Error, ErrorKind, Recovery, Resend, Session, SessionManager,
    SessionProvider, SessionSource, Sourced, StaticToken, call_with_session,
};

/// The upstream's state: the token it accepts, logins and requests seen, and the tokens presented.
#[derive(Default)]
struct Upstream {
    valid: Mutex<Option<String>>,
    /// Reject every token, also a fresh one.
    reject_all: std::sync::atomic::AtomicBool,
    /// Fail every login after this many.
    fail_after: Mutex<Option<usize>>,
    logins: AtomicUsize,
    requests: AtomicUsize,
    presented: Mutex<Vec<String>>,
}

impl Upstream {
    fn logins(&self) -> usize {
        self.logins.load(Ordering::SeqCst)
    }
    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
    /// The upstream forgets the current session: every token is rejected until the next login.
    fn expire(&self) {
        *self.valid.lock().unwrap() = None;
    }
}

struct Provider(Arc<Upstream>);

#[async_trait]
impl SessionProvider for Provider {
    type Session = StaticToken;
    fn name(&self) -> &'static str {
        "recover-test"
    }
    async fn login(&self) -> session_core::Result<StaticToken> {
        let n = self.0.logins.fetch_add(1, Ordering::SeqCst) + 1;
        if self.0.fail_after.lock().unwrap().is_some_and(|max| n > max) {
            return Err(Error::new(
                ErrorKind::Unavailable,
                "recover-test",
                "login down",
            ));
        }
        let token = format!("RECOVER-TOKEN-{n}");
        *self.0.valid.lock().unwrap() = Some(token.clone());
        Ok(StaticToken::bearer(AccessToken::new(token)))
    }
}

struct Fixture {
    upstream: Arc<Upstream>,
    server: SimServer,
    client: reqwest::Client,
    manager: SessionManager<Arc<dyn SessionProvider<Session = StaticToken>>>,
}

async fn start() -> Fixture {
    let upstream = Arc::new(Upstream::default());
    let state = upstream.clone();
    let server = SimServer::start(move |req| {
        state.requests.fetch_add(1, Ordering::SeqCst);
        let presented = req
            .header("authorization")
            .unwrap_or_default()
            .trim_start_matches("Bearer ")
            .to_owned();
        state.presented.lock().unwrap().push(presented.clone());
        let valid = state.valid.lock().unwrap().clone();
        if !state.reject_all.load(Ordering::SeqCst) && valid.as_deref() == Some(&*presented) {
            SimResponse::json(200, serde_json::json!({"path": req.path}))
        } else {
            SimResponse::json(401, serde_json::json!({"error": "unauthorized"}))
        }
    })
    .await
    .unwrap();
    let provider: Arc<dyn SessionProvider<Session = StaticToken>> =
        Arc::new(Provider(upstream.clone()));
    Fixture {
        upstream,
        server,
        client: session_core::test_util::reqwest_client(),
        manager: SessionManager::new(provider),
    }
}

/// The error a rejected attempt returns when it is not resent.
fn rejection() -> Error {
    Error::new(ErrorKind::SessionRejected, "recover-test", "token refused").with_code("REFUSED")
}

/// One attempt: GET `url` with the session's headers; 401 is a rejection, 200 the path echoed.
async fn attempt(
    client: reqwest::Client,
    url: String,
    session: Sourced<StaticToken>,
) -> session_core::Result<Attempt<String>> {
    let mut headers = http::HeaderMap::new();
    session.session().authenticate(&mut headers);
    let response = client
        .get(url)
        .headers(headers)
        .send()
        .await
        .map_err(|_| Error::new(ErrorKind::Unavailable, "recover-test", "send failed"))?;
    if response.status() == 401 {
        return Ok(Attempt::Rejected(rejection()));
    }
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    Ok(Attempt::Done(body["path"].as_str().unwrap().to_owned()))
}

impl Fixture {
    async fn call(&self, path: &str, resend: Resend) -> session_core::Result<String> {
        let url = self.server.url(path);
        call_with_session(&self.manager, resend, |session| {
            attempt(self.client.clone(), url.clone(), session)
        })
        .await
    }

    /// Logs in once and makes the upstream forget that session.
    async fn warm_and_expire(&self) {
        assert_eq!(self.call("/warm", Resend::Once).await.unwrap(), "/warm");
        self.upstream.expire();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_costs_one_relogin_and_one_resend_with_the_fresh_session() {
    let f = start().await;
    f.warm_and_expire().await;
    let (logins, requests) = (f.upstream.logins(), f.upstream.requests());
    assert_eq!(f.call("/data", Resend::Once).await.unwrap(), "/data");
    assert_eq!(f.upstream.logins() - logins, 1, "one re-login");
    assert_eq!(
        f.upstream.requests() - requests,
        2,
        "the call and one resend"
    );
    let presented = f.upstream.presented.lock().unwrap().clone();
    assert_eq!(
        presented[presented.len() - 2..],
        ["RECOVER-TOKEN-1", "RECOVER-TOKEN-2"],
        "sent with the rejected session, resent with the fresh one"
    );
    assert_eq!(f.manager.cached().unwrap().generation(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rejections_cause_one_relogin_and_each_call_is_resent_once() {
    const CALLERS: usize = 16;
    let f = Arc::new(start().await);
    f.warm_and_expire().await;
    let (logins, requests) = (f.upstream.logins(), f.upstream.requests());
    // Every caller takes the old session before any of them sends: they are rejected together.
    let barrier = Arc::new(tokio::sync::Barrier::new(CALLERS));
    let mut tasks = Vec::new();
    for i in 0..CALLERS {
        let (f, barrier) = (f.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let url = f.server.url(&format!("/data/{i}"));
            let mut first = true;
            call_with_session(&f.manager, Resend::Once, |session| {
                let wait = std::mem::replace(&mut first, false).then(|| barrier.clone());
                let (client, url) = (f.client.clone(), url.clone());
                async move {
                    let expected = if wait.is_some() { 1 } else { 2 };
                    assert_eq!(session.lease().unwrap().generation(), expected);
                    if let Some(barrier) = wait {
                        barrier.wait().await;
                    }
                    attempt(client, url, session).await
                }
            })
            .await
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.unwrap().unwrap(), format!("/data/{i}"));
    }
    assert_eq!(
        f.upstream.logins() - logins,
        1,
        "one re-login for all callers"
    );
    assert_eq!(f.upstream.requests() - requests, 2 * CALLERS);
    assert_eq!(f.manager.cached().unwrap().generation(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_resend_is_the_callers_typed_error_not_a_loop() {
    let f = start().await;
    f.warm_and_expire().await;
    f.upstream.reject_all.store(true, Ordering::SeqCst);
    let (logins, requests) = (f.upstream.logins(), f.upstream.requests());
    let call = f.call("/data", Resend::Once);
    let e = tokio::time::timeout(std::time::Duration::from_secs(10), call)
        .await
        .expect("a rejected resend ends the call")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(e.code(), Some("REFUSED"));
    assert_eq!(f.upstream.logins() - logins, 1, "one re-login, not two");
    assert_eq!(
        f.upstream.requests() - requests,
        2,
        "the call and one resend"
    );
    assert!(
        f.manager.cached().is_none(),
        "the rejected fresh session is invalidated too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_must_not_repeat_is_sent_once_and_its_session_invalidated() {
    let f = start().await;
    f.warm_and_expire().await;
    let (logins, requests) = (f.upstream.logins(), f.upstream.requests());
    let e = f.call("/submit", Resend::Never).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::SessionRejected, Some("REFUSED"))
    );
    assert_eq!(f.upstream.requests() - requests, 1);
    assert_eq!(
        f.upstream.logins() - logins,
        0,
        "no re-login for a call not resent"
    );
    assert!(f.manager.cached().is_none(), "the next call logs in");
    assert_eq!(f.call("/next", Resend::Never).await.unwrap(), "/next");
    assert_eq!(f.upstream.logins() - logins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_rejected_with_an_old_session_keeps_the_fresh_one_another_installed() {
    let f = start().await;
    f.warm_and_expire().await;
    let (logins, requests) = (f.upstream.logins(), f.upstream.requests());
    let url = f.server.url("/slow");
    let mut first = true;
    let slow = call_with_session(&f.manager, Resend::Once, |session| {
        let before = std::mem::replace(&mut first, false);
        let (client, url) = (f.client.clone(), url.clone());
        let f = &f;
        async move {
            if before {
                // While this caller holds generation 1, another is rejected, logs in again and
                // succeeds with generation 2.
                assert_eq!(session.lease().unwrap().generation(), 1);
                assert_eq!(f.call("/fast", Resend::Once).await.unwrap(), "/fast");
                assert_eq!(f.manager.cached().unwrap().generation(), 2);
            }
            attempt(client, url, session).await
        }
    })
    .await;
    assert_eq!(slow.unwrap(), "/slow");
    assert_eq!(
        f.upstream.logins() - logins,
        1,
        "the late rejection of generation 1 did not drop generation 2"
    );
    assert_eq!(f.upstream.requests() - requests, 4);
    assert_eq!(f.manager.cached().unwrap().generation(), 2);
    let presented = f.upstream.presented.lock().unwrap().clone();
    assert_eq!(
        presented[presented.len() - 4..],
        [
            "RECOVER-TOKEN-1",
            "RECOVER-TOKEN-2",
            "RECOVER-TOKEN-1",
            "RECOVER-TOKEN-2"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_relogin_is_returned_with_its_own_kind() {
    let f = start().await;
    f.warm_and_expire().await;
    *f.upstream.fail_after.lock().unwrap() = Some(1);
    let requests = f.upstream.requests();
    let e = f.call("/data", Resend::Once).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(
        f.upstream.requests() - requests,
        1,
        "no resend without a session"
    );
    assert_eq!(f.upstream.logins(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_as_the_source_is_sent_as_it_is_and_not_resent() {
    let f = start().await;
    f.warm_and_expire().await;
    let lease = f.manager.get().await.unwrap();
    let (logins, requests) = (f.upstream.logins(), f.upstream.requests());
    let url = f.server.url("/data");
    let e = call_with_session(&lease, Resend::Once, |session| {
        assert!(session.lease().is_none());
        attempt(f.client.clone(), url.clone(), session)
    })
    .await
    .unwrap_err();
    assert_eq!(e.code(), Some("REFUSED"));
    assert_eq!(f.upstream.requests() - requests, 1);
    assert_eq!(f.upstream.logins() - logins, 0);
    assert_eq!(
        f.manager.cached().unwrap().generation(),
        1,
        "a lease cannot invalidate its manager's session"
    );
}

/// A source of its own: counts acquisitions and rejections, and can give a fresh session or not.
struct Counting {
    manager: SessionManager<Arc<dyn SessionProvider<Session = StaticToken>>>,
    fresh: bool,
    acquired: AtomicUsize,
    rejected: AtomicUsize,
}

#[async_trait]
impl SessionSource for Counting {
    type Session = StaticToken;
    async fn acquire(&self) -> session_core::Result<Sourced<StaticToken>> {
        self.acquired.fetch_add(1, Ordering::SeqCst);
        self.manager.acquire().await
    }
    fn reject(&self, rejected: &Sourced<StaticToken>) -> bool {
        self.rejected.fetch_add(1, Ordering::SeqCst);
        self.manager.reject(rejected) && self.fresh
    }
    fn name(&self) -> &'static str {
        "counting"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_that_cannot_give_a_fresh_session_is_not_asked_again() {
    let f = start().await;
    f.warm_and_expire().await;
    let source = Counting {
        manager: f.manager.clone(),
        fresh: false,
        acquired: AtomicUsize::new(0),
        rejected: AtomicUsize::new(0),
    };
    let requests = f.upstream.requests();
    let url = f.server.url("/data");
    let e = call_with_session(&source, Resend::Once, |session| {
        attempt(f.client.clone(), url.clone(), session)
    })
    .await
    .unwrap_err();
    assert_eq!(e.code(), Some("REFUSED"));
    assert_eq!(source.acquired.load(Ordering::SeqCst), 1);
    assert_eq!(source.rejected.load(Ordering::SeqCst), 1);
    assert_eq!(f.upstream.requests() - requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_allows_two_attempts_at_most_and_reports_each_session_once() {
    let f = start().await;
    f.warm_and_expire().await;
    f.upstream.reject_all.store(true, Ordering::SeqCst);
    let source = Counting {
        manager: f.manager.clone(),
        fresh: true,
        acquired: AtomicUsize::new(0),
        rejected: AtomicUsize::new(0),
    };
    let mut recovery = Recovery::new(&source, Resend::Once);
    assert!(!recovery.rejected(), "nothing sent, nothing to report");
    let first = recovery.session().await.unwrap();
    let again = recovery.session().await.unwrap();
    assert_eq!(
        first.lease().unwrap().generation(),
        again.lease().unwrap().generation(),
        "asking twice for one attempt gives its session again"
    );
    assert_eq!(source.acquired.load(Ordering::SeqCst), 1);
    assert!(!recovery.is_resend());
    assert!(recovery.rejected(), "the first rejection allows one resend");
    assert!(!recovery.rejected(), "a second report of it does nothing");
    assert!(recovery.is_resend());
    let resend = recovery.session().await.unwrap();
    assert_eq!(resend.lease().unwrap().generation(), 2);
    assert!(!recovery.rejected(), "the resend's rejection is final");
    let e = recovery.session().await.unwrap_err();
    assert_eq!(
        (e.kind(), e.provider()),
        (ErrorKind::SessionRejected, "counting")
    );
    assert_eq!(source.acquired.load(Ordering::SeqCst), 2);
    assert_eq!(source.rejected.load(Ordering::SeqCst), 2);
    assert_eq!(f.upstream.logins(), 2, "no login after the last attempt");
    assert!(format!("{recovery:?}").contains("counting"));
}
