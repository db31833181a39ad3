//! The documented process "Subscribing a Customer", end to end against the bundled simulator:
//! `cargo run -p session-betfair --example vendor_subscribe`.
//!
//! 1–4. The vendor's server creates a 365-day subscription token with its own session and app key.
//! 5.   The token reaches the customer's copy of the app (by e-mail, or tied to their login).
//! 6–7. The app logs the customer in interactively with the vendor's app key; before activation
//!      Betfair answers `PENDING_AUTH` with a session that can only activate.
//! 8.   The app activates the token with the customer's session, then logs in again.
//!
//! Against Betfair itself, drop the simulator and the `identity_url` / `api_url` /
//! `allow_insecure_loopback` lines; everything else stays the same.

use std::io::Write;

use session_betfair::{
    AccountsClient, BetfairProvider, BetfairSim, CustomerLogin, SessionManager, SimVendorApp,
    SubscriptionToken, SubscriptionTokenRequest,
};

/// Steps 1–4, on the vendor's server: a 365-day token for one purchase.
async fn vendor_server_sells_a_subscription(
    accounts: &AccountsClient,
    vendor: &SessionManager<BetfairProvider>,
    order: &str,
) -> session_betfair::Result<SubscriptionToken> {
    accounts
        .get_application_subscription_token(
            vendor,
            &SubscriptionTokenRequest::new()
                .length_days(365)
                .client_reference(order),
        )
        .await
}

/// Steps 6–8, in the customer's app: log in, activate if Betfair asks for it, log in again.
async fn customer_app_activates(
    accounts: &AccountsClient,
    customer: &BetfairProvider,
    token: &SubscriptionToken,
    out: &mut impl Write,
) -> Result<(), Box<dyn std::error::Error>> {
    match customer.customer_login().await? {
        CustomerLogin::PendingActivation(session) => {
            writeln!(
                out,
                "customer login: PENDING_AUTH, activating the subscription"
            )?;
            let status = accounts
                .activate_application_subscription(&session, token)
                .await?;
            writeln!(out, "activation: {status}")?;
            let again = customer.customer_login().await?;
            writeln!(
                out,
                "customer login after activation: pending = {}",
                again.is_pending_activation()
            )?;
        }
        CustomerLogin::Active(_) => writeln!(out, "customer login: already subscribed")?,
        other => writeln!(out, "customer login: {}", other.is_pending_activation())?,
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout();
    let sim = BetfairSim::builder()
        .account("acme-vendor", "vendor password")
        .account("ann", "customer password")
        .vendor_app(SimVendorApp::new("ACME-APP-KEY", "acme-vendor").name("Acme Trader"))
        .start()
        .await?;
    let accounts = AccountsClient::builder()
        .api_url(sim.api_url())
        .allow_insecure_loopback(true)
        .build()?;

    // The vendor's own session, shared by everything on the vendor's server.
    let vendor = SessionManager::new(
        BetfairProvider::builder("ACME-APP-KEY")
            .interactive("acme-vendor", "vendor password")
            .identity_url(sim.identity_url())
            .allow_insecure_loopback(true)
            .build()?,
    );
    let token = vendor_server_sells_a_subscription(&accounts, &vendor, "order-42").await?;
    writeln!(out, "vendor created a 365-day subscription token")?;

    // The customer's app logs in with the vendor's app key.
    let customer = BetfairProvider::builder("ACME-APP-KEY")
        .interactive("ann", "customer password")
        .identity_url(sim.identity_url())
        .allow_insecure_loopback(true)
        .build()?;
    customer_app_activates(&accounts, &customer, &token, &mut out).await?;

    let activated = accounts
        .list_application_subscription_tokens(&vendor, None)
        .await?;
    for sub in &activated {
        writeln!(
            out,
            "vendor sees: status {:?}, expires {:?}, vendor client id {:?}, reference {:?}",
            sub.subscription_status,
            sub.expiry_date_time,
            sub.vendor_client_id,
            sub.client_reference
        )?;
    }
    Ok(())
}
