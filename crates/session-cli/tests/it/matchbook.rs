//! `sessions matchbook ...` against `MatchbookSim`: login (with and without an MFA code),
//! status, check, logout and exec, with no secret on stdout or stderr.

use session_matchbook::{MatchbookSim, SIM_TOKEN_PREFIX, SimOp};

use crate::support::{Sessions, TempDir, sessions};

pub(crate) const USER: &str = "BETTOR_SENTINEL";
pub(crate) const PASSWORD: &str = "PW-SENTINEL-mb-4b1d";
pub(crate) const MFA_USER: &str = "MFA_BETTOR";
pub(crate) const MFA_CODE: &str = "MFA-SENTINEL-9173";

pub(crate) fn secrets() -> [&'static str; 3] {
    [PASSWORD, MFA_CODE, SIM_TOKEN_PREFIX]
}

pub(crate) async fn sim() -> MatchbookSim {
    MatchbookSim::builder()
        .user(USER, PASSWORD)
        .mfa_user(MFA_USER, PASSWORD, MFA_CODE)
        .start()
        .await
        .expect("simulator starts")
}

/// `sessions --json --insecure-loopback --base-url <sim> [store] matchbook <args>` as `user`.
pub(crate) fn cmd_as(
    sim: &MatchbookSim,
    user: &str,
    dir: Option<&TempDir>,
    args: &[&str],
) -> Sessions {
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
    c.args(["matchbook"]).args(args).envs(&[
        ("MATCHBOOK_USERNAME", user),
        ("MATCHBOOK_PASSWORD", PASSWORD),
    ])
}

/// The same as the plain user.
pub(crate) fn cmd(sim: &MatchbookSim, dir: Option<&TempDir>, args: &[&str]) -> Sessions {
    cmd_as(sim, USER, dir, args)
}

#[tokio::test(flavor = "multi_thread")]
async fn login_status_check_and_logout_work_on_a_stored_session() {
    let sim = sim().await;
    let dir = TempDir::new("mb-cycle");
    let v = cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .clean(&secrets())
        .ok("matchbook", "login");
    assert!(v["expires_at"].is_string());
    assert_eq!(v["user_id"], 1000);
    assert_eq!(v["stored"], true);
    assert!(v.get("token").is_none(), "{v}");
    let status = sessions()
        .args(["--json"])
        .args(dir.store())
        .args(["matchbook", "status"])
        .run()
        .await
        .ok("matchbook", "status");
    assert_eq!(status["expired"], false);
    let checked = sessions()
        .args([
            "--json",
            "--insecure-loopback",
            "--base-url",
            &sim.base_url(),
        ])
        .args(dir.store())
        .args(["matchbook", "check"])
        .env("MATCHBOOK_USERNAME", USER)
        .run()
        .await
        .clean(&secrets())
        .ok("matchbook", "check");
    assert!(checked["expires_at"].is_string());
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Check)), (1, 1));
    cmd(&sim, Some(&dir), &["logout"])
        .run()
        .await
        .clean(&secrets())
        .ok("matchbook", "logout");
    assert_eq!(sim.calls(SimOp::Logout), 1);
    assert_eq!(sim.active_sessions(), 0);
    assert!(!dir.store_path().exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn check_of_an_ended_session_is_rejected_and_never_logs_in() {
    let sim = sim().await;
    let dir = TempDir::new("mb-ended");
    cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .ok("matchbook", "login");
    sim.drop_sessions();
    cmd(&sim, Some(&dir), &["check"])
        .run()
        .await
        .clean(&secrets())
        .fails("matchbook", "check", "session_rejected");
    assert_eq!(sim.calls(SimOp::Login), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mfa_account_needs_matchbook_mfa_code() {
    let sim = sim().await;
    let v = cmd_as(&sim, MFA_USER, None, &["login"])
        .run()
        .await
        .clean(&secrets())
        .fails("matchbook", "login", "invalid_credentials");
    assert!(v.to_string().contains("LOGIN_MFA_REQUIRED"), "{v}");
    let v = cmd_as(&sim, MFA_USER, None, &["login", "--reveal"])
        .env("MATCHBOOK_MFA_CODE", MFA_CODE)
        .run()
        .await
        .ok("matchbook", "login");
    assert!(
        v["token"].as_str().unwrap().starts_with(SIM_TOKEN_PREFIX),
        "{v}"
    );
    assert_eq!(sim.requests()[1].request.json()["mfa-code"], MFA_CODE);
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_gives_the_child_the_token_and_base_url_but_no_password() {
    let sim = sim().await;
    let dir = TempDir::new("mb-exec");
    let out = dir.path("child.txt");
    let script = format!(
        "printf '%s|%s|%s|%s' \"$MATCHBOOK_SESSION_TOKEN\" \"$MATCHBOOK_BASE_URL\" \"${{MATCHBOOK_PASSWORD-unset}}\" \"${{MATCHBOOK_MFA_CODE-unset}}\" > '{}'",
        out.display()
    );
    cmd(&sim, Some(&dir), &["exec", "--", "/bin/sh", "-c", &script])
        .env("MATCHBOOK_MFA_CODE", MFA_CODE)
        .run()
        .await
        .code(0)
        .clean(&secrets());
    let got = std::fs::read_to_string(&out).unwrap();
    let parts: Vec<&str> = got.split('|').collect();
    assert!(parts[0].starts_with(SIM_TOKEN_PREFIX), "{got}");
    assert_eq!(parts[1], sim.base_url());
    assert_eq!((parts[2], parts[3]), ("unset", "unset"));
}
