//! Logs in to the William Hill Sessions API sandbox with credentials from the environment,
//! validates the ticket, and logs out. Run by hand only (it talks to the real sandbox):
//!
//! `WH_USERNAME=.. WH_PASSWORD=.. WH_API_KEY=.. WH_API_SECRET=.. cargo run -p session-cas --example cas_live`
//!
//! `WH_BASE_URL` overrides the base URL (default `https://sandbox.whapi.com/v2/sessions`).
#![allow(clippy::print_stdout)]

use session_cas::{ApiKeySecret, CasProvider, SessionManager, UsernamePassword};

fn env(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("set {name}").into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("WH_BASE_URL")
        .unwrap_or_else(|_| "https://sandbox.whapi.com/v2/sessions".to_owned());
    let provider = CasProvider::builder(
        base,
        UsernamePassword::new(env("WH_USERNAME")?, env("WH_PASSWORD")?),
    )
    .api_credentials(ApiKeySecret::new(env("WH_API_KEY")?, env("WH_API_SECRET")?))
    .build()?;
    let manager = SessionManager::new(provider);
    let lease = manager.get().await?;
    println!(
        "logged in; extended: {}, expires at {:?}",
        lease.is_extended(),
        lease.expires_at()
    );
    manager.provider().validate(&lease).await?;
    println!("ticket valid");
    manager.logout().await?;
    println!("logged out");
    Ok(())
}
