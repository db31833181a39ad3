//! Nothing secret leaks: the password, the MFA code and every token stay out of captured
//! `tracing`/`log` output (TRACE), errors (Display, Debug, sources) and `Debug` output, through
//! every flow and failure, although the simulator's error messages echo the token.

use std::sync::Arc;
use std::time::Duration;

use session_core::test_util::{ManualClock, assert_debug_clean, assert_error_clean, capture_logs};
use session_matchbook::{
    Event, LogoutOnDrop, MatchbookFault, MemoryStore, SessionManager, SessionProvider, SimFault,
    SimOp,
};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_logs_errors_or_debug() {
    let capture = capture_logs();
    let secrets = secrets();
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let builder = sim_provider(&sim, &clock)
        .credentials(MFA_USER, PASSWORD)
        .mfa_code(MFA_CODE);
    assert_debug_clean(&builder, &secrets);
    let provider = builder.build().unwrap();
    assert_debug_clean(&provider, &secrets);
    let store = Arc::new(MemoryStore::new());
    let m = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(store.clone())
        .build();
    let mut events = m.subscribe();

    // Login, use, rejection (the 401 body echoes the token), re-login, check, logout.
    let (lease, _) = account(&m).await;
    assert_debug_clean(&lease, &secrets);
    assert_debug_clean(&*lease, &secrets);
    assert_debug_clean(&m, &secrets);
    assert_debug_clean(&store, &secrets);
    sim.drop_sessions();
    let (stale, response) = account(&m).await;
    assert_debug_clean(&response, &secrets);
    assert!(provider.is_rejection(&response));
    m.invalidate(&stale);
    account(&m).await;
    m.refresh().await.unwrap();
    m.logout().await.unwrap();

    // A check of a dead session, and failures of every kind on login.
    let session = provider.login().await.unwrap();
    sim.drop_sessions();
    assert_error_clean(&provider.renew(&session).await.unwrap_err(), &secrets);
    for fault in [
        SimFault::RateLimited {
            retry_after: Some(Duration::from_secs(5)),
        },
        SimFault::Unavailable,
        SimFault::GatewayPage,
        SimFault::Truncated,
        SimFault::Provider(MatchbookFault::Errors {
            status: 400,
            code: "LOGIN_MFA_REQUIRED",
        }),
    ] {
        sim.fail_next(SimOp::Login, fault);
        assert_error_clean(&provider.login().await.unwrap_err(), &secrets);
    }
    let no_mfa = sim_provider(&sim, &clock)
        .credentials(MFA_USER, PASSWORD)
        .build()
        .unwrap();
    assert_error_clean(&no_mfa.login().await.unwrap_err(), &secrets);
    let wrong = sim_provider(&sim, &clock)
        .credentials(USER, "PW-SENTINEL-bad0")
        .build()
        .unwrap();
    assert_error_clean(&wrong.login().await.unwrap_err(), &["PW-SENTINEL-bad0"]);

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
    assert!(
        capture.output().contains("matchbook.login"),
        "the capture sees this crate's spans"
    );
}
