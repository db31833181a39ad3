//! Parser entry points for the fuzz targets (feature `fuzzing`; not part of the public API).
#![allow(missing_docs, unreachable_pub)]

use session_core::fuzzing::{Outcome, response};

use crate::error::NAME;
use crate::wire;

/// Feeds one fuzz input to every identity parser: login (interactive and certificate),
/// keepAlive and logout answers, and rejection detection.
pub fn identity(data: &[u8]) -> Vec<String> {
    let r = response(NAME, data);
    let mut out = Outcome::default();
    out.result(&wire::parse_login(&r).map(|o| (o.token, o.limited)));
    out.result(&wire::parse_session_call("keepAlive", &r));
    out.result(&wire::parse_session_call("logout", &r));
    out.debug(&wire::is_session_rejection(&r));
    out.debug(&wire::session_rejection_code(r.body()));
    out.into_texts()
}

/// Feeds one fuzz input to the Accounts API answer parser, for every vendor operation's answer
/// type and both transports.
pub fn vendor(data: &[u8]) -> Vec<String> {
    let r = response(NAME, data);
    let mut out = Outcome::default();
    crate::vendor::fuzz_answers(&r, &mut out);
    out.into_texts()
}
