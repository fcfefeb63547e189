//! Instants as the index page shows them: relative to now for reading at a glance ("12 min
//! ago", "in 4 min"), with the exact UTC time kept for `<time datetime>` and its title.
//!
//! Rounded to the unit a person would say (minutes under an hour and a half, hours under a
//! day and a half, then days), so a page read a few seconds later still says the same; the
//! exact time is one hover or one screen-reader query away.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// One instant on the page.
#[derive(Debug, Serialize)]
pub struct When {
    /// RFC 3339 in UTC, whole seconds: the `datetime` attribute.
    pub utc: String,
    /// `2026-06-12 08:30 UTC`: the title, for the exact time.
    pub exact: String,
    /// `12 min ago`, `in 4 min`, `due now`.
    pub relative: String,
}

impl When {
    pub fn new(at: DateTime<Utc>, now: DateTime<Utc>) -> When {
        When {
            utc: at.to_rfc3339_opts(SecondsFormat::Secs, true),
            exact: at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            relative: relative(at, now),
        }
    }
}

/// `at` said from `now`: `"just now"`, `"12 min ago"`, `"in 3 hours"`.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = at.signed_duration_since(now).num_seconds();
    let span = seconds.unsigned_abs();
    match (span < 45, seconds > 0) {
        (true, true) => "in less than a minute".into(),
        (true, false) => "just now".into(),
        (false, true) => format!("in {}", amount(span)),
        (false, false) => format!("{} ago", amount(span)),
    }
}

/// A next run said from `now`: `"in 4 min"`, or `"due now"` once its time has passed (the
/// section waits for a free slot, or is being scraped).
pub fn relative_due(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if at <= now {
        "due now".into()
    } else {
        relative(at, now)
    }
}

/// A span of seconds in the unit a person would use.
fn amount(seconds: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    let round = |unit: u64| (seconds + unit / 2) / unit;
    if seconds < 90 * MINUTE {
        format!("{} min", round(MINUTE).max(1))
    } else if seconds < 36 * HOUR {
        plural(round(HOUR), "hour")
    } else if seconds < 366 * DAY {
        plural(round(DAY), "day")
    } else {
        "over a year".into()
    }
}

fn plural(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn instants_read_as_a_person_would_say_them() {
        let now = DateTime::parse_from_rfc3339("2026-06-12T08:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let s = TimeDelta::seconds;
        for (offset, said) in [
            (s(0), "just now"),
            (s(-44), "just now"),
            (s(30), "in less than a minute"),
            (s(-45), "1 min ago"),
            (s(-12 * 60 - 10), "12 min ago"),
            (s(4 * 60), "in 4 min"),
            (s(-89 * 60), "89 min ago"),
            (s(-90 * 60), "2 hours ago"),
            (s(3600 * 5), "in 5 hours"),
            (s(-3600 * 36), "2 days ago"),
            (s(86_400 * 400), "in over a year"),
        ] {
            assert_eq!(relative(now + offset, now), said, "{offset}");
        }
        assert_eq!(relative_due(now - s(600), now), "due now");
        assert_eq!(relative_due(now, now), "due now");
        assert_eq!(relative_due(now + s(240), now), "in 4 min");
        // The far edges of chrono's range say something sensible too.
        assert_eq!(relative(DateTime::<Utc>::MAX_UTC, now), "in over a year");
        assert_eq!(relative(DateTime::<Utc>::MIN_UTC, now), "over a year ago");
        let when = When::new(now - s(720), now);
        assert_eq!(when.utc, "2026-06-12T08:18:00Z");
        assert_eq!(when.exact, "2026-06-12 08:18:00 UTC");
        assert_eq!(when.relative, "12 min ago");
    }
}
