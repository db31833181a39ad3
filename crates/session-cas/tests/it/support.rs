//! Shared sentinels and builders.

use session_cas::{ApiKeySecret, CasBuilder, CasProvider, Flavor, UsernamePassword};
use session_core::test_util::ManualClock;

/// Sentinel secrets: leak checks search every output for them.
pub(crate) const USER: &str = "punter_01";
pub(crate) const PW: &str = "PW-SENTINEL-7f3a";
pub(crate) const KEY: &str = "l7xxKEYSENTINEL91c2aa";
pub(crate) const SECRET: &str = "APISECRETSENTINEL5d0e";
/// A ticket-granting ticket that is recognizable in any output.
pub(crate) const TGT: &str = "TGT-1920-TGTSENTINELabcdefghijklmnopqrstuvwxyz-brsux349";
/// A service ticket that is recognizable in any output.
pub(crate) const ST: &str = "ST-861-STSENTINELabcdefghij-brsux349";

/// Every sentinel.
pub(crate) fn secrets() -> Vec<String> {
    [PW, KEY, SECRET, TGT, ST, "TGTSENTINEL", "STSENTINEL"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// `Tue, 01 Jan 2030 00:00:00 GMT`: the `Date` of a response sent when a fresh `ManualClock`
/// stands.
pub(crate) const T0_DATE: &str = "Tue, 01 Jan 2030 00:00:00 GMT";

/// A William Hill configuration for a mock server at `origin`.
pub(crate) fn wh_config(origin: &str, clock: &ManualClock) -> CasBuilder {
    CasProvider::builder(
        format!("{origin}/v2/sessions"),
        UsernamePassword::new(USER, PW),
    )
    .api_credentials(ApiKeySecret::new(KEY, SECRET))
    .clock(clock.shared())
    .allow_insecure_loopback(true)
}

/// An Apereo configuration for a mock server at `origin`.
pub(crate) fn apereo_config(origin: &str, clock: &ManualClock) -> CasBuilder {
    CasProvider::builder(format!("{origin}/cas"), UsernamePassword::new(USER, PW))
        .flavor(Flavor::Apereo)
        .clock(clock.shared())
        .allow_insecure_loopback(true)
}

pub(crate) fn wh_provider(origin: &str, clock: &ManualClock) -> CasProvider {
    wh_config(origin, clock)
        .build()
        .expect("valid configuration")
}

pub(crate) fn apereo_provider(origin: &str, clock: &ManualClock) -> CasProvider {
    apereo_config(origin, clock)
        .build()
        .expect("valid configuration")
}
