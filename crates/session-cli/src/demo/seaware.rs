//! The Seaware part of the demo: `SeawareSim` and `SeawareProvider` under a `SessionManager`.

use std::time::Duration;

use http::Method;
use http::header::CONTENT_TYPE;
use session_core::http::{HttpClient, finish, request};
use session_core::{Error, ErrorKind, Lease, SessionManager, SessionProvider};
use session_seaware::{SeawareProvider, SeawareSession, SeawareSim, SimFault, SimOp, authorize};

use super::{
    Demo, REQUEST_TIMEOUT, Table, expect_count, expect_kind, expect_local_ban, expect_relogin,
    failed,
};
use crate::cli::SimulateArgs;
use crate::registry::Provider;
use crate::seaware::Seaware;
use crate::simulate::{Simulator, account, unavailable};

const USER: &str = "DEMO_AGENT";
const PASSWORD: &str = "demo-password-5ea";

/// Sends `OTA_PingRQ` with the managed session; returns the lease used and whether Seaware
/// accepted the session.
async fn ping(
    manager: &SessionManager<SeawareProvider>,
    http: &HttpClient,
) -> Result<(Lease<SeawareSession>, bool), Error> {
    let mut headers = http::HeaderMap::new();
    let lease = authorize(manager, &mut headers).await?;
    let provider = manager.provider();
    let mut builder = request(Method::POST, &provider.rest_url("OTA_PingRQ"))
        .header(CONTENT_TYPE, "application/xml");
    if let Some(h) = builder.headers_mut() {
        h.extend(headers);
    }
    let body = b"<OTA_PingRQ Version=\"1.0\"><EchoData>demo</EchoData></OTA_PingRQ>".to_vec();
    let response = http.send(finish("seaware", builder, body)?).await?;
    let accepted = response.status().is_success() && !provider.is_rejection(&response);
    Ok((lease, accepted))
}

fn new_manager(
    sim: &SeawareSim,
    password: &str,
    clock: &session_core::test_util::ManualClock,
) -> Result<SessionManager<SeawareProvider>, Error> {
    let provider = sim
        .provider_builder()
        .credentials(USER, password)
        .clock(clock.shared())
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    Ok(SessionManager::builder(provider)
        .clock(clock.shared())
        .build())
}

impl Demo for Seaware {
    async fn simulate(args: &SimulateArgs) -> Result<Simulator, Error> {
        let default = ("sim_agent", "sim-password");
        let (user, pass) = account(Seaware::NAME, args.account.as_deref(), default)?;
        let sim = SeawareSim::builder()
            .user(user.clone(), pass.clone())
            .start()
            .await
            .map_err(unavailable(Seaware::NAME))?;
        let base = sim.base_url();
        Ok(Simulator::new(sim, base)
            .env("SEAWARE_USERNAME", user)
            .env("SEAWARE_PASSWORD", pass)
            .env("SEAWARE_CLIENT_ID", session_seaware::DEFAULT_CLIENT_ID)
            .env(
                "SEAWARE_CLIENT_SECRET",
                session_seaware::DEFAULT_CLIENT_SECRET,
            ))
    }

    async fn lifecycle(t: &mut Table) {
        run(t).await;
    }
}

/// Runs Seaware's lifecycle.
async fn run(t: &mut Table) {
    let clock = super::clock();
    let sim = match SeawareSim::builder()
        .user(USER, PASSWORD)
        .sessions_required(true)
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
        super::app_client("seaware"),
    ) {
        (Ok(m), Ok(h)) => (m, h),
        (Err(e), _) | (_, Err(e)) => return super::start_failed(t, e),
    };

    t.step("login", async {
        let lease = manager.get().await.map_err(|e| failed(&e))?;
        expect_count("token (password grant)", sim.calls(SimOp::Login), 1)?;
        let secs = lease
            .expires_at()
            .and_then(|at| at.duration_since(clock.now()).ok())
            .map_or(0, |d| d.as_secs());
        Ok(format!("bearer token for {secs} s"))
    })
    .await;

    t.step("use (OTA_PingRQ)", async {
        let (_, accepted) = ping(&manager, &http).await.map_err(|e| failed(&e))?;
        if accepted {
            Ok("message accepted with the bearer".to_owned())
        } else {
            Err("the session was refused".to_owned())
        }
    })
    .await;

    t.step("renewal (refresh)", async {
        manager.refresh().await.map_err(|e| failed(&e))?;
        expect_count("refresh grants", sim.calls(SimOp::Refresh), 1)?;
        expect_count("logins", sim.calls(SimOp::Login), 1)?;
        Ok("refresh_token grant, new access token".to_owned())
    })
    .await;

    t.step("rejection → re-login", async {
        sim.drop_sessions();
        let call = || ping(&manager, &http);
        let done = "401 invalid_token → one login, retried";
        expect_relogin(&manager, call, || sim.calls(SimOp::Login), "session", done).await
    })
    .await;

    t.step("logout", async {
        manager.logout().await.map_err(|e| failed(&e))?;
        expect_count("logouts", sim.calls(SimOp::Logout), 1)?;
        if sim.active_sessions() != 0 {
            return Err("a session is still active".to_owned());
        }
        Ok("/ota/oauth/logout, no session left".to_owned())
    })
    .await;

    t.step("bad password", async {
        let bad = manager_or(&sim, "wrong-password", &clock)?;
        expect_kind(bad.get().await, ErrorKind::InvalidCredentials)
    })
    .await;

    t.step("ban", async {
        let fresh = manager_or(&sim, PASSWORD, &clock)?;
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

fn manager_or(
    sim: &SeawareSim,
    password: &str,
    clock: &session_core::test_util::ManualClock,
) -> Result<SessionManager<SeawareProvider>, String> {
    new_manager(sim, password, clock).map_err(|e| failed(&e))
}
