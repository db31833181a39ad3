//! House rules, checked over the source tree: every member inherits the workspace's lints and
//! package keys, every Rust file starts with a `//!` comment, no test is switched off or left
//! as a stub, and every provider crate is registered everywhere a provider must be and runs the
//! conformance suite ([`registration`]).

use std::fs;
use std::path::{Path, PathBuf};

/// Package keys every member takes from `[workspace.package]`.
const INHERITED: &[&str] = &[
    "version.workspace = true",
    "edition.workspace = true",
    "rust-version.workspace = true",
    "license.workspace = true",
];

/// Fragments that must not appear in Rust sources (assembled so this file does not trip itself).
fn banned() -> Vec<(String, &'static str)> {
    vec![
        (format!("#[{}", "ignore"), "tests are never switched off"),
        (
            format!("#[{}", "should_panic"),
            "assert on the Err kind instead of expecting a panic",
        ),
        (format!("{}!(", "dbg"), "no debugging leftovers"),
        (format!("{}!(", "todo"), "no stubs"),
        (format!("{}!(", "unimplemented"), "no stubs"),
    ]
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// Member manifests: the workspace's `crates/*`, `tests` and `xtask`.
fn members(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.join("tests/Cargo.toml"), root.join("xtask/Cargo.toml")];
    if let Ok(entries) = fs::read_dir(root.join("crates")) {
        for e in entries.flatten() {
            let manifest = e.path().join("Cargo.toml");
            if manifest.exists() {
                out.push(manifest);
            }
        }
    }
    out.into_iter().filter(|p| p.exists()).collect()
}

/// Every violation found, one line each.
pub(crate) fn check(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for manifest in members(root) {
        let text = fs::read_to_string(&manifest).unwrap_or_default();
        let rel = manifest
            .strip_prefix(root)
            .unwrap_or(&manifest)
            .display()
            .to_string();
        let compact: String = text.lines().map(str::trim).collect::<Vec<_>>().join("\n");
        if !compact.contains("[lints]\nworkspace = true") {
            problems.push(format!(
                "{rel}: must inherit lints with `[lints] workspace = true`"
            ));
        }
        for key in INHERITED {
            if !compact.lines().any(|l| l == *key) {
                problems.push(format!("{rel}: must inherit `{key}`"));
            }
        }
        let publishable = !compact.lines().any(|l| l == "publish = false");
        if publishable {
            for key in ["description =", "readme =", "repository.workspace = true"] {
                if !compact.lines().any(|l| l.starts_with(key)) {
                    problems.push(format!("{rel}: a published crate needs `{key}`"));
                }
            }
            if !compact.contains("[package.metadata.docs.rs]") {
                problems.push(format!("{rel}: a published crate needs docs.rs metadata"));
            }
        }
    }
    let mut files = Vec::new();
    for dir in ["crates", "tests", "xtask"] {
        rust_files(&root.join(dir), &mut files);
    }
    problems.extend(crate::layout::check(root, &files));
    problems.extend(registration(root));
    let banned = banned();
    for file in files {
        let rel = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = fs::read_to_string(&file).unwrap_or_default();
        if !text.trim_start().starts_with("//!") {
            problems.push(format!("{rel}: must start with a `//!` comment"));
        }
        for (n, line) in text.lines().enumerate() {
            for (fragment, why) in &banned {
                if line.contains(fragment.as_str()) {
                    problems.push(format!("{rel}:{}: `{fragment}`: {why}", n + 1));
                }
            }
        }
    }
    problems
}

/// The provider crates: `crates/session-*` whose `src/provider.rs` implements
/// `SessionProvider` (the core, the CLI and the Redis store are not providers).
pub(crate) fn providers(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(root.join("crates")) else {
        return out;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let provider = fs::read_to_string(e.path().join("src/provider.rs")).unwrap_or_default();
        if name.starts_with("session-")
            && name != "session-core"
            && provider.contains("impl SessionProvider for")
        {
            out.push(name);
        }
    }
    out.sort();
    out
}

/// Every provider crate is registered in every place
/// [`REGISTRATIONS`](crate::new_provider::REGISTRATIONS) names (as `cargo xtask new-provider`
/// does) and runs `session_core::test_util::conformance` in its integration tests.
pub(crate) fn registration(root: &Path) -> Vec<String> {
    let read = |f: &str| fs::read_to_string(root.join(f)).unwrap_or_default();
    let (workspace, tests, surface, fuzz, readme) = (
        read("Cargo.toml"),
        read("tests/Cargo.toml"),
        read("tests/tests/surface.rs").replace(char::is_whitespace, ""),
        read("tests/tests/fuzz.rs"),
        read("README.md"),
    );
    let mut problems = Vec::new();
    for krate in providers(root) {
        let ident = krate.replace('-', "_");
        let checks = [
            (
                workspace.contains(&format!("{krate} = {{ path = \"crates/{krate}\"")),
                "Cargo.toml: a [workspace.dependencies] entry",
            ),
            (
                tests.contains(&format!("path = \"../crates/{krate}\"")),
                "tests/Cargo.toml: a dev-dependency",
            ),
            (
                surface.contains(&format!(",{ident});")),
                "tests/tests/surface.rs: a surface! line",
            ),
            (
                fuzz.contains(&format!("{ident}::__fuzz::")),
                "tests/tests/fuzz.rs: a bounded fuzz run",
            ),
            (
                readme.contains(&format!("| [`{krate}`](crates/{krate}) |")),
                "README.md: a row in the crate table",
            ),
        ];
        let cli = fs::read_to_string(root.join(crate::new_provider::CLI_TABLE)).unwrap_or_default();
        if cli.contains("macro_rules! with_providers") {
            let name = krate.trim_start_matches("session-");
            if !cli
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{name}: ")))
            {
                problems.push(format!(
                    "{krate} is a provider but lacks a line in the CLI's table of providers ({})",
                    crate::new_provider::CLI_TABLE
                ));
            }
        }
        for (ok, what) in checks {
            if !ok {
                problems.push(format!(
                    "{krate} is a provider but lacks {what} (see `cargo xtask new-provider`)"
                ));
            }
        }
        let mut files = Vec::new();
        rust_files(&root.join("crates").join(&krate).join("tests"), &mut files);
        let conforms = files
            .iter()
            .any(|f| fs::read_to_string(f).is_ok_and(|t| t.contains("conformance::run(")));
        if !conforms {
            problems.push(format!(
                "{krate} is a provider but its tests never call `conformance::run(`"
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_follows_the_house_rules() {
        let problems = check(&crate::root());
        assert!(
            problems.is_empty(),
            "house-rule violations:\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn tidy_catches_a_violation() {
        let dir = std::env::temp_dir().join(format!("xtask-tidy-{}", std::process::id()));
        let src = dir.join("crates/bad/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(
            dir.join("crates/bad/Cargo.toml"),
            "[package]\nname = \"bad\"\n",
        )
        .unwrap();
        fs::write(src.join("lib.rs"), format!("fn f() {{ {}!(1); }}\n", "dbg")).unwrap();
        let problems = check(&dir);
        let _ = fs::remove_dir_all(&dir);
        assert!(problems.iter().any(|p| p.contains("`//!`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("dbg")), "{problems:?}");
        assert!(
            problems.iter().any(|p| p.contains("[lints]")),
            "{problems:?}"
        );
    }

    #[test]
    fn an_unregistered_provider_fails_tidy() {
        let dir = std::env::temp_dir().join(format!("xtask-tidy-reg-{}", std::process::id()));
        let src = dir.join("crates/session-lonely/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(
            src.join("provider.rs"),
            "//! x\nimpl SessionProvider for Lonely {}\n",
        )
        .unwrap();
        let problems = registration(&dir);
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(problems.len(), 6, "{problems:?}");
        assert!(
            problems
                .iter()
                .all(|p| p.starts_with("session-lonely is a provider"))
        );
    }

    #[test]
    fn every_provider_of_the_workspace_is_found() {
        let found = providers(&crate::root());
        for krate in [
            "session-cas",
            "session-betfair",
            "session-seaware",
            "session-pagos",
            "session-matchbook",
        ] {
            assert!(found.iter().any(|f| f == krate), "{krate}: {found:?}");
        }
        assert!(
            !found
                .iter()
                .any(|f| f == "session-core" || f == "session-cli")
        );
    }
}
