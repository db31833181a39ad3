//! `cargo xtask man [DIR]`: the `sessions` man pages (`sessions.1` and one page per subcommand,
//! such as `sessions-betfair-login.1`), generated with `clap_mangen` from the CLI's own clap
//! definition, which this module compiles in. The default folder is `target/man`.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

#[allow(
    dead_code,
    unused_imports,
    reason = "the CLI's definition is compiled here only for its clap command (the table of providers' macro is exported for the binary's dispatch)"
)]
#[path = "../../crates/session-cli/src/cli/mod.rs"]
mod cli;

/// Writes the man pages into `dir` (created if needed); returns the files written.
pub(crate) fn generate(dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let command = cli::Cli::command().version(env!("CARGO_PKG_VERSION"));
    clap_mangen::generate_to(command, dir)
        .map_err(|e| format!("cannot write the man pages: {e}"))?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "1"))
        .collect();
    files.sort();
    Ok(files)
}

/// `cargo xtask man [DIR]`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let dir = match args.first() {
        Some(d) => PathBuf::from(d),
        None => crate::root().join("target").join("man"),
    };
    let files = generate(&dir)?;
    for f in &files {
        println!("{}", f.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_pages_cover_every_provider_and_command() {
        let dir = std::env::temp_dir().join(format!("xtask-man-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let files = generate(&dir).unwrap();
        let names: Vec<String> = files
            .iter()
            .filter_map(|f| f.file_name()?.to_str().map(str::to_owned))
            .collect();
        for page in [
            "sessions.1",
            "sessions-betfair.1",
            "sessions-betfair-login.1",
            "sessions-betfair-exec.1",
            "sessions-cas-service-ticket.1",
            "sessions-seaware-refresh.1",
            "sessions-pagos-open.1",
            "sessions-simulate.1",
            "sessions-completions.1",
        ] {
            assert!(names.iter().any(|n| n == page), "{page} in {names:?}");
        }
        let main = std::fs::read_to_string(dir.join("sessions.1")).unwrap();
        assert!(
            main.starts_with(".ie") || main.contains(".TH"),
            "a roff page"
        );
        assert!(main.contains("profile"), "global options are documented");
        let betfair = std::fs::read_to_string(dir.join("sessions-betfair.1")).unwrap();
        assert!(
            betfair.contains("BETFAIR_APP_KEY"),
            "credential variables are documented"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
