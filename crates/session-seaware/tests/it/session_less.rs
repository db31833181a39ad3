//! Session-less accounts: no login, no bearer, no logout.

use session_core::test_util::ManualClock;
use session_seaware::{
    Expiry, SeawareProvider, Session, SessionManager, SessionMode, SessionProvider, SimOp,
    authorize,
};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_less_mode_sends_no_bearer_and_makes_no_session_requests() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim_provider(&sim, &clock)
        .session_mode(SessionMode::SessionLess)
        .build()
        .unwrap();
    assert_eq!(provider.session_mode(), SessionMode::SessionLess);
    let m = manager(provider, &clock);
    let (lease, response) = ping(&m).await;
    assert!(lease.is_session_less());
    assert!(lease.access_token().is_none());
    assert_eq!(lease.expiry(), Expiry::Never);
    assert_eq!(response.status(), 200);
    let mut headers = http::HeaderMap::new();
    authorize(&m, &mut headers).await.unwrap();
    assert!(headers.is_empty());
    m.logout().await.unwrap();
    assert_eq!(
        (
            sim.calls(SimOp::Login),
            sim.calls(SimOp::Logout),
            sim.calls(SimOp::Message)
        ),
        (0, 0, 1)
    );
    assert!(m.provider().persist(&lease).is_none());
}

#[tokio::test]
async fn session_less_mode_needs_no_credentials() {
    let provider = SeawareProvider::builder("https://bookings.example.com")
        .session_mode(SessionMode::SessionLess)
        .build()
        .unwrap();
    assert_eq!(
        provider.store_key(),
        "seaware:https://bookings.example.com/:session-less"
    );
    let m = SessionManager::new(provider);
    let lease = m.get().await.unwrap();
    let mut headers = http::HeaderMap::new();
    lease.authenticate(&mut headers);
    assert!(headers.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_that_requires_sessions_rejects_session_less_requests() {
    let clock = ManualClock::new();
    let sim = sim_with(&clock, |b| b.sessions_required(true)).await;
    let provider = sim_provider(&sim, &clock)
        .session_mode(SessionMode::SessionLess)
        .build()
        .unwrap();
    let m = manager(provider, &clock);
    let (_, response) = ping(&m).await;
    assert_eq!(response.status(), 401);
    let with_session = manager(sim_provider(&sim, &clock).build().unwrap(), &clock);
    let (_, response) = ping(&with_session).await;
    assert_eq!(response.status(), 200);
}
