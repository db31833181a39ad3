//! The two documented vendor processes end to end against the simulator — subscribing a customer
//! (vendor server creates a 365-day token, the customer logs in, the app activates) and checking a
//! customer's subscription history (client side, and server side via the vendor client id) — plus
//! the rules around them: `PENDING_AUTH`, the 15,000-unactivated-token cap, cancellation,
//! updates, expiry, and retries after the simulator forgets sessions.

use std::time::Duration;

use session_betfair::{
    AccountsClient, AccountsOp, AccountsTransport, AffiliateRelationStatus, BetfairFault,
    BetfairSim, CustomerLogin, ErrorKind, OffsetDateTime, SessionManager, SimFault, SimOp,
    SubscriptionHistoryQuery, SubscriptionStatus, SubscriptionToken, SubscriptionTokenRequest,
    accounts_fault,
};
use session_core::test_util::{ManualClock, assert_debug_clean, assert_error_clean, capture_logs};

use crate::support::*;

fn vendor_manager(
    sim: &BetfairSim,
    clock: &ManualClock,
) -> SessionManager<session_betfair::BetfairProvider> {
    SessionManager::builder(login_with_vendor_key(sim, clock, VENDOR, VENDOR_PASSWORD))
        .clock(clock.shared())
        .build()
}

fn accounts(sim: &BetfairSim, transport: AccountsTransport) -> AccountsClient {
    sim.accounts_builder().transport(transport).build().unwrap()
}

async fn subscribe_a_customer(transport: AccountsTransport) {
    let clock = ManualClock::new();
    clock.advance(Duration::from_secs(3600)); // 2030-01-01T01:00Z: the expiry rounds up.
    let sim = vendor_sim(&clock).await;
    let accounts = accounts(&sim, transport);

    // 1–4: the vendor's server creates a 365-day token with its own session and app key.
    let vendor = vendor_manager(&sim, &clock);
    let token = accounts
        .get_application_subscription_token(
            &vendor,
            &SubscriptionTokenRequest::new()
                .length_days(365)
                .client_reference("order-42"),
        )
        .await
        .unwrap();
    let shape = token.expose_secret();
    assert_eq!(shape.len(), 14, "ABCD-EFGH-IJKL");
    assert!(
        shape
            .split('-')
            .all(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_uppercase()))
    );
    assert_eq!(
        sim.subscription_status(shape),
        Some(SubscriptionStatus::Unactivated)
    );

    // 5–7: the customer's app logs in interactively with the vendor's app key: PENDING_AUTH.
    let customer = login_with_vendor_key(&sim, &clock, CUSTOMER, CUSTOMER_PASSWORD);
    let login = customer.customer_login().await.unwrap();
    assert!(login.is_pending_activation());
    let CustomerLogin::PendingActivation(pending) = login else {
        panic!("expected PENDING_AUTH");
    };

    // 8: the app activates with the customer's session, then logs in again.
    accounts
        .activate_application_subscription(&pending, &token)
        .await
        .unwrap();
    assert_eq!(
        sim.subscription_status(shape),
        Some(SubscriptionStatus::Activated)
    );
    assert_eq!(sim.subscription_customer(shape).as_deref(), Some(CUSTOMER));
    assert!(sim.vendor_client_id(CUSTOMER, VENDOR_KEY).is_some());
    let again = customer.customer_login().await.unwrap();
    assert!(matches!(again, CustomerLogin::Active(_)));
    assert!(!again.session().is_limited());

    // The vendor sees the subscription with its dates; the expiry is rounded up to midnight.
    let listed = accounts
        .list_application_subscription_tokens(&vendor, Some(&SubscriptionStatus::Activated))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let sub = &listed[0];
    assert_eq!(sub.client_reference.as_deref(), Some("order-42"));
    assert_eq!(
        sub.vendor_client_id,
        sim.vendor_client_id(CUSTOMER, VENDOR_KEY)
    );
    let created = OffsetDateTime::from(clock.now());
    assert_eq!(sub.created_date_time, Some(created));
    assert_eq!(sub.activation_date_time, Some(created));
    assert_eq!(
        sub.expiry_date_time,
        Some(time_at("2031-01-02T00:00:00Z")),
        "365 days after 2030-01-01T01:00, rounded up to midnight"
    );
    assert_eq!(
        sim.calls(SimOp::Accounts(AccountsOp::ActivateApplicationSubscription)),
        1
    );
}

fn time_at(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
}

#[tokio::test]
async fn subscribing_a_customer_over_json_rpc() {
    subscribe_a_customer(AccountsTransport::JsonRpc).await;
}

#[tokio::test]
async fn subscribing_a_customer_over_rest() {
    subscribe_a_customer(AccountsTransport::Rest).await;
}

async fn check_history(transport: AccountsTransport) {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let accounts = accounts(&sim, transport);
    let vendor = vendor_manager(&sim, &clock);
    let customer = login_with_vendor_key(&sim, &clock, CUSTOMER, CUSTOMER_PASSWORD)
        .customer_login()
        .await
        .unwrap()
        .into_session();

    // Client side: the app asks with the customer's session and the vendor's key in the body.
    let client_side = accounts
        .get_application_subscription_history(
            &customer,
            &SubscriptionHistoryQuery::customer(VENDOR_KEY),
        )
        .await
        .unwrap();
    assert!(client_side.is_empty(), "entirely new customer");

    // Server side: the app gets the vendor client id, the vendor's server asks with it.
    let vendor_client_id = accounts.get_vendor_client_id(&customer).await.unwrap();
    let server_side = accounts
        .get_application_subscription_history(
            &vendor,
            &SubscriptionHistoryQuery::vendor(vendor_client_id.clone()),
        )
        .await
        .unwrap();
    assert!(server_side.is_empty());

    // An active, a cancelled and (after time passes) an expired subscription.
    let short = accounts
        .get_application_subscription_token(
            &vendor,
            &SubscriptionTokenRequest::new().length_days(1),
        )
        .await
        .unwrap();
    accounts
        .activate_application_subscription(&customer, &short)
        .await
        .unwrap();
    let cancelled = accounts
        .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
        .await
        .unwrap();
    accounts
        .activate_application_subscription(&customer, &cancelled)
        .await
        .unwrap();
    accounts
        .cancel_application_subscription(&vendor, &cancelled)
        .await
        .unwrap();
    let long = accounts
        .get_application_subscription_token(
            &vendor,
            &SubscriptionTokenRequest::new().length_days(365),
        )
        .await
        .unwrap();
    accounts
        .activate_application_subscription(&customer, &long)
        .await
        .unwrap();
    clock.advance(Duration::from_secs(2 * 86_400));
    let statuses = |h: &[session_betfair::SubscriptionHistory]| {
        let mut s: Vec<_> = h
            .iter()
            .map(|e| e.subscription_status.clone().unwrap())
            .collect();
        s.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        s
    };
    let want = vec![
        SubscriptionStatus::Activated,
        SubscriptionStatus::Cancelled,
        SubscriptionStatus::Expired,
    ];
    // Sessions outlive two days only with keepAlive; log in again for the client side.
    let customer = login_with_vendor_key(&sim, &clock, CUSTOMER, CUSTOMER_PASSWORD)
        .customer_login()
        .await
        .unwrap();
    assert!(matches!(customer, CustomerLogin::Active(_)));
    let client_side = accounts
        .get_application_subscription_history(
            customer.session(),
            &SubscriptionHistoryQuery::customer_own_app(),
        )
        .await
        .unwrap();
    assert_eq!(statuses(&client_side), want);
    let server_side = accounts
        .get_application_subscription_history(
            &vendor,
            &SubscriptionHistoryQuery::vendor(vendor_client_id),
        )
        .await
        .unwrap();
    assert_eq!(statuses(&server_side), want);
    let expired = server_side
        .iter()
        .find(|e| e.subscription_status == Some(SubscriptionStatus::Expired))
        .unwrap();
    assert_eq!(expired.expired_date_time, expired.expiry_date_time);
    assert!(
        server_side
            .iter()
            .any(|e| e.cancellation_date_time.is_some())
    );
}

#[tokio::test]
async fn checking_subscription_history_over_json_rpc() {
    check_history(AccountsTransport::JsonRpc).await;
}

#[tokio::test]
async fn checking_subscription_history_over_rest() {
    check_history(AccountsTransport::Rest).await;
}

#[tokio::test]
async fn a_managed_customer_session_activates_then_logs_out_and_in_again() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let accounts = accounts(&sim, AccountsTransport::JsonRpc);
    let vendor = vendor_manager(&sim, &clock);
    let token = accounts
        .get_application_subscription_token(
            &vendor,
            &SubscriptionTokenRequest::new().length_days(30),
        )
        .await
        .unwrap();
    let customer = SessionManager::builder(login_with_vendor_key(
        &sim,
        &clock,
        CUSTOMER,
        CUSTOMER_PASSWORD,
    ))
    .clock(clock.shared())
    .build();
    let lease = customer.get().await.unwrap();
    assert!(lease.is_pending_activation());
    accounts
        .activate_application_subscription(&customer, &token)
        .await
        .unwrap();
    customer.logout().await.unwrap();
    let lease = customer.get().await.unwrap();
    assert!(!lease.is_pending_activation());
    assert_eq!(
        accounts
            .list_account_subscription_tokens(&customer)
            .await
            .unwrap()[0]
            .subscription_tokens[0]
            .subscription_status,
        Some(SubscriptionStatus::Activated)
    );
}

#[tokio::test]
async fn the_fifteen_thousandth_unactivated_token_is_the_last_until_one_is_used() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let accounts = accounts(&sim, AccountsTransport::JsonRpc);
    let vendor = vendor_manager(&sim, &clock);
    sim.seed_unactivated_tokens(VENDOR_KEY, 14_999);
    let last = accounts
        .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
        .await
        .unwrap();
    assert_eq!(sim.unactivated_tokens(VENDOR_KEY), 15_000);
    let e = accounts
        .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::RateLimited, Some("TOO_MANY_REQUESTS"))
    );
    assert!(!e.is_retryable(), "waiting alone may not clear the cap");
    assert!(accounts_fault(&e).unwrap().request_uuid().is_some());

    accounts
        .cancel_application_subscription(&vendor, &last)
        .await
        .unwrap();
    let next = accounts
        .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
        .await
        .unwrap();
    let customer = login_with_vendor_key(&sim, &clock, CUSTOMER, CUSTOMER_PASSWORD)
        .customer_login()
        .await
        .unwrap()
        .into_session();
    accounts
        .activate_application_subscription(&customer, &next)
        .await
        .unwrap();
    accounts
        .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
        .await
        .unwrap();
    assert_eq!(
        sim.calls(SimOp::Accounts(AccountsOp::GetApplicationSubscriptionToken)),
        4
    );
}

#[tokio::test]
async fn tokens_cannot_be_reused_cancelled_or_activated_after_expiry() {
    let clock = ManualClock::new();
    let sim = BetfairSim::builder()
        .clock(clock.shared())
        .account(VENDOR, VENDOR_PASSWORD)
        .account(CUSTOMER, CUSTOMER_PASSWORD)
        .account(USER, PASSWORD)
        .vendor_app(session_betfair::SimVendorApp::new(VENDOR_KEY, VENDOR))
        .lifetime(Duration::from_secs(30 * 86_400))
        .start()
        .await
        .unwrap();
    let accounts = accounts(&sim, AccountsTransport::JsonRpc);
    let vendor = vendor_manager(&sim, &clock);
    let customer = login_with_vendor_key(&sim, &clock, CUSTOMER, CUSTOMER_PASSWORD)
        .customer_login()
        .await
        .unwrap()
        .into_session();
    let other = login_with_vendor_key(&sim, &clock, USER, PASSWORD)
        .customer_login()
        .await
        .unwrap()
        .into_session();
    let token = accounts
        .get_application_subscription_token(
            &vendor,
            &SubscriptionTokenRequest::new().length_days(1),
        )
        .await
        .unwrap();
    accounts
        .activate_application_subscription(&customer, &token)
        .await
        .unwrap();
    // Activating again is harmless; someone else's activation is refused.
    accounts
        .activate_application_subscription(&customer, &token)
        .await
        .unwrap();
    let e = accounts
        .activate_application_subscription(&other, &token)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (
            ErrorKind::InvalidCredentials,
            Some("INVALID_SUBSCRIPTION_TOKEN")
        )
    );
    let e = accounts
        .activate_application_subscription(&other, &SubscriptionToken::new("NOPE-NOPE-NOPE"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_SUBSCRIPTION_TOKEN"));

    let unused = accounts
        .get_application_subscription_token(
            &vendor,
            &SubscriptionTokenRequest::new().length_days(1),
        )
        .await
        .unwrap();
    clock.advance(Duration::from_secs(2 * 86_400));
    let e = accounts
        .activate_application_subscription(&other, &unused)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::AccountRestricted, Some("SUBSCRIPTION_EXPIRED"))
    );
    // A customer cannot create tokens with the vendor's key.
    let e = accounts
        .get_application_subscription_token(&other, &SubscriptionTokenRequest::new())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("INVALID_APP_KEY"))
    );
    let e = accounts
        .get_application_subscription_token(
            &vendor,
            &SubscriptionTokenRequest::new().client_reference("x".repeat(300)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_CLIENT_REF"));
    assert_error_clean(&e, &vendor_secrets());
}

#[tokio::test]
async fn an_update_issues_an_active_token_and_cancels_the_old_ones() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let accounts = accounts(&sim, AccountsTransport::JsonRpc);
    let vendor = vendor_manager(&sim, &clock);
    let customer = login_with_vendor_key(&sim, &clock, CUSTOMER, CUSTOMER_PASSWORD)
        .customer_login()
        .await
        .unwrap()
        .into_session();
    let first = accounts
        .get_application_subscription_token(
            &vendor,
            &SubscriptionTokenRequest::new().length_days(30),
        )
        .await
        .unwrap();
    accounts
        .activate_application_subscription(&customer, &first)
        .await
        .unwrap();
    let id = accounts.get_vendor_client_id(&customer).await.unwrap();
    assert_eq!(
        accounts.get_vendor_client_id(&customer).await.unwrap(),
        id,
        "stable"
    );
    let second = accounts
        .update_application_subscription(&vendor, &id, 90)
        .await
        .unwrap();
    assert_eq!(
        sim.subscription_status(first.expose_secret()),
        Some(SubscriptionStatus::Cancelled)
    );
    assert_eq!(
        sim.subscription_status(second.expose_secret()),
        Some(SubscriptionStatus::Activated),
        "no activation needed"
    );
    let e = accounts
        .update_application_subscription(&vendor, "999", 90)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_VENDOR_CLIENT_ID"));
    let e = accounts
        .get_application_subscription_history(&vendor, &SubscriptionHistoryQuery::vendor("999"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_VENDOR_CLIENT_ID"));

    sim.mark_affiliated(CUSTOMER);
    let relations = accounts
        .get_affiliate_relation(&vendor, &[id, "999".to_owned()])
        .await
        .unwrap();
    assert_eq!(relations[0].status, AffiliateRelationStatus::Affiliated);
    assert_eq!(relations[1].status, AffiliateRelationStatus::InvalidUser);
}

#[tokio::test]
async fn reads_through_a_manager_survive_the_simulator_forgetting_every_session() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let accounts = accounts(&sim, AccountsTransport::JsonRpc);
    let vendor = vendor_manager(&sim, &clock);
    accounts
        .list_application_subscription_tokens(&vendor, None)
        .await
        .unwrap();
    sim.expire_all_sessions();
    accounts
        .list_application_subscription_tokens(&vendor, None)
        .await
        .unwrap();
    assert_eq!(sim.logins(), 2, "one re-login");
    assert_eq!(
        sim.calls(SimOp::Accounts(
            AccountsOp::ListApplicationSubscriptionTokens
        )),
        3
    );

    sim.expire_all_sessions();
    let e = accounts
        .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_SESSION_INFORMATION"));
    assert_eq!(
        sim.calls(SimOp::Accounts(AccountsOp::GetApplicationSubscriptionToken)),
        1,
        "not repeated"
    );
    accounts
        .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
        .await
        .unwrap();
    assert_eq!(sim.logins(), 3);
}

#[tokio::test]
async fn scripted_exceptions_and_framework_errors_come_back_typed() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let accounts = accounts(&sim, AccountsTransport::Rest);
    let vendor = vendor_manager(&sim, &clock);
    sim.fail_next(
        SimOp::Accounts(AccountsOp::ListApplicationSubscriptionTokens),
        SimFault::Provider(BetfairFault::error("SERVICE_BUSY")),
    );
    let e = accounts
        .list_application_subscription_tokens(&vendor, None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Unavailable, Some("SERVICE_BUSY"))
    );
    assert!(e.is_retryable());

    let http = session_core::http::HttpClient::builder("betfair")
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let garbage = http::Request::post(sim.json_rpc_url())
        .header("content-type", "application/json")
        .body(b"{not json".to_vec())
        .unwrap();
    let response = http.send(garbage).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["error"]["code"], -32700);
    assert_eq!(body["error"]["message"], "DSC-0008");
}

#[tokio::test]
async fn the_customer_history_read_is_repeated_once_with_a_fresh_customer_session() {
    let clock = ManualClock::new();
    let sim = vendor_sim(&clock).await;
    let accounts = accounts(&sim, AccountsTransport::JsonRpc);
    let customer = SessionManager::builder(login_with_vendor_key(
        &sim,
        &clock,
        CUSTOMER,
        CUSTOMER_PASSWORD,
    ))
    .clock(clock.shared())
    .build();
    let first = customer.get().await.unwrap().generation();
    sim.expire_all_sessions();
    let history = accounts
        .get_application_subscription_history(
            &customer,
            &SubscriptionHistoryQuery::customer_own_app(),
        )
        .await
        .unwrap();
    assert!(history.is_empty());
    assert_eq!(
        sim.calls(SimOp::Accounts(
            AccountsOp::GetApplicationSubscriptionHistory
        )),
        2
    );
    assert_eq!(sim.logins(), 2);
    assert!(customer.get().await.unwrap().generation() > first);
    assert_eq!(
        SubscriptionTokenRequest::from_options(Some(7), Some("r".to_owned())),
        SubscriptionTokenRequest::new()
            .length_days(7)
            .client_reference("r")
    );
}

/// The request bodies of the Accounts API carry the subscription token and the app key in clear
/// (that is what Betfair reads). At TRACE, over both transports, none of them, the passwords or
/// the session tokens reach a log line, a refusal's error or a `Debug` of the values involved.
#[tokio::test]
async fn a_subscription_lifecycle_logs_no_token_key_or_password() {
    let logs = capture_logs();
    for transport in [AccountsTransport::JsonRpc, AccountsTransport::Rest] {
        let clock = ManualClock::new();
        let sim = vendor_sim(&clock).await;
        let accounts = accounts(&sim, transport);
        let vendor = vendor_manager(&sim, &clock);
        let token = accounts
            .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
            .await
            .unwrap();
        let customer = login_with_vendor_key(&sim, &clock, CUSTOMER, CUSTOMER_PASSWORD)
            .customer_login()
            .await
            .unwrap()
            .into_session();
        accounts
            .activate_application_subscription(&customer, &token)
            .await
            .unwrap();
        accounts
            .get_application_subscription_history(
                &customer,
                &SubscriptionHistoryQuery::customer(VENDOR_KEY),
            )
            .await
            .unwrap();
        accounts
            .cancel_application_subscription(&vendor, &token)
            .await
            .unwrap();
        let refused_token = "REFUSED-SENTINEL-0001";
        let refused = accounts
            .activate_application_subscription(&customer, &SubscriptionToken::new(refused_token))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Some("INVALID_SUBSCRIPTION_TOKEN"));
        let vendor_lease = vendor.get().await.unwrap();
        let secrets = [
            token.expose_secret().to_owned(),
            refused_token.to_owned(),
            customer.token().expose_secret().to_owned(),
            vendor_lease.token().expose_secret().to_owned(),
            VENDOR_KEY.to_owned(),
            VENDOR_PASSWORD.to_owned(),
            CUSTOMER_PASSWORD.to_owned(),
        ];
        assert_error_clean(&refused, &secrets);
        assert_debug_clean(&token, &secrets);
        assert_debug_clean(&customer, &secrets);
        assert_debug_clean(&accounts, &secrets);
        logs.assert_clean(&secrets);
    }
    assert!(!logs.is_empty(), "the capture saw this test's TRACE output");
}

/// The kit's common faults and Betfair's own play on an Accounts operation in both envelopes,
/// and every request is logged under its operation.
#[tokio::test]
async fn common_and_betfair_faults_on_an_accounts_operation_reach_the_client_as_kinds() {
    for transport in [AccountsTransport::JsonRpc, AccountsTransport::Rest] {
        let clock = ManualClock::new();
        let sim = vendor_sim(&clock).await;
        let accounts = accounts(&sim, transport);
        let vendor = vendor_manager(&sim, &clock);
        let op = SimOp::Accounts(AccountsOp::GetApplicationSubscriptionToken);
        for (fault, kind) in [
            (SimFault::Status(503), ErrorKind::Unavailable),
            (SimFault::Drop, ErrorKind::Unavailable),
            (SimFault::GatewayPage, ErrorKind::Unavailable),
            (
                SimFault::Provider(BetfairFault::error("TOO_MANY_REQUESTS")),
                ErrorKind::RateLimited,
            ),
        ] {
            sim.fail_next(op, fault.clone());
            let e = accounts
                .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
                .await
                .unwrap_err();
            assert_eq!(e.kind(), kind, "{transport:?} {fault:?}: {e:?}");
        }
        assert_eq!(
            sim.unactivated_tokens(VENDOR_KEY),
            0,
            "no faulted call created a token"
        );
        accounts
            .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
            .await
            .expect("the script is used up");
        assert_eq!(sim.calls(op), 5, "{transport:?}");
        let ops: Vec<SimOp> = sim.requests().iter().map(|r| r.op).collect();
        assert_eq!(ops.iter().filter(|o| **o == op).count(), 5);
        assert!(ops.contains(&SimOp::Login), "{ops:?}");
        assert_eq!(
            AccountsOp::from_name("getApplicationSubscriptionToken"),
            Some(AccountsOp::GetApplicationSubscriptionToken)
        );
        assert!(
            AccountsOp::ALL
                .iter()
                .all(|o| AccountsOp::from_name(o.name()) == Some(*o))
        );
        assert_eq!(AccountsOp::from_name("placeOrders"), None);
    }
}
