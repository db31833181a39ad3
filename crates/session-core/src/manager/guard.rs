//! The login guard: remembered final errors and rate-limit bans.

use super::*;

impl<P: SessionProvider> Inner<P> {
    /// The guard: a remembered final failure or an active ban fails locally, without a request.
    pub(super) fn check_guard(&self, now: SystemTime) -> Result<()> {
        let checked = self.guard.check(self.name(), now);
        if checked
            .as_ref()
            .is_err_and(|e| e.kind() == ErrorKind::RateLimited)
        {
            observe::ban_refused(self.name());
        }
        checked
    }

    /// Records what a failed login means for later logins.
    pub(super) async fn guard_after(&self, e: &Error, now: SystemTime) {
        // A ban is clamped to `timing::MAX_BAN`: an absurd `Retry-After` is still recorded.
        if let Some(until) = self.guard.record(e, now) {
            observe::ban_entered(self.name());
            if let Some(store) = &self.store {
                let record = StoredRecord {
                    key: self.key.clone(),
                    provider: self.name().to_owned(),
                    generation: self.generation.load(Ordering::Acquire),
                    session: None,
                    banned_until: Some(until),
                };
                self.store_record(store, &record).await;
            }
        }
    }
}
