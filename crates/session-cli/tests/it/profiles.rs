//! `--profile NAME`: sessions kept under the XDG state folder (folders 0700, files 0600), listed
//! by `profiles` without secrets; `status` without a stored session says so.

use crate::support::{TempDir, sessions};

/// `sessions --json --insecure-loopback --base-url <base> betfair <args>` with a state folder.
fn betfair(base: &str, state: &TempDir, args: &[&str]) -> crate::support::Sessions {
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
        assert_eq!(crate::support::mode(&file), 0o600);
        assert_eq!(crate::support::mode(&state.path("state/sessions")), 0o700);
        assert_eq!(
            crate::support::mode(&state.path("state/sessions/betfair")),
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
            .is_some_and(crate::support::is_rfc3339_utc),
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

/// On a terminal a missing credential is asked for without echo; `script` (util-linux) gives the
/// binary a pseudo-terminal, and the typed password arrives only after the prompt is up (and a
/// moment later, since the prompt is written just before echo is switched off).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_password_is_prompted_for_on_a_terminal_without_echo() {
    let sim = crate::betfair::sim().await;
    let base = crate::betfair::base(&sim);
    assert!(
        std::path::Path::new("/usr/bin/script").exists(),
        "this test needs util-linux's `script` (Debian: bsdutils, always installed)"
    );
    let line = format!(
        "{} betfair login --json --insecure-loopback --base-url {base}",
        crate::support::BIN
    );
    let password = crate::betfair::PASSWORD.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new("/usr/bin/script")
            .args(["-qec", &line, "/dev/null"])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("BETFAIR_APP_KEY", crate::betfair::APP_KEY)
            .env("BETFAIR_USERNAME", crate::betfair::USER)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Answer once the prompt is on the terminal (so echo is already off).
        let mut stdout = child.stdout.take().unwrap();
        let mut seen = Vec::new();
        let mut chunk = [0u8; 256];
        while !String::from_utf8_lossy(&seen).contains("BETFAIR_PASSWORD: ") {
            let n = std::io::Read::read(&mut stdout, &mut chunk).unwrap();
            assert!(
                n > 0,
                "ended before prompting: {:?}",
                String::from_utf8_lossy(&seen)
            );
            seen.extend_from_slice(&chunk[..n]);
        }
        // rpassword writes the prompt, then turns echo off: leave it a moment to do so.
        std::thread::sleep(std::time::Duration::from_millis(500));
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{password}").unwrap();
        std::io::Read::read_to_end(&mut stdout, &mut seen).unwrap();
        drop(stdin);
        let _ = child.wait();
        seen
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    assert!(
        text.contains("BETFAIR_PASSWORD: "),
        "the prompt names the variable: {text:?}"
    );
    assert!(
        !text.contains("PW-SENTINEL"),
        "the password is not echoed: {text:?}"
    );
    let json = text
        .lines()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON in {text:?}"));
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(sim.calls(session_betfair::SimOp::Login), 1);
}

/// Runs `line` under `script` (a pseudo-terminal) and returns everything it printed.
#[cfg(unix)]
fn on_terminal(line: String, env: Vec<(&'static str, String)>) -> String {
    let out = std::process::Command::new("/usr/bin/script")
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "xterm")
        .envs(env)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A login waiting behind another process's store lock shows a spinner on a terminal, and
/// nothing when stderr is not one.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_long_wait_shows_progress_only_on_a_terminal() {
    use session_core::SessionStore;
    let sim = crate::betfair::sim().await;
    let base = crate::betfair::base(&sim);
    let dir = TempDir::new("progress");
    let store = session_core::FileStore::new(dir.store_path());
    let env = vec![
        ("BETFAIR_APP_KEY", crate::betfair::APP_KEY.to_owned()),
        ("BETFAIR_USERNAME", crate::betfair::USER.to_owned()),
        ("BETFAIR_PASSWORD", crate::betfair::PASSWORD.to_owned()),
    ];
    let line = format!(
        "{} betfair login --insecure-loopback --base-url {base} --store {}",
        crate::support::BIN,
        dir.store_path().display()
    );
    // Held by "another process" for a second and a half.
    let lock = store
        .lock("", std::time::Duration::from_secs(30))
        .await
        .unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        lock.release().await.unwrap();
    });
    let text = tokio::task::spawn_blocking({
        let (line, env) = (line.clone(), env.clone());
        move || on_terminal(line, env)
    })
    .await
    .unwrap();
    release.await.unwrap();
    assert!(
        text.contains("betfair: logging in"),
        "a spinner while waiting: {text:?}"
    );
    assert!(text.contains("betfair login: ok"), "{text:?}");

    // The same wait without a terminal prints nothing on stderr.
    std::fs::remove_file(dir.store_path()).unwrap();
    let lock = store
        .lock("", std::time::Duration::from_secs(30))
        .await
        .unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        lock.release().await.unwrap();
    });
    let run = crate::betfair::cmd(&base, Some(&dir), &["login"])
        .run()
        .await;
    release.await.unwrap();
    run.ok("betfair", "login");
    assert!(run.stderr.is_empty(), "{:?}", run.stderr);
}
