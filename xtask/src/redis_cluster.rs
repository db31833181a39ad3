//! Prerequisites of `session-redis`'s cluster tests: they start their own local Redis Cluster
//! (`redis-server --cluster-enabled yes` nodes joined by `redis-cli --cluster create`), whatever
//! `REDIS_URL` says, so both programs must be on `PATH`. Installs the Debian packages when they
//! are missing and `apt-get` is available.

use crate::{on_path, root};

/// The programs the cluster tests run, and the Debian package of each.
const PROGRAMS: &[(&str, &str)] = &[
    ("redis-server", "redis-server"),
    ("redis-cli", "redis-tools"),
];

/// Makes sure `redis-server` and `redis-cli` are on `PATH` when `session-redis` is in the
/// workspace.
pub(crate) fn ensure_cluster_tools() -> Result<(), String> {
    if !root().join("crates/session-redis").exists() {
        return Ok(());
    }
    let missing: Vec<&str> = PROGRAMS
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!(
        "xtask: the Redis Cluster tests need {}; installing",
        missing.join(", ")
    );
    if crate::apt_install(&missing) && PROGRAMS.iter().all(|(program, _)| on_path(program)) {
        return Ok(());
    }
    Err(format!(
        "session-redis cluster tests need redis-server and redis-cli: install {} \
         (Debian/Ubuntu: apt-get install redis-server redis-tools)",
        missing.join(" ")
    ))
}
