//! `sessions demo`: every provider's lifecycle against the embedded simulators, in under 10 s,
//! exiting 0, with a table per provider and progress on stderr.

use std::time::Duration;

use session_core::{Clock, SystemClock};

use crate::support::sessions;

#[tokio::test(flavor = "multi_thread")]
async fn demo_runs_every_provider_and_succeeds_quickly() {
    let started = SystemClock.now();
    let run = sessions().args(["demo"]).run().await;
    let took = SystemClock
        .now()
        .duration_since(started)
        .unwrap_or_default();
    run.code(0);
    assert!(took < Duration::from_secs(10), "demo took {took:?}");
    for provider in ["cas", "betfair", "seaware", "pagos", "matchbook"] {
        assert!(
            run.stdout.contains(&format!("{provider} — ok")),
            "{provider}: {}",
            run.stdout
        );
        assert!(
            run.stderr.contains(provider),
            "progress for {provider}: {}",
            run.stderr
        );
    }
    for step in [
        "login",
        "use",
        "renewal",
        "rejection",
        "logout",
        "bad password",
        "ban",
    ] {
        assert!(run.stdout.contains(step), "{step}: {}", run.stdout);
    }
    assert!(!run.stdout.contains("FAILED"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_json_is_one_object_with_every_step() {
    let run = sessions()
        .args(["--json", "demo"])
        .env("RUST_LOG", "trace")
        .run()
        .await;
    run.code(0);
    let v = run.json();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["command"], "demo");
    let providers = v["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 5);
    for p in providers {
        assert_eq!(p["ok"], true, "{p}");
        assert!(p["steps"].as_array().unwrap().len() >= 7, "{p}");
    }
    assert_eq!(v["steps"], v["passed"]);
    // The demo's own credentials and the simulators' tokens stay out of the output.
    run.clean(&[
        "demo-password",
        session_betfair::SIM_TOKEN_PREFIX,
        session_seaware::SIM_TOKEN_PREFIX,
        session_matchbook::SIM_TOKEN_PREFIX,
        "sim-client-secret",
        "sim-token-",
    ]);
}
