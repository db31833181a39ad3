//! The session file: mode 0600, atomic replace (no temporary files left), one account per file,
//! unreadable files, and the age `status` reports.

use crate::support::{TempDir, sessions, store_json};

#[tokio::test(flavor = "multi_thread")]
async fn the_store_file_is_private_and_replaced_atomically() {
    let sim = crate::seaware::sim().await;
    let dir = TempDir::new("store-mode");
    // A second `login` would reuse the live session; two refreshes write the file twice more.
    let mut generations = Vec::new();
    for args in [&["login"][..], &["refresh"], &["refresh"]] {
        crate::seaware::cmd(&sim, Some(&dir), args)
            .run()
            .await
            .code(0);
        #[cfg(unix)]
        assert_eq!(crate::support::mode(&dir.store_path()), 0o600);
        generations.push(
            store_json(&dir.store_path())["generation"]
                .as_u64()
                .unwrap(),
        );
    }
    // Each write is a new session with a newer store-issued generation.
    assert!(
        generations.windows(2).all(|w| w[0] < w[1]),
        "{generations:?}"
    );
    let leftovers: Vec<String> = std::fs::read_dir(dir.path(""))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let stored = store_json(&dir.store_path());
    assert_eq!(stored["generation"].as_u64(), generations.last().copied());
    assert!(
        stored["key"]
            .as_str()
            .unwrap()
            .contains(crate::seaware::USER)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_of_another_provider_or_account_is_refused() {
    let sim = crate::seaware::sim().await;
    let dir = TempDir::new("store-other");
    crate::seaware::cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .code(0);
    let e = sessions()
        .args(["--json"])
        .args(dir.store())
        .args(["cas", "status"])
        .run()
        .await
        .fails("cas", "status", "configuration");
    assert!(
        e["message"].as_str().unwrap().contains("another provider"),
        "{e}"
    );
    let e = crate::seaware::cmd(&sim, Some(&dir), &["refresh"])
        .env("SEAWARE_USERNAME", "SOMEONE_ELSE")
        .run()
        .await
        .fails("seaware", "refresh", "configuration");
    assert!(
        e["message"].as_str().unwrap().contains("another account"),
        "{e}"
    );
    assert_eq!(sim.calls(session_seaware::SimOp::Refresh), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_store_is_a_configuration_error_that_echoes_nothing() {
    let dir = TempDir::new("store-corrupt");
    std::fs::write(dir.store_path(), "{\"key\": \"SECRET-SENTINEL-store\"").unwrap();
    let run = sessions()
        .args(["--json"])
        .args(dir.store())
        .args(["betfair", "status"])
        .run()
        .await;
    run.clean(&["SECRET-SENTINEL-store"]);
    run.fails("betfair", "status", "configuration");
}

#[tokio::test(flavor = "multi_thread")]
async fn renewals_do_not_reset_the_age_status_reports() {
    let sim = crate::betfair::sim().await;
    let base = crate::betfair::base(&sim);
    let dir = TempDir::new("store-age");
    crate::betfair::cmd(&base, Some(&dir), &["login"])
        .run()
        .await
        .code(0);
    // Pretend the login happened an hour ago: the login time is stored with the session.
    let mut stored = store_json(&dir.store_path());
    let mut state: serde_json::Value =
        serde_json::from_str(stored["state"].as_str().unwrap()).unwrap();
    let logged_in_at = state["logged_in_at"]
        .as_i64()
        .expect("the login time is stored");
    state["logged_in_at"] = serde_json::Value::from(logged_in_at - 3600);
    stored["state"] = serde_json::Value::String(state.to_string());
    std::fs::write(dir.store_path(), stored.to_string()).unwrap();
    crate::betfair::cmd(&base, Some(&dir), &["keepalive"])
        .run()
        .await
        .code(0);
    let v = sessions()
        .args(["--json"])
        .args(dir.store())
        .args(["betfair", "status"])
        .run()
        .await
        .ok("betfair", "status");
    let age = v["age_secs"].as_u64().unwrap();
    assert!((3599..3700).contains(&age), "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_in_a_missing_folder_fails_before_logging_in() {
    let sim = crate::seaware::sim().await;
    let dir = TempDir::new("store-missing");
    let path = dir.path("no/such/folder/session.json");
    let e = sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            &sim.base_url(),
        ])
        .args(["--store".to_owned(), path.display().to_string()])
        .args(["seaware", "login"])
        .envs(&[
            ("SEAWARE_USERNAME", crate::seaware::USER),
            ("SEAWARE_PASSWORD", crate::seaware::PASSWORD),
            ("SEAWARE_CLIENT_SECRET", crate::seaware::CLIENT_SECRET),
        ])
        .run()
        .await
        .fails("seaware", "login", "configuration");
    assert!(e["message"].as_str().unwrap().contains("--store"), "{e}");
    assert_eq!(sim.calls(session_seaware::SimOp::Login), 0);
}
