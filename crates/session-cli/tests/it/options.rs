//! Options that shape a session are stored with it and reused by later commands; a conflicting
//! option is a configuration error, never a silent switch.

use session_seaware::{SeawareSim, SimOp};

use crate::seaware::{CLIENT_SECRET, PASSWORD, USER};
use crate::support::{TempDir, sessions, store_json};

fn seaware(sim: &SeawareSim, dir: &TempDir, args: &[&str]) -> crate::support::Sessions {
    sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            &sim.base_url(),
        ])
        .args(dir.store())
        .args(["seaware"])
        .args(args)
        .envs(&[
            ("SEAWARE_USERNAME", USER),
            ("SEAWARE_PASSWORD", PASSWORD),
            ("SEAWARE_CLIENT_SECRET", CLIENT_SECRET),
        ])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_refresh_keeps_the_placement_the_login_used() {
    // This server refuses token parameters in the query string.
    let sim = SeawareSim::builder()
        .user(USER, PASSWORD)
        .client("ota", CLIENT_SECRET)
        .accept_query(false)
        .start()
        .await
        .unwrap();
    let dir = TempDir::new("opt-form");
    seaware(&sim, &dir, &["login", "--params", "form"])
        .run()
        .await
        .ok("seaware", "login");
    let stored = store_json(&dir.store_path());
    let state: serde_json::Value = serde_json::from_str(stored["state"].as_str().unwrap()).unwrap();
    assert_eq!(state["options"]["params"], "form", "{state}");
    assert_eq!(state["options"]["scope"], "travelagent", "{state}");
    let v = seaware(&sim, &dir, &["refresh"])
        .run()
        .await
        .ok("seaware", "refresh");
    assert_eq!(
        v["renewed_by"], "refresh",
        "the refresh went in the form body"
    );
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Refresh)), (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conflicting_option_is_a_configuration_error_and_sends_nothing() {
    let sim = crate::seaware::sim().await;
    let dir = TempDir::new("opt-conflict");
    seaware(&sim, &dir, &["--params", "form", "login"])
        .run()
        .await
        .ok("seaware", "login");
    let e = seaware(&sim, &dir, &["refresh", "--params", "query"])
        .run()
        .await
        .fails("seaware", "refresh", "configuration");
    assert_eq!(e["code"], "OPTION_CONFLICT");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("--params query conflicts"), "{message}");
    let e = seaware(&sim, &dir, &["login", "--scope", "resagent"])
        .run()
        .await
        .fails("seaware", "login", "configuration");
    assert_eq!(e["code"], "OPTION_CONFLICT");
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Refresh)), (1, 0));
    // Repeating the stored value is fine.
    seaware(&sim, &dir, &["refresh", "--params", "form"])
        .run()
        .await
        .ok("seaware", "refresh");
}

#[tokio::test(flavor = "multi_thread")]
async fn betfair_jurisdiction_and_cas_flavor_are_kept_too() {
    let sim = crate::betfair::sim().await;
    let dir = TempDir::new("opt-bf");
    let base = crate::betfair::base(&sim);
    crate::betfair::cmd(&base, Some(&dir), &["login", "--jurisdiction", "italy"])
        .run()
        .await
        .ok("betfair", "login");
    crate::betfair::cmd(&base, Some(&dir), &["keepalive"])
        .run()
        .await
        .ok("betfair", "keepalive");
    let e = crate::betfair::cmd(&base, Some(&dir), &["keepalive", "--jurisdiction", "spain"])
        .run()
        .await
        .fails("betfair", "keepalive", "configuration");
    assert_eq!(e["code"], "OPTION_CONFLICT");

    let cas = session_cas::CasSim::builder(session_cas::Flavor::Apereo)
        .user(crate::cas::USER, crate::cas::PASSWORD)
        .start()
        .await
        .unwrap();
    let dir = TempDir::new("opt-cas");
    let run = |args: &[&str]| {
        sessions()
            .args([
                "--json",
                "--insecure-loopback",
                "--base-url",
                &cas.base_url(),
            ])
            .args(dir.store())
            .args(["cas"])
            .args(args)
            .envs(&[
                ("CAS_USERNAME", crate::cas::USER),
                ("CAS_PASSWORD", crate::cas::PASSWORD),
            ])
    };
    run(&["--flavor", "apereo", "login"])
        .run()
        .await
        .ok("cas", "login");
    // No --flavor: the stored apereo is used (whapi would need CAS_API_KEY).
    run(&["validate"]).run().await.ok("cas", "validate");
    let e = run(&["validate", "--flavor", "whapi"]).run().await.fails(
        "cas",
        "validate",
        "configuration",
    );
    assert_eq!(e["code"], "OPTION_CONFLICT");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_extended_login_does_not_reuse_a_short_cas_ticket() {
    let sim = crate::cas::sim(session_cas::Flavor::WhApi).await;
    let dir = TempDir::new("opt-extended");
    crate::cas::cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .ok("cas", "login");
    let e = crate::cas::cmd(&sim, Some(&dir), &["login", "--extended"])
        .run()
        .await
        .fails("cas", "login", "configuration");
    assert_eq!(e["code"], "OPTION_CONFLICT");
    assert_eq!(sim.calls(session_cas::SimOp::Login), 1);
}
