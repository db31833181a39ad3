//! The Accounts API client against httpmock: the exact request of every operation (path,
//! headers present and absent, JSON-RPC envelope bytes, REST bodies), typed errors, and the
//! rejection rule — invalidate always, repeat once only for idempotent reads.

use httpmock::prelude::*;
use session_betfair::{
    AccountsClient, AccountsFault, AccountsStatus, AccountsTransport, AffiliateRelationStatus,
    AuthorisationCode, ClientCredentials, ErrorKind, Jurisdiction, SessionManager,
    SubscriptionHistoryQuery, SubscriptionStatus, SubscriptionToken, SubscriptionTokenRequest,
    TokenGrant, accounts_fault,
};
use session_core::test_util::{ManualClock, assert_error_clean};

use crate::support::*;

const RPC: &str = "/exchange/account/json-rpc/v1";
const VENDOR_TOKEN: &str = "VTOKEN-SENTINEL-1111";
const CUSTOMER_TOKEN: &str = "CTOKEN-SENTINEL-2222";

fn rpc_ok(result: serde_json::Value, id: u64) -> String {
    serde_json::json!({"jsonrpc": "2.0", "result": result, "id": id}).to_string()
}

fn rpc_exception(code: &str, id: u64) -> String {
    serde_json::json!({
        "jsonrpc": "2.0",
        "error": {
            "code": -32099,
            "message": "AANGX-0002",
            "data": {
                "exceptionname": "AccountAPINGException",
                "AccountAPINGException": {
                    "errorCode": code,
                    "errorDetails": "",
                    "requestUUID": "prdang001-uuid-42"
                }
            }
        },
        "id": id
    })
    .to_string()
}

fn client(server: &MockServer) -> AccountsClient {
    accounts_at(&server.url("/"))
}

fn rest_client(server: &MockServer) -> AccountsClient {
    AccountsClient::builder()
        .api_url(server.url("/"))
        .transport(AccountsTransport::Rest)
        .allow_insecure_loopback(true)
        .build()
        .unwrap()
}

#[tokio::test]
async fn subscription_token_creation_posts_the_exact_envelope_with_the_vendor_headers() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(RPC)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("x-application", VENDOR_KEY)
                .header("x-authentication", VENDOR_TOKEN)
                .body(r#"{"jsonrpc":"2.0","method":"AccountAPING/v1.0/getApplicationSubscriptionToken","params":{"subscriptionLength":365,"clientReference":"order-42"},"id":1}"#);
            then.status(200)
                .header("content-type", "application/json")
                .body(rpc_ok(serde_json::json!("ABCD-EFGH-IJKL"), 1));
        })
        .await;
    let vendor = restored_session(VENDOR_KEY, VENDOR_TOKEN);
    let token = client(&server)
        .get_application_subscription_token(
            &vendor,
            &SubscriptionTokenRequest::new()
                .length_days(365)
                .client_reference("order-42"),
        )
        .await
        .unwrap();
    assert_eq!(token.expose_secret(), "ABCD-EFGH-IJKL");
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn activation_sends_the_customer_session_only_and_no_app_key() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(RPC)
                .header("x-authentication", CUSTOMER_TOKEN)
                .header_missing("x-application")
                .header_missing("authorization")
                .body(r#"{"jsonrpc":"2.0","method":"AccountAPING/v1.0/activateApplicationSubscription","params":{"subscriptionToken":"ABCD-EFGH-IJKL"},"id":1}"#);
            then.status(200).body(rpc_ok(serde_json::json!("SUCCESS"), 1));
        })
        .await;
    let customer = restored_session(VENDOR_KEY, CUSTOMER_TOKEN);
    let status = client(&server)
        .activate_application_subscription(&customer, &SubscriptionToken::new("ABCD-EFGH-IJKL"))
        .await
        .unwrap();
    assert_eq!(status, AccountsStatus::Success);
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn history_has_a_vendor_form_and_a_customer_form_without_x_application() {
    let server = MockServer::start_async().await;
    let entry = serde_json::json!([{
        "subscriptionToken": "ABCD-EFGH-IJKL",
        "expiryDateTime": "2031-01-01T00:00:00.000Z",
        "subscriptionStatus": "ACTIVATED"
    }]);
    let vendor_form = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(RPC)
                .header("x-application", VENDOR_KEY)
                .header("x-authentication", VENDOR_TOKEN)
                .body(r#"{"jsonrpc":"2.0","method":"AccountAPING/v1.0/getApplicationSubscriptionHistory","params":{"vendorClientId":"456238"},"id":1}"#);
            then.status(200).body(rpc_ok(entry.clone(), 1));
        })
        .await;
    let customer_form = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(RPC)
                .header_missing("x-application")
                .header("x-authentication", CUSTOMER_TOKEN)
                .body(format!(r#"{{"jsonrpc":"2.0","method":"AccountAPING/v1.0/getApplicationSubscriptionHistory","params":{{"applicationKey":"{VENDOR_KEY}"}},"id":2}}"#));
            then.status(200).body(rpc_ok(serde_json::json!([]), 2));
        })
        .await;
    let explicit_key = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(RPC)
                .header_missing("x-application")
                .body_includes(r#""params":{"applicationKey":"OTHER-KEY"}"#);
            then.status(200).body(rpc_ok(serde_json::json!([]), 3));
        })
        .await;
    let accounts = client(&server);
    let vendor = restored_session(VENDOR_KEY, VENDOR_TOKEN);
    let customer = restored_session(VENDOR_KEY, CUSTOMER_TOKEN);
    let history = accounts
        .get_application_subscription_history(&vendor, &SubscriptionHistoryQuery::vendor("456238"))
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].subscription_status,
        Some(SubscriptionStatus::Activated)
    );
    assert!(history[0].expiry_date_time.is_some());
    let none = accounts
        .get_application_subscription_history(
            &customer,
            &SubscriptionHistoryQuery::customer_own_app(),
        )
        .await
        .unwrap();
    assert!(none.is_empty(), "an empty list: the customer is new");
    accounts
        .get_application_subscription_history(
            &customer,
            &SubscriptionHistoryQuery::customer("OTHER-KEY"),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            vendor_form.calls_async().await,
            customer_form.calls_async().await,
            explicit_key.calls_async().await
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn the_rest_form_posts_bare_params_to_the_operation_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/exchange/account/rest/v1.0/getVendorClientId/")
                .header("x-application", VENDOR_KEY)
                .header("x-authentication", CUSTOMER_TOKEN)
                .header("content-type", "application/json")
                .body("{}");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#""456238""#);
        })
        .await;
    let id = rest_client(&server)
        .get_vendor_client_id(&restored_session(VENDOR_KEY, CUSTOMER_TOKEN))
        .await
        .unwrap();
    assert_eq!(id, "456238");
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn rest_faults_are_typed_on_400_and_on_200() {
    let server = MockServer::start_async().await;
    let fault = r#"{"faultcode":"Client","faultstring":"AANGX-0013","detail":{"exceptionname":"AccountAPINGException","AccountAPINGException":{"errorCode":"INVALID_SUBSCRIPTION_TOKEN","errorDetails":"","requestUUID":"uuid-13"}}}"#;
    server
        .mock_async(|when, then| {
            when.path("/exchange/account/rest/v1.0/cancelApplicationSubscription/")
                .body(r#"{"subscriptionToken":"NOPE-NOPE-NOPE"}"#);
            then.status(400).body(fault);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/exchange/account/rest/v1.0/activateApplicationSubscription/");
            then.status(200).body(fault);
        })
        .await;
    let accounts = rest_client(&server);
    let session = restored_session(VENDOR_KEY, VENDOR_TOKEN);
    let token = SubscriptionToken::new("NOPE-NOPE-NOPE");
    for e in [
        accounts
            .cancel_application_subscription(&session, &token)
            .await
            .unwrap_err(),
        accounts
            .activate_application_subscription(&session, &token)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
        assert_eq!(e.code(), Some("INVALID_SUBSCRIPTION_TOKEN"));
        assert_eq!(accounts_fault(&e).unwrap().request_uuid(), Some("uuid-13"));
        assert_error_clean(&e, &vendor_secrets());
    }
}

#[tokio::test]
async fn json_rpc_framework_errors_are_typed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(RPC);
            then.status(200)
                .body(r#"{"jsonrpc":"2.0","error":{"code":-32602,"message":"DSC-0018"},"id":1}"#);
        })
        .await;
    let e = client(&server)
        .update_application_subscription(&restored_session(VENDOR_KEY, VENDOR_TOKEN), "1", 30)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("DSC-0018"))
    );
    let Some(AccountsFault::Framework(f)) = accounts_fault(&e) else {
        panic!("a framework fault");
    };
    assert_eq!(f.json_rpc_code, Some(-32602));
}

#[tokio::test]
async fn every_remaining_operation_sends_its_exact_params_and_both_headers() {
    let server = MockServer::start_async().await;
    let cases: [(&str, &str, serde_json::Value); 9] = [
        (
            "cancelApplicationSubscription",
            r#"{"subscriptionToken":"ABCD-EFGH-IJKL"}"#,
            serde_json::json!("SUCCESS"),
        ),
        (
            "updateApplicationSubscription",
            r#"{"vendorClientId":"456238","subscriptionLength":30}"#,
            serde_json::json!("WXYZ-WXYZ-WXYZ"),
        ),
        (
            "listApplicationSubscriptionTokens",
            r#"{"subscriptionStatus":"UNACTIVATED"}"#,
            serde_json::json!([{"subscriptionToken":"ABCD-EFGH-IJKL","subscriptionStatus":"UNACTIVATED"}]),
        ),
        (
            "listAccountSubscriptionTokens",
            "{}",
            serde_json::json!([{"subscriptionTokens":[{"subscriptionToken":"ABCD-EFGH-IJKL","activatedDateTime":"2030-01-01T00:00:00.000Z"}],"applicationName":"Acme","applicationVersionId":"7"}]),
        ),
        (
            "getVendorDetails",
            r#"{"vendorId":"4242"}"#,
            serde_json::json!({"appVersionId":7,"vendorName":"Acme","redirectUrl":"https://acme.example/cb"}),
        ),
        (
            "isAccountSubscribedToWebApp",
            r#"{"vendorId":"4242"}"#,
            serde_json::json!(true),
        ),
        (
            "revokeAccessToWebApp",
            r#"{"vendorId":4242}"#,
            serde_json::json!("SUCCESS"),
        ),
        (
            "listAuthorizedWebApps",
            "{}",
            serde_json::json!([{"appVersionId":7,"vendorName":"Acme"}]),
        ),
        (
            "getAffiliateRelation",
            r#"{"vendorClientIds":["456238","1"]}"#,
            serde_json::json!([{"vendorClientId":"456238","status":"AFFILIATED"},{"vendorClientId":"1","status":"INVALID_USER"}]),
        ),
    ];
    let mut mocks = Vec::new();
    for (op, params, result) in &cases {
        let op = *op;
        let params = *params;
        let result = result.clone();
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(POST)
                        .path(RPC)
                        .header("x-application", VENDOR_KEY)
                        .header("x-authentication", VENDOR_TOKEN)
                        .body_includes(format!(
                            r#""method":"AccountAPING/v1.0/{op}","params":{params},"#
                        ));
                    then.status(200).body(rpc_ok(result, 1));
                })
                .await,
        );
    }
    let s = restored_session(VENDOR_KEY, VENDOR_TOKEN);
    let a = client(&server);
    let token = SubscriptionToken::new("ABCD-EFGH-IJKL");
    assert_eq!(
        a.cancel_application_subscription(&s, &token).await.unwrap(),
        AccountsStatus::Success
    );
    assert_eq!(
        a.update_application_subscription(&s, "456238", 30)
            .await
            .unwrap()
            .expose_secret(),
        "WXYZ-WXYZ-WXYZ"
    );
    let listed = a
        .list_application_subscription_tokens(&s, Some(&SubscriptionStatus::Unactivated))
        .await
        .unwrap();
    assert_eq!(
        listed[0].subscription_status,
        Some(SubscriptionStatus::Unactivated)
    );
    let mine = a.list_account_subscription_tokens(&s).await.unwrap();
    assert_eq!(mine[0].application_name.as_deref(), Some("Acme"));
    assert!(mine[0].subscription_tokens[0].activated_date_time.is_some());
    let details = a.get_vendor_details(&s, "4242").await.unwrap();
    assert_eq!(
        (details.app_version_id, details.vendor_name.as_str()),
        (7, "Acme")
    );
    assert!(
        a.is_account_subscribed_to_web_app(&s, "4242")
            .await
            .unwrap()
    );
    assert_eq!(
        a.revoke_access_to_web_app(&s, 4242).await.unwrap(),
        AccountsStatus::Success
    );
    assert_eq!(a.list_authorized_web_apps(&s).await.unwrap().len(), 1);
    let relations = a
        .get_affiliate_relation(&s, &["456238".to_owned(), "1".to_owned()])
        .await
        .unwrap();
    assert_eq!(relations[0].status, AffiliateRelationStatus::Affiliated);
    assert_eq!(relations[1].status, AffiliateRelationStatus::InvalidUser);
    for m in &mocks {
        assert_eq!(m.calls_async().await, 1);
    }
}

#[tokio::test]
async fn the_token_operation_posts_snake_case_credentials_and_parses_the_documented_answer() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(RPC)
                .header("x-application", VENDOR_KEY)
                .header("x-authentication", VENDOR_TOKEN)
                .body(format!(r#"{{"jsonrpc":"2.0","method":"AccountAPING/v1.0/token","params":{{"client_id":"4242","grant_type":"AUTHORIZATION_CODE","code":"CODE-SENTINEL-77","client_secret":"{VENDOR_SECRET}"}},"id":1}}"#));
            then.status(200).body(rpc_ok(
                serde_json::json!({
                    "access_token": "ACCESS-SENTINEL-5",
                    "token_type": "BEARER",
                    "expires_in": "14400",
                    "refresh_token": "REFRESH-SENTINEL-6",
                    "application_subscription": {"vendor_client_id": "456238"}
                }),
                1,
            ));
        })
        .await;
    let answer = client(&server)
        .token(
            &restored_session(VENDOR_KEY, VENDOR_TOKEN),
            &ClientCredentials::new("4242", VENDOR_SECRET),
            &TokenGrant::AuthorizationCode(AuthorisationCode::new("CODE-SENTINEL-77")),
        )
        .await
        .unwrap();
    assert_eq!(answer.expires_in, Some(14_400));
    assert_eq!(answer.vendor_client_id(), Some("456238"));
    assert_eq!(answer.access_token.expose_secret(), "ACCESS-SENTINEL-5");
    assert!(!format!("{answer:?}").contains("SENTINEL"));
    assert_eq!(mock.calls_async().await, 1);
}

/// A manager whose first login gives `VENDOR_TOKEN` and every later one `fresh`.
async fn manager_with_two_logins(
    server: &MockServer,
    clock: &ManualClock,
    fresh: &str,
) -> SessionManager<session_betfair::BetfairProvider> {
    let first = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/login");
            then.status(200)
                .body(login_body(VENDOR_TOKEN, "SUCCESS", ""));
        })
        .await;
    let manager = SessionManager::builder(
        session_betfair::BetfairProvider::builder(VENDOR_KEY)
            .interactive(VENDOR, VENDOR_PASSWORD)
            .identity_url(server.url("/api"))
            .allow_insecure_loopback(true)
            .clock(clock.shared())
            .build()
            .unwrap(),
    )
    .clock(clock.shared())
    .build();
    manager.get().await.unwrap();
    first.delete_async().await;
    let fresh = fresh.to_owned();
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/api/login");
            then.status(200).body(login_body(&fresh, "SUCCESS", ""));
        })
        .await;
    manager
}

#[tokio::test]
async fn a_rejected_read_invalidates_the_lease_and_is_repeated_once_with_a_fresh_session() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let manager = manager_with_two_logins(&server, &clock, "FRESH-SENTINEL-3333").await;
    let rejected = server
        .mock_async(|when, then| {
            when.path(RPC).header("x-authentication", VENDOR_TOKEN);
            then.status(200)
                .body(rpc_exception("INVALID_SESSION_INFORMATION", 1));
        })
        .await;
    let accepted = server
        .mock_async(|when, then| {
            when.path(RPC)
                .header("x-authentication", "FRESH-SENTINEL-3333")
                .body_includes(r#""id":2"#);
            then.status(200).body(rpc_ok(serde_json::json!([]), 2));
        })
        .await;
    let generation = manager.get().await.unwrap().generation();
    let listed = client(&server)
        .list_application_subscription_tokens(&manager, None)
        .await
        .unwrap();
    assert!(listed.is_empty());
    assert_eq!(
        (rejected.calls_async().await, accepted.calls_async().await),
        (1, 1)
    );
    assert!(manager.get().await.unwrap().generation() > generation);
}

#[tokio::test]
async fn a_read_rejected_twice_is_not_repeated_a_second_time() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let manager = manager_with_two_logins(&server, &clock, "FRESH-SENTINEL-3333").await;
    let rejected = server
        .mock_async(|when, then| {
            when.path(RPC);
            then.status(200).body(rpc_exception("NO_SESSION", 1));
        })
        .await;
    let e = client(&server)
        .get_vendor_client_id(&manager)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::SessionRejected, Some("NO_SESSION"))
    );
    assert_eq!(
        rejected.calls_async().await,
        2,
        "the first call and one repeat"
    );
}

#[tokio::test]
async fn token_creation_and_activation_are_never_repeated_but_still_invalidate() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let manager = manager_with_two_logins(&server, &clock, "FRESH-SENTINEL-3333").await;
    let rejected = server
        .mock_async(|when, then| {
            when.path(RPC).header("x-authentication", VENDOR_TOKEN);
            then.status(200)
                .body(rpc_exception("INVALID_SESSION_INFORMATION", 1));
        })
        .await;
    let fresh = server
        .mock_async(|when, then| {
            when.path(RPC)
                .header("x-authentication", "FRESH-SENTINEL-3333");
            then.status(200)
                .body(rpc_ok(serde_json::json!("SUCCESS"), 1));
        })
        .await;
    let a = client(&server);
    let generation = manager.get().await.unwrap().generation();
    let e = a
        .get_application_subscription_token(&manager, &SubscriptionTokenRequest::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(rejected.calls_async().await, 1);
    assert_eq!(
        fresh.calls_async().await,
        0,
        "no second token was requested"
    );
    assert!(
        manager.cached().is_none(),
        "the rejected lease was invalidated"
    );
    // The caller decides to try again: that uses the fresh session.
    assert!(manager.get().await.unwrap().generation() > generation);
    a.activate_application_subscription(&manager, &SubscriptionToken::new("ABCD-EFGH-IJKL"))
        .await
        .unwrap();
    assert_eq!(fresh.calls_async().await, 1);
}

#[tokio::test]
async fn a_plain_session_is_never_repeated() {
    let server = MockServer::start_async().await;
    let rejected = server
        .mock_async(|when, then| {
            when.path(RPC);
            then.status(200)
                .body(rpc_exception("INVALID_SESSION_INFORMATION", 1));
        })
        .await;
    let e = client(&server)
        .list_account_subscription_tokens(&restored_session(VENDOR_KEY, CUSTOMER_TOKEN))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(rejected.calls_async().await, 1);
    assert_error_clean(&e, &[CUSTOMER_TOKEN]);
}

#[tokio::test]
async fn a_gateway_page_is_unavailable_not_a_fault() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(RPC);
            then.status(503)
                .header("content-type", "text/html")
                .body("<html><body>maintenance</body></html>");
        })
        .await;
    let e = client(&server)
        .list_authorized_web_apps(&restored_session(VENDOR_KEY, CUSTOMER_TOKEN))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(accounts_fault(&e).is_none());
}

#[tokio::test]
async fn the_client_refuses_insecure_urls_and_defaults_to_the_global_host() {
    let e = AccountsClient::builder()
        .api_url("http://api.example.com/")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    let c = AccountsClient::builder().build().unwrap();
    assert_eq!(c.api_url().as_str(), "https://api.betfair.com/");
    assert_eq!(c.transport(), AccountsTransport::JsonRpc);
    // Australia logs in on its own identity host but calls the .com API host; New Zealand
    // calls the .com.au API host; an explicit URL wins over the jurisdiction's.
    for (j, api) in [
        (Jurisdiction::Australia, "https://api.betfair.com/"),
        (Jurisdiction::NewZealand, "https://api.betfair.com.au/"),
        (Jurisdiction::Italy, "https://api.betfair.com/"),
    ] {
        let c = AccountsClient::builder().jurisdiction(j).build().unwrap();
        assert_eq!(c.api_url().as_str(), api, "{j}");
    }
    let c = AccountsClient::builder()
        .jurisdiction(Jurisdiction::NewZealand)
        .api_url("https://api.example.net/")
        .build()
        .unwrap();
    assert_eq!(c.api_url().as_str(), "https://api.example.net/");
    let c = AccountsClient::builder()
        .api_url("http://127.0.0.1:1/prefix")
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    assert_eq!(c.api_url().as_str(), "http://127.0.0.1:1/prefix/");
}

#[cfg(feature = "gzip")]
fn gzipped(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// The Accounts API asks for gzip and reads a gzip answer; the login host is not asked.
#[cfg(feature = "gzip")]
#[tokio::test]
async fn the_accounts_api_asks_for_gzip_and_decodes_it() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(RPC)
                .header("accept-encoding", "gzip");
            then.status(200)
                .header("content-type", "application/json")
                .header("content-encoding", "gzip")
                .body(gzipped(
                    rpc_ok(serde_json::json!("ABCD-EFGH-IJKL"), 1).as_bytes(),
                ));
        })
        .await;
    let vendor = restored_session(VENDOR_KEY, VENDOR_TOKEN);
    let token = client(&server)
        .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
        .await
        .unwrap();
    assert_eq!(token.expose_secret(), "ABCD-EFGH-IJKL");
    assert_eq!(mock.calls_async().await, 1);
}

/// A gzip bomb (16 MiB of JSON whitespace in about 16 KiB) stops at the 1 MiB cap on the
/// decoded size: a typed error, not a 16 MiB buffer.
#[cfg(feature = "gzip")]
#[tokio::test]
async fn a_gzip_bomb_from_the_accounts_api_stops_at_the_cap() {
    let server = MockServer::start_async().await;
    let mut bomb = vec![b' '; 16 * 1024 * 1024];
    bomb.extend_from_slice(rpc_ok(serde_json::json!("X"), 1).as_bytes());
    let body = gzipped(&bomb);
    assert!(body.len() < 64 * 1024);
    server
        .mock_async(|when, then| {
            when.method(POST).path(RPC);
            then.status(200)
                .header("content-type", "application/json")
                .header("content-encoding", "gzip")
                .body(body);
        })
        .await;
    let vendor = restored_session(VENDOR_KEY, VENDOR_TOKEN);
    let e = client(&server)
        .get_application_subscription_token(&vendor, &SubscriptionTokenRequest::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse, "{e:?}");
    assert_eq!(
        e.http_failure(),
        Some(session_betfair::HttpFailure::BodyTooLarge)
    );
}
