//! The simulator's behaviour, seen through the provider and the manager.

use std::time::Duration;

use session_core::test_util::ManualClock;
use session_seaware::{
    ErrorKind, ExpiresIn, Expiry, HttpFailure, Placement, RejectionStyle, SIM_TOKEN_PREFIX,
    SeawareFault, Session, SessionProvider, SimFault, SimOp,
};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_accepts_both_placements_and_can_refuse_either() {
    let clock = ManualClock::new();
    for (accept_query, accept_form) in [(true, true), (true, false), (false, true)] {
        let sim = sim_with(&clock, |b| {
            b.accept_query(accept_query).accept_form(accept_form)
        })
        .await;
        for (placement, accepted) in [
            (Placement::Query, accept_query),
            (Placement::Form, accept_form),
        ] {
            let p = sim_provider(&sim, &clock)
                .placement(placement)
                .build()
                .unwrap();
            match p.login().await {
                Ok(s) => {
                    assert!(accepted, "{placement:?}");
                    assert!(
                        s.access_token()
                            .unwrap()
                            .expose_secret()
                            .starts_with(SIM_TOKEN_PREFIX)
                    );
                }
                Err(e) => {
                    assert!(!accepted, "{placement:?}");
                    assert_eq!(e.kind(), ErrorKind::Configuration);
                    assert_eq!(e.code(), Some("invalid_client"));
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expire_on_the_manual_clock_and_a_rejection_causes_one_relogin() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let m = manager(sim_provider(&sim, &clock).build().unwrap(), &clock);
    let (lease, response) = ping(&m).await;
    assert_eq!(response.status(), 200);
    assert!(!m.provider().is_rejection(&response));
    // The server forgets the session (a restart); the client still thinks it is fresh.
    sim.drop_sessions();
    let (stale, response) = ping(&m).await;
    assert_eq!(stale.generation(), lease.generation());
    assert!(m.provider().is_rejection(&response));
    assert!(m.invalidate(&stale));
    assert!(!m.invalidate(&stale));
    let (fresh, response) = ping(&m).await;
    assert_eq!(response.status(), 200);
    assert!(fresh.generation() > stale.generation());
    assert_eq!(sim.calls(SimOp::Login), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ota_xml_rejections_are_recognised() {
    let clock = ManualClock::new();
    let sim = sim_with(&clock, |b| b.rejection(RejectionStyle::OtaXml)).await;
    let provider = sim_provider(&sim, &clock).build().unwrap();
    let m = manager(provider, &clock);
    ping(&m).await;
    sim.drop_sessions();
    let (_, response) = ping(&m).await;
    assert_eq!(response.status(), 200, "OTA errors come with HTTP 200");
    assert!(m.provider().is_rejection(&response));
    assert!(session_seaware::is_rejection(&response));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expires_in_styles_all_lead_to_the_same_expiry() {
    let clock = ManualClock::new();
    for style in [ExpiresIn::Number, ExpiresIn::String, ExpiresIn::Omitted] {
        let sim = sim_with(&clock, |b| {
            b.expires_in(style).ttl(Duration::from_secs(300))
        })
        .await;
        let s = sim_provider(&sim, &clock)
            .default_ttl(Duration::from_secs(300))
            .build()
            .unwrap()
            .login()
            .await
            .unwrap();
        assert_eq!(
            s.expiry(),
            Expiry::At(clock.now() + Duration::from_secs(300)),
            "{style:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_faults_map_to_kinds() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let p = sim_provider(&sim, &clock).build().unwrap();
    let cases = [
        (
            SimFault::RateLimited {
                retry_after: Some(Duration::from_secs(90)),
            },
            ErrorKind::RateLimited,
        ),
        (SimFault::Unavailable, ErrorKind::Unavailable),
        (SimFault::GatewayPage, ErrorKind::Unavailable),
        (
            SimFault::Provider(SeawareFault::Spring {
                status: 400,
                error: "invalid_request",
            }),
            ErrorKind::Configuration,
        ),
        (
            SimFault::Provider(SeawareFault::Spring {
                status: 403,
                error: "access_denied",
            }),
            ErrorKind::AccountRestricted,
        ),
    ];
    for (fault, kind) in cases.clone() {
        sim.fail_next(SimOp::Login, fault.clone());
        let e = p.login().await.unwrap_err();
        assert_eq!(e.kind(), kind, "{fault:?}");
        if let SimFault::RateLimited { retry_after } = fault {
            assert_eq!(e.retry_after(), retry_after);
        }
        if fault == SimFault::GatewayPage {
            assert_eq!(e.http_failure(), Some(HttpFailure::GatewayPage));
        }
    }
    assert!(p.login().await.is_ok(), "faults are used up");
    assert_eq!(sim.calls(SimOp::Login), cases.len() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_user_is_account_restricted_and_an_unknown_scope_is_configuration() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    sim.lock_user(USER, true);
    let e = sim_provider(&sim, &clock)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AccountRestricted);
    sim.lock_user(USER, false);
    let e = sim_provider(&sim, &clock)
        .scope("captain")
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("invalid_scope"))
    );
    let s = sim_provider(&sim, &clock)
        .scope("resagent")
        .build()
        .unwrap()
        .login()
        .await
        .unwrap();
    assert_eq!(s.scope(), Some("resagent"));
    let e = sim
        .provider_builder()
        .credentials(USER, "wrong")
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_counts_every_operation() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let m = manager(sim_provider(&sim, &clock).build().unwrap(), &clock);
    ping(&m).await;
    ping(&m).await;
    m.refresh().await.unwrap();
    m.logout().await.unwrap();
    assert_eq!(
        (
            sim.calls(SimOp::Login),
            sim.calls(SimOp::Refresh),
            sim.calls(SimOp::Message),
            sim.calls(SimOp::Logout)
        ),
        (1, 1, 2, 1)
    );
    assert_eq!(sim.active_sessions(), 0);
    assert!(format!("{sim:?}").contains("logins: 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_builder_carries_the_first_user_and_the_log_the_exact_requests() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let provider = sim
        .provider_builder()
        .placement(Placement::Form)
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    provider.logout(&session).await.unwrap();

    let log = sim.requests();
    let ops: Vec<SimOp> = log.iter().map(|r| r.op).collect();
    assert_eq!(ops, [SimOp::Login, SimOp::Logout]);
    let login = &log[0].request;
    assert_eq!(login.line(), "POST /ota/oauth/token");
    let form = login.form();
    assert_eq!(form["grant_type"], "password");
    assert_eq!(
        (form["username"].as_str(), form["password"].as_str()),
        (USER, PASSWORD)
    );
    assert_eq!(form["client_secret"], CLIENT_SECRET);
    let logout = &log[1].request;
    assert_eq!(logout.line(), "POST /ota/oauth/logout");
    assert!(
        logout
            .header("authorization")
            .is_some_and(|v| v.contains(SIM_TOKEN_PREFIX))
    );
    let shown = format!("{log:?} {sim:?}");
    for secret in [PASSWORD, CLIENT_SECRET, SIM_TOKEN_PREFIX] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_faults_reach_the_provider_as_core_kinds() {
    let clock = ManualClock::new();
    let sim = sim(&clock).await;
    let p = sim_provider(&sim, &clock)
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    for (fault, kind) in [
        (SimFault::Drop, ErrorKind::Unavailable),
        (SimFault::Hang, ErrorKind::Timeout),
        (SimFault::Status(503), ErrorKind::Unavailable),
    ] {
        sim.fail_next(SimOp::Login, fault.clone());
        let e = p.login().await.unwrap_err();
        assert_eq!(e.kind(), kind, "{fault:?}: {e:?}");
    }
    assert_eq!(sim.calls(SimOp::Login), 3);
    assert_eq!(sim.active_sessions(), 0, "a faulted login issues nothing");
    p.login().await.expect("the script is used up");
}
