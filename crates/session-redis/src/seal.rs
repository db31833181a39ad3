//! Optional sealing of stored values with XChaCha20-Poly1305 (an AEAD).
//!
//! A sealed value is `b"srs1"`, a random 24-byte nonce, then the ciphertext and its 16-byte tag.
//! The associated data binds the value to its Redis key and generation, so a value copied to
//! another account's key, or paired with another generation, does not open.

use std::fmt;

use chacha20poly1305::aead::{Aead, Generate, Key, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use session_core::{Result, SecretState};

use crate::error::configuration;

/// The first bytes of every sealed value. Plain values are JSON and start with `{`.
pub(crate) const MAGIC: &[u8] = b"srs1";
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

/// A 256-bit key that seals stored sessions (XChaCha20-Poly1305).
///
/// Every process sharing a prefix must use the same key. Make one with `openssl rand -hex 32`
/// and load it from your secret manager with [`EncryptionKey::from_hex`]. `Debug` prints
/// `EncryptionKey([REDACTED])`; the key bytes are zeroized when the last clone is dropped.
#[derive(Clone)]
pub struct EncryptionKey {
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncryptionKey([REDACTED])")
    }
}

impl EncryptionKey {
    /// A key from 32 raw bytes. The caller's copy is the caller's to wipe.
    pub fn from_bytes(mut bytes: [u8; KEY_LEN]) -> Self {
        let cipher = XChaCha20Poly1305::new(<&Key<XChaCha20Poly1305>>::from(&bytes));
        wipe(&mut bytes);
        Self { cipher }
    }

    /// A key from 64 hexadecimal digits (surrounding whitespace is ignored). The error never
    /// quotes the input.
    pub fn from_hex(hex: &str) -> Result<Self> {
        let hex = hex.trim().as_bytes();
        if hex.len() != KEY_LEN * 2 {
            return Err(configuration("encryption key must be 64 hex digits"));
        }
        let mut bytes = [0u8; KEY_LEN];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            match (nibble(pair[0]), nibble(pair[1])) {
                (Some(hi), Some(lo)) => bytes[i] = (hi << 4) | lo,
                _ => {
                    wipe(&mut bytes);
                    return Err(configuration("encryption key must be 64 hex digits"));
                }
            }
        }
        Ok(Self::from_bytes(bytes))
    }
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Overwrites a key buffer; `black_box` keeps the stores from being optimized away.
fn wipe(bytes: &mut [u8; KEY_LEN]) {
    bytes.fill(0);
    std::hint::black_box(bytes);
}

/// The keys a store seals with (the first) and opens with (any, newest first).
#[derive(Clone)]
pub(crate) struct Sealer {
    keys: Vec<EncryptionKey>,
}

impl Sealer {
    /// A sealer that seals with `current` and also opens values sealed with `previous` keys.
    pub(crate) fn new(current: EncryptionKey, previous: Vec<EncryptionKey>) -> Self {
        let mut keys = vec![current];
        keys.extend(previous);
        Self { keys }
    }

    /// How many keys open values (the current one and the previous ones).
    pub(crate) fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Seals `plaintext`, bound to `aad`.
    pub(crate) fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let nonce = XNonce::try_generate()
            .map_err(|_| configuration("the system random number generator failed"))?;
        let ciphertext = self.keys[0]
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| configuration("cannot seal the stored session"))?;
        let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + ciphertext.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(nonce.as_slice());
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// Opens a value made by [`seal`](Self::seal) with the same `aad`.
    pub(crate) fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<SecretState> {
        let unreadable = || configuration("cannot open the stored session (wrong key or corrupt)");
        let body = sealed.strip_prefix(MAGIC).ok_or_else(unreadable)?;
        if body.len() < NONCE_LEN + 16 {
            return Err(unreadable());
        }
        let (nonce, ciphertext) = body.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| unreadable())?;
        for key in &self.keys {
            if let Ok(plain) = key.cipher.decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            ) {
                return String::from_utf8(plain)
                    .map(SecretState::new)
                    .map_err(|_| unreadable());
            }
        }
        Err(unreadable())
    }
}

/// Whether a stored value is sealed.
pub(crate) fn is_sealed(value: &[u8]) -> bool {
    value.starts_with(MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_core::ErrorKind;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn sealer() -> Sealer {
        Sealer::new(EncryptionKey::from_hex(HEX).unwrap(), Vec::new())
    }

    #[test]
    fn sealed_values_round_trip_and_hide_the_plaintext() {
        let s = sealer();
        let sealed = s.seal(b"{\"t\":\"TOKEN-SENTINEL\"}", b"aad").unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(8).any(|w| w == b"SENTINEL"));
        let opened = s.open(&sealed, b"aad").unwrap();
        assert_eq!(opened.expose_secret(), "{\"t\":\"TOKEN-SENTINEL\"}");
    }

    #[test]
    fn two_seals_of_one_value_differ() {
        let s = sealer();
        assert_ne!(s.seal(b"x", b"a").unwrap(), s.seal(b"x", b"a").unwrap());
    }

    #[test]
    fn another_key_or_other_associated_data_does_not_open() {
        let sealed = sealer().seal(b"secret", b"key-1|gen-1").unwrap();
        let other = Sealer::new(EncryptionKey::from_bytes([7; 32]), Vec::new());
        assert_eq!(
            other.open(&sealed, b"key-1|gen-1").unwrap_err().kind(),
            ErrorKind::Configuration
        );
        assert_eq!(
            sealer().open(&sealed, b"key-2|gen-1").unwrap_err().kind(),
            ErrorKind::Configuration
        );
    }

    #[test]
    fn a_previous_key_still_opens_old_values() {
        let old = EncryptionKey::from_bytes([1; 32]);
        let sealed = Sealer::new(old.clone(), Vec::new())
            .seal(b"v", b"a")
            .unwrap();
        let rotated = Sealer::new(EncryptionKey::from_bytes([2; 32]), vec![old]);
        assert_eq!(rotated.key_count(), 2);
        assert_eq!(rotated.open(&sealed, b"a").unwrap().expose_secret(), "v");
    }

    #[test]
    fn truncated_or_flipped_values_are_errors_not_panics() {
        let s = sealer();
        let sealed = s.seal(b"value", b"a").unwrap();
        for n in 0..sealed.len() {
            assert!(s.open(&sealed[..n], b"a").is_err());
        }
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(s.open(&flipped, b"a").is_err());
        assert!(s.open(b"{\"plain\":true}", b"a").is_err());
    }

    #[test]
    fn hex_keys_are_checked_without_echo() {
        let bad = "zz".repeat(32);
        let e = EncryptionKey::from_hex(&bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert!(!e.to_string().contains("zz"));
        assert!(EncryptionKey::from_hex("abcd").is_err());
        assert!(EncryptionKey::from_hex(&format!("  {}\n", HEX.to_uppercase())).is_ok());
        assert_eq!(
            format!("{:?}", EncryptionKey::from_hex(HEX).unwrap()),
            "EncryptionKey([REDACTED])"
        );
    }
}
