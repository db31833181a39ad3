//! Integration tests of session-betfair: exact requests and every answer against httpmock, the
//! certificate formats and mutual TLS against a loopback TLS server, the simulator, resuming,
//! rejection handling, jurisdictions and the conformance suite; the Accounts API vendor services
//! (exact requests against httpmock, both documented processes and the web-app OAuth session
//! against the simulator).

mod certificates;
mod conformance;
mod interactive;
mod jurisdictions;
mod keep_alive;
mod logout;
mod middleware;
mod rejection;
mod resume;
mod simulator;
mod support;
mod vendor_http;
mod vendor_processes;
mod vendor_webapp;
