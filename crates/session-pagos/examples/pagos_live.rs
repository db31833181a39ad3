//! Opens a dedicated session on a real SpreadsheetWEB server, calls `GetResult` once, and closes
//! the session. Run by hand; credentials come from the environment:
//!
//! ```text
//! PAGOS_BASE_URL=https://calc.example.com PAGOS_APPLICATION_KEY=... \
//! PAGOS_TOKEN_URL=https://calc.example.com/token PAGOS_CLIENT_ID=... PAGOS_CLIENT_SECRET=... \
//!   cargo run -p session-pagos --example pagos_live
//! ```
//!
//! Set `PAGOS_TOKEN` instead of the three client-credentials variables to use a pre-issued token.
#![allow(clippy::print_stdout)]

use session_pagos::{
    AccessToken, ClientCredentials, ClientSecret, PagosClient, PagosFailure, PagosProvider,
    TokenSource,
};

fn var(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = match std::env::var("PAGOS_TOKEN") {
        Ok(token) => TokenSource::fixed(AccessToken::new(token)),
        Err(_) => TokenSource::client_credentials(
            var("PAGOS_TOKEN_URL")?,
            ClientCredentials::new(
                var("PAGOS_CLIENT_ID")?,
                ClientSecret::new(var("PAGOS_CLIENT_SECRET")?),
            ),
        ),
    };
    let provider = PagosProvider::builder(
        var("PAGOS_BASE_URL")?,
        session_pagos::AppKey::new(var("PAGOS_APPLICATION_KEY")?),
        token,
    )
    .build()?;
    let client = PagosClient::new(provider);
    match client
        .get_result(serde_json::json!({ "Inputs": [], "Outputs": [] }))
        .await
    {
        Ok(reply) => println!(
            "GetResult: success = {}, {} message(s)",
            reply.is_success(),
            reply.messages().len()
        ),
        Err(e) => {
            // The error's Display never holds upstream text; the messages are opt-in.
            println!("failed: {e}");
            if let Some(failure) = PagosFailure::of(&e) {
                println!("pagos said: {:?}", failure.messages());
            }
        }
    }
    client.logout().await?;
    println!("closed");
    Ok(())
}
