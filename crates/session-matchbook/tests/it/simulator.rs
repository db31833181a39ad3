//! The simulator's own surface: counts, the request log, scripted faults, expiry and the
//! `/edge/rest/` stand-in.

use std::time::Duration;

use session_core::test_util::ManualClock;
use session_matchbook::{ErrorKind, MatchbookFault, SessionProvider, SimFault, SimOp};

use crate::support::*;

#[tokio::test]
async fn scripted_faults_play_once_in_order_and_are_counted() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim_provider(&sim, &clock).build().unwrap();
    sim.fail_next(SimOp::Login, SimFault::Unavailable);
    sim.fail_next(
        SimOp::Login,
        SimFault::Provider(MatchbookFault::Errors {
            status: 403,
            code: "ACCOUNT_LOCKED",
        }),
    );
    sim.fail_next(
        SimOp::Login,
        SimFault::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
        },
    );
    assert_eq!(
        provider.login().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    let e = provider.login().await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::InvalidCredentials, Some("ACCOUNT_LOCKED"))
    );
    let e = provider.login().await.unwrap_err();
    assert_eq!(
        (e.kind(), e.retry_after()),
        (ErrorKind::RateLimited, Some(Duration::from_secs(30)))
    );
    provider.login().await.unwrap();
    assert_eq!(sim.calls(SimOp::Login), 4);
    assert_eq!(sim.active_sessions(), 1);
    let log = sim.requests();
    assert_eq!(log.len(), 4);
    assert!(log.iter().all(|r| r.op == SimOp::Login));
    assert_eq!(log[3].request.json()["username"], USER);
}

#[tokio::test]
async fn sessions_expire_on_the_clock_and_the_api_answers_401() {
    let clock = ManualClock::new();
    let sim = sim_with(&clock, |b| b.ttl(Duration::from_secs(60))).await;
    let provider = sim_provider(&sim, &clock)
        .default_ttl(Duration::from_secs(600))
        .build()
        .unwrap();
    let m = manager(provider.clone(), &clock);
    let (lease, ok) = account(&m).await;
    assert_eq!(ok.status(), 200);
    clock.advance(Duration::from_secs(61));
    assert_eq!(sim.active_sessions(), 0);
    let (_, refused) = account(&m).await;
    assert_eq!(refused.status(), 401);
    assert!(provider.is_rejection(&refused));
    let e = provider.renew(&lease).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(sim.calls(SimOp::Api), 2);
}

#[tokio::test]
async fn a_dropped_connection_and_a_gateway_page_are_unavailable() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim_provider(&sim, &clock).build().unwrap();
    let session = provider.login().await.unwrap();
    sim.fail_next(SimOp::Check, SimFault::Drop);
    sim.fail_next(SimOp::Check, SimFault::GatewayPage);
    assert_eq!(
        provider.renew(&session).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(
        provider.renew(&session).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(sim.active_sessions(), 1, "faults change no state");
}
