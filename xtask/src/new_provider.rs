//! `cargo xtask new-provider <name> [--into WORKSPACE]`: generates `crates/session-<name>/` (in
//! this workspace, or the one at `WORKSPACE`) in the house shape from
//! the templates under `xtask/templates/` (derived from `session-matchbook`) and registers it
//! everywhere a provider must be registered (see [`REGISTRATIONS`]). `cargo xtask new-provider
//! --self-test` (also run by `cargo xtask test`; see `scaffold_check`) generates a provider into
//! a copy of the workspace, then builds, lints, tests and documents it there and runs `tidy` on
//! the copy.
//!
//! The generated crate is a compiling, tested skeleton with a placeholder wire format (a token
//! login on `{base}/session`, the token in a `session-token` header, `GET` to check, `DELETE`
//! to log out, 401 as the rejection signal); replace the wire format with the upstream's.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The templates, embedded so the command works from any folder: (path in the new crate,
/// text). `example.rs` becomes `examples/<name>_simulated.rs`.
const TEMPLATES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../templates/Cargo.toml.tmpl")),
    ("README.md", include_str!("../templates/README.md.tmpl")),
    (
        "CHANGELOG.md",
        include_str!("../templates/CHANGELOG.md.tmpl"),
    ),
    ("src/lib.rs", include_str!("../templates/src/lib.rs.tmpl")),
    (
        "src/config.rs",
        include_str!("../templates/src/config.rs.tmpl"),
    ),
    (
        "src/error.rs",
        include_str!("../templates/src/error.rs.tmpl"),
    ),
    (
        "src/provider.rs",
        include_str!("../templates/src/provider.rs.tmpl"),
    ),
    ("src/wire.rs", include_str!("../templates/src/wire.rs.tmpl")),
    (
        "src/wire/tests.rs",
        include_str!("../templates/src/wire/tests.rs.tmpl"),
    ),
    ("src/fuzz.rs", include_str!("../templates/src/fuzz.rs.tmpl")),
    (
        "src/sim/mod.rs",
        include_str!("../templates/src/sim/mod.rs.tmpl"),
    ),
    (
        "src/sim/routes.rs",
        include_str!("../templates/src/sim/routes.rs.tmpl"),
    ),
    (
        "tests/it/main.rs",
        include_str!("../templates/tests/it/main.rs.tmpl"),
    ),
    (
        "tests/it/support.rs",
        include_str!("../templates/tests/it/support.rs.tmpl"),
    ),
    (
        "tests/it/conformance.rs",
        include_str!("../templates/tests/it/conformance.rs.tmpl"),
    ),
    (
        "tests/it/leaks.rs",
        include_str!("../templates/tests/it/leaks.rs.tmpl"),
    ),
    (
        "tests/it/middleware.rs",
        include_str!("../templates/tests/it/middleware.rs.tmpl"),
    ),
    (
        "tests/it/flows.rs",
        include_str!("../templates/tests/it/flows.rs.tmpl"),
    ),
    (
        "tests/it/requests.rs",
        include_str!("../templates/tests/it/requests.rs.tmpl"),
    ),
    (
        "tests/it/simulator.rs",
        include_str!("../templates/tests/it/simulator.rs.tmpl"),
    ),
    ("example.rs", include_str!("../templates/example.rs.tmpl")),
];

/// The files outside the crate a provider is registered in, and what `tidy` checks there.
pub(crate) const REGISTRATIONS: &[&str] = &[
    "Cargo.toml ([workspace.dependencies])",
    "tests/Cargo.toml (dev-dependency of the cross-crate suites)",
    "tests/tests/surface.rs (the re-export surface check)",
    "tests/tests/fuzz.rs (the bounded fuzz run)",
    "README.md (the crate table)",
    "crates/session-cli: the table of providers in src/cli/mod.rs, the modules src/cli/<name>.rs, src/<name>.rs and src/demo/<name>.rs, the tests tests/it/<name>.rs, and the dependency (`sessions <name>`, `sessions demo`, `sessions simulate <name>`)",
];

/// The name used for the self-test's provider.
pub(crate) const SELF_TEST_NAME: &str = "scaffoldcheck";

/// The spellings of a provider name the templates use.
struct Names {
    /// `acme`
    lower: String,
    /// `Acme`
    camel: String,
    /// `ACME`
    upper: String,
}

impl Names {
    fn new(name: &str) -> Result<Self, String> {
        let valid = name.len() <= 32
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !valid {
            return Err(format!(
                "provider name `{name}`: use 1 to 32 lowercase ASCII letters and digits, starting \
                 with a letter (the crate becomes session-<name>)"
            ));
        }
        let mut camel = name.to_owned();
        camel[..1].make_ascii_uppercase();
        Ok(Self {
            lower: name.to_owned(),
            camel,
            upper: name.to_ascii_uppercase(),
        })
    }

    fn render(&self, template: &str) -> String {
        template
            .replace("__NAME__", &self.upper)
            .replace("__Name__", &self.camel)
            .replace("__name__", &self.lower)
    }
}

/// `cargo xtask new-provider <name> | --self-test`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("--self-test") => crate::scaffold_check::self_test(),
        Some(name) if args.len() == 1 || (args.len() == 3 && args[1] == "--into") => {
            let root = args.get(2).map_or_else(crate::root, PathBuf::from);
            let written = generate(&root, name)?;
            fmt(&root, name)?;
            eprintln!(
                "xtask: created crates/session-{name} ({written} files) and registered it in:"
            );
            for place in REGISTRATIONS {
                eprintln!("  {place}");
            }
            eprintln!(
                "next: replace the placeholder wire format in src/wire.rs and the simulator, then \
                 `cargo test -p session-{name} --all-features` and `cargo xtask tidy`"
            );
            Ok(())
        }
        _ => Err("usage: cargo xtask new-provider <name> [--into WORKSPACE] | --self-test".into()),
    }
}

/// Writes `crates/session-<name>/` under `root` and registers it; returns the number of files
/// written.
pub(crate) fn generate(root: &Path, name: &str) -> Result<usize, String> {
    let names = Names::new(name)?;
    let dir = root.join("crates").join(format!("session-{name}"));
    if dir.exists() {
        return Err(format!("{} already exists", dir.display()));
    }
    let mut written = 0;
    for (path, template) in TEMPLATES {
        let target = match *path {
            "example.rs" => dir.join(format!("examples/{name}_simulated.rs")),
            other => dir.join(other),
        };
        write(&target, &names.render(template))?;
        written += 1;
    }
    for licence in ["LICENSE-APACHE", "LICENSE-MIT"] {
        fs::copy(root.join(licence), dir.join(licence))
            .map_err(|e| format!("cannot copy {licence}: {e}"))?;
        written += 1;
    }
    register(root, &names)?;
    Ok(written)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Inserts `line` at `anchor` in `text`, unless a line equal to it is already there.
fn insert_line(text: &str, line: &str, anchor: Anchor<'_>) -> Result<String, String> {
    let mut lines: Vec<&str> = text.lines().collect();
    if lines.iter().any(|l| l.trim_end() == line) {
        return Ok(text.to_owned());
    }
    let at = match anchor {
        Anchor::AfterLast(matches) => lines.iter().rposition(|l| matches(l)).map(|i| i + 1),
        Anchor::BeforeFirst(matches) => lines.iter().position(|l| matches(l)),
        Anchor::End => Some(lines.len()),
    };
    let Some(at) = at else {
        return Err(format!("no place found for `{line}`"));
    };
    lines.insert(at, line);
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
}

/// Where [`insert_line`] puts a line: after the last line or before the first line that
/// matches, or at the end.
enum Anchor<'a> {
    AfterLast(&'a dyn Fn(&str) -> bool),
    BeforeFirst(&'a dyn Fn(&str) -> bool),
    End,
}

fn edit(root: &Path, file: &str, line: &str, anchor: Anchor<'_>) -> Result<(), String> {
    let path = root.join(file);
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {file}: {e}"))?;
    let changed = insert_line(&text, line, anchor).map_err(|e| format!("{file}: {e}"))?;
    fs::write(&path, changed).map_err(|e| format!("cannot write {file}: {e}"))
}

/// Whether `crates/session-cli` has the table of providers a new provider registers in.
fn has_cli(root: &Path) -> bool {
    fs::read_to_string(root.join(CLI_TABLE))
        .is_ok_and(|t| t.contains("macro_rules! with_providers"))
}

/// The CLI's table of providers.
pub(crate) const CLI_TABLE: &str = "crates/session-cli/src/cli/mod.rs";

/// Writes the provider's three CLI modules and its CLI black-box tests (from `templates/cli/`)
/// and registers them: the table line, the module declarations and the dependency with its
/// features.
fn register_cli(root: &Path, names: &Names) -> Result<(), String> {
    let n = &names.lower;
    let c = &names.camel;
    let cli = root.join("crates/session-cli");
    for (path, template) in [
        (
            format!("src/cli/{n}.rs"),
            include_str!("../templates/cli/args.rs.tmpl"),
        ),
        (
            format!("src/{n}.rs"),
            include_str!("../templates/cli/provider.rs.tmpl"),
        ),
        (
            format!("src/demo/{n}.rs"),
            include_str!("../templates/cli/demo.rs.tmpl"),
        ),
        (
            format!("tests/it/{n}.rs"),
            include_str!("../templates/cli/tests.rs.tmpl"),
        ),
    ] {
        let target = cli.join(path);
        if target.exists() {
            return Err(format!("{} already exists", target.display()));
        }
        write(&target, &names.render(template))?;
    }
    let table_line = |l: &str| l.trim_end().ends_with("Args),") && l.contains(": ");
    edit(
        root,
        CLI_TABLE,
        &format!("            {n}: {c}({c}Args),"),
        Anchor::AfterLast(&table_line),
    )?;
    let declared = |l: &str| l.starts_with("pub(crate) mod ") && l != "pub(crate) mod tests;";
    edit(
        root,
        CLI_TABLE,
        &format!("pub(crate) mod {n};"),
        Anchor::AfterLast(&declared),
    )?;
    let module = |l: &str| l.starts_with("mod ") && !l.starts_with("mod tests");
    edit(
        root,
        "crates/session-cli/src/main.rs",
        &format!("mod {n};"),
        Anchor::AfterLast(&module),
    )?;
    edit(
        root,
        "crates/session-cli/src/demo/mod.rs",
        &format!("mod {n};"),
        Anchor::AfterLast(&module),
    )?;
    edit(
        root,
        "crates/session-cli/tests/it/main.rs",
        &format!("mod {n};"),
        Anchor::AfterLast(&module),
    )?;
    let manifest = "crates/session-cli/Cargo.toml";
    for feature in ["rustls", "rustls-ring", "native-tls", "test-util"] {
        let suffix = format!("/{feature}\",");
        let listed = |l: &str| l.starts_with("    \"session-") && l.ends_with(suffix.as_str());
        edit(
            root,
            manifest,
            &format!("    \"session-{n}/{feature}\","),
            Anchor::AfterLast(&listed),
        )?;
    }
    let dependency = |l: &str| l.starts_with("session-") && l.ends_with(".workspace = true");
    edit(
        root,
        manifest,
        &format!("session-{n}.workspace = true"),
        Anchor::AfterLast(&dependency),
    )?;
    let dev = |l: &str| l.starts_with("session-") && l.ends_with("features = [\"test-util\"] }");
    let dev_line = format!("session-{n} = {{ workspace = true, features = [\"test-util\"] }}");
    edit(root, manifest, &dev_line, Anchor::AfterLast(&dev))
}

/// Registers the provider in every file of [`REGISTRATIONS`].
fn register(root: &Path, names: &Names) -> Result<(), String> {
    let n = &names.lower;
    let c = &names.camel;
    edit(
        root,
        "Cargo.toml",
        &format!(
            "session-{n} = {{ path = \"crates/session-{n}\", version = \"0.1.0\", default-features = false }}"
        ),
        Anchor::AfterLast(&|l| l.starts_with("session-")),
    )?;
    edit(
        root,
        "tests/Cargo.toml",
        &format!(
            "session-{n} = {{ path = \"../crates/session-{n}\", features = [\"fuzzing\", \"blocking\"] }}"
        ),
        Anchor::AfterLast(&|l| l.starts_with("session-")),
    )?;
    edit(
        root,
        "tests/tests/surface.rs",
        &format!("surface!({n}_reexports_the_core_surface, session_{n});"),
        Anchor::BeforeFirst(&|l| l.starts_with("surface!(the_core_prelude_is_that_surface")),
    )?;
    let fuzz = format!(
        "\n#[test]\nfn {n}_parsers() {{\n    run(\n        \"{n}\",\n        session_{n}::__fuzz::responses,\n        &[\n            input(0, 0, r#\"{{\"session-token\":\"FUZZ!SENTINEL\"}}\"#),\n            input(\n                4,\n                0,\n                r#\"{{\"errors\":[{{\"messages\":[\"FUZZ!SENTINEL\"],\"codes\":[\"ACCOUNT_LOCKED\"]}}]}}\"#,\n            ),\n        ],\n    );\n}}"
    );
    let path = root.join("tests/tests/fuzz.rs");
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read fuzz.rs: {e}"))?;
    if !text.contains(&format!("fn {n}_parsers()")) {
        let text = insert_line(&text, &fuzz, Anchor::End)?;
        fs::write(&path, text).map_err(|e| format!("cannot write fuzz.rs: {e}"))?;
    }
    edit(
        root,
        "README.md",
        &format!(
            "| [`session-{n}`](crates/session-{n}) | {c} (`{{base}}/session`: token login, check, logout) | a session token sent as the `session-token` header |"
        ),
        Anchor::BeforeFirst(&|l| l.starts_with("| [`session-cli`]")),
    )?;
    if has_cli(root) {
        register_cli(root, names)?;
    }
    Ok(())
}

pub(crate) fn cargo(dir: &Path, args: &[&str], target: &Path) -> Result<(), String> {
    cargo_with(dir, args, target, &[])
}

pub(crate) fn cargo_with(
    dir: &Path,
    args: &[&str],
    target: &Path,
    env: &[(&str, &str)],
) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("xtask: (in {}) cargo {}", dir.display(), args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo {} failed in {}",
            args.join(" "),
            dir.display()
        ))
    }
}

/// Formats the new crate and the cross-crate suites its registration edited.
pub(crate) fn fmt(root: &Path, name: &str) -> Result<(), String> {
    let package = format!("session-{name}");
    let mut args = vec!["fmt", "-p", &package, "-p", "session-tests"];
    if has_cli(root) {
        args.extend(["-p", "session-cli"]);
    }
    cargo(root, &args, &target_dir(root))
}

/// The workspace's target folder (reused by the self-test so dependencies are built once).
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_spelled_three_ways() {
        let n = Names::new("acme2").unwrap();
        assert_eq!(
            (n.lower.as_str(), n.camel.as_str(), n.upper.as_str()),
            ("acme2", "Acme2", "ACME2")
        );
        assert_eq!(
            n.render("session___name__::__Name__Provider, __NAME___PASSWORD"),
            "session_acme2::Acme2Provider, ACME2_PASSWORD"
        );
        for bad in [
            "",
            "Acme",
            "2acme",
            "ac-me",
            "ac_me",
            "a".repeat(33).as_str(),
        ] {
            assert!(Names::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn generation_writes_the_crate_and_registers_it_once() {
        let dir = std::env::temp_dir().join(format!("xtask-new-provider-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("tests/tests")).unwrap();
        let root = crate::root();
        for file in [
            "Cargo.toml",
            "README.md",
            "LICENSE-MIT",
            "LICENSE-APACHE",
            "tests/Cargo.toml",
            "tests/tests/surface.rs",
            "tests/tests/fuzz.rs",
        ] {
            fs::copy(root.join(file), dir.join(file)).unwrap();
        }
        let files = generate(&dir, "acme").unwrap();
        assert_eq!(files, TEMPLATES.len() + 2);
        let read = |f: &str| fs::read_to_string(dir.join(f)).unwrap();
        let lib = read("crates/session-acme/src/lib.rs");
        assert!(lib.contains("pub use provider::{AcmeProvider, AcmeSession};"));
        for (_, template) in TEMPLATES {
            let text = Names::new("acme").unwrap().render(template);
            for placeholder in ["__name__", "__Name__", "__NAME__"] {
                assert!(!text.contains(placeholder), "every placeholder is replaced");
            }
        }
        assert!(
            dir.join("crates/session-acme/examples/acme_simulated.rs")
                .exists()
        );
        assert!(read("Cargo.toml").contains("session-acme = { path = \"crates/session-acme\""));
        assert!(
            read("tests/tests/surface.rs")
                .contains("surface!(acme_reexports_the_core_surface, session_acme);")
        );
        assert!(read("tests/tests/fuzz.rs").contains("fn acme_parsers()"));
        assert!(read("README.md").contains("| [`session-acme`](crates/session-acme) |"));
        assert!(
            generate(&dir, "acme").is_err(),
            "an existing crate is never overwritten"
        );
        fs::remove_dir_all(dir.join("crates/session-acme")).unwrap();
        let before = read("README.md");
        generate(&dir, "acme").unwrap();
        assert_eq!(read("README.md"), before, "registration is idempotent");
        let problems: Vec<String> = crate::tidy::registration(&dir);
        let _ = fs::remove_dir_all(&dir);
        assert!(problems.is_empty(), "{problems:?}");
    }
}
