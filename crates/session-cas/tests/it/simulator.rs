//! The simulator itself: scripted failures, account locking, request records, ticket shapes.

use std::time::Duration;

use session_cas::{
    ApiKeySecret, CasFault, CasSim, ErrorKind, FieldSelection, Flavor, HttpFailure, SessionManager,
    SessionProvider, SimFault, SimOp, UsernamePassword, is_target_not_established,
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
        let provider = sim
            .provider_builder()
            .credentials(UsernamePassword::new(USER, PW))
            .build()
            .unwrap();
        for (failure, kind) in [
            (
                SimFault::Provider(CasFault::InvalidCredentials),
                ErrorKind::InvalidCredentials,
            ),
            (
                SimFault::Provider(CasFault::AccountLocked),
                ErrorKind::AccountRestricted,
            ),
            (
                SimFault::RateLimited {
                    retry_after: Some(Duration::from_secs(30)),
                },
                ErrorKind::RateLimited,
            ),
            (SimFault::Unavailable, ErrorKind::Unavailable),
            (SimFault::GatewayPage, ErrorKind::Unavailable),
            (SimFault::Status(418), ErrorKind::UnexpectedResponse),
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
    let provider = sim
        .provider_builder()
        .credentials(UsernamePassword::new(USER, PW))
        .build()
        .unwrap();
    sim.fail_next(SimOp::Login, SimFault::Provider(CasFault::WhCode(20507)));
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AccountRestricted);
    assert_eq!(e.code(), Some("20507"));
    let session = provider.login().await.unwrap();
    sim.fail_next(
        SimOp::ServiceTicket,
        SimFault::Provider(CasFault::WhCode(20502)),
    );
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
    let manager = SessionManager::builder(
        sim.provider_builder()
            .credentials(UsernamePassword::new(USER, PW))
            .build()
            .unwrap(),
    )
    .clock(clock.shared())
    .build();
    let first = manager.get().await.unwrap();
    sim.fail_next(SimOp::Validate, SimFault::GatewayPage);
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
            .provider_builder()
            .credentials(UsernamePassword::new(USER, "PW-WRONG"))
            .build()
            .unwrap();
        for _ in 0..3 {
            assert_eq!(
                wrong.login().await.unwrap_err().kind(),
                ErrorKind::InvalidCredentials
            );
        }
        let right = sim
            .provider_builder()
            .credentials(UsernamePassword::new(USER, PW))
            .build()
            .unwrap();
        let e = right.login().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AccountRestricted, "{flavor}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ban_answers_429_until_it_ends() {
    let clock = ManualClock::new();
    let sim = sim(Flavor::WhApi, &clock).await;
    let provider = sim
        .provider_builder()
        .credentials(UsernamePassword::new(USER, PW))
        .build()
        .unwrap();
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
        .provider_builder()
        .credentials(UsernamePassword::new(USER, PW))
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
        let provider = sim
            .provider_builder()
            .credentials(UsernamePassword::new(USER, PW))
            .build()
            .unwrap();
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
        let lines: Vec<String> = sim.requests().iter().map(|r| r.request.line()).collect();
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
        let provider = sim
            .provider_builder()
            .credentials(UsernamePassword::new(USER, PW))
            .build()
            .unwrap();
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
    let with_expiry = sim
        .provider_builder()
        .credentials(UsernamePassword::new(USER, PW))
        .build()
        .unwrap();
    let s = with_expiry.login().await.unwrap();
    assert_eq!(s.hard_deadline(), clock.now() + Duration::from_secs(4_000));
    let without = sim
        .provider_builder()
        .credentials(UsernamePassword::new(USER, PW))
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
    let provider = sim
        .provider_builder()
        .credentials(UsernamePassword::new(USER, PW))
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    let tgt = session.ticket().expose_secret().to_owned();
    // William Hill's `{tgt}` pattern: ^[a-zA-Z][a-zA-Z0-9-]{39,100}$
    assert!(tgt.starts_with("TGT-") && tgt.contains("TAGabc"));
    assert!((40..=101).contains(&tgt.len()));
    assert!(tgt.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    assert_eq!(sim.ticket_tag(), "TAGabc");
    assert_eq!(sim.issued_tickets(), vec![tgt]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_builder_logs_in_as_the_first_user_and_the_log_holds_the_exact_requests() {
    for flavor in [Flavor::WhApi, Flavor::Apereo] {
        let clock = ManualClock::new();
        let sim = sim(flavor, &clock).await;
        let provider = sim.provider_builder().build().unwrap();
        let session = provider.login().await.unwrap();
        provider.logout(&session).await.unwrap();

        let log = sim.requests();
        let ops: Vec<SimOp> = log.iter().map(|r| r.op).collect();
        assert_eq!(ops, [SimOp::Login, SimOp::Logout], "{flavor}");
        let login = &log[0].request;
        assert_eq!(login.method, http::Method::POST, "{flavor}");
        match flavor {
            Flavor::WhApi => {
                assert_eq!(login.path, "/v2/sessions/tickets");
                assert_eq!(login.json()["username"], USER);
                assert_eq!(login.json()["password"], PW);
                assert_eq!(login.header("apiKey"), Some(KEY));
                assert_eq!(login.header("apiSecret"), Some(SECRET));
            }
            _ => {
                assert_eq!(login.path, "/cas/v1/tickets");
                assert_eq!(login.form()["username"], USER);
                assert_eq!(login.form()["password"], PW);
            }
        }
        let logout = &log[1].request;
        assert_eq!(logout.method, http::Method::DELETE, "{flavor}");
        assert!(logout.path.contains(sim.ticket_tag()), "{flavor}");
        let shown = format!("{log:?} {sim:?}");
        for secret in [PW, SECRET, sim.ticket_tag()] {
            assert!(!shown.contains(secret), "{flavor}: {secret} in {shown}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulator_without_users_builds_a_provider_whose_login_is_refused() {
    let sim = CasSim::builder(Flavor::Apereo).start().await.unwrap();
    let e = sim
        .provider_builder()
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(sim.calls(SimOp::Login), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_faults_reach_the_provider_as_core_kinds_and_leave_no_ticket() {
    let clock = ManualClock::new();
    let sim = sim(Flavor::WhApi, &clock).await;
    let provider = sim
        .provider_builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    for (fault, kind) in [
        (SimFault::Drop, ErrorKind::Unavailable),
        (SimFault::Hang, ErrorKind::Timeout),
        (SimFault::HtmlPage, ErrorKind::Unavailable),
    ] {
        sim.fail_next(SimOp::Login, fault.clone());
        let e = provider.login().await.unwrap_err();
        assert_eq!(e.kind(), kind, "{fault:?}: {e:?}");
    }
    assert_eq!(sim.live_tickets(), 0);
    assert_eq!(sim.calls(SimOp::Login), 3);
    provider.login().await.expect("the script is used up");
    assert_eq!(sim.live_tickets(), 1);
}
