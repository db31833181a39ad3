//! The conformance suite run against the scripted provider (the suite's own self-test).

use std::time::Duration;

use async_trait::async_trait;
use session_core::ErrorKind;
use session_core::test_util::{
    FakeProvider, FakeRenewal, Fixture, Harness, ManualClock, Op, Scenario, conformance,
};

struct FakeHarness(FakeRenewal);

#[async_trait]
impl Harness for FakeHarness {
    type Provider = FakeProvider;

    async fn fixture(&self, scenario: Scenario, clock: ManualClock) -> Fixture<FakeProvider> {
        let provider =
            FakeProvider::new(clock.shared(), Duration::from_secs(900)).with_renewal(self.0);
        match scenario {
            Scenario::Valid => {}
            Scenario::InvalidCredentials => {
                provider.fail_logins(100, ErrorKind::InvalidCredentials, None)
            }
            Scenario::RateLimited => {
                provider.fail_logins(1, ErrorKind::RateLimited, Some(Duration::from_secs(1200)))
            }
        }
        let counter = provider.clone();
        Fixture {
            provider,
            secrets: (1..10).map(|n| format!("FAKE-TOKEN-{n}")).collect(),
            calls: Box::new(move |op| match op {
                Op::Login => counter.logins(),
                Op::Renew => counter.renewals(),
                Op::Logout => counter.logouts(),
            }),
            guard: Box::new(()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scripted_provider_conforms_without_renewal() {
    conformance::run(FakeHarness(FakeRenewal::Unsupported)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scripted_provider_conforms_with_extension() {
    conformance::run(FakeHarness(FakeRenewal::Extend)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scripted_provider_conforms_with_new_tokens() {
    conformance::run(FakeHarness(FakeRenewal::NewToken)).await;
}
