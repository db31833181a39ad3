//! House rules about the shape of the source, run by `tidy`: no non-test file under a `src/`
//! folder is longer than [`MAX_LINES`] lines (split it by concern instead), and every public item
//! switched on by a cargo feature says so in its docs with `#[cfg_attr(docsrs, doc(cfg(...)))]`
//! (and its crate root turns that on with `#![cfg_attr(docsrs, feature(doc_cfg))]`).

use std::fs;
use std::path::{Component, Path};

/// The most lines a non-test source file may have.
pub(crate) const MAX_LINES: usize = 600;

/// Every violation of these rules in `file` (at `rel`, relative to the workspace root), one line
/// each.
pub(crate) fn check_file(rel: &Path, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let shown = rel.display();
    if is_non_test_source(rel) {
        let lines = text.lines().count();
        if lines > MAX_LINES {
            problems.push(format!(
                "{shown}: {lines} lines; a non-test source file has at most {MAX_LINES}: split it by concern"
            ));
        }
    }
    let is_crate_root = rel.ends_with("src/lib.rs");
    if is_crate_root && text.contains("doc(cfg(") && !text.contains("feature(doc_cfg)") {
        problems.push(format!(
            "{shown}: uses `doc(cfg(...))`, so needs `#![cfg_attr(docsrs, feature(doc_cfg))]`"
        ));
    }
    for line in undocumented_feature_items(text) {
        problems.push(format!(
            "{shown}:{line}: a feature-gated public item needs `#[cfg_attr(docsrs, doc(cfg(...)))]`"
        ));
    }
    problems
}

/// Checks every Rust file under `root`'s `crates/`, `tests/` and `xtask/`.
pub(crate) fn check(root: &Path, files: &[std::path::PathBuf]) -> Vec<String> {
    files
        .iter()
        .flat_map(|file| {
            let rel = file.strip_prefix(root).unwrap_or(file);
            let text = fs::read_to_string(file).unwrap_or_default();
            check_file(rel, &text)
        })
        .collect()
}

/// Whether `rel` is library or binary source: under a `src/` folder, and neither a `tests.rs`
/// unit-test file nor inside a `tests/` folder.
fn is_non_test_source(rel: &Path) -> bool {
    let parts: Vec<&str> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    let Some(src) = parts.iter().position(|p| *p == "src") else {
        return false;
    };
    let below = &parts[src + 1..];
    let in_tests_folder = below[..below.len().saturating_sub(1)].contains(&"tests");
    !in_tests_folder && below.last().is_some_and(|name| *name != "tests.rs")
}

/// The 1-based lines of public items (not `pub(crate)`, not `#[doc(hidden)]`) whose attributes
/// switch them on with a cargo feature but do not carry `doc(cfg(...))`.
fn undocumented_feature_items(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut gated_at: Option<usize> = None;
    let mut documented = false;
    let mut hidden = false;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with("#[cfg(") {
            if line.contains("feature") && !line.starts_with("#[cfg(not(") {
                gated_at.get_or_insert(n + 1);
            }
            continue;
        }
        if line.starts_with("#[cfg_attr(docsrs") && line.contains("doc(cfg") {
            documented = true;
            continue;
        }
        if line.starts_with("#[doc(hidden)]") {
            hidden = true;
            continue;
        }
        if line.starts_with("#[") || line.starts_with("///") || line.starts_with("//") {
            continue;
        }
        if let Some(at) = gated_at
            && is_public_item(line)
            && !documented
            && !hidden
        {
            out.push(at);
        }
        gated_at = None;
        documented = false;
        hidden = false;
    }
    out
}

/// Whether `line` starts a public item (`pub fn`, `pub struct`, `pub use`, `pub async fn`, …).
fn is_public_item(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("pub ") else {
        return false;
    };
    let rest = rest
        .trim_start_matches("async ")
        .trim_start_matches("unsafe ")
        .trim_start_matches("const ");
    [
        "fn ", "struct ", "enum ", "trait ", "type ", "use ", "mod ", "static ", "const ",
    ]
    .iter()
    .any(|k| rest.starts_with(k))
        || line.starts_with("pub const ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> String {
        (0..n).map(|i| format!("// line {i}\n")).collect()
    }

    #[test]
    fn a_long_source_file_fails_and_test_files_do_not() {
        let long = lines(MAX_LINES + 1);
        let rel = Path::new("crates/session-x/src/provider.rs");
        let problems = check_file(rel, &long);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("601 lines"), "{problems:?}");
        assert!(check_file(rel, &lines(MAX_LINES)).is_empty());
        for test_file in [
            "crates/session-x/src/wire/tests.rs",
            "crates/session-x/src/sim/tests/routes.rs",
            "crates/session-x/tests/it/flows.rs",
            "tests/tests/surface.rs",
        ] {
            assert!(
                check_file(Path::new(test_file), &long).is_empty(),
                "{test_file}"
            );
        }
        assert_eq!(
            check_file(Path::new("xtask/src/main.rs"), &long).len(),
            1,
            "xtask's own source counts too"
        );
    }

    #[test]
    fn a_feature_gated_public_item_needs_doc_cfg() {
        let bad = "//! x\n#[cfg(feature = \"tls\")]\n/// Docs.\npub fn add_root_pem() {}\n";
        assert_eq!(undocumented_feature_items(bad), vec![2]);
        let bad_use = "#[cfg(all(feature = \"a\", unix))]\npub use a::B;\n";
        assert_eq!(undocumented_feature_items(bad_use), vec![1]);
        let good = "#[cfg(feature = \"tls\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"tls\")))]\npub fn f() {}\n";
        assert!(undocumented_feature_items(good).is_empty());
        for fine in [
            "#[cfg(feature = \"tls\")]\npub(crate) fn f() {}\n",
            "#[cfg(feature = \"tls\")]\nfn f() {}\n",
            "#[cfg(feature = \"tls\")]\nmod m;\n",
            "#[cfg(not(feature = \"tls\"))]\npub fn f() {}\n",
            "#[cfg(feature = \"fuzzing\")]\n#[doc(hidden)]\npub mod __fuzz;\n",
            "#[cfg(test)]\npub fn f() {}\n",
        ] {
            assert!(undocumented_feature_items(fine).is_empty(), "{fine}");
        }
        let root = Path::new("crates/session-x/src/lib.rs");
        let without = "//! x\n#[cfg(feature = \"a\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"a\")))]\npub fn f() {}\n";
        let problems = check_file(root, without);
        assert!(
            problems.iter().any(|p| p.contains("feature(doc_cfg)")),
            "{problems:?}"
        );
        let with = format!("#![cfg_attr(docsrs, feature(doc_cfg))]\n{without}");
        assert!(check_file(root, &with).is_empty());
        // The attributes of one item do not carry over to the next.
        let two = "#[cfg(feature = \"a\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"a\")))]\npub fn f() {}\npub fn g() {}\n#[cfg(feature = \"a\")]\npub fn h() {}\n";
        assert_eq!(undocumented_feature_items(two), vec![5]);
    }
}
