//! The session-core conformance suite against the simulator.

use std::time::Duration;

use async_trait::async_trait;
use session_core::test_util::{Fixture, Harness, ManualClock, Op, Scenario, conformance};
use session_matchbook::{MatchbookProvider, SimFault, SimOp};

use crate::support::*;

struct SimHarness;

#[async_trait]
impl Harness for SimHarness {
    type Provider = MatchbookProvider;

    async fn fixture(&self, scenario: Scenario, clock: ManualClock) -> Fixture<MatchbookProvider> {
        let sim = sim(&clock).await;
        let mut builder = sim_provider(&sim, &clock);
        match scenario {
            Scenario::Valid => {}
            Scenario::InvalidCredentials => {
                builder = builder.credentials(USER, "PW-SENTINEL-wrong")
            }
            Scenario::RateLimited => sim.fail_next(
                SimOp::Login,
                SimFault::RateLimited {
                    retry_after: Some(Duration::from_secs(1200)),
                },
            ),
        }
        let provider = builder.build().unwrap();
        let sim = std::sync::Arc::new(sim);
        let counter = sim.clone();
        let mut secrets = secrets();
        secrets.push("PW-SENTINEL-wrong".into());
        Fixture {
            provider,
            secrets,
            calls: Box::new(move |op| match op {
                Op::Login => counter.calls(SimOp::Login),
                Op::Renew => counter.calls(SimOp::Check),
                Op::Logout => counter.calls(SimOp::Logout),
            }),
            guard: Box::new(sim),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conforms() {
    conformance::run(SimHarness).await;
}
