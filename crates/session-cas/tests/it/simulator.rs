//! The simulator itself: scripted failures, account locking, request records, ticket shapes.

use std::time::Duration;

use session_cas::{
    ApiKeySecret, CasSim, ErrorKind, FieldSelection, Flavor, HttpFailure, SessionManager,
    SessionProvider, SimFailure, SimOp, UsernamePassword, is_target_not_established,
};
use session_core::test_util::ManualClock;

use crate::support::{KEY, PW, SECRET, USER};

async fn sim(flavor: Flavor, clock: &ManualClock) -> CasSim {
    CasSim::builder(flavor)
        .clock(clock.shared())
        .user(USER, PW)
        .api_credentials(KEY, SECRET)
        .start()
        .await
        .expect("simulator starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_login_failures_map_to_their_kinds_then_logins_work_again() {
    for flavor in [Flavor::WhApi, Flavor::Apereo] {
        let clock = ManualClock::new();
        let sim = sim(flavor, &clock).await;
        let provider = sim.config(UsernamePassword::new(USER, PW)).build().unwrap();
        for (failure, kind) in [
            (
                SimFailure::InvalidCredentials,
                ErrorKind::InvalidCredentials,
            ),
            (SimFailure::AccountLocked, ErrorKind::AccountRestricted),
            (
                SimFailure::RateLimited {
                    retry_after: Some(Duration::from_secs(30)),
                },
                ErrorKind::RateLimited,
            ),
            (SimFailure::Unavailable, ErrorKind::Unavailable),
            (SimFailure::GatewayPage, ErrorKind::Unavailable),
            (SimFailure::Status(418), ErrorKind::UnexpectedResponse),
        ] {
            sim.fail_next(SimOp::Login, failure.clone());
            let e = provider.login().await.unwrap_err();
            assert_eq!(e.kind(), kind, "{flavor} {failure:?}");
        }
        provider.login().await.unwrap();
        assert_eq!(sim.calls(SimOp::Login), 7);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn william_hill_codes_can_be_scripted() {
    let clock = ManualClock::new();
    let sim = sim(Flavor::WhApi, &clock).await;
    let provider = sim.config(UsernamePassword::new(USER, PW)).build().unwrap();
    sim.fail_next(SimOp::Login, SimFailure::WhCode(20507));
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AccountRestricted);
    assert_eq!(e.code(), Some("20507"));
    let session = provider.login().await.unwrap();
    sim.fail_next(SimOp::ServiceTicket, SimFailure::WhCode(20502));
    let e = provider
        .service_ticket(&session, "https://sports.williamhill.com/")
        .await
        .unwrap_err();
    assert!(is_target_not_established(&e));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_renewal_failure_keeps_the_session() {
    let clock = ManualClock::new();
    let sim = sim(Flavor::WhApi, &clock).await;
    let manager =
        SessionManager::builder(sim.config(UsernamePassword::new(USER, PW)).build().unwrap())
            .clock(clock.shared())
            .build();
    let first = manager.get().await.unwrap();
    sim.fail_next(SimOp::Validate, SimFailure::GatewayPage);
    let e = manager.refresh().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(e.http_failure(), Some(HttpFailure::GatewayPage));
    let still = manager.get().await.unwrap();
    assert_eq!(still.generation(), first.generation());
    assert_eq!(sim.calls(SimOp::Login), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_bad_passwords_lock_the_account() {
    for flavor in [Flavor::WhApi, Flavor::Apereo] {
        let clock = ManualClock::new();
        let sim = CasSim::builder(flavor)
            .clock(clock.shared())
            .user(USER, PW)
            .lock_after(3)
            .start()
            .await
            .unwrap();
        let wrong = sim
            .config(UsernamePassword::new(USER, "PW-WRONG"))
            .build()
            .unwrap();
        for _ in 0..3 {
            assert_eq!(
                wrong.login().await.unwrap_err().kind(),
                ErrorKind::InvalidCredentials
            );
        }
        let right = sim.config(UsernamePassword::new(USER, PW)).build().unwrap();
        let e = right.login().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AccountRestricted, "{flavor}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ban_answers_429_until_it_ends() {
    let clock = ManualClock::new();
    let sim = sim(Flavor::WhApi, &clock).await;
    let provider = sim.config(UsernamePassword::new(USER, PW)).build().unwrap();
    sim.ban_for(Duration::from_secs(120));
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    clock.advance(Duration::from_secs(120));
    provider.login().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_api_credentials_are_refused_by_the_william_hill_simulator() {
    let clock = ManualClock::new();
    let sim = sim(Flavor::WhApi, &clock).await;
    let provider = sim
        .config(UsernamePassword::new(USER, PW))
        .api_credentials(ApiKeySecret::new("l7xxOTHERKEY000000000", SECRET))
        .build()
        .unwrap();
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(e.code(), Some("000000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_never_carry_the_password_in_a_url_and_tickets_are_one_encoded_segment() {
    for flavor in [Flavor::WhApi, Flavor::Apereo] {
        let clock = ManualClock::new();
        let sim = CasSim::builder(flavor)
            .clock(clock.shared())
            .user(USER, PW)
            .ticket_suffix("-https://cas.example.org")
            .location_base("http://10.9.8.7:8080/cas")
            .start()
            .await
            .unwrap();
        let provider = sim.config(UsernamePassword::new(USER, PW)).build().unwrap();
        let session = provider.login().await.unwrap();
        assert!(
            session
                .ticket()
                .expose_secret()
                .ends_with("-https://cas.example.org")
        );
        provider.validate(&session).await.unwrap();
        provider
            .service_ticket(&session, "https://app.example.org/")
            .await
            .unwrap();
        provider.logout(&session).await.unwrap();
        assert_eq!(sim.live_tickets(), 0, "{flavor}: logged out");
        let lines = sim.requests();
        assert_eq!(lines.len(), 4, "{flavor}: {}", lines.len());
        for line in &lines {
            assert!(!line.contains(PW), "{flavor}: password in a url");
            assert!(
                !line.contains("https://cas"),
                "{flavor}: ticket not encoded"
            );
        }
        assert!(
            lines[1].contains("-https:%2F%2Fcas.example.org"),
            "{flavor}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restricted_services_are_not_established() {
    for flavor in [Flavor::WhApi, Flavor::Apereo] {
        let clock = ManualClock::new();
        let sim = CasSim::builder(flavor)
            .clock(clock.shared())
            .user(USER, PW)
            .services(["https://sports.williamhill.com/"])
            .start()
            .await
            .unwrap();
        let provider = sim.config(UsernamePassword::new(USER, PW)).build().unwrap();
        let session = provider.login().await.unwrap();
        provider
            .service_ticket(&session, "https://sports.williamhill.com/")
            .await
            .unwrap();
        let e = provider
            .service_ticket(&session, "https://unknown.example.com/")
            .await
            .unwrap_err();
        assert!(is_target_not_established(&e), "{flavor}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excluded_expiry_falls_back_to_the_local_cap() {
    let clock = ManualClock::new();
    let sim = CasSim::builder(Flavor::WhApi)
        .clock(clock.shared())
        .user(USER, PW)
        .lifetimes(session_cas::Lifetimes::default().with_max_lifetime(Duration::from_secs(4_000)))
        .start()
        .await
        .unwrap();
    let with_expiry = sim.config(UsernamePassword::new(USER, PW)).build().unwrap();
    let s = with_expiry.login().await.unwrap();
    assert_eq!(s.hard_deadline(), clock.now() + Duration::from_secs(4_000));
    let without = sim
        .config(UsernamePassword::new(USER, PW))
        .login_fields(FieldSelection::new().exclude(["expiryDateTime"]))
        .build()
        .unwrap();
    let s = without.login().await.unwrap();
    assert_eq!(s.hard_deadline(), clock.now() + Duration::from_secs(28_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issued_tickets_carry_the_tag_and_match_the_documented_shape() {
    let clock = ManualClock::new();
    let sim = CasSim::builder(Flavor::WhApi)
        .clock(clock.shared())
        .user(USER, PW)
        .ticket_tag("TAGabc")
        .start()
        .await
        .unwrap();
    let provider = sim.config(UsernamePassword::new(USER, PW)).build().unwrap();
    let session = provider.login().await.unwrap();
    let tgt = session.ticket().expose_secret().to_owned();
    // William Hill's `{tgt}` pattern: ^[a-zA-Z][a-zA-Z0-9-]{39,100}$
    assert!(tgt.starts_with("TGT-") && tgt.contains("TAGabc"));
    assert!((40..=101).contains(&tgt.len()));
    assert!(tgt.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    assert_eq!(sim.ticket_tag(), "TAGabc");
    assert_eq!(sim.issued_tickets(), vec![tgt]);
}
