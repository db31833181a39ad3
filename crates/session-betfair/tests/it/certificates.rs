//! Certificate login: every certificate format, file problems named clearly, and `certlogin` over
//! mutual TLS against a loopback server that requires a client certificate.

use std::sync::{Arc, Mutex};

#[cfg(feature = "pkcs12")]
use p12_keystore::{EncryptionAlgorithm, MacAlgorithm};
#[cfg(feature = "pkcs12")]
use session_betfair::Password;
use session_betfair::{
    BetfairProvider, BetfairSim, ClientCertificate, ErrorKind, HttpFailure, LoginMethod,
    SessionManager, SessionProvider, SimOp,
};
use session_core::test_util::{
    ManualClock, SimRequest, SimResponse, SimServer, assert_error_clean,
};

use crate::support::*;

fn cert_provider(
    cert: ClientCertificate,
    cert_url: &str,
    identity_url: &str,
    pki: &TestPki,
    clock: &ManualClock,
) -> BetfairProvider {
    BetfairProvider::builder(APP_KEY)
        .certificate(USER, PASSWORD, cert)
        .cert_url(cert_url)
        .identity_url(identity_url)
        .add_root_pem(pki.ca_pem.as_bytes())
        .allow_insecure_loopback(true)
        .clock(clock.shared())
        .build()
        .unwrap()
}

#[test]
fn every_pem_and_der_fixture_loads_and_makes_a_usable_client() {
    assert_usable([
        ClientCertificate::from_files(data("fixture.crt"), data("fixture.key")).unwrap(),
        ClientCertificate::from_files(data("fixture.der"), data("fixture.key")).unwrap(),
        ClientCertificate::from_pem_file(data("fixture.pem")).unwrap(),
        ClientCertificate::from_path(data("fixture.crt"), Some(&data("fixture.key")), None)
            .unwrap(),
        ClientCertificate::from_path(data("fixture.pem"), None, None).unwrap(),
        // RSA-2048 with a PKCS#1 key (`BEGIN RSA PRIVATE KEY`).
        ClientCertificate::from_files(data("fixture-rsa.crt"), data("fixture-rsa.key")).unwrap(),
    ]);
    let text = std::fs::read_to_string(data("fixture-legacy.p12")).unwrap_or_default();
    assert!(!text.contains("BEGIN"), "pkcs12 fixtures are DER");
}

/// OpenSSL-made PKCS#12 files (generated for the run): PBES2/AES-256 with an HMAC-SHA256 MAC,
/// and `-legacy` (RC2-40 certificate bag, 3DES key bag, HMAC-SHA1 MAC).
#[cfg(feature = "pkcs12")]
#[test]
fn openssl_modern_and_legacy_pkcs12_fixtures_load() {
    // The legacy file really is legacy: its key bag names pbeWithSHAAnd3-KeyTripleDES-CBC
    // (1.2.840.113549.1.12.1.3), which the modern file does not use.
    const TRIPLE_DES_OID: &[u8] = &[
        0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x03,
    ];
    let has_3des = |name: &str| {
        std::fs::read(data(name))
            .unwrap()
            .windows(TRIPLE_DES_OID.len())
            .any(|w| w == TRIPLE_DES_OID)
    };
    assert!(has_3des("fixture-legacy.p12"));
    assert!(!has_3des("fixture-modern.p12"));
    let pw = Password::new(P12_PW);
    assert_usable([
        ClientCertificate::from_pkcs12_file(data("fixture-modern.p12"), &pw).unwrap(),
        ClientCertificate::from_pkcs12_file(data("fixture-legacy.p12"), &pw).unwrap(),
        ClientCertificate::from_path(data("fixture-legacy.p12"), None, Some(&pw)).unwrap(),
        ClientCertificate::from_pkcs12(&std::fs::read(data("fixture-modern.p12")).unwrap(), &pw)
            .unwrap(),
    ]);
}

#[cfg(not(feature = "pkcs12"))]
#[test]
fn without_the_pkcs12_feature_a_p12_file_is_a_named_configuration_error() {
    let e = ClientCertificate::from_path(data("fixture-legacy.p12"), None, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(e.to_string().contains("fixture-legacy.p12"), "{e}");
}

fn assert_usable<const N: usize>(certs: [ClientCertificate; N]) {
    for cert in certs {
        assert_eq!(cert.chain_len(), 1, "{}", cert.source());
        let shown = format!("{cert:?}");
        assert!(!shown.contains("PRIVATE KEY") && !shown.contains(P12_PW));
        // Building proves rustls accepts the key and that it matches the certificate.
        BetfairProvider::builder(APP_KEY)
            .certificate(USER, PASSWORD, cert)
            .build()
            .unwrap();
    }
}

#[test]
fn file_problems_are_configuration_errors_that_name_the_file() {
    let missing = data("no-such.crt");
    let dir = scratch("file-problems");
    let garbage = dir.join("garbage.p12");
    std::fs::write(&garbage, b"PW-SENTINEL-7f3a this is not a certificate").unwrap();
    let key_only = dir.join("key-only.pem");
    std::fs::copy(data("fixture.key"), &key_only).unwrap();
    let cert_only = dir.join("cert-only.pem");
    std::fs::copy(data("fixture.crt"), &cert_only).unwrap();

    #[allow(unused_mut)]
    let mut cases: Vec<(session_betfair::Error, String)> = vec![
        (
            ClientCertificate::from_files(&missing, data("fixture.key")).unwrap_err(),
            "not found".into(),
        ),
        (
            ClientCertificate::from_files(data("fixture.crt"), data("fixture-encrypted.key"))
                .unwrap_err(),
            "encrypted".into(),
        ),
        (
            ClientCertificate::from_files(&key_only, data("fixture.key")).unwrap_err(),
            "no certificate".into(),
        ),
        (
            ClientCertificate::from_pem_file(&cert_only).unwrap_err(),
            "no private key".into(),
        ),
    ];
    #[cfg(feature = "pkcs12")]
    {
        let pw = Password::new(P12_PW);
        let wrong = Password::new("wrong");
        cases.extend([
            (
                ClientCertificate::from_pkcs12_file(data("fixture-modern.p12"), &wrong)
                    .unwrap_err(),
                "wrong password".to_owned(),
            ),
            (
                ClientCertificate::from_pkcs12_file(data("fixture-legacy.p12"), &wrong)
                    .unwrap_err(),
                "password".to_owned(),
            ),
            (
                ClientCertificate::from_pkcs12_file(&garbage, &pw).unwrap_err(),
                "pkcs12".to_owned(),
            ),
            (
                ClientCertificate::from_pkcs12_file(&dir, &pw).unwrap_err(),
                "pkcs12 file".to_owned(),
            ),
        ]);
    }
    #[cfg(not(feature = "pkcs12"))]
    let _ = (&garbage, &dir);
    for (e, what) in cases {
        assert_eq!(e.kind(), ErrorKind::Configuration, "{e}");
        assert_eq!(
            e.code(),
            None,
            "a file problem carries no betfair code: {e}"
        );
        let text = e.to_string();
        assert!(text.contains(&what), "{text}");
        assert!(
            text.contains("fixture")
                || text.contains("no-such")
                || text.contains("garbage")
                || text.contains("key-only")
                || text.contains("cert-only")
                || text.contains("file-problems"),
            "the error names the file: {text}"
        );
        assert!(!text.contains("BEGIN"), "never the contents: {text}");
        assert_error_clean(&e, &[P12_PW, "PW-SENTINEL-7f3a"]);
    }
}

#[test]
fn a_key_that_does_not_match_the_certificate_is_named() {
    let pki = test_pki();
    let other = test_pki();
    let cert = ClientCertificate::from_pem(
        pki.client_cert_pem.as_bytes(),
        other.client_key_pem.as_bytes(),
    )
    .unwrap();
    let e = BetfairProvider::builder(APP_KEY)
        .certificate(USER, PASSWORD, cert)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(e.to_string().contains("in-memory pem"), "{e}");
}

/// A loopback TLS server requiring a client certificate, answering `certlogin` like Betfair and
/// recording what it saw.
async fn mtls_server(pki: &TestPki, seen: Arc<Mutex<Vec<SimRequest>>>) -> SimServer {
    SimServer::start_tls(
        move |req: SimRequest| {
            seen.lock().unwrap().push(req.clone());
            if req.path == "/api/certlogin" && req.client_cert {
                SimResponse::json(
                    200,
                    serde_json::json!({"sessionToken": TOKEN, "loginStatus": "SUCCESS"}),
                )
            } else {
                SimResponse::json(
                    200,
                    serde_json::json!({"loginStatus": "CERT_AUTH_REQUIRED"}),
                )
            }
        },
        pki.server_config(ClientCertificates::Required),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn certlogin_presents_the_certificate_and_posts_the_exact_form() {
    let pki = test_pki();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = mtls_server(&pki, seen.clone()).await;
    let clock = ManualClock::new();
    let cert = ClientCertificate::from_pem(
        pki.client_cert_pem.as_bytes(),
        pki.client_key_pem.as_bytes(),
    )
    .unwrap();
    let provider = cert_provider(
        cert,
        &server.url("/api/"),
        "http://127.0.0.1:9/api/",
        &pki,
        &clock,
    );
    let session = provider.login().await.unwrap();
    assert_eq!(session.token().expose_secret(), TOKEN);
    assert_eq!(session.method(), LoginMethod::Certificate);
    // keepAlive and logout go to the identity host, not the certificate host.
    assert_eq!(session.identity_url().as_str(), "http://127.0.0.1:9/api/");

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert!(req.client_cert, "the client certificate was presented");
    assert_eq!(req.method, http::Method::POST);
    assert_eq!(req.path, "/api/certlogin");
    assert_eq!(req.query, None);
    assert_eq!(req.header("x-application"), Some(APP_KEY));
    assert_eq!(req.header("accept"), Some("application/json"));
    assert_eq!(
        req.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        std::str::from_utf8(&req.body).unwrap(),
        format!("username={USER}&password={PASSWORD_FORM}")
    );
}

#[tokio::test]
async fn certlogin_works_from_files_and_from_modern_and_legacy_pkcs12() {
    let pki = test_pki();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = mtls_server(&pki, seen.clone()).await;
    let dir = scratch("mtls-files");
    let crt = dir.join("client.crt");
    let key = dir.join("client.key");
    let pem = dir.join("client.pem");
    std::fs::write(&crt, &pki.client_cert_pem).unwrap();
    std::fs::write(&key, &pki.client_key_pem).unwrap();
    std::fs::write(
        &pem,
        format!("{}{}", pki.client_cert_pem, pki.client_key_pem),
    )
    .unwrap();
    #[allow(unused_mut)]
    let mut certs = vec![
        ClientCertificate::from_files(&crt, &key).unwrap(),
        ClientCertificate::from_pem_file(&pem).unwrap(),
    ];
    #[cfg(feature = "pkcs12")]
    {
        let pw = Password::new("p12 pass");
        for (name, alg, mac) in [
            (
                "aes.p12",
                EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
                MacAlgorithm::HmacSha256,
            ),
            (
                "3des.pfx",
                EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
                MacAlgorithm::HmacSha1,
            ),
            (
                "rc2.p12",
                EncryptionAlgorithm::PbeWithShaAnd40BitRc4Cbc,
                MacAlgorithm::HmacSha1,
            ),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, client_p12(&pki, "p12 pass", alg, mac)).unwrap();
            certs.push(ClientCertificate::from_path(&path, None, Some(&pw)).unwrap());
        }
    }
    let clock = ManualClock::new();
    for cert in certs {
        let source = cert.source().to_owned();
        let provider = cert_provider(
            cert,
            &server.url("/api/"),
            &server.url("/api/"),
            &pki,
            &clock,
        );
        let session = provider
            .login()
            .await
            .unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(session.token().expose_secret(), TOKEN);
    }
    assert!(seen.lock().unwrap().iter().all(|r| r.client_cert));
}

#[tokio::test]
async fn a_certificate_the_server_does_not_trust_fails_the_handshake() {
    let pki = test_pki();
    let stranger = test_pki();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = mtls_server(&pki, seen.clone()).await;
    let clock = ManualClock::new();
    let cert = ClientCertificate::from_pem(
        stranger.client_cert_pem.as_bytes(),
        stranger.client_key_pem.as_bytes(),
    )
    .unwrap();
    let provider = cert_provider(
        cert,
        &server.url("/api/"),
        &server.url("/api/"),
        &pki,
        &clock,
    );
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
    assert!(
        matches!(
            e.http_failure(),
            Some(HttpFailure::Tls | HttpFailure::TruncatedBody | HttpFailure::Connect)
        ),
        "{e:?}"
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn cert_auth_required_from_the_server_is_distinct_from_a_file_problem() {
    // The simulator over plain HTTP sees no client certificate, like Betfair's retired host.
    let pki = test_pki();
    let clock = ManualClock::new();
    let sim = BetfairSim::builder()
        .clock(clock.shared())
        .account(USER, PASSWORD)
        .start()
        .await
        .unwrap();
    let cert = ClientCertificate::from_pem(
        pki.client_cert_pem.as_bytes(),
        pki.client_key_pem.as_bytes(),
    )
    .unwrap();
    let provider = cert_provider(cert, &sim.cert_url(), &sim.identity_url(), &pki, &clock);
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(e.code(), Some("CERT_AUTH_REQUIRED"));
    assert_eq!(
        e.to_string(),
        "betfair: client certificate not accepted by betfair: CERT_AUTH_REQUIRED"
    );
    assert_eq!(sim.calls(SimOp::CertLogin), 1);
}

#[tokio::test]
async fn the_simulator_over_mutual_tls_runs_a_whole_certificate_session() {
    let pki = test_pki();
    let clock = ManualClock::new();
    let sim = BetfairSim::builder()
        .clock(clock.shared())
        .account(USER, PASSWORD)
        .start_with_cert_server(pki.server_config(ClientCertificates::Required))
        .await
        .unwrap();
    assert!(sim.cert_url().starts_with("https://localhost:"));
    let cert = ClientCertificate::from_der(
        vec![pki.client_cert_der.clone()],
        rustls_pki_types::PrivateKeyDer::Pkcs8(pki.client_key_der.clone().into()),
    );
    let provider = cert_provider(cert, &sim.cert_url(), &sim.identity_url(), &pki, &clock);
    let manager = SessionManager::builder(provider)
        .clock(clock.shared())
        .build();
    let lease = manager.get().await.unwrap();
    assert!(sim.is_live(lease.token()));
    manager.refresh().await.unwrap();
    manager.logout().await.unwrap();
    assert_eq!(
        (
            sim.calls(SimOp::CertLogin),
            sim.calls(SimOp::Login),
            sim.calls(SimOp::KeepAlive),
            sim.calls(SimOp::Logout)
        ),
        (1, 0, 1, 1)
    );
    assert_eq!(sim.active_sessions(), 0);
}
