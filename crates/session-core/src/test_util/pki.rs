//! A throwaway PKI for TLS tests: a CA, a `localhost` server certificate and a client
//! certificate, all signed by the CA and generated fresh for each [`TestPki::new`].

use std::io;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Whether a [`TestPki::server_config`] server asks for client certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientCertificates {
    /// Plain server authentication.
    NotAsked,
    /// Mutual TLS: a client without a certificate from a trusted root is refused.
    Required,
    /// Asks for a certificate, verifies one if presented, and also accepts clients without one.
    Optional,
}

/// A test CA with a `localhost` server certificate and a client certificate (with the
/// client-authentication usage), in PEM and DER. Private keys are PKCS#8.
#[non_exhaustive]
pub struct TestPki {
    /// The CA certificate: the root a client trusts for the server, and a server trusts for
    /// client certificates.
    pub ca_pem: String,
    /// The CA's private key (PKCS#8 PEM), for signing further certificates in tests.
    pub ca_key_pem: String,
    /// The server certificate for `localhost`.
    pub server_cert_pem: String,
    /// The server certificate for `localhost`, DER.
    pub server_cert_der: CertificateDer<'static>,
    /// The server's private key.
    pub server_key_pem: String,
    /// The server's private key, PKCS#8 DER.
    pub server_key_der: Vec<u8>,
    /// The client certificate.
    pub client_cert_pem: String,
    /// The client certificate, DER.
    pub client_cert_der: CertificateDer<'static>,
    /// The client's private key.
    pub client_key_pem: String,
    /// The client's private key, PKCS#8 DER.
    pub client_key_der: Vec<u8>,
}

impl std::fmt::Debug for TestPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TestPki")
    }
}

impl TestPki {
    /// Generates a new CA and the two certificates it signs; `name` goes into the CA's and the
    /// client's common names.
    pub fn new(name: &str) -> Self {
        let ca_key = KeyPair::generate().expect("generate the CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} test ca"));
        let ca_cert = ca_params.self_signed(&ca_key).expect("self-sign the CA");
        let ca_key_pem = ca_key.serialize_pem();
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("generate the server key");
        let server_cert = CertificateParams::new(vec!["localhost".to_owned()])
            .expect("server parameters")
            .signed_by(&server_key, &issuer)
            .expect("sign the server certificate");

        let client_key = KeyPair::generate().expect("generate the client key");
        let mut client_params =
            CertificateParams::new(Vec::<String>::new()).expect("client parameters");
        client_params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} client"));
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_cert = client_params
            .signed_by(&client_key, &issuer)
            .expect("sign the client certificate");

        Self {
            ca_pem: ca_cert.pem(),
            ca_key_pem,
            server_cert_pem: server_cert.pem(),
            server_cert_der: server_cert.der().clone(),
            server_key_pem: server_key.serialize_pem(),
            server_key_der: server_key.serialize_der(),
            client_cert_pem: client_cert.pem(),
            client_cert_der: client_cert.der().clone(),
            client_key_pem: client_key.serialize_pem(),
            client_key_der: client_key.serialize_der(),
        }
    }

    /// A client certificate for a fresh RSA-2048 key, made and signed by this CA with the
    /// `openssl` command (which must be on `PATH`), with the key in the traditional PKCS#1 form
    /// (`BEGIN RSA PRIVATE KEY`) older OpenSSL versions write. Files go to `dir`. Returns the
    /// certificate and key PEM.
    pub fn openssl_rsa_pkcs1_client(&self, dir: &Path) -> io::Result<(String, String)> {
        std::fs::write(dir.join("ca.pem"), &self.ca_pem)?;
        std::fs::write(dir.join("ca.key"), &self.ca_key_pem)?;
        std::fs::write(
            dir.join("client.ext"),
            "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
        )?;
        openssl(dir, &["genrsa", "-traditional", "-out", "rsa.key", "2048"])?;
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-key",
                "rsa.key",
                "-subj",
                "/CN=rsa client",
                "-out",
                "rsa.csr",
            ],
        )?;
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "rsa.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                "7",
                "-days",
                "2",
                "-extfile",
                "client.ext",
                "-out",
                "rsa.crt",
            ],
        )?;
        let cert = std::fs::read_to_string(dir.join("rsa.crt"))?;
        let key = std::fs::read_to_string(dir.join("rsa.key"))?;
        if !key.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
            return Err(io::Error::other("openssl did not write a PKCS#1 key"));
        }
        Ok((cert, key))
    }

    /// A `localhost` server configuration for [`SimServer::start_tls`](super::SimServer::start_tls)
    /// that trusts this CA for client certificates.
    pub fn server_config(&self, clients: ClientCertificates) -> Arc<rustls::ServerConfig> {
        self.server_config_trusting(clients, &[])
    }

    /// Like [`server_config`](Self::server_config), also trusting the client roots in
    /// `extra_client_roots_pem` (for certificates made elsewhere, such as fixtures).
    pub fn server_config_trusting(
        &self,
        clients: ClientCertificates,
        extra_client_roots_pem: &[u8],
    ) -> Arc<rustls::ServerConfig> {
        let provider = server_crypto();
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("tls versions");
        let builder = if clients == ClientCertificates::NotAsked {
            builder.with_no_client_auth()
        } else {
            let mut roots = rustls::RootCertStore::empty();
            let pems = CertificateDer::pem_slice_iter(self.ca_pem.as_bytes())
                .chain(CertificateDer::pem_slice_iter(extra_client_roots_pem));
            for cert in pems {
                roots
                    .add(cert.expect("a readable root"))
                    .expect("a usable root");
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if clients == ClientCertificates::Optional {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            builder.with_client_cert_verifier(verifier.build().expect("client verifier"))
        };
        let config = builder
            .with_single_cert(
                vec![self.server_cert_der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_der.clone())),
            )
            .expect("server certificate and key");
        Arc::new(config)
    }
}

/// The rustls provider of the test kit's TLS servers: the one of the compiled rustls backend.
fn server_crypto() -> Arc<rustls::crypto::CryptoProvider> {
    crate::http::TlsBackend::available()
        .iter()
        .find_map(|b| b.rustls_provider())
        .expect("test-util is compiled with a rustls backend")
}

/// Writes a client certificate signed by `pki`'s CA into `dir` in every format a client
/// certificate loader reads, for tests of such loaders:
///
/// | file | content |
/// |---|---|
/// | `fixture-ca.crt` | the CA certificate (the root a server trusts for these clients) |
/// | `fixture.crt` / `fixture.key` / `fixture.der` / `fixture.pem` | `pki`'s client certificate (ECDSA P-256) and PKCS#8 key: PEM, PEM, DER certificate, both in one PEM |
/// | `fixture-encrypted.key` | the key as encrypted PKCS#8 (AES-256-CBC, `password`) |
/// | `fixture-modern.p12` | PKCS#12, PBES2/AES-256-CBC with an HMAC-SHA256 MAC (`password`) |
/// | `fixture-legacy.p12` | PKCS#12 `-legacy`: RC2-40 certificate bag, 3DES key bag, HMAC-SHA1 MAC (`password`) |
/// | `fixture-rsa.crt` / `fixture-rsa.key` | an RSA-2048 certificate with a PKCS#1 key |
///
/// Everything but the first four files is made by the `openssl` command (which must be on
/// `PATH`), so a second implementation writes what the code under test reads.
pub fn write_certificate_fixtures(pki: &TestPki, dir: &Path, password: &str) -> io::Result<()> {
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes);
    write("fixture-ca.crt", pki.ca_pem.as_bytes())?;
    write("fixture.crt", pki.client_cert_pem.as_bytes())?;
    write("fixture.key", pki.client_key_pem.as_bytes())?;
    write("fixture.der", pki.client_cert_der.as_ref())?;
    write(
        "fixture.pem",
        format!("{}{}", pki.client_cert_pem, pki.client_key_pem).as_bytes(),
    )?;
    let pass = format!("pass:{password}");
    openssl(
        dir,
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            "fixture.key",
            "-out",
            "fixture-encrypted.key",
            "-passout",
            &pass,
        ],
    )?;
    for (out, legacy) in [("fixture-modern.p12", false), ("fixture-legacy.p12", true)] {
        let mut args = vec![
            "pkcs12",
            "-export",
            "-in",
            "fixture.crt",
            "-inkey",
            "fixture.key",
            "-out",
            out,
            "-passout",
            &pass,
        ];
        if legacy {
            args.push("-legacy");
        }
        openssl(dir, &args)?;
    }
    let (rsa_crt, rsa_key) = pki.openssl_rsa_pkcs1_client(dir)?;
    write("fixture-rsa.crt", rsa_crt.as_bytes())?;
    write("fixture-rsa.key", rsa_key.as_bytes())
}

/// Runs `openssl args...` in `dir`; a missing command or a failure is an error naming it.
pub fn openssl(dir: &Path, args: &[&str]) -> io::Result<()> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| {
            io::Error::new(e.kind(), format!("running openssl (is it installed?): {e}"))
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "openssl {} failed: {}",
            args.first().copied().unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}
