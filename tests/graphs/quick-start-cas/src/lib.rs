//! session-cas's README quick start, compiled exactly as written (the build script copies it
//! from the README) in a crate whose only dependency is session-cas, as in a new user's crate.
#![allow(dead_code)]

include!(concat!(env!("OUT_DIR"), "/quick_start.rs"));

/// Runs the quick start's `run` with `sessions_url`.
pub async fn quick_start(sessions_url: &str) -> session_cas::Result<()> {
    run(sessions_url).await
}
