//! The prerequisite of the real OAuth 2.0 server tests (`tests/tests/oauth_server.rs`): a
//! `python3` with the `venv` and `ensurepip` modules. The tests themselves install
//! django-oauth-toolkit into a cached virtualenv and start it; this makes sure they can, installing
//! Debian's `python3` and `python3-venv` when they are missing.

use std::process::{Command, Stdio};

use crate::root;

fn python_with_venv() -> bool {
    Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes sure `python3 -m venv` works when the workspace has the OAuth server tests.
pub(crate) fn ensure_python() -> Result<(), String> {
    if !root().join("tests/oauth-server").exists() || python_with_venv() {
        return Ok(());
    }
    eprintln!("xtask: python3 with venv not found; installing python3 and python3-venv");
    if crate::apt_install(&["python3", "python3-venv"]) && python_with_venv() {
        return Ok(());
    }
    Err(
        "the OAuth server tests need python3 with the venv module: install it \
         (Debian/Ubuntu: apt-get install python3 python3-venv)"
            .into(),
    )
}
