//! Cross-crate suites for the workspace (not published). The suites live in `tests/`:
//! `surface.rs` checks that every provider crate re-exports the same `session-core` surface, so a
//! user needs one dependency and code written against one provider's re-exports works with another.
