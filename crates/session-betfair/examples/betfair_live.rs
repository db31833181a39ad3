//! Logs in to the real Betfair SSO, sends one keepAlive and logs out. Run by hand:
//!
//! ```text
//! BETFAIR_APP_KEY=... BETFAIR_USERNAME=... BETFAIR_PASSWORD=... \
//!   [BETFAIR_JURISDICTION=italy] [BETFAIR_2FA=123456] \
//!   [BETFAIR_CERT=client.crt BETFAIR_KEY=client.key | BETFAIR_CERT=client.p12 BETFAIR_CERT_PASSWORD=...] \
//!   cargo run -p session-betfair --example betfair_live
//! ```
//!
//! With `BETFAIR_CERT` set it uses certificate login, otherwise interactive login. Nothing secret
//! is printed.

use std::io::Write;
use std::path::PathBuf;

use session_betfair::{
    BetfairProvider, ClientCertificate, Jurisdiction, Password, SessionManager, TwoFactorCode,
};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout();
    let (Some(app_key), Some(username), Some(password)) = (
        env("BETFAIR_APP_KEY"),
        env("BETFAIR_USERNAME"),
        env("BETFAIR_PASSWORD"),
    ) else {
        writeln!(
            out,
            "set BETFAIR_APP_KEY, BETFAIR_USERNAME and BETFAIR_PASSWORD (see the file's docs)"
        )?;
        return Ok(());
    };
    let jurisdiction: Jurisdiction = env("BETFAIR_JURISDICTION")
        .as_deref()
        .unwrap_or("global")
        .parse()?;
    let mut builder = BetfairProvider::builder(app_key).jurisdiction(jurisdiction);
    builder = match env("BETFAIR_CERT") {
        Some(cert) => {
            let key = env("BETFAIR_KEY").map(PathBuf::from);
            let cert_password = env("BETFAIR_CERT_PASSWORD").map(Password::new);
            let cert = ClientCertificate::from_path(&cert, key.as_deref(), cert_password.as_ref())?;
            builder.certificate(username, Password::new(password), cert)
        }
        None => builder.interactive(username, Password::new(password)),
    };
    if let Some(code) = env("BETFAIR_2FA") {
        builder = builder.two_factor_code(TwoFactorCode::new(code));
    }
    let manager = SessionManager::new(builder.build()?);
    let lease = manager.get().await?;
    writeln!(
        out,
        "logged in ({:?}, {}), limited access: {:?}",
        lease.method(),
        lease.jurisdiction(),
        lease.limited_access()
    )?;
    manager.refresh().await?;
    writeln!(out, "keepAlive ok")?;
    manager.logout().await?;
    writeln!(out, "logged out")?;
    Ok(())
}
