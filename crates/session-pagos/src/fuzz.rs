//! Parser entry points for the fuzz targets (feature `fuzzing`; not part of the public API).
#![allow(missing_docs, unreachable_pub)]

use session_core::fuzzing::{Outcome, response};
use session_core::{AppKey, Expiry, SessionId};

use crate::error::NAME;
use crate::token::BearerToken;
use crate::wire::{self, Redact};

/// The secrets the parsers scrub from messages; the harness plants them in its inputs.
pub const TOKEN: &str = "FUZZ-SENTINEL-BEARER";
/// See [`TOKEN`].
pub const APP_KEY: &str = "FUZZ-SENTINEL-APPKEY";
/// See [`TOKEN`].
pub const SESSION_ID: &str = "6f1c1f4e-8b5c-4a53-9d3e-0c6d1b2a3f4e";

/// Feeds one fuzz input to every Pagos parser: `OpenDedicatedSession`,
/// `CloseDedicatedSession` and later calls' replies, token-rejection detection and the GUID
/// reader.
pub fn responses(data: &[u8]) -> Vec<String> {
    let r = response(NAME, data);
    let token = BearerToken::new(TOKEN, Expiry::Never);
    let app = AppKey::new(APP_KEY);
    let id = SessionId::new(SESSION_ID);
    let redact = Redact {
        token: &token,
        application_key: &app,
        session_id: Some(&id),
    };
    let mut out = Outcome::default();
    out.result(&wire::parse_open(&r, &redact));
    out.result(&wire::parse_close(&r, &redact));
    out.result(&wire::parse_call(&r, &redact));
    out.debug(&wire::is_token_rejection(&r));
    out.debug(&wire::parse_guid(&String::from_utf8_lossy(r.body())));
    out.into_texts()
}
