//! Integration tests of session-seaware: exact requests against httpmock for both placements,
//! flows against the simulator on a manual clock, leak checks with sentinel secrets, and the
//! session-core conformance suite.

mod configuration;
mod conformance;
mod gateway;
mod leaks;
mod login;
mod logout;
mod middleware;
mod renewal;
mod session_less;
mod simulator;
mod support;
