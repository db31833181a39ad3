//! Integration tests of session-betfair: exact requests and every answer against httpmock, the
//! certificate formats and mutual TLS against a loopback TLS server, the simulator, resuming,
//! rejection handling, jurisdictions and the conformance suite.

mod certificates;
mod conformance;
mod interactive;
mod jurisdictions;
mod keep_alive;
mod logout;
mod rejection;
mod resume;
mod sim;
mod support;
