//! `cargo xtask package`: the checks that what is published works for a new user.
//!
//! 1. Every TLS backend feature builds on its own (`cargo check -p session-core` per feature set,
//!    plus the tests of session-core with the non-default backends).
//! 2. The user graphs in `tests/graphs/` (default `reqwest`; `reqwest` without default TLS; a
//!    crate calling `rustls::ClientConfig::builder()`) each build alone and run against the
//!    Betfair simulator; then one crate per provider compiles that provider's README quick
//!    start unchanged and runs it against the provider's simulator over HTTPS.
//! 3. `cargo package --workspace`, without the `publish = false` members.
//! 4. The `.crate` files are unpacked into a scratch workspace whose crates are patched to one
//!    another (they are not on crates.io yet), and every test and example is built from them
//!    with all features: what a user downloads compiles, tests included.
//! 5. `cargo machete` (installed on first use) finds dependencies nothing uses.
//!
//! Once a version is on crates.io, API compatibility is checked with
//! `cargo install cargo-semver-checks --locked` and
//! `cargo semver-checks check-release --workspace --baseline-version <last tag's version>` (or
//! `--baseline-rev v<version>` against the git tag); run it before tagging a release.
//!
//! `ensure_openssl` makes sure the `openssl` command the certificate tests use exists.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, on_path, root};

/// Backend feature sets session-core must build with, one `cargo check` each.
const BACKENDS: &[&str] = &["rustls", "rustls-ring", "native-tls", "rustls-ring,gzip"];

/// Workspace members with `publish = false`, left out of `cargo package`.
const UNPUBLISHED: &[&str] = &["session-tests", "xtask"];

/// The user graphs under `tests/graphs/`: three TLS stacks beside session-betfair, then one
/// crate per provider that compiles the provider's README quick start as written and runs it
/// against the provider's simulator over HTTPS.
const GRAPHS: &[&str] = &[
    "default-reqwest",
    "reqwest-no-default-tls",
    "rustls-builder",
    "quick-start-cas",
    "quick-start-betfair",
    "quick-start-seaware",
    "quick-start-pagos",
    "quick-start-matchbook",
];

/// Runs every step; stops at the first failure.
pub(crate) fn run() -> Result<(), String> {
    ensure_openssl()?;
    backends()?;
    graphs()?;
    // Stale `.crate` files from earlier runs would be checked as if just packaged.
    if let Ok(entries) = std::fs::read_dir(target_dir().join("package")) {
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|x| x == "crate") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    forget_stale_overlay_sources()?;
    // Cargo packages `publish = false` members too unless told otherwise.
    let mut args = vec!["package", "--workspace", "--allow-dirty"];
    for unpublished in UNPUBLISHED {
        args.extend(["--exclude", unpublished]);
    }
    cargo(&args, &[])?;
    packaged_tests()?;
    machete()
}

fn backends() -> Result<(), String> {
    for features in BACKENDS {
        cargo(
            &[
                "check",
                "-p",
                "session-core",
                "--no-default-features",
                "--features",
                features,
            ],
            &[],
        )?;
    }
    // The HTTPS tests run once per compiled backend; test-util needs a rustls backend for its
    // TLS server, so native-tls is tested beside rustls-ring.
    cargo(
        &[
            "test",
            "-p",
            "session-core",
            "--no-default-features",
            "--features",
            "native-tls,rustls-ring,test-util,gzip",
            "--test",
            "it",
            "--",
            "tls::",
            "transport::",
        ],
        &[],
    )
}

fn graphs() -> Result<(), String> {
    // One target folder for every graph: what their feature sets share is built once.
    let target = target_dir().join("graphs");
    std::fs::create_dir_all(&target).map_err(|e| format!("creating {}: {e}", target.display()))?;
    let target_str = target.to_string_lossy().into_owned();
    for graph in GRAPHS {
        let manifest = root().join("tests/graphs").join(graph).join("Cargo.toml");
        let manifest = manifest.to_string_lossy().into_owned();
        // The quick starts trust the simulator's test CA the way a user's machine trusts a
        // sandbox's: through the system roots, which `SSL_CERT_FILE` replaces. The test writes
        // its CA to this scratch file (see tests/graphs/quick-start-trust.rs).
        // It must exist beforehand: Cargo's own certificate probe replaces an `SSL_CERT_FILE`
        // that names a missing file.
        let ca_path = target.join(format!("{graph}-ca.pem"));
        std::fs::write(&ca_path, "").map_err(|e| format!("creating {}: {e}", ca_path.display()))?;
        let ca = ca_path.to_string_lossy().into_owned();
        // Cargo reads `SSL_CERT_FILE` too: fetch first, then build and test offline.
        cargo(
            &["fetch", "--manifest-path", &manifest],
            &[("CARGO_TARGET_DIR", &target_str)],
        )?;
        cargo(
            &["test", "--offline", "--manifest-path", &manifest],
            &[
                ("CARGO_TARGET_DIR", &target_str),
                ("SSL_CERT_FILE", &ca),
                ("QUICK_START_CA", &ca),
                ("SEAWARE_PASSWORD", "quick-start-password"),
                ("MATCHBOOK_PASSWORD", "quick-start-password"),
            ],
        )?;
    }
    Ok(())
}

/// Removes the sources an earlier `cargo package --workspace` unpacked for this workspace's
/// crates.
///
/// Cargo verifies each package against the others through a temporary registry overlaid on
/// crates.io, and unpacks each into `$CARGO_HOME/registry/src/<crates.io>/<name>-<version>`.
/// It skips the unpacking when that folder exists, so on a machine that packaged the same
/// version before, a crate would be verified against its dependencies' *old* sources. The
/// version does not change between releases' commits, so the folders are removed first.
fn forget_stale_overlay_sources() -> Result<(), String> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    forget_sources_in(&cargo_home, &published_members()?)
}

/// Removes `<name>-<version>` of each member from every registry's unpacked sources under
/// `cargo_home`, and nothing else.
fn forget_sources_in(cargo_home: &Path, members: &[(String, String)]) -> Result<(), String> {
    let Ok(registries) = std::fs::read_dir(cargo_home.join("registry/src")) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        for (name, version) in members {
            let stale = registry.path().join(format!("{name}-{version}"));
            if stale.exists() {
                std::fs::remove_dir_all(&stale)
                    .map_err(|e| format!("removing {}: {e}", stale.display()))?;
            }
        }
    }
    Ok(())
}

/// Name and version of every workspace crate under `crates/` that is published.
fn published_members() -> Result<Vec<(String, String)>, String> {
    let version = workspace_version()?;
    let crates = root().join("crates");
    let mut members = Vec::new();
    for entry in std::fs::read_dir(&crates)
        .map_err(|e| format!("reading {}: {e}", crates.display()))?
        .flatten()
    {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let Some(name) = text
            .lines()
            .find_map(|line| line.strip_prefix("name = \""))
            .and_then(|rest| rest.strip_suffix('"'))
        else {
            continue;
        };
        if !UNPUBLISHED.contains(&name) {
            members.push((name.to_owned(), version.clone()));
        }
    }
    Ok(members)
}

/// `[workspace.package] version` from the root manifest.
fn workspace_version() -> Result<String, String> {
    let manifest = root().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("reading {}: {e}", manifest.display()))?;
    text.split("[workspace.package]")
        .nth(1)
        .and_then(|section| {
            section
                .lines()
                .take_while(|line| !line.starts_with('['))
                .find_map(|line| line.strip_prefix("version = \""))
        })
        .and_then(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .ok_or_else(|| format!("no [workspace.package] version in {}", manifest.display()))
}

/// The target directory Cargo uses for this workspace.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn packaged_tests() -> Result<(), String> {
    let package_dir = target_dir().join("package");
    let mut crates: Vec<PathBuf> = std::fs::read_dir(&package_dir)
        .map_err(|e| format!("reading {}: {e}", package_dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "crate"))
        .collect();
    crates.sort();
    if crates.is_empty() {
        return Err("cargo package made no .crate files".into());
    }
    let scratch = package_dir.join("unpacked");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("creating {}: {e}", scratch.display()))?;
    let mut members = Vec::new();
    let mut patches = String::new();
    for file in &crates {
        unpack(file, &scratch)?;
        let dir = file
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".crate"))
            .ok_or_else(|| format!("odd package name {}", file.display()))?
            .to_owned();
        let name = package_name(&dir);
        patches.push_str(&format!("{name} = {{ path = \"{dir}\" }}\n"));
        members.push(format!("\"{dir}\""));
    }
    let manifest = format!(
        "# The published crates as downloaded, patched to one another.\n\
         [workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[patch.crates-io]\n{patches}",
        members.join(", ")
    );
    std::fs::write(scratch.join("Cargo.toml"), manifest)
        .map_err(|e| format!("writing the scratch workspace: {e}"))?;
    let manifest = scratch.join("Cargo.toml").to_string_lossy().into_owned();
    cargo(
        &[
            "test",
            "--manifest-path",
            &manifest,
            "--workspace",
            "--all-features",
            "--all-targets",
            "--no-run",
        ],
        &[],
    )
}

/// `session-core-0.1.0` → `session-core` (the name ends before the first `-` and digit).
fn package_name(dir: &str) -> &str {
    dir.match_indices('-')
        .find(|(i, _)| dir[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
        .map_or(dir, |(i, _)| &dir[..i])
}

fn unpack(file: &Path, into: &Path) -> Result<(), String> {
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(file)
        .arg("-C")
        .arg(into)
        .status()
        .map_err(|e| format!("running tar: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("unpacking {} failed", file.display()))
    }
}

fn machete() -> Result<(), String> {
    let binary = match installed("cargo-machete") {
        Some(path) => path,
        None => {
            cargo(&["install", "cargo-machete", "--locked"], &[])?;
            installed("cargo-machete").ok_or("cargo-machete was installed but is not found")?
        }
    };
    // Run directly: through `cargo machete` under `cargo xtask` it takes its own name for a path.
    eprintln!("xtask: cargo-machete {}", root().display());
    let status = Command::new(&binary)
        .arg(root())
        .status()
        .map_err(|e| format!("running cargo-machete: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("cargo-machete found unused dependencies".into())
    }
}

/// Where an installed cargo tool is: on `PATH`, or in Cargo's `bin` folder.
fn installed(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .map(|home| home.join("bin").join(name))
            .filter(|p| p.is_file())
    })
}

/// Makes sure the `openssl` command exists: the certificate tests make their legacy PKCS#12 and
/// PKCS#1 fixtures with it, so a second implementation writes what this code reads.
pub(crate) fn ensure_openssl() -> Result<(), String> {
    if on_path("openssl") {
        return Ok(());
    }
    eprintln!("xtask: openssl not found; installing the openssl package");
    if crate::apt_install(&["openssl"]) && on_path("openssl") {
        return Ok(());
    }
    Err("the certificate tests need the openssl command: install the `openssl` package".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The excluded list names exactly the members that say `publish = false`.
    #[test]
    fn unpublished_members_are_the_excluded_ones() {
        let root = crate::root();
        let mut manifests = vec![root.join("tests/Cargo.toml"), root.join("xtask/Cargo.toml")];
        for entry in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
            manifests.push(entry.path().join("Cargo.toml"));
        }
        let mut unpublished = Vec::new();
        for manifest in manifests.iter().filter(|m| m.exists()) {
            let text = std::fs::read_to_string(manifest).unwrap();
            if text.lines().any(|l| l.trim() == "publish = false") {
                let name = text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("name = \""))
                    .and_then(|rest| rest.strip_suffix('"'))
                    .unwrap()
                    .to_owned();
                unpublished.push(name);
            }
        }
        unpublished.sort();
        assert_eq!(unpublished, UNPUBLISHED);
    }

    #[test]
    fn package_names_drop_the_version() {
        assert_eq!(package_name("session-core-0.1.0"), "session-core");
        assert_eq!(package_name("session-betfair-12.3.4"), "session-betfair");
        assert_eq!(package_name("session-cas-0.2.0-alpha.1"), "session-cas");
    }

    #[test]
    fn only_this_workspaces_unpacked_crates_are_forgotten() {
        let home = scratch("stale-sources");
        let registry = home.join("registry/src/index.crates.io-1949cf8c6b5b557f");
        for dir in ["session-core-0.1.0", "session-core-0.0.9", "serde-1.0.0"] {
            std::fs::create_dir_all(registry.join(dir).join("src")).expect("create");
            std::fs::write(registry.join(dir).join("src/lib.rs"), "// old").expect("write");
        }
        let members = vec![
            ("session-core".to_owned(), "0.1.0".to_owned()),
            ("session-cas".to_owned(), "0.1.0".to_owned()),
        ];
        forget_sources_in(&home, &members).expect("forget");
        assert!(!registry.join("session-core-0.1.0").exists());
        assert!(registry.join("session-core-0.0.9/src/lib.rs").exists());
        assert!(registry.join("serde-1.0.0/src/lib.rs").exists());
        // No registry folder at all (a machine that never downloaded a crate) is fine.
        let empty = scratch("no-registry");
        forget_sources_in(&empty, &members).expect("nothing to forget");
    }

    #[test]
    fn the_published_members_are_the_crates_folder_without_the_unpublished_ones() {
        let members = published_members().expect("members");
        let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"session-core"), "{names:?}");
        assert!(names.contains(&"session-cli"), "{names:?}");
        assert!(!names.contains(&"xtask"), "{names:?}");
        let version = workspace_version().expect("version");
        assert!(members.iter().all(|(_, v)| *v == version));
    }

    /// An empty folder of its own under the target folder.
    fn scratch(name: &str) -> PathBuf {
        let dir = target_dir().join("xtask-tests").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch folder");
        dir
    }
}
