//! No password, secret, token, ticket or session id on stdout or stderr, with `RUST_LOG=trace`
//! (the binary then logs every `tracing` event and `log` record of every crate to stderr), over
//! each provider's whole lifecycle and its failures — except what `--reveal` asks for.

use session_cas::Flavor;
use session_pagos::SimOp;

use crate::support::{Run, TempDir};

/// Asserts that a network command run with `RUST_LOG=trace` produced diagnostics, or the leak
/// check would prove nothing.
fn traced(run: &Run) {
    assert!(
        run.stderr.contains("TRACE") || run.stderr.contains("DEBUG"),
        "RUST_LOG=trace must produce diagnostics: {:?}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn seaware_lifecycle_leaks_nothing_at_trace_level() {
    let sim = crate::seaware::sim().await;
    let dir = TempDir::new("leak-sw");
    let secrets = crate::seaware::secrets();
    for args in [
        &["login"][..],
        &["status"],
        &["refresh"],
        &["logout"],
        &["logout"],
    ] {
        let run = crate::seaware::cmd(&sim, Some(&dir), args)
            .env("RUST_LOG", "trace")
            .run()
            .await;
        run.code(0).clean(&secrets);
        if !matches!(args[0], "status") && !run.stdout.contains("\"ended\":false") {
            traced(&run);
        }
    }
    // Failures, including a refused refresh whose error description echoes the token.
    crate::seaware::cmd(&sim, Some(&dir), &["login"])
        .run()
        .await
        .code(0);
    sim.drop_sessions();
    sim.set_refresh(true);
    let run = crate::seaware::cmd(&sim, Some(&dir), &["refresh"])
        .env("RUST_LOG", "trace")
        .env("SEAWARE_PASSWORD", "PW-SENTINEL-leak-wrong")
        .run()
        .await;
    run.clean(&[
        "PW-SENTINEL-leak-wrong",
        crate::seaware::CLIENT_SECRET,
        session_seaware::SIM_TOKEN_PREFIX,
    ]);
    run.fails("seaware", "refresh", "invalid_credentials");
}

#[tokio::test(flavor = "multi_thread")]
async fn cas_lifecycle_leaks_nothing_at_trace_level() {
    let sim = crate::cas::sim(Flavor::WhApi).await;
    let dir = TempDir::new("leak-cas");
    let secrets = crate::cas::secrets();
    for args in [
        &["login"][..],
        &["validate"],
        &["service-ticket", "--target", crate::cas::TARGET],
        &["status"],
        &["logout"],
    ] {
        let run = crate::cas::cmd(&sim, Some(&dir), args)
            .env("RUST_LOG", "trace")
            .run()
            .await;
        run.code(0).clean(&secrets);
        if !matches!(args[0], "status") && !run.stdout.contains("\"ended\":false") {
            traced(&run);
        }
    }
    let run = crate::cas::cmd(&sim, Some(&dir), &["login"])
        .env("RUST_LOG", "trace")
        .env("CAS_PASSWORD", "PW-SENTINEL-cas-leak-wrong")
        .run()
        .await;
    run.clean(&[&secrets[..], &["PW-SENTINEL-cas-leak-wrong"]].concat());
    run.fails("cas", "login", "invalid_credentials");
    for ticket in sim.issued_tickets() {
        assert!(!ticket.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn betfair_lifecycle_leaks_nothing_at_trace_level() {
    let sim = crate::betfair::sim().await;
    let base = crate::betfair::base(&sim);
    let dir = TempDir::new("leak-bf");
    let secrets = crate::betfair::secrets();
    for args in [&["login"][..], &["keepalive"], &["status"], &["logout"]] {
        let run = crate::betfair::cmd(&base, Some(&dir), args)
            .env("RUST_LOG", "trace")
            .run()
            .await;
        run.code(0).clean(&secrets);
        if !matches!(args[0], "status") && !run.stdout.contains("\"ended\":false") {
            traced(&run);
        }
    }
    sim.fail_next(
        session_betfair::SimOp::Login,
        session_betfair::SimFault::Provider(session_betfair::BetfairFault::login(
            "FAIL",
            "TEMPORARY_BAN_TOO_MANY_REQUESTS",
        )),
    );
    for _ in 0..2 {
        let run = crate::betfair::cmd(&base, Some(&dir), &["login"])
            .env("RUST_LOG", "trace")
            .run()
            .await;
        run.clean(&secrets);
        run.fails("betfair", "login", "rate_limited");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pagos_lifecycle_leaks_nothing_at_trace_level() {
    let sim = crate::pagos::sim().await;
    let dir = TempDir::new("leak-pg");
    let secrets = crate::pagos::secrets(&sim);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    for args in [&["open"][..], &["status"], &["close"]] {
        let run = crate::pagos::oauth(&sim, Some(&dir), args)
            .env("RUST_LOG", "trace")
            .run()
            .await;
        run.code(0).clean(&secrets);
        if !matches!(args[0], "status") && !run.stdout.contains("\"ended\":false") {
            traced(&run);
        }
    }
    for args in [&["open"][..], &["close"]] {
        let run = crate::pagos::fixed(&sim, Some(&dir), args)
            .env("RUST_LOG", "trace")
            .run()
            .await;
        run.code(0).clean(&secrets);
    }
    sim.fail_next(
        SimOp::Open,
        session_pagos::SimFault::Provider(session_pagos::PagosFault::InvalidToken),
    );
    let run = crate::pagos::fixed(&sim, None, &["open"])
        .env("RUST_LOG", "trace")
        .run()
        .await;
    run.clean(&secrets);
    run.fails("pagos", "open", "session_rejected");
}

#[tokio::test(flavor = "multi_thread")]
async fn reveal_shows_only_what_the_command_created() {
    let sim = crate::betfair::sim().await;
    let run = crate::betfair::cmd(&crate::betfair::base(&sim), None, &["login", "--reveal"])
        .env("RUST_LOG", "trace")
        .run()
        .await;
    let v = run.ok("betfair", "login");
    let token = v["token"].as_str().unwrap();
    // The token is on stdout once, and nowhere on stderr; the password and app key nowhere.
    assert_eq!(run.stdout.matches(token).count(), 1);
    assert!(!run.stderr.contains(token));
    run.clean(&["PW-SENTINEL-bf-7f3a", crate::betfair::APP_KEY]);
}
