//! Fuzz target: `session_betfair::__fuzz::vendor` (see `tests/tests/fuzz.rs` for the invariant and the stable run).
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The sentinel the stable run plants; parser output must never repeat it.
const SENTINEL: &str = "FUZZ!SENTINEL";

fuzz_target!(|data: &[u8]| {
    for text in session_betfair::__fuzz::vendor(data) {
        assert!(!text.contains(SENTINEL), "parser output repeats input text");
    }
});
