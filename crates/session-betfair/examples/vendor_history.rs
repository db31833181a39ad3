//! The documented process "Checking a Customer's Subscription History", client side and server
//! side, against the bundled simulator: `cargo run -p session-betfair --example vendor_history`.
//!
//! Client side: the app logs the customer in and calls `getApplicationSubscriptionHistory` with
//! the customer's session and the vendor's app key **in the body** (no `X-Application` header).
//! Server side: the app gets the customer's `vendorClientId` and sends it to the vendor's server,
//! which calls `getApplicationSubscriptionHistory` with the vendor's session and app key.
//! An empty list means the customer never subscribed.

use std::io::Write;

use session_betfair::{
    AccountsClient, BetfairProvider, BetfairSim, SessionManager, SimVendorApp, SubscriptionHistory,
    SubscriptionHistoryQuery, SubscriptionStatus, SubscriptionTokenRequest,
};

/// What the history says about the customer.
fn summary(history: &[SubscriptionHistory]) -> &'static str {
    if history.is_empty() {
        return "entirely new (no subscription history)";
    }
    let has = |s: SubscriptionStatus| {
        history
            .iter()
            .any(|h| h.subscription_status == Some(s.clone()))
    };
    if has(SubscriptionStatus::Activated) {
        "an active subscription"
    } else if has(SubscriptionStatus::Expired) {
        "an expired subscription"
    } else if has(SubscriptionStatus::Cancelled) {
        "a cancelled subscription"
    } else {
        "a subscription not activated yet"
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout();
    let sim = BetfairSim::builder()
        .account("acme-vendor", "vendor password")
        .account("ann", "customer password")
        .vendor_app(SimVendorApp::new("ACME-APP-KEY", "acme-vendor"))
        .start()
        .await?;
    let accounts = AccountsClient::builder()
        .api_url(sim.api_url())
        .allow_insecure_loopback(true)
        .build()?;
    let vendor = SessionManager::new(
        BetfairProvider::builder("ACME-APP-KEY")
            .interactive("acme-vendor", "vendor password")
            .identity_url(sim.identity_url())
            .allow_insecure_loopback(true)
            .build()?,
    );
    let customer = SessionManager::new(
        BetfairProvider::builder("ACME-APP-KEY")
            .interactive("ann", "customer password")
            .identity_url(sim.identity_url())
            .allow_insecure_loopback(true)
            .build()?,
    );

    // Client side, steps 1–4.
    let history = accounts
        .get_application_subscription_history(
            &customer,
            &SubscriptionHistoryQuery::customer("ACME-APP-KEY"),
        )
        .await?;
    writeln!(out, "client side: the customer is {}", summary(&history))?;

    // Server side, steps 3–7: the app fetches the vendor client id and hands it to the server.
    let vendor_client_id = accounts.get_vendor_client_id(&customer).await?;
    let history = accounts
        .get_application_subscription_history(
            &vendor,
            &SubscriptionHistoryQuery::vendor(vendor_client_id.clone()),
        )
        .await?;
    writeln!(
        out,
        "server side (vendor client id {vendor_client_id}): the customer is {}",
        summary(&history)
    )?;

    // The customer subscribes; both sides now see it.
    let token = accounts
        .get_application_subscription_token(
            &vendor,
            &SubscriptionTokenRequest::new().length_days(30),
        )
        .await?;
    accounts
        .activate_application_subscription(&customer, &token)
        .await?;
    let history = accounts
        .get_application_subscription_history(
            &vendor,
            &SubscriptionHistoryQuery::vendor(vendor_client_id),
        )
        .await?;
    writeln!(
        out,
        "after subscribing: the customer has {}",
        summary(&history)
    )?;
    Ok(())
}
