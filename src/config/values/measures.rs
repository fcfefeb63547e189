//! Amounts: durations, counts, fractions and sizes, with their bounds.

use std::time::Duration;

use crate::config::checked::Parse;

/// Above this a cache size is surely a typo (it would be held in memory).
const MAX_FEED_CACHE: u64 = 64 << 30;

/// Any duration in humantime syntax: `"500ms"`, `"15m"`, `"1h 30m"`.
pub struct AnyDuration;

impl Parse for AnyDuration {
    type Raw = String;
    type Value = Duration;
    const FORMAT: &'static str = "duration";

    fn parse(text: &String) -> Result<Duration, String> {
        humantime::parse_duration(text)
            .map_err(|e| format!("{text:?} is not a duration like \"15m\" or \"500ms\": {e}"))
    }
}

/// How often a section is scraped: a duration of at least 10 seconds.
pub struct Interval;

impl Parse for Interval {
    type Raw = String;
    type Value = Duration;
    const FORMAT: &'static str = "duration";

    fn parse(text: &String) -> Result<Duration, String> {
        let interval = AnyDuration::parse(text)?;
        if interval < Duration::from_secs(10) {
            return Err("must be at least 10s".into());
        }
        Ok(interval)
    }
}

/// A retention age: a duration of at least an hour (a smaller one is surely a typo that
/// would empty the feed at every scrape).
pub struct RetentionAge;

impl Parse for RetentionAge {
    type Raw = String;
    type Value = Duration;
    const FORMAT: &'static str = "duration";

    fn parse(text: &String) -> Result<Duration, String> {
        let age = AnyDuration::parse(text)?;
        if age < Duration::from_secs(3600) {
            return Err(format!("{text:?} is shorter than an hour"));
        }
        Ok(age)
    }
}

/// A number of things that must be at least 1.
pub struct Count;

impl Parse for Count {
    type Raw = usize;
    type Value = usize;
    const FORMAT: &'static str = "count";

    fn parse(count: &usize) -> Result<usize, String> {
        if *count == 0 {
            return Err("must be at least 1".into());
        }
        Ok(*count)
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
