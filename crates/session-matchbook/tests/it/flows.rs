//! Flows against the simulator: MFA, renewal by check, expiry, logout, and resuming from a store.

use std::sync::Arc;
use std::time::Duration;

use session_core::test_util::ManualClock;
use session_matchbook::{
    DEFAULT_TTL, ErrorKind, Event, Expiry, MatchbookSession, MemoryStore, MfaCode, Renewal,
    Session, SessionManager, SessionProvider, SimOp,
};

use crate::support::*;

#[tokio::test]
async fn a_login_lasts_six_hours_and_sends_the_token_header() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim_provider(&sim, &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    assert_eq!(session.expiry(), Expiry::after(clock.now(), DEFAULT_TTL));
    assert_eq!(session.user_id(), Some(1000));
    let mut headers = http::HeaderMap::new();
    session.authenticate(&mut headers);
    assert!(headers["session-token"].is_sensitive());
    assert_eq!(headers["session-token"], session.token().expose_secret());
    assert_eq!(headers.len(), 1);
}

#[tokio::test]
async fn an_mfa_account_logs_in_with_a_code_from_the_source() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let provider = sim_provider(&sim, &clock)
        .credentials(MFA_USER, PASSWORD)
        .mfa_source(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Some(MfaCode::new(MFA_CODE))
        })
        .build()
        .unwrap();
    provider.login().await.unwrap();
    provider.login().await.unwrap();
    assert_eq!(
        asked.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "asked once per login"
    );
    let body = sim.requests()[0].request.json();
    assert_eq!(body["mfa-code"], MFA_CODE);
}

#[tokio::test]
async fn a_missing_mfa_code_is_invalid_credentials_and_never_retried() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim_provider(&sim, &clock)
        .credentials(MFA_USER, PASSWORD)
        .build()
        .unwrap();
    let m = manager(provider, &clock);
    let e = m.get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("LOGIN_MFA_REQUIRED"));
    assert_eq!(
        e.to_string(),
        "matchbook: login rejected (http 400): LOGIN_MFA_REQUIRED"
    );
    let again = m.get().await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(
        sim.calls(SimOp::Login),
        1,
        "the guard refuses the second login locally"
    );
    assert!(sim.requests()[0].request.json().get("mfa-code").is_none());
}

#[tokio::test]
async fn a_wrong_password_is_invalid_credentials_with_the_upstream_code() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim_provider(&sim, &clock)
        .credentials(USER, "nope")
        .build()
        .unwrap();
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("INVALID_CREDENTIALS"));
}

#[tokio::test]
async fn a_check_keeps_the_token_and_moves_the_deadline() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim_provider(&sim, &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    clock.advance(Duration::from_secs(3600));
    let Renewal::Extended(expiry) = provider.renew(&session).await.unwrap() else {
        panic!("a check extends the same session")
    };
    assert_eq!(expiry, Expiry::after(clock.now(), DEFAULT_TTL));
    assert_eq!(sim.calls(SimOp::Check), 1);
    let check = &sim.requests()[1].request;
    assert_eq!(check.method, http::Method::GET);
    assert_eq!(
        check.header("session-token"),
        Some(session.token().expose_secret())
    );
}

#[tokio::test]
async fn the_manager_checks_ahead_of_expiry_and_logs_in_again_when_the_session_ended() {
    let clock = ManualClock::new();
    let sim = sim_with(&clock, |b| b.ttl(Duration::from_secs(3600))).await;
    let provider = sim_provider(&sim, &clock)
        .default_ttl(Duration::from_secs(3600))
        .build()
        .unwrap();
    let m = manager(provider, &clock);
    let first = m.get().await.unwrap();
    clock.advance(Duration::from_secs(3600 - 300));
    let checked = m.get().await.unwrap();
    assert_eq!(
        sim.calls(SimOp::Check),
        1,
        "one check inside the renewal window"
    );
    assert_eq!(
        checked.token().expose_secret(),
        first.token().expose_secret()
    );
    clock.advance(Duration::from_secs(3600 - 300));
    sim.drop_sessions();
    let fresh = m.get().await.unwrap();
    assert_eq!(sim.calls(SimOp::Check), 2);
    assert_eq!(
        sim.calls(SimOp::Login),
        2,
        "the 401 check leads to one new login"
    );
    assert_ne!(fresh.token().expose_secret(), first.token().expose_secret());
}

#[tokio::test]
async fn logout_deletes_the_session_and_an_ended_one_counts_as_logged_out() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim_provider(&sim, &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    provider.logout(&session).await.unwrap();
    assert_eq!(sim.active_sessions(), 0);
    provider.logout(&session).await.unwrap();
    assert_eq!(sim.calls(SimOp::Logout), 2);
    assert_eq!(sim.requests()[2].request.method, http::Method::DELETE);
}

#[tokio::test]
async fn a_second_process_resumes_the_stored_session_without_logging_in() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let store = Arc::new(MemoryStore::new());
    let start = |store: Arc<MemoryStore>| {
        SessionManager::builder(sim_provider(&sim, &clock).build().unwrap())
            .clock(clock.shared())
            .store(store)
            .build()
    };
    let a = start(store.clone());
    let la = a.get().await.unwrap();
    let b = start(store);
    let mut events = b.subscribe();
    let lb = b.get().await.unwrap();
    assert_eq!(la.token().expose_secret(), lb.token().expose_secret());
    assert_eq!(lb.user_id(), Some(1000));
    assert_eq!(lb.expiry(), la.expiry());
    assert_eq!(sim.calls(SimOp::Login), 1);
    assert!(matches!(
        events.try_recv().unwrap(),
        Event::Acquired { restored: true, .. }
    ));
    let (_, response) = account(&b).await;
    assert_eq!(response.status(), 200, "the resumed token is accepted");
}

#[tokio::test]
async fn a_session_persists_and_restores_field_by_field() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim_provider(&sim, &clock).build().unwrap();
    let s = MatchbookSession::new("T-1", Some(7), Expiry::after(clock.now(), DEFAULT_TTL));
    let back = provider.restore(&provider.persist(&s).unwrap()).unwrap();
    assert_eq!(back.token().expose_secret(), "T-1");
    assert_eq!((back.user_id(), back.expiry()), (Some(7), s.expiry()));
    let broken = session_matchbook::PersistedSession::new(
        session_core::SecretState::new(r#"{"user_id":7}"#.to_owned()),
        None,
    );
    let e = provider.restore(&broken).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(
        provider
            .store_key()
            .starts_with("matchbook:http://127.0.0.1:")
    );
    assert!(provider.store_key().ends_with(":alice"));
}
