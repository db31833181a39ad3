//! Logout: the exact request, "already gone" answers, and the opt-in logout on drop.

use std::time::Duration;

use httpmock::prelude::*;
use session_core::test_util::ManualClock;
use session_seaware::{ErrorKind, Event, LogoutOnDrop, SessionProvider, SimOp};

use crate::support::*;

async fn token_mock(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.method(POST).path("/ota/oauth/token");
            then.status(200)
                .header("content-type", "application/json")
                .body(token_body(TOKEN, TOKEN, 900));
        })
        .await
}

#[tokio::test]
async fn logout_posts_the_bearer_without_a_body_and_accepts_success() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    token_mock(&server).await;
    let logout = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ota/oauth/logout")
                .header("authorization", format!("Bearer {TOKEN}"))
                .is_true(|r| r.uri().query().is_none())
                .body("");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"status":"success"}"#);
        })
        .await;
    let provider = mock_provider(&server, &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    provider.logout(&session).await.unwrap();
    assert_eq!(logout.calls_async().await, 1);
}

#[tokio::test]
async fn a_401_on_logout_counts_as_logged_out() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    token_mock(&server).await;
    let logout = server
        .mock_async(|when, then| {
            when.method(POST).path("/ota/oauth/logout");
            then.status(401)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"error":"invalid_token","error_description":"Invalid access token: {TOKEN}"}}"#
                ));
        })
        .await;
    let m = manager(mock_provider(&server, &clock).build().unwrap(), &clock);
    m.get().await.unwrap();
    m.logout().await.unwrap();
    assert_eq!(logout.calls_async().await, 1);
    assert!(!m.health().has_session);
}

#[tokio::test]
async fn a_failing_logout_reports_its_kind() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    token_mock(&server).await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/ota/oauth/logout");
            then.status(503).body("busy");
        })
        .await;
    let m = manager(mock_provider(&server, &clock).build().unwrap(), &clock);
    m.get().await.unwrap();
    let e = m.logout().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_through_the_manager_ends_the_session_upstream() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let m = manager(sim_provider(&sim, &clock).build().unwrap(), &clock);
    m.get().await.unwrap();
    assert_eq!(sim.active_sessions(), 1);
    m.logout().await.unwrap();
    assert_eq!((sim.calls(SimOp::Logout), sim.active_sessions()), (1, 0));
    m.get().await.unwrap();
    assert_eq!(sim.calls(SimOp::Login), 2, "the next get logs in again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_an_expired_session_succeeds() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim_provider(&sim, &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    clock.advance(Duration::from_secs(1000));
    provider.logout(&session).await.unwrap();
    assert_eq!(sim.calls(SimOp::Logout), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_guard_logs_out_in_the_background() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let guard = LogoutOnDrop::new(manager(sim_provider(&sim, &clock).build().unwrap(), &clock))
        .with_timeout(Duration::from_secs(5));
    let mut events = guard.subscribe();
    guard.get().await.unwrap();
    drop(guard);
    loop {
        match events.recv().await.unwrap() {
            Event::LoggedOut { .. } => break,
            _ => continue,
        }
    }
    assert_eq!((sim.calls(SimOp::Logout), sim.active_sessions()), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_guard_logout_waits_and_a_disarmed_guard_does_not_log_out() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim_provider(&sim, &clock).build().unwrap();
    let guard = LogoutOnDrop::new(manager(provider.clone(), &clock));
    guard.get().await.unwrap();
    guard.logout().await.unwrap();
    assert_eq!(sim.calls(SimOp::Logout), 1);

    let guard = LogoutOnDrop::new(manager(provider, &clock));
    guard.get().await.unwrap();
    let m = guard.disarm();
    tokio::task::yield_now().await;
    assert_eq!(
        sim.calls(SimOp::Logout),
        1,
        "a disarmed guard does not log out"
    );
    assert!(m.health().has_session);
}

#[test]
fn a_guard_dropped_outside_a_runtime_or_without_a_session_does_nothing() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let clock = ManualClock::new();
    let sim = rt.block_on(sim(&clock));
    let provider = rt.block_on(async { sim_provider(&sim, &clock).build().unwrap() });
    let m = manager(provider, &clock);
    // No session yet: nothing to do.
    drop(LogoutOnDrop::new(m.clone()));
    rt.block_on(m.get()).unwrap();
    // Outside a runtime: skipped, without panicking.
    drop(LogoutOnDrop::new(m.clone()));
    rt.block_on(tokio::task::yield_now());
    assert_eq!(sim.calls(SimOp::Logout), 0);
    assert!(m.health().has_session);
}
