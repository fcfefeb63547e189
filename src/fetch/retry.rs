//! When to try a request again, and how long to wait.
//!
//! Timeouts, connection errors and 5xx answers are retried with exponential backoff and full
//! jitter; `429` and `503` wait for their `Retry-After` when it is short enough, and otherwise
//! fail now so the section's own backoff (the scheduler's) takes over. Pure functions: the
//! timing rules are tested without waiting.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::config::RetrySettings;

/// How a site's requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Further attempts after the first.
    pub retries: u32,
    /// The first backoff step; each retry doubles it.
    pub base: Duration,
    /// Longest `Retry-After` waited for within a run.
    pub max_wait: Duration,
}

impl From<&RetrySettings> for RetryPolicy {
    fn from(settings: &RetrySettings) -> RetryPolicy {
        RetryPolicy {
            retries: settings.retries,
            base: settings.delay,
            max_wait: settings.max_wait,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (1-based): a random duration up to
    /// `base * 2^(attempt-1)` ("full jitter"), so clients that failed together do not retry
    /// together.
    pub fn backoff(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let cap = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        if cap.is_zero() {
            return cap;
        }
        cap.mul_f64(rng.random_range(0.0..=1.0))
    }
}

/// Statuses worth another try: the server may recover.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Parses `Retry-After`: delay seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let at: DateTime<Utc> = at.into();
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn backoff_doubles_within_full_jitter() {
        let policy = RetryPolicy {
            retries: 4,
            base: Duration::from_millis(100),
            max_wait: Duration::from_secs(5),
        };
        let mut rng = StdRng::seed_from_u64(12);
        for attempt in 1..=4u32 {
            let cap = Duration::from_millis(100 * 2u64.pow(attempt - 1));
            let samples: Vec<Duration> = (0..200)
                .map(|_| policy.backoff(attempt, &mut rng))
                .collect();
            assert!(samples.iter().all(|d| *d <= cap), "attempt {attempt}");
            assert!(
                samples.iter().any(|d| *d > cap / 2),
                "attempt {attempt} spreads up to its cap"
            );
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn which_statuses_are_retried() {
        for status in [429, 500, 502, 503, 504] {
            assert!(retryable_status(status));
        }
        for status in [200, 301, 403, 404, 410] {
            assert!(!retryable_status(status));
        }
    }
}
