//! Shared fixtures: sentinel secrets, a simulator on a manual clock, and providers pointed at it
//! or at an httpmock server.

use std::time::Duration;

use session_core::http::HttpClient;
use session_core::test_util::ManualClock;
use session_matchbook::{
    HttpResponse, Lease, MatchbookBuilder, MatchbookProvider, MatchbookSession, MatchbookSim,
    MatchbookSimBuilder, SIM_TOKEN_PREFIX, Session, SessionManager,
};

/// The Matchbook user.
pub(crate) const USER: &str = "alice";
/// A sentinel password: it must never show up anywhere but on the wire.
pub(crate) const PASSWORD: &str = "PW-SENTINEL-4b1d";
/// The MFA user.
pub(crate) const MFA_USER: &str = "bob";
/// A sentinel MFA code.
pub(crate) const MFA_CODE: &str = "MFA-SENTINEL-9173";
/// A sentinel session token for httpmock answers.
pub(crate) const TOKEN: &str = "ST-SENTINEL-0a9e";

/// Every secret the tests use.
pub(crate) fn secrets() -> Vec<String> {
    [PASSWORD, MFA_CODE, TOKEN, SIM_TOKEN_PREFIX]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// A simulator with the sentinel users on `clock`, configured further by `f`.
pub(crate) async fn sim_with(
    clock: &ManualClock,
    f: impl FnOnce(MatchbookSimBuilder) -> MatchbookSimBuilder,
) -> MatchbookSim {
    f(MatchbookSim::builder()
        .user(USER, PASSWORD)
        .mfa_user(MFA_USER, PASSWORD, MFA_CODE)
        .clock(clock.shared()))
    .start()
    .await
    .unwrap()
}

/// A simulator with the sentinel users.
pub(crate) async fn sim(clock: &ManualClock) -> MatchbookSim {
    sim_with(clock, |b| b).await
}

/// A provider builder pointed at `sim` with the sentinel credentials, no jitter.
pub(crate) fn sim_provider(sim: &MatchbookSim, clock: &ManualClock) -> MatchbookBuilder {
    sim.provider_builder()
        .clock(clock.shared())
        .renew_jitter(Duration::ZERO)
}

/// A provider builder pointed at an httpmock server.
pub(crate) fn mock_provider(
    server: &httpmock::MockServer,
    clock: &ManualClock,
) -> MatchbookBuilder {
    MatchbookProvider::builder(server.base_url())
        .allow_insecure_loopback(true)
        .credentials(USER, PASSWORD)
        .clock(clock.shared())
        .renew_jitter(Duration::ZERO)
}

/// A manager on `clock`.
pub(crate) fn manager(
    provider: MatchbookProvider,
    clock: &ManualClock,
) -> SessionManager<MatchbookProvider> {
    SessionManager::builder(provider)
        .clock(clock.shared())
        .build()
}

/// `GET {base}/edge/rest/account` with the managed session, as an application would.
pub(crate) async fn account(
    manager: &SessionManager<MatchbookProvider>,
) -> (Lease<MatchbookSession>, HttpResponse) {
    let lease = manager.get().await.unwrap();
    let url = manager.provider().api_url("account");
    let mut request = http::Request::get(url.as_str()).body(Vec::new()).unwrap();
    lease.authenticate(request.headers_mut());
    let http = HttpClient::builder("matchbook-test")
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    (lease, http.send(request).await.unwrap())
}
