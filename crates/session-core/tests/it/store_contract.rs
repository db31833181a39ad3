//! The store conformance suite run by [`MemoryStore`] and [`FileStore`], and the file store's
//! defences: planted symlinks and files, shared modes, FIFOs and devices, oversized files, lock
//! files after logout.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use session_core::test_util::store_conformance::{self, StoreFixture, record};
use session_core::test_util::{FakeProvider, ManualClock};
use session_core::{ErrorKind, FileStore, MemoryStore, SessionManager, SessionStore};

/// The user id the ownership checks treat as "someone else" (`nobody`).
const OTHER_UID: u32 = 65534;

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "session-core-contract-{}-{name}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Memory(MemoryStore);

#[async_trait]
impl StoreFixture for Memory {
    fn handle(&self, _key: &str) -> Arc<dyn SessionStore> {
        Arc::new(self.0.clone())
    }
    fn key(&self, name: &str) -> String {
        name.to_owned()
    }
    fn locks_expire(&self) -> bool {
        true
    }
    async fn plant(&self, _key: &str, _bytes: &[u8]) -> bool {
        false
    }
}

struct Files(PathBuf);

impl Files {
    fn path(&self, key: &str) -> PathBuf {
        self.0.join(format!("{key}.json"))
    }
}

/// Writes `bytes` to `path` with mode 0600, as the store's own user.
fn write_0600(path: &Path, bytes: &[u8]) {
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true).mode(0o600);
    std::io::Write::write_all(&mut options.open(path).unwrap(), bytes).unwrap();
}

#[async_trait]
impl StoreFixture for Files {
    fn handle(&self, key: &str) -> Arc<dyn SessionStore> {
        Arc::new(FileStore::new(self.path(key)))
    }
    fn key(&self, name: &str) -> String {
        name.to_owned()
    }
    fn locks_expire(&self) -> bool {
        false
    }
    async fn plant(&self, key: &str, bytes: &[u8]) -> bool {
        write_0600(&self.path(key), bytes);
        true
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_store_keeps_the_store_contract() {
    store_conformance::run(&Memory(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_store_keeps_the_store_contract() {
    let dir = fresh_dir("suite");
    store_conformance::run(&Files(dir.clone())).await;
    let _ = std::fs::remove_dir_all(&dir);
}

const DIR_VAR: &str = "SESSION_CORE_CONTRACT_DIR";
const ENTRY: &str = "store_contract::file_store_writer_process";

/// The writer process of the two-process check (does nothing in a normal test run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_store_writer_process() {
    let Ok(dir) = std::env::var(DIR_VAR) else {
        return;
    };
    let files = Files(PathBuf::from(dir));
    assert!(store_conformance::writer_child(|key| files.handle(key)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_writing_one_file_store_lose_no_update() {
    let dir = fresh_dir("processes");
    let files = Files(dir.clone());
    let dir_text = dir.to_string_lossy().into_owned();
    store_conformance::concurrent_writers_in_processes(&files, ENTRY, &[(DIR_VAR, &dir_text)])
        .await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn locked_save(store: &FileStore, n: u64) -> session_core::Result<bool> {
    let lock = store.lock("k", Duration::from_secs(5)).await?;
    let g = lock.generation();
    let written = store.save("k", &record("k", g, n), g).await;
    lock.release().await?;
    written
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_is_written_0600_without_leftovers_whatever_the_umask_left_behind() {
    let dir = fresh_dir("mode");
    let path = dir.join("s.json");
    let store = FileStore::new(&path);
    assert!(locked_save(&store, 1).await.unwrap());
    assert_eq!(mode(&path), 0o600);
    assert!(locked_save(&store, 2).await.unwrap());
    assert_eq!(mode(&path), 0o600);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with("s.json")),
        "no temporary file is left: {names:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_symlink_owned_by_someone_else_is_refused_and_its_target_untouched() {
    let dir = fresh_dir("foreign-link");
    let target = dir.join("attacker.txt");
    std::fs::write(&target, b"attacker's file").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let path = dir.join("s.json");
    std::os::unix::fs::symlink(&target, &path).unwrap();
    std::os::unix::fs::lchown(&path, Some(OTHER_UID), Some(OTHER_UID)).unwrap();
    let store = FileStore::new(&path);
    let e = locked_save(&store, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(
        e.to_string().contains("symlink owned by another user"),
        "{e}"
    );
    let e = store.load("k").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(std::fs::read(&target).unwrap(), b"attacker's file");
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_symlink_owned_by_someone_else_is_refused() {
    let dir = fresh_dir("foreign-folder");
    let real = dir.join("real");
    std::fs::create_dir(&real).unwrap();
    let link = dir.join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    std::os::unix::fs::lchown(&link, Some(OTHER_UID), Some(OTHER_UID)).unwrap();
    let store = FileStore::new(link.join("s.json"));
    let e = locked_save(&store, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(e.to_string().contains("folder"), "{e}");
    assert_eq!(
        std::fs::read_dir(&real).unwrap().count(),
        0,
        "nothing written"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_of_ones_own_is_followed_and_stays_a_symlink() {
    let dir = fresh_dir("own-link");
    let elsewhere = dir.join("dotfiles");
    std::fs::create_dir(&elsewhere).unwrap();
    let target = elsewhere.join("session.json");
    let path = dir.join("s.json");
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let store = FileStore::new(&path);
    // The target does not exist yet: a dangling link is refused rather than replaced.
    assert_eq!(
        locked_save(&store, 1).await.unwrap_err().kind(),
        ErrorKind::Configuration
    );
    write_0600(&target, b"");
    assert!(locked_save(&store, 1).await.unwrap());
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(mode(&target), 0o600);
    let read = store.load("k").await.unwrap().unwrap();
    assert_eq!(store_conformance::counter(&read), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_readable_by_others_is_refused_with_the_fix_named() {
    let dir = fresh_dir("shared-mode");
    let path = dir.join("s.json");
    let store = FileStore::new(&path);
    assert!(locked_save(&store, 1).await.unwrap());
    for shared in [0o644, 0o640, 0o606, 0o666] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(shared)).unwrap();
        let e = store.load("k").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert!(e.to_string().contains("chmod 600"), "{e}");
        // Not silently used or replaced either.
        assert_eq!(
            locked_save(&store, 2).await.unwrap_err().kind(),
            ErrorKind::Configuration
        );
        assert_eq!(mode(&path), shared);
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        store_conformance::counter(&store.load("k").await.unwrap().unwrap()),
        1
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_file_owned_by_someone_else_is_refused() {
    let dir = fresh_dir("foreign-file");
    let path = dir.join("s.json");
    let store = FileStore::new(&path);
    assert!(locked_save(&store, 1).await.unwrap());
    std::os::unix::fs::chown(&path, Some(OTHER_UID), Some(OTHER_UID)).unwrap();
    let e = store.load("k").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(e.to_string().contains("another user"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_or_a_device_is_refused_at_once_without_reading() {
    let dir = fresh_dir("fifo");
    let fifo = dir.join("s.json");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    for path in [fifo.as_path(), Path::new("/dev/zero")] {
        let store = FileStore::new(path);
        let e = tokio::time::timeout(Duration::from_secs(2), store.load("k"))
            .await
            .expect("a FIFO or device must not block the load")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration);
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_returns_within_the_store_timeout_with_the_store_on_a_fifo() {
    let dir = fresh_dir("fifo-manager");
    let fifo = dir.join("s.json");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    let m = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(Arc::new(FileStore::new(&fifo)))
        .store_timeout(Duration::from_secs(2))
        .build();
    let lease = tokio::time::timeout(Duration::from_secs(2), m.get())
        .await
        .expect("get() must return within the store timeout on a FIFO store")
        .unwrap();
    assert_eq!(lease.serial, 1);
    assert_eq!(provider.logins(), 1);
    assert!(m.health().store_degraded);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_store_file_is_refused_and_a_login_replaces_it() {
    let dir = fresh_dir("oversized");
    let path = dir.join("s.json");
    write_0600(&path, &vec![b' '; 3 << 20]);
    let store = FileStore::new(&path);
    let e = store.load("k").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(e.to_string().contains("1 MiB"), "{e}");
    assert!(locked_save(&store, 7).await.unwrap());
    assert_eq!(
        store_conformance::counter(&store.load("k").await.unwrap().unwrap()),
        7
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_removes_the_store_and_its_lock_files() {
    let dir = fresh_dir("logout");
    let path = dir.join("s.json");
    let clock = ManualClock::new();
    let provider = FakeProvider::new(clock.shared(), Duration::from_secs(900));
    let m = SessionManager::builder(provider.clone())
        .clock(clock.shared())
        .store(Arc::new(FileStore::new(&path)))
        .build();
    m.get().await.unwrap();
    assert!(path.exists());
    assert!(dir.join("s.json.lock").exists());
    m.logout().await.unwrap();
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    // A new login after logout gets a newer generation than the logged-out one.
    let before = provider.logins();
    let again = m.get().await.unwrap();
    assert_eq!(provider.logins(), before + 1);
    assert!(again.generation() > 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_lock_file_symlink_is_refused() {
    let dir = fresh_dir("lock-link");
    let target = dir.join("elsewhere");
    std::fs::write(&target, b"keep").unwrap();
    std::os::unix::fs::symlink(&target, dir.join("s.json.lock")).unwrap();
    let store = FileStore::new(dir.join("s.json"));
    let e = match store.lock("k", Duration::from_secs(1)).await {
        Ok(_) => panic!("a symlinked lock file must be refused"),
        Err(e) => e,
    };
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    let _ = std::fs::remove_dir_all(&dir);
}
