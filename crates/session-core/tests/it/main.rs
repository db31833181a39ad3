//! Integration tests of session-core: the manager against a scripted provider and a manual
//! clock, the HTTP rules against loopback servers, the stores, and the conformance suite.

mod blocking;
mod conformance;
mod freshness;
mod http_rules;
mod keep_alive;
mod leaks;
mod manager;
mod middleware;
mod store_contract;
mod stores;
