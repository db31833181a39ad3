//! The Betfair part of the demo: `BetfairSim` and `BetfairProvider` under a `SessionManager`.

use http::Method;
use http::header::CONTENT_TYPE;
use session_betfair::{BetfairFault, BetfairProvider, BetfairSession, BetfairSim, SimFault, SimOp};
use session_core::http::{HttpClient, finish, request};
use session_core::{Error, ErrorKind, Lease, Session, SessionManager, SessionProvider};
use url::Url;

use super::{
    Demo, REQUEST_TIMEOUT, Table, expect_count, expect_kind, expect_local_ban, expect_relogin,
    failed,
};
use crate::betfair::Betfair;
use crate::cli::SimulateArgs;
use crate::registry::Provider;
use crate::simulate::{Simulator, account};

const APP_KEY: &str = "demo-app-key";
const USER: &str = "demo_punter";
const PASSWORD: &str = "demo-password-bf";

fn new_manager(
    sim: &BetfairSim,
    password: &str,
    clock: &session_core::test_util::ManualClock,
) -> Result<SessionManager<BetfairProvider>, String> {
    let provider = BetfairProvider::builder(APP_KEY)
        .interactive(USER, password)
        .identity_url(sim.identity_url())
        .allow_insecure_loopback(true)
        .clock(clock.shared())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| failed(&e))?;
    Ok(SessionManager::builder(provider)
        .clock(clock.shared())
        .build())
}

/// Calls the Accounts API stand-in with the managed session; returns the lease used and whether
/// Betfair accepted the session.
async fn account_call(
    manager: &SessionManager<BetfairProvider>,
    http: &HttpClient,
    url: &Url,
) -> Result<(Lease<BetfairSession>, bool), Error> {
    let lease = manager.get().await?;
    let mut builder = request(Method::POST, url).header(CONTENT_TYPE, "application/json");
    if let Some(h) = builder.headers_mut() {
        lease.authenticate(h);
    }
    let body =
        br#"{"jsonrpc":"2.0","method":"AccountAPING/v1.0/getAccountDetails","params":{},"id":1}"#;
    let response = http
        .send(finish("betfair", builder, body.to_vec())?)
        .await?;
    let accepted = response.status().is_success() && !manager.provider().is_rejection(&response);
    Ok((lease, accepted))
}

const SIM_APP_KEY: &str = "sim-app-key";

impl Demo for Betfair {
    async fn simulate(args: &SimulateArgs) -> Result<Simulator, Error> {
        let default = ("sim_user", "sim-password");
        let (user, pass) = account(Betfair::NAME, args.account.as_deref(), default)?;
        let sim = BetfairSim::builder()
            .account(&user, &pass)
            .app_key(SIM_APP_KEY)
            .start()
            .await?;
        let base = sim.api_url().trim_end_matches('/').to_owned();
        let identity = sim.identity_url();
        Ok(Simulator::new(sim, base)
            .env("BETFAIR_APP_KEY", SIM_APP_KEY)
            .env("BETFAIR_USERNAME", user)
            .env("BETFAIR_PASSWORD", pass)
            .url("identity_url", identity))
    }

    async fn lifecycle(t: &mut Table) {
        run(t).await;
    }
}

/// Runs Betfair's lifecycle.
async fn run(t: &mut Table) {
    let clock = super::clock();
    let sim = match BetfairSim::builder()
        .account(USER, PASSWORD)
        .clock(clock.shared())
        .start()
        .await
    {
        Ok(sim) => sim,
        Err(e) => return super::start_failed(t, e),
    };
    t.detail(format!("simulator at {}", sim.identity_url()));
    let api = match Url::parse(&sim.json_rpc_url()) {
        Ok(u) => u,
        Err(e) => return super::start_failed(t, e),
    };
    let (manager, http) = match (
        new_manager(&sim, PASSWORD, &clock),
        super::app_client("betfair"),
    ) {
        (Ok(m), Ok(h)) => (m, h),
        (Err(e), _) => return super::start_failed(t, e),
        (_, Err(e)) => return super::start_failed(t, e),
    };

    t.step("login (interactive)", async {
        let lease = manager.get().await.map_err(|e| failed(&e))?;
        expect_count("logins", sim.logins(), 1)?;
        let hours = lease
            .expires_at()
            .and_then(|at| at.duration_since(clock.now()).ok())
            .map_or(0, |d| d.as_secs() / 3600);
        Ok(format!("SSO token for {hours} h"))
    })
    .await;

    t.step("use (Accounts API)", async {
        let (_, accepted) = account_call(&manager, &http, &api)
            .await
            .map_err(|e| failed(&e))?;
        if accepted {
            Ok("getAccountDetails answered".to_owned())
        } else {
            Err("the session was refused".to_owned())
        }
    })
    .await;

    t.step("renewal (keepAlive)", async {
        manager.refresh().await.map_err(|e| failed(&e))?;
        expect_count("keepAlives", sim.calls(SimOp::KeepAlive), 1)?;
        expect_count("logins", sim.logins(), 1)?;
        Ok("keepAlive extended the same session".to_owned())
    })
    .await;

    t.step("rejection → re-login", async {
        sim.expire_all_sessions();
        let call = || account_call(&manager, &http, &api);
        let done = "INVALID_SESSION_INFORMATION → one login, retried";
        expect_relogin(&manager, call, || sim.logins(), "session", done).await
    })
    .await;

    t.step("logout", async {
        manager.logout().await.map_err(|e| failed(&e))?;
        expect_count("logouts", sim.calls(SimOp::Logout), 1)?;
        if sim.active_sessions() != 0 {
            return Err("a session is still active".to_owned());
        }
        Ok("/api/logout, no session left".to_owned())
    })
    .await;

    t.step("bad password", async {
        let bad = new_manager(&sim, "wrong-password", &clock)?;
        expect_kind(bad.get().await, ErrorKind::InvalidCredentials)
    })
    .await;

    t.step("ban", async {
        let fresh = new_manager(&sim, PASSWORD, &clock)?;
        sim.fail_next(
            SimOp::Login,
            SimFault::Provider(BetfairFault::login(
                "FAIL",
                "TEMPORARY_BAN_TOO_MANY_REQUESTS",
            )),
        );
        expect_local_ban(|| fresh.get(), || sim.logins(), "login").await
    })
    .await;
}
