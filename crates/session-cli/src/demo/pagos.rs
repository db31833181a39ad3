//! The Pagos part of the demo: `PagosSim` and `PagosProvider` (OAuth client-credentials bearer)
//! under a `PagosClient`'s session manager.

use session_core::{Error, ErrorKind};
use session_pagos::{
    ClientCredentials, PagosClient, PagosProvider, PagosSim, SimFault, SimOp, TokenSource,
};

use super::{Demo, REQUEST_TIMEOUT, Table, expect_count, expect_kind, expect_local_ban, failed};
use crate::cli::SimulateArgs;
use crate::pagos::Pagos;
use crate::registry::Provider;
use crate::simulate::{Simulator, account, unavailable};

/// The application key the simulator knows by default (the vendor sample's).
const APP_KEY: &str = "a4dcfb4f0464453b928ce1d6bcfb6aa3";
const CLIENT_ID: &str = "sim-client";
const CLIENT_SECRET: &str = "sim-client-secret";

fn client(
    sim: &PagosSim,
    secret: &str,
    clock: &session_core::test_util::ManualClock,
) -> Result<PagosClient, String> {
    let provider = PagosProvider::builder(
        sim.base_url(),
        APP_KEY,
        TokenSource::client_credentials(sim.token_url(), ClientCredentials::new(CLIENT_ID, secret)),
    )
    .allow_insecure_loopback(true)
    .clock(clock.shared())
    .timeout(REQUEST_TIMEOUT)
    .build()
    .map_err(|e| failed(&e))?;
    Ok(PagosClient::new(provider))
}

fn get_result_body() -> serde_json::Value {
    serde_json::json!({ "Inputs": [{ "Ref": "Quantity", "Value": [[{ "Value": "3" }]] }], "Outputs": ["Total"] })
}

const SIM_APP: &str = "sim-application-key";
const SIM_TOKEN: &str = "sim-static-token";

impl Demo for Pagos {
    async fn simulate(args: &SimulateArgs) -> Result<Simulator, Error> {
        let default = ("sim-client", "sim-client-secret");
        let (id, secret) = account(Pagos::NAME, args.account.as_deref(), default)?;
        let sim = PagosSim::builder()
            .client(id.clone(), secret.clone())
            .application(SIM_APP)
            .static_token(SIM_TOKEN)
            .start()
            .await
            .map_err(unavailable(Pagos::NAME))?;
        let (base, token_url) = (sim.base_url(), sim.token_url());
        Ok(Simulator::new(sim, base)
            .env("PAGOS_APPLICATION_KEY", SIM_APP)
            .env("PAGOS_TOKEN", SIM_TOKEN)
            .env("PAGOS_CLIENT_ID", id)
            .env("PAGOS_CLIENT_SECRET", secret)
            .url("token_url", token_url))
    }

    async fn lifecycle(t: &mut Table) {
        run(t).await;
    }
}

/// Runs Pagos's lifecycle.
async fn run(t: &mut Table) {
    let clock = super::clock();
    let sim = match PagosSim::builder().clock(clock.shared()).start().await {
        Ok(sim) => sim,
        Err(e) => return super::start_failed(t, e),
    };
    t.detail(format!("simulator at {}", sim.base_url()));
    let pagos = match client(&sim, CLIENT_SECRET, &clock) {
        Ok(c) => c,
        Err(e) => return super::start_failed(t, e),
    };

    t.step("open", async {
        let lease = pagos.session().await.map_err(|e| failed(&e))?;
        expect_count("token requests", sim.calls(SimOp::Token), 1)?;
        expect_count("opens", sim.calls(SimOp::Open), 1)?;
        if !sim.is_open(lease.session_id().expose_secret()) {
            return Err("the simulator has no such session".to_owned());
        }
        Ok("bearer token, then a dedicated SessionId".to_owned())
    })
    .await;

    t.step("use (GetResult)", async {
        let reply = pagos
            .get_result(get_result_body())
            .await
            .map_err(|e| failed(&e))?;
        if reply.is_success() {
            Ok("answered with the SessionId in the body".to_owned())
        } else {
            Err("GetResult failed".to_owned())
        }
    })
    .await;

    t.step("rejection → re-open", async {
        sim.revoke_tokens();
        let tokens = sim.calls(SimOp::Token);
        let opens = sim.calls(SimOp::Open);
        let reply = pagos
            .get_result(get_result_body())
            .await
            .map_err(|e| failed(&e))?;
        if !reply.is_success() {
            return Err("the retried call failed".to_owned());
        }
        expect_count(
            "token requests",
            sim.calls(SimOp::Token),
            tokens.saturating_add(1),
        )?;
        expect_count("opens", sim.calls(SimOp::Open), opens.saturating_add(1))?;
        Ok("InvalidToken → new token and session, retried".to_owned())
    })
    .await;

    t.step("renewal (token refresh)", async {
        let provider = pagos.manager().provider();
        let tokens = sim.calls(SimOp::Token);
        provider
            .token_manager()
            .refresh()
            .await
            .map_err(|e| failed(&e))?;
        expect_count(
            "token requests",
            sim.calls(SimOp::Token),
            tokens.saturating_add(1),
        )?;
        let reply = pagos
            .get_result(get_result_body())
            .await
            .map_err(|e| failed(&e))?;
        if !reply.is_success() {
            return Err("GetResult failed after the refresh".to_owned());
        }
        Ok("new client-credentials token".to_owned())
    })
    .await;

    t.step("close", async {
        let lease = pagos.session().await.map_err(|e| failed(&e))?;
        let id = lease.session_id().expose_secret().to_owned();
        drop(lease);
        pagos.logout().await.map_err(|e| failed(&e))?;
        if sim.is_open(&id) {
            return Err("the session is still open".to_owned());
        }
        Ok("CloseDedicatedSession".to_owned())
    })
    .await;

    t.step("bad password", async {
        let bad = client(&sim, "wrong-secret", &clock)?;
        expect_kind(bad.session().await, ErrorKind::InvalidCredentials)
    })
    .await;

    t.step("ban", async {
        let fresh = client(&sim, CLIENT_SECRET, &clock)?;
        sim.fail_next(
            SimOp::Open,
            SimFault::RateLimited {
                retry_after: Some(std::time::Duration::from_secs(120)),
            },
        );
        expect_local_ban(|| fresh.session(), || sim.calls(SimOp::Open), "open").await
    })
    .await;
}
