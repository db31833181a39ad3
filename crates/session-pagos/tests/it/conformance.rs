//! The session-core provider conformance suite, against the simulator, plus leak checks of this
//! crate's own types.

use async_trait::async_trait;
use session_core::test_util::{
    Fixture, Harness, ManualClock, Op, Scenario, assert_debug_clean, assert_error_clean,
    conformance,
};
use session_pagos::{
    ClientCredentials, PagosClient, PagosFault, PagosProvider, PagosSim, SimFault, SimOp,
    TokenSource,
};

const CLIENT: &str = "conformance-client";
const SECRET: &str = "CS-SENTINEL-conf-7f3a";
const APP_KEY: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";
const UNKNOWN_APP_KEY: &str = "deadbeefdeadbeefdeadbeefdeadbeef";
const TOKEN_PREFIX: &str = "AT-SENTINEL-conf-e91b-";
const SESSION_SEED: u32 = 0xc0f5_e55d;

struct PagosHarness;

#[async_trait]
impl Harness for PagosHarness {
    type Provider = PagosProvider;

    async fn fixture(&self, scenario: Scenario, clock: ManualClock) -> Fixture<PagosProvider> {
        let sim = PagosSim::builder()
            .clock(clock.shared())
            .client(CLIENT, SECRET)
            .application(APP_KEY)
            .token_prefix(TOKEN_PREFIX)
            .session_id_seed(SESSION_SEED)
            .start()
            .await
            .expect("simulator starts");
        let app_key = match scenario {
            // The documented "The requested application is invalid." refusal.
            Scenario::InvalidCredentials => UNKNOWN_APP_KEY,
            Scenario::RateLimited => {
                sim.fail_next(
                    SimOp::Open,
                    SimFault::RateLimited {
                        retry_after: Some(std::time::Duration::from_secs(30)),
                    },
                );
                APP_KEY
            }
            _ => APP_KEY,
        };
        let provider = PagosProvider::builder(
            sim.base_url(),
            app_key,
            TokenSource::client_credentials(
                sim.token_url(),
                ClientCredentials::new(CLIENT, SECRET),
            ),
        )
        .allow_insecure_loopback(true)
        .clock(clock.shared())
        .build()
        .expect("valid config");
        let counted = sim.clone();
        Fixture {
            provider,
            secrets: vec![
                SECRET.to_owned(),
                APP_KEY.to_owned(),
                UNKNOWN_APP_KEY.to_owned(),
                TOKEN_PREFIX.to_owned(),
                sim.session_id_prefix(),
            ],
            calls: Box::new(move |op| match op {
                Op::Login => counted.calls(SimOp::Open),
                // A dedicated session is not renewed in place; a due one is replaced by a new open.
                Op::Renew => 0,
                Op::Logout => counted.calls(SimOp::Close),
            }),
            guard: Box::new(sim),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_suite() {
    conformance::run(PagosHarness).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_this_crate_prints_shows_a_secret() {
    let logs = session_core::test_util::capture_logs();
    let clock = ManualClock::new();
    let Fixture {
        provider,
        secrets,
        guard,
        ..
    } = PagosHarness.fixture(Scenario::Valid, clock.clone()).await;
    let sim = guard.downcast_ref::<PagosSim>().unwrap().clone();
    let client = PagosClient::new(provider.clone());
    let lease = client.session().await.unwrap();
    let reply = client.get_result(serde_json::json!({})).await.unwrap();
    let config = PagosProvider::builder(
        sim.base_url(),
        APP_KEY,
        TokenSource::client_credentials(sim.token_url(), ClientCredentials::new(CLIENT, SECRET)),
    );
    let token = provider.token_manager().get().await.unwrap();
    let shown: [&dyn std::fmt::Debug; 8] = [
        &provider, &client, &lease, &*lease, &reply, &config, &*token, &sim,
    ];
    for value in shown {
        assert_debug_clean(value, &secrets);
    }
    let fixed = TokenSource::fixed(session_pagos::AccessToken::new(TOKEN_PREFIX));
    assert_debug_clean(&fixed, &secrets);

    sim.fail_next(
        SimOp::GetResult,
        SimFault::Provider(PagosFault::InvalidToken),
    );
    sim.fail_next(
        SimOp::GetResult,
        SimFault::Provider(PagosFault::InvalidToken),
    );
    let e = client.get_result(serde_json::json!({})).await.unwrap_err();
    assert_error_clean(&e, &secrets);
    client.logout().await.unwrap();
    logs.assert_clean(&secrets);
}
