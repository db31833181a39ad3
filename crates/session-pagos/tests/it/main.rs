//! Integration tests for session-pagos: httpmock servers for exact requests and documented
//! replies, the bundled simulator for stateful flows, and the session-core conformance suite.

mod call;
mod close;
mod conformance;
mod expiry;
mod middleware;
mod open;
mod simulator;
mod support;
mod token;
