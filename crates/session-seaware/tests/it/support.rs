//! Shared fixtures: sentinel secrets, a simulator on a manual clock, and providers pointed at it
//! or at an httpmock server.

use std::time::Duration;

use session_core::http::HttpClient;
use session_core::test_util::ManualClock;
use session_seaware::{
    HttpResponse, Lease, SIM_TOKEN_PREFIX, SeawareBuilder, SeawareProvider, SeawareSession,
    SeawareSim, SessionManager, authorize,
};

/// The Seaware user.
pub(crate) const USER: &str = "JAMES";
/// A sentinel password: it must never show up anywhere but on the wire.
pub(crate) const PASSWORD: &str = "PW-SENTINEL-7f3a";
/// A sentinel client secret.
pub(crate) const CLIENT_SECRET: &str = "CS-SENTINEL-91c2";
/// A sentinel access token for httpmock answers.
pub(crate) const TOKEN: &str = "AT-SENTINEL-5E1D";
/// A second sentinel token.
pub(crate) const TOKEN2: &str = "AT-SENTINEL-77B0";
/// A sentinel refresh token.
pub(crate) const REFRESH: &str = "RT-SENTINEL-0C4E";

/// Every secret the tests use.
pub(crate) fn secrets() -> Vec<String> {
    [
        PASSWORD,
        CLIENT_SECRET,
        TOKEN,
        TOKEN2,
        REFRESH,
        SIM_TOKEN_PREFIX,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// The documented token response with sentinel tokens.
pub(crate) fn token_body(access: &str, refresh: &str, expires_in: u64) -> String {
    format!(
        r#"{{"access_token":"{access}","token_type":"bearer","refresh_token":"{refresh}","expires_in":{expires_in},"scope":"travelagent"}}"#
    )
}

/// A simulator with the sentinel user and client secret on `clock`.
pub(crate) async fn sim(clock: &ManualClock) -> SeawareSim {
    sim_with(clock, |b| b).await
}

/// A simulator configured further by `f`.
pub(crate) async fn sim_with(
    clock: &ManualClock,
    f: impl FnOnce(session_seaware::SeawareSimBuilder) -> session_seaware::SeawareSimBuilder,
) -> SeawareSim {
    f(SeawareSim::builder()
        .user(USER, PASSWORD)
        .client("ota", CLIENT_SECRET)
        .clock(clock.shared()))
    .start()
    .await
    .unwrap()
}

/// A provider builder pointed at `sim` with the sentinel credentials, no jitter.
pub(crate) fn sim_provider(sim: &SeawareSim, clock: &ManualClock) -> SeawareBuilder {
    sim.provider_builder()
        .credentials(USER, PASSWORD)
        .clock(clock.shared())
        .renew_jitter(Duration::ZERO)
}

/// A provider builder pointed at an httpmock server.
pub(crate) fn mock_provider(server: &httpmock::MockServer, clock: &ManualClock) -> SeawareBuilder {
    SeawareProvider::builder(server.base_url())
        .allow_insecure_loopback(true)
        .credentials(USER, PASSWORD)
        .client_secret(CLIENT_SECRET)
        .clock(clock.shared())
        .renew_jitter(Duration::ZERO)
}

/// A manager on `clock`.
pub(crate) fn manager(
    provider: SeawareProvider,
    clock: &ManualClock,
) -> SessionManager<SeawareProvider> {
    SessionManager::builder(provider)
        .clock(clock.shared())
        .build()
}

/// Sends `OTA_PingRQ` with the managed session, as an application would.
pub(crate) async fn ping(
    manager: &SessionManager<SeawareProvider>,
) -> (Lease<SeawareSession>, HttpResponse) {
    let mut headers = http::HeaderMap::new();
    let lease = authorize(manager, &mut headers).await.unwrap();
    let url = manager.provider().rest_url("OTA_PingRQ");
    let mut request = http::Request::post(url.as_str())
        .header("content-type", "application/xml")
        .body(b"<OTA_PingRQ><EchoData>hi</EchoData></OTA_PingRQ>".to_vec())
        .unwrap();
    request.headers_mut().extend(headers);
    let http = HttpClient::builder("seaware-test")
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    (lease, http.send(request).await.unwrap())
}

/// How far `clock` must move to reach `t`.
pub(crate) fn until(clock: &ManualClock, t: std::time::SystemTime) -> Duration {
    t.duration_since(clock.now()).unwrap_or(Duration::ZERO)
}
