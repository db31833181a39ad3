//! Wire tests of the Accounts API: exact request bytes and headers per operation, every answer
//! shape (JSON-RPC results and errors, REST bodies and faults on any status), the exception
//! table, and lenient parsing of the typed answers.

use http::HeaderMap;
use session_core::{AppKey, Expiry, Session, SessionToken, sensitive_value};
use time::macros::datetime;

use super::*;
use crate::error::ACCOUNTS_CODES;
use crate::vendor::types::{ApplicationSubscription, SubscriptionHistory, VendorAccessToken};
use crate::vendor::{SubscriptionStatus, TokenType, accounts_fault};

/// A stand-in SSO session.
struct Sso {
    token: SessionToken,
    app_key: AppKey,
}

impl Session for Sso {
    fn expiry(&self) -> Expiry {
        Expiry::Unknown
    }
    fn authenticate(&self, headers: &mut HeaderMap) {
        self.accounts_headers(headers, true);
    }
}

impl AccountsAuth for Sso {
    fn app_key(&self) -> &AppKey {
        &self.app_key
    }
    fn accounts_headers(&self, headers: &mut HeaderMap, with_app_key: bool) {
        headers.insert(
            "x-authentication",
            sensitive_value(self.token.expose_secret()).unwrap(),
        );
        if with_app_key {
            headers.insert(
                "x-application",
                sensitive_value(self.app_key.expose_secret()).unwrap(),
            );
        }
    }
}

fn sso() -> Sso {
    Sso {
        token: SessionToken::new("TOK-1"),
        app_key: AppKey::new("VENDOR-KEY"),
    }
}

fn api() -> Url {
    Url::parse("https://api.betfair.com/").unwrap()
}

fn text(req: &http::Request<Vec<u8>>) -> &str {
    std::str::from_utf8(req.body()).unwrap()
}

fn answer(status: u16, body: &str) -> HttpResponse {
    HttpResponse::json_body(NAME, status, body.to_owned())
}

#[test]
fn json_rpc_envelope_is_exact_and_carries_both_headers_for_vendor_ops() {
    let params = SubscriptionTokenParams {
        subscription_length: Some(365),
        client_reference: Some("order-42"),
    };
    let req = accounts_request(
        &api(),
        AccountsTransport::JsonRpc,
        GET_APPLICATION_SUBSCRIPTION_TOKEN,
        &params,
        7,
        &sso(),
    )
    .unwrap();
    assert_eq!(req.method(), Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://api.betfair.com/exchange/account/json-rpc/v1"
    );
    assert_eq!(
        text(&req),
        r#"{"jsonrpc":"2.0","method":"AccountAPING/v1.0/getApplicationSubscriptionToken","params":{"subscriptionLength":365,"clientReference":"order-42"},"id":7}"#
    );
    let h = req.headers();
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["accept"], "application/json");
    assert_eq!(h["x-application"], "VENDOR-KEY");
    assert_eq!(h["x-authentication"], "TOK-1");
    assert!(h["x-application"].is_sensitive());
    assert!(h["x-authentication"].is_sensitive());
    assert_eq!(h.len(), 4);
}

#[test]
fn rest_posts_the_bare_params_to_the_operation_path_with_a_trailing_slash() {
    let params = SubscriptionTokenParams {
        subscription_length: None,
        client_reference: None,
    };
    let req = accounts_request(
        &Url::parse("https://api.betfair.com.au/").unwrap(),
        AccountsTransport::Rest,
        GET_APPLICATION_SUBSCRIPTION_TOKEN,
        &params,
        1,
        &sso(),
    )
    .unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://api.betfair.com.au/exchange/account/rest/v1.0/getApplicationSubscriptionToken/"
    );
    assert_eq!(text(&req), "{}");
}

#[test]
fn activation_and_customer_history_send_no_app_key_header() {
    let req = accounts_request(
        &api(),
        AccountsTransport::JsonRpc,
        ACTIVATE_APPLICATION_SUBSCRIPTION,
        &TokenParams {
            subscription_token: "ABCD-EFGH-IJKL",
        },
        2,
        &sso(),
    )
    .unwrap();
    assert_eq!(
        text(&req),
        r#"{"jsonrpc":"2.0","method":"AccountAPING/v1.0/activateApplicationSubscription","params":{"subscriptionToken":"ABCD-EFGH-IJKL"},"id":2}"#
    );
    assert!(req.headers().get("x-application").is_none());
    assert_eq!(req.headers()["x-authentication"], "TOK-1");

    let req = accounts_request(
        &api(),
        AccountsTransport::Rest,
        SUBSCRIPTION_HISTORY_CUSTOMER,
        &HistoryParams {
            vendor_client_id: None,
            application_key: Some("VENDOR-KEY"),
        },
        3,
        &sso(),
    )
    .unwrap();
    assert_eq!(text(&req), r#"{"applicationKey":"VENDOR-KEY"}"#);
    assert!(req.headers().get("x-application").is_none());

    let req = accounts_request(
        &api(),
        AccountsTransport::JsonRpc,
        SUBSCRIPTION_HISTORY_VENDOR,
        &HistoryParams {
            vendor_client_id: Some("456238"),
            application_key: None,
        },
        4,
        &sso(),
    )
    .unwrap();
    assert_eq!(
        text(&req),
        r#"{"jsonrpc":"2.0","method":"AccountAPING/v1.0/getApplicationSubscriptionHistory","params":{"vendorClientId":"456238"},"id":4}"#
    );
    assert_eq!(req.headers()["x-application"], "VENDOR-KEY");
}

#[test]
fn every_operation_has_its_documented_header_rule() {
    let without_app_key = [
        ACTIVATE_APPLICATION_SUBSCRIPTION,
        SUBSCRIPTION_HISTORY_CUSTOMER,
    ];
    let never_repeated = [
        GET_APPLICATION_SUBSCRIPTION_TOKEN,
        ACTIVATE_APPLICATION_SUBSCRIPTION,
        CANCEL_APPLICATION_SUBSCRIPTION,
        UPDATE_APPLICATION_SUBSCRIPTION,
        TOKEN,
        REVOKE_ACCESS_TO_WEB_APP,
        GET_AUTHORISATION_CODE,
    ];
    for op in [
        GET_APPLICATION_SUBSCRIPTION_TOKEN,
        ACTIVATE_APPLICATION_SUBSCRIPTION,
        CANCEL_APPLICATION_SUBSCRIPTION,
        UPDATE_APPLICATION_SUBSCRIPTION,
        LIST_APPLICATION_SUBSCRIPTION_TOKENS,
        LIST_ACCOUNT_SUBSCRIPTION_TOKENS,
        SUBSCRIPTION_HISTORY_VENDOR,
        SUBSCRIPTION_HISTORY_CUSTOMER,
        GET_VENDOR_CLIENT_ID,
        GET_VENDOR_DETAILS,
        TOKEN,
        IS_ACCOUNT_SUBSCRIBED_TO_WEB_APP,
        REVOKE_ACCESS_TO_WEB_APP,
        LIST_AUTHORIZED_WEB_APPS,
        GET_AFFILIATE_RELATION,
        GET_AUTHORISATION_CODE,
    ] {
        assert_eq!(op.app_key, !without_app_key.contains(&op), "{}", op.name);
        assert_eq!(op.idempotent, !never_repeated.contains(&op), "{}", op.name);
    }
}

#[test]
fn params_of_the_other_operations_are_exact() {
    let body = |p: &dyn erased::Params| p.json();
    assert_eq!(body(&NoParams {}), "{}");
    assert_eq!(
        body(&UpdateParams {
            vendor_client_id: "456238",
            subscription_length: 30
        }),
        r#"{"vendorClientId":"456238","subscriptionLength":30}"#
    );
    assert_eq!(
        body(&ListTokensParams {
            subscription_status: Some("ACTIVATED")
        }),
        r#"{"subscriptionStatus":"ACTIVATED"}"#
    );
    assert_eq!(
        body(&VendorIdParams { vendor_id: "4242" }),
        r#"{"vendorId":"4242"}"#
    );
    assert_eq!(
        body(&RevokeParams { vendor_id: 4242 }),
        r#"{"vendorId":4242}"#
    );
    assert_eq!(
        body(&AffiliateParams {
            vendor_client_ids: &["1".to_owned(), "2".to_owned()]
        }),
        r#"{"vendorClientIds":["1","2"]}"#
    );
    assert_eq!(
        body(&TokenRequestParams {
            client_id: "4242",
            grant_type: "AUTHORIZATION_CODE",
            code: Some("C0DE"),
            client_secret: "S3C",
            refresh_token: None,
        }),
        r#"{"client_id":"4242","grant_type":"AUTHORIZATION_CODE","code":"C0DE","client_secret":"S3C"}"#
    );
    assert_eq!(
        body(&TokenRequestParams {
            client_id: "4242",
            grant_type: "REFRESH_TOKEN",
            code: None,
            client_secret: "S3C",
            refresh_token: Some("R1"),
        }),
        r#"{"client_id":"4242","grant_type":"REFRESH_TOKEN","client_secret":"S3C","refresh_token":"R1"}"#
    );
}

/// Serializes the different params types through one function.
mod erased {
    pub(super) trait Params {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Params for T {
        fn json(&self) -> String {
            String::from_utf8(super::body(super::AccountsTransport::Rest, "x", self, 1).unwrap())
                .unwrap()
        }
    }
}

#[test]
fn json_rpc_results_and_rest_bodies_parse() {
    let t: String = parse_answer(
        AccountsTransport::JsonRpc,
        &answer(200, r#"{"jsonrpc":"2.0","result":"ABCD-EFGH-IJKL","id":1}"#),
    )
    .unwrap();
    assert_eq!(t, "ABCD-EFGH-IJKL");
    let b: bool = parse_answer(AccountsTransport::Rest, &answer(200, "true")).unwrap();
    assert!(b);
    let e = parse_answer::<String>(
        AccountsTransport::JsonRpc,
        &answer(200, r#"{"jsonrpc":"2.0","id":1}"#),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    assert_eq!(e.http_failure(), Some(HttpFailure::MalformedBody));
}

const RPC_EXCEPTION: &str = r#"{"jsonrpc":"2.0","error":{"code":-32099,"message":"AANGX-0002","data":{"exceptionname":"AccountAPINGException","AccountAPINGException":{"errorCode":"INVALID_SESSION_INFORMATION","errorDetails":"token SECRET-ECHO-1 unknown","requestUUID":"prdang001-08041434-000d5b4b5c"}}},"id":1}"#;

#[test]
fn a_json_rpc_exception_is_typed_keyed_on_error_code_and_keeps_the_request_uuid() {
    let e = parse_answer::<String>(AccountsTransport::JsonRpc, &answer(200, RPC_EXCEPTION))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(e.code(), Some("INVALID_SESSION_INFORMATION"));
    assert!(is_rejection_error(&e));
    let Some(AccountsFault::Exception(x)) = accounts_fault(&e) else {
        panic!("not an exception fault");
    };
    assert_eq!(x.exception_name, "AccountAPINGException");
    assert_eq!(
        x.request_uuid.as_deref(),
        Some("prdang001-08041434-000d5b4b5c")
    );
    assert_eq!(x.reference.as_deref(), Some("AANGX-0002"));
    assert_eq!(x.json_rpc_code, Some(-32099));
    assert_eq!(x.http_status, 200);
    assert_eq!(
        e.to_string(),
        "betfair: session no longer accepted: INVALID_SESSION_INFORMATION"
    );
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("prdang001-08041434-000d5b4b5c"), "{shown}");
    assert!(!shown.contains("SECRET-ECHO"), "errorDetails is never kept");
}

#[test]
fn rest_faults_are_read_on_any_status_including_200() {
    let fault = r#"{"faultcode":"Client","faultstring":"AANGX-0014","detail":{"exceptionname":"AccountAPINGException","AccountAPINGException":{"errorCode":"TOO_MANY_REQUESTS","errorDetails":"","requestUUID":"r-1"}}}"#;
    for status in [400, 200, 500] {
        let e =
            parse_answer::<String>(AccountsTransport::Rest, &answer(status, fault)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RateLimited, "{status}");
        assert_eq!(e.code(), Some("TOO_MANY_REQUESTS"));
        assert_eq!(accounts_fault(&e).unwrap().request_uuid(), Some("r-1"));
    }
    // The JSON-RPC client reads REST-shaped faults too, and vice versa.
    let e = parse_answer::<String>(AccountsTransport::JsonRpc, &answer(400, fault)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    let e =
        parse_answer::<String>(AccountsTransport::Rest, &answer(200, RPC_EXCEPTION)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
}

#[test]
fn framework_errors_are_typed_with_their_dsc_and_json_rpc_codes() {
    let e = parse_answer::<String>(
        AccountsTransport::JsonRpc,
        &answer(
            200,
            r#"{"jsonrpc":"2.0","error":{"code":-32602,"message":"DSC-0018"},"id":1}"#,
        ),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(e.code(), Some("DSC-0018"));
    assert_eq!(
        accounts_fault(&e),
        Some(&AccountsFault::Framework(FrameworkFault {
            json_rpc_code: Some(-32602),
            dsc_code: Some("DSC-0018".to_owned()),
            fault_code: None,
            http_status: 200,
        }))
    );
    let e = parse_answer::<String>(
        AccountsTransport::JsonRpc,
        &answer(
            200,
            r#"{"jsonrpc":"2.0","error":{"code":-32603,"message":"internal"},"id":1}"#,
        ),
    )
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Unavailable, Some("-32603"))
    );
    let e = parse_answer::<String>(
        AccountsTransport::Rest,
        &answer(
            404,
            r#"{"faultcode":"Client","faultstring":"DSC-0021","detail":{}}"#,
        ),
    )
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("DSC-0021"))
    );
    let Some(AccountsFault::Framework(f)) = accounts_fault(&e) else {
        panic!("not a framework fault");
    };
    assert_eq!(f.fault_code.as_deref(), Some("Client"));
    assert_eq!(f.http_status, 404);
    let e = parse_answer::<String>(
        AccountsTransport::Rest,
        &answer(
            504,
            r#"{"faultcode":"Server","faultstring":"DSC-0019","detail":{}}"#,
        ),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
}

#[test]
fn every_exception_code_of_the_table_maps_through_a_real_envelope() {
    for (code, kind) in ACCOUNTS_CODES
        .rows()
        .iter()
        .filter_map(|row| Some((row.code()?, row.kind())))
    {
        let body = format!(
            r#"{{"jsonrpc":"2.0","error":{{"code":-32099,"message":"AANGX-0001","data":{{"exceptionname":"AccountAPINGException","AccountAPINGException":{{"errorCode":"{code}","requestUUID":"u"}}}}}},"id":1}}"#
        );
        let e =
            parse_answer::<String>(AccountsTransport::JsonRpc, &answer(200, &body)).unwrap_err();
        assert_eq!((e.kind(), e.code()), (kind, Some(code)), "{code}");
        assert_eq!(
            is_rejection_error(&e),
            matches!(code, "INVALID_SESSION_INFORMATION" | "NO_SESSION")
        );
    }
    // An APINGException (betting-side name) in the same envelope, and an unknown code.
    let body = r#"{"faultcode":"Client","faultstring":"ANGX-0099","detail":{"exceptionname":"APINGException","APINGException":{"errorCode":"SOMETHING_NEW"}}}"#;
    let e = parse_answer::<String>(AccountsTransport::Rest, &answer(400, body)).unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::UnexpectedResponse, Some("SOMETHING_NEW"))
    );
    let Some(AccountsFault::Exception(x)) = accounts_fault(&e) else {
        panic!("not an exception");
    };
    assert_eq!(x.exception_name, "APINGException");
}

#[test]
fn gateway_pages_and_garbage_are_not_faults() {
    let html = HttpResponse::new(
        NAME,
        http::StatusCode::BAD_GATEWAY,
        {
            let mut h = HeaderMap::new();
            h.insert("content-type", "text/html".parse().unwrap());
            h
        },
        "<html><body>bad gateway</body></html>",
    );
    let e = parse_answer::<String>(AccountsTransport::JsonRpc, &html).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(accounts_fault(&e).is_none());
    let e = parse_answer::<String>(AccountsTransport::Rest, &answer(200, "{not json")).unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::UnexpectedResponse | ErrorKind::Unavailable
    ));
    let e = parse_answer::<String>(AccountsTransport::Rest, &answer(403, "nope")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
}

#[test]
fn subscriptions_parse_with_real_timestamps_and_unknown_statuses_kept() {
    let body = r#"[{"subscriptionToken":"ABCD-EFGH-IJKL","expiryDateTime":"2015-10-08T00:00:00.000Z","createdDateTime":"2014-10-07T10:55:42.123Z","activationDateTime":"2014-10-07T11:00:00","subscriptionStatus":"ACTIVATED","clientReference":"order-42","vendorClientId":"456238","extra":1},
                   {"subscriptionToken":"WXYZ-WXYZ-WXYZ","subscriptionStatus":"SUSPENDED_LATER","cancellationDateTime":1412679342000,"expiryDateTime":null}]"#;
    let subs: Vec<ApplicationSubscription> =
        parse_answer(AccountsTransport::Rest, &answer(200, body)).unwrap();
    assert_eq!(subs[0].subscription_token.expose_secret(), "ABCD-EFGH-IJKL");
    assert_eq!(
        subs[0].expiry_date_time,
        Some(datetime!(2015-10-08 00:00:00 UTC))
    );
    assert_eq!(
        subs[0].created_date_time,
        Some(datetime!(2014-10-07 10:55:42.123 UTC))
    );
    assert_eq!(
        subs[0].activation_date_time,
        Some(datetime!(2014-10-07 11:00:00 UTC)),
        "no offset means UTC"
    );
    assert_eq!(
        subs[0].subscription_status,
        Some(SubscriptionStatus::Activated)
    );
    assert_eq!(subs[0].vendor_client_id.as_deref(), Some("456238"));
    assert_eq!(
        subs[1].subscription_status,
        Some(SubscriptionStatus::Unknown("SUSPENDED_LATER".to_owned()))
    );
    assert_eq!(
        subs[1].cancellation_date_time,
        Some(datetime!(2014-10-07 10:55:42 UTC))
    );
    assert_eq!(subs[1].expiry_date_time, None);
    assert!(
        !format!("{subs:?}").contains("ABCD-EFGH"),
        "tokens are redacted"
    );

    let history: Vec<SubscriptionHistory> = parse_answer(
        AccountsTransport::JsonRpc,
        &answer(
            200,
            r#"{"jsonrpc":"2.0","result":[{"subscriptionToken":"T","expiryDateTime":"2015-10-08T01:00:00+01:00","subscriptionStatus":"expired"}],"id":3}"#,
        ),
    )
    .unwrap();
    assert_eq!(
        history[0].expiry_date_time,
        Some(datetime!(2015-10-08 00:00:00 UTC))
    );
    assert_eq!(
        history[0].subscription_status,
        Some(SubscriptionStatus::Expired)
    );
    let e = parse_answer::<Vec<SubscriptionHistory>>(
        AccountsTransport::Rest,
        &answer(
            200,
            r#"[{"subscriptionToken":"T","expiryDateTime":"yesterday"}]"#,
        ),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
}

#[test]
fn the_token_answer_is_read_leniently() {
    for body in [
        // Betfair's documented example: snake_case, expires_in as a string.
        r#"{"access_token":"A1","token_type":"BEARER","expires_in":"14400","refresh_token":"R1","application_subscription":{"vendor_client_id":"456238"}}"#,
        // The interface definition's camelCase, expires_in as a number.
        r#"{"accessToken":"A1","tokenType":"bearer","expiresIn":14400,"refreshToken":"R1","applicationSubscription":{"vendorClientId":"456238","subscriptionStatus":"ACTIVATED"}}"#,
    ] {
        let t: VendorAccessToken =
            parse_answer(AccountsTransport::Rest, &answer(200, body)).unwrap();
        assert_eq!(t.access_token.expose_secret(), "A1");
        assert_eq!(t.refresh_token.as_ref().unwrap().expose_secret(), "R1");
        assert_eq!(t.expires_in, Some(14_400));
        assert_eq!(t.token_type, TokenType::Bearer);
        assert_eq!(t.vendor_client_id(), Some("456238"));
        let shown = format!("{t:?}");
        assert!(!shown.contains("A1") && !shown.contains("R1"), "{shown}");
    }
    let t: VendorAccessToken = parse_answer(
        AccountsTransport::Rest,
        &answer(200, r#"{"access_token":"A"}"#),
    )
    .unwrap();
    assert_eq!((t.expires_in, t.token_type), (None, TokenType::Bearer));
    assert!(t.refresh_token.is_none());
}

/// An unrecognised `token_type` is response text: Debug must not repeat it (a server may echo
/// the token there), while a code-like unknown value stays visible for debugging.
#[test]
fn debug_never_prints_unknown_response_text() {
    let long = "x".repeat(100);
    for (token_type, hidden) in [
        ("SENTINEL-ACCESS-TOKEN-abc def", "SENTINEL"),
        ("Bearer A1-secret-echo\u{e9}", "secret-echo"),
        (long.as_str(), "xxxxxxxxxx"),
    ] {
        let body = serde_json::json!({"access_token": "A1", "token_type": token_type}).to_string();
        let t: VendorAccessToken =
            parse_answer(AccountsTransport::Rest, &answer(200, &body)).unwrap();
        let shown = format!("{t:?}");
        assert!(!shown.contains(hidden), "{shown}");
        assert!(shown.contains("Unknown([REDACTED])"), "{shown}");
    }
    assert_eq!(
        format!("{:?}", TokenType::parse("MAC")),
        r#"Unknown("MAC")"#
    );
    assert_eq!(format!("{:?}", TokenType::Bearer), "Bearer");
}

#[test]
fn enums_keep_unknown_values_and_ignore_case() {
    assert_eq!(
        SubscriptionStatus::parse("unactivated"),
        SubscriptionStatus::Unactivated
    );
    assert_eq!(SubscriptionStatus::parse("NEW_ONE").as_str(), "NEW_ONE");
    assert_eq!(
        serde_json::to_string(&SubscriptionStatus::All).unwrap(),
        r#""ALL""#
    );
    assert_eq!(
        "AFFILIATED".parse::<crate::vendor::AffiliateRelationStatus>(),
        Ok(crate::vendor::AffiliateRelationStatus::Affiliated)
    );
    assert_eq!(
        crate::vendor::GrantType::RefreshToken.to_string(),
        "REFRESH_TOKEN"
    );
}

#[test]
fn a_missing_accounts_endpoint_is_configuration_html_or_not() {
    let mut h = HeaderMap::new();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html"),
    );
    for status in [404u16, 405] {
        let page = HttpResponse::new(
            NAME,
            http::StatusCode::from_u16(status).unwrap(),
            h.clone(),
            "<html><body>Not Found</body></html>",
        );
        for transport in [AccountsTransport::JsonRpc, AccountsTransport::Rest] {
            for r in [page.clone(), answer(status, "")] {
                let e = parse_answer::<String>(transport, &r).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Configuration, "{status}");
                assert_eq!(
                    e.to_string(),
                    format!(
                        "betfair: no betfair accounts api endpoint at the base url (http {status})"
                    )
                );
            }
        }
    }
    // A 502 page is still an outage.
    let page = HttpResponse::new(NAME, http::StatusCode::BAD_GATEWAY, h, "<html></html>");
    let e = parse_answer::<String>(AccountsTransport::Rest, &page).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}
