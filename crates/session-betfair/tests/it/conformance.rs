//! The shared conformance suite, against the simulator: once with interactive login over HTTP,
//! once with certificate login over mutual TLS.

use std::time::Duration;

use async_trait::async_trait;
use session_betfair::{
    BetfairFault, BetfairProvider, BetfairSim, ClientCertificate, SimFault, SimOp,
};
use session_core::test_util::{Fixture, Harness, ManualClock, Op, Scenario, conformance};

use crate::support::*;

#[derive(Clone, Copy)]
enum Kind {
    Interactive,
    Certificate,
}

struct BetfairHarness(Kind);

#[async_trait]
impl Harness for BetfairHarness {
    type Provider = BetfairProvider;

    async fn fixture(&self, scenario: Scenario, clock: ManualClock) -> Fixture<BetfairProvider> {
        let pki = test_pki();
        let builder = BetfairSim::builder()
            .clock(clock.shared())
            .account(USER, PASSWORD)
            .app_key(APP_KEY);
        let sim = match self.0 {
            Kind::Interactive => builder.start().await.unwrap(),
            Kind::Certificate => builder
                .start_with_cert_server(pki.server_config(ClientCertificates::Required))
                .await
                .unwrap(),
        };
        let password = match scenario {
            Scenario::InvalidCredentials => "PW-SENTINEL-7f3a-wrong",
            _ => PASSWORD,
        };
        if scenario == Scenario::RateLimited {
            let op = match self.0 {
                Kind::Interactive => SimOp::Login,
                Kind::Certificate => SimOp::CertLogin,
            };
            sim.fail_next(
                op,
                SimFault::Provider(BetfairFault::login(
                    "FAIL",
                    "TEMPORARY_BAN_TOO_MANY_REQUESTS",
                )),
            );
        }
        let builder = BetfairProvider::builder(APP_KEY)
            .identity_url(sim.identity_url())
            .cert_url(sim.cert_url())
            .add_root_pem(pki.ca_pem.as_bytes())
            .allow_insecure_loopback(true)
            .timeout(Duration::from_secs(10))
            .clock(clock.shared());
        let provider = match self.0 {
            Kind::Interactive => builder.interactive(USER, password),
            Kind::Certificate => builder.certificate(
                USER,
                password,
                ClientCertificate::from_pem(
                    pki.client_cert_pem.as_bytes(),
                    pki.client_key_pem.as_bytes(),
                )
                .unwrap(),
            ),
        }
        .build()
        .unwrap();
        let sim = std::sync::Arc::new(sim);
        let counter = sim.clone();
        let mut secrets = secrets();
        secrets.push(pki.client_key_pem.lines().nth(1).unwrap().to_owned());
        Fixture {
            provider,
            secrets,
            calls: Box::new(move |op| match op {
                Op::Login => counter.logins(),
                Op::Renew => counter.calls(SimOp::KeepAlive),
                Op::Logout => counter.calls(SimOp::Logout),
            }),
            guard: Box::new(sim),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interactive_login_conforms() {
    conformance::run(BetfairHarness(Kind::Interactive)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_login_over_mutual_tls_conforms() {
    conformance::run(BetfairHarness(Kind::Certificate)).await;
}
