//! The README quick start against the Matchbook simulator over HTTPS: one login with the
//! password from `MATCHBOOK_PASSWORD` (set by `cargo xtask package`), one logout, nothing left
//! open.

#[path = "../../quick-start-trust.rs"]
mod trust;

use session_core::test_util::{ClientCertificates, TestPki};
use session_matchbook::{MatchbookSim, SimOp};

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_quick_start_runs_against_the_simulator() {
    let pki = TestPki::new("quick-start-matchbook");
    trust::trust(&pki);
    let password = std::env::var("MATCHBOOK_PASSWORD").expect("set by cargo xtask package");
    let sim = MatchbookSim::builder()
        .user("alice", password)
        .tls(pki.server_config(ClientCertificates::NotAsked))
        .start()
        .await
        .expect("the simulator starts");
    assert!(sim.base_url().starts_with("https://localhost:"));
    quick_start_matchbook::quick_start(&sim.base_url())
        .await
        .expect("the quick start runs");
    assert_eq!(sim.calls(SimOp::Login), 1);
    assert_eq!(sim.calls(SimOp::Logout), 1);
    assert_eq!(sim.active_sessions(), 0);
}
