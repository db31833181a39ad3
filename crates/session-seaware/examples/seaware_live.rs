//! A live check against a real Seaware deployment, run by hand:
//!
//! ```text
//! SEAWARE_BASE_URL=https://bookings-dev.example.com SEAWARE_USERNAME=JAMES SEAWARE_PASSWORD=... \
//!   cargo run -p session-seaware --example seaware_live
//! ```
//!
//! Optional: `SEAWARE_CLIENT_ID`, `SEAWARE_CLIENT_SECRET`, `SEAWARE_SCOPE` (default
//! `travelagent`), `SEAWARE_PLACEMENT=form` (default query). It logs in, sends `OTA_PingRQ` with the
//! session, and logs out. Nothing secret is printed.
#![allow(clippy::print_stdout)]

use session_core::http::HttpClient;
use session_seaware::{
    Placement, SeawareProvider, SessionManager, SessionProvider, TRAVELAGENT, authorize,
};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Some(base), Some(user), Some(password)) = (
        env("SEAWARE_BASE_URL"),
        env("SEAWARE_USERNAME"),
        env("SEAWARE_PASSWORD"),
    ) else {
        println!("set SEAWARE_BASE_URL, SEAWARE_USERNAME and SEAWARE_PASSWORD");
        return Ok(());
    };
    let mut builder = SeawareProvider::builder(base)
        .credentials(user, password)
        .scope(env("SEAWARE_SCOPE").unwrap_or_else(|| TRAVELAGENT.to_owned()));
    if let Some(id) = env("SEAWARE_CLIENT_ID") {
        builder = builder.client_id(id);
    }
    if let Some(secret) = env("SEAWARE_CLIENT_SECRET") {
        builder = builder.client_secret(secret);
    }
    if env("SEAWARE_PLACEMENT").as_deref() == Some("form") {
        builder = builder.placement(Placement::Form);
    }
    let manager = SessionManager::new(builder.build()?);

    let mut headers = http::HeaderMap::new();
    let lease = authorize(&manager, &mut headers).await?;
    println!("logged in, expires at {:?}", lease.expires_at());
    let url = manager.provider().rest_url("OTA_PingRQ");
    let body = r#"<OTA_PingRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="1.0"><EchoData>ping</EchoData></OTA_PingRQ>"#;
    let mut request = http::Request::post(url.as_str())
        .header("content-type", "application/xml")
        .header("accept", "application/xml")
        .body(body.as_bytes().to_vec())?;
    request.headers_mut().extend(headers);
    let response = HttpClient::builder("seaware-live")
        .build()?
        .send(request)
        .await?;
    println!(
        "OTA_PingRQ: HTTP {}, session rejected: {}",
        response.status(),
        manager.provider().is_rejection(&response)
    );
    manager.logout().await?;
    println!("logged out");
    Ok(())
}
