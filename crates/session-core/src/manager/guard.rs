//! The login guard: remembered final errors and rate-limit bans.

use super::*;

impl<P: SessionProvider> Inner<P> {
    /// The guard: a remembered final failure or an active ban fails locally, without a request.
    pub(super) fn check_guard(&self, now: SystemTime) -> Result<()> {
        let st = self.lock_state();
        if let Some(e) = &st.remembered {
            return Err(e.clone());
        }
        if let Some(until) = st.banned_until
            && until > now
        {
            let left = until.duration_since(now).unwrap_or_default();
            observe::ban_refused(self.name());
            return Err(Error::new(
                ErrorKind::RateLimited,
                self.name(),
                "login refused locally during a rate-limit ban",
            )
            .with_retry_after(left));
        }
        Ok(())
    }

    /// Records what a failed login means for later logins.
    pub(super) async fn guard_after(&self, e: &Error, now: SystemTime) {
        if e.kind().is_login_final() {
            self.lock_state().remembered = Some(e.clone());
        } else if e.kind() == ErrorKind::RateLimited {
            // Clamped to `timing::MAX_BAN`: an absurd `Retry-After` is still recorded.
            let until = timing::after(now, timing::ban(e.retry_after(), self.default_ban));
            observe::ban_entered(self.name());
            self.lock_state().banned_until = Some(until);
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
