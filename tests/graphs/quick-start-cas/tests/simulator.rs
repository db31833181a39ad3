//! The README quick start against the William Hill simulator over HTTPS: one login, one service
//! ticket for the service it names, one logout, and no ticket left alive.

#[path = "../../quick-start-trust.rs"]
mod trust;

use session_cas::{CasSim, Flavor, SimOp};
use session_core::test_util::{ClientCertificates, TestPki};

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_quick_start_runs_against_the_simulator() {
    let pki = TestPki::new("quick-start-cas");
    trust::trust(&pki);
    let sim = CasSim::builder(Flavor::WhApi)
        .user("punter_01", "password")
        .api_credentials("api-key", "api-secret")
        .tls(pki.server_config(ClientCertificates::NotAsked))
        .start()
        .await
        .expect("the simulator starts");
    assert!(sim.base_url().starts_with("https://localhost:"));
    quick_start_cas::quick_start(&sim.base_url())
        .await
        .expect("the quick start runs");
    assert_eq!(sim.calls(SimOp::Login), 1);
    assert_eq!(sim.calls(SimOp::ServiceTicket), 1);
    assert_eq!(sim.calls(SimOp::Logout), 1);
    assert_eq!(sim.live_tickets(), 0);
}
