//! One builder shape: every provider builder takes the options all providers share from
//! `session_core::http_option_methods!`, and each option behaves the same in every crate — the
//! `User-Agent` reaches the wire, the injected clock dates the session, and a bad root
//! certificate, proxy URL or user agent is a configuration error from `build`, before any
//! request.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use session_betfair::{AccountsClient, AppKey, BetfairProvider};
use session_cas::{ApiKeySecret, CasProvider, UsernamePassword};
use session_core::test_util::{ManualClock, SimResponse, SimServer};
use session_core::{ErrorKind, Expiry, Session, SessionProvider, timing};
use session_matchbook::MatchbookProvider;
use session_pagos::{AccessToken, PagosProvider, TokenSource};
use session_seaware::SeawareProvider;

const UA: &str = "shape-test/1.0";

/// A loopback server that records every request's `User-Agent` and answers `answer(path)`.
async fn server(
    answer: impl Fn(&str) -> SimResponse + Send + Sync + 'static,
) -> (SimServer, Arc<Mutex<Vec<Option<String>>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let server = SimServer::start(move |req| {
        log.lock()
            .unwrap()
            .push(req.header("user-agent").map(str::to_owned));
        answer(&req.path)
    })
    .await
    .unwrap();
    (server, seen)
}

fn unavailable(_: &str) -> SimResponse {
    SimResponse::json(503, serde_json::json!({}))
}

/// Applies the same shared options to any provider builder.
macro_rules! shared {
    ($builder:expr, $clock:expr) => {
        $builder
            .allow_insecure_loopback(true)
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(2))
            .user_agent(UA)
            .clock($clock.shared())
    };
}

/// Every builder refuses the same bad shared options, each with a configuration error.
macro_rules! refuses_bad_options {
    ($make:expr) => {{
        let kind = |r: session_core::Result<_>| r.map(|_| ()).unwrap_err().kind();
        assert_eq!(
            kind(
                $make()
                    .add_root_pem(b"no certificate here".to_vec())
                    .build()
            ),
            ErrorKind::Configuration
        );
        assert_eq!(
            kind(
                $make()
                    .add_root_pem("-----BEGIN CERTIFICATE-----\nnot base64\n")
                    .build()
            ),
            ErrorKind::Configuration
        );
        assert_eq!(
            kind($make().proxy("ftp://proxy.example").build()),
            ErrorKind::Configuration
        );
        assert_eq!(
            kind($make().user_agent("line\r\nX-Injected: 1").build()),
            ErrorKind::Configuration
        );
        assert_eq!(
            kind($make().user_agent("del\u{7f}char").build()),
            ErrorKind::Configuration
        );
        // Without the opt-out, a loopback `http://` URL is refused.
        assert_eq!(
            kind($make().allow_insecure_loopback(false).build()),
            ErrorKind::Configuration
        );
    }};
}

#[test]
fn every_builder_refuses_the_same_bad_options() {
    let base = "http://127.0.0.1:9";
    refuses_bad_options!(|| BetfairProvider::builder("APP")
        .interactive("u", "p")
        .identity_url(format!("{base}/api/"))
        .cert_url(format!("{base}/api/"))
        .allow_insecure_loopback(true));
    refuses_bad_options!(|| CasProvider::builder(
        format!("{base}/v2/sessions"),
        UsernamePassword::new("u", "p")
    )
    .api_credentials(ApiKeySecret::new("k", "s"))
    .allow_insecure_loopback(true));
    refuses_bad_options!(|| SeawareProvider::builder(base)
        .credentials("u", "p")
        .allow_insecure_loopback(true));
    refuses_bad_options!(|| PagosProvider::builder(
        base,
        "APP",
        TokenSource::fixed(AccessToken::new("T"))
    )
    .allow_insecure_loopback(true));
    refuses_bad_options!(|| MatchbookProvider::builder(base)
        .credentials("u", "p")
        .allow_insecure_loopback(true));
    refuses_bad_options!(|| AccountsClient::builder()
        .api_url(base)
        .allow_insecure_loopback(true));
}

#[tokio::test]
async fn the_user_agent_reaches_the_wire_from_every_provider() {
    let clock = ManualClock::default();
    let (server, seen) = server(unavailable).await;
    let base = server.base_url();

    let betfair = shared!(BetfairProvider::builder(AppKey::new("APP")), clock)
        .interactive("u", "p")
        .identity_url(format!("{base}/api/"))
        .build()
        .unwrap();
    let cas = shared!(
        CasProvider::builder(
            format!("{base}/v2/sessions"),
            UsernamePassword::new("u", "p")
        ),
        clock
    )
    .api_credentials(ApiKeySecret::new("k", "s"))
    .build()
    .unwrap();
    let seaware = shared!(SeawareProvider::builder(base.clone()), clock)
        .credentials("u", "p")
        .build()
        .unwrap();
    let pagos = shared!(
        PagosProvider::builder(
            base.clone(),
            "APP",
            TokenSource::fixed(AccessToken::new("T"))
        ),
        clock
    )
    .build()
    .unwrap();
    let matchbook = shared!(MatchbookProvider::builder(base.clone()), clock)
        .credentials("u", "p")
        .build()
        .unwrap();

    // Each login gets the 503 and reports it; what matters is the header it sent.
    assert_eq!(
        betfair.login().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(
        cas.login().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(
        seaware.login().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(
        pagos.login().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(
        matchbook.login().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 5, "one request per provider: {seen:?}");
    assert!(seen.iter().all(|ua| ua.as_deref() == Some(UA)), "{seen:?}");
}

#[tokio::test]
async fn without_a_user_agent_the_default_is_sent() {
    let (server, seen) = server(unavailable).await;
    let seaware = SeawareProvider::builder(server.base_url())
        .credentials("u", "p")
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    assert_eq!(
        seaware.login().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    let ua = seen.lock().unwrap()[0].clone().unwrap();
    assert!(ua.starts_with("session-clients/"), "{ua}");
}

#[tokio::test]
async fn the_injected_clock_dates_every_session() {
    let t0 = timing::from_unix_seconds(1_900_000_000);
    let clock = ManualClock::at(t0);
    let (server, _) = server(|path| {
        if path.ends_with("/security/session") {
            SimResponse::json(200, serde_json::json!({"session-token": "T", "user-id": 1}))
        } else if path.ends_with("/login") {
            SimResponse::json(
                200,
                serde_json::json!({"token": "T", "product": "APP", "status": "SUCCESS", "error": ""}),
            )
        } else {
            SimResponse::json(
                200,
                serde_json::json!({"access_token": "A", "token_type": "bearer", "expires_in": 300}),
            )
        }
    })
    .await;
    let base = server.base_url();
    let betfair = shared!(BetfairProvider::builder(AppKey::new("APP")), clock)
        .interactive("u", "p")
        .identity_url(format!("{base}/api/"))
        .session_lifetime(Duration::from_secs(600))
        .build()
        .unwrap();
    let seaware = shared!(SeawareProvider::builder(base.clone()), clock)
        .credentials("u", "p")
        .build()
        .unwrap();
    assert_eq!(
        betfair.login().await.unwrap().expiry(),
        Expiry::At(timing::after(t0, Duration::from_secs(600)))
    );
    assert_eq!(
        seaware.login().await.unwrap().expiry(),
        Expiry::At(timing::after(t0, Duration::from_secs(300)))
    );
    let matchbook = shared!(MatchbookProvider::builder(base.clone()), clock)
        .credentials("u", "p")
        .default_ttl(Duration::from_secs(900))
        .build()
        .unwrap();
    assert_eq!(
        matchbook.login().await.unwrap().expiry(),
        Expiry::At(timing::after(t0, Duration::from_secs(900)))
    );
}
