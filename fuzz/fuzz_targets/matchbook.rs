//! Fuzz target: `session_matchbook::__fuzz::responses` (see `tests/tests/fuzz.rs` for the invariant and the stable run).
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The sentinel the stable run plants; parser output must never repeat it.
const SENTINEL: &str = "FUZZ!SENTINEL";

fuzz_target!(|data: &[u8]| {
    for text in session_matchbook::__fuzz::responses(data) {
        assert!(!text.contains(SENTINEL), "parser output repeats input text");
    }
});
