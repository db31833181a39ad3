//! Test kit (feature `test-util`): a manual clock, a loopback simulator server (HTTP or TLS) with
//! a throwaway PKI, a scripted provider, a leak harness, the provider conformance suite and the store conformance
//! suite ([`store_conformance`]).

mod clock;
pub mod conformance;
mod fake;
mod leak;
mod pki;
mod server;
pub mod store_conformance;

pub use clock::ManualClock;
pub use conformance::{Fixture, Harness, Op, Scenario};
pub use fake::{FakeProvider, FakeRenewal, FakeSession};
pub use leak::{
    ClosedSpan, LogCapture, assert_debug_clean, assert_error_clean, assert_no_secret, capture_logs,
    captured_spans,
};
pub use pki::{ClientCertificates, TestPki};
pub use server::{SimRequest, SimResponse, SimServer};
pub use store_conformance::StoreFixture;

/// A plain `reqwest::Client` for tests that exercise the middleware with a caller's own client.
///
/// This workspace builds `reqwest` without a bundled crypto provider (session-core gives its own
/// clients an explicit `ring` configuration), so `reqwest::Client::new()` needs a process-wide
/// default; this installs `ring` as that default if none is installed yet, then builds the client.
/// Applications that enable `reqwest`'s default `rustls` feature need none of this.
pub fn reqwest_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
