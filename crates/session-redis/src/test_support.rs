//! Test support (feature `test-util`): a throw-away `redis-server` on loopback.
//!
//! [`TestRedis::start`] uses the server named by `REDIS_URL` when that variable is set, and
//! otherwise starts `redis-server` from `PATH` on a free port (`--save '' --appendonly no`, so
//! nothing is written to disk), which is killed when the value is dropped. Tests that stop and
//! restart Redis use [`TestRedis::spawn`], which always starts its own server. When no server can
//! be had, these functions panic with a message saying what to install: a test that needs Redis
//! fails rather than passing without it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// What to tell a developer whose machine has no Redis.
const INSTALL_HINT: &str = "session-redis tests need a Redis server: install the `redis-server` \
     package (Debian/Ubuntu: `apt-get install redis-server`; macOS: `brew install redis`) so that \
     `redis-server` is on PATH, or set REDIS_URL=redis://host:port/ to use a running server; \
     `cargo xtask test` installs the package when it can";

/// A Redis server for tests: an external one (`REDIS_URL`) or a `redis-server` child process
/// that this value owns and kills on drop.
pub struct TestRedis {
    url: String,
    port: Option<u16>,
    launch: Launch,
    child: Mutex<Option<Child>>,
}

/// How a child server is started.
#[derive(Clone, Default)]
pub(crate) struct Launch {
    pub(crate) password: Option<String>,
    pub(crate) tls: Option<TlsLaunch>,
    /// A cluster node keeping its `nodes.conf` in this folder.
    pub(crate) cluster_dir: Option<std::path::PathBuf>,
}

/// A TLS-only server: certificate files in `dir`, client certificates required or not.
#[derive(Clone)]
pub(crate) struct TlsLaunch {
    dir: std::path::PathBuf,
    require_client_cert: bool,
}

impl std::fmt::Debug for TestRedis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestRedis")
            .field("port", &self.port)
            .field("external", &self.is_external())
            .finish_non_exhaustive()
    }
}

impl TestRedis {
    /// The server at `REDIS_URL` if set, else a fresh `redis-server` on a free loopback port.
    /// Panics with installation advice when neither is available.
    pub fn start() -> Self {
        match std::env::var("REDIS_URL") {
            Ok(url) if !url.trim().is_empty() => Self {
                url: url.trim().to_owned(),
                port: None,
                launch: Launch::default(),
                child: Mutex::new(None),
            },
            _ => Self::spawn(),
        }
    }

    /// A fresh `redis-server` child on a free loopback port, whatever `REDIS_URL` says (for tests
    /// that kill and restart it). Panics with installation advice when it cannot be started.
    pub fn spawn() -> Self {
        Self::try_spawn(None).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`spawn`](Self::spawn), with `requirepass` set to `password`.
    pub fn spawn_with_password(password: &str) -> Self {
        Self::try_spawn(Some(password)).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts a `redis-server` child, or says why it could not.
    pub fn try_spawn(password: Option<&str>) -> Result<Self, String> {
        Self::spawn_with(Launch {
            password: password.map(str::to_owned),
            tls: None,
            cluster_dir: None,
        })
    }

    /// A fresh TLS-only `redis-server` (`rediss://localhost:<port>/`) serving `cert_pem` and
    /// `key_pem` (issued for `localhost`), trusting `ca_pem` for client certificates, which it
    /// requires when `require_client_cert` is set. The server's build must support TLS (Debian's
    /// does). Panics with advice when it cannot be started.
    pub fn spawn_tls(
        cert_pem: &str,
        key_pem: &str,
        ca_pem: &str,
        require_client_cert: bool,
    ) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "session-redis-tls-{}-{:08x}",
            std::process::id(),
            fastrand::u32(..)
        ));
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join("server.crt"), cert_pem))
            .and_then(|()| std::fs::write(dir.join("server.key"), key_pem))
            .and_then(|()| std::fs::write(dir.join("ca.crt"), ca_pem));
        if let Err(e) = written {
            panic!("cannot write the test certificates: {e}");
        }
        Self::spawn_with(Launch {
            password: None,
            tls: Some(TlsLaunch {
                dir,
                require_client_cert,
            }),
            cluster_dir: None,
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn spawn_with(launch_with: Launch) -> Result<Self, String> {
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            match launch(port, &launch_with) {
                Ok(child) => {
                    let url = match (&launch_with.tls, &launch_with.password) {
                        (Some(_), _) => format!("rediss://localhost:{port}/"),
                        (None, Some(p)) => format!("redis://:{p}@127.0.0.1:{port}/"),
                        (None, None) => format!("redis://127.0.0.1:{port}/"),
                    };
                    return Ok(Self {
                        url,
                        port: Some(port),
                        launch: launch_with,
                        child: Mutex::new(Some(child)),
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The URL to connect to (with the password, when there is one).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The port of a spawned server.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Whether this is the `REDIS_URL` server rather than a child of this process.
    pub fn is_external(&self) -> bool {
        self.port.is_none()
    }

    /// The child's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child().as_ref().map(Child::id)
    }

    fn child(&self) -> std::sync::MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Kills a spawned server at once (`SIGKILL`: no shutdown, no save) and waits for it to exit.
    pub fn kill(&self) {
        if let Some(mut child) = self.child().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a killed server again on the same port (empty: nothing was saved).
    /// Panics when it does not come up.
    pub fn restart(&self) {
        let port = self.port.expect("only a spawned server can be restarted");
        self.kill();
        let mut last = String::new();
        for _ in 0..20 {
            match launch(port, &self.launch) {
                Ok(child) => {
                    *self.child() = Some(child);
                    return;
                }
                Err(e) => {
                    last = e;
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        panic!("redis-server did not restart on port {port}: {last}");
    }

    /// Freezes a spawned server (`SIGSTOP`): connections stay open but nothing is answered,
    /// like an overloaded or partitioned server.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a [`pause`](Self::pause)d server run again (`SIGCONT`).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        let pid = self
            .pid()
            .expect("only a running spawned server can be signalled");
        let ok = Command::new("kill")
            .arg(sig)
            .arg(pid.to_string())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "could not send {sig} to redis-server");
    }

    /// A key prefix no other test (or test run) uses: `session-redis-test:<pid>:<random>:<name>:`.
    pub fn unique_prefix(name: &str) -> String {
        format!(
            "session-redis-test:{}:{:08x}:{name}:",
            std::process::id(),
            fastrand::u32(..)
        )
    }

    /// A [`unique_prefix`](Self::unique_prefix) whose keys are deleted from this server when the
    /// returned guard is dropped, so tests leave nothing behind in a shared (`REDIS_URL`) server.
    pub fn prefix(&self, name: &str) -> TestPrefix {
        TestPrefix {
            url: self.url.clone(),
            prefix: Self::unique_prefix(name),
        }
    }
}

/// A key prefix for one test; see [`TestRedis::prefix`]. Dereferences to the prefix.
pub struct TestPrefix {
    url: String,
    prefix: String,
}

impl std::fmt::Debug for TestPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TestPrefix").field(&self.prefix).finish()
    }
}

impl std::fmt::Display for TestPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.prefix)
    }
}

impl std::ops::Deref for TestPrefix {
    type Target = str;
    fn deref(&self) -> &str {
        &self.prefix
    }
}

impl From<&TestPrefix> for String {
    fn from(p: &TestPrefix) -> String {
        p.prefix.clone()
    }
}

impl Drop for TestPrefix {
    fn drop(&mut self) {
        // Best effort and bounded: a server that is gone (killed by the test) is simply skipped.
        let Ok(client) = redis::Client::open(self.url.as_str()) else {
            return;
        };
        let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_millis(300)) else {
            return;
        };
        let _ = conn.set_read_timeout(Some(Duration::from_millis(500)));
        let pattern = format!("{}*", glob_escape(&self.prefix));
        let keys: Vec<String> = match redis::cmd("KEYS").arg(&pattern).query(&mut conn) {
            Ok(keys) => keys,
            Err(_) => return,
        };
        if !keys.is_empty() {
            let _: redis::RedisResult<i64> = redis::cmd("DEL").arg(&keys).query(&mut conn);
        }
    }
}

/// Escapes Redis glob characters.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        if let Some(tls) = &self.launch.tls {
            let _ = std::fs::remove_dir_all(&tls.dir);
        }
        if let Some(mut child) = self.child().take() {
            // A paused server must be continued to die promptly on some systems.
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(child.id().to_string())
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub(crate) fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| format!("cannot find a free loopback port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free loopback port: {e}"))
}

/// Starts `redis-server` on `port` and waits until it answers `PING` (for TLS: accepts
/// connections).
pub(crate) fn launch(port: u16, how: &Launch) -> Result<Child, String> {
    let mut cmd = Command::new("redis-server");
    match &how.tls {
        None => {
            cmd.arg("--port").arg(port.to_string());
        }
        Some(tls) => {
            cmd.arg("--port")
                .arg("0")
                .arg("--tls-port")
                .arg(port.to_string())
                .arg("--tls-cert-file")
                .arg(tls.dir.join("server.crt"))
                .arg("--tls-key-file")
                .arg(tls.dir.join("server.key"))
                .arg("--tls-ca-cert-file")
                .arg(tls.dir.join("ca.crt"))
                .arg("--tls-auth-clients")
                .arg(if tls.require_client_cert { "yes" } else { "no" });
        }
    }
    cmd.arg("--bind")
        .arg("127.0.0.1")
        .arg("--save")
        .arg("")
        .arg("--appendonly")
        .arg("no")
        .arg("--dir")
        .arg(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(p) = &how.password {
        cmd.arg("--requirepass").arg(p);
    }
    if let Some(dir) = &how.cluster_dir {
        cmd.arg("--cluster-enabled")
            .arg("yes")
            .arg("--cluster-config-file")
            .arg(dir.join(format!("nodes-{port}.conf")))
            .arg("--cluster-node-timeout")
            .arg("1000")
            .arg("--dir")
            .arg(dir);
    }
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!("`redis-server` was not found on PATH. {INSTALL_HINT}")
        } else {
            format!("cannot start `redis-server` ({e}). {INSTALL_HINT}")
        }
    })?;
    for _ in 0..200 {
        if let Ok(Some(_)) = child.try_wait() {
            return Err(format!(
                "`redis-server` exited at start-up on port {port} (port taken?)"
            ));
        }
        let ready = match how.tls {
            None => answers_ping(port),
            Some(_) => TcpStream::connect(("127.0.0.1", port)).is_ok(),
        };
        if ready {
            return Ok(child);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(format!(
        "`redis-server` did not answer on port {port} within 5 s"
    ))
}

/// Whether something on `port` answers `PING` like Redis (`+PONG`, or `-NOAUTH` with a password).
fn answers_ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Ok(n) if n > 0 => buf[0] == b'+' || buf[..n].starts_with(b"-NOAUTH"),
        _ => false,
    }
}
