//! [`FileStore`]: one session in one file, safe in a shared folder and on a hung mount.
//!
//! Every file operation runs on the blocking pool (`spawn_blocking`), so a store on a slow or hung
//! file system never blocks an async worker and the manager's `store_timeout` holds.

use std::fs::{self, File};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::{MAX_RECORD_BYTES, STORE, SessionStore, StoreLock, StoredRecord};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, ErrorKind, Result};

/// How often a waiter tries a lock that another holder has.
const LOCK_POLL: Duration = Duration::from_millis(10);

/// A store in one file, for one session (the key is recorded and checked by the manager).
///
/// # Safety of the file
/// - A write goes to a temporary file created next to the store with a random name, `O_EXCL`
///   (never through a planted file or symlink) and mode 0600 from the start; it is flushed to
///   disk, renamed over the store and the folder is flushed too.
/// - A store path, or its folder, that is a symlink owned by another user is refused with an
///   error of kind [`ErrorKind::Configuration`]; a symlink of your own is followed.
/// - An existing store file must be a regular file (a FIFO or a device is refused, without
///   blocking), owned by this user and not readable or writable by others (else a configuration
///   error that names the fix, `chmod 600`); records larger than [`MAX_RECORD_BYTES`] are refused.
///
/// # Locks and generations
/// The login lock is an advisory lock on `<file>.lock`, which the operating system releases when
/// its holder dies; a second process (or a second store handle in this process) waits for it. The
/// lock file also holds the last generation issued: each lock issues a larger one (at least the
/// current time in microseconds, so generations keep growing after the store is deleted). Writes
/// and deletes are serialized by `<file>.wlock`. Deleting the record (logout) removes both lock
/// files when no one holds them.
#[derive(Clone, Debug)]
pub struct FileStore {
    path: PathBuf,
}

fn io_err(message: &'static str) -> Error {
    Error::new(ErrorKind::Unavailable, STORE, message)
}

fn config(message: &'static str) -> Error {
    Error::configuration(STORE, message)
}

/// Runs blocking file work on the blocking pool.
async fn blocking<T, F>(work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| io_err("session file operation failed"))?
}

#[cfg(unix)]
mod sys {
    //! The Unix checks: owners, modes, and opening without following symlinks or blocking.

    use std::fs::{File, Metadata};
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    use rustix::fs::{Mode, OFlags};

    /// Whether `meta` belongs to this process's effective user.
    pub(super) fn owned_by_me(meta: &Metadata) -> bool {
        meta.uid() == rustix::process::geteuid().as_raw()
    }

    /// Whether users other than the owner may read or write the file.
    pub(super) fn open_to_others(meta: &Metadata) -> bool {
        meta.mode() & 0o077 != 0
    }

    /// Opens an existing file for reading, without following a final symlink and without
    /// blocking on a FIFO.
    pub(super) fn open_read(path: &Path) -> std::io::Result<File> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        Ok(File::from(rustix::fs::open(path, flags, Mode::empty())?))
    }

    /// Opens (creating with mode 0600) a lock file for reading and writing, without following a
    /// final symlink and without blocking on a FIFO.
    pub(super) fn open_lock(path: &Path) -> std::io::Result<File> {
        let flags =
            OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        Ok(File::from(rustix::fs::open(
            path,
            flags,
            Mode::RUSR | Mode::WUSR,
        )?))
    }

    /// Whether an open failed because the final component is a symlink (`ELOOP`).
    pub(super) fn is_symlink_refusal(e: &std::io::Error) -> bool {
        e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
    }

    /// Whether `file` is still the file at `path` (not unlinked or replaced since it was opened).
    pub(super) fn same_file(file: &File, path: &Path) -> bool {
        match (file.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
}

#[cfg(not(unix))]
mod sys {
    //! Elsewhere: no owners or modes to check.

    use std::fs::{File, Metadata, OpenOptions};
    use std::path::Path;

    pub(super) fn owned_by_me(_meta: &Metadata) -> bool {
        true
    }

    pub(super) fn open_to_others(_meta: &Metadata) -> bool {
        false
    }

    pub(super) fn open_read(path: &Path) -> std::io::Result<File> {
        File::open(path)
    }

    pub(super) fn open_lock(path: &Path) -> std::io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
    }

    pub(super) fn is_symlink_refusal(_e: &std::io::Error) -> bool {
        false
    }

    pub(super) fn same_file(_file: &File, path: &Path) -> bool {
        path.exists()
    }
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

    fn folder(path: &Path) -> PathBuf {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// Refuses a folder that is a symlink owned by someone else.
    fn check_folder(&self) -> Result<()> {
        match fs::symlink_metadata(Self::folder(&self.path)) {
            Ok(meta) if meta.file_type().is_symlink() && !sys::owned_by_me(&meta) => Err(config(
                "the session file's folder is a symlink owned by another user",
            )),
            _ => Ok(()),
        }
    }

    /// The file to read and replace: the store path, or the target of a symlink of this user's.
    fn target(&self) -> Result<PathBuf> {
        self.check_folder()?;
        match fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                if !sys::owned_by_me(&meta) {
                    return Err(config(
                        "the session file is a symlink owned by another user",
                    ));
                }
                fs::canonicalize(&self.path)
                    .map_err(|_| config("the session file is a symlink to nothing"))
            }
            _ => Ok(self.path.clone()),
        }
    }

    fn read(&self) -> Result<Option<StoredRecord>> {
        self.read_raw()?.transpose()
    }

    /// The stored record: the outer error refuses the file itself (owner, mode, type, I/O); the
    /// inner one says that its content is not a usable record (corrupt or oversized), so a write
    /// may replace it.
    fn read_raw(&self) -> Result<Option<Result<StoredRecord>>> {
        let target = self.target()?;
        let file = match sys::open_read(&target) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if sys::is_symlink_refusal(&e) => {
                return Err(config("the session file was replaced by a symlink"));
            }
            Err(_) => return Err(io_err("cannot open the session file")),
        };
        let meta = file
            .metadata()
            .map_err(|_| io_err("cannot read the session file"))?;
        if !meta.file_type().is_file() {
            return Err(config("the session file is not a regular file"));
        }
        if !sys::owned_by_me(&meta) {
            return Err(config("the session file belongs to another user"));
        }
        if sys::open_to_others(&meta) {
            return Err(config(
                "the session file is readable or writable by other users; run `chmod 600` on it",
            ));
        }
        let mut bytes = Vec::new();
        file.take(MAX_RECORD_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| io_err("cannot read the session file"))?;
        if bytes.len() > MAX_RECORD_BYTES {
            return Ok(Some(Err(super::oversized())));
        }
        Ok(Some(match String::from_utf8(bytes) {
            Ok(text) => StoredRecord::from_json(&text),
            Err(_) => Err(config("unreadable stored session")),
        }))
    }

    fn write(&self, record: &StoredRecord) -> Result<()> {
        let json = record.to_bounded_json()?;
        let target = self.target()?;
        let folder = Self::folder(&target);
        let write = || -> std::io::Result<()> {
            // Random name, O_EXCL, mode 0600 at creation.
            let mut tmp = tempfile::NamedTempFile::new_in(&folder)?;
            tmp.write_all(json.expose_secret().as_bytes())?;
            tmp.as_file().sync_all()?;
            tmp.persist(&target).map_err(|e| e.error)?;
            File::open(&folder)?.sync_all()
        };
        write().map_err(|_| io_err("cannot write the session file"))
    }

    /// Tries once to take the advisory lock on `<file><suffix>`; `None` while another holder has
    /// it. A lock file that was unlinked (by a delete) after it was opened does not count.
    fn try_acquire(&self, suffix: &str) -> Result<Option<File>> {
        self.check_folder()?;
        let path = self.sibling(suffix);
        let file = match sys::open_lock(&path) {
            Ok(file) => file,
            Err(e) if sys::is_symlink_refusal(&e) => {
                return Err(config("the session lock file is a symlink"));
            }
            Err(_) => return Err(io_err("cannot open the session lock file")),
        };
        let meta = file
            .metadata()
            .map_err(|_| io_err("cannot open the session lock file"))?;
        if !meta.file_type().is_file() || !sys::owned_by_me(&meta) {
            return Err(config(
                "the session lock file is not a regular file of this user",
            ));
        }
        match file.try_lock() {
            Ok(()) if sys::same_file(&file, &path) => Ok(Some(file)),
            Ok(()) => Ok(None),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(_)) => Err(io_err("cannot lock the session file")),
        }
    }

    async fn acquire(&self, suffix: &'static str) -> Result<File> {
        loop {
            let this = self.clone();
            if let Some(file) = blocking(move || this.try_acquire(suffix)).await? {
                return Ok(file);
            }
            tokio::time::sleep(LOCK_POLL).await;
        }
    }

    /// Reads the last generation issued from the lock file (0 when none).
    fn issued(lock: &mut File) -> u64 {
        let mut text = String::new();
        if lock.rewind().is_err()
            || Read::by_ref(lock)
                .take(32)
                .read_to_string(&mut text)
                .is_err()
        {
            return 0;
        }
        text.trim().parse().unwrap_or(0)
    }

    /// The newest generation issued, read from `<file>.lock` (0 when there is none).
    fn current_issued(&self) -> u64 {
        match sys::open_read(&self.sibling(".lock")) {
            Ok(mut file) => Self::issued(&mut file),
            Err(_) => 0,
        }
    }

    /// Issues the next generation into the held lock file.
    fn issue(lock: &mut File) -> Result<u64> {
        let now = SystemClock
            .now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let next = Self::issued(lock).saturating_add(1).max(now);
        let mut write = || -> std::io::Result<()> {
            lock.set_len(0)?;
            lock.rewind()?;
            lock.write_all(next.to_string().as_bytes())?;
            lock.sync_data()
        };
        write().map_err(|_| io_err("cannot write the session lock file"))?;
        Ok(next)
    }

    fn save_now(&self, record: &StoredRecord, fence: u64) -> Result<bool> {
        if fence != self.current_issued() {
            return Ok(false);
        }
        // A file that holds no usable record (corrupt, oversized) is replaced; one refused for
        // its owner, mode or type is not.
        match self.read_raw()? {
            Some(Ok(current)) if current.generation > record.generation => Ok(false),
            _ => self.write(record).map(|()| true),
        }
    }

    fn delete_now(&self, generation: Option<u64>) -> Result<bool> {
        // A corrupt record is deleted only by a delete of any generation.
        match self.read_raw()? {
            None => return Ok(false),
            Some(Ok(current)) if generation.is_some_and(|g| g != current.generation) => {
                return Ok(false);
            }
            Some(Err(e)) if generation.is_some() => return Err(e),
            Some(_) => {}
        }
        match fs::remove_file(self.target()?) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
            Err(_) => Err(io_err("cannot delete the session file")),
        }
    }

    /// Removes the lock files after the record was deleted: `<file>.lock` only if no one holds
    /// it, `<file>.wlock` while holding it. A waiter on a removed file notices and reopens.
    fn remove_lock_files(&self, _wlock: &File) {
        if let Ok(Some(lock)) = self.try_acquire(".lock") {
            let _ = fs::remove_file(self.sibling(".lock"));
            drop(lock);
        }
        let _ = fs::remove_file(self.sibling(".wlock"));
    }
}

struct FileLock {
    file: File,
    generation: u64,
}

#[async_trait]
impl StoreLock for FileLock {
    fn generation(&self) -> u64 {
        self.generation
    }

    async fn extend(&self, _ttl: Duration) -> Result<bool> {
        // The operating system's lock lasts as long as its holder.
        Ok(true)
    }

    async fn release(self: Box<Self>) -> Result<()> {
        blocking(move || {
            self.file
                .unlock()
                .map_err(|_| io_err("cannot unlock the session file"))
        })
        .await
    }
}

#[async_trait]
impl SessionStore for FileStore {
    async fn load(&self, _key: &str) -> Result<Option<StoredRecord>> {
        let this = self.clone();
        blocking(move || this.read()).await
    }

    async fn save(&self, _key: &str, record: &StoredRecord, fence: u64) -> Result<bool> {
        let guard = self.acquire(".wlock").await?;
        let (this, record) = (self.clone(), record.clone());
        blocking(move || {
            let written = this.save_now(&record, fence);
            drop(guard);
            written
        })
        .await
    }

    async fn delete(&self, _key: &str, generation: Option<u64>) -> Result<()> {
        let guard = self.acquire(".wlock").await?;
        let this = self.clone();
        blocking(move || {
            let deleted = this.delete_now(generation);
            if matches!(deleted, Ok(true)) {
                this.remove_lock_files(&guard);
            }
            drop(guard);
            deleted.map(|_| ())
        })
        .await
    }

    async fn lock(&self, _key: &str, _ttl: Duration) -> Result<Box<dyn StoreLock>> {
        let mut file = self.acquire(".lock").await?;
        // Issued under the write lock too, so a concurrent save never reads a half-written number.
        let guard = self.acquire(".wlock").await?;
        let (generation, file) = blocking(move || {
            let generation = Self::issue(&mut file);
            drop(guard);
            generation.map(|g| (g, file))
        })
        .await?;
        Ok(Box::new(FileLock { file, generation }))
    }
}
