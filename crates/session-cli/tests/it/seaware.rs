//! `sessions seaware ...` against `SeawareSim`: login (query and form), status, refresh (and its
//! login fallback), logout, and every failure kind the simulator can produce.

use std::time::Duration;

use session_seaware::{SIM_TOKEN_PREFIX, SeawareSim, SimFault, SimOp};

use crate::support::{Sessions, TempDir, sessions, store_json};

pub(crate) const USER: &str = "AGENT_SENTINEL";
pub(crate) const PASSWORD: &str = "PW-SENTINEL-5ea-7f3a";
pub(crate) const CLIENT_SECRET: &str = "CS-SENTINEL-5ea-91c2";

pub(crate) fn secrets() -> [&'static str; 3] {
    [PASSWORD, CLIENT_SECRET, SIM_TOKEN_PREFIX]
}

pub(crate) async fn sim() -> SeawareSim {
    SeawareSim::builder()
        .user(USER, PASSWORD)
        .user("LOCKED_AGENT", PASSWORD)
        .client("ota", CLIENT_SECRET)
        .start()
        .await
        .expect("simulator starts")
}

/// `sessions --json --insecure-loopback --base-url <sim> [store] seaware <args>` with credentials.
pub(crate) fn cmd(sim: &SeawareSim, dir: Option<&TempDir>, args: &[&str]) -> Sessions {
    let mut c = sessions().args([
        "--json",
        "--insecure-loopback",
        "--timeout",
        "5",
        "--base-url",
        &sim.base_url(),
    ]);
    if let Some(dir) = dir {
        c = c.args(dir.store());
    }
    c.args(["seaware"]).args(args).envs(&[
        ("SEAWARE_USERNAME", USER),
        ("SEAWARE_PASSWORD", PASSWORD),
        ("SEAWARE_CLIENT_SECRET", CLIENT_SECRET),
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn login_reports_expiry_stores_the_session_and_shows_no_token() {
    let sim = sim().await;
    let dir = TempDir::new("sw-login");
    let run = cmd(&sim, Some(&dir), &["login"]).run().await;
    let v = run.clean(&secrets()).ok("seaware", "login");
    assert!(v["expires_at"].is_string());
    assert!(v.get("token").is_none(), "{v}");
    assert_eq!(v["stored"], true);
    assert_eq!(sim.calls(SimOp::Login), 1);
    let stored = store_json(&dir.store_path());
    assert_eq!(stored["provider"], "seaware");
    assert!(stored["state"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn login_with_reveal_prints_the_access_token() {
    let sim = sim().await;
    let v = cmd(&sim, None, &["login", "--reveal"])
        .run()
        .await
        .ok("seaware", "login");
    assert!(
        v["token"].as_str().unwrap().starts_with(SIM_TOKEN_PREFIX),
        "{v}"
    );
    assert_eq!(v["stored"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn form_params_work_against_a_server_that_refuses_query_parameters() {
    let sim = SeawareSim::builder()
        .user(USER, PASSWORD)
        .client("ota", CLIENT_SECRET)
        .accept_query(false)
        .start()
        .await
        .unwrap();
    let dir = TempDir::new("sw-form");
    let base = sim.base_url();
    let with = |params: &'static str, command: &'static str| {
        crate::support::sessions()
            .args(["--json", "--insecure-loopback", "--base-url", base.as_str()])
            .args(dir.store())
            .args([
                "seaware",
                "--params",
                params,
                "--scope",
                "travelagent",
                command,
            ])
            .envs(&[
                ("SEAWARE_USERNAME", USER),
                ("SEAWARE_PASSWORD", PASSWORD),
                ("SEAWARE_CLIENT_SECRET", CLIENT_SECRET),
            ])
    };
    with("query", "login")
        .run()
        .await
        .fails("seaware", "login", "configuration");
    with("form", "login").run().await.ok("seaware", "login");
    let v = with("form", "refresh").run().await.ok("seaware", "refresh");
    assert_eq!(v["renewed_by"], "refresh");
    assert_eq!(sim.calls(SimOp::Refresh), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn status_reports_the_stored_session_without_a_request() {
    let sim = sim().await;
    let dir = TempDir::new("sw-status");
    let login = cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .ok("seaware", "login");
    let requests = sim.calls(SimOp::Login) + sim.calls(SimOp::Refresh) + sim.calls(SimOp::Logout);
    // No credentials needed, and none sent.
    let v = sessions()
        .args(["--json"])
        .args(dir.store())
        .args(["seaware", "status"])
        .run()
        .await
        .ok("seaware", "status");
    assert_eq!(v["expires_at"], login["expires_at"]);
    assert_eq!(v["expired"], false);
    assert!(v["age_secs"].as_u64().is_some_and(|a| a < 60), "{v}");
    assert!(
        v["expires_in_secs"].as_i64().is_some_and(|s| s > 800),
        "{v}"
    );
    assert_eq!(
        sim.calls(SimOp::Login) + sim.calls(SimOp::Refresh) + sim.calls(SimOp::Logout),
        requests
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_uses_the_refresh_grant_and_updates_the_store() {
    let sim = sim().await;
    let dir = TempDir::new("sw-refresh");
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .ok("seaware", "login");
    let before = store_json(&dir.store_path());
    let v = cmd(&sim, Some(&dir), &["refresh"])
        .run()
        .await
        .clean(&secrets())
        .ok("seaware", "refresh");
    assert_eq!(v["renewed_by"], "refresh");
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Refresh)), (1, 1));
    let after = store_json(&dir.store_path());
    assert!(after["generation"].as_u64() > before["generation"].as_u64());
    assert_ne!(after["state"], before["state"], "the new token is stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_refresh_falls_back_to_one_login() {
    let sim = sim().await;
    let dir = TempDir::new("sw-refresh-refused");
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .ok("seaware", "login");
    sim.drop_sessions(); // the refresh token is now unknown: invalid_grant
    let v = cmd(&sim, Some(&dir), &["refresh"])
        .run()
        .await
        .ok("seaware", "refresh");
    assert_eq!(v["renewed_by"], "login");
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Refresh)), (2, 1));
    // An unsupported refresh grant also falls back to a login.
    sim.set_refresh(false);
    let v = cmd(&sim, Some(&dir), &["refresh"])
        .run()
        .await
        .ok("seaware", "refresh");
    assert_eq!(v["renewed_by"], "login");
    assert_eq!(sim.calls(SimOp::Login), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fallback_login_reports_its_own_failure() {
    let sim = sim().await;
    let dir = TempDir::new("sw-fallback-fails");
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .ok("seaware", "login");
    sim.drop_sessions();
    sim.lock_user(USER, true);
    cmd(&sim, Some(&dir), &["refresh"]).run().await.fails(
        "seaware",
        "refresh",
        "account_restricted",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_ends_the_session_deletes_the_store_and_is_idempotent() {
    let sim = sim().await;
    let dir = TempDir::new("sw-logout");
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .ok("seaware", "login");
    let v = cmd(&sim, Some(&dir), &["logout"])
        .run()
        .await
        .clean(&secrets())
        .ok("seaware", "logout");
    assert_eq!(v["ended"], true);
    assert_eq!(sim.calls(SimOp::Logout), 1);
    assert_eq!(sim.active_sessions(), 0);
    assert!(!dir.store_path().exists());
    let v = cmd(&sim, Some(&dir), &["logout"])
        .run()
        .await
        .ok("seaware", "logout");
    assert_eq!(v["ended"], false);
    assert_eq!(sim.calls(SimOp::Logout), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_of_a_session_the_server_forgot_is_success() {
    let sim = sim().await;
    let dir = TempDir::new("sw-logout-dead");
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .ok("seaware", "login");
    sim.drop_sessions();
    cmd(&sim, Some(&dir), &["logout"])
        .run()
        .await
        .ok("seaware", "logout");
    assert!(!dir.store_path().exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_map_to_their_kinds_and_exit_codes() {
    let sim = sim().await;
    let e = cmd(&sim, None, &["login"])
        .env("SEAWARE_PASSWORD", "PW-SENTINEL-wrong-1")
        .run()
        .await
        .clean(&["PW-SENTINEL-wrong-1"])
        .fails("seaware", "login", "invalid_credentials");
    assert_eq!(e["code"], "invalid_grant");

    sim.lock_user("LOCKED_AGENT", true);
    cmd(&sim, None, &["login"])
        .env("SEAWARE_USERNAME", "LOCKED_AGENT")
        .run()
        .await
        .fails("seaware", "login", "account_restricted");

    sim.fail_next(SimOp::Login, SimFault::Unavailable);
    cmd(&sim, None, &["login"])
        .run()
        .await
        .fails("seaware", "login", "unavailable");

    sim.fail_next(SimOp::Login, SimFault::GatewayPage);
    cmd(&sim, None, &["login"])
        .run()
        .await
        .fails("seaware", "login", "unavailable");

    let e = cmd(&sim, None, &["login"])
        .env("SEAWARE_CLIENT_SECRET", "CS-SENTINEL-wrong")
        .run()
        .await
        .clean(&["CS-SENTINEL-wrong"])
        .fails("seaware", "login", "configuration");
    assert!(e["code"].is_string(), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ban_is_remembered_in_the_store_and_the_next_login_stays_local() {
    let sim = sim().await;
    let dir = TempDir::new("sw-ban");
    sim.fail_next(
        SimOp::Login,
        SimFault::RateLimited {
            retry_after: Some(Duration::from_secs(300)),
        },
    );
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .fails("seaware", "login", "rate_limited");
    assert_eq!(sim.calls(SimOp::Login), 1);
    assert!(store_json(&dir.store_path())["banned_until"].is_i64());
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .fails("seaware", "login", "rate_limited");
    assert_eq!(sim.calls(SimOp::Login), 1, "the banned login was not sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_on_a_stored_session_need_a_store_and_a_session() {
    let sim = sim().await;
    let dir = TempDir::new("sw-nostore");
    cmd(&sim, None, &["refresh"])
        .run()
        .await
        .fails("seaware", "refresh", "configuration");
    cmd(&sim, Some(&dir), &["refresh"])
        .run()
        .await
        .fails("seaware", "refresh", "configuration");
    sessions()
        .args(["--json"])
        .args(dir.store())
        .args(["seaware", "status"])
        .run()
        .await
        .fails("seaware", "status", "configuration");
    let e = sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            &sim.base_url(),
        ])
        .args(["seaware", "login"])
        .run()
        .await
        .fails("seaware", "login", "configuration");
    assert!(
        e["message"].as_str().unwrap().contains("SEAWARE_USERNAME"),
        "{e}"
    );
}
