//! The CAS part of the demo: `CasSim` (William Hill flavor) and `CasProvider` under a
//! `SessionManager`.

use std::time::Duration;

use http::Method;
use session_cas::{CasProvider, CasSession, CasSim, Flavor, SimOp};
use session_core::http::{HttpClient, finish, request};
use session_core::{
    Error, ErrorKind, Lease, Session, SessionManager, SessionProvider, UsernamePassword,
};
use url::Url;

use super::{
    Demo, REQUEST_TIMEOUT, Table, expect_count, expect_kind, expect_local_ban, expect_relogin,
    failed,
};
use crate::cas::Cas;
use crate::cli::SimulateArgs;
use crate::cli::cas::CasFlavor;
use crate::registry::Provider;
use crate::simulate::{Simulator, account, unavailable};

const USER: &str = "demo_punter";
const PASSWORD: &str = "demo-password-cas";
const API_KEY: &str = "l7xxDEMOKEY000000000";
const API_SECRET: &str = "DEMOSECRET0000000000";
const SERVICE: &str = "https://sports.example.com/login";

fn new_manager(
    sim: &CasSim,
    password: &str,
    clock: &session_core::test_util::ManualClock,
) -> Result<SessionManager<CasProvider>, String> {
    let provider = sim
        .provider_builder()
        .credentials(UsernamePassword::new(USER, password))
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| failed(&e))?;
    Ok(SessionManager::builder(provider)
        .clock(clock.shared())
        .build())
}

/// Calls the simulator's authenticated resource with the managed ticket; returns the lease used
/// and whether the ticket was accepted.
async fn use_ticket(
    manager: &SessionManager<CasProvider>,
    http: &HttpClient,
    url: &Url,
) -> Result<(Lease<CasSession>, bool), Error> {
    let lease = manager.get().await?;
    let mut builder = request(Method::GET, url);
    if let Some(h) = builder.headers_mut() {
        lease.authenticate(h);
    }
    let response = http.send(finish("cas", builder, Vec::new())?).await?;
    let accepted = response.status().is_success() && !manager.provider().is_rejection(&response);
    Ok((lease, accepted))
}

const SIM_API_KEY: &str = "sim-api-key";
const SIM_API_SECRET: &str = "sim-api-secret";

impl Demo for Cas {
    const TAKES_FLAVOR: bool = true;

    async fn simulate(args: &SimulateArgs) -> Result<Simulator, Error> {
        let flavor = match args.flavor {
            Some(CasFlavor::Apereo) => Flavor::Apereo,
            _ => Flavor::WhApi,
        };
        let default = ("sim_user", "sim-password");
        let (user, pass) = account(Cas::NAME, args.account.as_deref(), default)?;
        let sim = CasSim::builder(flavor)
            .user(&user, &pass)
            .api_credentials(SIM_API_KEY, SIM_API_SECRET)
            .start()
            .await
            .map_err(unavailable(Cas::NAME))?;
        let base = sim.base_url();
        let banner = Simulator::new(sim, base)
            .env("CAS_USERNAME", user)
            .env("CAS_PASSWORD", pass);
        Ok(match flavor {
            Flavor::WhApi => banner
                .env("CAS_API_KEY", SIM_API_KEY)
                .env("CAS_API_SECRET", SIM_API_SECRET),
            _ => banner,
        })
    }

    async fn lifecycle(t: &mut Table) {
        run(t).await;
    }
}

/// Runs CAS's lifecycle.
async fn run(t: &mut Table) {
    let clock = super::clock();
    let sim = match CasSim::builder(Flavor::WhApi)
        .user(USER, PASSWORD)
        .api_credentials(API_KEY, API_SECRET)
        .clock(clock.shared())
        .start()
        .await
    {
        Ok(sim) => sim,
        Err(e) => return super::start_failed(t, e),
    };
    t.detail(format!("William Hill simulator at {}", sim.base_url()));
    let resource = match Url::parse(&sim.resource_url("/accounts/me")) {
        Ok(u) => u,
        Err(e) => return super::start_failed(t, e),
    };
    let (manager, http) = match (
        new_manager(&sim, PASSWORD, &clock),
        super::app_client("cas"),
    ) {
        (Ok(m), Ok(h)) => (m, h),
        (Err(e), _) => return super::start_failed(t, e),
        (_, Err(e)) => return super::start_failed(t, e),
    };

    t.step("login", async {
        let lease = manager.get().await.map_err(|e| failed(&e))?;
        expect_count("logins", sim.calls(SimOp::Login), 1)?;
        let mins = lease
            .expires_at()
            .and_then(|at| at.duration_since(clock.now()).ok())
            .map_or(0, |d| d.as_secs() / 60);
        Ok(format!("ticket-granting ticket, idle timeout {mins} min"))
    })
    .await;

    t.step("use (API with apiTicket)", async {
        let (_, accepted) = use_ticket(&manager, &http, &resource)
            .await
            .map_err(|e| failed(&e))?;
        if accepted {
            Ok("resource answered".to_owned())
        } else {
            Err("the ticket was refused".to_owned())
        }
    })
    .await;

    t.step("use (service ticket)", async {
        let lease = manager.get().await.map_err(|e| failed(&e))?;
        let st = manager
            .provider()
            .service_ticket(&lease, SERVICE)
            .await
            .map_err(|e| failed(&e))?;
        match sim.redeem_service_ticket(st.expose_secret(), SERVICE) {
            Some(user) if user == USER => Ok("one-time ticket redeemed by the service".to_owned()),
            _ => Err("the service could not redeem the ticket".to_owned()),
        }
    })
    .await;

    t.step("renewal (validate)", async {
        clock.advance(Duration::from_secs(60));
        manager.refresh().await.map_err(|e| failed(&e))?;
        expect_count("validations", sim.calls(SimOp::Validate), 1)?;
        expect_count("logins", sim.calls(SimOp::Login), 1)?;
        Ok("ticket validated, idle deadline moved".to_owned())
    })
    .await;

    t.step("rejection → re-login", async {
        sim.revoke_all();
        let call = || use_ticket(&manager, &http, &resource);
        let done = "20511 ticket not found → one login, retried";
        expect_relogin(&manager, call, || sim.calls(SimOp::Login), "ticket", done).await
    })
    .await;

    t.step("logout", async {
        manager.logout().await.map_err(|e| failed(&e))?;
        expect_count("logouts", sim.calls(SimOp::Logout), 1)?;
        if sim.live_tickets() != 0 {
            return Err("a ticket is still alive".to_owned());
        }
        Ok("ticket deleted, none left".to_owned())
    })
    .await;

    t.step("bad password", async {
        let bad = new_manager(&sim, "wrong-password", &clock)?;
        expect_kind(bad.get().await, ErrorKind::InvalidCredentials)
    })
    .await;

    t.step("ban", async {
        let fresh = new_manager(&sim, PASSWORD, &clock)?;
        sim.ban_for(Duration::from_secs(600));
        expect_local_ban(|| fresh.get(), || sim.calls(SimOp::Login), "login").await
    })
    .await;
}
