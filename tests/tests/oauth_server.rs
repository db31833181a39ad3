//! Seaware and the core client-credentials provider (the Pagos bearer-token source) against a
//! real OAuth 2.0 authorization server, django-oauth-toolkit on oauthlib, rather than a simulator
//! written alongside the client: a misreading of the API shared by the client and its simulator
//! cannot hide here.
//!
//! Each test starts its own server (fresh in-memory database, fixtures from
//! `tests/oauth-server/serve.py`) and asserts the exact sequence of requests the server answered,
//! read from its own log. The tests skip, saying why, only when no `python3` is available; with
//! `CI` set they fail instead.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use http::Method;
use serde_json::Value;
use session_core::http::{HttpClient, HttpResponse, form_encode};
use session_core::oauth::{ClientAuth, ClientCredentialsProvider, Placement};
use session_core::{
    ClientCredentials, ErrorKind, Renewal, Session, SessionManager, SessionProvider,
};
use session_pagos::{PagosProvider, TokenSource};
use session_seaware::{SeawareProvider, SeawareSession, is_rejection};
use session_tests::oauth_server::{OAuthServer, Unavailable};
use url::Url;

const USER: &str = "ann";
const PASSWORD: &str = "ann-password";
const SEAWARE_CLIENT: (&str, &str) = ("seaware-ota", "seaware-secret");
const PAGOS_CLIENT: (&str, &str) = ("pagos-api", "pagos-secret");

/// The server, or `None` when the test is to be skipped (no Python, not in CI).
fn server() -> Option<OAuthServer> {
    match OAuthServer::start(Path::new(env!("CARGO_TARGET_TMPDIR"))) {
        Ok(server) => Some(server),
        Err(Unavailable::NoPython(why)) if std::env::var_os("CI").is_none() => {
            // Straight to stderr, past the test harness's capture: a skip must be visible.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: the real OAuth server tests need Python: {why}"
            );
            None
        }
        Err(e) => panic!("the real OAuth server is required here: {e}"),
    }
}

fn http() -> HttpClient {
    http_for("interop")
}

fn http_for(provider: &'static str) -> HttpClient {
    HttpClient::builder(provider)
        .allow_insecure_loopback(true)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// One request as the server logged it: method, path, grant type, where the parameters were
/// (`form`, `query` or `none`), and the status it answered.
type Seen = (String, String, Option<String>, String, u16);

fn seen(method: &str, path: &str, grant: Option<&str>, placement: &str, status: u16) -> Seen {
    (
        method.to_owned(),
        path.to_owned(),
        grant.map(str::to_owned),
        placement.to_owned(),
        status,
    )
}

fn token_call(grant: &str, status: u16) -> Seen {
    seen("POST", "/ota/oauth/token", Some(grant), "form", status)
}

/// The server's log rows, in order.
async fn rows(server: &OAuthServer) -> Vec<Value> {
    let url = format!("{}/_test/requests", server.base_url());
    let request = http::Request::get(url).body(Vec::new()).unwrap();
    http().send(request).await.unwrap().json().unwrap()
}

/// The requests the server answered so far, in order.
async fn log(server: &OAuthServer) -> Vec<Seen> {
    rows(server)
        .await
        .into_iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_owned(),
                r["path"].as_str().unwrap().to_owned(),
                r["grant_type"].as_str().map(str::to_owned),
                r["placement"].as_str().unwrap().to_owned(),
                u16::try_from(r["status"].as_u64().unwrap()).unwrap(),
            )
        })
        .collect()
}

/// The content type the server answered its `n`th request with.
async fn content_type(server: &OAuthServer, n: usize) -> String {
    rows(server).await[n]["content_type"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `GET /ota/rest/whoami` with the session's credentials.
async fn whoami(server: &OAuthServer, session: &impl Session) -> HttpResponse {
    let mut request = http::Request::get(format!("{}/ota/rest/whoami", server.base_url()))
        .body(Vec::new())
        .unwrap();
    session.authenticate(request.headers_mut());
    http().send(request).await.unwrap()
}

fn seaware(server: &OAuthServer) -> session_seaware::SeawareBuilder {
    SeawareProvider::builder(server.base_url())
        .credentials(USER, PASSWORD)
        .client_id(SEAWARE_CLIENT.0)
        .client_secret(SEAWARE_CLIENT.1)
        .placement(Placement::Form)
        .allow_insecure_loopback(true)
}

fn access(session: &SeawareSession) -> String {
    session.access_token().unwrap().expose_secret().to_owned()
}

fn refresh(session: &SeawareSession) -> String {
    session.refresh_token().unwrap().expose_secret().to_owned()
}

#[tokio::test]
async fn seaware_logs_in_with_form_parameters_and_the_token_opens_a_protected_resource() {
    let Some(server) = server() else { return };
    let manager = SessionManager::builder(seaware(&server).build().unwrap()).build();
    let lease = manager.get().await.unwrap();
    assert!(!access(&lease).is_empty());
    assert!(!refresh(&lease).is_empty());
    assert_eq!(lease.scope(), Some("travelagent"));
    let answer = whoami(&server, &*lease).await;
    assert_eq!(answer.status(), 200);
    let who: Value = answer.json().unwrap();
    assert_eq!(
        (who["user"].as_str(), who["client_id"].as_str()),
        (Some(USER), Some(SEAWARE_CLIENT.0))
    );
    // A second get() uses the cached session.
    let again = manager.get().await.unwrap();
    assert_eq!(access(&again), access(&lease));
    assert_eq!(
        log(&server).await,
        [
            token_call("password", 200),
            seen("GET", "/ota/rest/whoami", None, "none", 200),
        ]
    );
}

#[tokio::test]
async fn seaware_refresh_rotates_both_tokens_and_the_old_access_token_is_refused() {
    let Some(server) = server() else { return };
    let provider = seaware(&server).build().unwrap();
    let first = provider.login().await.unwrap();
    let Renewal::Renewed(second) = provider.renew(&first).await.unwrap() else {
        panic!("a refresh grant renews the session");
    };
    assert_ne!(access(&second), access(&first));
    assert_ne!(refresh(&second), refresh(&first));
    assert_eq!(whoami(&server, &second).await.status(), 200);
    // toolkit revokes the old access token on refresh: Seaware sees a rejection.
    let old = whoami(&server, &first).await;
    assert_eq!(old.status(), 401);
    assert!(is_rejection(&old));
    assert_eq!(
        log(&server).await,
        [
            token_call("password", 200),
            token_call("refresh_token", 200),
            seen("GET", "/ota/rest/whoami", None, "none", 200),
            seen("GET", "/ota/rest/whoami", None, "none", 401),
        ]
    );
}

/// Revokes `token` with toolkit's own revocation endpoint (RFC 7009).
async fn revoke(server: &OAuthServer, token: &str, hint: &str) {
    let body = form_encode([
        ("token", token),
        ("token_type_hint", hint),
        ("client_id", SEAWARE_CLIENT.0),
        ("client_secret", SEAWARE_CLIENT.1),
    ]);
    let request = http::Request::post(format!("{}/o/revoke_token/", server.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.into_bytes())
        .unwrap();
    assert_eq!(http().send(request).await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_revoked_refresh_token_is_a_rejection_and_the_manager_falls_back_to_a_login() {
    let Some(server) = server() else { return };
    let provider = seaware(&server).build().unwrap();
    let manager = SessionManager::builder(provider.clone()).build();
    let first = manager.get().await.unwrap();
    revoke(&server, &refresh(&first), "refresh_token").await;

    // The provider reports the dead refresh token as a rejected session...
    let e = provider.renew(&first).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SessionRejected);
    assert_eq!(e.code(), Some("invalid_grant"));
    assert_eq!(
        e.to_string(),
        "seaware: refresh token rejected (http 400): invalid_grant"
    );
    // ...so a renewal through the manager tries the refresh once, then logs in.
    let second = manager.refresh().await.unwrap();
    assert_ne!(access(&second), access(&first));
    assert!(second.generation() > first.generation());
    assert_eq!(whoami(&server, &*second).await.status(), 200);
    assert_eq!(
        log(&server).await,
        [
            token_call("password", 200),
            seen("POST", "/o/revoke_token/", None, "form", 200),
            token_call("refresh_token", 400),
            token_call("refresh_token", 400),
            token_call("password", 200),
            seen("GET", "/ota/rest/whoami", None, "none", 200),
        ]
    );
}

#[tokio::test]
async fn logout_revokes_the_tokens_in_the_servers_own_store() {
    let Some(server) = server() else { return };
    let provider = seaware(&server).build().unwrap();
    let manager = SessionManager::builder(provider.clone()).build();
    let lease = manager.get().await.unwrap();
    let session: SeawareSession = (*lease).clone();
    drop(lease);
    manager.logout().await.unwrap();
    // The server no longer accepts the access token, nor the refresh token.
    assert_eq!(whoami(&server, &session).await.status(), 401);
    let e = provider.renew(&session).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::SessionRejected, Some("invalid_grant"))
    );
    // Logging out again is fine: the server says the token is already gone.
    provider.logout(&session).await.unwrap();
    assert_eq!(
        log(&server).await,
        [
            token_call("password", 200),
            seen("POST", "/ota/oauth/logout", None, "none", 200),
            seen("GET", "/ota/rest/whoami", None, "none", 401),
            token_call("refresh_token", 400),
            seen("POST", "/ota/oauth/logout", None, "none", 401),
        ]
    );
}

#[tokio::test]
async fn a_wrong_password_is_invalid_credentials_and_never_retried() {
    let Some(server) = server() else { return };
    let provider = seaware(&server)
        .credentials(USER, "PW-SENTINEL-wrong")
        .build()
        .unwrap();
    let manager = SessionManager::builder(provider).build();
    let e = manager.get().await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::InvalidCredentials, Some("invalid_grant"))
    );
    assert_eq!(
        e.to_string(),
        "seaware: login rejected (http 400): invalid_grant"
    );
    assert!(!format!("{e:?}").contains("PW-SENTINEL"));
    let again = manager.get().await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(log(&server).await, [token_call("password", 400)]);
}

#[tokio::test]
async fn password_grant_refusals_map_to_their_kinds() {
    let Some(server) = server() else { return };
    // A wrong client secret: the application is misconfigured, the user's password is not wrong.
    let e = seaware(&server)
        .client_secret("wrong-secret")
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("invalid_client"))
    );
    assert_eq!(
        e.to_string(),
        "seaware: token request refused (http 401): invalid_client"
    );
    // A scope the server does not know.
    let e = seaware(&server)
        .scope("no-such-scope")
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("invalid_scope"))
    );
    // A client registered without the password grant.
    let e = seaware(&server)
        .client_id(PAGOS_CLIENT.0)
        .client_secret(PAGOS_CLIENT.1)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("unauthorized_client"))
    );
    assert_eq!(
        log(&server).await,
        [
            token_call("password", 401),
            token_call("password", 400),
            token_call("password", 400),
        ]
    );
}

#[tokio::test]
async fn query_parameters_are_refused_and_the_error_says_to_use_the_form_placement() {
    let Some(server) = server() else { return };
    let e = seaware(&server)
        .placement(Placement::Query)
        .build()
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("invalid_request"))
    );
    let shown = e.to_string();
    assert!(
        shown.starts_with("seaware: token request refused (http 400); "),
        "{shown}"
    );
    assert!(
        shown.contains("(Placement::Form, --params form)"),
        "{shown}"
    );
    assert!(!shown.contains(PASSWORD) && !format!("{e:?}").contains(PASSWORD));
    assert_eq!(
        log(&server).await,
        [seen(
            "POST",
            "/ota/oauth/token",
            Some("password"),
            "query",
            400
        )]
    );
    // oauthlib labels this JSON answer as an HTML page.
    assert!(content_type(&server, 0).await.starts_with("text/html"));
}

fn client_credentials(server: &OAuthServer, id: &str, secret: &str) -> ClientCredentialsProvider {
    ClientCredentialsProvider::new(
        "pagos",
        http_for("pagos"),
        Url::parse(&server.token_url()).unwrap(),
        ClientCredentials::new(id, secret),
    )
}

#[tokio::test]
async fn client_credentials_get_a_token_in_the_form_body_or_with_basic_auth() {
    let Some(server) = server() else { return };
    for auth in [ClientAuth::Params, ClientAuth::Basic] {
        let provider =
            client_credentials(&server, PAGOS_CLIENT.0, PAGOS_CLIENT.1).with_client_auth(auth);
        let session = provider.login().await.unwrap();
        assert_eq!(session.scope.as_deref(), Some("travelagent"));
        let answer = whoami(&server, &session).await;
        assert_eq!(answer.status(), 200, "{auth:?}");
        let who: Value = answer.json().unwrap();
        assert_eq!(
            (who["user"].as_str(), who["client_id"].as_str()),
            (None, Some(PAGOS_CLIENT.0))
        );
    }
    // The Pagos token source is the same provider.
    let pagos = PagosProvider::builder(
        server.base_url(),
        "a4dcfb4f0464453b928ce1d6bcfb6aa3",
        TokenSource::client_credentials(
            server.token_url(),
            ClientCredentials::new(PAGOS_CLIENT.0, PAGOS_CLIENT.1),
        )
        .with_scope("read"),
    )
    .allow_insecure_loopback(true)
    .build()
    .unwrap();
    let bearer = pagos.token_manager().get().await.unwrap();
    assert_eq!(whoami(&server, &*bearer).await.status(), 200);
    // The whoami rows come without a grant; the form rows carry one each.
    let whoami_ok = seen("GET", "/ota/rest/whoami", None, "none", 200);
    assert_eq!(
        log(&server).await,
        [
            token_call("client_credentials", 200),
            whoami_ok.clone(),
            // With Basic, only the grant type is in the form.
            token_call("client_credentials", 200),
            whoami_ok.clone(),
            token_call("client_credentials", 200),
            whoami_ok,
        ]
    );
}

#[tokio::test]
async fn client_credentials_refusals_map_to_their_kinds() {
    let Some(server) = server() else { return };
    // With this grant the client's id and secret are the credentials.
    let e = client_credentials(&server, PAGOS_CLIENT.0, "wrong-secret")
        .login()
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::InvalidCredentials, Some("invalid_client"))
    );
    assert_eq!(
        e.to_string(),
        "pagos: login rejected (http 401): invalid_client"
    );
    // The manager does not retry it.
    let manager =
        SessionManager::builder(client_credentials(&server, PAGOS_CLIENT.0, "wrong-secret"))
            .build();
    assert_eq!(
        manager.get().await.unwrap_err().kind(),
        ErrorKind::InvalidCredentials
    );
    assert_eq!(
        manager.get().await.unwrap_err().kind(),
        ErrorKind::InvalidCredentials
    );
    // An unknown scope.
    let e = client_credentials(&server, PAGOS_CLIENT.0, PAGOS_CLIENT.1)
        .with_scope("no-such-scope")
        .login()
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("invalid_scope"))
    );
    // A client registered without the client-credentials grant.
    let e = client_credentials(&server, SEAWARE_CLIENT.0, SEAWARE_CLIENT.1)
        .login()
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Configuration, Some("unauthorized_client"))
    );
    // A wrong token path is a configuration error, not an outage.
    let e = ClientCredentialsProvider::new(
        "pagos",
        http_for("pagos"),
        Url::parse(&format!("{}/o/no-such-token", server.base_url())).unwrap(),
        ClientCredentials::new(PAGOS_CLIENT.0, PAGOS_CLIENT.1),
    )
    .login()
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert_eq!(
        e.to_string(),
        "pagos: no oauth token endpoint at the base url (http 404)"
    );
    assert_eq!(
        log(&server).await,
        [
            token_call("client_credentials", 401),
            token_call("client_credentials", 401),
            token_call("client_credentials", 400),
            token_call("client_credentials", 400),
            seen(
                "POST",
                "/o/no-such-token",
                Some("client_credentials"),
                "form",
                404
            ),
        ]
    );
}

#[tokio::test]
async fn the_server_stops_when_dropped() {
    let Some(server) = server() else { return };
    let base = server.base_url().to_owned();
    let pid = server.pid();
    drop(server);
    assert!(!Path::new(&format!("/proc/{pid}")).exists() || !cfg!(target_os = "linux"));
    let request = http::Request::builder()
        .method(Method::GET)
        .uri(format!("{base}/_test/requests"))
        .body(Vec::new())
        .unwrap();
    let e = http().send(request).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}
