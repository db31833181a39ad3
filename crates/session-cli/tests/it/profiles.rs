//! `--profile NAME`: sessions kept under the XDG state folder (folders 0700, files 0600), listed
//! by `profiles` without secrets; `status` without a stored session says so.

use crate::common::{TempDir, sessions};

/// `sessions --json --insecure-loopback --base-url <base> betfair <args>` with a state folder.
fn betfair(base: &str, state: &TempDir, args: &[&str]) -> crate::common::Sessions {
    sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            base,
            "betfair",
        ])
        .args(args)
        .envs(&[
            ("BETFAIR_APP_KEY", crate::betfair::APP_KEY),
            ("BETFAIR_USERNAME", crate::betfair::USER),
            ("BETFAIR_PASSWORD", crate::betfair::PASSWORD),
            ("XDG_STATE_HOME", &state.path("state").display().to_string()),
        ])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_lives_in_the_state_folder_and_is_listed_without_secrets() {
    let sim = crate::betfair::sim().await;
    let base = crate::betfair::base(&sim);
    let state = TempDir::new("profiles");
    let v = betfair(&base, &state, &["login", "--profile", "work"])
        .run()
        .await
        .clean(&crate::betfair::secrets())
        .ok("betfair", "login");
    assert_eq!(v["stored"], true);
    let file = state.path("state/sessions/betfair/work.json");
    assert!(file.is_file(), "{}", file.display());
    #[cfg(unix)]
    {
        assert_eq!(crate::common::mode(&file), 0o600);
        assert_eq!(crate::common::mode(&state.path("state/sessions")), 0o700);
        assert_eq!(
            crate::common::mode(&state.path("state/sessions/betfair")),
            0o700
        );
    }
    // The profile is found again by name; options anywhere on the line.
    betfair(&base, &state, &["status", "--profile", "work"])
        .run()
        .await
        .ok("betfair", "status");
    betfair(&base, &state, &["--profile", "work", "keepalive"])
        .run()
        .await
        .ok("betfair", "keepalive");
    let v = betfair(&base, &state, &["profiles"])
        .run()
        .await
        .clean(&crate::betfair::secrets())
        .ok("betfair", "profiles");
    assert_eq!(v["count"], 1, "{v}");
    let p = &v["profiles"][0];
    assert_eq!(p["name"], "work");
    assert_eq!(p["expired"], false);
    assert!(
        p["expires_at"]
            .as_str()
            .is_some_and(crate::common::is_rfc3339_utc),
        "{v}"
    );
    assert!(
        p["account"]
            .as_str()
            .unwrap()
            .contains(crate::betfair::USER),
        "{v}"
    );
    // Without JSON too.
    let text = sessions()
        .args(["betfair", "profiles"])
        .env("XDG_STATE_HOME", &state.path("state").display().to_string())
        .run()
        .await;
    text.code(0).clean(&crate::betfair::secrets());
    assert!(text.stdout.contains("work"), "{}", text.stdout);
    betfair(&base, &state, &["logout", "--profile", "work"])
        .run()
        .await
        .ok("betfair", "logout");
    assert!(!file.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_xdg_state_home_profiles_go_under_home() {
    let sim = crate::seaware::sim().await;
    let home = TempDir::new("home");
    sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            &sim.base_url(),
        ])
        .args(["--profile", "default", "seaware", "login"])
        .envs(&[
            ("SEAWARE_USERNAME", crate::seaware::USER),
            ("SEAWARE_PASSWORD", crate::seaware::PASSWORD),
            ("SEAWARE_CLIENT_SECRET", crate::seaware::CLIENT_SECRET),
            ("HOME", &home.path("").display().to_string()),
            // A relative XDG_STATE_HOME is ignored, as the XDG spec says.
            ("XDG_STATE_HOME", "relative/state"),
        ])
        .run()
        .await
        .ok("seaware", "login");
    assert!(
        home.path(".local/state/sessions/seaware/default.json")
            .is_file()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_profile_names_and_missing_sessions_are_configuration_errors() {
    let state = TempDir::new("profiles-bad");
    for name in ["../escape", ".hidden", "a/b", ""] {
        let e = betfair(
            "https://unused.invalid",
            &state,
            &["status", "--profile", name],
        )
        .run()
        .await
        .fails("betfair", "status", "configuration");
        assert!(e["message"].as_str().unwrap().contains("--profile"), "{e}");
    }
    let e = betfair(
        "https://unused.invalid",
        &state,
        &["status", "--profile", "nobody"],
    )
    .run()
    .await
    .fails("betfair", "status", "configuration");
    assert_eq!(e["code"], "NO_SESSION");
    let e = betfair("https://unused.invalid", &state, &["status"])
        .run()
        .await
        .fails("betfair", "status", "configuration");
    assert_eq!(e["code"], "NO_STORE");
    let v = betfair("https://unused.invalid", &state, &["profiles"])
        .run()
        .await
        .ok("betfair", "profiles");
    assert_eq!(v["count"], 0);
    assert!(
        !state.path("state").exists(),
        "reading commands create no folders"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn login_without_store_or_profile_writes_nothing() {
    let sim = crate::betfair::sim().await;
    let base = crate::betfair::base(&sim);
    let state = TempDir::new("profiles-none");
    let v = betfair(&base, &state, &["login"])
        .run()
        .await
        .ok("betfair", "login");
    assert_eq!(v["stored"], false);
    assert!(!state.path("state").exists());
}
