//! Session stores: let a process resume a session instead of logging in again, and let many
//! processes share one login.
//!
//! A [`StoredRecord`] carries the store key, the provider name, a generation, the provider's
//! persisted session (secret) and an optional rate-limit ban.
//!
//! See [`SessionStore`] for the contract every store keeps.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde::Deserialize;

use crate::clock::{from_unix_seconds, unix_seconds};
use crate::error::{Error, ErrorKind, Result};
use crate::session::{PersistedSession, SecretState};

mod file;
mod memory;

pub use file::FileStore;
pub use memory::MemoryStore;

const STORE: &str = "store";

/// The largest record a store accepts, in bytes of its JSON form (1 MiB). A session record is a
/// few kilobytes at most; anything larger is refused with an error of kind
/// [`ErrorKind::Configuration`] instead of being read into memory.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

fn oversized() -> Error {
    Error::new(
        ErrorKind::Configuration,
        STORE,
        "stored session record is larger than 1 MiB",
    )
}

/// What a store keeps for one key.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StoredRecord {
    /// The provider's [`store_key`](crate::SessionProvider::store_key).
    pub key: String,
    /// The provider's [`name`](crate::SessionProvider::name).
    pub provider: String,
    /// The session's generation; writes with an older generation are refused.
    pub generation: u64,
    /// The session, when one is stored.
    pub session: Option<PersistedSession>,
    /// Until when logins are refused because of a rate-limit ban.
    pub banned_until: Option<SystemTime>,
}

impl StoredRecord {
    /// A record for `key` and `provider` at `generation`, with the stored session (if any) and
    /// the end of a rate-limit ban (if any).
    pub fn new(
        key: impl Into<String>,
        provider: impl Into<String>,
        generation: u64,
        session: Option<PersistedSession>,
        banned_until: Option<SystemTime>,
    ) -> Self {
        Self {
            key: key.into(),
            provider: provider.into(),
            generation,
            session,
            banned_until,
        }
    }

    /// [`to_json`](Self::to_json), refused with an error of kind [`ErrorKind::Configuration`]
    /// when the result is larger than [`MAX_RECORD_BYTES`].
    pub fn to_bounded_json(&self) -> Result<SecretState> {
        let json = self.to_json();
        if json.expose_secret().len() > MAX_RECORD_BYTES {
            return Err(oversized());
        }
        Ok(json)
    }

    /// Serializes the record as JSON. The result holds secrets, so it is a [`SecretState`].
    pub fn to_json(&self) -> SecretState {
        let value = serde_json::json!({
            "version": 1,
            "key": self.key,
            "provider": self.provider,
            "generation": self.generation,
            "expires_at": self.session.as_ref().and_then(|s| s.expires_at).map(unix_seconds),
            "state": self.session.as_ref().map(|s| s.state.expose_secret()),
            "banned_until": self.banned_until.map(unix_seconds),
        });
        SecretState::new(value.to_string())
    }

    /// Parses [`to_json`](Self::to_json)'s output. Errors never quote the input; input larger
    /// than [`MAX_RECORD_BYTES`] is refused without being parsed.
    pub fn from_json(json: &str) -> Result<Self> {
        if json.len() > MAX_RECORD_BYTES {
            return Err(oversized());
        }
        #[derive(Deserialize)]
        struct Raw {
            key: String,
            provider: String,
            generation: u64,
            expires_at: Option<i64>,
            state: Option<SecretState>,
            banned_until: Option<i64>,
        }
        let raw: Raw = serde_json::from_str(json).map_err(|_| {
            Error::new(ErrorKind::Configuration, STORE, "unreadable stored session")
        })?;
        Ok(Self {
            key: raw.key,
            provider: raw.provider,
            generation: raw.generation,
            session: raw.state.map(|state| PersistedSession {
                state,
                expires_at: raw.expires_at.map(from_unix_seconds),
            }),
            banned_until: raw.banned_until.map(from_unix_seconds),
        })
    }
}

/// A held login lock. Release it with [`StoreLock::release`]; dropping it releases too, as far as
/// the store can without I/O (otherwise the lock is lost when its TTL ends).
#[async_trait]
pub trait StoreLock: Send + Sync {
    /// The fencing token issued with this lock: greater than every generation the store issued
    /// for the key before, in any process. Pass it to [`SessionStore::save`].
    fn generation(&self) -> u64;

    /// Keeps the lock for `ttl` from now. `Ok(false)` when the lock was already lost (it expired
    /// and may belong to another holder); a store whose locks end only with their holder answers
    /// `Ok(true)`.
    async fn extend(&self, ttl: Duration) -> Result<bool>;

    /// Releases the lock, unless it was lost to another holder meanwhile.
    async fn release(self: Box<Self>) -> Result<()>;
}

/// Where sessions are kept between processes or restarts. `test_util::store_conformance`
/// (feature `test-util`) checks the contract below for any store.
///
/// # The contract every store keeps
/// - **Fencing tokens.** [`SessionStore::lock`] issues a generation with the lock
///   ([`StoreLock::generation`]), strictly greater than every generation the store issued for that
///   key before, across processes. A write ([`SessionStore::save`]) names the generation of the
///   lock its writer took and is accepted only while that is the newest generation issued for the
///   key (no other writer has taken the lock since) and the stored record is not newer than the
///   one written. A writer whose lock expired during a slow login, and was then taken by another
///   process, is refused: it can never overwrite the newer session.
/// - **Delete by generation.** [`SessionStore::delete`] with a generation deletes only a record of
///   that generation, so an invalidation never deletes a session another process stored meanwhile.
/// - **Lock expiry.** A lock whose holder dies is lost after its TTL (or sooner, where the store
///   can tell, as with the operating system's file locks); a live holder keeps it with
///   [`StoreLock::extend`].
/// - **Bounded records.** A record larger than [`MAX_RECORD_BYTES`] is refused on write and on
///   read, with an error of kind [`ErrorKind::Configuration`].
///
/// The lock is for efficiency (one process logs in or renews while the others wait and then read
/// its session); the fencing generation is for correctness.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// The record for `key`, if any.
    async fn load(&self, key: &str) -> Result<Option<StoredRecord>>;

    /// Writes `record` for the holder of the lock whose [`generation`](StoreLock::generation) is
    /// `fence`. Written only when `fence` is the newest generation the store issued for `key` (no
    /// lock was taken since) and the stored record's generation is not newer than
    /// `record.generation`; returns whether it was written.
    async fn save(&self, key: &str, record: &StoredRecord, fence: u64) -> Result<bool>;

    /// Deletes the record for `key` if its generation is `generation` (any generation if `None`).
    async fn delete(&self, key: &str, generation: Option<u64>) -> Result<()>;

    /// Takes the login lock for `key`, waiting while another holder has it, and issues a new
    /// generation with it. A holder that dies loses the lock after `ttl` (or sooner, where the
    /// store can tell); a live holder extends it with [`StoreLock::extend`].
    async fn lock(&self, key: &str, ttl: Duration) -> Result<Box<dyn StoreLock>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(generation: u64) -> StoredRecord {
        StoredRecord {
            key: "k".into(),
            provider: "p".into(),
            generation,
            session: Some(PersistedSession {
                state: SecretState::new(r#"{"t":"SECRET-1"}"#),
                expires_at: Some(from_unix_seconds(2_000_000_000)),
            }),
            banned_until: None,
        }
    }

    #[test]
    fn record_round_trips_and_debug_hides_state() {
        let r = record(3);
        let back = StoredRecord::from_json(r.to_json().expose_secret()).unwrap();
        assert_eq!(back.generation, 3);
        let s = back.session.unwrap();
        assert_eq!(s.state.expose_secret(), r#"{"t":"SECRET-1"}"#);
        assert_eq!(s.expires_at, Some(from_unix_seconds(2_000_000_000)));
        assert!(!format!("{r:?}").contains("SECRET-1"));
    }

    #[test]
    fn unreadable_record_is_a_configuration_error_without_echo() {
        let e = StoredRecord::from_json("{\"key\": \"SECRET-2\"").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert!(!format!("{e} {e:?}").contains("SECRET-2"));
    }

    #[test]
    fn oversized_records_are_refused_both_ways() {
        let mut big = record(1);
        big.session = Some(PersistedSession {
            state: SecretState::new(format!("\"{}\"", "a".repeat(MAX_RECORD_BYTES))),
            expires_at: None,
        });
        let e = big.to_bounded_json().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        let e = StoredRecord::from_json(big.to_json().expose_secret()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert!(e.to_string().contains("1 MiB"));
        assert!(record(1).to_bounded_json().is_ok());
    }
}
