//! The transport around the HTTP rules: a proxy for non-loopback hosts only, a caller's own
//! `reqwest` client (redirects it follows are refused unread), and gzip with the body cap on the
//! decoded size.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use session_core::http::{HttpClient, HttpOptions};
use session_core::test_util::{SimResponse, SimServer};
use session_core::{ErrorKind, HttpFailure};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).unwrap()
}

/// A "proxy" that records the first bytes of every connection and answers `403`.
async fn recording_proxy() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                log.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                let _ = sock
                    .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
                    .await;
            });
        }
    });
    (format!("http://proxy-user:proxy-pass@{addr}"), seen)
}

async fn counting_server() -> (SimServer, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    let server = SimServer::start(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
        SimResponse::json(200, serde_json::json!({"ok": true}))
    })
    .await
    .unwrap();
    (server, hits)
}

#[tokio::test]
async fn a_proxy_carries_https_to_other_hosts_as_connect_with_its_credentials() {
    let (proxy, seen) = recording_proxy().await;
    let client = HttpClient::builder("test")
        .proxy(&proxy)
        .unwrap()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let e = client
        .send(get("https://api.example.test/v1/login?ticket=ST-SECRET"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
    assert!(!format!("{e} {e:?}").contains("proxy-pass"));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with("CONNECT api.example.test:443 HTTP/1.1\r\n"),
        "{seen:?}"
    );
    // Basic proxy auth from the URL's credentials ("proxy-user:proxy-pass").
    assert!(seen[0].contains("cHJveHktdXNlcjpwcm94eS1wYXNz"), "{seen:?}");
    // The path and query (a ticket) never reach the proxy in clear.
    assert!(!seen[0].contains("ST-SECRET"));
}

#[tokio::test]
async fn loopback_hosts_bypass_the_proxy_and_refused_targets_send_nothing() {
    let (proxy, seen) = recording_proxy().await;
    let (server, hits) = counting_server().await;
    let mut options = HttpOptions::new();
    options.allow_insecure_loopback = true;
    options.proxy = Some(proxy);
    let client = options.client("test").unwrap();

    let ok = client.send(get(&server.url("/direct"))).await.unwrap();
    assert_eq!(ok.status(), 200);
    let localhost = server.url("/direct").replace("127.0.0.1", "localhost");
    assert_eq!(client.send(get(&localhost)).await.unwrap().status(), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    let e = client
        .send(get("http://api.example.test/plain"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(seen.lock().unwrap().is_empty(), "the proxy was contacted");
    assert!(!format!("{options:?}").contains("proxy-pass"));
}

/// Hosts on the no-proxy list go direct: the proxy sees nothing, and the request fails on its
/// own (no such host here) instead of through the proxy.
#[tokio::test]
async fn hosts_on_the_no_proxy_list_bypass_the_proxy() {
    let (proxy, seen) = recording_proxy().await;
    let mut options = HttpOptions::new();
    options.proxy = Some(proxy);
    options.no_proxy = Some(" .example.test , 10.0.0.0/8".into());
    options.timeout = Some(Duration::from_secs(5));
    let client = options.client("test").unwrap();
    let e = client
        .send(get("https://api.example.test/v1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    // A host not on the list still goes through the proxy.
    let _ = client.send(get("https://other.invalid/v1")).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with("CONNECT other.invalid:443 "),
        "{seen:?}"
    );
}

#[test]
fn proxy_urls_are_checked() {
    for bad in [
        "",
        "not a url",
        "ftp://proxy:21",
        "socks5://127.0.0.1:1080",
        "http://",
    ] {
        let e = HttpClient::builder("test").proxy(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{bad}");
    }
    let mut options = HttpOptions::new();
    options.proxy = Some("mailto:x@example.com".into());
    assert_eq!(
        options.client("test").unwrap_err().kind(),
        ErrorKind::Configuration
    );
}

/// A caller's own client that follows redirects: the answer at the redirect's target is refused
/// with `Redirect`, unread, although the client went there.
#[tokio::test]
async fn an_own_client_that_follows_a_redirect_is_refused_with_a_typed_error() {
    let (target, target_hits) = counting_server().await;
    let location = target.url("/elsewhere");
    let redirector =
        SimServer::start(move |_| SimResponse::status(307).header("location", &location))
            .await
            .unwrap();
    let following = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .no_proxy()
        .build()
        .unwrap();
    let client = HttpClient::builder("test")
        .allow_insecure_loopback(true)
        .reqwest_client(following)
        .build()
        .unwrap();
    let req = http::Request::post(redirector.url("/login"))
        .body(b"password=hunter2".to_vec())
        .unwrap();
    let e = client.send(req).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.http_failure()),
        (ErrorKind::UnexpectedResponse, Some(HttpFailure::Redirect))
    );
    assert_eq!(target_hits.load(Ordering::SeqCst), 1, "the client followed");

    // The same exchange through the factory's client never reaches the target.
    let own = HttpClient::builder("test")
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let e = own.send(get(&redirector.url("/login"))).await.unwrap_err();
    assert_eq!(e.http_failure(), Some(HttpFailure::Redirect));
    assert_eq!(target_hits.load(Ordering::SeqCst), 1);
}

/// With an own client, the timeouts and body cap still apply per request.
#[tokio::test]
async fn an_own_client_keeps_the_per_request_timeout_and_body_cap() {
    let slow = SimServer::start(|_| {
        SimResponse::json(200, serde_json::json!({"ok": true})).delayed(Duration::from_secs(5))
    })
    .await
    .unwrap();
    let big = SimServer::start(|_| SimResponse::text(200, "x".repeat(10_000)))
        .await
        .unwrap();
    let client = HttpClient::builder("test")
        .allow_insecure_loopback(true)
        .timeout(Duration::from_millis(200))
        .max_body(1_000)
        .reqwest_client(reqwest::Client::builder().no_proxy().build().unwrap())
        .build()
        .unwrap();
    let e = client.send(get(&slow.url("/"))).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    let e = client.send(get(&big.url("/"))).await.unwrap_err();
    assert_eq!(e.http_failure(), Some(HttpFailure::BodyTooLarge));
}

#[test]
fn an_own_client_does_not_combine_with_transport_settings() {
    let own = || reqwest::Client::builder().build().unwrap();
    let pki = session_core::test_util::TestPki::new("own");
    let attempts = [
        HttpClient::builder("test")
            .reqwest_client(own())
            .add_root_pem(pki.ca_pem.as_bytes())
            .unwrap(),
        HttpClient::builder("test")
            .reqwest_client(own())
            .proxy("http://127.0.0.1:3128")
            .unwrap(),
        HttpClient::builder("test")
            .reqwest_client(own())
            .client_identity_pem(
                pki.client_cert_pem.as_bytes(),
                pki.client_key_pem.as_bytes(),
            )
            .unwrap(),
        HttpClient::builder("test")
            .reqwest_client(own())
            .tls_backend(session_core::http::TlsBackend::preferred().unwrap()),
    ];
    for b in attempts {
        assert_eq!(b.build().unwrap_err().kind(), ErrorKind::Configuration);
    }
}

#[cfg(feature = "gzip")]
mod gzip {
    use super::*;
    use std::io::Write as _;

    fn gzipped(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    async fn gzip_server(plain: Vec<u8>) -> (SimServer, Arc<std::sync::Mutex<Option<String>>>) {
        let body = gzipped(&plain);
        let accept = Arc::new(std::sync::Mutex::new(None));
        let seen = accept.clone();
        let server = SimServer::start(move |req| {
            *seen.lock().unwrap() = req.header("accept-encoding").map(str::to_owned);
            SimResponse::status(200)
                .header("content-type", "application/json")
                .header("content-encoding", "gzip")
                .body(body.clone())
        })
        .await
        .unwrap();
        (server, accept)
    }

    #[tokio::test]
    async fn gzip_is_asked_for_and_decoded_when_enabled() {
        let json =
            br#"{"ok":true,"pad":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#.to_vec();
        let (server, accept) = gzip_server(json).await;
        let client = HttpClient::builder("test")
            .allow_insecure_loopback(true)
            .gzip(true)
            .build()
            .unwrap();
        let r = client.send(get(&server.url("/"))).await.unwrap();
        assert_eq!(r.json::<serde_json::Value>().unwrap()["ok"], true);
        assert_eq!(accept.lock().unwrap().as_deref(), Some("gzip"));

        let plain = HttpClient::builder("test")
            .allow_insecure_loopback(true)
            .build()
            .unwrap();
        let r = plain.send(get(&server.url("/"))).await.unwrap();
        assert_eq!(*accept.lock().unwrap(), None);
        // Not decoded: the raw gzip bytes are not JSON.
        assert_eq!(&r.body()[..2], &[0x1f, 0x8b]);
    }

    /// A 64 MiB gzip bomb (about 64 KiB on the wire) stops at the 1 MiB cap on the decoded size.
    #[tokio::test]
    async fn a_gzip_bomb_stops_at_the_cap_on_the_decoded_size() {
        let (server, _) = gzip_server(vec![b' '; 64 * 1024 * 1024]).await;
        let client = HttpClient::builder("test")
            .allow_insecure_loopback(true)
            .gzip(true)
            .build()
            .unwrap();
        let e = client.send(get(&server.url("/"))).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.http_failure()),
            (
                ErrorKind::UnexpectedResponse,
                Some(HttpFailure::BodyTooLarge)
            )
        );
    }
}
