//! `sessions pagos ...` against `PagosSim`: open (and its `login` alias), status, close (and its
//! `logout` alias) with a static token and with client credentials, and the token rules.

use session_pagos::{PagosFault, PagosSim, SimFault, SimOp};

use crate::support::{Sessions, TempDir, sessions, store_json};

pub(crate) const APP_KEY: &str = "a4dcfb4f0464453b928ce1d6bcfb6aa3";
pub(crate) const STATIC_TOKEN: &str = "TOKEN-SENTINEL-pagos-static";
pub(crate) const CLIENT_ID: &str = "pagos-client";
pub(crate) const CLIENT_SECRET: &str = "CS-SENTINEL-pagos-3b7d";
pub(crate) const TOKEN_PREFIX: &str = "TOKEN-SENTINEL-pagos-issued-";

pub(crate) async fn sim() -> PagosSim {
    PagosSim::builder()
        .client(CLIENT_ID, CLIENT_SECRET)
        .application(APP_KEY)
        .static_token(STATIC_TOKEN)
        .token_prefix(TOKEN_PREFIX)
        .start()
        .await
        .expect("simulator starts")
}

pub(crate) fn secrets(sim: &PagosSim) -> Vec<String> {
    vec![
        STATIC_TOKEN.to_owned(),
        CLIENT_SECRET.to_owned(),
        TOKEN_PREFIX.to_owned(),
        sim.session_id_prefix(),
    ]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// With the static token (`PAGOS_TOKEN`).
pub(crate) fn fixed(sim: &PagosSim, dir: Option<&TempDir>, args: &[&str]) -> Sessions {
    let mut c = sessions().args([
        "--json",
        "--insecure-loopback",
        "--base-url",
        &sim.base_url(),
    ]);
    if let Some(dir) = dir {
        c = c.args(dir.store());
    }
    c.args(["pagos", "--application-key", APP_KEY])
        .args(args)
        .env("PAGOS_TOKEN", STATIC_TOKEN)
}

/// With client credentials (`--token-url`), the application key from the environment.
pub(crate) fn oauth(sim: &PagosSim, dir: Option<&TempDir>, args: &[&str]) -> Sessions {
    let mut c = sessions().args([
        "--json",
        "--insecure-loopback",
        "--base-url",
        &sim.base_url(),
    ]);
    if let Some(dir) = dir {
        c = c.args(dir.store());
    }
    c.args(["pagos", "--token-url", &sim.token_url()])
        .args(args)
        .envs(&[
            ("PAGOS_APPLICATION_KEY", APP_KEY),
            ("PAGOS_CLIENT_ID", CLIENT_ID),
            ("PAGOS_CLIENT_SECRET", CLIENT_SECRET),
        ])
}

#[tokio::test(flavor = "multi_thread")]
async fn open_stores_the_session_id_and_prints_it_only_with_reveal() {
    let sim = sim().await;
    let dir = TempDir::new("pg-open");
    let run = fixed(&sim, Some(&dir), &["open"]).run().await;
    let v = run.clean(&strs(&secrets(&sim))).ok("pagos", "open");
    assert!(v.get("session_id").is_none(), "{v}");
    assert!(v["expires_at"].is_string());
    assert_eq!(sim.open_sessions(), 1);
    assert_eq!(store_json(&dir.store_path())["provider"], "pagos");

    let v = fixed(&sim, None, &["open", "--reveal"])
        .run()
        .await
        .ok("pagos", "open");
    let id = v["session_id"].as_str().unwrap();
    assert!(sim.is_open(id), "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_and_logout_are_aliases_reported_as_open_and_close() {
    let sim = sim().await;
    let dir = TempDir::new("pg-alias");
    fixed(&sim, Some(&dir), &["login"])
        .run()
        .await
        .ok("pagos", "open");
    let v = fixed(&sim, Some(&dir), &["logout"])
        .run()
        .await
        .ok("pagos", "close");
    assert_eq!(v["ended"], true);
    assert_eq!(sim.calls(SimOp::Close), 1);
    assert_eq!(sim.open_sessions(), 0);
    assert!(!dir.store_path().exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn status_reports_the_stored_session_without_a_request() {
    let sim = sim().await;
    let dir = TempDir::new("pg-status");
    let open = fixed(&sim, Some(&dir), &["open"])
        .run()
        .await
        .ok("pagos", "open");
    let v = sessions()
        .args(["--json"])
        .args(dir.store())
        .args(["pagos", "status"])
        .run()
        .await
        .ok("pagos", "status");
    assert_eq!(v["expires_at"], open["expires_at"]);
    assert_eq!(sim.calls(SimOp::Open), 1);
    assert_eq!(sim.calls(SimOp::Close), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_open_and_close_with_the_stored_token() {
    let sim = sim().await;
    let dir = TempDir::new("pg-oauth");
    let v = oauth(&sim, Some(&dir), &["open"])
        .run()
        .await
        .clean(&strs(&secrets(&sim)))
        .ok("pagos", "open");
    assert!(v["expires_at"].is_string());
    assert_eq!(sim.calls(SimOp::Token), 1);
    oauth(&sim, Some(&dir), &["close"])
        .run()
        .await
        .clean(&strs(&secrets(&sim)))
        .ok("pagos", "close");
    assert_eq!(
        sim.calls(SimOp::Token),
        1,
        "the stored token closed the session"
    );
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn close_renews_a_refused_token_once() {
    let sim = sim().await;
    let dir = TempDir::new("pg-close-renew");
    oauth(&sim, Some(&dir), &["open"])
        .run()
        .await
        .ok("pagos", "open");
    sim.revoke_tokens();
    oauth(&sim, Some(&dir), &["close"])
        .run()
        .await
        .ok("pagos", "close");
    assert_eq!(sim.calls(SimOp::Token), 2);
    assert_eq!(sim.calls(SimOp::Close), 2);
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_an_already_closed_session_is_success() {
    let sim = sim().await;
    let dir = TempDir::new("pg-close-twice");
    let v = fixed(&sim, Some(&dir), &["open", "--reveal"])
        .run()
        .await
        .ok("pagos", "open");
    // Close it behind the tool's back (another copy of the file, say).
    let other = TempDir::new("pg-close-twice-copy");
    std::fs::copy(dir.store_path(), other.store_path()).unwrap();
    fixed(&sim, Some(&other), &["close"])
        .run()
        .await
        .ok("pagos", "close");
    assert!(!sim.is_open(v["session_id"].as_str().unwrap()));
    fixed(&sim, Some(&dir), &["close"])
        .run()
        .await
        .ok("pagos", "close");
    assert!(!dir.store_path().exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_static_token_is_session_rejected_without_retry() {
    let sim = sim().await;
    sim.revoke_tokens();
    let e = fixed(&sim, None, &["open"])
        .run()
        .await
        .clean(&[STATIC_TOKEN])
        .fails("pagos", "open", "session_rejected");
    assert_eq!(e["code"], "INVALID_TOKEN");
    assert_eq!(sim.calls(SimOp::Open), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_oauth_token_is_renewed_once_then_session_rejected() {
    let sim = sim().await;
    sim.fail_next(SimOp::Open, SimFault::Provider(PagosFault::InvalidToken));
    sim.fail_next(SimOp::Open, SimFault::Provider(PagosFault::InvalidToken));
    oauth(&sim, None, &["open"])
        .run()
        .await
        .fails("pagos", "open", "session_rejected");
    assert_eq!(sim.calls(SimOp::Token), 2);
    assert_eq!(sim.calls(SimOp::Open), 2);
    // One refusal only: the renewed token opens the session.
    sim.fail_next(SimOp::Open, SimFault::Provider(PagosFault::InvalidToken));
    oauth(&sim, None, &["open"]).run().await.ok("pagos", "open");
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_map_to_their_kinds_and_exit_codes() {
    let sim = sim().await;
    oauth(&sim, None, &["open"])
        .env("PAGOS_CLIENT_SECRET", "CS-SENTINEL-pagos-wrong")
        .run()
        .await
        .clean(&["CS-SENTINEL-pagos-wrong"])
        .fails("pagos", "open", "invalid_credentials");
    let e = sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            &sim.base_url(),
        ])
        .args([
            "pagos",
            "--application-key",
            "0000ffff0000ffff0000ffff0000ffff",
            "open",
        ])
        .env("PAGOS_TOKEN", STATIC_TOKEN)
        .run()
        .await
        .fails("pagos", "open", "invalid_credentials");
    assert_eq!(e["code"], "OPEN_REFUSED");
    sim.fail_next(SimOp::Open, SimFault::Status(503));
    fixed(&sim, None, &["open"])
        .run()
        .await
        .fails("pagos", "open", "unavailable");
    sim.fail_next(SimOp::Open, SimFault::Malformed);
    fixed(&sim, None, &["open"])
        .run()
        .await
        .fails("pagos", "open", "unexpected_response");
    sim.fail_next(SimOp::Open, SimFault::Provider(PagosFault::NilSessionId));
    fixed(&sim, None, &["open"])
        .run()
        .await
        .fails("pagos", "open", "unexpected_response");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ban_is_remembered_in_the_store_and_the_next_open_stays_local() {
    let sim = sim().await;
    let dir = TempDir::new("pg-ban");
    sim.fail_next(
        SimOp::Open,
        SimFault::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(300)),
        },
    );
    fixed(&sim, Some(&dir), &["open"])
        .run()
        .await
        .fails("pagos", "open", "rate_limited");
    fixed(&sim, Some(&dir), &["open"])
        .run()
        .await
        .fails("pagos", "open", "rate_limited");
    assert_eq!(sim.calls(SimOp::Open), 1, "the banned open was not sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_settings_are_configuration_errors() {
    let sim = sim().await;
    let e = sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            &sim.base_url(),
        ])
        .args(["pagos", "open"])
        .env("PAGOS_TOKEN", STATIC_TOKEN)
        .run()
        .await
        .fails("pagos", "open", "configuration");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("PAGOS_APPLICATION_KEY")
    );
    let e = sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            &sim.base_url(),
        ])
        .args(["pagos", "--application-key", APP_KEY, "open"])
        .run()
        .await
        .fails("pagos", "open", "configuration");
    assert!(e["message"].as_str().unwrap().contains("PAGOS_TOKEN"));
    sessions()
        .args(["--json", "pagos", "--application-key", APP_KEY, "open"])
        .env("PAGOS_TOKEN", STATIC_TOKEN)
        .run()
        .await
        .fails("pagos", "open", "configuration");
}
