//! Metrics of a session manager in Prometheus (feature `metrics`): install the exporter once at
//! start-up, and every manager in the process reports logins, renewals, bans and store
//! operations by provider. Runs against the test kit's scripted provider:
//! `cargo run -p session-core --example prometheus --features metrics,test-util`.

use std::io::Write;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;
use session_core::test_util::FakeProvider;
use session_core::{SessionManager, SystemClock};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // In a service: `PrometheusBuilder::new().with_http_listener(([0, 0, 0, 0], 9000)).install()`
    // serves /metrics for Prometheus to scrape. This example renders the same text and exits.
    let handle = PrometheusBuilder::new().install_recorder()?;

    let provider = FakeProvider::new(std::sync::Arc::new(SystemClock), Duration::from_secs(900));
    let manager = SessionManager::builder(provider)
        .account_label("example-bot")
        .build();
    manager.get().await?;
    manager.refresh().await?;
    manager.logout().await?;

    let mut out = std::io::stdout();
    out.write_all(handle.render().as_bytes())?;
    Ok(())
}
