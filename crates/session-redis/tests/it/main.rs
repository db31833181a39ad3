//! Integration tests of `session-redis` against a real `redis-server` (never a mock).
//!
//! Each test uses `REDIS_URL` when it is set, else starts `redis-server` from `PATH` on a free
//! loopback port; tests that kill, pause or restart Redis always start their own. Without Redis
//! the tests fail with a message saying what to install.
//!
//! Some tests spawn this test binary again as child processes, running
//! `children::child_process_entry_point` with instructions in environment variables; run on its
//! own, that entry point does nothing.

mod children;
mod contract;
mod failover;
mod fencing;
mod leaks;
mod sharing;
mod store_ops;
mod support;
#[cfg(feature = "tls")]
mod tls;
