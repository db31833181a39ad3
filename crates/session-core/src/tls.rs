//! TLS backends of the HTTP client factory: which implementation a client uses, which roots it
//! trusts and how a client certificate reaches it.
//!
//! | backend (feature) | implementation | crypto | default roots |
//! |---|---|---|---|
//! | [`TlsBackend::Rustls`] (`rustls`, default) | rustls | `aws-lc-rs` | the operating system's, through `rustls-platform-verifier` |
//! | [`TlsBackend::RustlsRing`] (`rustls-ring`) | rustls | `ring` | the operating system's, through `rustls-platform-verifier` |
//! | [`TlsBackend::NativeTls`] (`native-tls`) | the platform library (OpenSSL, Secure Transport, SChannel) | the platform's | the platform library's trust store |
//!
//! Roots added with [`add_root_pem`](crate::http::HttpClientBuilder::add_root_pem) are trusted in
//! addition to the default roots on every backend. The rustls backends hand `reqwest` a complete
//! `rustls::ClientConfig` built with an explicit crypto provider, so no process-wide default
//! provider is read or installed.

use std::error::Error as StdError;

use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};

/// The TLS implementation a client uses. Each variant exists when its Cargo feature is enabled;
/// [`TlsBackend::preferred`] is the first enabled one of `Rustls`, `RustlsRing`, `NativeTls`.
/// Built with none of the three features, this crate still compiles (for crates such as stores
/// that make no HTTP requests), and building an HTTP client fails with a configuration error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsBackend {
    /// rustls with the `aws-lc-rs` provider (feature `rustls`); system roots.
    #[cfg(feature = "rustls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
    Rustls,
    /// rustls with the `ring` provider (feature `rustls-ring`); system roots.
    #[cfg(feature = "rustls-ring")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rustls-ring")))]
    RustlsRing,
    /// The platform's TLS library (feature `native-tls`); its trust store.
    #[cfg(feature = "native-tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "native-tls")))]
    NativeTls,
}

impl TlsBackend {
    /// The backend a client uses unless told otherwise: the first compiled of `Rustls`,
    /// `RustlsRing`, `NativeTls`; `None` when no TLS feature is enabled.
    pub fn preferred() -> Option<Self> {
        Self::available().first().copied()
    }

    /// The backends compiled into this build, the default first.
    pub fn available() -> &'static [TlsBackend] {
        &[
            #[cfg(feature = "rustls")]
            Self::Rustls,
            #[cfg(feature = "rustls-ring")]
            Self::RustlsRing,
            #[cfg(feature = "native-tls")]
            Self::NativeTls,
        ]
    }

    /// A short name: `rustls`, `rustls-ring` or `native-tls` (the feature name).
    pub fn name(self) -> &'static str {
        #[allow(unreachable_code)]
        match self {
            #[cfg(feature = "rustls")]
            Self::Rustls => "rustls",
            #[cfg(feature = "rustls-ring")]
            Self::RustlsRing => "rustls-ring",
            #[cfg(feature = "native-tls")]
            Self::NativeTls => "native-tls",
        }
    }

    /// The rustls crypto provider of a rustls backend (`None` for `native-tls`).
    #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "rustls", feature = "rustls-ring"))))]
    pub fn rustls_provider(self) -> Option<std::sync::Arc<rustls::crypto::CryptoProvider>> {
        match self {
            #[cfg(feature = "rustls")]
            Self::Rustls => Some(std::sync::Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            )),
            #[cfg(feature = "rustls-ring")]
            Self::RustlsRing => Some(std::sync::Arc::new(rustls::crypto::ring::default_provider())),
            #[cfg(feature = "native-tls")]
            Self::NativeTls => None,
        }
    }
}

/// A client certificate chain and its private key.
pub(crate) type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// Applies `backend` with the extra `roots` and the optional client `identity` to `builder`.
pub(crate) fn configure(
    provider: &'static str,
    builder: reqwest::ClientBuilder,
    backend: TlsBackend,
    roots: Vec<CertificateDer<'static>>,
    identity: Option<Identity>,
) -> Result<reqwest::ClientBuilder> {
    match backend {
        #[cfg(feature = "rustls")]
        TlsBackend::Rustls => rustls_config(provider, backend, roots, identity)
            .map(|tls| builder.tls_backend_preconfigured(tls)),
        #[cfg(feature = "rustls-ring")]
        TlsBackend::RustlsRing => rustls_config(provider, backend, roots, identity)
            .map(|tls| builder.tls_backend_preconfigured(tls)),
        #[cfg(feature = "native-tls")]
        TlsBackend::NativeTls => native(provider, builder, roots, identity),
    }
}

#[cfg(any(feature = "rustls", feature = "rustls-ring"))]
fn rustls_config(
    provider: &'static str,
    backend: TlsBackend,
    roots: Vec<CertificateDer<'static>>,
    identity: Option<Identity>,
) -> Result<rustls::ClientConfig> {
    let crypto = backend
        .rustls_provider()
        .ok_or_else(|| Error::configuration(provider, "tls setup failed"))?;
    // System roots plus the added ones, as `reqwest` itself verifies with rustls.
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(roots, crypto.clone())
        .map_err(|_| Error::configuration(provider, "unusable root certificate"))?;
    let builder = rustls::ClientConfig::builder_with_provider(crypto)
        .with_safe_default_protocol_versions()
        .map_err(|_| Error::configuration(provider, "tls setup failed"))?
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(verifier));
    match identity {
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|_| Error::configuration(provider, "unusable client certificate or key")),
        None => Ok(builder.with_no_client_auth()),
    }
}

#[cfg(feature = "native-tls")]
fn native(
    provider: &'static str,
    mut builder: reqwest::ClientBuilder,
    roots: Vec<CertificateDer<'static>>,
    identity: Option<Identity>,
) -> Result<reqwest::ClientBuilder> {
    builder = builder
        .tls_backend_native()
        .tls_version_min(reqwest::tls::Version::TLS_1_2);
    for root in roots {
        let cert = reqwest::Certificate::from_der(&root)
            .map_err(|_| Error::configuration(provider, "unusable root certificate"))?;
        builder = builder.add_root_certificate(cert);
    }
    if let Some((certs, key)) = identity {
        // native-tls takes a PEM chain and a PKCS#8 key; a PKCS#1 RSA key is rewrapped.
        let pkcs8 = WipedBytes(match &key {
            PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
            PrivateKeyDer::Pkcs1(k) => pkcs1_to_pkcs8(k.secret_pkcs1_der()),
            _ => {
                return Err(Error::configuration(
                    provider,
                    "native-tls needs a pkcs#8 or pkcs#1 private key (convert with `openssl pkcs8 -topk8 -nocrypt`) or a pkcs#12 file",
                ));
            }
        });
        let mut chain = String::new();
        for cert in &certs {
            chain.push_str(&pem("CERTIFICATE", cert));
        }
        let key_pem = Wiped(pem("PRIVATE KEY", &pkcs8));
        let id = reqwest::Identity::from_pkcs8_pem(chain.as_bytes(), key_pem.0.as_bytes())
            .map_err(|_| Error::configuration(provider, "unusable client certificate or key"))?;
        builder = builder.identity(id);
    }
    Ok(builder)
}

/// A string that is overwritten when dropped (the PEM form of a private key).
#[cfg(feature = "native-tls")]
struct Wiped(String);

/// Bytes that are overwritten when dropped (the DER form of a private key).
#[cfg(feature = "native-tls")]
struct WipedBytes(Vec<u8>);

#[cfg(feature = "native-tls")]
impl std::ops::Deref for WipedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(feature = "native-tls")]
impl Drop for WipedBytes {
    fn drop(&mut self) {
        use secrecy::zeroize::Zeroize;
        self.0.zeroize();
    }
}

#[cfg(feature = "native-tls")]
impl Drop for Wiped {
    fn drop(&mut self) {
        use secrecy::zeroize::Zeroize;
        self.0.zeroize();
    }
}

/// Encodes `der` as one PEM block with the given label.
#[cfg(feature = "native-tls")]
fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Wraps a PKCS#1 `RSAPrivateKey` in a PKCS#8 `PrivateKeyInfo` (RFC 5208): version 0, the
/// `rsaEncryption` algorithm with NULL parameters, and the key as an OCTET STRING.
#[cfg(feature = "native-tls")]
fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Vec<u8> {
    const VERSION_AND_ALGORITHM: [u8; 18] = [
        0x02, 0x01, 0x00, // INTEGER 0
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
        0x00, // SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }
    ];
    let mut octets = vec![0x04];
    der_length(&mut octets, pkcs1.len());
    octets.extend_from_slice(pkcs1);
    let mut out = vec![0x30];
    der_length(&mut out, VERSION_AND_ALGORITHM.len() + octets.len());
    out.extend_from_slice(&VERSION_AND_ALGORITHM);
    out.extend_from_slice(&octets);
    out
}

#[cfg(feature = "native-tls")]
fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

/// Whether `cause` is a TLS failure of any compiled backend.
pub(crate) fn is_tls_error(cause: &(dyn StdError + 'static)) -> bool {
    #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
    if cause.is::<rustls::Error>() {
        return true;
    }
    #[cfg(feature = "native-tls")]
    if cause.is::<native_tls::Error>() {
        return true;
    }
    let _ = cause;
    false
}

#[cfg(all(test, feature = "native-tls"))]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_use_the_short_and_long_forms() {
        let enc = |n| {
            let mut v = Vec::new();
            der_length(&mut v, n);
            v
        };
        assert_eq!(enc(0x7f), [0x7f]);
        assert_eq!(enc(0x80), [0x81, 0x80]);
        assert_eq!(enc(0x1234), [0x82, 0x12, 0x34]);
    }

    #[test]
    fn pem_lines_are_64_characters() {
        let p = pem("X", &[0u8; 100]);
        let lines: Vec<&str> = p.lines().collect();
        assert_eq!(lines[0], "-----BEGIN X-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last(), Some(&"-----END X-----"));
    }
}
