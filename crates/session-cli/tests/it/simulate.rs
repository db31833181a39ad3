//! `sessions simulate <provider>`: the simulator served on loopback until interrupted, its base
//! URL and test credentials printed first (`--json`: one object), answering real clients.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::sessions;

/// A running `sessions simulate`, killed when dropped.
pub(crate) struct Simulator {
    pub(crate) child: Child,
    pub(crate) banner: Value,
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `sessions --json simulate <args>` and reads its banner line.
pub(crate) async fn simulate(args: &[&str]) -> Simulator {
    let mut command = sessions().args(["--json", "simulate"]).args(args).command();
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .stdin(Stdio::null());
    let mut child = command.spawn().expect("sessions simulate starts");
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    let banner: Value =
        serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    Simulator { child, banner }
}

/// A plain reqwest client. The workspace builds reqwest without a default TLS crypto provider, so
/// one is installed for this test process (the requests here are plain HTTP to loopback anyway).
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_betfair_simulator_answers_a_real_http_client_on_the_chosen_port() {
    let port = free_port();
    let sim = simulate(&[
        "betfair",
        "--port",
        &port.to_string(),
        "--account",
        "alice:wonder-pw",
    ])
    .await;
    let b = &sim.banner;
    assert_eq!(b["schema"], 1);
    assert_eq!(
        (b["provider"].as_str(), b["command"].as_str()),
        (Some("betfair"), Some("simulate"))
    );
    assert_eq!(b["ok"], true);
    let base = b["base_url"].as_str().unwrap();
    assert_eq!(base, format!("http://127.0.0.1:{port}"));
    assert_eq!(b["credentials"]["BETFAIR_USERNAME"], "alice");
    assert_eq!(b["credentials"]["BETFAIR_PASSWORD"], "wonder-pw");
    let app_key = b["credentials"]["BETFAIR_APP_KEY"]
        .as_str()
        .unwrap()
        .to_owned();

    // A plain HTTP client, as betfairlightweight or curl would send it.
    let client = client();
    let response = client
        .post(format!("{}login", b["identity_url"].as_str().unwrap()))
        .header("X-Application", &app_key)
        .header("Accept", "application/json")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("username=alice&password=wonder-pw")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["status"], "SUCCESS", "{body}");
    assert!(
        body["token"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );

    // And the CLI itself, pointed at it.
    sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            base,
            "betfair",
            "login",
        ])
        .envs(&[
            ("BETFAIR_APP_KEY", &app_key),
            ("BETFAIR_USERNAME", "alice"),
            ("BETFAIR_PASSWORD", "wonder-pw"),
        ])
        .run()
        .await
        .ok("betfair", "login");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_provider_can_be_simulated_and_an_interrupt_stops_it() {
    for provider in ["cas", "seaware", "pagos", "betfair", "matchbook"] {
        let mut sim = simulate(&[provider]).await;
        let base = sim.banner["base_url"].as_str().unwrap().to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "{provider}: {base}");
        assert!(
            sim.banner["credentials"]
                .as_object()
                .is_some_and(|c| !c.is_empty()),
            "{provider}: {}",
            sim.banner
        );
        // It answers HTTP (any status: the point is that it serves).
        let answered = client().get(&base).send().await;
        assert!(answered.is_ok(), "{provider}: {answered:?}");
        #[cfg(unix)]
        {
            let pid = sim.child.id().to_string();
            let killed = std::process::Command::new("kill")
                .args(["-INT", &pid])
                .status();
            assert!(killed.is_ok_and(|s| s.success()));
            let mut code = None;
            for _ in 0..100 {
                if let Ok(Some(status)) = sim.child.try_wait() {
                    code = status.code();
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert_eq!(code, Some(0), "{provider}: Ctrl-C ends it cleanly");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_account_is_a_usage_error() {
    let run = sessions()
        .args(["--json", "simulate", "cas", "--account", "nopassword"])
        .run()
        .await;
    run.fails("cas", "simulate", "configuration");
}
