//! A whole session against the bundled simulator, no network or account needed:
//! `cargo run -p session-betfair --example betfair_simulated`.

use std::io::Write;

use session_betfair::{BetfairProvider, BetfairSim, Event, SessionManager, is_session_rejection};
use session_core::http::HttpClient;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout();
    let sim = BetfairSim::builder()
        .account("alice", "correct horse battery staple")
        .start()
        .await?;
    let provider = BetfairProvider::builder("DEMO-APP-KEY")
        .interactive("alice", "correct horse battery staple")
        .identity_url(sim.identity_url())
        .allow_insecure_loopback(true)
        .build()?;
    let manager = SessionManager::new(provider);
    let mut events = manager.subscribe();

    let lease = manager.get().await?;
    writeln!(out, "logged in: generation {}", lease.generation())?;

    // An API call with the session; the simulator then forgets it, as if it had expired.
    let http = HttpClient::builder("demo")
        .allow_insecure_loopback(true)
        .build()?;
    let call = |lease: &session_betfair::Lease<session_betfair::BetfairSession>| {
        let mut req = http::Request::post(sim.json_rpc_url())
            .body(
                br#"{"jsonrpc":"2.0","method":"AccountAPING/v1.0/getAccountDetails","id":1}"#
                    .to_vec(),
            )
            .expect("valid request");
        session_betfair::Session::authenticate(&**lease, req.headers_mut());
        http.send(req)
    };
    sim.expire_all_sessions();
    if is_session_rejection(&call(&lease).await?) {
        writeln!(out, "session rejected: invalidating and retrying once")?;
        manager.invalidate(&lease);
        let lease = manager.get().await?;
        let retried = call(&lease).await?;
        writeln!(
            out,
            "retry with generation {}: rejected = {}",
            lease.generation(),
            is_session_rejection(&retried)
        )?;
    }
    manager.refresh().await?;
    manager.logout().await?;
    while let Ok(event) = events.try_recv() {
        if !matches!(event, Event::RenewFailed { .. }) {
            writeln!(out, "event: {event:?}")?;
        }
    }
    writeln!(
        out,
        "requests seen by the simulator: {:?}",
        sim.requests().len()
    )?;
    Ok(())
}
