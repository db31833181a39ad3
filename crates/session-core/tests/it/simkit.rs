//! The simulator kit: the ledger's counts, FIFO fault queues and request log, and every
//! `SimFault` rendered over real loopback HTTP and read back through the core HTTP client.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use session_core::ErrorKind;
use session_core::http::HttpClient;
use session_core::test_util::{
    Ledger, NoFault, SimFault, SimRequest, SimResponse, SimServer, retry_after_secs,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    Login,
    Logout,
}

/// A provider-specific fault, as a provider crate would define one.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Custom {
    Code(u32),
}

fn ok() -> SimResponse {
    SimResponse::json(200, serde_json::json!({ "ok": true }))
}

fn render(fault: SimFault<Custom>) -> SimResponse {
    fault.render(|Custom::Code(code)| SimResponse::json(403, serde_json::json!({ "code": code })))
}

/// A simulator of one operation per path (`/login`, anything else is a logout) whose normal
/// answer counts how often it ran.
async fn sim() -> (SimServer, Arc<Ledger<Op, Custom>>, Arc<AtomicUsize>) {
    let ledger = Arc::new(Ledger::new());
    let ran = Arc::new(AtomicUsize::new(0));
    let (l, r) = (ledger.clone(), ran.clone());
    let server = SimServer::start(move |req| {
        let op = if req.path == "/login" {
            Op::Login
        } else {
            Op::Logout
        };
        l.answer(op, &req, render, || {
            r.fetch_add(1, Ordering::SeqCst);
            ok()
        })
    })
    .await
    .unwrap();
    (server, ledger, ran)
}

fn client(timeout: Duration) -> HttpClient {
    HttpClient::builder("simkit")
        .allow_insecure_loopback(true)
        .timeout(timeout)
        .build()
        .unwrap()
}

fn post(url: &str) -> http::Request<Vec<u8>> {
    http::Request::post(url).body(Vec::new()).unwrap()
}

#[test]
fn faults_queue_per_operation_and_play_in_the_order_given() {
    let ledger: Ledger<Op> = Ledger::new();
    ledger.fail_next(Op::Login, SimFault::Status(500));
    ledger.fail_next(Op::Login, SimFault::Status(501));
    ledger.fail_next(Op::Logout, SimFault::Status(502));
    assert_eq!(
        (
            ledger.pending_faults(Op::Login),
            ledger.pending_faults(Op::Logout)
        ),
        (2, 1)
    );
    let req = SimRequest::new(http::Method::POST, "/x");
    let status = |op| {
        ledger
            .answer(op, &req, SimFault::response, ok)
            .status
            .as_u16()
    };
    assert_eq!(status(Op::Logout), 502, "an operation's own queue");
    assert_eq!(status(Op::Login), 500, "first in, first out");
    assert_eq!(status(Op::Login), 501);
    assert_eq!(status(Op::Login), 200, "the queue is empty again");
    assert_eq!(status(Op::Logout), 200);
    assert_eq!((ledger.calls(Op::Login), ledger.calls(Op::Logout)), (3, 2));
    assert_eq!(ledger.total_calls(), 5);
    assert_eq!(ledger.pending_faults(Op::Login), 0);
}

#[test]
fn a_faulted_request_is_counted_but_never_reaches_the_normal_answer() {
    let ledger: Ledger<Op> = Ledger::new();
    ledger.fail_next(Op::Login, SimFault::Unavailable);
    let req = SimRequest::new(http::Method::POST, "/login");
    let mut ran = 0;
    let r = ledger.answer(Op::Login, &req, SimFault::response, || {
        ran += 1;
        ok()
    });
    assert_eq!((r.status.as_u16(), ran), (503, 0));
    assert_eq!(ledger.calls(Op::Login), 1);
    assert_eq!(
        ledger.calls(Op::Logout),
        0,
        "an operation never seen counts 0"
    );
}

#[test]
fn the_request_log_keeps_the_whole_request_but_debug_shows_none_of_it() {
    let ledger: Ledger<Op> = Ledger::new();
    let mut req = SimRequest::new(
        http::Method::DELETE,
        "/v1/tickets/TGT-SECRET-1?password=PW-SECRET-2",
    );
    req.headers
        .insert("authorization", "Bearer TOKEN-SECRET-3".parse().unwrap());
    req.body = "password=PW-SECRET-4&user=ü".into();
    ledger.record(Op::Logout, &req);
    ledger.record(Op::Login, &SimRequest::new(http::Method::POST, "/login"));

    let log = ledger.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].op, Op::Logout);
    assert_eq!(
        log[0].request.line(),
        "DELETE /v1/tickets/TGT-SECRET-1?password=PW-SECRET-2"
    );
    assert_eq!(
        log[0].request.header("authorization"),
        Some("Bearer TOKEN-SECRET-3")
    );
    assert_eq!(log[0].request.form()["password"], "PW-SECRET-4");
    assert_eq!(log[0].request.form()["user"], "ü");
    assert_eq!(
        (log[1].op, log[1].request.line()),
        (Op::Login, "POST /login".into())
    );

    let shown = format!("{log:?} {ledger:?} {:?}", log[0]);
    for secret in [
        "TGT-SECRET",
        "PW-SECRET",
        "TOKEN-SECRET",
        "tickets",
        "password",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("Logout"), "{shown}");
}

#[test]
fn the_log_keeps_the_most_recent_requests_and_counts_keep_everything() {
    let ledger: Ledger<Op> = Ledger::with_log_capacity(3);
    for i in 0..10 {
        ledger.record(
            Op::Login,
            &SimRequest::new(http::Method::GET, &format!("/{i}")),
        );
    }
    let paths: Vec<String> = ledger
        .requests()
        .into_iter()
        .map(|r| r.request.path)
        .collect();
    assert_eq!(paths, ["/7", "/8", "/9"]);
    assert_eq!(ledger.calls(Op::Login), 10);

    let none: Ledger<Op> = Ledger::with_log_capacity(0);
    none.record(Op::Login, &SimRequest::new(http::Method::GET, "/"));
    assert!(none.requests().is_empty());
    assert_eq!(none.calls(Op::Login), 1);
}

#[test]
fn retry_after_is_whole_seconds_rounded_up_and_never_zero() {
    assert_eq!(retry_after_secs(Duration::ZERO), 1);
    assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
    assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
    assert_eq!(retry_after_secs(Duration::from_secs(1200)), 1200);
    assert_eq!(retry_after_secs(Duration::MAX), u64::MAX);
}

#[test]
fn fault_debug_shows_no_scripted_body() {
    let f: SimFault<NoFault> =
        SimFault::Response(SimResponse::text(401, "token TOKEN-SECRET-9 is bad"));
    let shown = format!("{f:?}");
    assert!(!shown.contains("TOKEN-SECRET"), "{shown}");
    assert!(shown.contains("401"), "{shown}");
}

#[tokio::test]
async fn content_faults_render_as_the_statuses_and_bodies_they_name() {
    let (server, ledger, ran) = sim().await;
    let client = client(Duration::from_secs(5));
    let url = server.url("/login");
    let script = [
        SimFault::Status(418),
        SimFault::RateLimited {
            retry_after: Some(Duration::from_millis(1500)),
        },
        SimFault::RateLimited { retry_after: None },
        SimFault::Unavailable,
        SimFault::GatewayPage,
        SimFault::HtmlPage,
        SimFault::Malformed,
        SimFault::Response(SimResponse::text(409, "exactly this").header("x-scripted", "yes")),
        SimFault::Provider(Custom::Code(20504)),
    ];
    for fault in script {
        ledger.fail_next(Op::Login, fault);
    }
    let mut got = Vec::new();
    for _ in 0..9 {
        got.push(client.send(post(&url)).await.unwrap());
    }
    let normal = client.send(post(&url)).await.unwrap();

    assert_eq!(got[0].status(), 418);
    assert!(got[0].body().is_empty());
    assert_eq!(got[1].status(), 429);
    assert_eq!(got[1].retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(got[1].unexpected_status().kind(), ErrorKind::RateLimited);
    assert_eq!(
        (got[2].status().as_u16(), got[2].retry_after()),
        (429, None)
    );
    assert_eq!(got[3].status(), 503);
    assert_eq!(got[3].unexpected_status().kind(), ErrorKind::Unavailable);
    assert_eq!(got[4].status(), 502);
    assert!(got[4].is_html());
    assert_eq!(got[5].status(), 200);
    assert!(got[5].is_html(), "a login page, not the API");
    assert_eq!(got[6].status(), 200);
    assert!(got[6].is_json_type());
    assert_eq!(
        got[6].json::<serde_json::Value>().unwrap_err().kind(),
        ErrorKind::UnexpectedResponse
    );
    assert_eq!(got[7].status(), 409);
    assert_eq!(got[7].text().unwrap(), "exactly this");
    assert_eq!(got[7].headers()["x-scripted"], "yes");
    assert_eq!(got[8].status(), 403);
    assert_eq!(
        got[8].json::<serde_json::Value>().unwrap(),
        serde_json::json!({ "code": 20504 })
    );
    assert_eq!(normal.status(), 200);

    assert_eq!(ledger.calls(Op::Login), 10);
    assert_eq!(
        ran.load(Ordering::SeqCst),
        1,
        "only the unscripted request ran"
    );
}

#[tokio::test]
async fn a_delay_slows_the_normal_answer_and_a_short_timeout_gives_up() {
    let (server, ledger, ran) = sim().await;
    let url = server.url("/login");
    ledger.fail_next(Op::Login, SimFault::Delay(Duration::from_millis(300)));
    let r = client(Duration::from_secs(5))
        .send(post(&url))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().unwrap()["ok"], true);

    ledger.fail_next(Op::Login, SimFault::Delay(Duration::from_secs(30)));
    let e = client(Duration::from_millis(200))
        .send(post(&url))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert_eq!(
        ran.load(Ordering::SeqCst),
        2,
        "a delay still answers normally"
    );
}

#[tokio::test]
async fn a_hang_never_answers_and_the_client_times_out() {
    let (server, ledger, ran) = sim().await;
    ledger.fail_next(Op::Login, SimFault::Hang);
    let e = client(Duration::from_millis(300))
        .send(post(&server.url("/login")))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    // The server is still serving other requests.
    let r = client(Duration::from_secs(5))
        .send(post(&server.url("/login")))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_dropped_connection_is_unavailable_not_a_status() {
    let (server, ledger, ran) = sim().await;
    ledger.fail_next(Op::Logout, SimFault::Drop);
    let e = client(Duration::from_secs(5))
        .send(post(&server.url("/logout")))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert_eq!(ledger.calls(Op::Logout), 1);
}

#[tokio::test]
async fn a_truncated_body_is_an_error_and_never_a_short_success() {
    let (server, ledger, ran) = sim().await;
    ledger.fail_next(Op::Login, SimFault::Truncated);
    let result = client(Duration::from_secs(5))
        .send(post(&server.url("/login")))
        .await;
    match result {
        Err(e) => assert!(
            matches!(
                e.kind(),
                ErrorKind::Unavailable | ErrorKind::UnexpectedResponse
            ),
            "{e:?}"
        ),
        Ok(r) => panic!("a truncated body was read as {} bytes", r.body().len()),
    }
    assert_eq!(
        ran.load(Ordering::SeqCst),
        1,
        "the normal answer, cut short"
    );

    // Read raw: the head announces the whole body, fewer bytes arrive, the connection closes.
    ledger.fail_next(Op::Login, SimFault::Truncated);
    let raw = raw_post(server.addr()).await;
    let (head, body) = raw.split_once("\r\n\r\n").expect(&raw);
    let announced: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(announced, ok().body.len());
    assert!(body.len() < announced, "{} of {announced}", body.len());
}

async fn raw_post(addr: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    sock.write_all(b"POST /login HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), sock.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}
