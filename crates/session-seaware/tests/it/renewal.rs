//! Renewal: refresh grant before expiry, fallback to one login, login-only mode.

use std::time::Duration;

use httpmock::prelude::*;
use session_core::test_util::ManualClock;
use session_seaware::{ErrorKind, Event, Placement, RenewalMode, SessionProvider, SimFault, SimOp};

use crate::support::*;

/// Moves the clock into the renewal window of `lease` (60 s buffer, no jitter).
fn into_window(clock: &ManualClock, expires_at: std::time::SystemTime) {
    clock.advance(until(clock, expires_at).saturating_sub(Duration::from_secs(30)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_then_login_renews_with_the_refresh_grant_before_expiry() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let m = manager(sim_provider(&sim, &clock).build().unwrap(), &clock);
    let first = m.get().await.unwrap();
    into_window(&clock, first.expires_at().unwrap());
    let second = m.get().await.unwrap();
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Refresh)), (1, 1));
    assert!(second.generation() > first.generation());
    assert_ne!(
        first.access_token().unwrap().expose_secret(),
        second.access_token().unwrap().expose_secret()
    );
    assert_eq!(
        second.expires_at(),
        Some(clock.now() + Duration::from_secs(900)),
        "expiry is computed at receipt of the refresh answer"
    );
    let (_, response) = ping(&m).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn the_refresh_request_is_exact_in_both_placements() {
    for placement in [Placement::Query, Placement::Form] {
        let server = MockServer::start_async().await;
        let clock = ManualClock::new();
        let login = server
            .mock_async(|when, then| {
                when.method(POST).path("/ota/oauth/token").is_true(|r| {
                    let q = r.uri().query().unwrap_or("").to_owned();
                    let b = String::from_utf8_lossy(r.body().as_ref()).into_owned();
                    q.contains("grant_type=password") || b.contains("grant_type=password")
                });
                then.status(200)
                    .header("content-type", "application/json")
                    .body(token_body(TOKEN, REFRESH, 900));
            })
            .await;
        let expected = "refresh_token=RT-SENTINEL-0C4E&client_id=ota&client_secret=CS-SENTINEL-91c2&grant_type=refresh_token";
        let refresh = server
            .mock_async(move |when, then| {
                let when = when.method(POST).path("/ota/oauth/token");
                match placement {
                    Placement::Query => {
                        when.is_true(move |r| r.uri().query() == Some(expected))
                            .header_missing("content-type")
                            .body("");
                    }
                    _ => {
                        when.is_true(|r| r.uri().query().is_none())
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(expected);
                    }
                }
                then.status(200)
                    .header("content-type", "application/json")
                    .body(r#"{"access_token":"AT-SENTINEL-77B0","token_type":"bearer","expires_in":900}"#);
            })
            .await;
        let provider = mock_provider(&server, &clock)
            .placement(placement)
            .build()
            .unwrap();
        let session = provider.login().await.unwrap();
        let renewed = match provider.renew(&session).await.unwrap() {
            session_seaware::Renewal::Renewed(s) => s,
            _ => panic!("expected a renewed session"),
        };
        assert_eq!(login.calls_async().await, 1, "{placement:?}");
        assert_eq!(refresh.calls_async().await, 1, "{placement:?}");
        assert_eq!(renewed.access_token().unwrap().expose_secret(), TOKEN2);
        assert_eq!(
            renewed.refresh_token().unwrap().expose_secret(),
            REFRESH,
            "a refresh answer without a refresh token keeps the old one"
        );
    }
}

/// A server whose refresh grant fails with `status` and `error`, and whose login works.
async fn refusing_refresh(status: u16, error: &'static str) -> (MockServer, usize, usize) {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/ota/oauth/token")
                .query_param("grant_type", "password");
            then.status(200)
                .header("content-type", "application/json")
                .body(token_body(TOKEN, REFRESH, 900));
        })
        .await;
    let refresh = server
        .mock_async(move |when, then| {
            when.method(POST)
                .path("/ota/oauth/token")
                .query_param("grant_type", "refresh_token");
            then.status(status)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"error":"{error}","error_description":"Invalid refresh token: {REFRESH}"}}"#
                ));
        })
        .await;
    let m = manager(mock_provider(&server, &clock).build().unwrap(), &clock);
    let mut events = m.subscribe();
    let first = m.get().await.unwrap();
    into_window(&clock, first.expires_at().unwrap());
    let second = m.get().await.unwrap();
    assert!(second.generation() > first.generation());
    // A second renewal shows whether refresh is still tried.
    into_window(&clock, second.expires_at().unwrap());
    m.get().await.unwrap();
    let mut saw_failure = false;
    while let Ok(ev) = events.try_recv() {
        saw_failure |= matches!(ev, Event::RenewFailed { .. });
    }
    assert!(!saw_failure, "{error}: the fallback is not a failure");
    let counts = (login.calls_async().await, refresh.calls_async().await);
    (server, counts.0, counts.1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_grant_on_refresh_falls_back_to_one_login() {
    let (_server, logins, refreshes) = refusing_refresh(400, "invalid_grant").await;
    assert_eq!(
        (logins, refreshes),
        (3, 2),
        "each renewal: one refresh, then exactly one login"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_token_on_refresh_falls_back_to_one_login() {
    let (_server, logins, refreshes) = refusing_refresh(401, "invalid_token").await;
    assert_eq!((logins, refreshes), (3, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_grant_type_falls_back_to_login_and_is_remembered() {
    let (_server, logins, refreshes) = refusing_refresh(400, "unsupported_grant_type").await;
    assert_eq!(
        (logins, refreshes),
        (3, 1),
        "after unsupported_grant_type the provider renews by login only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulator_without_refresh_is_handled_by_logging_in() {
    let clock = ManualClock::new();
    let sim = sim_with(&clock, |b| b.refresh(false)).await;
    let m = manager(sim_provider(&sim, &clock).build().unwrap(), &clock);
    assert!(m.provider().refreshes());
    let first = m.get().await.unwrap();
    into_window(&clock, first.expires_at().unwrap());
    let second = m.get().await.unwrap();
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Refresh)), (2, 1));
    assert!(!m.provider().refreshes());
    into_window(&clock, second.expires_at().unwrap());
    m.get().await.unwrap();
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Refresh)), (3, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_session_is_refreshed_into_one_new_login() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let m = manager(sim_provider(&sim, &clock).build().unwrap(), &clock);
    let first = m.get().await.unwrap();
    sim.drop_sessions();
    into_window(&clock, first.expires_at().unwrap());
    m.get().await.unwrap();
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Refresh)), (2, 1));
    assert_eq!(sim.active_sessions(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_fallback_login_reports_its_own_kind_after_one_attempt() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let m = manager(sim_provider(&sim, &clock).build().unwrap(), &clock);
    let first = m.get().await.unwrap();
    sim.drop_sessions();
    sim.lock_user(USER, true);
    into_window(&clock, first.expires_at().unwrap());
    let e = m.refresh().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AccountRestricted);
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Refresh)), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_refresh_failure_keeps_the_still_valid_session() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let m = manager(sim_provider(&sim, &clock).build().unwrap(), &clock);
    let first = m.get().await.unwrap();
    sim.fail_next(SimOp::Refresh, SimFault::Unavailable);
    into_window(&clock, first.expires_at().unwrap());
    let still = m.get().await.unwrap();
    assert_eq!(still.generation(), first.generation());
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Refresh)), (1, 1));
    assert_eq!(m.health().last_error, Some(ErrorKind::Unavailable));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_only_never_refreshes() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let m = manager(
        sim_provider(&sim, &clock)
            .renewal(RenewalMode::LoginOnly)
            .build()
            .unwrap(),
        &clock,
    );
    assert!(!m.provider().refreshes());
    let first = m.get().await.unwrap();
    into_window(&clock, first.expires_at().unwrap());
    let second = m.get().await.unwrap();
    assert!(second.generation() > first.generation());
    assert_eq!((sim.calls(SimOp::Login), sim.calls(SimOp::Refresh)), (2, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewal_happens_a_buffer_before_expiry() {
    let clock = ManualClock::new();
    let sim = sim_with(&clock, |b| b.ttl(Duration::from_secs(300))).await;
    let m = manager(
        sim_provider(&sim, &clock)
            .renew_buffer(Duration::from_secs(100))
            .build()
            .unwrap(),
        &clock,
    );
    m.get().await.unwrap();
    clock.advance(Duration::from_secs(199));
    m.get().await.unwrap();
    assert_eq!(
        sim.calls(SimOp::Refresh),
        0,
        "still outside the 100 s buffer"
    );
    clock.advance(Duration::from_secs(1));
    m.get().await.unwrap();
    assert_eq!(sim.calls(SimOp::Refresh), 1, "inside the buffer");
}
