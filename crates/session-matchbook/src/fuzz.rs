//! Parser entry points for the fuzz targets (feature `fuzzing`; not part of the public API).
#![allow(missing_docs, unreachable_pub)]

use session_core::fuzzing::{Outcome, response};

use crate::error::NAME;
use crate::wire;

/// Feeds one fuzz input to every Matchbook parser: login, check and logout answers, the error
/// code reader and rejection detection.
pub fn responses(data: &[u8]) -> Vec<String> {
    let r = response(NAME, data);
    let mut out = Outcome::default();
    out.result(&wire::parse_login(&r).map(|a| a.user_id()));
    out.result(&wire::parse_check(&r));
    out.result(&wire::parse_logout(&r));
    out.debug(&wire::first_code(&r).map(|c| c.len()));
    out.debug(&wire::is_rejection(&r));
    out.into_texts()
}
