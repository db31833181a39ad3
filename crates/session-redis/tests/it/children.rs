//! Child processes: the parent tests spawn this test binary again, running only
//! [`child_process_entry_point`] with its instructions in `SESSION_REDIS_CHILD_*` variables.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use session_core::SystemClock;
use session_redis::{SessionManager, SessionProvider, SessionStore};

use crate::support::{HttpLogin, store_at};

/// What the child should do: `login` or `hold-lock`.
const MODE: &str = "SESSION_REDIS_CHILD_MODE";
const REDIS: &str = "SESSION_REDIS_CHILD_REDIS";
const SIM: &str = "SESSION_REDIS_CHILD_SIM";
const PREFIX: &str = "SESSION_REDIS_CHILD_PREFIX";
const DIR: &str = "SESSION_REDIS_CHILD_DIR";
const ID: &str = "SESSION_REDIS_CHILD_ID";
const LOCK_TTL_MS: &str = "SESSION_REDIS_CHILD_LOCK_TTL_MS";

/// The full name of the entry point inside this test binary.
const ENTRY: &str = "children::child_process_entry_point";

/// How a parent test describes the child it wants.
pub(crate) struct ChildSpec<'a> {
    pub(crate) mode: &'a str,
    pub(crate) redis_url: &'a str,
    pub(crate) sim_url: &'a str,
    pub(crate) prefix: &'a str,
    pub(crate) dir: &'a Path,
    pub(crate) id: usize,
    pub(crate) lock_ttl: Duration,
}

/// Spawns this test binary running only the child entry point.
pub(crate) fn spawn(spec: &ChildSpec<'_>) -> Child {
    let exe = std::env::current_exe().expect("the test binary's path");
    Command::new(exe)
        .args(["--exact", ENTRY, "--nocapture", "--test-threads", "1"])
        .env(MODE, spec.mode)
        .env(REDIS, spec.redis_url)
        .env(SIM, spec.sim_url)
        .env(PREFIX, spec.prefix)
        .env(DIR, spec.dir)
        .env(ID, spec.id.to_string())
        .env(LOCK_TTL_MS, spec.lock_ttl.as_millis().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn a child test process")
}

/// A fresh directory for the files parent and children exchange.
pub(crate) fn exchange_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "session-redis-{name}-{}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).expect("exchange dir");
    dir
}

/// Waits (without blocking the runtime) until `path` exists; false after `limit`.
pub(crate) async fn wait_for_file(path: &Path, limit: Duration) -> bool {
    let step = Duration::from_millis(10);
    let mut waited = Duration::ZERO;
    while !path.exists() {
        if waited >= limit {
            return false;
        }
        tokio::time::sleep(step).await;
        waited = waited.saturating_add(step);
    }
    true
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("child process without {name}"))
}

/// The child side. Does nothing unless a parent test spawned this process with
/// `SESSION_REDIS_CHILD_MODE` set:
/// - `login`: builds a manager on the shared Redis store and the simulator, writes `ready-<id>`,
///   waits for the parent's `go` file so that all children start together, calls `get()` once and
///   writes the session's serial to `out-<id>`.
/// - `hold-lock`: takes the login lock with the given TTL, writes `locked`, and hangs until the
///   parent kills it (a crashed holder that never releases).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_process_entry_point() {
    let Ok(mode) = std::env::var(MODE) else {
        return;
    };
    let dir = PathBuf::from(var(DIR));
    let id = var(ID);
    let clock = Arc::new(SystemClock);
    let store = store_at(&var(REDIS), &var(PREFIX), clock.clone());
    let provider = HttpLogin::new(&var(SIM), clock.clone());
    match mode.as_str() {
        "login" => {
            store.ping().await.expect("child reaches redis");
            std::fs::write(dir.join(format!("ready-{id}")), b"").expect("ready file");
            assert!(
                wait_for_file(&dir.join("go"), Duration::from_secs(60)).await,
                "the parent never said go"
            );
            let manager = SessionManager::builder(provider)
                .clock(clock)
                .store(Arc::new(store))
                .build();
            let lease = manager.get().await.expect("child get()");
            std::fs::write(dir.join(format!("out-{id}")), lease.serial.to_string())
                .expect("out file");
        }
        "hold-lock" => {
            let ttl = Duration::from_millis(var(LOCK_TTL_MS).parse().expect("ttl"));
            let lock = store
                .lock(&provider.store_key(), ttl)
                .await
                .expect("child takes the lock");
            std::fs::write(dir.join("locked"), b"").expect("locked file");
            tokio::time::sleep(Duration::from_secs(600)).await;
            drop(lock);
        }
        other => panic!("unknown child mode {other}"),
    }
}
