//! Apereo CAS REST against httpmock: form login, the TGT from `Location`, service tickets,
//! status, logout and failures.

use std::time::Duration;

use httpmock::Method::{DELETE, GET, POST};
use httpmock::MockServer;
use session_cas::{
    ErrorKind, Renewal, Session, SessionManager, SessionProvider, is_target_not_established,
};
use session_core::test_util::{ManualClock, assert_error_clean};

use crate::support::{apereo_config, apereo_provider, secrets};

/// A TGT whose suffix holds a URL, as in pac4j issue #1310.
const TGT: &str = "TGT-7-TGTSENTINELxyz-https://cas.example.org";
/// The same ticket as one percent-encoded path segment.
const TGT_PATH: &str = "/cas/v1/tickets/TGT-7-TGTSENTINELxyz-https:%2F%2Fcas.example.org";
const LOGIN_BODY: &str = "username=punter_01&password=PW-SENTINEL-7f3a";

#[tokio::test]
async fn login_posts_a_form_and_takes_the_tgt_after_v1_tickets_in_location() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/cas/v1/tickets")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "text/plain")
                .header_missing("apiKey")
                .is_true(|req| req.uri().query().is_none())
                .body(LOGIN_BODY);
            // Behind a proxy the Location names an internal host; only its path is used.
            then.status(201)
                .header(
                    "location",
                    "http://10.1.2.3:8080/cas/v1/tickets/TGT-7-TGTSENTINELxyz-https://cas.example.org",
                )
                .header("content-type", "text/plain")
                .body(TGT);
        })
        .await;
    let provider = apereo_provider(&server.base_url(), &clock);
    let session = provider.login().await.unwrap();
    login.assert_async().await;
    assert_eq!(session.ticket().expose_secret(), TGT);
    assert!(!session.is_extended());
    assert_eq!(session.deadline(), clock.now() + Duration::from_secs(7_200));
    assert_eq!(
        session.hard_deadline(),
        clock.now() + Duration::from_secs(28_000)
    );
    // Tickets travel in URLs and service tickets, never in headers.
    let mut headers = http::HeaderMap::new();
    session.authenticate(&mut headers);
    assert!(headers.is_empty());
}

#[tokio::test]
async fn service_tickets_are_form_posts_to_the_configured_base() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/cas/v1/tickets");
            then.status(201).header(
                "location",
                "https://elsewhere.example.net/cas/v1/tickets/TGT-7-TGTSENTINELxyz-https://cas.example.org",
            );
        })
        .await;
    let mint = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(TGT_PATH)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("service=https%3A%2F%2Fapp.example.org%2Flogin%3Fnext%3D%2F");
            then.status(200)
                .header("content-type", "text/plain;charset=UTF-8")
                .body("ST-1-STSENTINELabc-cas01");
        })
        .await;
    let provider = apereo_provider(&server.base_url(), &clock);
    let session = provider.login().await.unwrap();
    let st = provider
        .service_ticket(&session, "https://app.example.org/login?next=/")
        .await
        .unwrap();
    assert_eq!(st.expose_secret(), "ST-1-STSENTINELabc-cas01");
    let _ = provider
        .service_ticket(&session, "https://app.example.org/login?next=/")
        .await
        .unwrap();
    assert_eq!(mint.calls_async().await, 2, "never cached");
}

#[tokio::test]
async fn an_html_201_with_location_is_a_login() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/cas/v1/tickets");
            then.status(201)
                .header("content-type", "text/html")
                .header("location", "https://cas.example.org/cas/v1/tickets/TGT-8-abc")
                .body("<html><body><h1>TGT Created</h1><form action=\"https://cas.example.org/cas/v1/tickets/TGT-8-abc\"></form></body></html>");
        })
        .await;
    let session = apereo_provider(&server.base_url(), &clock)
        .login()
        .await
        .unwrap();
    assert_eq!(session.ticket().expose_secret(), "TGT-8-abc");
}

#[tokio::test]
async fn bad_credentials_are_one_request_for_401_and_for_old_servers_400() {
    for status in [401, 400] {
        let server = MockServer::start_async().await;
        let clock = ManualClock::new();
        let login = server
            .mock_async(|when, then| {
                when.method(POST).path("/cas/v1/tickets");
                then.status(status)
                    .header("content-type", "application/json")
                    .body("{\n  \"authentication_exceptions\" : [ \"Authentication failed for PW-SENTINEL-7f3a:authenticationFailure.FailedLoginException\" ]\n}");
            })
            .await;
        let manager = SessionManager::builder(apereo_provider(&server.base_url(), &clock))
            .clock(clock.shared())
            .build();
        let e = manager.get().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCredentials, "{status}");
        assert_error_clean(&e, &secrets());
        let _ = manager.get().await.unwrap_err();
        assert_eq!(login.calls_async().await, 1, "{status}: never retried");
    }
}

#[tokio::test]
async fn a_locked_account_is_account_restricted() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/cas/v1/tickets");
            then.status(401).header("content-type", "application/json").body(
                r#"{"authentication_exceptions":["Account locked:authenticationFailure.AccountLockedException"]}"#,
            );
        })
        .await;
    let e = apereo_provider(&server.base_url(), &clock)
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AccountRestricted);
    assert_eq!(e.code(), Some("AccountLockedException"));
}

#[tokio::test]
async fn unsupported_media_type_is_a_configuration_error() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/cas/v1/tickets");
            then.status(415);
        })
        .await;
    let e = apereo_provider(&server.base_url(), &clock)
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}

#[tokio::test]
async fn a_201_without_location_or_ticket_is_unexpected() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/cas/v1/tickets");
            then.status(201)
                .header("content-type", "text/plain")
                .body("created");
        })
        .await;
    let e = apereo_provider(&server.base_url(), &clock)
        .login()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
}

async fn logged_in(server: &MockServer) {
    server
        .mock_async(|when, then| {
            when.method(POST).path("/cas/v1/tickets");
            then.status(201).header(
                "location",
                "https://cas.example.org/cas/v1/tickets/TGT-7-TGTSENTINELxyz-https://cas.example.org",
            );
        })
        .await;
}

#[tokio::test]
async fn status_200_renews_and_404_means_gone() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    logged_in(&server).await;
    let status = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(TGT_PATH)
                .header("accept", "text/plain");
            then.status(200).body(TGT);
        })
        .await;
    let provider = apereo_provider(&server.base_url(), &clock);
    let session = provider.login().await.unwrap();
    clock.advance(Duration::from_secs(600));
    assert!(matches!(
        provider.renew(&session).await.unwrap(),
        Renewal::Extended(_)
    ));
    assert_eq!(status.calls_async().await, 1);
    status.delete_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(TGT_PATH);
            then.status(404).body("Ticket could not be found");
        })
        .await;
    let e = provider.renew(&session).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
}

#[tokio::test]
async fn service_ticket_failures_are_typed() {
    for (status, body, kind, target) in [
        (
            404,
            "TGT could not be found or is considered invalid",
            ErrorKind::SessionRejected,
            false,
        ),
        (400, "", ErrorKind::Configuration, true),
        (
            500,
            "Target service/application is unspecified or unrecognized",
            ErrorKind::Configuration,
            true,
        ),
        (
            500,
            "java.lang.NullPointerException",
            ErrorKind::Unavailable,
            false,
        ),
    ] {
        let server = MockServer::start_async().await;
        let clock = ManualClock::new();
        logged_in(&server).await;
        server
            .mock_async(|when, then| {
                when.method(POST).path(TGT_PATH);
                then.status(status)
                    .header("content-type", "text/plain")
                    .body(body);
            })
            .await;
        let provider = apereo_provider(&server.base_url(), &clock);
        let session = provider.login().await.unwrap();
        let e = provider
            .service_ticket(&session, "https://app.example.org/")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{status} {body}");
        assert_eq!(is_target_not_established(&e), target, "{status} {body}");
    }
}

#[tokio::test]
async fn logout_is_a_delete_and_an_unknown_ticket_is_already_logged_out() {
    for status in [200, 404] {
        let server = MockServer::start_async().await;
        let clock = ManualClock::new();
        logged_in(&server).await;
        let delete = server
            .mock_async(|when, then| {
                when.method(DELETE).path(TGT_PATH).body("");
                then.status(status);
            })
            .await;
        let provider = apereo_provider(&server.base_url(), &clock);
        let session = provider.login().await.unwrap();
        provider.logout(&session).await.unwrap();
        assert_eq!(delete.calls_async().await, 1);
    }
}

#[tokio::test]
async fn renew_service_renews_with_a_service_ticket_instead_of_a_status_read() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    logged_in(&server).await;
    let mint = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(TGT_PATH)
                .body("service=https%3A%2F%2Fcas.example.org%2Fkeepalive");
            then.status(200).body("ST-2-STSENTINELkeep");
        })
        .await;
    let status = server
        .mock_async(|when, then| {
            when.method(GET).path(TGT_PATH);
            then.status(200);
        })
        .await;
    let provider = apereo_config(&server.base_url(), &clock)
        .renew_service("https://cas.example.org/keepalive")
        .build()
        .unwrap();
    let session = provider.login().await.unwrap();
    clock.advance(Duration::from_secs(1_800));
    let Renewal::Extended(expiry) = provider.renew(&session).await.unwrap() else {
        panic!("renewal extends");
    };
    assert_eq!(expiry, session.expiry());
    assert_eq!(mint.calls_async().await, 1);
    assert_eq!(status.calls_async().await, 0);
}

#[test]
fn extended_tickets_are_refused_for_apereo() {
    let clock = ManualClock::new();
    let e = apereo_config("https://cas.example.org", &clock)
        .extended(true)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
}

#[tokio::test]
async fn a_server_without_the_rest_module_is_a_configuration_error_not_an_outage() {
    // What Tomcat in front of a CAS without the REST module answers: an HTML "Not Found" page.
    const PAGE: &str = "<!doctype html><html lang=\"en\"><head><title>HTTP Status 404 – Not Found</title></head><body>PAGE-SENTINEL</body></html>";
    for (status, flavour) in [(404, "apereo"), (405, "apereo"), (404, "wh"), (405, "wh")] {
        let server = MockServer::start_async().await;
        let clock = ManualClock::new();
        let login = server
            .mock_async(|when, then| {
                when.method(POST);
                then.status(status)
                    .header("content-type", "text/html;charset=utf-8")
                    .body(PAGE);
            })
            .await;
        let provider = if flavour == "apereo" {
            apereo_provider(&server.base_url(), &clock)
        } else {
            crate::support::wh_provider(&server.base_url(), &clock)
        };
        let manager = SessionManager::builder(provider)
            .clock(clock.shared())
            .build();
        let e = manager.get().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{flavour} {status}");
        assert!(!e.is_retryable());
        assert_eq!(
            e.to_string(),
            format!("cas: no cas rest endpoint at the base url (http {status})")
        );
        assert!(!format!("{e:?}").contains("PAGE-SENTINEL"));
        assert_error_clean(&e, &secrets());
        // Not retryable: one get() is one request, without a retry behind it.
        assert_eq!(login.calls_async().await, 1, "{flavour} {status}");
    }
}
