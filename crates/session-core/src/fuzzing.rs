//! Entry points for fuzzing the parsers (feature `fuzzing`; not part of the public API).
//!
//! The `cargo fuzz` targets under `fuzz/` (nightly) and the bounded stable run in the `tests`
//! member (CI) drive the same functions: each provider crate has a `__fuzz` module whose
//! functions turn arbitrary bytes into responses with [`response`], feed them to every parser
//! of that provider, and return what the parsers produced as text (the `Display` and `Debug` of
//! every error and parsed value). The harness checks that nothing panics and that a sentinel
//! secret planted in the input never appears in that text.
#![allow(missing_docs, unreachable_pub)]

use std::fmt;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, DATE, LOCATION, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::error::Result;
use crate::http::HttpResponse;
use crate::{oauth, timing};

/// Statuses the first input byte picks from; other values are read as a raw status.
const STATUSES: [u16; 16] = [
    200, 201, 204, 302, 400, 401, 403, 404, 405, 409, 415, 429, 500, 502, 503, 504,
];

/// Content types the second input byte picks from.
const CONTENT_TYPES: [&str; 8] = [
    "application/json",
    "application/json; charset=utf-8",
    "text/html",
    "text/xml",
    "application/xml",
    "text/plain",
    "",
    "application/problem+json",
];

/// Turns fuzz input into a response: byte 0 the status, byte 1 the content type, byte 2 which
/// of `Location`, `Retry-After` and `Date` to add, each followed by a length byte and that many
/// bytes of value; the rest is the body.
pub fn response(provider: &'static str, data: &[u8]) -> HttpResponse {
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let status = match byte(0) {
        b if usize::from(b) < STATUSES.len() => STATUSES[usize::from(b)],
        b => 100 + u16::from(b) * 2,
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut headers = HeaderMap::new();
    let ct = CONTENT_TYPES[usize::from(byte(1)) % CONTENT_TYPES.len()];
    if !ct.is_empty() {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    let flags = byte(2);
    let mut at = 3;
    for (bit, name) in [(1u8, LOCATION), (2, RETRY_AFTER), (4, DATE)] {
        if flags & bit == 0 {
            continue;
        }
        let len = usize::from(byte(at));
        let start = (at + 1).min(data.len());
        let end = start.saturating_add(len).min(data.len());
        if let Ok(value) = HeaderValue::from_bytes(&data[start..end]) {
            headers.insert(name, value);
        }
        at = end;
    }
    let body = Bytes::copy_from_slice(data.get(at..).unwrap_or_default());
    HttpResponse::new(provider, status, headers, body)
}

/// Collects what parsers produced, as text.
#[derive(Default)]
pub struct Outcome {
    texts: Vec<String>,
}

impl Outcome {
    /// Records a parser's result: the `Display` and `Debug` of an error, or the `Debug` of a
    /// value.
    pub fn result<T: fmt::Debug>(&mut self, r: &Result<T>) {
        match r {
            Ok(v) => self.texts.push(format!("{v:?}")),
            Err(e) => {
                self.texts.push(e.to_string());
                self.texts.push(format!("{e:?}"));
            }
        }
    }

    /// Records any `Debug` value.
    pub fn debug<T: fmt::Debug>(&mut self, v: &T) {
        self.texts.push(format!("{v:?}"));
    }

    /// Everything recorded.
    pub fn into_texts(self) -> Vec<String> {
        self.texts
    }
}

/// The core's own parsers: OAuth token responses for every grant, the JSON and status rules,
/// `Retry-After`, and the checked time helpers fed with numbers taken from the input.
pub fn core(data: &[u8]) -> Vec<String> {
    let mut out = Outcome::default();
    let r = response("fuzz", data);
    for grant in ["password", "refresh_token", "client_credentials"] {
        out.result(&oauth::parse_token_response(&r, grant));
    }
    out.result(&r.json::<serde_json::Value>().map(|_| ()));
    out.debug(&r.unexpected_status());
    out.debug(&r.retry_after());
    out.debug(&r.is_html());
    let mut word = [0u8; 8];
    for (i, b) in data.iter().take(8).enumerate() {
        word[i] = *b;
    }
    let n = i64::from_le_bytes(word);
    let f = f64::from_le_bytes(word);
    let now = timing::from_unix_seconds(n);
    out.debug(&timing::format_rfc3339(now));
    out.debug(&timing::after(now, timing::secs_f64(f)));
    out.debug(&timing::before(now, timing::secs_i64(n)));
    out.debug(&timing::from_unix_millis(n));
    out.debug(&crate::Expiry::after_secs(now, f));
    out.into_texts()
}
