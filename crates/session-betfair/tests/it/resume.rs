//! Resuming a stored token (validated with one keepAlive) and persisting through a store.

use std::sync::Arc;
use std::time::Duration;

use session_betfair::{
    BetfairFault, BetfairProvider, BetfairSim, ErrorKind, Event, LoginMethod, MemoryStore,
    SessionManager, SessionProvider, SessionToken, SimFault, SimOp,
};
use session_core::test_util::{ManualClock, assert_debug_clean};

use crate::support::*;

async fn sim(clock: &ManualClock) -> BetfairSim {
    BetfairSim::builder()
        .clock(clock.shared())
        .account(USER, PASSWORD)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn resume_validates_a_stored_token_with_one_keep_alive() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = interactive(&sim.identity_url(), &clock).build().unwrap();
    let token = provider.login().await.unwrap().token().clone();

    let resumed = provider.resume(token.clone()).await.unwrap();
    assert_eq!(resumed.method(), LoginMethod::Resumed);
    assert_eq!(resumed.token().expose_secret(), token.expose_secret());
    assert_eq!((sim.logins(), sim.calls(SimOp::KeepAlive)), (1, 1));

    sim.expire_all_sessions();
    let e = provider.resume(token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(sim.logins(), 1, "resume never logs in by itself");
}

#[tokio::test]
async fn a_serverless_invocation_reuses_the_stored_token_without_logging_in() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    // First invocation logs in and keeps the token somewhere.
    let first = interactive(&sim.identity_url(), &clock).build().unwrap();
    let stored: SessionToken = first.login().await.unwrap().token().clone();

    // The next invocation starts cold with the stored token.
    let provider = interactive(&sim.identity_url(), &clock)
        .resume_token(stored)
        .build()
        .unwrap();
    let manager = SessionManager::builder(provider)
        .clock(clock.shared())
        .build();
    let lease = manager.get().await.unwrap();
    assert_eq!(lease.method(), LoginMethod::Resumed);
    assert_eq!((sim.logins(), sim.calls(SimOp::KeepAlive)), (1, 1));
}

#[tokio::test]
async fn a_dead_stored_token_falls_back_to_one_login() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = interactive(&sim.identity_url(), &clock)
        .resume_token(SessionToken::new("TOKEN-SENTINEL-91c2-dead"))
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    assert_eq!(session.method(), LoginMethod::Interactive);
    assert_eq!((sim.calls(SimOp::KeepAlive), sim.logins()), (1, 1));
    // The stored token is used once only.
    provider.login().await.unwrap();
    assert_eq!((sim.calls(SimOp::KeepAlive), sim.logins()), (1, 2));
}

#[tokio::test]
async fn a_token_only_provider_reports_a_dead_token_as_rejected() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = BetfairProvider::builder(APP_KEY)
        .identity_url(sim.identity_url())
        .allow_insecure_loopback(true)
        .clock(clock.shared())
        .resume_token(SessionToken::new("TOKEN-SENTINEL-91c2-dead"))
        .build()
        .unwrap();
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    let e = provider.login().await.unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::Configuration,
        "no credentials to log in with"
    );
    assert_eq!(sim.logins(), 0);
}

#[tokio::test]
async fn a_transient_failure_keeps_the_stored_token_for_the_next_attempt() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let stored = interactive(&sim.identity_url(), &clock)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap()
        .token()
        .clone();
    let provider = interactive(&sim.identity_url(), &clock)
        .resume_token(stored)
        .build()
        .unwrap();
    sim.fail_next(
        SimOp::KeepAlive,
        SimFault::Provider(BetfairFault::error("INTERNAL_ERROR")),
    );
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let session = provider.login().await.unwrap();
    assert_eq!(session.method(), LoginMethod::Resumed);
    assert_eq!((sim.logins(), sim.calls(SimOp::KeepAlive)), (1, 2));
}

#[tokio::test]
async fn sessions_persist_and_restore_without_secrets_in_debug() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = interactive(&sim.identity_url(), &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    let persisted = provider.persist(&session).unwrap();
    assert_debug_clean(&persisted, &secrets());
    assert_eq!(
        persisted.expires_at,
        Some(clock.now() + Duration::from_secs(12 * 3600))
    );
    let restored = provider.restore(&persisted).unwrap();
    assert_eq!(
        restored.token().expose_secret(),
        session.token().expose_secret()
    );
    assert_eq!(restored.method(), LoginMethod::Interactive);
    assert_eq!(restored.identity_url(), provider.identity_url());
    let bad =
        session_betfair::PersistedSession::new(session_core::SecretState::new("not json"), None);
    assert_eq!(
        provider.restore(&bad).unwrap_err().kind(),
        ErrorKind::Configuration
    );
}

#[tokio::test]
async fn a_second_process_sharing_a_store_does_not_log_in_again() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let store = Arc::new(MemoryStore::new());
    let a = SessionManager::builder(interactive(&sim.identity_url(), &clock).build().unwrap())
        .clock(clock.shared())
        .store(store.clone())
        .build();
    let b = SessionManager::builder(interactive(&sim.identity_url(), &clock).build().unwrap())
        .clock(clock.shared())
        .store(store)
        .build();
    let mut events = b.subscribe();
    let la = a.get().await.unwrap();
    let lb = b.get().await.unwrap();
    assert_eq!(la.token().expose_secret(), lb.token().expose_secret());
    assert_eq!(sim.logins(), 1);
    assert_eq!(
        events.try_recv().unwrap(),
        Event::Acquired {
            generation: lb.generation(),
            restored: true
        }
    );
}

#[tokio::test]
async fn a_stored_token_logged_out_elsewhere_is_caught_by_one_keep_alive() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let store = Arc::new(MemoryStore::new());
    let a = SessionManager::builder(interactive(&sim.identity_url(), &clock).build().unwrap())
        .clock(clock.shared())
        .store(store.clone())
        .build();
    let old = a.get().await.unwrap();
    drop(a);
    sim.expire_all_sessions();

    let b = SessionManager::builder(interactive(&sim.identity_url(), &clock).build().unwrap())
        .clock(clock.shared())
        .store(store)
        .build();
    let fresh = b.get().await.unwrap();
    assert_ne!(fresh.token().expose_secret(), old.token().expose_secret());
    assert_eq!(
        (sim.logins(), sim.calls(SimOp::KeepAlive)),
        (2, 1),
        "one keepAlive found the stored token dead"
    );
}

#[tokio::test]
async fn a_stored_token_still_accepted_costs_one_keep_alive_and_no_login() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let store = Arc::new(MemoryStore::new());
    let a = SessionManager::builder(interactive(&sim.identity_url(), &clock).build().unwrap())
        .clock(clock.shared())
        .store(store.clone())
        .build();
    let old = a.get().await.unwrap();
    drop(a);
    let b = SessionManager::builder(interactive(&sim.identity_url(), &clock).build().unwrap())
        .clock(clock.shared())
        .store(store)
        .build();
    assert_eq!(
        b.get().await.unwrap().token().expose_secret(),
        old.token().expose_secret()
    );
    assert_eq!((sim.logins(), sim.calls(SimOp::KeepAlive)), (1, 1));
}
