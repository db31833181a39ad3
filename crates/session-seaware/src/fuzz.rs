//! Parser entry points for the fuzz targets (feature `fuzzing`; not part of the public API).
#![allow(missing_docs, unreachable_pub)]

use session_core::fuzzing::{Outcome, response};
use session_core::oauth::Placement;

use crate::error::NAME;
use crate::wire;

/// Feeds one fuzz input to every Seaware parser: token answers for the password and refresh
/// grants, logout answers, rejection detection and the OTA error scan.
pub fn responses(data: &[u8]) -> Vec<String> {
    let r = response(NAME, data);
    let mut out = Outcome::default();
    for placement in [Placement::Query, Placement::Form] {
        out.result(&wire::parse_token(&r, "password", placement));
        out.result(&wire::parse_token(&r, "refresh_token", placement));
    }
    out.result(&wire::parse_logout(&r));
    out.debug(&wire::is_rejection(&r));
    out.debug(&wire::ota_session_expired(r.body()));
    out.into_texts()
}
