//! Workspace automation, run as `cargo xtask <command>`:
//!
//! - `test`: prepares prerequisites (a `redis-server` for `session-redis`, when that crate is in
//!   the workspace; a `python3` with `venv` for the real OAuth server tests, which install their
//!   server themselves) and runs every test of every crate with all features. This is the command
//!   README.md tells a new user to run.
//! - `ci`: what CI runs: `fmt --check`, clippy with `-D warnings`, `test`, docs with warnings
//!   denied, and `tidy`.
//! - `tidy`: the house rules, also run as a `#[test]` of this crate.
//! - `man [DIR]`: the `sessions` man pages, generated from the CLI's clap definition
//!   (default folder `target/man`).
//! - `new-provider <name>`: generates `crates/session-<name>/` in the house shape and registers
//!   it everywhere (see `new_provider`); `new-provider --self-test` generates one into a copy of
//!   the workspace and builds, lints, tests and tidies it there (part of `test`).
//! - `package`: every TLS backend builds, the user graphs in `tests/graphs/` run, `cargo
//!   package --workspace`, the packaged crates' tests and examples build from the `.crate`
//!   files, and `cargo machete` finds no unused dependency.
#![allow(clippy::print_stdout, clippy::print_stderr)] // A command-line tool reports on the terminal.

mod layout;
mod man;
mod new_provider;
mod oauth_server;
mod package;
mod redis_cluster;
mod scaffold_check;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("ci") => ci(),
        Some("tidy") => tidy_cmd(),
        Some("man") => man::run(&args[1..]),
        Some("package") => package::run(),
        Some("new-provider") => new_provider::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <test|ci|tidy|man|package|new-provider> [extra cargo test args | man folder | provider name]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("xtask: cargo {}", args.join(" "));
    let mut cmd = Command::new(cargo);
    cmd.args(args).current_dir(root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed", args.join(" ")))
    }
}

pub(crate) fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Installs Debian `packages` with `apt-get` (after an `update`); false when `apt-get` is missing
/// or fails.
pub(crate) fn apt_install(packages: &[&str]) -> bool {
    if !on_path("apt-get") {
        return false;
    }
    let run = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    let mut install = vec!["install", "-y", "-qq"];
    install.extend(packages);
    run(&["update", "-qq"]) && run(&install)
}

/// Makes sure a `redis-server` binary exists when a crate needs one.
fn ensure_redis() -> Result<(), String> {
    if !root().join("crates/session-redis").exists() || std::env::var_os("REDIS_URL").is_some() {
        return Ok(());
    }
    if on_path("redis-server") {
        return Ok(());
    }
    eprintln!("xtask: redis-server not found; installing the redis-server package");
    if apt_install(&["redis-server"]) && on_path("redis-server") {
        return Ok(());
    }
    Err(
        "session-redis tests need a Redis server: install the `redis-server` package \
         (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL"
            .into(),
    )
}

fn test(extra: &[String]) -> Result<(), String> {
    ensure_redis()?;
    oauth_server::ensure_python()?;
    redis_cluster::ensure_cluster_tools()?;
    package::ensure_openssl()?;
    let mut args = vec!["test", "--workspace", "--all-features"];
    args.extend(extra.iter().map(String::as_str));
    cargo(&args, &[])?;
    scaffold_check::self_test()
}

fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    test(&[])?;
    cargo(
        &["doc", "--workspace", "--no-deps", "--all-features"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    tidy_cmd()
}

fn tidy_cmd() -> Result<(), String> {
    let problems = tidy::check(&root());
    if problems.is_empty() {
        eprintln!("xtask: tidy: ok");
        Ok(())
    } else {
        for p in &problems {
            eprintln!("tidy: {p}");
        }
        Err(format!("{} house-rule violations", problems.len()))
    }
}
