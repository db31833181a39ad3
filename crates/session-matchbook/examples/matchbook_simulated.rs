//! Logs in to the bundled simulator, calls an API under `/edge/rest/` with the session, checks
//! (renews) it, survives the simulator ending it, and logs out. Run with
//! `cargo run -p session-matchbook --example matchbook_simulated --features test-util`.
#![allow(clippy::print_stdout)]

use session_core::http::HttpClient;
use session_matchbook::{MatchbookSim, Session, SessionManager, SimOp, is_rejection};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = MatchbookSim::builder()
        .user("alice", "secret007")
        .start()
        .await?;
    let manager = SessionManager::new(sim.provider_builder().build()?);
    let http = HttpClient::builder("example")
        .allow_insecure_loopback(true)
        .build()?;

    for round in 1..=2 {
        let lease = manager.get().await?;
        println!("round {round}: session {lease:?}");
        let url = manager.provider().api_url("account");
        let mut request = http::Request::get(url.as_str()).body(Vec::new())?;
        lease.authenticate(request.headers_mut());
        let response = http.send(request).await?;
        println!("GET /edge/rest/account: HTTP {}", response.status());
        if round == 1 {
            manager.refresh().await?;
            println!("checked: the same session, a new deadline");
            sim.drop_sessions();
            let mut request = http::Request::get(url.as_str()).body(Vec::new())?;
            lease.authenticate(request.headers_mut());
            let response = http.send(request).await?;
            if is_rejection(&response) {
                println!("the simulator ended the session: HTTP 401, invalidated");
                manager.invalidate(&lease);
            }
        }
    }

    manager.logout().await?;
    println!(
        "logged out; simulator saw {} login(s), {} check(s), {} logout(s)",
        sim.calls(SimOp::Login),
        sim.calls(SimOp::Check),
        sim.calls(SimOp::Logout)
    );
    Ok(())
}
