//! Runs the whole session lifecycle against the simulator: log in through the manager, mint and
//! redeem a service ticket, see a revoked ticket rejected and replaced, and log out.
//!
//! `cargo run -p session-cas --example cas_simulated --features test-util`
#![allow(clippy::print_stdout)]

use session_cas::{CasSim, ErrorKind, Flavor, SessionManager, SimOp, UsernamePassword};

const TARGET: &str = "https://sports.williamhill.com/betting";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    for flavor in [Flavor::WhApi, Flavor::Apereo] {
        let sim = CasSim::builder(flavor)
            .user("punter_01", "hunter22")
            .start()
            .await?;
        let provider = sim
            .provider_builder()
            .credentials(UsernamePassword::new("punter_01", "hunter22"))
            .build()?;
        println!("{flavor}: simulator at {}", sim.base_url());
        let manager = SessionManager::new(provider);

        let lease = manager.get().await?;
        println!("  logged in; session expires at {:?}", lease.expires_at());

        let st = manager.provider().service_ticket(&lease, TARGET).await?;
        let user = sim.redeem_service_ticket(st.expose_secret(), TARGET);
        println!(
            "  service ticket redeemed for {user:?}; a second redemption gives {:?}",
            sim.redeem_service_ticket(st.expose_secret(), TARGET)
        );

        sim.revoke_all();
        match manager.provider().service_ticket(&lease, TARGET).await {
            Err(e) if e.kind() == ErrorKind::SessionRejected => {
                println!("  revoked ticket rejected: {e}");
                manager.invalidate(&lease);
            }
            other => println!("  unexpected: {other:?}"),
        }
        let fresh = manager.get().await?;
        println!(
            "  logged in again (generation {} -> {})",
            lease.generation(),
            fresh.generation()
        );
        manager.provider().validate(&fresh).await?;
        manager.logout().await?;
        println!(
            "  logged out; requests: {} logins, {} validations, {} service tickets, {} logouts",
            sim.calls(SimOp::Login),
            sim.calls(SimOp::Validate),
            sim.calls(SimOp::ServiceTicket),
            sim.calls(SimOp::Logout)
        );
    }
    Ok(())
}
