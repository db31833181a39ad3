//! Cross-crate suites for the workspace (not published). The suites live in `tests/`:
//! `surface.rs` checks that every provider crate re-exports the same `session-core` surface, so a
//! user needs one dependency and code written against one provider's re-exports works with another;
//! `oauth_server.rs` runs Seaware and the core client-credentials provider against a real OAuth 2.0
//! server (django-oauth-toolkit), which [`oauth_server`] installs and starts.

pub mod oauth_server;
