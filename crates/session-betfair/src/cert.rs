//! Client certificates for certificate login: a `.crt` + `.key` pair, a single `.pem`, or a
//! PKCS#12 file (`.p12` / `.pfx`, modern AES or legacy 3DES/RC2 encryption).
//!
//! Every file problem (missing, unreadable, wrong format, wrong password, no key) is an
//! [`ErrorKind::Configuration`](session_core::ErrorKind::Configuration) error whose message names
//! the file (its path, never its contents), so it cannot be mistaken for Betfair's own
//! `CERT_AUTH_REQUIRED`, which means the server did not accept a certificate that loaded fine.

use std::fmt;
use std::path::Path;

#[cfg(feature = "pkcs12")]
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use session_core::{Error, Password, Result};

use crate::error::NAME;

/// A client certificate chain and its private key, ready for mutual TLS.
///
/// `Debug` shows how many certificates it holds and where they came from, never key material.
pub struct ClientCertificate {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    source: String,
}

impl Clone for ClientCertificate {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
            source: self.source.clone(),
        }
    }
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("certificates", &self.chain.len())
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

fn config_error(message: String) -> Error {
    Error::configuration(NAME, message)
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        let shown = path.display();
        match e.kind() {
            std::io::ErrorKind::NotFound => config_error(format!("{what} not found: {shown}")),
            std::io::ErrorKind::PermissionDenied => {
                config_error(format!("{what} not readable (permission denied): {shown}"))
            }
            std::io::ErrorKind::IsADirectory => {
                config_error(format!("{what} is a directory: {shown}"))
            }
            _ => config_error(format!("{what} unreadable: {shown}")),
        }
    })
}

/// DER data starts with a SEQUENCE tag.
fn looks_like_der(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30)
}

fn parse_certs(bytes: &[u8], name: &str) -> Result<Vec<CertificateDer<'static>>> {
    let mut certs = Vec::new();
    for cert in CertificateDer::pem_slice_iter(bytes) {
        certs.push(cert.map_err(|_| config_error(format!("malformed certificate pem in {name}")))?);
    }
    if certs.is_empty() && looks_like_der(bytes) {
        certs.push(CertificateDer::from(bytes.to_vec()));
    }
    if certs.is_empty() {
        return Err(config_error(format!("no certificate found in {name}")));
    }
    Ok(certs)
}

fn parse_key(bytes: &[u8], name: &str) -> Result<PrivateKeyDer<'static>> {
    if let Ok(key) = PrivateKeyDer::from_pem_slice(bytes) {
        return Ok(key);
    }
    if contains(bytes, b"ENCRYPTED PRIVATE KEY") || contains(bytes, b"Proc-Type: 4,ENCRYPTED") {
        return Err(config_error(format!(
            "encrypted pem private keys are not supported (use a pkcs12 file or an unencrypted key): {name}"
        )));
    }
    if looks_like_der(bytes)
        && let Ok(key) = PrivateKeyDer::try_from(bytes.to_vec())
    {
        return Ok(key);
    }
    Err(config_error(format!("no private key found in {name}")))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

impl ClientCertificate {
    /// Loads a certificate file (`.crt`/`.pem`, PEM or DER) and its private key file (`.key`,
    /// PEM PKCS#8, PKCS#1 or SEC1, or DER) — the pair Betfair's instructions produce.
    pub fn from_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self> {
        let (cert, key) = (cert.as_ref(), key.as_ref());
        let cert_bytes = read(cert, "client certificate file")?;
        let key_bytes = read(key, "client private key file")?;
        let chain = parse_certs(&cert_bytes, &cert.display().to_string())?;
        let key_parsed = parse_key(&key_bytes, &key.display().to_string())?;
        Ok(Self {
            chain,
            key: key_parsed,
            source: format!("{} + {}", cert.display(), key.display()),
        })
    }

    /// Loads a single PEM file holding the certificate (chain) and the private key.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read(path, "client certificate file")?;
        let name = path.display().to_string();
        Self::from_pem_named(&bytes, &bytes, name)
    }

    /// Loads a PKCS#12 file (`.p12` / `.pfx`) protected by `password`.
    #[cfg(feature = "pkcs12")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pkcs12")))]
    pub fn from_pkcs12_file(path: impl AsRef<Path>, password: &Password) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read(path, "pkcs12 file")?;
        Self::from_pkcs12_named(&bytes, password, path.display().to_string())
    }

    /// Loads a certificate by looking at its file name: `.p12` / `.pfx` as PKCS#12 (with
    /// `password`, empty when `None`; needs the `pkcs12` feature), anything else as PEM —
    /// together with `key` when given, otherwise as a single file holding both.
    pub fn from_path(
        cert: impl AsRef<Path>,
        key: Option<&Path>,
        password: Option<&Password>,
    ) -> Result<Self> {
        let cert = cert.as_ref();
        let ext = cert
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match (ext.as_deref(), key) {
            #[cfg(feature = "pkcs12")]
            (Some("p12" | "pfx"), _) => {
                let empty = Password::new("");
                Self::from_pkcs12_file(cert, password.unwrap_or(&empty))
            }
            #[cfg(not(feature = "pkcs12"))]
            (Some("p12" | "pfx"), _) => {
                let _ = password;
                Err(config_error(format!(
                    "pkcs12 support is not compiled in (feature `pkcs12`): {}",
                    cert.display()
                )))
            }
            (_, Some(key)) => Self::from_files(cert, key),
            (_, None) => Self::from_pem_file(cert),
        }
    }

    /// A certificate (chain) and key from PEM text in memory.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self> {
        Self::from_pem_named(cert_pem, key_pem, "in-memory pem".to_owned())
    }

    /// A PKCS#12 archive in memory.
    #[cfg(feature = "pkcs12")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pkcs12")))]
    pub fn from_pkcs12(der: &[u8], password: &Password) -> Result<Self> {
        Self::from_pkcs12_named(der, password, "in-memory pkcs12".to_owned())
    }

    /// A certificate chain and key already in DER form.
    pub fn from_der(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Self {
        Self {
            chain,
            key,
            source: "in-memory der".to_owned(),
        }
    }

    fn from_pem_named(cert_pem: &[u8], key_pem: &[u8], name: String) -> Result<Self> {
        let chain = parse_certs(cert_pem, &name)?;
        let key = parse_key(key_pem, &name)?;
        Ok(Self {
            chain,
            key,
            source: name,
        })
    }

    #[cfg(feature = "pkcs12")]
    fn from_pkcs12_named(der: &[u8], password: &Password, name: String) -> Result<Self> {
        use p12_keystore::error::Error as P12;
        let archive = p12_keystore::Pkcs12Archive::from_pkcs12(der, password.expose_secret())
            .map_err(|e| match e {
                P12::MacError(_) | P12::UnpadError => {
                    config_error(format!("wrong password for pkcs12 file {name}"))
                }
                P12::UnsupportedEncryptionScheme | P12::UnsupportedMacAlgorithm => {
                    config_error(format!("unsupported pkcs12 encryption in {name}"))
                }
                P12::InvalidVersion | P12::UnsupportedContentType => {
                    config_error(format!("unsupported pkcs12 format in {name}"))
                }
                _ => config_error(format!("not a pkcs12 file, or a wrong password: {name}")),
            })?;
        let Some(key_bag) = archive.keys.first() else {
            return Err(config_error(format!("no private key found in {name}")));
        };
        let key_id = key_bag.local_key_id.as_ref().map(|id| id.0.clone());
        // The certificate matching the key comes first, then the rest of the chain.
        let mut certs: Vec<&p12_keystore::CertificateBag> = archive.certs.iter().collect();
        certs.sort_by_key(|c| !(key_id.is_some() && c.local_key_id == key_id));
        if certs.is_empty() {
            return Err(config_error(format!("no certificate found in {name}")));
        }
        let chain = certs
            .iter()
            .map(|c| CertificateDer::from(c.cert.as_der().to_vec()))
            .collect();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_bag.key.as_der().to_vec()));
        Ok(Self {
            chain,
            key,
            source: name,
        })
    }

    /// Where the certificate came from (paths, or `in-memory ...`); never contents.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// How many certificates the chain holds.
    pub fn chain_len(&self) -> usize {
        self.chain.len()
    }

    pub(crate) fn der(&self) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        (self.chain.clone(), self.key.clone_key())
    }
}
