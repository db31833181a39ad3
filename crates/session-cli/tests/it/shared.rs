//! Concurrent `sessions` processes on one store share one login (the session manager's store lock
//! and adoption), and the ban bookkeeping survives absurd upstream numbers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use session_core::test_util::{SimResponse, SimServer};

use crate::support::{TempDir, store_json};

#[tokio::test(flavor = "multi_thread")]
async fn eight_concurrent_logins_on_one_store_make_one_upstream_login() {
    let sim = crate::betfair::sim().await;
    let dir = TempDir::new("bf-eight");
    let base = crate::betfair::base(&sim);
    let mut runs = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let c = crate::betfair::cmd(&base, Some(&dir), &["login"]);
        runs.spawn(c.run());
    }
    let mut reused = 0;
    while let Some(run) = runs.join_next().await {
        let v = run
            .unwrap()
            .clean(&crate::betfair::secrets())
            .ok("betfair", "login");
        if v["reused"] == true {
            reused += 1;
        }
    }
    assert_eq!(
        sim.calls(session_betfair::SimOp::Login),
        1,
        "exactly one upstream login"
    );
    assert_eq!(sim.active_sessions(), 1, "no session left open upstream");
    assert_eq!(reused, 7, "seven processes adopted the stored session");
    // One session: one stored generation (issued by the store, so its value is the store's).
    let stored = store_json(&dir.store_path());
    assert!(
        stored["generation"].as_u64().is_some_and(|g| g > 0),
        "{stored}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_login_reuses_the_live_stored_session() {
    let sim = crate::seaware::sim().await;
    let dir = TempDir::new("sw-reuse");
    let first = crate::seaware::cmd(&sim, Some(&dir), &["login"])
        .run()
        .await;
    assert_eq!(first.ok("seaware", "login")["reused"], false);
    let second = crate::seaware::cmd(&sim, Some(&dir), &["login"])
        .run()
        .await;
    assert_eq!(second.ok("seaware", "login")["reused"], true);
    assert_eq!(sim.calls(session_seaware::SimOp::Login), 1);
    // Without a store nothing is shared: each login is its own.
    let v = crate::seaware::cmd(&sim, None, &["login"])
        .run()
        .await
        .ok("seaware", "login");
    assert_eq!(
        (v["stored"].clone(), v["reused"].clone()),
        (false.into(), false.into())
    );
    assert_eq!(sim.calls(session_seaware::SimOp::Login), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absurd_retry_after_records_a_clamped_ban_and_does_not_panic() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = SimServer::start(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
        SimResponse::json(429, serde_json::json!({"error": "slow down"}))
            .header("Retry-After", "9223372036854775807")
    })
    .await
    .unwrap();
    let dir = TempDir::new("sw-absurd-ban");
    let base = server.base_url();
    let login = || {
        crate::support::sessions()
            .args(["--json", "--insecure-loopback", "--base-url", &base])
            .args(dir.store())
            .args(["seaware", "login"])
            .envs(&[
                ("SEAWARE_USERNAME", crate::seaware::USER),
                ("SEAWARE_PASSWORD", crate::seaware::PASSWORD),
            ])
    };
    let run = login().run().await;
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run.fails("seaware", "login", "rate_limited");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let stored = store_json(&dir.store_path());
    let until = stored["banned_until"]
        .as_i64()
        .expect("the ban is recorded");
    let now = i64::try_from(
        session_core::Clock::now(&session_core::SystemClock)
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    assert!(
        (now + 24 * 3600 - 60..=now + 24 * 3600 + 60).contains(&until),
        "the ban is clamped to 24 h: {until} vs now {now}"
    );
    // Inside the ban no request is sent.
    login()
        .run()
        .await
        .fails("seaware", "login", "rate_limited");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the banned login stayed local"
    );
    // A logout has no session to end and keeps the ban.
    let v = crate::support::sessions()
        .args(["--json", "--insecure-loopback", "--base-url", &base])
        .args(dir.store())
        .args(["seaware", "logout"])
        .env("SEAWARE_USERNAME", crate::seaware::USER)
        .run()
        .await
        .ok("seaware", "logout");
    assert_eq!(v["ended"], false);
    assert_eq!(store_json(&dir.store_path())["banned_until"], until);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
