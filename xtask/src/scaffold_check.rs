//! `cargo xtask new-provider --self-test`, also run by `cargo xtask test`: the scaffold is
//! run into a copy of the workspace, and the copy is formatted, linted, tested, documented and
//! tidied with the new provider in it.

use std::fs;
use std::path::Path;

use crate::new_provider::{SELF_TEST_NAME, cargo, cargo_with, fmt, generate, target_dir};

/// Copies the workspace's sources (not `target`, `.git` or the fuzz folder) to `to`.
fn copy_workspace(from: &Path, to: &Path) -> Result<(), String> {
    let entries = fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == "target" || name.starts_with('.') || name == "fuzz" {
            continue;
        }
        let path = entry.path();
        let dest = to.join(&*name);
        if path.is_dir() {
            copy_workspace(&path, &dest)?;
        } else {
            fs::copy(&path, &dest).map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Generates a provider into a copy of the workspace (under `target/scaffold-check`, a fixed
/// path so repeated runs reuse their build), checks the formatting of the whole copy, lints,
/// tests and documents (warnings denied) the new crate, runs the surface and fuzz suites its registration edited, and runs
/// `tidy` on the copy.
pub(crate) fn self_test() -> Result<(), String> {
    let root = crate::root();
    let copy = target_dir(&root).join("scaffold-check/workspace");
    if copy.exists() {
        fs::remove_dir_all(&copy).map_err(|e| format!("cannot clear {}: {e}", copy.display()))?;
    }
    copy_workspace(&root, &copy)?;
    generate(&copy, SELF_TEST_NAME)?;
    let package = format!("session-{SELF_TEST_NAME}");
    let target = target_dir(&root);
    fmt(&copy, SELF_TEST_NAME)?;
    cargo(&copy, &["fmt", "--all", "--", "--check"], &target)?;
    cargo(
        &copy,
        &[
            "clippy",
            "-p",
            &package,
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
        &target,
    )?;
    cargo(&copy, &["test", "-p", &package, "--all-features"], &target)?;
    let doc = ["doc", "-p", &package, "--no-deps", "--all-features"];
    cargo_with(&copy, &doc, &target, &[("RUSTDOCFLAGS", "-D warnings")])?;
    // The registration's edits to the cross-crate suites compile and pass.
    let suites = [
        "test",
        "-p",
        "session-tests",
        "--test",
        "surface",
        "--test",
        "fuzz",
    ];
    cargo(&copy, &suites, &target)?;
    // The CLI knows the provider: its commands, its demo section and its simulator.
    let cli = [
        "clippy",
        "-p",
        "session-cli",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ];
    cargo(&copy, &cli, &target)?;
    let registry = [
        "test",
        "-p",
        "session-cli",
        "--all-features",
        "--test",
        "it",
        "registry",
    ];
    cargo(&copy, &registry, &target)?;
    let own = format!("{SELF_TEST_NAME}::");
    let commands = [
        "test",
        "-p",
        "session-cli",
        "--all-features",
        "--test",
        "it",
        own.as_str(),
    ];
    cargo(&copy, &commands, &target)?;
    let problems = crate::tidy::check(&copy);
    if !problems.is_empty() {
        return Err(format!(
            "tidy fails right after generation:\n{}",
            problems.join("\n")
        ));
    }
    eprintln!("xtask: new-provider self-test: ok");
    Ok(())
}
