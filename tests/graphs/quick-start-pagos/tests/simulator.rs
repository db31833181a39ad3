//! The README quick start against the SpreadsheetWEB simulator over HTTPS: one token, one
//! dedicated session, one calculation, the session closed.

#[path = "../../quick-start-trust.rs"]
mod trust;

use session_core::test_util::{ClientCertificates, TestPki};
use session_pagos::{PagosSim, SimOp};

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_quick_start_runs_against_the_simulator() {
    let pki = TestPki::new("quick-start-pagos");
    trust::trust(&pki);
    let sim = PagosSim::builder()
        .client("api-key", "api-password")
        .application("a4dcfb4f0464453b928ce1d6bcfb6aa3")
        .tls(pki.server_config(ClientCertificates::NotAsked))
        .start()
        .await
        .expect("the simulator starts");
    assert!(sim.base_url().starts_with("https://localhost:"));
    quick_start_pagos::quick_start(&sim.base_url())
        .await
        .expect("the quick start runs");
    assert_eq!(sim.calls(SimOp::Token), 1);
    assert_eq!(sim.calls(SimOp::Open), 1);
    assert_eq!(sim.calls(SimOp::GetResult), 1);
    assert_eq!(sim.calls(SimOp::Close), 1);
    assert_eq!(sim.open_sessions(), 0);
}
