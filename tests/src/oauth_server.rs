//! A real OAuth 2.0 authorization server for the interop tests: django-oauth-toolkit (on oauthlib)
//! from `tests/oauth-server/`, installed with pip into a virtualenv that is cached under a
//! directory the caller names (the test target's temporary directory), and started on an
//! ephemeral loopback port for each test.
//!
//! The server process ends when the [`OAuthServer`] is dropped, and also on its own when its
//! standard input closes, so a test process that is killed leaves no server behind.

use std::fmt;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How long the server may take to install nothing, migrate and bind (a busy 2-core machine).
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// Why no server could be had.
#[derive(Debug)]
pub enum Unavailable {
    /// No `python3` with `venv` on this machine: the tests may be skipped outside CI.
    NoPython(String),
    /// Python is there but installing or starting the server failed: always a failure.
    Failed(String),
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPython(why) | Self::Failed(why) => f.write_str(why),
        }
    }
}

/// The directory holding `serve.py` and `requirements.txt`.
pub fn project_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oauth-server")
}

/// A running django-oauth-toolkit server; dropping it stops the process.
pub struct OAuthServer {
    child: Child,
    // Held open: the server exits when it closes.
    _stdin: ChildStdin,
    base_url: String,
}

impl fmt::Debug for OAuthServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthServer")
            .field("base_url", &self.base_url)
            .field("pid", &self.child.id())
            .finish()
    }
}

impl OAuthServer {
    /// Installs the server's virtualenv under `cache_dir` if it is not there yet (once per
    /// process; a second run reuses it), then starts a fresh server with fresh fixtures.
    pub fn start(cache_dir: &Path) -> Result<Self, Unavailable> {
        let python = venv_python(cache_dir)?;
        let serve = project_dir().join("serve.py");
        let mut child = Command::new(&python)
            .arg(&serve)
            .arg("127.0.0.1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Unavailable::Failed(format!("cannot start {}: {e}", python.display())))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let errors = Arc::new(Mutex::new(String::new()));
        {
            let errors = Arc::clone(&errors);
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = BufReader::new(stderr)
                    .take(64 * 1024)
                    .read_to_string(&mut text);
                errors
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push_str(&text);
            });
        }
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next();
            let _ = tx.send(first);
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Some(Ok(line))) => line,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                // Give the stderr reader a moment to collect the traceback.
                std::thread::sleep(Duration::from_millis(200));
                let stderr = errors.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let why = match other {
                    Err(_) => "did not report its port in time".to_owned(),
                    _ => "exited before reporting its port".to_owned(),
                };
                return Err(Unavailable::Failed(format!(
                    "the OAuth test server {why}; its stderr:\n{stderr}"
                )));
            }
        };
        let Some(base_url) = line.strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Unavailable::Failed(format!(
                "the OAuth test server said {line:?} instead of its address"
            )));
        };
        Ok(Self {
            child,
            _stdin: stdin,
            base_url: base_url.trim().to_owned(),
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `{base}/ota/oauth/token`: the token endpoint, at Seaware's path.
    pub fn token_url(&self) -> String {
        format!("{}/ota/oauth/token", self.base_url)
    }

    /// The process id, for tests that check the server is gone.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// FNV-1a: a stable hash of the requirements, naming the cached virtualenv.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn bin(venv: &Path, program: &str) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join(format!("{program}.exe"))
    } else {
        venv.join("bin").join(program)
    }
}

/// The virtualenv's Python, installing the virtualenv first when needed (once per process).
fn venv_python(cache_dir: &Path) -> Result<PathBuf, Unavailable> {
    static ONCE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let result = ONCE.get_or_init(|| install(cache_dir));
    match result {
        Ok(path) => Ok(path.clone()),
        Err(why) if why.starts_with(NO_PYTHON) => Err(Unavailable::NoPython(why.clone())),
        Err(why) => Err(Unavailable::Failed(why.clone())),
    }
}

const NO_PYTHON: &str = "no usable python3";

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn install(cache_dir: &Path) -> Result<PathBuf, String> {
    let requirements = project_dir().join("requirements.txt");
    let pinned = fs::read(&requirements).map_err(|e| format!("{}: {e}", requirements.display()))?;
    let venv = cache_dir.join(format!("oauth-server-venv-{:016x}", fnv1a(&pinned)));
    let python = bin(&venv, "python");
    if python.is_file() {
        return Ok(python);
    }
    let system = if cfg!(windows) { "python" } else { "python3" };
    let usable = Command::new(system)
        .args(["-c", "import venv, ensurepip"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !usable {
        return Err(format!(
            "{NO_PYTHON} (with the venv and ensurepip modules) on PATH; \
             `cargo xtask test` installs one (Debian: apt-get install python3 python3-venv)"
        ));
    }
    fs::create_dir_all(cache_dir).map_err(|e| format!("{}: {e}", cache_dir.display()))?;
    // Built beside its final place and renamed when complete, so that a process killed halfway
    // never leaves a half-installed virtualenv that looks ready.
    let building = cache_dir.join(format!(
        "oauth-server-venv-{:016x}.building-{}",
        fnv1a(&pinned),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&building);
    run(
        Command::new(system).arg("-m").arg("venv").arg(&building),
        "creating the OAuth test server's virtualenv",
    )?;
    run(
        Command::new(bin(&building, "python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r tests/oauth-server/requirements.txt",
    )?;
    match fs::rename(&building, &venv) {
        Ok(()) => {}
        // Another process finished first: use its virtualenv.
        Err(_) if python.is_file() => {
            let _ = fs::remove_dir_all(&building);
        }
        Err(e) => return Err(format!("{}: {e}", venv.display())),
    }
    Ok(python)
}
