//! Configuration checks: schemes, credentials, certificates, store keys, persistence, policy.

use std::time::Duration;

use session_core::test_util::{ManualClock, assert_error_clean};
use session_seaware::{
    AccessToken, DEFAULT_CLIENT_ID, ErrorKind, Expiry, OAuthSession, RefreshToken, SeawareProvider,
    SeawareSession, Session, SessionProvider, TRAVELAGENT,
};

use crate::support::*;

fn builder(url: &str) -> session_seaware::SeawareBuilder {
    SeawareProvider::builder(url).credentials(USER, PASSWORD)
}

#[test]
fn http_is_refused_for_remote_hosts_even_with_the_opt_out() {
    for allow in [false, true] {
        let e = builder("http://bookings.example.com:8081")
            .allow_insecure_loopback(allow)
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
    }
}

#[test]
fn http_to_loopback_needs_the_opt_out() {
    let e = builder("http://127.0.0.1:8290").build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(
        builder("http://127.0.0.1:8290")
            .allow_insecure_loopback(true)
            .build()
            .is_ok()
    );
    assert!(
        builder("http://localhost:8081")
            .allow_insecure_loopback(true)
            .build()
            .is_ok()
    );
    assert!(builder("https://bookings.example.com").build().is_ok());
}

#[test]
fn bad_base_urls_are_refused_without_being_echoed() {
    for url in [
        "not a url",
        "https://user:PW-SENTINEL-7f3a@bookings.example.com",
        "ftp://x",
    ] {
        let e = builder(url).build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{url}");
        assert_error_clean(&e, &secrets());
    }
}

#[test]
fn session_mode_requires_credentials_and_a_client_id() {
    let e = SeawareProvider::builder("https://h").build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = SeawareProvider::builder("https://h")
        .credentials("", PASSWORD)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = builder("https://h").client_id("").build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}

#[test]
fn an_unusable_root_certificate_is_a_configuration_error() {
    let e = builder("https://h")
        .add_root_pem(
            b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".to_vec(),
        )
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = builder("https://h")
        .add_root_pem(b"nothing".to_vec())
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}

#[test]
fn defaults_follow_the_documentation() {
    let p = builder("https://bookings.example.com/").build().unwrap();
    assert_eq!(DEFAULT_CLIENT_ID, "ota");
    assert_eq!(p.placement(), session_seaware::Placement::Query);
    assert_eq!(
        p.renewal_mode(),
        session_seaware::RenewalMode::RefreshThenLogin
    );
    assert_eq!(p.session_mode(), session_seaware::SessionMode::Session);
    let policy = p.policy();
    assert_eq!(policy.default_ttl, Duration::from_secs(900));
    assert_eq!(policy.buffer, Duration::from_secs(60));
    assert_eq!(
        p.rest_url("OTA_CruiseSailAvailRQ").as_str(),
        "https://bookings.example.com/ota/rest/OTA_CruiseSailAvailRQ"
    );
    assert_eq!(p.name(), "seaware");
}

#[test]
fn the_store_key_names_the_account_without_secrets() {
    let p = builder("https://bookings.example.com/?x=1")
        .build()
        .unwrap();
    let key = p.store_key();
    assert_eq!(
        key,
        format!("seaware:https://bookings.example.com/:JAMES:{TRAVELAGENT}")
    );
    let resagent = builder("https://bookings.example.com")
        .scope("resagent")
        .build()
        .unwrap();
    assert_ne!(resagent.store_key(), key, "one session per user and scope");
    assert!(!key.contains(PASSWORD));
}

#[test]
fn sessions_persist_and_restore_with_their_expiry() {
    let clock = ManualClock::new();
    let p = builder("https://h").clock(clock.shared()).build().unwrap();
    let at = clock.now() + Duration::from_secs(900);
    let session = SeawareSession::from_oauth(OAuthSession::new(
        AccessToken::new(TOKEN),
        Some(RefreshToken::new(REFRESH)),
        Some("travelagent".into()),
        Expiry::At(at),
    ));
    let stored = p.persist(&session).unwrap();
    assert!(!format!("{stored:?}").contains(TOKEN));
    let back = p.restore(&stored).unwrap();
    assert_eq!(back.access_token().unwrap().expose_secret(), TOKEN);
    assert_eq!(back.refresh_token().unwrap().expose_secret(), REFRESH);
    assert_eq!(back.expiry(), Expiry::At(at));
    let e = p
        .restore(&session_seaware::PersistedSession::new(
            session_core::SecretState::new("garbage PW"),
            None,
        ))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}

#[test]
fn debug_output_of_configuration_and_sessions_is_redacted() {
    let b = builder("https://h").client_secret(CLIENT_SECRET);
    let shown = format!("{b:?} {b:#?}");
    assert!(!shown.contains(PASSWORD) && !shown.contains(CLIENT_SECRET));
    let p = b.build().unwrap();
    let shown = format!("{p:?} {p:#?}");
    assert!(!shown.contains(PASSWORD) && !shown.contains(CLIENT_SECRET));
    assert!(shown.contains("JAMES"));
    let s = SeawareSession::from_oauth(OAuthSession::new(
        AccessToken::new(TOKEN),
        Some(RefreshToken::new(REFRESH)),
        None,
        Expiry::Never,
    ));
    let shown = format!("{s:?} {s:#?}");
    assert!(!shown.contains(TOKEN) && !shown.contains(REFRESH));
    assert_eq!(
        format!("{:?}", SeawareSession::session_less()),
        "SeawareSession(session-less)"
    );
}
