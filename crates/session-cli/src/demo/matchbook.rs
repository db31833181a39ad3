//! The Matchbook part of the demo: `MatchbookSim` and `MatchbookProvider` under a
//! `SessionManager`.

use std::time::Duration;

use http::Method;
use session_core::http::{HttpClient, finish, request};
use session_core::{Error, ErrorKind, Lease, Session, SessionManager, SessionProvider};
use session_matchbook::{MatchbookProvider, MatchbookSession, MatchbookSim, SimFault, SimOp};

use super::{
    Demo, REQUEST_TIMEOUT, Table, expect_count, expect_kind, expect_local_ban, expect_relogin,
    failed,
};
use crate::cli::SimulateArgs;
use crate::matchbook::Matchbook;
use crate::registry::Provider;
use crate::simulate::{Simulator, account, unavailable};

const USER: &str = "demo_bettor";
const PASSWORD: &str = "demo-password-mb";

/// `GET /edge/rest/account` with the managed session; returns the lease used and whether
/// Matchbook accepted the session.
async fn account_call(
    manager: &SessionManager<MatchbookProvider>,
    http: &HttpClient,
) -> Result<(Lease<MatchbookSession>, bool), Error> {
    let lease = manager.get().await?;
    let provider = manager.provider();
    let mut builder = request(Method::GET, &provider.api_url("account"));
    if let Some(headers) = builder.headers_mut() {
        lease.authenticate(headers);
    }
    let response = http.send(finish("matchbook", builder, Vec::new())?).await?;
    let accepted = response.status().is_success() && !provider.is_rejection(&response);
    Ok((lease, accepted))
}

fn new_manager(
    sim: &MatchbookSim,
    password: &str,
    clock: &session_core::test_util::ManualClock,
) -> Result<SessionManager<MatchbookProvider>, String> {
    let provider = sim
        .provider_builder()
        .credentials(USER, password)
        .clock(clock.shared())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| failed(&e))?;
    Ok(SessionManager::builder(provider)
        .clock(clock.shared())
        .build())
}

impl Demo for Matchbook {
    async fn simulate(args: &SimulateArgs) -> Result<Simulator, Error> {
        let default = ("sim_bettor", "sim-password");
        let (user, pass) = account(Matchbook::NAME, args.account.as_deref(), default)?;
        let sim = MatchbookSim::builder()
            .user(user.clone(), pass.clone())
            .start()
            .await
            .map_err(unavailable(Matchbook::NAME))?;
        let base = sim.base_url();
        Ok(Simulator::new(sim, base)
            .env("MATCHBOOK_USERNAME", user)
            .env("MATCHBOOK_PASSWORD", pass))
    }

    async fn lifecycle(t: &mut Table) {
        let clock = super::clock();
        let sim = match MatchbookSim::builder()
            .user(USER, PASSWORD)
            .clock(clock.shared())
            .start()
            .await
        {
            Ok(sim) => sim,
            Err(e) => return super::start_failed(t, e),
        };
        t.detail(format!("simulator at {}", sim.base_url()));
        let (manager, http) = match (
            new_manager(&sim, PASSWORD, &clock),
            super::app_client("matchbook"),
        ) {
            (Ok(m), Ok(h)) => (m, h),
            (Err(e), _) => return super::start_failed(t, e),
            (_, Err(e)) => return super::start_failed(t, e),
        };
        steps(t, &sim, &manager, &http, &clock).await;
    }
}

/// Runs Matchbook's lifecycle.
async fn steps(
    t: &mut Table,
    sim: &MatchbookSim,
    manager: &SessionManager<MatchbookProvider>,
    http: &HttpClient,
    clock: &session_core::test_util::ManualClock,
) {
    t.step("login", async {
        let lease = manager.get().await.map_err(|e| failed(&e))?;
        expect_count("logins", sim.calls(SimOp::Login), 1)?;
        let secs = lease
            .expires_at()
            .and_then(|at| at.duration_since(clock.now()).ok())
            .map_or(0, |d| d.as_secs());
        Ok(format!("session-token for {secs} s (assumed)"))
    })
    .await;

    t.step("use (GET account)", async {
        let (_, accepted) = account_call(manager, http).await.map_err(|e| failed(&e))?;
        if accepted {
            Ok("request accepted with the session-token header".to_owned())
        } else {
            Err("the session was refused".to_owned())
        }
    })
    .await;

    t.step("renewal (GET check)", async {
        manager.refresh().await.map_err(|e| failed(&e))?;
        expect_count("checks", sim.calls(SimOp::Check), 1)?;
        expect_count("logins", sim.calls(SimOp::Login), 1)?;
        Ok("same token, new deadline".to_owned())
    })
    .await;

    t.step("rejection → re-login", async {
        sim.drop_sessions();
        let call = || account_call(manager, http);
        let done = "401 → one login, retried";
        expect_relogin(manager, call, || sim.calls(SimOp::Login), "session", done).await
    })
    .await;

    t.step("logout", async {
        manager.logout().await.map_err(|e| failed(&e))?;
        expect_count("logouts", sim.calls(SimOp::Logout), 1)?;
        if sim.active_sessions() != 0 {
            return Err("a session is still active".to_owned());
        }
        Ok("DELETE security/session, no session left".to_owned())
    })
    .await;

    t.step("bad password", async {
        let bad = new_manager(sim, "wrong-password", clock)?;
        expect_kind(bad.get().await, ErrorKind::InvalidCredentials)
    })
    .await;

    t.step("ban", async {
        let fresh = new_manager(sim, PASSWORD, clock)?;
        sim.fail_next(
            SimOp::Login,
            SimFault::RateLimited {
                retry_after: Some(Duration::from_secs(120)),
            },
        );
        expect_local_ban(|| fresh.get(), || sim.calls(SimOp::Login), "login").await
    })
    .await;
}
