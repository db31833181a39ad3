//! The session-core conformance suite against the simulator, with refresh and login-only renewal
//! and both placements.

use std::time::Duration;

use async_trait::async_trait;
use session_core::test_util::{Fixture, Harness, ManualClock, Op, Scenario, conformance};
use session_seaware::{Placement, RenewalMode, SeawareProvider, SimFault, SimOp};

use crate::support::*;

struct SimHarness {
    renewal: RenewalMode,
    placement: Placement,
}

#[async_trait]
impl Harness for SimHarness {
    type Provider = SeawareProvider;

    async fn fixture(&self, scenario: Scenario, clock: ManualClock) -> Fixture<SeawareProvider> {
        let sim = sim(&clock).await;
        let mut builder = sim_provider(&sim, &clock)
            .renewal(self.renewal)
            .placement(self.placement);
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
                Op::Renew => counter.calls(SimOp::Refresh),
                Op::Logout => counter.calls(SimOp::Logout),
            }),
            guard: Box::new(sim),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conforms_with_refresh_and_query_parameters() {
    conformance::run(SimHarness {
        renewal: RenewalMode::RefreshThenLogin,
        placement: Placement::Query,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conforms_with_login_only_and_a_form_body() {
    conformance::run(SimHarness {
        renewal: RenewalMode::LoginOnly,
        placement: Placement::Form,
    })
    .await;
}
