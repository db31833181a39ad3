//! `SessionMiddleware` against a loopback server that expires sessions on command.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use session_core::http::HttpResponse;
use session_core::middleware::{Repeatable, SessionMiddleware};
use session_core::test_util::{SimResponse, SimServer, capture_logs};
use session_core::{AccessToken, ErrorKind, SessionManager, SessionProvider, StaticToken};

/// The upstream's state: which token it accepts, how many logins and requests it has seen.
#[derive(Default)]
struct Upstream {
    valid: Mutex<Option<String>>,
    logins: AtomicUsize,
    requests: AtomicUsize,
}

struct Provider(Arc<Upstream>);

#[async_trait]
impl SessionProvider for Provider {
    type Session = StaticToken;
    fn name(&self) -> &'static str {
        "mw-test"
    }
    async fn login(&self) -> session_core::Result<StaticToken> {
        let n = self.0.logins.fetch_add(1, Ordering::SeqCst) + 1;
        let token = format!("MW-TOKEN-SENTINEL-{n}");
        *self.0.valid.lock().unwrap() = Some(token.clone());
        Ok(StaticToken::bearer(AccessToken::new(token)))
    }
    fn is_rejection(&self, response: &HttpResponse) -> bool {
        response.status() == 401 || response.body().windows(10).any(|w| w == b"NO_SESSION")
    }
}

async fn start() -> (
    Arc<Upstream>,
    SimServer,
    reqwest_middleware::ClientWithMiddleware,
    SessionManager<Provider>,
) {
    let upstream = Arc::new(Upstream::default());
    let state = upstream.clone();
    let server = SimServer::start(move |req| {
        state.requests.fetch_add(1, Ordering::SeqCst);
        let valid = state.valid.lock().unwrap().clone();
        let presented = req
            .header("authorization")
            .map(|v| v.trim_start_matches("Bearer ").to_owned());
        let ok = valid.is_some() && presented == valid;
        match (req.path.as_str(), ok) {
            ("/soft", false) => SimResponse::json(200, serde_json::json!({"error": "NO_SESSION"})),
            (_, false) => SimResponse::json(401, serde_json::json!({"error": "unauthorized"})),
            (_, true) => SimResponse::json(
                200,
                serde_json::json!({"data": "payload", "path": req.path}),
            ),
        }
    })
    .await
    .unwrap();
    // An account label of its own, so spans captured from tests running beside it are told apart.
    static MANAGERS: AtomicUsize = AtomicUsize::new(0);
    let manager = SessionManager::builder(Provider(upstream.clone()))
        .account_label(format!("mw-{}", MANAGERS.fetch_add(1, Ordering::SeqCst)))
        .build();
    let client = reqwest_middleware::ClientBuilder::new(session_core::test_util::reqwest_client())
        .with(SessionMiddleware::new(manager.clone()))
        .build();
    (upstream, server, client, manager)
}

fn expire(upstream: &Upstream) {
    *upstream.valid.lock().unwrap() = None;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_requests_on_a_just_expired_session_cause_one_relogin_and_all_succeed() {
    let capture = capture_logs();
    let (upstream, server, client, _manager) = start().await;
    let first = client.get(server.url("/data")).send().await.unwrap();
    assert_eq!(first.status(), 200);
    expire(&upstream);
    let mut tasks = Vec::new();
    for i in 0..100 {
        let client = client.clone();
        let url = server.url(&format!("/data/{i}"));
        tasks.push(tokio::spawn(async move {
            let resp = client.get(url).send().await.unwrap();
            (
                resp.status(),
                resp.bytes()
                    .await
                    .map(|b| serde_json::from_slice::<serde_json::Value>(&b).unwrap())
                    .unwrap(),
            )
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(
            body["path"],
            format!("/data/{i}"),
            "the caller reads the resent response's body"
        );
    }
    assert_eq!(
        upstream.logins.load(Ordering::SeqCst),
        2,
        "one initial login and one re-login"
    );
    assert!(upstream.requests.load(Ordering::SeqCst) <= 201);
    capture.assert_clean(&["MW-TOKEN-SENTINEL-1", "MW-TOKEN-SENTINEL-2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_non_repeatable_request_returns_session_rejected_after_one_request() {
    let (upstream, server, client, manager) = start().await;
    client.get(server.url("/warm")).send().await.unwrap();
    expire(&upstream);
    let before = upstream.requests.load(Ordering::SeqCst);
    let err = client
        .post(server.url("/orders"))
        .body("{}")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        upstream.requests.load(Ordering::SeqCst) - before,
        1,
        "a POST is sent once"
    );
    let reqwest_middleware::Error::Middleware(inner) = err else {
        panic!("expected a middleware error")
    };
    let core = inner
        .downcast_ref::<session_core::Error>()
        .expect("a session_core::Error");
    assert_eq!(core.kind(), ErrorKind::SessionRejected);
    assert!(
        manager.cached().is_none(),
        "the rejected session was invalidated"
    );
    // The next request logs in again and succeeds.
    assert_eq!(
        client
            .get(server.url("/data"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(upstream.logins.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_marked_repeatable_is_resent_once() {
    let (upstream, server, client, _manager) = start().await;
    client.get(server.url("/warm")).send().await.unwrap();
    expire(&upstream);
    let before = upstream.requests.load(Ordering::SeqCst);
    let resp = client
        .post(server.url("/search"))
        .with_extension(Repeatable)
        .body("q")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(upstream.requests.load(Ordering::SeqCst) - before, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_inside_a_200_body_is_detected_without_consuming_the_body() {
    let (upstream, server, client, _manager) = start().await;
    let ok = client.get(server.url("/soft")).send().await.unwrap();
    assert_eq!(
        ok.bytes()
            .await
            .map(|b| serde_json::from_slice::<serde_json::Value>(&b).unwrap())
            .unwrap()["data"],
        "payload"
    );
    expire(&upstream);
    let resent = client.get(server.url("/soft")).send().await.unwrap();
    assert_eq!(
        resent
            .bytes()
            .await
            .map(|b| serde_json::from_slice::<serde_json::Value>(&b).unwrap())
            .unwrap()["data"],
        "payload"
    );
    assert_eq!(upstream.logins.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_header_is_sent_marked_sensitive() {
    let (_upstream, server, _client, manager) = start().await;
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let mw = SessionMiddleware::new(manager);
    let client = reqwest_middleware::ClientBuilder::new(session_core::test_util::reqwest_client())
        .with(mw)
        .with(Inspect(s))
        .build();
    client.get(server.url("/data")).send().await.unwrap();
    assert_eq!(*seen.lock().unwrap(), Some(true));
}

/// Records whether the authorization header is marked sensitive when it leaves the chain.
struct Inspect(Arc<Mutex<Option<bool>>>);

#[async_trait]
impl reqwest_middleware::Middleware for Inspect {
    async fn handle(
        &self,
        req: reqwest::Request,
        ext: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        *self.0.lock().unwrap() = req.headers().get("authorization").map(|v| v.is_sensitive());
        next.run(req, ext).await
    }
}

/// Counts the body bytes that anything above it has pulled from the transport.
struct CountBody {
    polled: Arc<AtomicUsize>,
}

/// A body wrapper that adds each data frame's length to a shared counter as it is polled.
struct Counted {
    inner: reqwest::Body,
    polled: Arc<AtomicUsize>,
}

impl http_body::Body for Counted {
    type Data = bytes::Bytes;
    type Error = reqwest::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, reqwest::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if let std::task::Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.polled.fetch_add(data.len(), Ordering::SeqCst);
        }
        polled
    }
}

#[async_trait]
impl reqwest_middleware::Middleware for CountBody {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let response: http::Response<reqwest::Body> = next.run(req, extensions).await?.into();
        let (parts, inner) = response.into_parts();
        let body = reqwest::Body::wrap(Counted {
            inner,
            polled: self.polled.clone(),
        });
        Ok(http::Response::from_parts(parts, body).into())
    }
}

/// A loopback HTTP/1.1 server answering every request with `total` bytes of a chunked body
/// (no `Content-Length`), in 4 KiB chunks. Returns its base URL.
async fn chunked_server(total: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = sock.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n\
                            transfer-encoding: chunked\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let mut sent = 0;
                while sent < total {
                    let n = (total - sent).min(4096);
                    let chunk: Vec<u8> = (sent..sent + n).map(|i| (i % 251) as u8).collect();
                    let mut frame = format!("{n:x}\r\n").into_bytes();
                    frame.extend_from_slice(&chunk);
                    frame.extend_from_slice(b"\r\n");
                    if sock.write_all(&frame).await.is_err() {
                        return;
                    }
                    sent += n;
                }
                let _ = sock.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    format!("http://{addr}")
}

/// A chunked body far larger than the inspection limit is not buffered: the middleware pulls
/// little more than the limit before handing the response over, and the caller still receives
/// every byte, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_past_the_inspection_limit_streams_through_unbuffered() {
    const TOTAL: usize = 8 * 1024 * 1024;
    let base = chunked_server(TOTAL).await;
    let polled = Arc::new(AtomicUsize::new(0));
    let manager = SessionManager::new(Provider(Arc::new(Upstream::default())));
    let client = reqwest_middleware::ClientBuilder::new(session_core::test_util::reqwest_client())
        .with(SessionMiddleware::new(manager))
        .with(CountBody {
            polled: polled.clone(),
        })
        .build();
    let response = client.get(format!("{base}/big")).send().await.unwrap();
    let before_caller = polled.load(Ordering::SeqCst);
    let limit = usize::try_from(session_core::middleware::INSPECT_LIMIT).unwrap();
    assert!(
        before_caller > limit,
        "the limit was not reached: {before_caller}"
    );
    // The limit plus at most one transport read (hyper reads at most a few hundred KiB).
    assert!(
        before_caller <= limit + 512 * 1024,
        "the middleware buffered {before_caller} bytes before the caller read any"
    );
    let body = response.bytes().await.unwrap();
    assert_eq!(body.len(), TOTAL);
    assert!(body.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));
    assert_eq!(polled.load(Ordering::SeqCst), TOTAL);
}

/// A chunked body within the limit is read, judged by its content, and handed over unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_chunked_body_is_judged_and_handed_over_whole() {
    let base = chunked_server(10_000).await;
    let manager = SessionManager::new(Provider(Arc::new(Upstream::default())));
    let client = reqwest_middleware::ClientBuilder::new(session_core::test_util::reqwest_client())
        .with(SessionMiddleware::new(manager))
        .build();
    let body = client
        .get(format!("{base}/small"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), 10_000);
    assert!(body.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));
}

/// The resend after a rejection is a span of its own, and the re-login it causes is its child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_resend_is_a_span_and_the_relogin_its_child() {
    session_core::test_util::capture_logs();
    let (upstream, server, client, manager) = start().await;
    client.get(server.url("/data")).send().await.unwrap();
    expire(&upstream);
    let response = client.get(server.url("/data")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let generation = manager.get().await.unwrap().generation().to_string();
    let spans = session_core::test_util::captured_spans();
    let relogin = spans.iter().find(|s| {
        s.name == "session.login"
            && s.field("provider") == Some("mw-test")
            && s.field("account") == Some(manager.account())
            && s.field("generation") == Some(generation.as_str())
    });
    let relogin = relogin.expect("a session.login span for the re-login");
    assert_eq!(relogin.parent, Some("session.resend"));
    assert!(
        spans
            .iter()
            .any(|s| s.name == "session.resend" && s.field("account") == Some(manager.account()))
    );
}
