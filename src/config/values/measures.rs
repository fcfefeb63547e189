//! Amounts: durations, counts, fractions and sizes, with their bounds.
//!
//! Every amount has a largest value as well as a smallest: a value far beyond any sensible
//! setting (`interval = "300000y"`, `max_entries = 1000000000`) is a typo, and accepting it
//! would only move the failure to the first scrape, where a date past chrono's range or a
//! wait past `Instant`'s panics. The caps are generous, documented in `docs/config.md`, and
//! a message names the cap so the fix is obvious. Arithmetic downstream is checked anyway
//! (a raised cap must never turn into a panic); the caps are what the user sees.

use std::time::Duration;

use crate::config::checked::Parse;

/// Above this a cache size is surely a typo (it would be held in memory).
const MAX_FEED_CACHE: u64 = 64 << 30;

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
/// humantime's year (365.25 days), so `"100y"` is exactly the cap below.
const YEAR: u64 = 31_557_600;

/// Any duration in humantime syntax: `"500ms"`, `"15m"`, `"1h 30m"`.
fn any_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("{text:?} is not a duration like \"15m\" or \"500ms\": {e}"))
}

/// A duration of at most `max`.
pub(super) fn at_most(text: &str, max: Duration) -> Result<Duration, String> {
    let duration = any_duration(text)?;
    if duration > max {
        return Err(format!(
            "{text:?} is longer than the maximum of {}",
            spoken(max)
        ));
    }
    Ok(duration)
}

/// A cap as a sentence says it: "30 days", "1 hour", "100 years" (the largest unit that
/// divides it; caps are round numbers).
fn spoken(duration: Duration) -> String {
    let secs = duration.as_secs();
    let units = [
        (YEAR, "year"),
        (DAY, "day"),
        (HOUR, "hour"),
        (MINUTE, "minute"),
        (1, "second"),
    ];
    let (size, name) = units
        .into_iter()
        .find(|(size, _)| secs >= *size && secs.is_multiple_of(*size))
        .unwrap_or((1, "second"));
    let n = secs / size;
    format!("{n} {name}{}", if n == 1 { "" } else { "s" })
}

/// Declares a duration kind with a cap: `Kind` reads a humantime duration of at most `MAX`.
macro_rules! capped_duration {
    ($(#[$doc:meta])* $kind:ident, $max:expr) => {
        $(#[$doc])*
        pub struct $kind;

        impl $kind {
            /// The largest value accepted.
            pub const MAX: Duration = $max;
        }

        impl Parse for $kind {
            type Raw = String;
            type Value = Duration;
            const FORMAT: &'static str = "duration";

            fn parse(text: &String) -> Result<Duration, String> {
                at_most(text, Self::MAX)
            }
        }
    };
}

capped_duration!(
    /// The shortest time between two requests to one host: at most an hour.
    PoliteDelay,
    Duration::from_secs(HOUR)
);
capped_duration!(
    /// The longest one request may take: at most an hour.
    RequestTimeout,
    Duration::from_secs(HOUR)
);
capped_duration!(
    /// The first step of the backoff between attempts (doubled each time): at most an hour.
    RetryDelay,
    Duration::from_secs(HOUR)
);
capped_duration!(
    /// The longest `Retry-After` waited for within a run: at most 6 hours, the scheduler's
    /// longest backoff (a longer wait is the section's backoff's business).
    RetryWait,
    Duration::from_secs(6 * HOUR)
);

/// How often a section is scraped: a duration of at least 10 seconds and at most 30 days.
pub struct Interval;

impl Interval {
    /// The largest interval accepted.
    pub const MAX: Duration = Duration::from_secs(30 * DAY);
}

impl Parse for Interval {
    type Raw = String;
    type Value = Duration;
    const FORMAT: &'static str = "duration";

    fn parse(text: &String) -> Result<Duration, String> {
        let interval = at_most(text, Self::MAX)?;
        if interval < Duration::from_secs(10) {
            return Err("must be at least 10s".into());
        }
        Ok(interval)
    }
}

/// A retention age: a duration of at least an hour (a smaller one is surely a typo that
/// would empty the feed at every scrape) and at most 100 years.
pub struct RetentionAge;

impl RetentionAge {
    /// The largest age accepted.
    pub const MAX: Duration = Duration::from_secs(100 * YEAR);
}

impl Parse for RetentionAge {
    type Raw = String;
    type Value = Duration;
    const FORMAT: &'static str = "duration";

    fn parse(text: &String) -> Result<Duration, String> {
        let age = at_most(text, Self::MAX)?;
        if age < Duration::from_secs(HOUR) {
            return Err(format!("{text:?} is shorter than an hour"));
        }
        Ok(age)
    }
}

/// A number of things from 1 to `MAX`; the aliases below name each kind and its cap.
pub struct Count<const MAX: usize>;

impl<const MAX: usize> Parse for Count<MAX> {
    type Raw = usize;
    type Value = usize;
    const FORMAT: &'static str = "count";

    fn parse(count: &usize) -> Result<usize, String> {
        if *count == 0 {
            return Err("must be at least 1".into());
        }
        if *count > MAX {
            return Err(format!("{count} is more than the maximum of {MAX}"));
        }
        Ok(*count)
    }
}

/// Connections to the shared PostgreSQL store one instance keeps at most.
pub type PoolSize = Count<100>;
/// Entries kept per feed: every one is rendered into each of the feed's documents.
pub type EntryCount = Count<10_000>;
/// New article pages fetched per section per run.
pub type ArticleCount = Count<1_000>;
/// Listing pages read per scrape.
pub type PageCount = Count<100>;
/// Sections scraped at the same time.
pub type Concurrency = Count<64>;
/// Connections the server holds open at once: the open-files limit is the real bound, and
/// no system gives one process more than a million.
pub type ConnectionCount = Count<1_000_000>;

/// Further attempts of a failed request: 0 to 10 (each waits twice as long as the one
/// before, so more would only stall the host's queue).
pub struct Retries;

impl Retries {
    /// The most retries accepted.
    pub const MAX: u32 = 10;
}

impl Parse for Retries {
    type Raw = u32;
    type Value = u32;
    const FORMAT: &'static str = "count";

    fn parse(retries: &u32) -> Result<u32, String> {
        if *retries > Self::MAX {
            return Err(format!(
                "{retries} is more than the maximum of {}",
                Self::MAX
            ));
        }
        Ok(*retries)
    }
}

/// The fraction of an interval added or removed at random: 0 to 0.5.
pub struct Jitter;

impl Parse for Jitter {
    type Raw = f64;
    type Value = f64;
    const FORMAT: &'static str = "fraction";

    fn parse(jitter: &f64) -> Result<f64, String> {
        if !(0.0..=0.5).contains(jitter) {
            return Err(format!("{jitter} is not between 0 and 0.5"));
        }
        Ok(*jitter)
    }
}

/// A memory size in bytes: `"16 MiB"`, `"512KiB"`, `"1GB"`; more than 0, at most 64 GiB.
pub struct CacheSize;

impl Parse for CacheSize {
    type Raw = String;
    type Value = usize;
    const FORMAT: &'static str = "byte-size";

    fn parse(text: &String) -> Result<usize, String> {
        match text.trim().parse::<bytesize::ByteSize>() {
            Ok(size) if (1..=MAX_FEED_CACHE).contains(&size.as_u64()) => Ok(size.as_u64() as usize),
            Ok(_) => Err(format!("{text:?} must be more than 0 and at most 64 GiB")),
            Err(e) => Err(format!(
                "{text:?} is not a size like \"16 MiB\" or \"512KiB\": {e}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_are_spoken_in_round_units() {
        assert_eq!(spoken(Interval::MAX), "30 days");
        assert_eq!(spoken(RetentionAge::MAX), "100 years");
        assert_eq!(spoken(RetryWait::MAX), "6 hours");
        assert_eq!(spoken(PoliteDelay::MAX), "1 hour");
        assert_eq!(spoken(Duration::from_secs(90)), "90 seconds");
    }

    #[test]
    fn absurd_durations_name_the_cap() {
        assert_eq!(
            Interval::parse(&"300000y".into()),
            Err("\"300000y\" is longer than the maximum of 30 days".into())
        );
        assert_eq!(Interval::parse(&"30d".into()), Ok(Interval::MAX));
        assert!(Interval::parse(&"30d 1s".into()).is_err());
        assert!(RetentionAge::parse(&"1000000y".into())
            .unwrap_err()
            .contains("maximum of 100 years"));
        assert_eq!(RetentionAge::parse(&"100y".into()), Ok(RetentionAge::MAX));
        for kind in [PoliteDelay::parse, RequestTimeout::parse, RetryDelay::parse] {
            assert!(kind(&"1h".into()).is_ok());
            assert!(kind(&"61m".into())
                .unwrap_err()
                .contains("maximum of 1 hour"));
            assert!(kind(&"0s".into()).is_ok());
        }
        assert!(RetryWait::parse(&"7h".into())
            .unwrap_err()
            .contains("maximum of 6 hours"));
        // Beyond what humantime itself can hold: still a message, not a panic.
        assert!(Interval::parse(&"99999999999999999999y".into()).is_err());
    }

    #[test]
    fn counts_are_capped_per_kind() {
        assert_eq!(EntryCount::parse(&10_000), Ok(10_000));
        assert_eq!(
            EntryCount::parse(&10_001),
            Err("10001 is more than the maximum of 10000".into())
        );
        assert!(ArticleCount::parse(&1_001).is_err());
        assert!(PageCount::parse(&101).is_err());
        assert!(Concurrency::parse(&usize::MAX).is_err());
        assert!(Concurrency::parse(&0).is_err());
        assert_eq!(Retries::parse(&0), Ok(0));
        assert_eq!(Retries::parse(&10), Ok(10));
        assert!(Retries::parse(&u32::MAX)
            .unwrap_err()
            .contains("maximum of 10"));
    }
}
