//! What the manager reports to operators: metrics (feature `metrics`, through the `metrics`
//! facade) and the fingerprint that names an account in spans.
//!
//! Every metric is labelled by `provider`, and by `kind`, `code`, `outcome` or `op` where the
//! table in the crate docs says so; never by anything secret or personal. Nothing here runs on
//! the cached `get()` path. Without the feature these functions are empty and compile away.
#![cfg_attr(not(feature = "metrics"), allow(unused_variables))]

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, SystemTime};

use crate::error::Error;
use crate::manager::Event;

/// A short, stable, non-reversible name for an account in spans: `acct-` and 8 hex digits of a
/// hash of the provider's store key (which holds the upstream URL and the username). It tells
/// accounts apart in one deployment's logs without showing who they are; a caller-chosen label
/// (`ManagerBuilder::account_label`) is better still, as a short hash of a guessable username can
/// be matched against a list of guesses.
pub(crate) fn fingerprint(store_key: &str) -> String {
    let mut h = DefaultHasher::new();
    "session-core account".hash(&mut h);
    store_key.hash(&mut h);
    format!("acct-{:08x}", h.finish() & 0xffff_ffff)
}

/// A login request is about to be sent.
pub(crate) fn login_started(provider: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("session_logins_started_total", "provider" => provider).increment(1);
}

/// A login request ended.
pub(crate) fn login_finished(provider: &'static str, error: Option<&Error>, took: Duration) {
    #[cfg(feature = "metrics")]
    {
        metrics::histogram!("session_login_duration_seconds", "provider" => provider)
            .record(took.as_secs_f64());
        match error {
            None => {
                metrics::counter!("session_logins_succeeded_total", "provider" => provider)
                    .increment(1);
            }
            Some(e) => {
                metrics::counter!(
                    "session_logins_failed_total",
                    "provider" => provider,
                    "kind" => e.kind().as_str(),
                    "code" => e.code().unwrap_or("").to_owned(),
                )
                .increment(1);
            }
        }
    }
}

/// A renewal request ended with `outcome` (`renewed`, `extended`, `unsupported`, `rejected` or
/// `failed`).
pub(crate) fn renewal_finished(provider: &'static str, outcome: &'static str, took: Duration) {
    #[cfg(feature = "metrics")]
    {
        metrics::histogram!("session_renewal_duration_seconds", "provider" => provider)
            .record(took.as_secs_f64());
        metrics::counter!("session_renewals_total", "provider" => provider, "outcome" => outcome)
            .increment(1);
    }
}

/// A login replaced a session that had been rejected (invalidated, or refused on renewal).
pub(crate) fn relogin_after_rejection(provider: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("session_relogins_after_rejection_total", "provider" => provider)
        .increment(1);
}

/// A rate-limit ban was recorded.
pub(crate) fn ban_entered(provider: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("session_bans_total", "provider" => provider).increment(1);
}

/// A login was refused locally, without a request, because of a ban.
pub(crate) fn ban_refused(provider: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("session_ban_refusals_total", "provider" => provider).increment(1);
}

/// A store operation (`load`, `save`, `delete`, `lock`) ended with `outcome` (`ok`, `conflict`
/// for a save the store's fencing refused, or `error`).
#[cfg(feature = "metrics")]
fn store_op(provider: &'static str, op: &'static str, outcome: &'static str) {
    metrics::counter!(
        "session_store_operations_total",
        "provider" => provider,
        "op" => op,
        "outcome" => outcome,
    )
    .increment(1);
}

/// The failures in a row since the last success.
pub(crate) fn consecutive_failures(provider: &'static str, n: u32) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("session_consecutive_failures", "provider" => provider).set(f64::from(n));
}

/// A session was installed: its expiry, as seconds from `now` and as a Unix time.
pub(crate) fn expiry(provider: &'static str, expires_at: Option<SystemTime>, now: SystemTime) {
    #[cfg(feature = "metrics")]
    {
        let (left, at) = match expires_at {
            Some(t) => (
                crate::timing::until(now, t).as_secs_f64(),
                crate::timing::unix_seconds(t) as f64,
            ),
            None => (f64::INFINITY, f64::INFINITY),
        };
        metrics::gauge!("session_expires_in_seconds", "provider" => provider).set(left);
        metrics::gauge!("session_expiry_timestamp_seconds", "provider" => provider).set(at);
    }
}

/// A lifecycle event, counted by what it says.
pub(crate) fn event(provider: &'static str, event: &Event) {
    #[cfg(feature = "metrics")]
    match event {
        Event::Invalidated { .. } => {
            metrics::counter!("session_invalidations_total", "provider" => provider).increment(1);
        }
        Event::StoreUnavailable { kind } => {
            metrics::counter!(
                "session_store_fallbacks_total",
                "provider" => provider,
                "kind" => kind.as_str(),
            )
            .increment(1);
        }
        Event::Acquired { restored: true, .. } => {
            metrics::counter!("session_store_adoptions_total", "provider" => provider).increment(1);
        }
        _ => {}
    }
}

/// Wraps a store so that its operations are counted (`session_store_operations_total`); without
/// the `metrics` feature the store is returned as it is.
pub(crate) fn observed_store(
    store: std::sync::Arc<dyn crate::store::SessionStore>,
    provider: &'static str,
) -> std::sync::Arc<dyn crate::store::SessionStore> {
    #[cfg(feature = "metrics")]
    {
        std::sync::Arc::new(metered::MeteredStore {
            inner: store,
            provider,
        })
    }
    #[cfg(not(feature = "metrics"))]
    {
        store
    }
}

#[cfg(feature = "metrics")]
mod metered {
    use std::sync::Arc;
    use std::time::Duration;

    use async_trait::async_trait;

    use crate::error::Result;
    use crate::store::{SessionStore, StoreLock, StoredRecord};

    /// A store whose operations are counted.
    pub(super) struct MeteredStore {
        pub(super) inner: Arc<dyn SessionStore>,
        pub(super) provider: &'static str,
    }

    fn outcome<T>(r: &Result<T>) -> &'static str {
        if r.is_ok() { "ok" } else { "error" }
    }

    #[async_trait]
    impl SessionStore for MeteredStore {
        async fn load(&self, key: &str) -> Result<Option<StoredRecord>> {
            let r = self.inner.load(key).await;
            super::store_op(self.provider, "load", outcome(&r));
            r
        }

        async fn save(&self, key: &str, record: &StoredRecord, fence: u64) -> Result<bool> {
            let r = self.inner.save(key, record, fence).await;
            let label = match &r {
                Ok(true) => "ok",
                Ok(false) => "conflict",
                Err(_) => "error",
            };
            super::store_op(self.provider, "save", label);
            r
        }

        async fn delete(&self, key: &str, generation: Option<u64>) -> Result<()> {
            let r = self.inner.delete(key, generation).await;
            super::store_op(self.provider, "delete", outcome(&r));
            r
        }

        async fn lock(&self, key: &str, ttl: Duration) -> Result<Box<dyn StoreLock>> {
            let r = self.inner.lock(key, ttl).await;
            super::store_op(self.provider, "lock", outcome(&r));
            r
        }
    }
}
