//! session-matchbook's README quick start, compiled exactly as written (the build script copies it
//! from the README) in a crate whose only dependency is session-matchbook, as in a new user's crate.
#![allow(dead_code)]

include!(concat!(env!("OUT_DIR"), "/quick_start.rs"));

/// Runs the quick start's `run` with `base_url`.
pub async fn quick_start(base_url: &str) -> session_matchbook::Result<()> {
    run(base_url).await
}
