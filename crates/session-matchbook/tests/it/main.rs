//! Integration tests of session-matchbook: exact requests against httpmock, flows against the
//! simulator on a manual clock, leak checks with sentinel secrets, the middleware, and the
//! session-core conformance suite.

mod conformance;
mod flows;
mod leaks;
mod middleware;
mod requests;
mod simulator;
mod support;
