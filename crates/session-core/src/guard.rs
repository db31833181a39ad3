//! The login guard: what a failed login means for the next ones.
//!
//! One implementation, used by [`SessionManager`](crate::SessionManager) for every provider (and
//! so by the `sessions` CLI, which runs on the manager) and by providers that also guard direct
//! calls of their own `login` (Betfair remembers its 20-minute login ban even when the provider
//! is called without a manager).

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::error::{Error, ErrorKind, Result};
use crate::timing;

/// Remembers final login failures and rate-limit bans, and refuses logins locally while either
/// holds.
///
/// - A failure of a [final kind](ErrorKind::is_login_final) (bad credentials, an account
///   lock-out) is remembered until [`reset`](Self::reset): every later [`check`](Self::check)
///   returns it again, without a request.
/// - A [`RateLimited`](ErrorKind::RateLimited) failure starts a ban of its `Retry-After`, or of
///   the guard's default when the upstream gave none, clamped to [`timing::MAX_BAN`] (an absurd
///   `Retry-After` still records a ban). Until it ends, `check` fails with `RateLimited` and the
///   time left.
#[derive(Debug)]
pub struct LoginGuard {
    default_ban: Duration,
    remember_final: bool,
    state: Mutex<GuardState>,
}

#[derive(Debug, Default)]
struct GuardState {
    remembered: Option<Error>,
    banned_until: Option<SystemTime>,
}

impl LoginGuard {
    /// A guard that remembers final failures and enforces bans; `default_ban` is the ban for a
    /// rate limit without `Retry-After`.
    pub fn new(default_ban: Duration) -> Self {
        Self {
            default_ban,
            remember_final: true,
            state: Mutex::new(GuardState::default()),
        }
    }

    /// A guard that only enforces rate-limit bans (final failures are left to the caller).
    pub fn bans_only(default_ban: Duration) -> Self {
        Self {
            remember_final: false,
            ..Self::new(default_ban)
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GuardState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Ok` when a login may be sent at `now`; otherwise the remembered failure, or a
    /// `RateLimited` error of `provider` carrying the time left of the ban.
    pub fn check(&self, provider: &'static str, now: SystemTime) -> Result<()> {
        let st = self.lock();
        if let Some(e) = &st.remembered {
            return Err(e.clone());
        }
        if let Some(until) = st.banned_until
            && until > now
        {
            return Err(Error::new(
                ErrorKind::RateLimited,
                provider,
                "login refused locally during a rate-limit ban",
            )
            .with_retry_after(timing::until(now, until)));
        }
        Ok(())
    }

    /// Records what the failed login `e` at `now` means for later logins. Returns the end of the
    /// ban it started, if it started one.
    pub fn record(&self, e: &Error, now: SystemTime) -> Option<SystemTime> {
        if e.kind().is_login_final() {
            if self.remember_final {
                self.lock().remembered = Some(e.clone());
            }
            None
        } else if e.kind() == ErrorKind::RateLimited {
            let until = timing::after(now, timing::ban(e.retry_after(), self.default_ban));
            self.lock().banned_until = Some(until);
            Some(until)
        } else {
            None
        }
    }

    /// Adopts a ban learnt elsewhere (for example from a shared store) unless a later one is
    /// already known.
    pub fn adopt_ban(&self, until: SystemTime) {
        let mut st = self.lock();
        if st.banned_until.is_none_or(|t| t < until) {
            st.banned_until = Some(until);
        }
    }

    /// The end of the ban in force at `now`, if any.
    pub fn banned_until(&self, now: SystemTime) -> Option<SystemTime> {
        self.lock().banned_until.filter(|t| *t > now)
    }

    /// Forgets the remembered failure and the ban.
    pub fn reset(&self) {
        let mut st = self.lock();
        st.remembered = None;
        st.banned_until = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        timing::after(SystemTime::UNIX_EPOCH, Duration::from_secs(secs))
    }

    #[test]
    fn a_final_failure_is_returned_again_until_reset() {
        let guard = LoginGuard::new(Duration::from_secs(60));
        let e = Error::new(ErrorKind::InvalidCredentials, "x", "bad password");
        assert_eq!(guard.record(&e, at(10)), None);
        let again = guard.check("x", at(1_000_000)).unwrap_err();
        assert_eq!(again.kind(), ErrorKind::InvalidCredentials);
        guard.reset();
        assert!(guard.check("x", at(10)).is_ok());
        let bans_only = LoginGuard::bans_only(Duration::from_secs(60));
        bans_only.record(&e, at(10));
        assert!(bans_only.check("x", at(11)).is_ok());
    }

    #[test]
    fn a_ban_holds_for_its_retry_after_or_the_default_clamped() {
        let guard = LoginGuard::new(Duration::from_secs(60));
        let limited = Error::new(ErrorKind::RateLimited, "x", "slow down");
        assert_eq!(guard.record(&limited, at(100)), Some(at(160)));
        let refused = guard.check("x", at(130)).unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::RateLimited);
        assert_eq!(refused.retry_after(), Some(Duration::from_secs(30)));
        assert!(guard.check("x", at(160)).is_ok());
        let absurd = limited.with_retry_after(Duration::MAX);
        let until = guard.record(&absurd, at(200)).unwrap();
        assert_eq!(until, timing::after(at(200), timing::MAX_BAN));
        assert_eq!(guard.banned_until(at(201)), Some(until));
        // A shorter ban learnt elsewhere does not shorten it; a longer one extends it.
        guard.adopt_ban(at(300));
        assert_eq!(guard.banned_until(at(201)), Some(until));
        let later = timing::after(until, Duration::from_secs(1));
        guard.adopt_ban(later);
        assert_eq!(guard.banned_until(at(201)), Some(later));
    }

    #[test]
    fn other_failures_change_nothing() {
        let guard = LoginGuard::new(Duration::from_secs(60));
        for kind in [
            ErrorKind::Unavailable,
            ErrorKind::Timeout,
            ErrorKind::Configuration,
        ] {
            assert_eq!(guard.record(&Error::new(kind, "x", "no"), at(1)), None);
        }
        assert!(guard.check("x", at(2)).is_ok());
    }
}
