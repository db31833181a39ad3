//! Jurisdictions: the host table, overrides, per-jurisdiction lifetimes and keep-alive cadence.

use std::time::Duration;

use httpmock::prelude::*;
use session_betfair::{BetfairProvider, Expiry, Jurisdiction, Session, SessionProvider};
use session_core::test_util::ManualClock;

use crate::support::*;

#[test]
fn the_host_table_matches_betfairs_documented_hosts() {
    let table = [
        (
            Jurisdiction::Global,
            "https://identitysso.betfair.com/api/",
            "https://identitysso-cert.betfair.com/api/",
            12 * 3600,
        ),
        (
            Jurisdiction::Italy,
            "https://identitysso.betfair.it/api/",
            "https://identitysso-cert.betfair.it/api/",
            20 * 60,
        ),
        (
            Jurisdiction::Spain,
            "https://identitysso.betfair.es/api/",
            "https://identitysso-cert.betfair.es/api/",
            20 * 60,
        ),
        (
            Jurisdiction::Romania,
            "https://identitysso.betfair.ro/api/",
            "https://identitysso-cert.betfair.ro/api/",
            12 * 3600,
        ),
        (
            Jurisdiction::Sweden,
            "https://identitysso.betfair.se/api/",
            "https://identitysso-cert.betfair.se/api/",
            12 * 3600,
        ),
        (
            Jurisdiction::Australia,
            "https://identitysso.betfair.com.au/api/",
            "https://identitysso-cert.betfair.com/api/",
            12 * 3600,
        ),
        (
            Jurisdiction::NewZealand,
            "https://identitysso.betfair.com.au/api/",
            "https://identitysso-cert.betfair.com/api/",
            12 * 3600,
        ),
    ];
    assert_eq!(table.len(), Jurisdiction::ALL.len());
    for (j, identity, cert, secs) in table {
        let p = BetfairProvider::builder(APP_KEY)
            .jurisdiction(j)
            .interactive(USER, PASSWORD)
            .build()
            .unwrap();
        assert_eq!(p.identity_url().as_str(), identity, "{j}");
        assert_eq!(p.cert_url().as_str(), cert, "{j}");
        assert_eq!(p.session_lifetime(), Duration::from_secs(secs), "{j}");
        let policy = p.policy();
        assert_eq!(
            policy.keep_alive,
            Some(Duration::from_secs(secs / 2)),
            "{j}"
        );
        assert_eq!(policy.default_ttl, Duration::from_secs(secs), "{j}");
        assert_eq!(p.jurisdiction(), j);
        assert!(p.store_key().starts_with(&format!("betfair:{identity}")));
    }
}

#[test]
fn hosts_lifetime_and_cadence_are_overridable() {
    let p = BetfairProvider::builder(APP_KEY)
        .jurisdiction(Jurisdiction::Italy)
        .interactive(USER, PASSWORD)
        .identity_url("https://identitysso.betfair.it/api/v2")
        .cert_url("https://certs.example.net/api/")
        .session_lifetime(Duration::from_secs(3600))
        .keep_alive(Some(Duration::from_secs(300)))
        .build()
        .unwrap();
    assert_eq!(
        p.identity_url().as_str(),
        "https://identitysso.betfair.it/api/v2/"
    );
    assert_eq!(p.cert_url().as_str(), "https://certs.example.net/api/");
    let policy = p.policy();
    assert_eq!(policy.default_ttl, Duration::from_secs(3600));
    assert_eq!(policy.keep_alive, Some(Duration::from_secs(300)));
    let none = BetfairProvider::builder(APP_KEY)
        .interactive(USER, PASSWORD)
        .keep_alive(None)
        .build()
        .unwrap();
    assert_eq!(none.policy().keep_alive, None);
}

#[test]
fn renewal_falls_between_half_and_sixty_percent_of_the_lifetime() {
    let p = BetfairProvider::builder(APP_KEY)
        .jurisdiction(Jurisdiction::Italy)
        .interactive(USER, PASSWORD)
        .build()
        .unwrap();
    let policy = p.policy();
    let t0 = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    for _ in 0..100 {
        let at = policy.renew_at(t0, t0 + Duration::from_secs(1200));
        let after = at.duration_since(t0).unwrap();
        assert!(
            after >= Duration::from_secs(600) && after <= Duration::from_secs(720),
            "{after:?}"
        );
    }
}

#[tokio::test]
async fn an_italian_session_lasts_twenty_minutes() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/it/api/login");
            then.status(200).body(login_body(TOKEN, "SUCCESS", ""));
        })
        .await;
    let clock = ManualClock::new();
    let provider = interactive(&server.url("/it/api"), &clock)
        .jurisdiction(Jurisdiction::Italy)
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    assert_eq!(session.jurisdiction(), Jurisdiction::Italy);
    assert_eq!(
        session.expiry(),
        Expiry::At(clock.now() + Duration::from_secs(1200))
    );
    assert_eq!(session.identity_url().as_str(), server.url("/it/api/"));
}
