//! The vendor web-app OAuth session against the simulator: the authorisation-code exchange
//! (single use, 10 minutes on the clock), calls on the customer's behalf with the bearer token,
//! renewal with the refresh token through the manager, revocation, persistence, and the shared
//! conformance suite.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use session_betfair::{
    AccountsClient, AccountsOp, AuthorisationCode, BetfairFault, BetfairProvider, BetfairSim,
    ClientCredentials, ErrorKind, Renewal, Result, Session, SessionManager, SessionProvider,
    SimFault, SimOp, SubscriptionTokenRequest, WebAppProvider, WebAppSession,
};
use session_core::test_util::{Fixture, Harness, ManualClock, Op, Scenario, conformance};

use crate::support::*;

fn vendor_manager(sim: &BetfairSim, clock: &ManualClock) -> SessionManager<BetfairProvider> {
    SessionManager::builder(login_with_vendor_key(sim, clock, VENDOR, VENDOR_PASSWORD))
        .clock(clock.shared())
        .build()
}

fn credentials() -> ClientCredentials {
    ClientCredentials::new(VENDOR_ID.to_string(), VENDOR_SECRET)
}

fn web_app(
    sim: &BetfairSim,
    clock: &ManualClock,
    vendor: SessionManager<BetfairProvider>,
    code: &str,
) -> WebAppProvider {
    WebAppProvider::builder(accounts_at(&sim.api_url()), vendor, credentials())
        .authorization_code(AuthorisationCode::new(code))
        .clock(clock.shared())
        .store_label(CUSTOMER)
        .build()
        .unwrap()
}

/// The customer's own session (any app key), as the vendor-login page would use it.
async fn customer_session(
    sim: &BetfairSim,
    clock: &ManualClock,
) -> session_betfair::BetfairSession {
    BetfairProvider::builder(APP_KEY)
        .interactive(CUSTOMER, CUSTOMER_PASSWORD)
        .identity_url(sim.identity_url())
        .allow_insecure_loopback(true)
        .clock(clock.shared())
        .build()
        .unwrap()
        .login()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_authorisation_code_becomes_a_managed_session_renewed_with_the_refresh_token() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let accounts = accounts_at(&sim.api_url());
    let customer = customer_session(&sim, &clock).await;

    // The customer authorises the web app and the browser brings the code back.
    let authorisation = accounts
        .get_authorisation_code(&customer, &VENDOR_ID.to_string())
        .await
        .unwrap();
    assert_eq!(
        authorisation.redirect_url.as_deref(),
        Some("https://acme.example/callback")
    );
    let code = authorisation.authorisation_code.expose_secret().to_owned();

    let vendor = vendor_manager(&sim, &clock);
    let web = SessionManager::builder(web_app(&sim, &clock, vendor.clone(), &code))
        .clock(clock.shared())
        .build();
    let lease = web.get().await.unwrap();
    assert_eq!(
        lease.vendor_client_id(),
        sim.vendor_client_id(CUSTOMER, VENDOR_KEY).as_deref()
    );
    assert_eq!(
        lease.expiry(),
        session_betfair::Expiry::At(clock.now() + Duration::from_secs(14_400)),
        "expires_in arrived as the string \"14400\""
    );
    let mut headers = http::HeaderMap::new();
    lease.authenticate(&mut headers);
    assert!(
        headers["authorization"]
            .to_str()
            .unwrap()
            .starts_with("BEARER BFSIM-WEB-ACCESS-")
    );
    assert!(headers["authorization"].is_sensitive());
    assert_eq!(headers["x-application"], VENDOR_KEY);
    assert!(sim.has_web_app_grant(CUSTOMER, VENDOR_ID));
    assert!(
        accounts
            .is_account_subscribed_to_web_app(&customer, &VENDOR_ID.to_string())
            .await
            .unwrap()
    );
    let apps = accounts.list_authorized_web_apps(&customer).await.unwrap();
    assert_eq!(apps[0].vendor_name, "Acme Trader");
    assert_eq!(
        accounts
            .get_vendor_details(&customer, &VENDOR_ID.to_string())
            .await
            .unwrap()
            .vendor_name,
        "Acme Trader"
    );

    // Calls on the customer's behalf with the bearer token (and one vendor subscription to see).
    let token = accounts
        .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
        .await
        .unwrap();
    accounts
        .activate_application_subscription(&web, &token)
        .await
        .unwrap();
    let mine = accounts
        .list_account_subscription_tokens(&web)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(sim.calls(SimOp::Accounts(AccountsOp::Token)), 1);

    // Near expiry the manager renews with the refresh token: a new access token.
    clock.advance(Duration::from_secs(14_400 - 60));
    let renewed = web.get().await.unwrap();
    assert!(renewed.generation() > lease.generation());
    assert_ne!(
        renewed.access_token().expose_secret(),
        lease.access_token().expose_secret()
    );
    assert_eq!(
        renewed.refresh_token().unwrap().expose_secret(),
        lease.refresh_token().unwrap().expose_secret()
    );
    assert_eq!(sim.calls(SimOp::Accounts(AccountsOp::Token)), 2);

    // An access token the upstream forgot: a read invalidates and re-logs in (refresh grant).
    sim.expire_access_tokens();
    accounts
        .list_account_subscription_tokens(&web)
        .await
        .unwrap();
    assert_eq!(sim.calls(SimOp::Accounts(AccountsOp::Token)), 3);

    // The customer revokes: the access token dies and the refresh token with it.
    accounts
        .revoke_access_to_web_app(&customer, VENDOR_ID)
        .await
        .unwrap();
    assert!(!sim.has_web_app_grant(CUSTOMER, VENDOR_ID));
    let e = accounts
        .list_account_subscription_tokens(&web)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Unavailable, Some("UNEXPECTED_ERROR")),
        "Betfair answers a destroyed refresh token with UNEXPECTED_ERROR"
    );
}

#[tokio::test]
async fn an_authorisation_code_is_single_use_and_lasts_ten_minutes() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let vendor = vendor_manager(&sim, &clock);
    let code = sim.issue_authorisation_code(CUSTOMER, VENDOR_ID);
    web_app(&sim, &clock, vendor.clone(), &code)
        .login()
        .await
        .unwrap();
    let e = web_app(&sim, &clock, vendor.clone(), &code)
        .login()
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::InvalidCredentials, Some("INVALID_AUTH_CODE"))
    );

    let late = sim.issue_authorisation_code(CUSTOMER, VENDOR_ID);
    clock.advance(Duration::from_secs(10 * 60 + 1));
    let e = web_app(&sim, &clock, vendor.clone(), &late)
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_AUTH_CODE"));

    let in_time = sim.issue_authorisation_code(CUSTOMER, VENDOR_ID);
    clock.advance(Duration::from_secs(9 * 60));
    web_app(&sim, &clock, vendor, &in_time)
        .login()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_wrong_vendor_secret_keeps_the_code_for_a_corrected_retry() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let vendor = vendor_manager(&sim, &clock);
    let code = sim.issue_authorisation_code(CUSTOMER, VENDOR_ID);
    let wrong = WebAppProvider::builder(
        accounts_at(&sim.api_url()),
        vendor.clone(),
        ClientCredentials::new(VENDOR_ID.to_string(), "not-the-secret"),
    )
    .authorization_code(AuthorisationCode::new(code.clone()))
    .clock(clock.shared())
    .build()
    .unwrap();
    for _ in 0..2 {
        let e = wrong.login().await.unwrap_err();
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::InvalidCredentials, Some("INVALID_SECRET"))
        );
    }
    assert_eq!(
        sim.calls(SimOp::Accounts(AccountsOp::Token)),
        2,
        "the code was kept and sent again"
    );
    web_app(&sim, &clock, vendor, &code).login().await.unwrap();
}

#[tokio::test]
async fn a_rejected_vendor_session_during_the_exchange_is_invalidated_and_the_code_kept() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let vendor = vendor_manager(&sim, &clock);
    vendor.get().await.unwrap();
    let provider = web_app(
        &sim,
        &clock,
        vendor.clone(),
        &sim.issue_authorisation_code(CUSTOMER, VENDOR_ID),
    );
    sim.expire_all_sessions();
    let e = provider.login().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert!(
        vendor.cached().is_none(),
        "the vendor's lease was invalidated"
    );
    provider.login().await.unwrap();
    assert_eq!(sim.logins(), 2);
}

#[tokio::test]
async fn the_web_app_session_persists_and_restores_and_renews_after_restore() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let vendor = vendor_manager(&sim, &clock);
    let provider = web_app(
        &sim,
        &clock,
        vendor.clone(),
        &sim.issue_authorisation_code(CUSTOMER, VENDOR_ID),
    );
    let session = provider.login().await.unwrap();
    let stored = provider.persist(&session).unwrap();
    assert!(!format!("{stored:?}").contains("BFSIM-WEB"));
    assert!(
        provider
            .store_key()
            .ends_with(&format!(":{VENDOR_ID}:{CUSTOMER}"))
    );

    // A new process: only a refresh token can log in now.
    let fresh = WebAppProvider::builder(accounts_at(&sim.api_url()), vendor, credentials())
        .refresh_token(session.refresh_token().unwrap().clone())
        .clock(clock.shared())
        .build()
        .unwrap();
    let restored: WebAppSession = fresh.restore(&stored).unwrap();
    assert_eq!(
        restored.access_token().expose_secret(),
        session.access_token().expose_secret()
    );
    assert_eq!(restored.expiry(), session.expiry());
    let Renewal::Renewed(renewed) = fresh.renew(&restored).await.unwrap() else {
        panic!("a refresh gives a new session");
    };
    assert_ne!(
        renewed.access_token().expose_secret(),
        session.access_token().expose_secret()
    );
    fresh.login().await.unwrap();
    assert_eq!(sim.calls(SimOp::Accounts(AccountsOp::Token)), 3);
}

#[tokio::test]
async fn the_builder_needs_a_code_or_a_refresh_token_and_real_credentials() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let vendor = vendor_manager(&sim, &clock);
    for builder in [
        WebAppProvider::builder(accounts_at(&sim.api_url()), vendor.clone(), credentials()),
        WebAppProvider::builder(
            accounts_at(&sim.api_url()),
            vendor.clone(),
            ClientCredentials::new("", VENDOR_SECRET),
        )
        .authorization_code(AuthorisationCode::new("c")),
        WebAppProvider::builder(
            accounts_at(&sim.api_url()),
            vendor.clone(),
            ClientCredentials::new("1", ""),
        )
        .authorization_code(AuthorisationCode::new("c")),
    ] {
        assert_eq!(
            builder.build().unwrap_err().kind(),
            ErrorKind::Configuration
        );
    }
}

/// Counts the provider's login and renewal calls (each is exactly one `token` request).
struct Counting {
    inner: WebAppProvider,
    logins: Arc<AtomicUsize>,
    renewals: Arc<AtomicUsize>,
}

#[async_trait]
impl SessionProvider for Counting {
    type Session = WebAppSession;

    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn login(&self) -> Result<WebAppSession> {
        self.logins.fetch_add(1, Ordering::SeqCst);
        self.inner.login().await
    }
    async fn renew(&self, session: &WebAppSession) -> Result<Renewal<WebAppSession>> {
        self.renewals.fetch_add(1, Ordering::SeqCst);
        self.inner.renew(session).await
    }
    fn policy(&self) -> session_betfair::RenewPolicy {
        self.inner.policy()
    }
}

struct WebAppHarness;

#[async_trait]
impl Harness for WebAppHarness {
    type Provider = Counting;

    async fn fixture(&self, scenario: Scenario, clock: ManualClock) -> Fixture<Counting> {
        let sim = BetfairSim::builder()
            .clock(clock.shared())
            .account(VENDOR, VENDOR_PASSWORD)
            .account(CUSTOMER, CUSTOMER_PASSWORD)
            .vendor_app(
                session_betfair::SimVendorApp::new(VENDOR_KEY, VENDOR)
                    .web_app(VENDOR_ID, VENDOR_SECRET),
            )
            .lifetime(Duration::from_secs(365 * 86_400))
            .start()
            .await
            .unwrap();
        let vendor = SessionManager::builder(
            BetfairProvider::builder(VENDOR_KEY)
                .interactive(VENDOR, VENDOR_PASSWORD)
                .identity_url(sim.identity_url())
                .allow_insecure_loopback(true)
                .session_lifetime(Duration::from_secs(365 * 86_400))
                .clock(clock.shared())
                .build()
                .unwrap(),
        )
        .clock(clock.shared())
        .build();
        let secret = match scenario {
            Scenario::InvalidCredentials => "VSECRET-SENTINEL-2e7b-wrong",
            _ => VENDOR_SECRET,
        };
        if scenario == Scenario::RateLimited {
            sim.fail_next(
                SimOp::Accounts(AccountsOp::Token),
                SimFault::Provider(BetfairFault::error("TOO_MANY_REQUESTS")),
            );
        }
        let code = sim.issue_authorisation_code(CUSTOMER, VENDOR_ID);
        let inner = WebAppProvider::builder(
            AccountsClient::builder()
                .api_url(sim.api_url())
                .allow_insecure_loopback(true)
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            vendor,
            ClientCredentials::new(VENDOR_ID.to_string(), secret),
        )
        .authorization_code(AuthorisationCode::new(code))
        .clock(clock.shared())
        .build()
        .unwrap();
        let logins = Arc::new(AtomicUsize::new(0));
        let renewals = Arc::new(AtomicUsize::new(0));
        let (l, r) = (logins.clone(), renewals.clone());
        Fixture {
            provider: Counting {
                inner,
                logins,
                renewals,
            },
            secrets: vendor_secrets(),
            calls: Box::new(move |op| match op {
                Op::Login => l.load(Ordering::SeqCst),
                Op::Renew => r.load(Ordering::SeqCst),
                Op::Logout => 0,
            }),
            guard: Box::new(sim),
        }
    }

    fn supports_logout(&self) -> bool {
        false
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_web_app_provider_passes_the_conformance_suite() {
    conformance::run(WebAppHarness).await;
}
