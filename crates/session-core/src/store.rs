//! Session stores: let a process resume a session instead of logging in again, and let many
//! processes share one login.
//!
//! A [`StoredRecord`] carries the store key, the provider name, a generation, the provider's
//! persisted session (secret) and an optional rate-limit ban. Writes are fenced by generation: a
//! store never replaces a record with an older generation. The lock is for efficiency (one
//! process logs in or renews while the others wait and then read its session); the generation is
//! for correctness (a slow process can never overwrite a newer session).

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde::Deserialize;

use crate::clock::{from_unix_seconds, unix_seconds};
use crate::error::{Error, ErrorKind, Result};
use crate::session::{PersistedSession, SecretState};

const STORE: &str = "store";

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

    /// Parses [`to_json`](Self::to_json)'s output. Errors never quote the input.
    pub fn from_json(json: &str) -> Result<Self> {
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

/// A held login lock; release it with [`StoreLock::release`] (dropping it releases too, as far as
/// the store can without I/O).
#[async_trait]
pub trait StoreLock: Send + Sync {
    /// Releases the lock.
    async fn release(self: Box<Self>) -> Result<()>;
}

/// Where sessions are kept between processes or restarts.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// The record for `key`, if any.
    async fn load(&self, key: &str) -> Result<Option<StoredRecord>>;

    /// Writes `record` unless the stored generation is newer; returns whether it was written.
    async fn save(&self, key: &str, record: &StoredRecord) -> Result<bool>;

    /// Deletes the record for `key` if its generation is `generation` (any generation if `None`).
    async fn delete(&self, key: &str, generation: Option<u64>) -> Result<()>;

    /// Takes the login lock for `key`, waiting while another holder has it. A holder that dies
    /// loses the lock after `ttl` (or sooner, where the store can tell).
    async fn lock(&self, key: &str, ttl: Duration) -> Result<Box<dyn StoreLock>>;
}

/// A store in this process's memory: sessions survive a manager being rebuilt and are shared by
/// managers holding the same store.
#[derive(Clone, Default)]
pub struct MemoryStore {
    records: Arc<Mutex<HashMap<String, StoredRecord>>>,
    locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.records.lock().map(|r| r.len()).unwrap_or(0);
        f.debug_struct("MemoryStore").field("records", &n).finish()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredRecord>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct MemoryLock(#[allow(dead_code)] tokio::sync::OwnedMutexGuard<()>);

#[async_trait]
impl StoreLock for MemoryLock {
    async fn release(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn load(&self, key: &str) -> Result<Option<StoredRecord>> {
        Ok(self.records().get(key).cloned())
    }

    async fn save(&self, key: &str, record: &StoredRecord) -> Result<bool> {
        let mut records = self.records();
        if records
            .get(key)
            .is_some_and(|r| r.generation > record.generation)
        {
            return Ok(false);
        }
        records.insert(key.to_owned(), record.clone());
        Ok(true)
    }

    async fn delete(&self, key: &str, generation: Option<u64>) -> Result<()> {
        let mut records = self.records();
        if records
            .get(key)
            .is_some_and(|r| generation.is_none_or(|g| g == r.generation))
        {
            records.remove(key);
        }
        Ok(())
    }

    async fn lock(&self, key: &str, _ttl: Duration) -> Result<Box<dyn StoreLock>> {
        let mutex = self
            .locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.to_owned())
            .or_default()
            .clone();
        Ok(Box::new(MemoryLock(mutex.lock_owned().await)))
    }
}

/// A store in one file, for one session (the key is recorded and checked).
///
/// The file is written with mode 0600 and replaced atomically (write a temporary file, then
/// rename). The login lock is an advisory lock on `<file>.lock`, which the operating system
/// releases if the holder dies; a second process (or a second store handle in the same process)
/// waits for it and then re-reads the file.
#[derive(Clone, Debug)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store at `path`. The file need not exist.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(suffix);
        self.path.with_file_name(name)
    }

    fn io_err(message: &'static str) -> Error {
        Error::new(ErrorKind::Unavailable, STORE, message)
    }

    fn read(&self) -> Result<Option<StoredRecord>> {
        match fs::read_to_string(&self.path) {
            Ok(text) => StoredRecord::from_json(&text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(_) => Err(Self::io_err("cannot read the session file")),
        }
    }

    fn write(&self, record: &StoredRecord) -> Result<()> {
        let tmp = self.sibling(&format!(".tmp{}", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let write = || -> std::io::Result<()> {
            let mut file = options.open(&tmp)?;
            file.write_all(record.to_json().expose_secret().as_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)
        };
        write().map_err(|_| {
            let _ = fs::remove_file(&tmp);
            Self::io_err("cannot write the session file")
        })
    }

    fn open_lock(&self, suffix: &str) -> Result<File> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options
            .open(self.sibling(suffix))
            .map_err(|_| Self::io_err("cannot open the session lock file"))
    }

    async fn acquire(&self, suffix: &str) -> Result<File> {
        let file = self.open_lock(suffix)?;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(std::fs::TryLockError::Error(_)) => {
                    return Err(Self::io_err("cannot lock the session file"));
                }
            }
        }
    }
}

struct FileLock(File);

#[async_trait]
impl StoreLock for FileLock {
    async fn release(self: Box<Self>) -> Result<()> {
        self.0
            .unlock()
            .map_err(|_| FileStore::io_err("cannot unlock the session file"))
    }
}

#[async_trait]
impl SessionStore for FileStore {
    async fn load(&self, key: &str) -> Result<Option<StoredRecord>> {
        let _ = key;
        self.read()
    }

    async fn save(&self, key: &str, record: &StoredRecord) -> Result<bool> {
        let _ = key;
        let guard = self.acquire(".wlock").await?;
        let result = match self.read() {
            Ok(Some(current))
                if current.generation > record.generation && current.key == record.key =>
            {
                Ok(false)
            }
            _ => self.write(record).map(|()| true),
        };
        drop(guard);
        result
    }

    async fn delete(&self, key: &str, generation: Option<u64>) -> Result<()> {
        let _ = key;
        let guard = self.acquire(".wlock").await?;
        let result = match self.read() {
            Ok(Some(current)) if generation.is_some_and(|g| g != current.generation) => Ok(()),
            Ok(None) => Ok(()),
            _ => match fs::remove_file(&self.path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(_) => Err(Self::io_err("cannot delete the session file")),
            },
        };
        drop(guard);
        result
    }

    async fn lock(&self, key: &str, _ttl: Duration) -> Result<Box<dyn StoreLock>> {
        let _ = key;
        Ok(Box::new(FileLock(self.acquire(".lock").await?)))
    }
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

    #[tokio::test]
    async fn memory_store_refuses_older_generations() {
        let store = MemoryStore::new();
        assert!(store.save("k", &record(5)).await.unwrap());
        assert!(!store.save("k", &record(4)).await.unwrap());
        assert_eq!(store.load("k").await.unwrap().unwrap().generation, 5);
        store.delete("k", Some(4)).await.unwrap();
        assert!(store.load("k").await.unwrap().is_some());
        store.delete("k", Some(5)).await.unwrap();
        assert!(store.load("k").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn file_store_writes_0600_atomically_and_fences_generations() {
        let dir = std::env::temp_dir().join(format!("session-core-fs-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("session.json");
        let _ = fs::remove_file(&path);
        let store = FileStore::new(&path);
        assert!(store.load("k").await.unwrap().is_none());
        assert!(store.save("k", &record(2)).await.unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert!(!store.save("k", &record(1)).await.unwrap());
        assert_eq!(store.load("k").await.unwrap().unwrap().generation, 2);
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        store.delete("k", None).await.unwrap();
        assert!(!path.exists());
        let _ = fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn file_lock_excludes_a_second_handle() {
        let dir = std::env::temp_dir().join(format!("session-core-fl-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let a = FileStore::new(dir.join("s.json"));
        let b = FileStore::new(dir.join("s.json"));
        let held = a.lock("k", Duration::from_secs(1)).await.unwrap();
        let second = tokio::time::timeout(
            Duration::from_millis(100),
            b.lock("k", Duration::from_secs(1)),
        )
        .await;
        assert!(
            second.is_err(),
            "second handle must wait while the lock is held"
        );
        held.release().await.unwrap();
        let got =
            tokio::time::timeout(Duration::from_secs(2), b.lock("k", Duration::from_secs(1))).await;
        assert!(got.is_ok());
        let _ = fs::remove_dir_all(&dir);
    }
}
