//! `sessions <provider> exec -- CMD ARGS...`: the session goes only into the child's environment
//! (never stdout or stderr, even at `RUST_LOG=trace`), the exit code is the child's, a store's
//! session is reused and kept, and without a store the session is logged out after the child.

use session_betfair::{SIM_TOKEN_PREFIX, SimOp};

use crate::support::TempDir;

/// A shell child that writes what it got into `out` and exits with `code`.
fn child(out: &std::path::Path, code: u8) -> Vec<String> {
    vec![
        "/bin/sh".to_owned(),
        "-c".to_owned(),
        format!(
            "printf '%s|%s|%s' \"$BETFAIR_SESSION_TOKEN\" \"$BETFAIR_APP_KEY\" \"${{BETFAIR_PASSWORD-unset}}\" > '{}'; exit {code}",
            out.display()
        ),
    ]
}

fn exec_args(cmd: &[String]) -> Vec<&str> {
    let mut args = vec!["exec", "--"];
    args.extend(cmd.iter().map(String::as_str));
    args
}

#[tokio::test(flavor = "multi_thread")]
async fn the_secret_reaches_only_the_child_and_its_exit_code_comes_back() {
    let sim = crate::betfair::sim().await;
    let base = crate::betfair::base(&sim);
    let dir = TempDir::new("exec-store");
    let out = dir.path("child.txt");
    let cmd = child(&out, 7);
    let run = crate::betfair::cmd(&base, Some(&dir), &exec_args(&cmd))
        .env("RUST_LOG", "trace")
        .run()
        .await;
    run.code(7).clean(&crate::betfair::secrets());
    assert!(
        run.stdout.is_empty(),
        "exec prints nothing of its own: {:?}",
        run.stdout
    );
    let got = std::fs::read_to_string(&out).unwrap();
    let parts: Vec<&str> = got.split('|').collect();
    assert!(parts[0].starts_with(SIM_TOKEN_PREFIX), "{got}");
    assert!(sim.is_live(&session_core::SessionToken::new(parts[0])));
    assert_eq!(parts[1], crate::betfair::APP_KEY);
    assert_eq!(parts[2], "unset", "the password is not passed on");
    // The stored session is reused by the next exec and kept afterwards.
    let run = crate::betfair::cmd(&base, Some(&dir), &exec_args(&child(&out, 0)))
        .run()
        .await;
    run.code(0);
    assert_eq!(sim.calls(SimOp::Login), 1);
    assert_eq!(sim.active_sessions(), 1);
    assert!(dir.store_path().is_file());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_store_exec_logs_in_for_the_child_and_out_after() {
    let sim = crate::betfair::sim().await;
    let base = crate::betfair::base(&sim);
    let dir = TempDir::new("exec-nostore");
    let out = dir.path("child.txt");
    let run = crate::betfair::cmd(&base, None, &exec_args(&child(&out, 3)))
        .env("RUST_LOG", "trace")
        .run()
        .await;
    run.code(3).clean(&crate::betfair::secrets());
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with(SIM_TOKEN_PREFIX)
    );
    assert_eq!(sim.calls(SimOp::Login), 1);
    assert_eq!(sim.calls(SimOp::Logout), 1);
    assert_eq!(sim.active_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_that_cannot_start_is_a_configuration_error() {
    let sim = crate::betfair::sim().await;
    let base = crate::betfair::base(&sim);
    let e = crate::betfair::cmd(&base, None, &["exec", "--", "/nonexistent/program"])
        .run()
        .await
        .fails("betfair", "exec", "configuration");
    assert_eq!(e["code"], "COMMAND_NOT_FOUND");
    assert_eq!(
        sim.active_sessions(),
        0,
        "the session made for it was logged out"
    );
    // A failed login runs nothing.
    let dir = TempDir::new("exec-badpw");
    let out = dir.path("child.txt");
    crate::betfair::cmd(&base, None, &exec_args(&child(&out, 0)))
        .env("BETFAIR_PASSWORD", "wrong")
        .run()
        .await
        .fails("betfair", "exec", "invalid_credentials");
    assert!(!out.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_provider_documents_and_sets_its_variables() {
    let sim = crate::seaware::sim().await;
    let dir = TempDir::new("exec-sw");
    let out = dir.path("child.txt");
    let script = format!(
        "printf '%s|%s|%s' \"$SEAWARE_ACCESS_TOKEN\" \"$SEAWARE_BASE_URL\" \"${{SEAWARE_PASSWORD-unset}}\" > '{}'",
        out.display()
    );
    crate::seaware::cmd(&sim, Some(&dir), &["exec", "--", "/bin/sh", "-c", &script])
        .run()
        .await
        .code(0)
        .clean(&crate::seaware::secrets());
    let got = std::fs::read_to_string(&out).unwrap();
    let parts: Vec<&str> = got.split('|').collect();
    assert!(
        parts[0].starts_with(session_seaware::SIM_TOKEN_PREFIX),
        "{got}"
    );
    assert_eq!(parts[1], sim.base_url());
    assert_eq!(parts[2], "unset");
    for (provider, vars) in [
        ("cas", &["CAS_TGT", "CAS_USERNAME"][..]),
        ("betfair", &["BETFAIR_SESSION_TOKEN", "BETFAIR_APP_KEY"]),
        ("seaware", &["SEAWARE_ACCESS_TOKEN", "SEAWARE_PASSWORD"]),
        ("pagos", &["PAGOS_SESSION_ID", "PAGOS_TOKEN"]),
        (
            "matchbook",
            &["MATCHBOOK_SESSION_TOKEN", "MATCHBOOK_MFA_CODE"],
        ),
    ] {
        let help = crate::support::sessions()
            .args([provider, "--help"])
            .run()
            .await;
        help.code(0);
        for var in vars {
            assert!(
                help.stdout.contains(var),
                "{provider} --help names {var}: {}",
                help.stdout
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pagos_and_cas_children_get_their_session_too() {
    let sim = crate::pagos::sim().await;
    let dir = TempDir::new("exec-pagos");
    let out = dir.path("child.txt");
    let script = format!(
        "printf '%s|%s' \"$PAGOS_SESSION_ID\" \"${{PAGOS_TOKEN-unset}}\" > '{}'",
        out.display()
    );
    let run = crate::pagos::fixed(&sim, None, &["exec", "--", "/bin/sh", "-c", &script])
        .run()
        .await;
    let secrets = crate::pagos::secrets(&sim);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    run.code(0).clean(&secrets);
    let got = std::fs::read_to_string(&out).unwrap();
    let (id, token) = got.split_once('|').unwrap();
    assert_eq!(id.len(), 36, "a GUID: {got}");
    assert_eq!(token, "unset", "the bearer token is not passed on");
    assert_eq!(sim.open_sessions(), 0, "closed after the child (no store)");

    let cas = crate::cas::sim(session_cas::Flavor::WhApi).await;
    let dir = TempDir::new("exec-cas");
    let out = dir.path("child.txt");
    let script = format!("printf '%s' \"$CAS_TGT\" > '{}'", out.display());
    crate::cas::cmd(&cas, Some(&dir), &["exec", "--", "/bin/sh", "-c", &script])
        .run()
        .await
        .code(0)
        .clean(&crate::cas::secrets());
    let tgt = std::fs::read_to_string(&out).unwrap();
    assert!(tgt.contains(crate::cas::TAG), "{tgt}");
    assert_eq!(cas.live_tickets(), 1, "kept in the store");
}
