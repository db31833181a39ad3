//! Shared fixtures: the vendor's documented samples, the test client's credentials, providers
//! against httpmock servers and the simulator, and a wait for background work.

use std::sync::Arc;
use std::time::Duration;

use session_core::test_util::ManualClock;
use session_pagos::{AccessToken, PagosBuilder, PagosProvider, PagosSim, TokenSource};

/// The application key of the vendor's sample.
pub(crate) const APP: &str = "a4dcfb4f0464453b928ce1d6bcfb6aa3";
/// The bearer token of the vendor's sample.
pub(crate) const DOC_TOKEN: &str = "Do3l_2l3uLdmYX76u-BufLzuuhFPOE-nRZDyU0adiFk1";
/// The session id of the vendor's success sample.
pub(crate) const DOC_SESSION: &str = "25eae3ae-755e-4b3c-aa48-d7f096f6a2a7";

/// The documented success reply.
pub(crate) const SUCCESS: &str = r#"{
       "SessionId": "25eae3ae-755e-4b3c-aa48-d7f096f6a2a7",
       "Success": true,
       "Messages": []
}"#;

/// Documented failure, example 1.
pub(crate) const FAILURE_TOKEN: &str = r#"{
       "SessionId": "00000000-0000-0000-0000-000000000000",
       "Success": false,
       "InvalidToken": true,
       "Messages": [
             "The requested resource is restricted and your request did not provide a valid token."
       ]
}"#;

/// Documented failure, example 2.
pub(crate) const FAILURE_APP: &str = r#"{
       "SessionId": "00000000-0000-0000-0000-000000000000",
       "Success": false,
       "InvalidToken": false,
       "Messages": [
             "The requested application is invalid."
       ]
}"#;

/// The sim's client credentials in these tests.
pub(crate) const CLIENT_ID: &str = "it-client";
pub(crate) const CLIENT_SECRET: &str = "CS-SENTINEL-it-51c2";

/// A provider with a fixed token against `base`, close-on-drop off (so httpmock sees only the
/// requests a test makes).
pub(crate) fn fixed_provider(base: &str, token: &str) -> PagosProvider {
    PagosProvider::builder(base, APP, TokenSource::fixed(AccessToken::new(token)))
        .allow_insecure_loopback(true)
        .close_on_drop(None)
        .build()
        .expect("valid config")
}

/// A simulator knowing [`APP`] and the test client, on `clock`.
pub(crate) async fn start_sim(clock: &ManualClock) -> PagosSim {
    PagosSim::builder()
        .clock(clock.shared())
        .client(CLIENT_ID, CLIENT_SECRET)
        .application(APP)
        .start()
        .await
        .expect("simulator starts")
}

/// A client-credentials configuration against `sim` (the simulator's own
/// [`provider_builder`](PagosSim::provider_builder)), on `clock`.
pub(crate) fn sim_config(sim: &PagosSim, clock: &ManualClock) -> PagosBuilder {
    sim.provider_builder().clock(clock.shared())
}

/// Waits (without sleeping on a timer) until `check` holds, for background work such as
/// close-on-drop; gives up after ten seconds of wall time.
pub(crate) async fn eventually(check: impl Fn() -> bool) -> bool {
    let wait = async {
        while !check() {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .is_ok()
}

/// An `Arc`'d clone of a manual clock, as `PagosBuilder::clock` wants it.
pub(crate) fn shared(clock: &ManualClock) -> Arc<dyn session_pagos::Clock> {
    clock.shared()
}
