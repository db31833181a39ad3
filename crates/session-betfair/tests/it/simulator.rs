//! The simulator itself: expiry on the injected clock, keepAlive extension, the login rate limit
//! and ban, two-factor accounts, scripted answers and counters.

use std::time::Duration;

use session_betfair::{
    BetfairFault, BetfairProvider, BetfairSim, ErrorKind, Renewal, SessionManager, SessionProvider,
    SimFault, SimOp, TwoFactorCode,
};
use session_core::test_util::ManualClock;

use crate::support::*;

async fn start(clock: &ManualClock) -> BetfairSim {
    BetfairSim::builder()
        .clock(clock.shared())
        .account(USER, PASSWORD)
        .app_key(APP_KEY)
        .lifetime(Duration::from_secs(1200))
        .start()
        .await
        .unwrap()
}

fn provider(sim: &BetfairSim, clock: &ManualClock) -> BetfairProvider {
    interactive(&sim.identity_url(), clock)
        .session_lifetime(Duration::from_secs(1200))
        .build()
        .unwrap()
}

#[tokio::test]
async fn sessions_expire_on_the_clock_unless_kept_alive() {
    let clock = ManualClock::new();
    let sim = start(&clock).await;
    let p = provider(&sim, &clock);
    let s = p.login().await.unwrap();
    assert!(sim.is_live(s.token()));
    clock.advance(Duration::from_secs(1000));
    assert!(matches!(p.renew(&s).await.unwrap(), Renewal::Extended(_)));
    clock.advance(Duration::from_secs(1000));
    assert!(sim.is_live(s.token()), "the keepAlive extended it");
    clock.advance(Duration::from_secs(201));
    assert!(!sim.is_live(s.token()));
    assert_eq!(
        p.renew(&s).await.unwrap_err().kind(),
        ErrorKind::SessionRejected
    );
    assert_eq!(sim.active_sessions(), 0);
}

#[tokio::test]
async fn the_hundred_and_first_login_in_a_minute_starts_a_twenty_minute_ban() {
    let clock = ManualClock::new();
    let sim = start(&clock).await;
    let p = provider(&sim, &clock);
    let first = p.login().await.unwrap();
    for _ in 1..100 {
        p.login().await.unwrap();
    }
    let e = p.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.code(), Some("TEMPORARY_BAN_TOO_MANY_REQUESTS"));
    assert!(sim.banned_until(USER).is_some());
    assert_eq!(sim.logins(), 101);

    // Existing sessions stay valid.
    assert!(matches!(
        p.renew(&first).await.unwrap(),
        Renewal::Extended(_)
    ));

    // A fresh provider (no local memory of the ban) is refused by the server for 20 minutes.
    let other = provider(&sim, &clock);
    clock.advance(Duration::from_secs(19 * 60));
    assert_eq!(
        other.login().await.unwrap_err().kind(),
        ErrorKind::RateLimited
    );
    // The first provider refuses locally.
    assert_eq!(p.login().await.unwrap_err().kind(), ErrorKind::RateLimited);
    assert_eq!(sim.logins(), 102);
    clock.advance(Duration::from_secs(61));
    p.login().await.unwrap();
    assert_eq!(sim.logins(), 103);
}

#[tokio::test]
async fn logins_spread_over_minutes_are_not_banned() {
    let clock = ManualClock::new();
    let sim = BetfairSim::builder()
        .clock(clock.shared())
        .account(USER, PASSWORD)
        .login_limit(3, Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let p = provider(&sim, &clock);
    for _ in 0..6 {
        p.login().await.unwrap();
        clock.advance(Duration::from_secs(21));
    }
    assert_eq!(sim.successful_logins(), 6);
}

#[tokio::test]
async fn two_factor_accounts_need_the_code_on_interactive_login() {
    let clock = ManualClock::new();
    let sim = BetfairSim::builder()
        .clock(clock.shared())
        .account_with_two_factor(USER, PASSWORD, "424242")
        .start()
        .await
        .unwrap();
    let without = interactive(&sim.identity_url(), &clock).build().unwrap();
    let e = without.login().await.unwrap_err();
    assert_eq!(e.code(), Some("STRONG_AUTH_CODE_REQUIRED"));
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    let with = interactive(&sim.identity_url(), &clock)
        .two_factor_code(TwoFactorCode::new("424242"))
        .build()
        .unwrap();
    with.login().await.unwrap();
    let wrong = interactive(&sim.identity_url(), &clock)
        .two_factor_code(TwoFactorCode::new("000000"))
        .build()
        .unwrap();
    assert_eq!(
        wrong.login().await.unwrap_err().kind(),
        ErrorKind::InvalidCredentials
    );
}

#[tokio::test]
async fn scripted_answers_come_first_and_in_order() {
    let clock = ManualClock::new();
    let sim = start(&clock).await;
    let p = provider(&sim, &clock);
    sim.fail_next(
        SimOp::Login,
        SimFault::Provider(BetfairFault::login("LIMITED_ACCESS", "KYC_SUSPEND")),
    );
    sim.fail_next(
        SimOp::Login,
        SimFault::Provider(BetfairFault::login(
            "LOGIN_RESTRICTED",
            "SPANISH_TERMS_ACCEPTANCE_REQUIRED",
        )),
    );
    sim.fail_next(
        SimOp::Login,
        SimFault::Provider(BetfairFault::login(
            "FAIL",
            "INVALID_CONNECTIVITY_TO_REGULATOR_IT",
        )),
    );
    let s = p.login().await.unwrap();
    assert_eq!(s.limited_access(), Some("KYC_SUSPEND"));
    assert!(sim.is_live(s.token()));
    let e = p.login().await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (
            ErrorKind::AccountRestricted,
            Some("SPANISH_TERMS_ACCEPTANCE_REQUIRED")
        )
    );
    let e = p.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    p.login().await.unwrap();

    sim.fail_next(
        SimOp::KeepAlive,
        SimFault::Provider(BetfairFault::error("INTERNAL_ERROR")),
    );
    assert_eq!(
        p.renew(&s).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    p.renew(&s).await.unwrap();
    sim.fail_next(
        SimOp::Logout,
        SimFault::Provider(BetfairFault::error("INTERNAL_ERROR")),
    );
    assert_eq!(
        p.logout(&s).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    p.logout(&s).await.unwrap();
    assert!(!sim.is_live(s.token()));
    assert_eq!(
        (
            sim.logins(),
            sim.calls(SimOp::Login),
            sim.successful_logins(),
            sim.calls(SimOp::KeepAlive),
            sim.calls(SimOp::Logout)
        ),
        (4, 4, 2, 2, 2)
    );
}

#[tokio::test]
async fn a_wrong_app_key_is_an_input_validation_error() {
    let clock = ManualClock::new();
    let sim = start(&clock).await;
    let p = BetfairProvider::builder("SOME-OTHER-KEY")
        .interactive(USER, PASSWORD)
        .identity_url(sim.identity_url())
        .allow_insecure_loopback(true)
        .clock(clock.shared())
        .build()
        .unwrap();
    let e = p.login().await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("INPUT_VALIDATION_ERROR"))
    );
}

#[tokio::test]
async fn a_manager_on_the_simulator_renews_before_expiry_and_relogs_after() {
    let clock = ManualClock::new();
    let sim = start(&clock).await;
    let manager = SessionManager::builder(provider(&sim, &clock))
        .clock(clock.shared())
        .build();
    let first = manager.get().await.unwrap();
    clock.advance(Duration::from_secs(721));
    let renewed = manager.get().await.unwrap();
    assert_eq!(renewed.generation(), first.generation());
    assert_eq!(sim.calls(SimOp::KeepAlive), 1);
    clock.advance(Duration::from_secs(1201));
    let after = manager.get().await.unwrap();
    assert!(after.generation() > first.generation());
    assert_eq!(sim.logins(), 2);
}

#[tokio::test]
async fn keep_alive_and_logout_answers_echo_the_token_and_a_rotated_token_is_adopted() {
    let clock = ManualClock::new();
    let sim = start(&clock).await;
    let manager = SessionManager::builder(provider(&sim, &clock))
        .clock(clock.shared())
        .build();
    let first = manager.get().await.unwrap();
    let old = first.token().clone();
    // The raw answers carry the session token, as Betfair's recorded answers do.
    let http = post_identity(&sim, "keepAlive", old.expose_secret()).await;
    assert_eq!(http["token"], old.expose_secret());
    assert_eq!(http["status"], "SUCCESS");

    sim.rotate_token_on_keep_alive();
    let renewed = manager.refresh().await.unwrap();
    assert_ne!(renewed.token().expose_secret(), old.expose_secret());
    assert!(sim.is_live(renewed.token()));
    assert!(
        !sim.is_live(&old),
        "the simulator stopped accepting the old token"
    );
    assert_eq!(sim.logins(), 1, "adopted without a new login");
    assert_eq!(
        manager.get().await.unwrap().token().expose_secret(),
        renewed.token().expose_secret()
    );

    let token = renewed.token().expose_secret().to_owned();
    let answer = post_identity(&sim, "logout", &token).await;
    assert_eq!(
        (answer["token"].as_str(), answer["status"].as_str()),
        (Some(token.as_str()), Some("SUCCESS"))
    );
    let answer = post_identity(&sim, "logout", &token).await;
    assert_eq!(
        (answer["token"].as_str(), answer["error"].as_str()),
        (Some(token.as_str()), Some("NO_SESSION"))
    );
}

/// Posts to the simulator's identity endpoint `op` with `token` through the core HTTP client and
/// returns the JSON answer.
async fn post_identity(sim: &BetfairSim, op: &str, token: &str) -> serde_json::Value {
    let url = url::Url::parse(&format!("{}{op}", sim.identity_url())).unwrap();
    let request = http::Request::builder()
        .method("POST")
        .uri(url.as_str())
        .header("x-application", APP_KEY)
        .header("x-authentication", token)
        .header("accept", "application/json")
        .body(Vec::new())
        .unwrap();
    let client = session_core::http::HttpClient::builder("betfair")
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let response = client.send(request).await.unwrap();
    response.json().unwrap()
}

#[tokio::test]
async fn the_provider_builder_logs_in_as_the_first_account_and_the_log_holds_the_exact_requests() {
    let clock = ManualClock::new();
    let sim = start(&clock).await;
    let p = sim.provider_builder().build().unwrap();
    let s = p.login().await.unwrap();
    assert!(sim.is_live(s.token()));
    p.logout(&s).await.unwrap();

    let log = sim.requests();
    let ops: Vec<SimOp> = log.iter().map(|r| r.op).collect();
    assert_eq!(ops, [SimOp::Login, SimOp::Logout]);
    let login = &log[0].request;
    assert_eq!(login.line(), "POST /api/login");
    assert_eq!(login.header("x-application"), Some(APP_KEY));
    assert_eq!(login.form()["username"], USER);
    assert_eq!(login.form()["password"], PASSWORD);
    assert_eq!(
        log[1].request.header("x-authentication"),
        Some(s.token().expose_secret())
    );
    let shown = format!("{log:?} {sim:?}");
    for secret in [PASSWORD, APP_KEY, s.token().expose_secret()] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[tokio::test]
async fn scripted_api_errors_and_transport_faults_reach_the_provider_as_kinds() {
    let clock = ManualClock::new();
    let sim = start(&clock).await;
    let p = sim
        .provider_builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    for (fault, kind) in [
        (SimFault::Drop, ErrorKind::Unavailable),
        (SimFault::Hang, ErrorKind::Timeout),
        (SimFault::Status(503), ErrorKind::Unavailable),
        (
            SimFault::Provider(BetfairFault::error("INVALID_USERNAME_OR_PASSWORD")),
            ErrorKind::InvalidCredentials,
        ),
    ] {
        sim.fail_next(SimOp::Login, fault.clone());
        let e = p.login().await.unwrap_err();
        assert_eq!(e.kind(), kind, "{fault:?}: {e:?}");
    }
    assert_eq!((sim.calls(SimOp::Login), sim.successful_logins()), (4, 0));

    // The API-NG stand-in answers a scripted error code in its own envelope.
    let s = p.login().await.unwrap();
    sim.fail_next(
        SimOp::Api,
        SimFault::Provider(BetfairFault::error("TOO_MANY_REQUESTS")),
    );
    let client = session_core::test_util::reqwest_client();
    let bytes = client
        .post(sim.json_rpc_url())
        .header("x-authentication", s.token().expose_secret())
        .body(r#"{"jsonrpc":"2.0","method":"AccountAPING/v1.0/getAccountFunds","id":1}"#)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        body["error"]["data"]["AccountAPINGException"]["errorCode"],
        "TOO_MANY_REQUESTS"
    );
    assert_eq!(sim.calls(SimOp::Api), 1);
}
