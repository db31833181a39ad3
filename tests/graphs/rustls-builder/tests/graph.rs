//! A crate calling `rustls::ClientConfig::builder()` (which needs exactly one provider compiled
//! in, or an installed default) beside session-betfair.

#[path = "../../scenario.rs"]
mod scenario;

#[tokio::test]
async fn client_config_builder_finds_one_provider() {
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    assert!(!config.alpn_protocols.iter().any(|p| p.is_empty()));
    // The library leaves the process default alone; the one the user relies on is rustls' own
    // choice from the compiled features.
    assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    scenario::own_client_request(&reqwest::Client::new()).await;
    scenario::betfair_against_the_simulator().await;
}
