//! The leak harness catches what it must, and the HTTP layer leaks nothing even when the URL
//! holds a secret.

use std::time::Duration;

use httpmock::prelude::*;
use session_core::http::HttpClient;
use session_core::oauth::{Grant, Placement, TokenRequest};
use session_core::test_util::{assert_error_clean, capture_logs};
use session_core::{ClientCredentials, Password};

#[test]
fn the_harness_sees_secrets_logged_through_tracing_and_log() {
    let capture = capture_logs();
    tracing::trace!(value = "HARNESS-PROBE-TRACING", "probe");
    log::trace!("HARNESS-PROBE-LOG");
    let out = capture.output();
    assert!(
        out.contains("HARNESS-PROBE-TRACING"),
        "tracing output is captured"
    );
    assert!(out.contains("HARNESS-PROBE-LOG"), "log output is captured");
    let caught = std::panic::catch_unwind(|| capture.assert_clean(&["HARNESS-PROBE-LOG"]));
    assert!(caught.is_err(), "assert_clean must fail on a logged secret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_the_query_string_never_reaches_logs_or_errors() {
    let capture = capture_logs();
    let secrets = ["PW-SENTINEL-q1", "CS-SENTINEL-q2", "AT-SENTINEL-q3"];
    let server = MockServer::start_async().await;
    let ok =
        server
            .mock_async(|when, then| {
                when.method(POST)
                    .path("/ota/oauth/token")
                    .query_param("password", "PW-SENTINEL-q1");
                then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"access_token":"AT-SENTINEL-q3","token_type":"bearer","expires_in":900}"#);
            })
            .await;
    let url = url::Url::parse(&server.url("/ota/oauth/token")).unwrap();
    let password = Password::new("PW-SENTINEL-q1");
    let client = ClientCredentials::new("ota", "CS-SENTINEL-q2");
    let mut req = TokenRequest::new(
        &url,
        Grant::Password {
            username: "ann",
            password: &password,
        },
    );
    req.client = Some(&client);
    req.placement = Placement::Query;
    let http = HttpClient::builder("seaware")
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let resp = http.send(req.build("seaware").unwrap()).await.unwrap();
    let token = session_core::oauth::parse_token_response(&resp, "password").unwrap();
    assert_eq!(token.access_token.expose_secret(), "AT-SENTINEL-q3");
    assert_eq!(ok.calls_async().await, 1);

    // A failing request to a URL with the password: the error and the logs stay clean.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        drop(l);
        a
    };
    let bad_url = url::Url::parse(&format!("http://{dead}/ota/oauth/token")).unwrap();
    let mut req = TokenRequest::new(
        &bad_url,
        Grant::Password {
            username: "ann",
            password: &password,
        },
    );
    req.client = Some(&client);
    req.placement = Placement::Query;
    let e = HttpClient::builder("seaware")
        .allow_insecure_loopback(true)
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap()
        .send(req.build("seaware").unwrap())
        .await
        .unwrap_err();
    assert_error_clean(&e, &secrets);
    assert_eq!(format!("{token:?}").matches("REDACTED").count(), 1);
    capture.assert_clean(&secrets);
    assert!(
        !capture.is_empty(),
        "the transport's own logs were captured"
    );
}
