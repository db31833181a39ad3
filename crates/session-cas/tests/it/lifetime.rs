//! Ticket lifetime under the manager, against the simulator and a manual clock: idle expiry,
//! keep-alive up to the hard cap, extended tickets, revocation, clock skew and stores.

use std::sync::Arc;
use std::time::Duration;

use session_cas::{
    CasProvider, CasSim, ErrorKind, Event, Flavor, Lifetimes, MemoryStore, SessionManager,
    SessionProvider, SimOp, UsernamePassword,
};
use session_core::test_util::ManualClock;
use tokio::sync::broadcast::Receiver;

use crate::support::{PW, USER};

const TARGET: &str = "https://sports.williamhill.com/betting";

async fn sim(flavor: Flavor, clock: &ManualClock) -> CasSim {
    CasSim::builder(flavor)
        .clock(clock.shared())
        .user(USER, PW)
        .start()
        .await
        .expect("simulator starts")
}

fn provider(sim: &CasSim) -> CasProvider {
    sim.provider_builder()
        .credentials(UsernamePassword::new(USER, PW))
        .build()
        .expect("valid configuration")
}

fn manager(provider: CasProvider, clock: &ManualClock) -> SessionManager<CasProvider> {
    SessionManager::builder(provider)
        .clock(clock.shared())
        .build()
}

async fn next_matching(events: &mut Receiver<Event>, want: impl Fn(&Event) -> bool) -> Event {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.recv().await {
                Ok(e) if want(&e) => return e,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("event stream ended: {e}"),
            }
        }
    })
    .await
    .expect("event did not arrive")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unused_ticket_dies_after_the_idle_timeout_and_the_manager_logs_in_again() {
    let clock = ManualClock::new();
    let sim = sim(Flavor::WhApi, &clock).await;
    let manager = manager(provider(&sim), &clock);
    let first = manager.get().await.unwrap();
    assert_eq!(
        first.expires_at(),
        Some(clock.now() + Duration::from_secs(7_200))
    );
    clock.advance(Duration::from_secs(7_201));
    assert_eq!(sim.live_tickets(), 0, "the server forgot the idle ticket");
    let second = manager.get().await.unwrap();
    assert!(second.generation() > first.generation());
    assert_eq!(sim.calls(SimOp::Login), 2);
    assert_eq!(
        sim.calls(SimOp::Validate),
        0,
        "no renewal of an expired ticket"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hourly_keep_alive_holds_the_ticket_until_the_hard_cap_then_logs_in_again() {
    let clock = ManualClock::new();
    let t0 = clock.now();
    let sim = sim(Flavor::WhApi, &clock).await;
    let provider = provider(&sim);
    assert_eq!(
        provider.policy().keep_alive,
        Some(Duration::from_secs(3_600))
    );
    let manager = manager(provider, &clock);
    let mut events = manager.subscribe();
    let ka = manager.spawn_keep_alive();
    next_matching(&mut events, |e| matches!(e, Event::Acquired { .. })).await;
    for round in 1..=7 {
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(3_600));
        next_matching(&mut events, |e| matches!(e, Event::Renewed { .. })).await;
        assert_eq!(sim.calls(SimOp::Validate), round);
        assert_eq!(sim.live_tickets(), 1, "round {round}: the ticket is alive");
    }
    // 25,200 s in. The next use cannot push the deadline past the 28,000 s cap, so shortly
    // before it the supervisor replaces the ticket with a fresh login.
    let lease = manager.get().await.unwrap();
    assert_eq!(lease.expires_at(), Some(t0 + Duration::from_secs(28_000)));
    clock.advance(Duration::from_secs(2_700));
    next_matching(&mut events, |e| matches!(e, Event::Acquired { .. })).await;
    assert_eq!(sim.calls(SimOp::Login), 2);
    assert_eq!(sim.calls(SimOp::Validate), 7);
    ka.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_grants_an_extended_ticket_asked_for_in_the_query_or_the_body() {
    for placement in [
        session_cas::ExtendedPlacement::Query,
        session_cas::ExtendedPlacement::Body,
    ] {
        let clock = ManualClock::new();
        let sim = sim(Flavor::WhApi, &clock).await;
        let provider = sim
            .provider_builder()
            .credentials(UsernamePassword::new(USER, PW))
            .extended(true)
            .extended_placement(placement)
            .build()
            .unwrap();
        let session = provider.login().await.unwrap();
        assert!(session.is_extended(), "{placement:?}");
        assert_eq!(
            session.hard_deadline(),
            clock.now() + Duration::from_secs(60 * 86_400)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extended_ticket_has_no_idle_timeout() {
    let clock = ManualClock::new();
    let sim = sim(Flavor::WhApi, &clock).await;
    let provider = sim
        .provider_builder()
        .credentials(UsernamePassword::new(USER, PW))
        .extended(true)
        .build()
        .unwrap();
    let manager = manager(provider, &clock);
    let lease = manager.get().await.unwrap();
    assert!(lease.is_extended());
    assert_eq!(
        lease.expires_at(),
        Some(clock.now() + Duration::from_secs(60 * 86_400))
    );
    clock.advance(Duration::from_secs(3 * 86_400));
    let again = manager.get().await.unwrap();
    assert_eq!(again.generation(), lease.generation());
    let st = manager
        .provider()
        .service_ticket(&again, TARGET)
        .await
        .unwrap();
    assert_eq!(
        sim.redeem_service_ticket(st.expose_secret(), TARGET),
        Some(USER.to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_tickets_are_single_use_short_lived_and_bound_to_their_service() {
    for flavor in [Flavor::WhApi, Flavor::Apereo] {
        let clock = ManualClock::new();
        let sim = sim(flavor, &clock).await;
        let provider = provider(&sim);
        let session = provider.login().await.unwrap();
        let st = provider.service_ticket(&session, TARGET).await.unwrap();
        assert!(st.expose_secret().starts_with("ST-"));
        assert_eq!(
            sim.redeem_service_ticket(st.expose_secret(), TARGET),
            Some(USER.to_owned())
        );
        assert_eq!(
            sim.redeem_service_ticket(st.expose_secret(), TARGET),
            None,
            "single use"
        );
        let late = provider.service_ticket(&session, TARGET).await.unwrap();
        clock.advance(Duration::from_secs(11));
        assert_eq!(
            sim.redeem_service_ticket(late.expose_secret(), TARGET),
            None,
            "short-lived"
        );
        let other = provider.service_ticket(&session, TARGET).await.unwrap();
        assert_eq!(
            sim.redeem_service_ticket(other.expose_secret(), "https://other.example.com/"),
            None,
            "bound to its service"
        );
        assert_eq!(sim.calls(SimOp::ServiceTicket), 3, "{flavor}: never cached");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_ticket_is_rejected_and_many_invalidations_cause_one_login() {
    for flavor in [Flavor::WhApi, Flavor::Apereo] {
        let clock = ManualClock::new();
        let sim = sim(flavor, &clock).await;
        let manager = manager(provider(&sim), &clock);
        let lease = manager.get().await.unwrap();
        sim.revoke_all();
        let e = manager
            .provider()
            .service_ticket(&lease, TARGET)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SessionRejected, "{flavor}");
        for _ in 0..10 {
            manager.invalidate(&lease);
        }
        let fresh = manager.get().await.unwrap();
        manager
            .provider()
            .service_ticket(&fresh, TARGET)
            .await
            .unwrap();
        assert_eq!(sim.calls(SimOp::Login), 2, "{flavor}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_read_that_does_not_refresh_idle_needs_renew_service() {
    let clock = ManualClock::new();
    let sim = CasSim::builder(Flavor::Apereo)
        .clock(clock.shared())
        .user(USER, PW)
        .status_refreshes_idle(false)
        .start()
        .await
        .unwrap();
    // Renewal by status read: the client believes the ticket was used, the server does not.
    let plain = provider(&sim);
    let session = plain.login().await.unwrap();
    clock.advance(Duration::from_secs(3_600));
    plain.renew(&session).await.unwrap();
    clock.advance(Duration::from_secs(3_601));
    let e = plain.renew(&session).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected, "idle on the server");
    // Renewal by service ticket: a real use.
    let keeping = sim
        .provider_builder()
        .credentials(UsernamePassword::new(USER, PW))
        .renew_service("https://cas.example.org/keepalive")
        .build()
        .unwrap();
    let session = keeping.login().await.unwrap();
    for _ in 0..4 {
        clock.advance(Duration::from_secs(3_600));
        keeping.renew(&session).await.unwrap();
    }
    assert_eq!(sim.live_tickets(), 1);
    keeping.validate(&session).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_expiry_is_read_against_the_server_date_so_skew_does_not_matter() {
    let server_clock = ManualClock::new();
    // The client's clock runs an hour behind the server's.
    let client_clock = ManualClock::at(server_clock.now() - Duration::from_secs(3_600));
    let sim = CasSim::builder(Flavor::WhApi)
        .clock(server_clock.shared())
        .user(USER, PW)
        .lifetimes(Lifetimes::default().with_max_lifetime(Duration::from_secs(5_000)))
        .start()
        .await
        .unwrap();
    let provider = sim
        .provider_builder()
        .credentials(UsernamePassword::new(USER, PW))
        .clock(client_clock.shared())
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    assert_eq!(
        session.hard_deadline(),
        client_clock.now() + Duration::from_secs(5_000)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_session_is_resumed_by_another_manager_without_a_login() {
    let clock = ManualClock::new();
    let sim = sim(Flavor::WhApi, &clock).await;
    let store = Arc::new(MemoryStore::new());
    let a = SessionManager::builder(provider(&sim))
        .clock(clock.shared())
        .store(store.clone())
        .build();
    let first = a.get().await.unwrap();
    clock.advance(Duration::from_secs(60));
    let b = SessionManager::builder(provider(&sim))
        .clock(clock.shared())
        .store(store)
        .build();
    let resumed = b.get().await.unwrap();
    assert_eq!(sim.calls(SimOp::Login), 1);
    assert_eq!(
        resumed.ticket().expose_secret(),
        first.ticket().expose_secret()
    );
    assert_eq!(resumed.hard_deadline(), first.hard_deadline());
    assert_eq!(resumed.deadline(), first.deadline());
    b.provider().service_ticket(&resumed, TARGET).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_from_another_flavor_is_refused_without_a_request() {
    let clock = ManualClock::new();
    let wh = sim(Flavor::WhApi, &clock).await;
    let cas = sim(Flavor::Apereo, &clock).await;
    let session = provider(&wh).login().await.unwrap();
    let e = provider(&cas)
        .service_ticket(&session, TARGET)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(cas.calls(SimOp::ServiceTicket), 0);
    let persisted = provider(&wh).persist(&session).unwrap();
    let e = provider(&cas).restore(&persisted).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}
