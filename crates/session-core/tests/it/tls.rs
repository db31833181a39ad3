//! Every compiled TLS backend against a real TLS server: untrusted roots fail the handshake,
//! `add_root_pem` adds a root, client certificates (PKCS#8 and PKCS#1 keys) reach a server that
//! requires them, and no process-wide rustls provider is ever installed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use session_core::http::{HttpClient, TlsBackend};
use session_core::test_util::{ClientCertificates, SimResponse, SimServer, TestPki};
use session_core::{ErrorKind, HttpFailure};

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).unwrap()
}

async fn counting_server(
    pki: &TestPki,
    clients: ClientCertificates,
) -> (SimServer, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    let server = SimServer::start_tls(
        move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
            SimResponse::json(200, serde_json::json!({"ok": true}))
        },
        pki.server_config(clients),
    )
    .await
    .unwrap();
    (server, hits)
}

fn assert_no_process_default() {
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "a process-wide rustls provider was installed"
    );
}

#[tokio::test]
async fn every_backend_refuses_an_untrusted_root_and_accepts_an_added_one() {
    assert!(!TlsBackend::available().is_empty());
    assert_eq!(Some(TlsBackend::available()[0]), TlsBackend::preferred());
    let pki = TestPki::new("tls-roots");
    let (server, hits) = counting_server(&pki, ClientCertificates::NotAsked).await;
    let url = server.url("/ping");
    for &backend in TlsBackend::available() {
        let untrusting = HttpClient::builder("test")
            .tls_backend(backend)
            .build()
            .unwrap();
        let e = untrusting.send(get(&url)).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.http_failure()),
            (ErrorKind::Unavailable, Some(HttpFailure::Tls)),
            "{}: {e:?}",
            backend.name()
        );
        assert_eq!(hits.load(Ordering::SeqCst), 0, "{}", backend.name());

        let trusting = HttpClient::builder("test")
            .tls_backend(backend)
            .add_root_pem(pki.ca_pem.as_bytes())
            .unwrap()
            .build()
            .unwrap();
        let response = trusting.send(get(&url)).await.unwrap();
        assert_eq!(response.status(), 200, "{}", backend.name());
        hits.store(0, Ordering::SeqCst);
    }
    assert_no_process_default();
}

#[tokio::test]
async fn every_backend_presents_a_client_certificate_to_a_server_that_requires_one() {
    let pki = TestPki::new("tls-mtls");
    let (server, hits) = counting_server(&pki, ClientCertificates::Required).await;
    let url = server.url("/cert");
    for &backend in TlsBackend::available() {
        let anonymous = HttpClient::builder("test")
            .tls_backend(backend)
            .add_root_pem(pki.ca_pem.as_bytes())
            .unwrap()
            .build()
            .unwrap();
        let e = anonymous.send(get(&url)).await.unwrap_err();
        assert_eq!(
            e.kind(),
            ErrorKind::Unavailable,
            "{}: {e:?}",
            backend.name()
        );
        assert_eq!(hits.load(Ordering::SeqCst), 0, "{}", backend.name());

        let identified = HttpClient::builder("test")
            .tls_backend(backend)
            .add_root_pem(pki.ca_pem.as_bytes())
            .unwrap()
            .client_identity_pem(
                pki.client_cert_pem.as_bytes(),
                pki.client_key_pem.as_bytes(),
            )
            .unwrap()
            .build()
            .unwrap();
        let response = identified.send(get(&url)).await.unwrap();
        assert_eq!(response.status(), 200, "{}", backend.name());
        assert_eq!(hits.swap(0, Ordering::SeqCst), 1, "{}", backend.name());
    }
    assert_no_process_default();
}

/// An RSA client key in the PKCS#1 form (`BEGIN RSA PRIVATE KEY`, what older OpenSSL writes)
/// works on every backend; native-tls gets it rewrapped as PKCS#8.
#[tokio::test]
async fn a_pkcs1_rsa_client_key_works_on_every_backend() {
    let pki = TestPki::new("tls-pkcs1");
    let dir = tempdir("pkcs1");
    let (cert_pem, key_pem) = pki.openssl_rsa_pkcs1_client(&dir).unwrap();
    let (server, hits) = counting_server(&pki, ClientCertificates::Required).await;
    let url = server.url("/cert");
    for &backend in TlsBackend::available() {
        let client = HttpClient::builder("test")
            .tls_backend(backend)
            .add_root_pem(pki.ca_pem.as_bytes())
            .unwrap()
            .client_identity_pem(cert_pem.as_bytes(), key_pem.as_bytes())
            .unwrap()
            .build()
            .unwrap();
        let response = client.send(get(&url)).await.unwrap();
        assert_eq!(response.status(), 200, "{}", backend.name());
        assert_eq!(hits.swap(0, Ordering::SeqCst), 1, "{}", backend.name());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "session-core-tls-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
