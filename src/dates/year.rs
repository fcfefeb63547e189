//! Missing-year inference: a dateline without a year ("December 31, 23:41") names the most
//! recent such day that is not in the future.
//!
//! Why a tolerance: site clocks and ours drift, and a page may be fetched a little before its
//! own zone's midnight; up to [`FUTURE_TOLERANCE`] ahead of `now` still counts as "not in the
//! future". Read on January 1, "December 31" therefore lands in the previous year, and
//! "February 29" in the most recent leap year.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};

use super::zones::{self, Zone};
use super::DateError;

/// How far ahead of `now` an inferred date may be.
pub(super) const FUTURE_TOLERANCE: TimeDelta = TimeDelta::days(1);

/// Years looked back: enough to reach a leap year from any year.
const LOOKBACK_YEARS: i32 = 8;

/// The latest `month`/`day` at `time` in `zone` that is not after `now` + tolerance.
pub(super) fn infer(
    month: u32,
    day: u32,
    time: NaiveTime,
    zone: Zone,
    now: DateTime<Utc>,
    text: &str,
) -> Result<DateTime<FixedOffset>, DateError> {
    let out_of_range = || DateError::OutOfRange {
        text: text.to_string(),
    };
    let this_year = zones::local_now(now, zone).ok_or_else(out_of_range)?.year();
    let limit = now.checked_add_signed(FUTURE_TOLERANCE).unwrap_or(now);
    let mut exists = false;
    for year in (this_year - LOOKBACK_YEARS..=this_year + 1).rev() {
        let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
            continue;
        };
        exists = true;
        if let Some(dt) = zones::localize(date.and_time(time), zone) {
            if dt <= limit {
                return Ok(dt);
            }
        }
    }
    Err(if exists {
        out_of_range()
    } else {
        DateError::InvalidDate {
            text: text.to_string(),
            reason: format!("month {month} has no day {day}"),
        }
    })
}

/// Century for a two-digit year: the 2000s unless that would be more than a year ahead.
pub(super) fn expand_short_year(short: i32, now_year: i32) -> i32 {
    if 2000 + short <= now_year + 1 {
        2000 + short
    } else {
        1900 + short
    }
}
