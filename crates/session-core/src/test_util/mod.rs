//! Test kit (feature `test-util`): a manual clock, a loopback simulator server (HTTP or TLS) with
//! a throwaway PKI, the simulator kit every provider's simulator is built on (a [`Ledger`] of
//! counts, scripted [`SimFault`]s and recorded requests), a scripted provider, a leak harness, the
//! provider conformance suite and the store conformance suite ([`store_conformance`]).
//!
//! Every provider crate's simulator (feature `test-util`) has the same surface: `calls(op)`,
//! `fail_next(op, fault)` with a `SimFault<ProviderFault>`, `requests()` and
//! `provider_builder()`.

mod clock;
pub mod conformance;
mod fake;
mod fault;
mod leak;
mod ledger;
mod pki;
mod server;
pub mod store_conformance;

pub use clock::ManualClock;
pub use conformance::{Fixture, Harness, Op, Scenario};
pub use fake::{FakeProvider, FakeRenewal, FakeSession};
pub use fault::{NoFault, SimFault, retry_after_secs};
pub use leak::{
    LogCapture, RecordedSpan, assert_debug_clean, assert_error_clean, assert_no_secret,
    capture_logs, captured_spans,
};
pub use ledger::{DEFAULT_LOG_CAPACITY, Ledger, SimRecord};
pub use pki::{ClientCertificates, TestPki, openssl, write_certificate_fixtures};
pub use server::{SimRequest, SimResponse, SimServer};

/// The TLS server configuration a simulator serves with (see [`TestPki::server_config`]).
pub use rustls::ServerConfig as TlsServerConfig;
pub use store_conformance::StoreFixture;

#[cfg(not(any(feature = "rustls", feature = "rustls-ring")))]
compile_error!(
    "the test kit's TLS server uses rustls: enable `rustls` or `rustls-ring` with `test-util`"
);

/// A plain `reqwest::Client` (redirects not followed, no proxy) for tests that exercise the
/// middleware with a caller's own client. Its TLS uses the default [`TlsBackend`] with an
/// explicit provider; no process-wide default provider is installed.
///
/// [`TlsBackend`]: crate::http::TlsBackend
pub fn reqwest_client() -> reqwest::Client {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    crate::tls::configure(
        "test",
        builder,
        crate::http::TlsBackend::preferred().expect("test-util has a rustls backend"),
        Vec::new(),
        None,
    )
    .and_then(|b| {
        b.build()
            .map_err(|_| crate::Error::configuration("test", "http client setup failed"))
    })
    .expect("a reqwest client")
}
