//! Test kit (feature `test-util`): a manual clock, a loopback simulator server, a scripted
//! provider, a leak harness and the provider conformance suite.

mod clock;
mod server;

pub use clock::ManualClock;
pub use server::{SimRequest, SimResponse, SimServer};
