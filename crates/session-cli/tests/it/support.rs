//! Running the built `sessions` binary: a hermetic environment (only the variables a test sets),
//! captured output, exactly-one-JSON-object parsing, temporary folders and leak checks.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// The binary under test.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_sessions");

/// A finished run.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// The one JSON object on stdout (asserts there is exactly one, on one line).
    pub(crate) fn json(&self) -> Value {
        let text = self.stdout.trim();
        assert_eq!(
            text.lines().count(),
            1,
            "stdout must be one JSON object: {:?} (stderr {:?})",
            self.stdout,
            self.stderr
        );
        let v: Value = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", self.stdout));
        assert!(v.is_object(), "stdout is not an object: {v}");
        v
    }

    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub(crate) fn code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code; stdout {:?}, stderr {:?}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts a successful JSON report of `provider` `command` and returns it.
    #[track_caller]
    pub(crate) fn ok(&self, provider: &str, command: &str) -> Value {
        self.code(0);
        let v = self.json();
        assert_eq!(v["provider"], provider, "{v}");
        assert_eq!(v["command"], command, "{v}");
        assert_eq!(v["ok"], true, "{v}");
        assert!(
            v["expires_at"].is_null() || v["expires_at"].as_str().is_some_and(is_rfc3339_utc),
            "expires_at must be RFC 3339 UTC or null: {v}"
        );
        v
    }

    /// Asserts a failure of `kind` with the contract's exit code and JSON shape; returns the
    /// `error` object.
    #[track_caller]
    pub(crate) fn fails(&self, provider: &str, command: &str, kind: &str) -> Value {
        self.code(exit_code(kind));
        let v = self.json();
        assert_eq!(v["provider"], provider, "{v}");
        assert_eq!(v["command"], command, "{v}");
        assert_eq!(v["ok"], false, "{v}");
        let error = v["error"].clone();
        assert_eq!(error["kind"], kind, "{v}");
        assert!(error["code"].is_null() || error["code"].is_string(), "{v}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty() && !message.contains('\n'), "{v}");
        let keys: Vec<&String> = error
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys.len(), 3, "error has kind, code, message only: {v}");
        error
    }

    /// Asserts that no secret appears on stdout or stderr.
    #[track_caller]
    pub(crate) fn clean(&self, secrets: &[&str]) -> &Self {
        for s in secrets {
            assert!(!s.is_empty());
            assert!(
                !self.stdout.contains(s),
                "secret {s:?} on stdout: {:?}",
                self.stdout
            );
            assert!(
                !self.stderr.contains(s),
                "secret {s:?} on stderr: {:?}",
                self.stderr
            );
        }
        self
    }
}

/// The contract's exit code for an error kind.
pub(crate) fn exit_code(kind: &str) -> i32 {
    match kind {
        "configuration" => 2,
        "invalid_credentials" => 3,
        "account_restricted" => 4,
        "rate_limited" => 5,
        "session_rejected" => 6,
        "timeout" | "unavailable" => 7,
        "unexpected_response" => 8,
        other => panic!("unknown kind {other}"),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` (optionally with fractional seconds).
pub(crate) fn is_rfc3339_utc(s: &str) -> bool {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .is_ok_and(|t| t.offset().is_utc())
        && s.ends_with('Z')
}

/// A `sessions` invocation being put together.
pub(crate) struct Sessions {
    args: Vec<String>,
    env: Vec<(String, std::ffi::OsString)>,
}

/// Starts a `sessions` invocation with an empty environment.
pub(crate) fn sessions() -> Sessions {
    Sessions {
        args: Vec::new(),
        env: Vec::new(),
    }
}

impl Sessions {
    /// Adds arguments.
    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets an environment variable.
    pub(crate) fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    /// Sets an environment variable to any bytes (for example invalid UTF-8).
    pub(crate) fn env_os(mut self, name: &str, value: std::ffi::OsString) -> Self {
        self.env.push((name.to_owned(), value));
        self
    }

    /// Sets several environment variables.
    pub(crate) fn envs(mut self, vars: &[(&str, &str)]) -> Self {
        for (k, v) in vars {
            self.env.push(((*k).to_owned(), (*v).into()));
        }
        self
    }

    /// The command line, for a test that spawns the binary itself.
    #[cfg(feature = "demo")]
    pub(crate) fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_os_str())));
        c
    }

    /// Runs the binary (off the async runtime, so in-process simulators keep serving).
    pub(crate) async fn run(self) -> Run {
        tokio::task::spawn_blocking(move || {
            let out = Command::new(BIN)
                .args(&self.args)
                .env_clear()
                .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_os_str())))
                .output()
                .expect("the sessions binary runs");
            Run {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
        })
        .await
        .expect("the runner thread finishes")
    }
}

/// A temporary folder, removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    /// A new, empty folder.
    pub(crate) fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("session-cli-it-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    /// A path inside the folder.
    pub(crate) fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }

    /// `--store <folder>/session.json`, as arguments.
    pub(crate) fn store(&self) -> [String; 2] {
        [
            "--store".to_owned(),
            self.store_path().display().to_string(),
        ]
    }

    /// The store file's path.
    pub(crate) fn store_path(&self) -> PathBuf {
        self.path("session.json")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The store file's permission bits.
#[cfg(unix)]
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("store file")
        .permissions()
        .mode()
        & 0o777
}

/// The store file as JSON.
pub(crate) fn store_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("store file")).expect("store json")
}
