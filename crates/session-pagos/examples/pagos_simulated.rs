//! Opens, uses and closes a dedicated session against the bundled simulator.
//!
//! Run with `cargo run -p session-pagos --example pagos_simulated --features test-util`.
#![allow(clippy::print_stdout)]

use std::sync::Arc;

use session_pagos::{
    ClientCredentials, PagosClient, PagosProvider, PagosSim, SimOp, SystemClock, TokenSource,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = PagosSim::start(Arc::new(SystemClock)).await?;
    let provider = PagosProvider::builder(
        sim.base_url(),
        "a4dcfb4f0464453b928ce1d6bcfb6aa3",
        TokenSource::client_credentials(
            sim.token_url(),
            ClientCredentials::new("sim-client", "sim-client-secret"),
        ),
    )
    .allow_insecure_loopback(true)
    .build()?;
    let client = PagosClient::new(provider);

    let session = client.session().await?;
    println!(
        "opened a dedicated session (token generation {})",
        session.token_generation()
    );
    let reply = client
        .get_result(serde_json::json!({ "Inputs": [], "Outputs": ["Total"] }))
        .await?;
    println!(
        "GetResult: success = {}, session open = {}",
        reply.is_success(),
        reply.body()["SessionOpen"]
    );
    drop(session);
    client.logout().await?;
    println!(
        "closed; the simulator saw {} token, {} open and {} close request(s)",
        sim.calls(SimOp::Token),
        sim.calls(SimOp::Open),
        sim.calls(SimOp::Close)
    );
    Ok(())
}
