//! Logs in to the bundled simulator, sends an `OTA_PingRQ` with the session, renews it with the
//! refresh grant and logs out. Run with
//! `cargo run -p session-seaware --example seaware_simulated --features test-util`.
#![allow(clippy::print_stdout)]

use session_core::http::HttpClient;
use session_seaware::{SeawareSim, SessionManager, SessionProvider, SimOp, TRAVELAGENT, authorize};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = SeawareSim::builder()
        .user("JAMES", "secret007")
        .start()
        .await?;
    let provider = sim
        .provider_builder()
        .credentials("JAMES", "secret007")
        .scope(TRAVELAGENT)
        .build()?;
    let manager = SessionManager::new(provider);

    let mut headers = http::HeaderMap::new();
    let lease = authorize(&manager, &mut headers).await?;
    println!("logged in: {lease:?}");

    let url = manager.provider().rest_url("OTA_PingRQ");
    let mut request = http::Request::post(url.as_str())
        .header("content-type", "application/xml")
        .body(b"<OTA_PingRQ><EchoData>hello</EchoData></OTA_PingRQ>".to_vec())?;
    request.headers_mut().extend(headers);
    let http = HttpClient::builder("example")
        .allow_insecure_loopback(true)
        .build()?;
    let response = http.send(request).await?;
    println!(
        "OTA_PingRQ: HTTP {}, rejected: {}",
        response.status(),
        manager.provider().is_rejection(&response)
    );

    let renewed = manager.refresh().await?;
    println!("renewed: generation {}", renewed.generation());

    manager.logout().await?;
    println!(
        "logged out; simulator saw {} login(s), {} refresh(es), {} logout(s)",
        sim.calls(SimOp::Login),
        sim.calls(SimOp::Refresh),
        sim.calls(SimOp::Logout)
    );
    Ok(())
}
