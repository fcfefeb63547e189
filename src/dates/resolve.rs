//! Turns grammar [`Fields`] into an instant, using the injected `now` and the site zone for
//! everything the text leaves out.
//!
//! Rules (why they are what they are):
//! - relative text ("5 minutes ago") is `now` minus the amount, shown in the site zone;
//! - a date without a time is midnight; "yesterday"/"today" without a time keep now's clock
//!   time, like dateparser does, so items stay in fetch order;
//! - a time without a date is today on the zone's wall clock, or yesterday if today's would be
//!   more than [`TIME_ONLY_TOLERANCE`] ahead of `now` (clock drift, never a real future post);
//! - a year is inferred by [`year::infer`]; a bare weekday means its latest occurrence.

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, NaiveTime, TimeDelta, Timelike};

use super::freeform::Fields;
use super::year;
use super::zones::{self, Zone};
use super::{DateContext, DateError};

/// How far ahead of `now` a time-only or weekday-only date may be before it means the day
/// (or week) before.
pub(super) const TIME_ONLY_TOLERANCE: TimeDelta = TimeDelta::hours(1);

pub(super) fn resolve(
    f: &Fields,
    ctx: &DateContext,
    text: &str,
) -> Result<DateTime<FixedOffset>, DateError> {
    let now = ctx.now.with_nanosecond(0).unwrap_or(ctx.now);
    let zone = f.zone.unwrap_or(Zone::Named(ctx.timezone));
    let out_of_range = || DateError::OutOfRange {
        text: text.to_string(),
    };
    let unrecognized = || DateError::Unrecognized {
        text: text.to_string(),
    };
    if f.ago && f.has_rel_unit {
        let instant = now
            .checked_sub_signed(TimeDelta::try_seconds(f.rel_secs).ok_or_else(out_of_range)?)
            .and_then(|t| t.checked_sub_months(Months::new(f.rel_months)))
            .ok_or_else(out_of_range)?;
        return zones::at_instant(instant, zone).ok_or_else(out_of_range);
    }
    if f.just_now && f.month.is_none() && f.time.is_none() && f.day_shift.is_none() {
        return zones::at_instant(now, zone).ok_or_else(out_of_range);
    }
    let local_now = zones::local_now(now, zone).ok_or_else(out_of_range)?;
    let time = f
        .time
        .and_then(|(h, m, s)| NaiveTime::from_hms_opt(h, m, s));
    let build = |date: NaiveDate, time: NaiveTime| {
        zones::localize(date.and_time(time), zone).ok_or_else(out_of_range)
    };

    if let Some(month) = f.month {
        let time = time.unwrap_or(NaiveTime::MIN);
        let Some(year) = f.year else {
            let day = f.day.ok_or_else(unrecognized)?;
            return year::infer(month, day, time, zone, now, text);
        };
        let year = if f.short_year {
            year::expand_short_year(year, local_now.year())
        } else {
            year
        };
        // "Nov. 2020": a month and a year name the month's first day.
        let day = f.day.unwrap_or(1);
        let date =
            NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| DateError::InvalidDate {
                text: text.to_string(),
                reason: format!("{year}-{month:02} has no day {day}"),
            })?;
        return build(date, time);
    }
    if f.day.is_some() || f.year.is_some() {
        // A day or a year without a month is not a date ("13", "2019").
        return Err(unrecognized());
    }

    let today = local_now.date();
    let limit = now.checked_add_signed(TIME_ONLY_TOLERANCE).unwrap_or(now);
    if let Some(shift) = f.day_shift {
        let date = today
            .checked_add_signed(TimeDelta::days(shift))
            .ok_or_else(out_of_range)?;
        return build(date, time.unwrap_or(local_now.time()));
    }
    let (date, time) = match (f.weekday, time) {
        (Some(weekday), time) => {
            let back = i64::from(today.weekday().days_since(weekday));
            let date = today
                .checked_sub_signed(TimeDelta::days(back))
                .ok_or_else(out_of_range)?;
            (date, time.unwrap_or(NaiveTime::MIN))
        }
        (None, Some(time)) => (today, time),
        (None, None) => return Err(unrecognized()),
    };
    let step = if f.weekday.is_some() { 7 } else { 1 };
    let dt = build(date, time)?;
    if dt <= limit {
        return Ok(dt);
    }
    let earlier = date
        .checked_sub_signed(TimeDelta::days(step))
        .ok_or_else(out_of_range)?;
    build(earlier, time)
}
