//! Checked time arithmetic for values that come from upstreams, stores and users.
//!
//! `SystemTime + Duration` panics when the sum does not fit, and `Duration::from_secs_f64`
//! panics on a negative, NaN or huge number. An upstream that answers `"expires_in": 1e300` or
//! `Retry-After: 9223372036854775807` must not be able to crash a login task (and so escape a
//! ban), so every deadline in this workspace is computed here, with these rules:
//!
//! | what | rule |
//! |---|---|
//! | a deadline `now + d` ([`after`]) | saturates at [`max_time`], 9999-12-31T23:59:59Z |
//! | a time `t - d` ([`before`]) | saturates at the Unix epoch |
//! | the time left until `t` ([`until`]) | zero once `t` has passed |
//! | a lifetime in seconds from a number ([`secs_f64`], [`secs_i64`]) | negative and NaN are zero; huge values saturate at [`MAX_LIFETIME`] |
//! | a rate-limit ban ([`ban`]) | at most [`MAX_BAN`] (24 hours), however long the upstream asks |
//! | Unix seconds to a time ([`from_unix_seconds`]) | clamped to [`MIN_UNIX_SECONDS`]..=[`MAX_UNIX_SECONDS`] |
//! | formatting ([`format_rfc3339`]) | never panics: times past [`max_time`] print as it |
//!
//! The workspace's clippy settings deny `+` and `-` on `SystemTime`, `Instant` and `Duration`
//! (`clippy::arithmetic_side_effects`); this module is where that arithmetic is done.
#![allow(clippy::arithmetic_side_effects)] // The one place where time arithmetic is written out.

use std::time::{Duration, SystemTime};

/// The latest representable deadline in seconds since the Unix epoch: 9999-12-31T23:59:59Z.
pub const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// The earliest time accepted from a number: 0000-01-01T00:00:00Z, in seconds since the epoch.
pub const MIN_UNIX_SECONDS: i64 = -62_167_219_200;

/// The longest lifetime read from an upstream number; longer ones saturate here. About 8,000
/// years: any real lifetime fits, and `now + MAX_LIFETIME` still saturates cleanly.
pub const MAX_LIFETIME: Duration = Duration::from_secs(MAX_UNIX_SECONDS as u64);

/// The longest rate-limit ban recorded, whatever `Retry-After` says: 24 hours.
pub const MAX_BAN: Duration = Duration::from_secs(24 * 60 * 60);

/// The latest time any deadline in this workspace takes: 9999-12-31T23:59:59Z.
pub fn max_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(MAX_UNIX_SECONDS.unsigned_abs())
}

/// `now + d`, saturating at [`max_time`].
pub fn after(now: SystemTime, d: Duration) -> SystemTime {
    now.checked_add(d)
        .map_or_else(max_time, |t| t.min(max_time()))
}

/// `t - d`, saturating at the Unix epoch.
pub fn before(t: SystemTime, d: Duration) -> SystemTime {
    t.checked_sub(d)
        .map_or(SystemTime::UNIX_EPOCH, |t| t.max(SystemTime::UNIX_EPOCH))
}

/// How long from `now` until `t`; zero when `t` is not later.
pub fn until(now: SystemTime, t: SystemTime) -> Duration {
    t.duration_since(now).unwrap_or(Duration::ZERO)
}

/// A lifetime of `secs` seconds from an untrusted float: NaN, negative and subnormal values are
/// zero, values past [`MAX_LIFETIME`] (including infinity) saturate.
pub fn secs_f64(secs: f64) -> Duration {
    if secs.is_nan() || secs <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(secs).map_or(MAX_LIFETIME, |d| d.min(MAX_LIFETIME))
}

/// A lifetime of `secs` seconds from an untrusted integer: negative is zero, huge saturates at
/// [`MAX_LIFETIME`].
pub fn secs_i64(secs: i64) -> Duration {
    Duration::from_secs(secs.max(0).unsigned_abs()).min(MAX_LIFETIME)
}

/// A lifetime of `secs` seconds from an untrusted unsigned integer, saturating at
/// [`MAX_LIFETIME`].
pub fn secs_u64(secs: u64) -> Duration {
    Duration::from_secs(secs).min(MAX_LIFETIME)
}

/// The length of a rate-limit ban: `retry_after` when the upstream gave one, else `default`,
/// never longer than [`MAX_BAN`].
pub fn ban(retry_after: Option<Duration>, default: Duration) -> Duration {
    retry_after.unwrap_or(default).min(MAX_BAN)
}

/// The time `secs` seconds after the Unix epoch (before it when negative), clamped to
/// [`MIN_UNIX_SECONDS`]..=[`MAX_UNIX_SECONDS`].
pub fn from_unix_seconds(secs: i64) -> SystemTime {
    let secs = secs.clamp(MIN_UNIX_SECONDS, MAX_UNIX_SECONDS);
    let magnitude = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        SystemTime::UNIX_EPOCH
            .checked_add(magnitude)
            .unwrap_or_else(max_time)
    } else {
        SystemTime::UNIX_EPOCH
            .checked_sub(magnitude)
            .unwrap_or(SystemTime::UNIX_EPOCH)
    }
}

/// The time `millis` milliseconds after the Unix epoch, clamped like [`from_unix_seconds`].
pub fn from_unix_millis(millis: i64) -> SystemTime {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000).unsigned_abs();
    let t = from_unix_seconds(secs);
    if (MIN_UNIX_SECONDS..MAX_UNIX_SECONDS).contains(&secs) {
        t.checked_add(Duration::from_millis(ms)).unwrap_or(t)
    } else {
        t
    }
}

/// Seconds since the Unix epoch (negative before it), saturating at the `i64` range.
pub fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// Formats `t` as RFC 3339 in UTC (`2030-01-01T00:00:00Z`), whole seconds. Never panics: a
/// time past [`max_time`] prints as `9999-12-31T23:59:59Z` and one before year 0 as
/// `0000-01-01T00:00:00Z`.
pub fn format_rfc3339(t: SystemTime) -> String {
    let secs = unix_seconds(t).clamp(MIN_UNIX_SECONDS, MAX_UNIX_SECONDS);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        // Unreachable for the clamped range; a fixed string rather than a panic all the same.
        .unwrap_or_else(|| "9999-12-31T23:59:59Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> SystemTime {
        from_unix_seconds(secs)
    }

    #[test]
    fn after_saturates_at_max_time() {
        assert_eq!(after(t(0), Duration::MAX), max_time());
        assert_eq!(after(max_time(), Duration::from_secs(1)), max_time());
        assert_eq!(after(t(10), Duration::from_secs(5)), t(15));
    }

    #[test]
    fn before_saturates_at_epoch() {
        assert_eq!(before(t(10), Duration::MAX), SystemTime::UNIX_EPOCH);
        assert_eq!(
            before(t(10), Duration::from_secs(20)),
            SystemTime::UNIX_EPOCH
        );
        assert_eq!(before(t(10), Duration::from_secs(4)), t(6));
    }

    #[test]
    fn untrusted_seconds_never_panic() {
        assert_eq!(secs_f64(f64::NAN), Duration::ZERO);
        assert_eq!(secs_f64(-1.0), Duration::ZERO);
        assert_eq!(secs_f64(f64::NEG_INFINITY), Duration::ZERO);
        assert_eq!(secs_f64(1e300), MAX_LIFETIME);
        assert_eq!(secs_f64(f64::INFINITY), MAX_LIFETIME);
        assert_eq!(secs_f64(1.5), Duration::from_millis(1500));
        assert_eq!(secs_i64(i64::MIN), Duration::ZERO);
        assert_eq!(secs_i64(i64::MAX), MAX_LIFETIME);
        assert_eq!(secs_u64(u64::MAX), MAX_LIFETIME);
        assert_eq!(secs_u64(60), Duration::from_secs(60));
    }

    #[test]
    fn bans_are_clamped_to_a_day() {
        assert_eq!(ban(Some(Duration::MAX), Duration::ZERO), MAX_BAN);
        assert_eq!(
            ban(
                Some(Duration::from_secs(i64::MAX.unsigned_abs())),
                Duration::ZERO
            ),
            MAX_BAN
        );
        assert_eq!(ban(None, Duration::from_secs(60)), Duration::from_secs(60));
        assert_eq!(
            ban(Some(Duration::from_secs(5)), Duration::from_secs(60)),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn unix_conversions_clamp() {
        assert_eq!(from_unix_seconds(i64::MAX), max_time());
        assert_eq!(unix_seconds(from_unix_seconds(i64::MIN)), MIN_UNIX_SECONDS);
        assert_eq!(unix_seconds(from_unix_seconds(-5)), -5);
        assert_eq!(from_unix_millis(i64::MAX), max_time());
        assert_eq!(from_unix_millis(1_500), t(1) + Duration::from_millis(500));
        assert_eq!(unix_seconds(from_unix_millis(i64::MIN)), MIN_UNIX_SECONDS);
    }

    #[test]
    fn formatting_never_panics_and_clamps() {
        assert_eq!(format_rfc3339(t(0)), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(t(1_893_456_000)), "2030-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(t(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(format_rfc3339(max_time()), "9999-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(t(i64::MAX)), "9999-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(t(-1)), "1969-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(t(i64::MIN)), "0000-01-01T00:00:00Z");
        // Far past the range that SystemTime itself can reach on this platform.
        if let Some(far) = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(1 << 40)) {
            assert_eq!(format_rfc3339(far), "9999-12-31T23:59:59Z");
        }
    }

    #[test]
    fn civil_dates_match_known_days() {
        // Every day boundary of 2024 (a leap year) formats to a valid, increasing date.
        let mut last = String::new();
        for day in 19_723..19_723 + 366 {
            let s = format_rfc3339(t(day * 86_400));
            assert!(s > last, "{s} after {last}");
            last = s;
        }
        assert_eq!(last, "2024-12-31T00:00:00Z");
    }
}
