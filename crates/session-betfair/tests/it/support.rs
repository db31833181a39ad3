//! Shared test helpers: sentinel secrets, providers pointed at mock servers, and a throwaway PKI
//! (test CA, `localhost` server certificate, client certificate) for mutual TLS.

use std::path::PathBuf;

use session_betfair::{BetfairBuilder, BetfairProvider};
use session_core::test_util::ManualClock;
pub(crate) use session_core::test_util::{ClientCertificates, TestPki};

/// The app key every test uses (a sentinel: it must never show up in logs or errors).
pub(crate) const APP_KEY: &str = "APPKEY-SENTINEL-5b1e";
/// The username.
pub(crate) const USER: &str = "punter";
/// A password with every character that form encoding must escape.
pub(crate) const PASSWORD: &str = "PW-SENTINEL-7f3a&=+ é€";
/// The same, form-encoded.
pub(crate) const PASSWORD_FORM: &str = "PW-SENTINEL-7f3a%26%3D%2B+%C3%A9%E2%82%AC";
/// A token the mock upstreams issue.
pub(crate) const TOKEN: &str = "TOKEN-SENTINEL-91c2+/=";

/// Every sentinel secret.
pub(crate) fn secrets() -> Vec<String> {
    vec![
        APP_KEY.to_owned(),
        "PW-SENTINEL-7f3a".to_owned(),
        "TOKEN-SENTINEL-91c2".to_owned(),
        session_betfair::SIM_TOKEN_PREFIX.to_owned(),
    ]
}

/// A builder for interactive login against `base` (an httpmock or simulator URL ending in `/api`).
pub(crate) fn interactive(base: &str, clock: &ManualClock) -> BetfairBuilder {
    BetfairProvider::builder(APP_KEY)
        .interactive(USER, PASSWORD)
        .identity_url(base)
        .cert_url(base)
        .allow_insecure_loopback(true)
        .clock(clock.shared())
}

/// The login answer body.
pub(crate) fn login_body(token: &str, status: &str, error: &str) -> String {
    serde_json::json!({"token": token, "product": APP_KEY, "status": status, "error": error})
        .to_string()
}

/// A keepAlive / logout answer body.
pub(crate) fn session_body(status: &str, error: &str) -> String {
    serde_json::json!({"token": TOKEN, "product": APP_KEY, "status": status, "error": error})
        .to_string()
}

/// The password of the generated PKCS#12 fixtures and of the encrypted key.
pub(crate) const P12_PW: &str = "FIXTURE-P12-PW";

/// A file of the certificate fixtures, generated once per test run into a scratch folder by
/// [`write_certificate_fixtures`](session_core::test_util::write_certificate_fixtures) (no key
/// material is checked in; the file names and formats are listed there).
pub(crate) fn data(file: &str) -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(make_fixtures).join(file)
}

fn make_fixtures() -> PathBuf {
    let dir = scratch("fixtures");
    let pki = TestPki::new("session-betfair fixture");
    session_core::test_util::write_certificate_fixtures(&pki, &dir, P12_PW)
        .unwrap_or_else(|e| panic!("making the certificate fixtures: {e}"));
    dir
}

/// A fresh test PKI (CA, `localhost` server certificate, client certificate) for mutual TLS.
pub(crate) fn test_pki() -> TestPki {
    TestPki::new("session-betfair")
}

/// The throwaway PKI's client certificate and key as a PKCS#12 archive, encrypted with
/// `algorithm`.
#[cfg(feature = "pkcs12")]
pub(crate) fn client_p12(
    pki: &TestPki,
    password: &str,
    algorithm: p12_keystore::EncryptionAlgorithm,
    mac: p12_keystore::MacAlgorithm,
) -> Vec<u8> {
    let key = p12_keystore::PrivateKey::from_der(&pki.client_key_der).unwrap();
    let cert = p12_keystore::Certificate::from_der(pki.client_cert_der.as_ref()).unwrap();
    let chain = p12_keystore::PrivateKeyChain::new(b"key-1".to_vec(), key, [cert]);
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry("bot", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    store
        .writer(password)
        .encryption_algorithm(algorithm)
        .mac_algorithm(mac)
        .encryption_iterations(2048)
        .mac_iterations(2048)
        .write()
        .unwrap()
}

/// A scratch directory under the target dir, unique per test.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("session-betfair-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The vendor account of the vendor tests.
pub(crate) const VENDOR: &str = "acme-vendor";
/// Its password.
pub(crate) const VENDOR_PASSWORD: &str = "VPW-SENTINEL-4d21";
/// The vendor's app key (owner-managed; customers log in with it too).
pub(crate) const VENDOR_KEY: &str = "VENDORKEY-SENTINEL-3c9d";
/// The web app's vendor id (`client_id`).
pub(crate) const VENDOR_ID: i64 = 4242;
/// The web app's vendor secret (`client_secret`).
pub(crate) const VENDOR_SECRET: &str = "VSECRET-SENTINEL-2e7b";
/// The customer account.
pub(crate) const CUSTOMER: &str = "customer-ann";
/// Its password.
pub(crate) const CUSTOMER_PASSWORD: &str = "CPW-SENTINEL-8a6f";

/// Every sentinel secret of the vendor tests.
pub(crate) fn vendor_secrets() -> Vec<String> {
    let mut s = secrets();
    s.extend(
        [
            VENDOR_PASSWORD,
            VENDOR_KEY,
            VENDOR_SECRET,
            CUSTOMER_PASSWORD,
            session_betfair::SIM_WEB_TOKEN_PREFIX,
        ]
        .map(str::to_owned),
    );
    s
}

/// A session for `token` and `app_key`, without any request (as a store would restore it).
pub(crate) fn restored_session(app_key: &str, token: &str) -> session_betfair::BetfairSession {
    use session_betfair::{PersistedSession, SessionProvider, SessionToken};
    let provider = BetfairProvider::builder(app_key)
        .resume_token(SessionToken::new("unused"))
        .identity_url("http://127.0.0.1:9/api/")
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    provider
        .restore(&PersistedSession::new(
            session_core::SecretState::new(serde_json::json!({ "token": token }).to_string()),
            None,
        ))
        .unwrap()
}

/// A simulator with the vendor, its web app and a customer.
pub(crate) async fn vendor_sim(clock: &ManualClock) -> session_betfair::BetfairSim {
    session_betfair::BetfairSim::builder()
        .clock(clock.shared())
        .account(VENDOR, VENDOR_PASSWORD)
        .account(CUSTOMER, CUSTOMER_PASSWORD)
        .vendor_app(
            session_betfair::SimVendorApp::new(VENDOR_KEY, VENDOR)
                .name("Acme Trader")
                .web_app(VENDOR_ID, VENDOR_SECRET)
                .redirect_url("https://acme.example/callback"),
        )
        .start()
        .await
        .unwrap()
}

/// An Accounts API client pointed at `api_url`.
pub(crate) fn accounts_at(api_url: &str) -> session_betfair::AccountsClient {
    session_betfair::AccountsClient::builder()
        .api_url(api_url)
        .allow_insecure_loopback(true)
        .build()
        .unwrap()
}

/// An interactive-login provider for `user` with the vendor's app key, against the simulator.
pub(crate) fn login_with_vendor_key(
    sim: &session_betfair::BetfairSim,
    clock: &ManualClock,
    user: &str,
    password: &str,
) -> BetfairProvider {
    BetfairProvider::builder(VENDOR_KEY)
        .interactive(user, password)
        .identity_url(sim.identity_url())
        .allow_insecure_loopback(true)
        .clock(clock.shared())
        .build()
        .unwrap()
}
