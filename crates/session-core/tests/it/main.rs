//! Integration tests of session-core: the manager against a scripted provider and a manual
//! clock, the HTTP rules against loopback servers, the stores, and the conformance suite.

#[cfg(feature = "blocking")]
mod blocking;
mod conformance;
mod freshness;
mod hot_path;
mod http_rules;
mod keep_alive;
mod leaks;
mod manager;
#[cfg(feature = "middleware")]
mod middleware;
mod recover;
mod simkit;
mod store_contract;
mod stores;
mod tls;
mod transport;
