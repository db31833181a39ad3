//! Registration, seen from outside: every provider `sessions --help` lists is run by
//! `sessions demo` and served by `sessions simulate <name>`, and `usage_error` names it, so a
//! provider registered in one place but not the others fails here.

use crate::simulate::simulate;
use crate::support::sessions;

/// The providers `sessions --help` lists: its commands other than `demo`, `simulate`,
/// `completions` and `help`.
async fn listed_providers() -> Vec<String> {
    let run = sessions().args(["--help"]).run().await;
    run.code(0);
    let providers: Vec<String> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| !["demo", "simulate", "completions", "help"].contains(c))
        .map(str::to_owned)
        .collect();
    assert!(providers.len() >= 4, "{}", run.stdout);
    providers
}

#[tokio::test(flavor = "multi_thread")]
async fn every_provider_in_help_is_in_the_demo_and_can_be_simulated() {
    let providers = listed_providers().await;
    let demo = sessions().args(["--json", "demo"]).run().await;
    demo.code(0);
    let v = demo.json();
    let in_demo: Vec<&str> = v["providers"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["provider"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(in_demo, providers, "the demo runs every provider, in order");
    for provider in &providers {
        let sim = simulate(&[provider]).await;
        assert_eq!(sim.banner["ok"], true, "{provider}: {}", sim.banner);
        assert_eq!(sim.banner["provider"], provider.as_str());
        let prefix = format!("{}_", provider.to_uppercase());
        let credentials = sim.banner["credentials"].as_object().cloned();
        assert!(
            credentials.is_some_and(|c| !c.is_empty() && c.keys().all(|k| k.starts_with(&prefix))),
            "{provider}: {}",
            sim.banner
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_provider_in_help_has_its_own_help_and_usage_errors() {
    for provider in listed_providers().await {
        let help = sessions().args([provider.as_str(), "--help"]).run().await;
        help.code(0);
        assert!(
            help.stdout.contains("Environment:") && help.stdout.contains("status"),
            "{provider}: {}",
            help.stdout
        );
        let bad = sessions()
            .args(["--json", provider.as_str(), "no-such-command"])
            .run()
            .await;
        bad.code(2);
        assert_eq!(bad.json()["provider"], provider.as_str(), "{provider}");
    }
}
