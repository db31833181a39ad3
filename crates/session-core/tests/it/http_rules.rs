//! The HTTP rules against real loopback servers: redirects, schemes, gateway pages, truncated,
//! oversized and slow bodies, connection failures, default headers.

use std::time::Duration;

use httpmock::prelude::*;
use session_core::http::{HttpClient, parse_base_url};
use session_core::{ErrorKind, HttpFailure};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn client() -> HttpClient {
    HttpClient::builder("test")
        .allow_insecure_loopback(true)
        .read_timeout(Duration::from_millis(300))
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap()
}

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).unwrap()
}

/// A server that answers one connection with `head` + `body`, then waits `hold` before closing.
async fn raw_server(response: Vec<u8>, hold: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let _ = sock.read(&mut buf).await;
        let _ = sock.write_all(&response).await;
        tokio::time::sleep(hold).await;
    });
    format!("http://{addr}/")
}

fn kinds(e: &session_core::Error) -> (ErrorKind, Option<HttpFailure>) {
    (e.kind(), e.http_failure())
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let target = MockServer::start_async().await;
    let target_mock = target
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body("{}");
        })
        .await;
    let origin = MockServer::start_async().await;
    let location = target.url("/tickets");
    let origin_mock = origin
        .mock_async(move |when, then| {
            when.method(GET).path("/tickets");
            then.status(302).header("Location", location.as_str());
        })
        .await;
    let e = client()
        .send(get(&origin.url("/tickets")))
        .await
        .unwrap_err();
    assert_eq!(
        kinds(&e),
        (ErrorKind::UnexpectedResponse, Some(HttpFailure::Redirect))
    );
    assert_eq!(origin_mock.calls_async().await, 1);
    assert_eq!(
        target_mock.calls_async().await,
        0,
        "the redirect target must see no request"
    );
}

#[tokio::test]
async fn http_to_a_non_loopback_host_fails_at_build_and_at_send() {
    let e = parse_base_url("test", "http://api.example.com/v2", true).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = client()
        .send(get("http://api.example.com/x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    // Without the opt-out even loopback is refused.
    let strict = HttpClient::builder("test").build().unwrap();
    assert_eq!(
        strict
            .send(get("http://127.0.0.1:9/"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Configuration
    );
}

#[tokio::test]
async fn the_four_body_failures_are_distinct() {
    // An HTML 503 gateway page.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(503)
                .header("content-type", "text/html")
                .body("<html><body>Service Unavailable</body></html>");
        })
        .await;
    let resp = client().send(get(&server.url("/x"))).await.unwrap();
    let gateway = resp.json::<serde_json::Value>().unwrap_err();
    assert_eq!(
        kinds(&gateway),
        (ErrorKind::Unavailable, Some(HttpFailure::GatewayPage))
    );
    assert_eq!(
        kinds(&resp.unexpected_status()),
        (ErrorKind::Unavailable, Some(HttpFailure::GatewayPage))
    );

    // A body shorter than its Content-Length.
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"ticket\":".to_vec(),
        Duration::ZERO,
    )
    .await;
    let truncated = client().send(get(&url)).await.unwrap_err();
    assert_eq!(
        kinds(&truncated),
        (ErrorKind::Unavailable, Some(HttpFailure::TruncatedBody))
    );

    // 10 MB, over the 1 MiB default cap.
    let big = MockServer::start_async().await;
    big.mock_async(|when, then| {
        when.any_request();
        then.status(200)
            .header("content-type", "application/json")
            .body(vec![b' '; 10 * 1024 * 1024]);
    })
    .await;
    let too_large = client().send(get(&big.url("/x"))).await.unwrap_err();
    assert_eq!(
        kinds(&too_large),
        (
            ErrorKind::UnexpectedResponse,
            Some(HttpFailure::BodyTooLarge)
        )
    );

    // A body that stalls past the read timeout.
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"a\":"
            .to_vec(),
        Duration::from_secs(5),
    )
    .await;
    let slow = client().send(get(&url)).await.unwrap_err();
    assert_eq!(
        kinds(&slow),
        (ErrorKind::Timeout, Some(HttpFailure::Timeout))
    );

    let all = [
        kinds(&gateway),
        kinds(&truncated),
        kinds(&too_large),
        kinds(&slow),
    ];
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[tokio::test]
async fn a_chunked_body_over_the_cap_is_cut_off() {
    let mut response = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        response.extend_from_slice(b"400\r\n");
        response.extend_from_slice(&[b'x'; 1024]);
        response.extend_from_slice(b"\r\n");
    }
    response.extend_from_slice(b"0\r\n\r\n");
    let url = raw_server(response, Duration::ZERO).await;
    let small = HttpClient::builder("test")
        .allow_insecure_loopback(true)
        .max_body(2048)
        .build()
        .unwrap();
    let e = small.send(get(&url)).await.unwrap_err();
    assert_eq!(
        kinds(&e),
        (
            ErrorKind::UnexpectedResponse,
            Some(HttpFailure::BodyTooLarge)
        )
    );
}

#[tokio::test]
async fn a_slow_head_hits_the_total_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (_sock, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    let c = HttpClient::builder("test")
        .allow_insecure_loopback(true)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let e = c.send(get(&format!("http://{addr}/"))).await.unwrap_err();
    assert_eq!(kinds(&e), (ErrorKind::Timeout, Some(HttpFailure::Timeout)));
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let e = client()
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert_eq!(
        kinds(&e),
        (ErrorKind::Unavailable, Some(HttpFailure::Connect))
    );
    assert!(e.is_retryable());
}

#[tokio::test]
async fn requests_carry_accept_json_and_a_user_agent_by_default() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/login")
                .header("accept", "application/json")
                .header_exists("user-agent")
                .header("x-application", "APP")
                .body("a=1");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"ok":true}"#);
        })
        .await;
    let req = http::Request::post(server.url("/login"))
        .header("x-application", "APP")
        .body(b"a=1".to_vec())
        .unwrap();
    let resp = client().send(req).await.unwrap();
    assert_eq!(resp.json::<serde_json::Value>().unwrap()["ok"], true);
    assert_eq!(m.calls_async().await, 1);
}

/// A builder using the core options and their one macro, as every provider builder does.
struct DemoBuilder {
    http: session_core::http::HttpOptions,
}

impl DemoBuilder {
    session_core::http_option_methods!();
}

#[tokio::test]
async fn the_option_macro_forwards_every_setting_and_the_user_agent_is_sent() {
    let clock = session_core::test_util::ManualClock::at(std::time::SystemTime::UNIX_EPOCH);
    let b = DemoBuilder {
        http: session_core::http::HttpOptions::new(),
    }
    .allow_insecure_loopback(true)
    .timeout(Duration::from_secs(7))
    .connect_timeout(Duration::from_secs(3))
    .add_root_pem(b"one".as_slice())
    .add_root_pem(String::from("two"))
    .proxy("http://proxy.example:3128")
    .no_proxy("a.example")
    .no_proxy("b.example")
    .user_agent("demo-app/9.9")
    .clock(clock.shared());
    let o = &b.http;
    assert!(o.allow_insecure_loopback);
    assert_eq!(o.timeout, Some(Duration::from_secs(7)));
    assert_eq!(o.connect_timeout, Some(Duration::from_secs(3)));
    assert_eq!(o.root_pems, vec![b"one".to_vec(), b"two".to_vec()]);
    assert_eq!(o.proxy.as_deref(), Some("http://proxy.example:3128"));
    assert_eq!(o.no_proxy.as_deref(), Some("a.example,b.example"));
    assert_eq!(o.user_agent.as_deref(), Some("demo-app/9.9"));
    assert_eq!(o.clock.now(), std::time::SystemTime::UNIX_EPOCH);
    // The proxy URL is never shown.
    assert!(!format!("{o:?}").contains("proxy.example"));
    // Roots that are not PEM are refused when the client is built.
    assert_eq!(
        o.client("test").unwrap_err().kind(),
        ErrorKind::Configuration
    );

    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ua")
                .header("user-agent", "demo-app/9.9");
            then.status(200)
                .header("content-type", "application/json")
                .body("{}");
        })
        .await;
    let client = DemoBuilder {
        http: session_core::http::HttpOptions::new(),
    }
    .allow_insecure_loopback(true)
    .user_agent("demo-app/9.9")
    .http
    .client("test")
    .unwrap();
    client.send(get(&server.url("/ua"))).await.unwrap();
    assert_eq!(m.calls_async().await, 1);
}

/// HTTPS through the transport: a server whose certificate chains to no trusted root fails the
/// handshake (`Tls`, and the handler never runs); once its root is added with `add_root_pem` the
/// same request goes through.
#[tokio::test]
async fn https_needs_a_trusted_root_and_add_root_pem_supplies_one() {
    use session_core::test_util::{ClientCertificates, SimResponse, SimServer, TestPki};
    let pki = TestPki::new("http-rules");
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = hits.clone();
    let server = SimServer::start_tls(
        move |_| {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            SimResponse::json(200, serde_json::json!({"ok": true}))
        },
        pki.server_config(ClientCertificates::NotAsked),
    )
    .await
    .unwrap();
    let url = server.url("/ping");
    assert!(url.starts_with("https://localhost:"));

    let untrusting = HttpClient::builder("test").build().unwrap();
    let e = untrusting.send(get(&url)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(e.http_failure(), Some(HttpFailure::Tls), "{e:?}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);

    let trusting = HttpClient::builder("test")
        .add_root_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    let response = trusting.send(get(&url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().unwrap(),
        serde_json::json!({"ok": true})
    );
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
}
