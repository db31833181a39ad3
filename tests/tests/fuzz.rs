//! The bounded, stable run of the fuzz targets (the same entry points `cargo fuzz` drives on
//! nightly, see `fuzz/`): every parser of every provider gets seed answers from the upstream
//! documents and thousands of deterministic mutations of them — flipped and inserted bytes,
//! truncation, absurd numbers, non-ASCII and invalid UTF-8, runs of markup, and a sentinel
//! secret spliced in anywhere. Each input must be handled without a panic, and nothing the
//! parsers produce (error `Display`/`Debug`, parsed values' `Debug`) may contain the sentinel.
//!
//! `FUZZ_CASES` sets the number of mutated inputs per target (default 3,000); `FUZZ_SEED` the
//! random seed (default fixed, so CI runs are repeatable).
#![allow(clippy::print_stderr)] // A failing input is printed for reproduction.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Free text that must never come back out. The `!` makes it unlike a code: upstream codes
/// (`INVALID_SESSION_INFORMATION`) are kept in errors and `Debug` output by design, and only
/// text that looks like one (`session_core::looks_like_code`).
const SENTINEL: &str = "FUZZ!SENTINEL";

/// Builds a fuzz input in the layout of `session_core::fuzzing::response`: status index,
/// content-type index, no extra headers, then the body.
fn input(status: u8, content_type: u8, body: &str) -> Vec<u8> {
    let mut v = vec![status, content_type, 0];
    v.extend_from_slice(body.as_bytes());
    v
}

/// The same with a `Location` header.
fn with_location(status: u8, location: &str, body: &str) -> Vec<u8> {
    let mut v = vec![status, 0, 1, u8::try_from(location.len()).unwrap_or(0)];
    v.extend_from_slice(location.as_bytes());
    v.extend_from_slice(body.as_bytes());
    v
}

/// Fragments spliced into inputs: absurd numbers, odd text and markup.
const FRAGMENTS: &[&str] = &[
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "1e300",
    "-1e300",
    "NaN",
    "-1",
    "0",
    "\u{e9}",
    "\u{202e}",
    "\u{1f600}",
    "\"",
    "\\",
    "\\u0000",
    "<",
    "<<<<<<<<",
    "</Error>",
    "<Errors><Error Type=\"5\">",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "null",
    "true",
    "\"SUCCESS\"",
    "\"INVALID_SESSION_INFORMATION\"",
    "+1\u{e9}1",
    "T",
    "Z",
    "GMT",
    SENTINEL,
];

fn mutate(rng: &mut fastrand::Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..rng.usize(1..=4) {
        match rng.u8(0..8) {
            0 if !v.is_empty() => {
                let i = rng.usize(..v.len());
                v[i] ^= 1 << rng.u8(0..8);
            }
            1 => {
                let i = rng.usize(..=v.len());
                v.insert(i, rng.u8(..));
            }
            2 if !v.is_empty() => {
                let cut = rng.usize(..v.len());
                v.truncate(cut);
            }
            3 | 4 => {
                let i = rng.usize(..=v.len());
                let f = FRAGMENTS[rng.usize(..FRAGMENTS.len())];
                v.splice(i..i, f.bytes());
            }
            5 => {
                let i = rng.usize(..=v.len());
                v.splice(i..i, [0xff, 0xfe, 0xc3]);
            }
            6 if v.len() > 3 => {
                // A header byte: another status, content type or header set.
                let i = rng.usize(..3);
                v[i] = rng.u8(..);
            }
            _ => {
                let i = rng.usize(..=v.len());
                let n = rng.usize(1..2048);
                let b = [b'<', b'[', b'{', b'9', b' '][rng.usize(..5)];
                v.splice(i..i, std::iter::repeat_n(b, n));
            }
        }
    }
    v
}

fn cases() -> usize {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000)
}

fn run(name: &str, target: fn(&[u8]) -> Vec<String>, seeds: &[Vec<u8>]) {
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5e55_10c5);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut inputs: Vec<Vec<u8>> = seeds.to_vec();
    inputs.extend((0..cases()).map(|_| {
        let s = &seeds[rng.usize(..seeds.len())];
        mutate(&mut rng, s)
    }));
    for data in &inputs {
        let texts = match catch_unwind(AssertUnwindSafe(|| target(data))) {
            Ok(texts) => texts,
            Err(_) => {
                eprintln!(
                    "{name}: panic on input {:02x?}",
                    &data[..data.len().min(512)]
                );
                panic!("{name}: a parser panicked (input above)");
            }
        };
        for t in &texts {
            assert!(
                !t.contains(SENTINEL) && !t.contains(session_pagos::__fuzz::TOKEN),
                "{name}: parser output repeats input text: {t}\ninput: {:?}",
                String::from_utf8_lossy(data)
            );
        }
    }
}

#[test]
fn core_oauth_http_and_time_parsers() {
    run(
        "core",
        session_core::fuzzing::core,
        &[
            input(
                0,
                0,
                r#"{"access_token":"FUZZ!SENTINEL","token_type":"bearer","refresh_token":"FUZZ!SENTINEL","expires_in":900,"scope":"travelagent"}"#,
            ),
            input(
                4,
                2,
                r#"{"error":"invalid_request","error_description":"URL query parameters are not allowed FUZZ!SENTINEL"}"#,
            ),
            input(4, 0, r#"{"error":"invalid_grant"}"#),
            input(11, 0, ""),
            input(14, 2, "<html><body>Bad gateway FUZZ!SENTINEL</body></html>"),
        ],
    );
}

#[test]
fn cas_parsers() {
    run(
        "cas",
        session_cas::__fuzz::responses,
        &[
            input(
                0,
                0,
                r#"{"ticket":"TGT-FUZZ!SENTINEL","expiryDateTime":"2030-01-01T07:46:40+01:00","extended":true,"temporaryPassword":false}"#,
            ),
            input(0, 0, r#"{"valid":true}"#),
            input(0, 0, r#"{"success":false}"#),
            input(
                4,
                0,
                r#"{"errors":[{"code":"20501","message":"Bad credentials FUZZ!SENTINEL"}]}"#,
            ),
            input(7, 0, r#"{"errors":[{"code":"20511"}]}"#),
            with_location(
                1,
                "https://cas.example/cas/v1/tickets/TGT-1-FUZZ!SENTINEL",
                "",
            ),
            input(0, 5, "ST-1-FUZZ!SENTINEL"),
            input(
                5,
                0,
                r#"{"authentication_exceptions":["AccountLockedException","FailedLoginException"]}"#,
            ),
            input(7, 2, "<html><h1>Not Found FUZZ!SENTINEL</h1></html>"),
        ],
    );
}

#[test]
fn betfair_identity_parsers() {
    run(
        "betfair identity",
        session_betfair::__fuzz::identity,
        &[
            input(
                0,
                0,
                r#"{"token":"FUZZ!SENTINEL","product":"APP_KEY","status":"SUCCESS","error":""}"#,
            ),
            input(
                0,
                0,
                r#"{"sessionToken":"FUZZ!SENTINEL","loginStatus":"SUCCESS"}"#,
            ),
            input(
                0,
                0,
                r#"{"token":"","product":"K","status":"FAIL","error":"INVALID_USERNAME_OR_PASSWORD"}"#,
            ),
            input(
                0,
                0,
                r#"{"token":"FUZZ!SENTINEL","product":"K","status":"LIMITED_ACCESS","error":"PENDING_AUTH"}"#,
            ),
            input(
                0,
                0,
                r#"{"token":"FUZZ!SENTINEL","product":"K","status":"FAIL","error":"NO_SESSION"}"#,
            ),
            input(
                0,
                0,
                r#"{"faultcode":"Client","faultstring":"ANGX-0003","detail":{"APINGException":{"errorCode":"INVALID_SESSION_INFORMATION"}}}"#,
            ),
        ],
    );
}

#[test]
fn betfair_vendor_parsers() {
    run(
        "betfair vendor",
        session_betfair::__fuzz::vendor,
        &[
            input(
                0,
                0,
                r#"{"jsonrpc":"2.0","result":{"access_token":"FUZZ!SENTINEL","token_type":"BEARER","expires_in":"14400","refresh_token":"FUZZ!SENTINEL","application_subscription":{"vendor_client_id":"456238"}},"id":1}"#,
            ),
            input(0, 0, r#"{"jsonrpc":"2.0","result":"FUZZ!SENTINEL","id":1}"#),
            input(
                0,
                0,
                r#"{"jsonrpc":"2.0","result":[{"subscriptionToken":"FUZZ!SENTINEL","expiryDateTime":"2030-01-01T00:00:00.000Z","subscriptionStatus":"ACTIVATED"}],"id":1}"#,
            ),
            input(
                0,
                0,
                r#"{"jsonrpc":"2.0","error":{"code":-32099,"message":"AANGX-0010","data":{"AccountAPINGException":{"errorCode":"INVALID_SESSION_INFORMATION","errorDetails":"FUZZ!SENTINEL","requestUUID":"x"}}},"id":1}"#,
            ),
            input(
                4,
                0,
                r#"{"detail":{"AccountAPINGException":{"errorCode":"NO_SESSION"}},"faultcode":"Client","faultstring":"AANGX-0003"}"#,
            ),
        ],
    );
}

#[test]
fn seaware_parsers() {
    run(
        "seaware",
        session_seaware::__fuzz::responses,
        &[
            input(
                0,
                0,
                r#"{"access_token":"FUZZ!SENTINEL","token_type":"bearer","refresh_token":"FUZZ!SENTINEL","expires_in":899,"scope":"travelagent"}"#,
            ),
            input(
                5,
                0,
                r#"{"error":"invalid_token","error_description":"Access token expired: FUZZ!SENTINEL"}"#,
            ),
            input(
                4,
                2,
                r#"{"error":"invalid_request","error_description":"URL query parameters are not allowed"}"#,
            ),
            input(
                0,
                3,
                r#"<?xml version="1.0"?><OTA_ReadRS><Errors><Error Type="4" ShortText="Session has expired">FUZZ!SENTINEL</Error></Errors></OTA_ReadRS>"#,
            ),
            input(
                0,
                3,
                r#"<OTA_ErrorRS ErrorCode="SessionFailure-101" ErrorMessage="FUZZ!SENTINEL"/>"#,
            ),
        ],
    );
}

#[test]
fn matchbook_parsers() {
    run(
        "matchbook",
        session_matchbook::__fuzz::responses,
        &[
            input(
                0,
                0,
                r#"{"session-token":"FUZZ!SENTINEL","user-id":1234,"role":"USER","account":{"id":1234,"username":"FUZZ!SENTINEL","balance":100.0}}"#,
            ),
            input(
                4,
                0,
                r#"{"errors":[{"field":"password","messages":["FUZZ!SENTINEL"],"codes":["LOGIN_MFA_REQUIRED"]}]}"#,
            ),
            input(
                5,
                1,
                r#"{"errors":[{"field":"session-token","messages":["Session FUZZ!SENTINEL is not valid"],"codes":["FUZZ!SENTINEL"]}]}"#,
            ),
            input(11, 0, r#"{"errors":[{"codes":["TOO_MANY_REQUESTS"]}]}"#),
            input(13, 2, "<html><body>FUZZ!SENTINEL</body></html>"),
        ],
    );
}

#[test]
fn pagos_parsers() {
    use session_pagos::__fuzz::{APP_KEY, SESSION_ID, TOKEN};
    run(
        "pagos",
        session_pagos::__fuzz::responses,
        &[
            input(
                0,
                0,
                &format!(r#"{{"SessionId":"{SESSION_ID}","Success":true,"Messages":[]}}"#),
            ),
            input(
                0,
                0,
                &format!(
                    r#"{{"SessionId":"00000000-0000-0000-0000-000000000000","Success":false,"InvalidToken":true,"Messages":["Token {TOKEN} invalid"]}}"#
                ),
            ),
            input(
                0,
                0,
                &format!(
                    r#"{{"Success":false,"InvalidToken":false,"Messages":["The requested application {APP_KEY} is invalid."]}}"#
                ),
            ),
            input(0, 0, r#"{"Success":true,"Outputs":{"a":1},"Message":"ok"}"#),
            input(5, 0, ""),
        ],
    );
}
