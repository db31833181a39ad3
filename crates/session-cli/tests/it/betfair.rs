//! `sessions betfair ...` against `BetfairSim`: interactive login, keepalive, status, logout,
//! `LIMITED_ACCESS`, the failure kinds, the ban, certificate login over mutual TLS with every
//! certificate option (`--cert`/`--key`, `--pem`, `--p12` with current and legacy PKCS#12 files),
//! and the Accounts API vendor commands.

use std::path::PathBuf;

use session_betfair::{BetfairFault, BetfairSim, SIM_TOKEN_PREFIX, SimFault, SimOp};
use session_core::test_util::{ClientCertificates, TestPki};

use crate::support::{Sessions, TempDir, sessions, store_json};

pub(crate) const APP_KEY: &str = "APPKEY-SENTINEL-bf-5b1e";
pub(crate) const USER: &str = "punter";
pub(crate) const PASSWORD: &str = "PW-SENTINEL-bf-7f3a&=+ é";
const P12_PASSWORD: &str = "FIXTURE-P12-PW";

pub(crate) fn secrets() -> [&'static str; 3] {
    ["PW-SENTINEL-bf-7f3a", APP_KEY, SIM_TOKEN_PREFIX]
}

pub(crate) async fn sim() -> BetfairSim {
    BetfairSim::builder()
        .account(USER, PASSWORD)
        .start()
        .await
        .expect("simulator starts")
}

/// The simulator's base URL for the CLI (its identity URL without `/api/`).
pub(crate) fn base(sim: &BetfairSim) -> String {
    sim.identity_url()
        .trim_end_matches('/')
        .trim_end_matches("/api")
        .to_owned()
}

/// `sessions --json --insecure-loopback --base-url <base> [store] betfair <args>`.
pub(crate) fn cmd(base: &str, dir: Option<&TempDir>, args: &[&str]) -> Sessions {
    let mut c = sessions().args(["--json", "--insecure-loopback", "--base-url", base]);
    if let Some(dir) = dir {
        c = c.args(dir.store());
    }
    c.args(["betfair"]).args(args).envs(&[
        ("BETFAIR_APP_KEY", APP_KEY),
        ("BETFAIR_USERNAME", USER),
        ("BETFAIR_PASSWORD", PASSWORD),
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn interactive_login_reports_and_stores_the_session() {
    let sim = sim().await;
    let dir = TempDir::new("bf-login");
    let v = cmd(&base(&sim), Some(&dir), &["login"])
        .run()
        .await
        .clean(&secrets())
        .ok("betfair", "login");
    assert_eq!(v["limited"], false);
    assert_eq!(v["method"], "interactive");
    assert_eq!(v["stored"], true);
    assert!(v.get("token").is_none());
    assert!(v["expires_at"].is_string());
    assert_eq!(sim.calls(SimOp::Login), 1);
    assert_eq!(store_json(&dir.store_path())["provider"], "betfair");

    let v = cmd(&base(&sim), None, &["login", "--reveal"])
        .run()
        .await
        .ok("betfair", "login");
    assert!(v["token"].as_str().unwrap().starts_with(SIM_TOKEN_PREFIX));
}

#[tokio::test(flavor = "multi_thread")]
async fn keepalive_status_and_logout_use_the_stored_session() {
    let sim = sim().await;
    let dir = TempDir::new("bf-flow");
    let b = base(&sim);
    cmd(&b, Some(&dir), &["login"])
        .run()
        .await
        .ok("betfair", "login");
    let v = cmd(&b, Some(&dir), &["keepalive"])
        .run()
        .await
        .clean(&secrets())
        .ok("betfair", "keepalive");
    assert!(v["expires_at"].is_string());
    assert_eq!(v["limited"], false);
    assert_eq!(sim.calls(SimOp::KeepAlive), 1);

    let v = sessions()
        .args(["--json"])
        .args(dir.store())
        .args(["betfair", "status"])
        .run()
        .await
        .ok("betfair", "status");
    assert!(v["expires_at"].is_string());
    assert_eq!(sim.calls(SimOp::KeepAlive), 1);

    cmd(&b, Some(&dir), &["logout"])
        .run()
        .await
        .clean(&secrets())
        .ok("betfair", "logout");
    assert_eq!(sim.calls(SimOp::Logout), 1);
    assert_eq!(sim.active_sessions(), 0);
    assert!(!dir.store_path().exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn keepalive_of_a_dead_session_is_session_rejected_and_logout_still_succeeds() {
    let sim = sim().await;
    let dir = TempDir::new("bf-dead");
    let b = base(&sim);
    cmd(&b, Some(&dir), &["login"])
        .run()
        .await
        .ok("betfair", "login");
    sim.expire_all_sessions();
    let e = cmd(&b, Some(&dir), &["keepalive"]).run().await.fails(
        "betfair",
        "keepalive",
        "session_rejected",
    );
    assert_eq!(e["code"], "NO_SESSION");
    cmd(&b, Some(&dir), &["logout"])
        .run()
        .await
        .ok("betfair", "logout");
    assert!(!dir.store_path().exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn limited_access_is_a_success_with_its_reason() {
    let sim = sim().await;
    sim.fail_next(
        SimOp::Login,
        SimFault::Provider(BetfairFault::login("LIMITED_ACCESS", "PENDING_AUTH")),
    );
    let v = cmd(&base(&sim), None, &["login"])
        .run()
        .await
        .ok("betfair", "login");
    assert_eq!(v["limited"], true);
    assert_eq!(v["reason"], "PENDING_AUTH");
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_map_to_their_kinds_codes_and_exit_codes() {
    let sim = sim().await;
    let b = base(&sim);
    let e = cmd(&b, None, &["login"])
        .env("BETFAIR_PASSWORD", "PW-SENTINEL-bf-wrong")
        .run()
        .await
        .clean(&["PW-SENTINEL-bf-wrong"])
        .fails("betfair", "login", "invalid_credentials");
    assert_eq!(e["code"], "INVALID_USERNAME_OR_PASSWORD");
    for (status, code, kind) in [
        (
            "LOGIN_RESTRICTED",
            "ACCOUNT_NOW_LOCKED",
            "account_restricted",
        ),
        ("FAIL", "SERVICE_BUSY", "unavailable"),
        ("FAIL", "INVALID_APP_KEY", "configuration"),
    ] {
        sim.fail_next(
            SimOp::Login,
            SimFault::Provider(BetfairFault::login(status, code)),
        );
        let e = cmd(&b, None, &["login"])
            .run()
            .await
            .fails("betfair", "login", kind);
        assert_eq!(e["code"], code);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ban_is_remembered_in_the_store_and_the_next_login_stays_local() {
    let sim = sim().await;
    let dir = TempDir::new("bf-ban");
    let b = base(&sim);
    sim.fail_next(
        SimOp::Login,
        SimFault::Provider(BetfairFault::login(
            "FAIL",
            "TEMPORARY_BAN_TOO_MANY_REQUESTS",
        )),
    );
    let e = cmd(&b, Some(&dir), &["login"])
        .run()
        .await
        .fails("betfair", "login", "rate_limited");
    assert_eq!(e["code"], "TEMPORARY_BAN_TOO_MANY_REQUESTS");
    assert_eq!(sim.logins(), 1);
    let stored = store_json(&dir.store_path());
    assert!(stored["banned_until"].as_i64().is_some(), "{stored}");
    #[cfg(unix)]
    assert_eq!(crate::support::mode(&dir.store_path()), 0o600);

    let e = cmd(&b, Some(&dir), &["login"])
        .run()
        .await
        .fails("betfair", "login", "rate_limited");
    assert_eq!(e["code"], "TEMPORARY_BAN_TOO_MANY_REQUESTS");
    assert_eq!(sim.logins(), 1, "the banned login was not sent");
    // Another account on the same file is not banned.
    cmd(&b, Some(&dir), &["login"])
        .env("BETFAIR_USERNAME", "someone_else")
        .run()
        .await
        .fails("betfair", "login", "invalid_credentials");
    assert_eq!(sim.logins(), 2);
}

const VENDOR: &str = "vendor_user";
const VENDOR_PASSWORD: &str = "PW-SENTINEL-bf-vendor";

/// `sessions ... --store <file> betfair <args>` as `user` with `app_key`.
fn as_user(
    base: &str,
    store: &std::path::Path,
    user: &str,
    password: &str,
    args: &[&str],
) -> Sessions {
    sessions()
        .args(["--json", "--insecure-loopback", "--base-url", base])
        .args(["--store".to_owned(), store.display().to_string()])
        .args(["betfair"])
        .args(args)
        .envs(&[
            ("BETFAIR_APP_KEY", APP_KEY),
            ("BETFAIR_USERNAME", user),
            ("BETFAIR_PASSWORD", password),
        ])
}

#[tokio::test(flavor = "multi_thread")]
async fn vendor_subscription_activation_client_id_and_history() {
    let sim = BetfairSim::builder()
        .account(USER, PASSWORD)
        .account(VENDOR, VENDOR_PASSWORD)
        .vendor_app(session_betfair::SimVendorApp::new(APP_KEY, VENDOR))
        .start()
        .await
        .unwrap();
    let b = base(&sim);
    let dir = TempDir::new("bf-vendor");
    let vendor_store = dir.path("vendor.json");
    let customer_store = dir.path("customer.json");

    as_user(&b, &vendor_store, VENDOR, VENDOR_PASSWORD, &["login"])
        .run()
        .await
        .ok("betfair", "login");
    // Without --reveal the new subscription token is not shown.
    let v = as_user(
        &b,
        &vendor_store,
        VENDOR,
        "",
        &["vendor", "subscription-token", "--days", "30"],
    )
    .run()
    .await
    .ok("betfair", "vendor subscription-token");
    assert!(v.get("subscription_token").is_none(), "{v}");
    let v = as_user(
        &b,
        &vendor_store,
        VENDOR,
        "",
        &[
            "vendor",
            "subscription-token",
            "--days",
            "30",
            "--client-ref",
            "ref-1",
            "--reveal",
        ],
    )
    .run()
    .await
    .ok("betfair", "vendor subscription-token");
    let token = v["subscription_token"].as_str().unwrap().to_owned();
    assert_eq!(v["client_ref"], "ref-1");

    // The customer logs in with the vendor's app key: PENDING_AUTH until activation.
    let v = as_user(&b, &customer_store, USER, PASSWORD, &["login"])
        .run()
        .await
        .ok("betfair", "login");
    assert_eq!(v["limited"], true);
    assert_eq!(v["reason"], "PENDING_AUTH");
    let v = as_user(
        &b,
        &customer_store,
        USER,
        "",
        &["vendor", "activate", "--subscription-token", &token],
    )
    .run()
    .await
    .clean(&[&token])
    .ok("betfair", "vendor activate");
    assert_eq!(v["status"], "SUCCESS");
    assert_eq!(
        sim.subscription_status(&token)
            .map(|s| s.as_str().to_owned())
            .as_deref(),
        Some("ACTIVATED")
    );

    let v = as_user(&b, &customer_store, USER, "", &["vendor", "client-id"])
        .run()
        .await
        .ok("betfair", "vendor client-id");
    let id = v["vendor_client_id"].as_str().unwrap().to_owned();
    assert_eq!(
        sim.vendor_client_id(USER, APP_KEY).as_deref(),
        Some(id.as_str())
    );

    let v = as_user(
        &b,
        &vendor_store,
        VENDOR,
        "",
        &["vendor", "history", "--vendor-client-id", &id],
    )
    .run()
    .await
    .clean(&[&token])
    .ok("betfair", "vendor history");
    assert_eq!(v["count"], 1, "{v}");
    assert_eq!(v["subscriptions"][0]["status"], "ACTIVATED");
    assert_eq!(v["subscriptions"][0]["client_reference"], "ref-1");

    for args in [
        &["vendor", "history", "--app-key-in-body", APP_KEY][..],
        &["vendor", "history"],
    ] {
        let v = as_user(&b, &customer_store, USER, "", args)
            .run()
            .await
            .clean(&[&token])
            .ok("betfair", "vendor history");
        assert_eq!(v["count"], 1, "{args:?}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn vendor_commands_need_a_stored_session_and_report_accounts_errors() {
    let sim = BetfairSim::builder()
        .account(USER, PASSWORD)
        .account(VENDOR, VENDOR_PASSWORD)
        .vendor_app(session_betfair::SimVendorApp::new(APP_KEY, VENDOR))
        .start()
        .await
        .unwrap();
    let b = base(&sim);
    let dir = TempDir::new("bf-vendor-errors");
    for (args, command) in [
        (
            vec!["vendor", "subscription-token", "--days", "30"],
            "vendor subscription-token",
        ),
        (
            vec!["vendor", "activate", "--subscription-token", "T-1"],
            "vendor activate",
        ),
        (
            vec!["vendor", "history", "--vendor-client-id", "V1"],
            "vendor history",
        ),
        (vec!["vendor", "client-id"], "vendor client-id"),
    ] {
        cmd(&b, None, &args)
            .run()
            .await
            .fails("betfair", command, "configuration");
    }
    assert_eq!(sim.calls(SimOp::Api), 0);
    // An unknown subscription token is refused by the Accounts API.
    let store = dir.path("customer.json");
    as_user(&b, &store, USER, PASSWORD, &["login"])
        .run()
        .await
        .ok("betfair", "login");
    let e = as_user(
        &b,
        &store,
        USER,
        "",
        &[
            "vendor",
            "activate",
            "--subscription-token",
            "AAAA-BBBB-CCCC",
        ],
    )
    .run()
    .await;
    assert_ne!(e.code, 0, "{e:?}");
    let error = e.json()["error"].clone();
    assert!(error["code"].is_string(), "{error}");
    // A dead session is session_rejected.
    sim.expire_all_sessions();
    as_user(&b, &store, USER, "", &["vendor", "client-id"])
        .run()
        .await
        .fails("betfair", "vendor client-id", "session_rejected");
    // Mutually exclusive history options are a usage error.
    cmd(
        &b,
        None,
        &[
            "vendor",
            "history",
            "--vendor-client-id",
            "V",
            "--app-key-in-body",
            "K",
        ],
    )
    .run()
    .await
    .code(2);
}

/// A certificate fixture, generated once per run by the test kit (registered nowhere; no key
/// material is checked in). Its client certificates chain to `fixture-ca.crt`.
fn fixture(file: &str) -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("session-cli-fixtures-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        session_core::test_util::write_certificate_fixtures(
            &TestPki::new("session-cli fixture"),
            &dir,
            P12_PASSWORD,
        )
        .unwrap_or_else(|e| panic!("making the certificate fixtures: {e}"));
        dir
    })
    .join(file)
}

/// A simulator whose every endpoint is also served over TLS at `https://localhost:PORT/api/`.
///
/// The server asks for a client certificate, accepts connections without one (keepAlive and
/// logout), and trusts client certificates from `pki`'s CA or, when `trust_fixture`, the
/// fixtures' CA.
async fn tls_sim(pki: &TestPki, trust_fixture: bool) -> (BetfairSim, String) {
    let extra_roots = if trust_fixture {
        std::fs::read(fixture("fixture-ca.crt")).unwrap()
    } else {
        Vec::new()
    };
    let sim = BetfairSim::builder()
        .account(USER, PASSWORD)
        .start_with_cert_server(
            pki.server_config_trusting(ClientCertificates::Optional, &extra_roots),
        )
        .await
        .expect("simulator starts");
    let base = sim
        .cert_url()
        .trim_end_matches('/')
        .trim_end_matches("/api")
        .to_owned();
    (sim, base)
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_login_over_mutual_tls_with_cert_and_key_or_one_pem() {
    let pki = TestPki::new("session-cli");
    let (sim, base) = tls_sim(&pki, false).await;
    let dir = TempDir::new("bf-mtls");
    let ca = dir.path("ca.pem");
    let crt = dir.path("client.crt");
    let key = dir.path("client.key");
    let pem = dir.path("client.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    std::fs::write(&crt, &pki.client_cert_pem).unwrap();
    std::fs::write(&key, &pki.client_key_pem).unwrap();
    std::fs::write(
        &pem,
        format!("{}{}", pki.client_cert_pem, pki.client_key_pem),
    )
    .unwrap();
    let with_ca = |args: &[&str]| {
        sessions()
            .args([
                "--json",
                "--ca-cert",
                ca.to_str().unwrap(),
                "--base-url",
                &base,
            ])
            .args(dir.store())
            .args(["betfair"])
            .args(args)
            .envs(&[
                ("BETFAIR_APP_KEY", APP_KEY),
                ("BETFAIR_USERNAME", USER),
                ("BETFAIR_PASSWORD", PASSWORD),
            ])
    };
    let v = with_ca(&[
        "login",
        "--cert",
        crt.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ])
    .run()
    .await
    .clean(&secrets())
    .ok("betfair", "login");
    assert_eq!(v["method"], "certificate");
    assert_eq!(sim.calls(SimOp::CertLogin), 1);
    // keepAlive and logout go to the same host without the client certificate.
    with_ca(&["keepalive"])
        .run()
        .await
        .ok("betfair", "keepalive");
    with_ca(&["logout"]).run().await.ok("betfair", "logout");
    assert_eq!(sim.calls(SimOp::Logout), 1);

    let v = with_ca(&["login", "--pem", pem.to_str().unwrap()])
        .run()
        .await
        .clean(&secrets())
        .ok("betfair", "login");
    assert_eq!(v["method"], "certificate");
    assert_eq!(sim.calls(SimOp::CertLogin), 2);

    // Without --ca-cert the test server's certificate is not trusted.
    sessions()
        .args(["--json", "--base-url", &base])
        .args(["betfair", "login", "--pem", pem.to_str().unwrap()])
        .envs(&[
            ("BETFAIR_APP_KEY", APP_KEY),
            ("BETFAIR_USERNAME", USER),
            ("BETFAIR_PASSWORD", PASSWORD),
        ])
        .run()
        .await
        .fails("betfair", "login", "unavailable");
}

#[tokio::test(flavor = "multi_thread")]
async fn current_and_legacy_pkcs12_files_both_load_and_log_in() {
    let pki = TestPki::new("session-cli");
    let (sim, base) = tls_sim(&pki, true).await;
    let dir = TempDir::new("bf-p12");
    let ca = dir.path("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    for (i, file) in ["fixture-modern.p12", "fixture-legacy.p12"]
        .iter()
        .enumerate()
    {
        let p12 = fixture(file);
        let v = sessions()
            .args([
                "--json",
                "--ca-cert",
                ca.to_str().unwrap(),
                "--base-url",
                &base,
            ])
            .args(["betfair", "login", "--p12", p12.to_str().unwrap()])
            .envs(&[
                ("BETFAIR_APP_KEY", APP_KEY),
                ("BETFAIR_USERNAME", USER),
                ("BETFAIR_PASSWORD", PASSWORD),
                ("BETFAIR_P12_PASSWORD", P12_PASSWORD),
            ])
            .run()
            .await
            .clean(&[P12_PASSWORD])
            .ok("betfair", "login");
        assert_eq!(v["method"], "certificate", "{file}");
        assert_eq!(sim.calls(SimOp::CertLogin), i + 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unusable_certificates_are_configuration_errors() {
    let sim = sim().await;
    let dir = TempDir::new("bf-badcert");
    let missing = dir.path("missing.crt");
    let b = base(&sim);
    let e = cmd(
        &b,
        None,
        &[
            "login",
            "--cert",
            missing.to_str().unwrap(),
            "--key",
            missing.to_str().unwrap(),
        ],
    )
    .run()
    .await
    .fails("betfair", "login", "configuration");
    assert!(
        e["message"].as_str().unwrap().contains("missing.crt"),
        "{e}"
    );
    cmd(
        &b,
        None,
        &[
            "login",
            "--p12",
            fixture("fixture-legacy.p12").to_str().unwrap(),
        ],
    )
    .env("BETFAIR_P12_PASSWORD", "PW-SENTINEL-p12-wrong")
    .run()
    .await
    .clean(&["PW-SENTINEL-p12-wrong"])
    .fails("betfair", "login", "configuration");
    assert_eq!(sim.logins(), 0);
    // A usable certificate over plain HTTP: the server says CERT_AUTH_REQUIRED.
    let e = cmd(
        &b,
        None,
        &["login", "--pem", fixture("fixture.pem").to_str().unwrap()],
    )
    .run()
    .await
    .fails("betfair", "login", "configuration");
    assert_eq!(e["code"], "CERT_AUTH_REQUIRED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_certificate_the_server_refuses_is_unavailable() {
    let pki = TestPki::new("session-cli");
    let (sim, base) = tls_sim(&pki, false).await;
    let dir = TempDir::new("bf-refused");
    let ca = dir.path("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    sessions()
        .args([
            "--json",
            "--ca-cert",
            ca.to_str().unwrap(),
            "--base-url",
            &base,
        ])
        .args([
            "betfair",
            "login",
            "--pem",
            fixture("fixture.pem").to_str().unwrap(),
        ])
        .envs(&[
            ("BETFAIR_APP_KEY", APP_KEY),
            ("BETFAIR_USERNAME", USER),
            ("BETFAIR_PASSWORD", PASSWORD),
        ])
        .run()
        .await
        .fails("betfair", "login", "unavailable");
    assert_eq!(sim.calls(SimOp::CertLogin), 0);
}
