//! `sessions cas ...` against `CasSim`: William Hill (default flavor) and Apereo — login,
//! status, validate, service-ticket, logout, and the failure kinds.

use std::time::Duration;

use session_cas::{CasSim, Flavor, SimFault, SimOp};

use crate::support::{Sessions, TempDir, sessions, store_json};

pub(crate) const USER: &str = "punter_sentinel";
pub(crate) const PASSWORD: &str = "PW-SENTINEL-cas-7f3a";
pub(crate) const API_KEY: &str = "l7xxAPIKEYSENTINEL00";
pub(crate) const API_SECRET: &str = "SECRET-SENTINEL-cas-52e1";
pub(crate) const TAG: &str = "TKTSENTINEL";
pub(crate) const TARGET: &str = "https://sports.example.com/login";

pub(crate) fn secrets() -> [&'static str; 3] {
    [PASSWORD, API_SECRET, TAG]
}

pub(crate) async fn sim(flavor: Flavor) -> CasSim {
    CasSim::builder(flavor)
        .user(USER, PASSWORD)
        .user("locked_punter", PASSWORD)
        .api_credentials(API_KEY, API_SECRET)
        .ticket_tag(TAG)
        .start()
        .await
        .expect("simulator starts")
}

/// `sessions --json --insecure-loopback --base-url <sim> [store] cas [flavor] <args>`.
pub(crate) fn cmd(sim: &CasSim, dir: Option<&TempDir>, args: &[&str]) -> Sessions {
    let mut c = sessions().args([
        "--json",
        "--insecure-loopback",
        "--base-url",
        &sim.base_url(),
    ]);
    if let Some(dir) = dir {
        c = c.args(dir.store());
    }
    c = c.args(["cas"]);
    if sim.flavor() == Flavor::Apereo {
        c = c.args(["--flavor", "apereo"]);
    }
    c.args(args).envs(&[
        ("CAS_USERNAME", USER),
        ("CAS_PASSWORD", PASSWORD),
        ("CAS_API_KEY", API_KEY),
        ("CAS_API_SECRET", API_SECRET),
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn whapi_login_stores_the_ticket_and_reveals_it_only_on_request() {
    let sim = sim(Flavor::WhApi).await;
    let dir = TempDir::new("cas-login");
    let v = cmd(&sim, Some(&dir), &["--territory", "COM", "login"])
        .run()
        .await
        .clean(&secrets())
        .ok("cas", "login");
    assert!(v["expires_at"].is_string());
    assert_eq!(v["extended"], false);
    assert!(v.get("token").is_none());
    assert_eq!(sim.calls(SimOp::Login), 1);
    assert_eq!(store_json(&dir.store_path())["provider"], "cas");

    let v = cmd(&sim, None, &["login", "--reveal"])
        .run()
        .await
        .ok("cas", "login");
    assert!(v["token"].as_str().unwrap().contains(TAG), "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn extended_login_asks_for_a_long_ticket() {
    let sim = sim(Flavor::WhApi).await;
    let v = cmd(&sim, None, &["login", "--extended"])
        .run()
        .await
        .ok("cas", "login");
    assert_eq!(v["extended"], true, "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_service_ticket_status_and_logout_use_the_stored_ticket() {
    let sim = sim(Flavor::WhApi).await;
    let dir = TempDir::new("cas-flow");
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .ok("cas", "login");

    let v = cmd(&sim, Some(&dir), &["validate"])
        .run()
        .await
        .clean(&secrets())
        .ok("cas", "validate");
    assert_eq!(v["valid"], true);
    assert_eq!(sim.calls(SimOp::Validate), 1);

    let v = cmd(&sim, Some(&dir), &["service-ticket", "--target", TARGET])
        .run()
        .await
        .clean(&secrets())
        .ok("cas", "service-ticket");
    assert!(v.get("service_ticket").is_none(), "{v}");
    assert_eq!(v["target"], TARGET);

    let v = cmd(
        &sim,
        Some(&dir),
        &["service-ticket", "--target", TARGET, "--reveal"],
    )
    .run()
    .await
    .ok("cas", "service-ticket");
    let st = v["service_ticket"].as_str().unwrap();
    assert_eq!(sim.redeem_service_ticket(st, TARGET).as_deref(), Some(USER));
    assert_eq!(sim.calls(SimOp::ServiceTicket), 2);

    let calls = sim.requests().len();
    let v = sessions()
        .args(["--json"])
        .args(dir.store())
        .args(["cas", "status"])
        .run()
        .await
        .ok("cas", "status");
    assert!(v["expires_at"].is_string());
    assert_eq!(sim.requests().len(), calls, "status makes no request");

    let v = cmd(&sim, Some(&dir), &["logout"])
        .run()
        .await
        .clean(&secrets())
        .ok("cas", "logout");
    assert_eq!(v["ended"], true);
    assert_eq!(sim.calls(SimOp::Logout), 1);
    assert_eq!(sim.live_tickets(), 0);
    assert!(!dir.store_path().exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_the_server_forgot_is_session_rejected_and_logout_still_succeeds() {
    let sim = sim(Flavor::WhApi).await;
    let dir = TempDir::new("cas-gone");
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .ok("cas", "login");
    sim.revoke_all();
    cmd(&sim, Some(&dir), &["validate"])
        .run()
        .await
        .fails("cas", "validate", "session_rejected");
    cmd(&sim, Some(&dir), &["service-ticket", "--target", TARGET])
        .run()
        .await
        .fails("cas", "service-ticket", "session_rejected");
    cmd(&sim, Some(&dir), &["logout"])
        .run()
        .await
        .ok("cas", "logout");
    assert!(!dir.store_path().exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn apereo_flavor_runs_every_command() {
    let sim = sim(Flavor::Apereo).await;
    let dir = TempDir::new("cas-apereo");
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .clean(&secrets())
        .ok("cas", "login");
    cmd(&sim, Some(&dir), &["validate"])
        .run()
        .await
        .ok("cas", "validate");
    let v = cmd(
        &sim,
        Some(&dir),
        &["service-ticket", "--target", TARGET, "--reveal"],
    )
    .run()
    .await
    .ok("cas", "service-ticket");
    assert!(
        sim.redeem_service_ticket(v["service_ticket"].as_str().unwrap(), TARGET)
            .is_some()
    );
    cmd(&sim, Some(&dir), &["logout"])
        .run()
        .await
        .ok("cas", "logout");
    assert_eq!(sim.live_tickets(), 0);
    // Apereo needs no API key and has no default base URL.
    sessions()
        .args(["--json", "cas", "--flavor", "apereo", "login"])
        .envs(&[("CAS_USERNAME", USER), ("CAS_PASSWORD", PASSWORD)])
        .run()
        .await
        .fails("cas", "login", "configuration");
    cmd(&sim, None, &["login", "--extended"])
        .run()
        .await
        .fails("cas", "login", "configuration");
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_map_to_their_kinds_and_exit_codes() {
    let sim = sim(Flavor::WhApi).await;
    let e = cmd(&sim, None, &["login"])
        .env("CAS_PASSWORD", "PW-SENTINEL-cas-wrong")
        .run()
        .await
        .clean(&["PW-SENTINEL-cas-wrong"])
        .fails("cas", "login", "invalid_credentials");
    assert!(e["code"].is_string(), "{e}");
    sim.lock_account("locked_punter");
    cmd(&sim, None, &["login"])
        .env("CAS_USERNAME", "locked_punter")
        .run()
        .await
        .fails("cas", "login", "account_restricted");
    sim.fail_next(SimOp::Login, SimFault::Unavailable);
    cmd(&sim, None, &["login"])
        .run()
        .await
        .fails("cas", "login", "unavailable");
    sim.fail_next(SimOp::Login, SimFault::Status(302));
    cmd(&sim, None, &["login"])
        .run()
        .await
        .fails("cas", "login", "unexpected_response");
    let e = cmd(&sim, None, &["login"])
        .env("CAS_API_SECRET", "")
        .run()
        .await
        .fails("cas", "login", "configuration");
    assert!(e["message"].as_str().unwrap().contains("CAS_API_SECRET"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ban_is_remembered_in_the_store_and_the_next_login_stays_local() {
    let sim = sim(Flavor::WhApi).await;
    let dir = TempDir::new("cas-ban");
    sim.ban_for(Duration::from_secs(600));
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .fails("cas", "login", "rate_limited");
    assert_eq!(sim.calls(SimOp::Login), 1);
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .fails("cas", "login", "rate_limited");
    assert_eq!(sim.calls(SimOp::Login), 1, "the banned login was not sent");
}
