//! The README quick start against the Betfair simulator: a certificate login over mutual TLS
//! with `client-2048.crt` + `client-2048.key` from the working folder, as the quick start names
//! them, and one live session afterwards (the quick start keeps it; it does not log out).

#[path = "../../quick-start-trust.rs"]
mod trust;

use session_betfair::{BetfairSim, SimOp};
use session_core::test_util::{ClientCertificates, TestPki};

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_quick_start_runs_against_the_simulator() {
    let pki = TestPki::new("quick-start-betfair");
    trust::trust(&pki);
    let dir = std::env::temp_dir().join(format!("quick-start-betfair-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    std::fs::write(dir.join("client-2048.crt"), &pki.client_cert_pem).expect("the certificate");
    std::fs::write(dir.join("client-2048.key"), &pki.client_key_pem).expect("the key");
    std::env::set_current_dir(&dir).expect("into the scratch folder");
    let sim = BetfairSim::builder()
        .account("username", "password")
        .start_with_cert_server(pki.server_config(ClientCertificates::Required))
        .await
        .expect("the simulator starts");
    assert!(sim.cert_url().starts_with("https://localhost:"));
    let result = quick_start_betfair::quick_start(&sim.cert_url()).await;
    let _ = std::fs::remove_dir_all(&dir);
    result.expect("the quick start runs");
    assert_eq!(sim.calls(SimOp::CertLogin), 1);
    assert_eq!(sim.calls(SimOp::Login), 0);
    assert_eq!(sim.active_sessions(), 1);
}
