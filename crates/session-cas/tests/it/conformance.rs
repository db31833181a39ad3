//! The core conformance suite, against the simulator of each flavor.

use std::time::Duration;

use async_trait::async_trait;
use session_cas::{CasProvider, CasSim, Flavor, SimOp, UsernamePassword};
use session_core::test_util::{Fixture, Harness, ManualClock, Op, Scenario, conformance};

use crate::support::{KEY, PW, SECRET, USER};

struct SimHarness(Flavor);

#[async_trait]
impl Harness for SimHarness {
    type Provider = CasProvider;

    async fn fixture(&self, scenario: Scenario, clock: ManualClock) -> Fixture<CasProvider> {
        let tag = "SIMTAG4c1d";
        let sim = CasSim::builder(self.0)
            .clock(clock.shared())
            .user(USER, PW)
            .api_credentials(KEY, SECRET)
            .ticket_tag(tag)
            .start()
            .await
            .expect("simulator starts");
        let password = match scenario {
            Scenario::InvalidCredentials => "PW-WRONG-SENTINEL-0b9e",
            Scenario::Valid | Scenario::RateLimited => PW,
        };
        if scenario == Scenario::RateLimited {
            sim.ban_for(Duration::from_secs(600));
        }
        let provider = sim
            .provider_builder()
            .credentials(UsernamePassword::new(USER, password))
            .build()
            .expect("valid configuration");
        let sim = std::sync::Arc::new(sim);
        let counter = sim.clone();
        Fixture {
            provider,
            secrets: vec![
                PW.to_owned(),
                "PW-WRONG-SENTINEL-0b9e".to_owned(),
                KEY.to_owned(),
                SECRET.to_owned(),
                tag.to_owned(),
            ],
            calls: Box::new(move |op| match op {
                Op::Login => counter.calls(SimOp::Login),
                Op::Renew => counter.calls(SimOp::Validate) + counter.calls(SimOp::ServiceTicket),
                Op::Logout => counter.calls(SimOp::Logout),
            }),
            guard: Box::new(sim),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_william_hill_flavor_conforms() {
    conformance::run(SimHarness(Flavor::WhApi)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apereo_flavor_conforms() {
    conformance::run(SimHarness(Flavor::Apereo)).await;
}
