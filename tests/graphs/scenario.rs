//! The scenario every user graph runs: the user's own TLS stack is built first (the part that
//! panicked when the library's TLS features leaked into the graph), then session-betfair with
//! its default features logs in against its simulator, interactively over loopback HTTP and with
//! a client certificate over mutual TLS, and logs out.

use session_betfair::{BetfairProvider, BetfairSim, ClientCertificate, SessionManager, SimOp};
use session_core::test_util::{ClientCertificates, TestPki};

/// Runs the library half of the scenario.
pub async fn betfair_against_the_simulator() {
    let pki = TestPki::new("graph");
    let sim = BetfairSim::builder()
        .account("alice", "correct horse")
        .start_with_cert_server(pki.server_config(ClientCertificates::Required))
        .await
        .expect("the simulator starts");

    let interactive = BetfairProvider::builder("GRAPH-APP-KEY")
        .interactive("alice", "correct horse")
        .identity_url(sim.identity_url())
        .allow_insecure_loopback(true)
        .build()
        .expect("an interactive provider");
    let manager = SessionManager::new(interactive);
    let lease = manager.get().await.expect("interactive login");
    assert!(sim.is_live(lease.token()));
    drop(lease);
    manager.logout().await.expect("logout");

    let cert = ClientCertificate::from_pem(
        pki.client_cert_pem.as_bytes(),
        pki.client_key_pem.as_bytes(),
    )
    .expect("the test certificate");
    let certified = BetfairProvider::builder("GRAPH-APP-KEY")
        .certificate("alice", "correct horse", cert)
        .cert_url(sim.cert_url())
        .identity_url(sim.identity_url())
        .add_root_pem(pki.ca_pem.as_bytes())
        .allow_insecure_loopback(true)
        .build()
        .expect("a certificate provider");
    let manager = SessionManager::new(certified);
    let lease = manager
        .get()
        .await
        .expect("certificate login over mutual TLS");
    assert!(sim.is_live(lease.token()));
    drop(lease);
    manager.logout().await.expect("logout");
    assert_eq!(sim.calls(SimOp::CertLogin), 1);
    assert_eq!(sim.active_sessions(), 0);
}

/// Sends one plain request with the user's own client to a loopback simulator.
pub async fn own_client_request(client: &reqwest::Client) {
    let sim = BetfairSim::builder()
        .account("bob", "pw")
        .start()
        .await
        .expect("the simulator starts");
    // Any answer will do: the point is that the user's client was built and can send.
    let response = client
        .get(sim.identity_url())
        .send()
        .await
        .expect("the user's own client sends");
    assert!(response.status().as_u16() > 0);
}
