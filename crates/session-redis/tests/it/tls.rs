//! `rediss://` (feature `tls`): a private CA, the default roots refusing it, client certificates.

use std::time::Duration;

use session_core::test_util::{ManualClock, TestPki, assert_debug_clean};
use session_core::{PersistedSession, SecretState};
use session_redis::{ErrorKind, RedisSessionStore, SessionStore, StoredRecord, TestRedis};

use crate::support::{save, within};

/// A fresh PKI. The Redis client's TLS uses rustls' process-wide provider; when the graph
/// compiles two (this workspace with all features has `ring` and `aws-lc-rs`), the application
/// picks one, as this test does first.
fn pki() -> TestPki {
    if let Some(provider) =
        session_core::http::TlsBackend::preferred().and_then(|b| b.rustls_provider())
    {
        let _ = std::sync::Arc::unwrap_or_clone(provider).install_default();
    }
    TestPki::new("session-redis")
}

fn record(clock: &ManualClock) -> StoredRecord {
    StoredRecord::new(
        "k",
        "p",
        1,
        Some(PersistedSession::new(
            SecretState::new("{}"),
            Some(session_core::timing::after(
                clock.now(),
                Duration::from_secs(900),
            )),
        )),
        None,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_store_trusting_the_private_ca_saves_and_loads() {
    let pki = pki();
    let redis = TestRedis::spawn_tls(
        &pki.server_cert_pem,
        &pki.server_key_pem,
        &pki.ca_pem,
        false,
    );
    let clock = ManualClock::new();
    let store = RedisSessionStore::builder(redis.url())
        .add_root_pem(pki.ca_pem.as_bytes())
        .clock(clock.shared())
        .connect()
        .await
        .unwrap();
    assert!(save(&store, "k", &record(&clock)).await.unwrap());
    assert_eq!(store.load("k").await.unwrap().unwrap().generation, 1);
    assert!(format!("{store:?}").contains("rediss://localhost"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_roots_refuse_a_private_ca_quickly() {
    let pki = pki();
    let redis = TestRedis::spawn_tls(
        &pki.server_cert_pem,
        &pki.server_key_pem,
        &pki.ca_pem,
        false,
    );
    let store = RedisSessionStore::builder(redis.url())
        .command_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let e = within(
        Duration::from_secs(2),
        "an untrusted server",
        store.load("k"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Unavailable | ErrorKind::Configuration),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_is_presented_when_the_server_requires_one() {
    let pki = pki();
    let redis = TestRedis::spawn_tls(&pki.server_cert_pem, &pki.server_key_pem, &pki.ca_pem, true);
    let clock = ManualClock::new();
    let without = RedisSessionStore::builder(redis.url())
        .add_root_pem(pki.ca_pem.as_bytes())
        .command_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    within(
        Duration::from_secs(2),
        "no client certificate",
        without.load("k"),
    )
    .await
    .unwrap_err();

    let builder = RedisSessionStore::builder(redis.url())
        .add_root_pem(pki.ca_pem.as_bytes())
        .client_identity_pem(pki.client_cert_pem.as_bytes(), &pki.client_key_pem)
        .clock(clock.shared());
    let key_body: String = pki
        .client_key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert_debug_clean(&builder, &[key_body.as_str()]);
    let with = builder.connect().await.unwrap();
    assert!(save(&with, "k", &record(&clock)).await.unwrap());
}

#[test]
fn tls_settings_without_rediss_or_with_insecure_are_refused() {
    let e = RedisSessionStore::builder("redis://127.0.0.1/")
        .add_root_pem(b"-----BEGIN CERTIFICATE-----\n")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = RedisSessionStore::builder("rediss://localhost/#insecure")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let e = RedisSessionStore::builder("rediss://localhost/")
        .add_root_pem(b"not a certificate")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}
