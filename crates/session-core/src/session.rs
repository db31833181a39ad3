//! What a login produces: a [`Session`], its [`Expiry`], and the outcome of renewing it.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

use crate::{secret_type, timing};

/// The short-lived proof a login returns (a ticket, an SSO token, an access token, a session id).
///
/// Each provider has its own session struct; it holds its secrets in secret newtypes and writes its
/// `Debug` by hand.
pub trait Session: Send + Sync + 'static {
    /// When the session stops being accepted, as far as the client knows.
    fn expiry(&self) -> Expiry;

    /// Adds this session's credentials to an outgoing request's headers, marking every secret
    /// value sensitive. Sessions that travel in the body (Pagos) leave the headers alone.
    fn authenticate(&self, headers: &mut HeaderMap);
}

/// When a session expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expiry {
    /// At this wall-clock time.
    At(SystemTime),
    /// The upstream did not say; the provider's [`RenewPolicy::default_ttl`] applies from the
    /// moment the session was obtained.
    Unknown,
    /// Never (a static, pre-issued token).
    Never,
}

impl Expiry {
    /// Expires `ttl` after `now` (saturating at [`timing::max_time`], so an absurd lifetime
    /// from an upstream cannot overflow).
    pub fn after(now: SystemTime, ttl: Duration) -> Self {
        Self::At(timing::after(now, ttl))
    }

    /// Expires `secs` seconds after `now`, for a lifetime an upstream sent as a number
    /// (`expires_in`): negative and NaN mean "already expired", huge values saturate
    /// (see [`timing::secs_f64`]).
    pub fn after_secs(now: SystemTime, secs: f64) -> Self {
        Self::after(now, timing::secs_f64(secs))
    }

    /// The deadline if it is known ([`Expiry::At`]).
    pub fn deadline(self) -> Option<SystemTime> {
        match self {
            Self::At(t) => Some(t),
            Self::Unknown | Self::Never => None,
        }
    }

    /// The known deadline: `Some` for [`Expiry::At`], `None` otherwise.
    pub fn at(self) -> Option<SystemTime> {
        match self {
            Self::At(t) => Some(t),
            Self::Unknown | Self::Never => None,
        }
    }

    /// The deadline, resolving [`Expiry::Unknown`] with `default_ttl` from `obtained`.
    pub fn resolve(self, obtained: SystemTime, default_ttl: Duration) -> Option<SystemTime> {
        match self {
            Self::At(t) => Some(t),
            Self::Unknown => Some(timing::after(obtained, default_ttl)),
            Self::Never => None,
        }
    }

    /// The earlier of two expiries ([`Expiry::Never`] loses to anything, [`Expiry::Unknown`]
    /// to a known time).
    #[must_use]
    pub fn min(self, other: Self) -> Self {
        match (self, other) {
            (Self::At(a), Self::At(b)) => Self::At(a.min(b)),
            (Self::At(a), _) | (_, Self::At(a)) => Self::At(a),
            (Self::Unknown, _) | (_, Self::Unknown) => Self::Unknown,
            (Self::Never, Self::Never) => Self::Never,
        }
    }
}

/// The outcome of [`SessionProvider::renew`](crate::SessionProvider::renew).
#[derive(Debug)]
#[non_exhaustive]
pub enum Renewal<S> {
    /// The upstream issued a new session (for example a refreshed access token).
    Renewed(S),
    /// The same session stays valid until the new expiry (for example a keepAlive).
    Extended(Expiry),
    /// This provider cannot renew; the manager logs in again instead.
    Unsupported,
}

/// How and when the manager renews a provider's sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenewPolicy {
    /// How often the keep-alive supervisor renews a session, when the upstream wants to be told
    /// the session is in use (Betfair keepAlive, CAS idle timeout). `None`: renew only before expiry.
    pub keep_alive: Option<Duration>,
    /// The lifetime assumed when the upstream gives none ([`Expiry::Unknown`]).
    pub default_ttl: Duration,
    /// Renew this long before the deadline.
    pub buffer: Duration,
    /// Renew up to this much earlier still, chosen at random per session, so that many processes
    /// holding sessions obtained together do not renew together.
    pub jitter: Duration,
}

impl Default for RenewPolicy {
    fn default() -> Self {
        Self {
            keep_alive: None,
            default_ttl: Duration::from_secs(15 * 60),
            buffer: Duration::from_secs(60),
            jitter: Duration::from_secs(10),
        }
    }
}

impl RenewPolicy {
    /// Sets [`RenewPolicy::keep_alive`].
    #[must_use]
    pub fn with_keep_alive(mut self, every: Option<Duration>) -> Self {
        self.keep_alive = every;
        self
    }

    /// Sets [`RenewPolicy::default_ttl`].
    #[must_use]
    pub fn with_default_ttl(mut self, ttl: Duration) -> Self {
        self.default_ttl = ttl;
        self
    }

    /// Sets [`RenewPolicy::buffer`].
    #[must_use]
    pub fn with_buffer(mut self, buffer: Duration) -> Self {
        self.buffer = buffer;
        self
    }

    /// Sets [`RenewPolicy::jitter`].
    #[must_use]
    pub fn with_jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// When a session obtained at `obtained` and expiring at `deadline` should be renewed:
    /// `buffer` plus a random share of `jitter` before the deadline, but never earlier than half
    /// way through its life (so a short-lived session is not renewed the moment it arrives).
    pub fn renew_at(&self, obtained: SystemTime, deadline: SystemTime) -> SystemTime {
        let life = deadline.duration_since(obtained).unwrap_or(Duration::ZERO);
        let jitter = if self.jitter.is_zero() {
            Duration::ZERO
        } else {
            timing::secs_f64(self.jitter.as_secs_f64() * fastrand::f64()).min(self.jitter)
        };
        let lead = self.buffer.saturating_add(jitter).min(life / 2);
        timing::before(deadline, lead)
    }
}

secret_type! {
    /// A provider's serialized session state (JSON holding tokens), for session stores.
    pub struct SecretState;
}

/// A session in the form a [`SessionStore`](crate::SessionStore) keeps: the provider's secret
/// state and the session's expiry.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PersistedSession {
    /// The provider's own serialization of the session; secret.
    pub state: SecretState,
    /// When the session expires, as a wall-clock time (`None`: never).
    pub expires_at: Option<SystemTime>,
}

impl PersistedSession {
    /// A persisted session from the provider's secret state and the expiry.
    pub fn new(state: SecretState, expires_at: Option<SystemTime>) -> Self {
        Self { state, expires_at }
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)] // Tests build fixed times with small offsets.
mod tests {
    use super::*;

    #[test]
    fn absurd_lifetimes_saturate() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000);
        assert_eq!(
            Expiry::after(now, Duration::MAX),
            Expiry::At(timing::max_time())
        );
        assert_eq!(
            Expiry::after_secs(now, 1e300),
            Expiry::At(timing::max_time())
        );
        assert_eq!(Expiry::after_secs(now, f64::NAN), Expiry::At(now));
        assert_eq!(Expiry::after_secs(now, -5.0), Expiry::At(now));
        assert_eq!(
            Expiry::Unknown.resolve(timing::max_time(), Duration::MAX),
            Some(timing::max_time())
        );
        let p = RenewPolicy::default()
            .with_buffer(Duration::MAX)
            .with_jitter(Duration::MAX);
        assert!(p.renew_at(now, timing::max_time()) >= now);
        assert_eq!(
            p.renew_at(SystemTime::UNIX_EPOCH, SystemTime::UNIX_EPOCH),
            SystemTime::UNIX_EPOCH
        );
    }

    #[test]
    fn renew_at_is_buffer_before_deadline_without_jitter() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let p = RenewPolicy::default()
            .with_buffer(Duration::from_secs(60))
            .with_jitter(Duration::ZERO);
        assert_eq!(
            p.renew_at(t0, t0 + Duration::from_secs(900)),
            t0 + Duration::from_secs(840)
        );
    }

    #[test]
    fn renew_at_never_before_half_life() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let p = RenewPolicy::default().with_buffer(Duration::from_secs(600));
        assert_eq!(
            p.renew_at(t0, t0 + Duration::from_secs(100)),
            t0 + Duration::from_secs(50)
        );
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let p = RenewPolicy::default()
            .with_buffer(Duration::from_secs(60))
            .with_jitter(Duration::from_secs(30));
        for _ in 0..200 {
            let at = p.renew_at(t0, t0 + Duration::from_secs(3600));
            assert!(at <= t0 + Duration::from_secs(3540));
            assert!(at >= t0 + Duration::from_secs(3510));
        }
    }

    #[test]
    fn expiry_min_prefers_known_times() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(5);
        assert_eq!(Expiry::Never.min(Expiry::At(t)), Expiry::At(t));
        assert_eq!(Expiry::Unknown.min(Expiry::Never), Expiry::Unknown);
        assert_eq!(
            Expiry::At(t).min(Expiry::At(t + Duration::from_secs(1))),
            Expiry::At(t)
        );
    }
}
