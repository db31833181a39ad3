//! Nothing secret leaks: not the password, the API key or secret, a ticket-granting ticket or a
//! service ticket, in `Debug`, errors, events or captured logs, across whole flows.

use session_cas::{
    ApiKeySecret, CasFault, CasProvider, CasSim, Flavor, SessionManager, SessionProvider, SimFault,
    SimOp, UsernamePassword,
};
use session_core::test_util::{ManualClock, assert_debug_clean, assert_error_clean, capture_logs};

use crate::support::{KEY, PW, SECRET, USER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_flows_of_both_flavors_leak_nothing() {
    let logs = capture_logs();
    for flavor in [Flavor::WhApi, Flavor::Apereo] {
        let clock = ManualClock::new();
        let tag = "LEAKTAG9e2f";
        let sim = CasSim::builder(flavor)
            .clock(clock.shared())
            .user(USER, PW)
            .api_credentials(KEY, SECRET)
            .ticket_tag(tag)
            .start()
            .await
            .unwrap();
        let secrets = [PW, KEY, SECRET, tag];
        let config = sim
            .provider_builder()
            .credentials(UsernamePassword::new(USER, PW));
        assert_debug_clean(&config, &secrets);
        let manager = SessionManager::builder(config.build().unwrap())
            .clock(clock.shared())
            .build();
        let mut events = manager.subscribe();
        assert_debug_clean(&manager.provider(), &secrets);
        let lease = manager.get().await.unwrap();
        assert_debug_clean(&lease, &secrets);
        assert_debug_clean(&*lease, &secrets);
        let provider = manager.provider();
        let st = provider
            .service_ticket(&lease, "https://app.example.org/")
            .await
            .unwrap();
        assert_debug_clean(&st, &secrets);
        manager.refresh().await.unwrap();
        let persisted = provider.persist(&lease).unwrap();
        assert_debug_clean(&persisted, &secrets);
        // Failures of every kind.
        for failure in [
            SimFault::Provider(CasFault::TicketNotFound),
            SimFault::GatewayPage,
            SimFault::Provider(CasFault::WhCode(20510)),
        ] {
            sim.fail_next(SimOp::ServiceTicket, failure);
            let e = provider
                .service_ticket(&lease, "https://app.example.org/")
                .await
                .unwrap_err();
            assert_error_clean(&e, &secrets);
        }
        sim.fail_next(
            SimOp::Login,
            SimFault::Provider(CasFault::InvalidCredentials),
        );
        assert_error_clean(&provider.login().await.unwrap_err(), &secrets);
        let wrong = sim
            .provider_builder()
            .credentials(UsernamePassword::new(USER, "PW-WRONG-LEAK-1"))
            .build()
            .unwrap();
        assert_error_clean(&wrong.login().await.unwrap_err(), &["PW-WRONG-LEAK-1"]);
        manager.logout().await.unwrap();
        while let Ok(ev) = events.try_recv() {
            assert_debug_clean(&ev, &secrets);
        }
        let mut all: Vec<String> = secrets.iter().map(|s| (*s).to_owned()).collect();
        all.extend(sim.issued_tickets());
        logs.assert_clean(&all);
        assert_debug_clean(&manager, &all);
        assert_debug_clean(&manager.health(), &all);
    }
}

#[test]
fn configuration_debug_shows_no_secret() {
    let config = CasProvider::builder(
        "https://sandbox.whapi.com/v2/sessions",
        UsernamePassword::new(USER, PW),
    )
    .api_credentials(ApiKeySecret::new(KEY, SECRET))
    .renew_service("https://keepalive.example.com/?token=SECRET-IN-URL");
    assert_debug_clean(&config, &[PW, KEY, SECRET, "SECRET-IN-URL"]);
    let provider = config.build().unwrap();
    assert_debug_clean(&provider, &[PW, KEY, SECRET, "SECRET-IN-URL"]);
    assert!(provider.store_key().contains(USER));
    assert!(!provider.store_key().contains(PW));
}

#[test]
fn a_base_url_with_credentials_is_refused_and_never_printed() {
    let config = CasProvider::builder(
        "https://ann:URLPW-SENTINEL@cas.example.org/cas",
        UsernamePassword::new(USER, PW),
    )
    .flavor(Flavor::Apereo);
    assert_debug_clean(&config, &["URLPW-SENTINEL"]);
    let e = config.build().unwrap_err();
    assert_eq!(e.kind(), session_cas::ErrorKind::Configuration);
    assert_error_clean(&e, &["URLPW-SENTINEL"]);
}
