//! Makes the default TLS backend trust the test CA, the way a user's machine trusts a sandbox's
//! CA: `cargo xtask package` points `SSL_CERT_FILE` (read by the system-roots loader) and
//! `QUICK_START_CA` at the same scratch file, and this writes the CA there before any client
//! exists. Nothing is written unless both name the same file, so a real `SSL_CERT_FILE` is
//! never overwritten.

/// Writes the CA of `pki` where the system-roots loader will read it.
pub fn trust(pki: &session_core::test_util::TestPki) {
    let target = std::env::var_os("QUICK_START_CA")
        .expect("run by `cargo xtask package`, which sets QUICK_START_CA and SSL_CERT_FILE");
    assert_eq!(
        std::env::var_os("SSL_CERT_FILE").as_ref(),
        Some(&target),
        "SSL_CERT_FILE must name the QUICK_START_CA scratch file"
    );
    std::fs::write(&target, &pki.ca_pem).expect("writing the test CA");
}
