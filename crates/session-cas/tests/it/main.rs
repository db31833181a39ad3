//! Integration tests: httpmock servers for exact requests and every documented response, the
//! simulator for stateful flows, and the core conformance suite for both flavors.

mod apereo;
mod conformance;
mod leaks;
mod lifetime;
mod middleware;
mod simulator;
mod support;
mod wh_login;
mod wh_tickets;
