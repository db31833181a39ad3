//! Test kit (feature `test-util`): a manual clock, a loopback simulator server, a scripted
//! provider, a leak harness and the provider conformance suite.

mod clock;
pub mod conformance;
mod fake;
mod leak;
mod server;

pub use clock::ManualClock;
pub use conformance::{Fixture, Harness, Op, Scenario};
pub use fake::{FakeProvider, FakeRenewal, FakeSession};
pub use leak::{
    LogCapture, assert_debug_clean, assert_error_clean, assert_no_secret, capture_logs,
};
pub use server::{SimRequest, SimResponse, SimServer};
