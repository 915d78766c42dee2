//! Injected time.
//!
//! Every rule that depends on time (refresher due dates, grace periods, bundle expiry, retry
//! back-off) asks a [`Clock`], never the system directly, so tests can move time and devices
//! with a skewed wall clock behave predictably. Times are Unix milliseconds (UTC).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, UTC.
pub type UnixMillis = i64;

/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time in Unix milliseconds.
    fn now_ms(&self) -> UnixMillis;
}

/// The device's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> UnixMillis {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to: for tests and the device simulator.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `now_ms`.
    pub fn new(now_ms: UnixMillis) -> Self {
        Self {
            now: AtomicI64::new(now_ms),
        }
    }

    /// Moves the clock to `now_ms`.
    pub fn set(&self, now_ms: UnixMillis) {
        self.now.store(now_ms, Ordering::SeqCst);
    }

    /// Moves the clock forward by `delta_ms`.
    pub fn advance(&self, delta_ms: i64) {
        self.now.fetch_add(delta_ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> UnixMillis {
        self.now.load(Ordering::SeqCst)
    }
}

/// Formats Unix milliseconds as an RFC 3339 UTC timestamp with millisecond precision,
/// e.g. `2026-11-28T17:03:04.000Z` (the form xAPI and the wire formats use).
pub fn rfc3339(ms: UnixMillis) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => {
            let fmt = time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
            );
            t.format(&fmt)
                .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000Z"))
        }
        Err(_) => String::from("1970-01-01T00:00:00.000Z"),
    }
}

/// Parses an RFC 3339 timestamp into Unix milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<UnixMillis> {
    let t =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Parses a calendar date `YYYY-MM-DD` into Unix milliseconds at 00:00 UTC.
pub fn parse_date(text: &str) -> Option<UnixMillis> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(text.trim(), &fmt).ok()?;
    let t = d.midnight().assume_utc();
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Formats Unix milliseconds as a calendar date `YYYY-MM-DD` (UTC).
pub fn format_date(ms: UnixMillis) -> String {
    rfc3339(ms).chars().take(10).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        clock.advance(DAY_MS);
        assert_eq!(clock.now_ms(), 1_000 + DAY_MS);
        clock.set(5);
        assert_eq!(clock.now_ms(), 5);
    }

    #[test]
    fn timestamps_round_trip() {
        let ms = 1_795_885_384_123;
        let text = rfc3339(ms);
        assert_eq!(text, "2026-11-28T17:03:04.123Z");
        assert_eq!(parse_rfc3339(&text), Some(ms));
        assert_eq!(format_date(ms), "2026-11-28");
        assert_eq!(
            parse_date("2026-11-28"),
            Some(ms - (17 * 3600 + 3 * 60 + 4) * 1000 - 123)
        );
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
