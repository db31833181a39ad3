//! session-betfair's README quick start, compiled exactly as written (the build script copies it
//! from the README) in a crate whose only dependency is session-betfair, as in a new user's crate.
#![allow(dead_code)]

include!(concat!(env!("OUT_DIR"), "/quick_start.rs"));

/// Runs the quick start's `run` with `cert_url`.
pub async fn quick_start(cert_url: &str) -> session_betfair::Result<()> {
    run(cert_url).await
}
