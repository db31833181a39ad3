//! Nothing secret leaks: the query-string password, the client secret and every token stay out of
//! captured `tracing`/`log` output (TRACE), errors (Display, Debug, sources) and `Debug` output,
//! through every flow and failure, for both placements.

use std::time::Duration;

use session_core::test_util::{ManualClock, assert_debug_clean, assert_error_clean, capture_logs};
use session_seaware::{
    Event, LogoutOnDrop, Placement, RejectionStyle, SeawareFault, SeawareProvider, SessionProvider,
    SimFault, SimOp,
};

use crate::support::*;

async fn exercise(placement: Placement, rejection: RejectionStyle) {
    let capture = capture_logs();
    let secrets = secrets();
    let clock = ManualClock::new();
    let sim = sim_with(&clock, |b| b.rejection(rejection)).await;
    let builder = sim_provider(&sim, &clock).placement(placement);
    assert_debug_clean(&builder, &secrets);
    let provider = builder.build().unwrap();
    assert_debug_clean(&provider, &secrets);
    let m = manager(provider.clone(), &clock);
    let mut events = m.subscribe();

    // Login, use, rejection, re-login, refresh, logout.
    let (lease, _) = ping(&m).await;
    assert_debug_clean(&lease, &secrets);
    assert_debug_clean(&*lease, &secrets);
    assert_debug_clean(&m, &secrets);
    sim.drop_sessions();
    let (stale, response) = ping(&m).await;
    assert_debug_clean(&response, &secrets);
    assert!(provider.is_rejection(&response));
    m.invalidate(&stale);
    ping(&m).await;
    m.refresh().await.unwrap();
    m.logout().await.unwrap();

    // A refresh with a dead refresh token: Spring echoes it in error_description.
    let session = provider.login().await.unwrap();
    sim.drop_sessions();
    let e = provider.renew(&session).await.unwrap_err();
    assert_error_clean(&e, &secrets);

    // Failures of every kind on the token endpoint.
    for fault in [
        SimFault::RateLimited {
            retry_after: Some(Duration::from_secs(5)),
        },
        SimFault::Unavailable,
        SimFault::GatewayPage,
        SimFault::Provider(SeawareFault::Spring {
            status: 401,
            error: "invalid_client",
        }),
    ] {
        sim.fail_next(SimOp::Login, fault);
        let e = provider.login().await.unwrap_err();
        assert_error_clean(&e, &secrets);
    }
    let wrong = sim_provider(&sim, &clock)
        .placement(placement)
        .credentials(USER, "PW-SENTINEL-bad0")
        .build()
        .unwrap();
    let e = wrong.login().await.unwrap_err();
    assert_error_clean(&e, &["PW-SENTINEL-bad0"]);

    // A connection failure to a URL holding the password.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        drop(l);
        a
    };
    let unreachable = SeawareProvider::builder(format!("http://{dead}"))
        .allow_insecure_loopback(true)
        .credentials(USER, PASSWORD)
        .client_secret(CLIENT_SECRET)
        .placement(placement)
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let e = unreachable.login().await.unwrap_err();
    assert_error_clean(&e, &secrets);

    // The background logout on drop.
    let guard = LogoutOnDrop::new(manager(provider.clone(), &clock));
    let mut guard_events = guard.subscribe();
    guard.get().await.unwrap();
    drop(guard);
    while !matches!(guard_events.recv().await.unwrap(), Event::LoggedOut { .. }) {}

    while let Ok(ev) = events.try_recv() {
        assert_debug_clean(&ev, &secrets);
    }
    assert_debug_clean(&sim, &secrets);
    capture.assert_clean(&secrets);
    capture.assert_clean(&["PW-SENTINEL-bad0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_query_string_password_never_reaches_logs_errors_or_debug() {
    exercise(Placement::Query, RejectionStyle::SpringJson).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_body_password_never_reaches_logs_errors_or_debug() {
    exercise(Placement::Form, RejectionStyle::OtaXml).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_capture_really_sees_this_crate_s_spans_and_events() {
    let capture = capture_logs();
    let clock = ManualClock::new();
    let sim = sim_with(&clock, |b| b.refresh(false)).await;
    let provider = sim_provider(&sim, &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    let _ = provider.renew(&session).await.unwrap();
    let out = capture.output();
    assert!(out.contains("seaware.login"), "login span captured");
    assert!(
        out.contains("refresh grant unsupported"),
        "renew event captured"
    );
    capture.assert_clean(&secrets());
}
