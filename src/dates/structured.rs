//! Machine formats, tried before the free-form grammar: Unix seconds and milliseconds, RFC 3339
//! and RFC 2822 (including RFC 822's obsolete zone names), all read by chrono where it can.
//!
//! Why first: listing APIs, `<time datetime>` attributes, JSON-LD and RSS carry these exact
//! formats, and chrono's parsers are strict and fast. Anything they reject falls through to
//! `freeform`, which also reads the sloppy ISO variants (space separator, no seconds, compact
//! `20180619T055000+0900`). Numbers: 9–11 digits are Unix seconds, 12–14 milliseconds, except
//! that 8 digits (`20180619`) and a valid 14-digit `YYYYMMDDhhmmss` are compact dates.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Timelike};

use super::zones::{self, Zone};
use super::{DateContext, DateError};

/// `Some` when `text` is a machine format (successfully read or impossible), `None` otherwise.
pub(super) fn parse(
    text: &str,
    ctx: &DateContext,
) -> Option<Result<DateTime<FixedOffset>, DateError>> {
    if let Some(result) = unix(text, ctx) {
        return Some(result);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(checked(dt, text));
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(text) {
        return Some(checked(dt, text));
    }
    None
}

/// Reject offsets no zone uses and drop fractions of a second.
fn checked(dt: DateTime<FixedOffset>, text: &str) -> Result<DateTime<FixedOffset>, DateError> {
    if zones::fixed(dt.offset().local_minus_utc()).is_none() {
        return Err(DateError::ImpossibleOffset {
            text: text.to_string(),
            offset: dt.offset().to_string(),
        });
    }
    Ok(whole_seconds(dt))
}

/// The same instant without its fraction of a second.
pub(super) fn whole_seconds(dt: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    dt.with_nanosecond(0).unwrap_or(dt)
}

/// Unix seconds or milliseconds, optionally with a fraction (`1593378975.0`).
fn unix(text: &str, ctx: &DateContext) -> Option<Result<DateTime<FixedOffset>, DateError>> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = int.parse().ok()?;
    let secs = match int.len() {
        9..=11 => value,
        14 if frac.is_empty() && is_compact_datetime(int) => return None,
        12..=14 => value.div_euclid(1000),
        _ => return None,
    };
    Some(
        DateTime::from_timestamp(secs, 0)
            .and_then(|utc| zones::at_instant(utc, Zone::Named(ctx.timezone)))
            .ok_or_else(|| DateError::OutOfRange {
                text: text.to_string(),
            }),
    )
}

/// `20140722105203` reads as a plausible date and time rather than milliseconds in year 6000+.
fn is_compact_datetime(digits: &str) -> bool {
    NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S")
        .is_ok_and(|dt| (1900..=2100).contains(&chrono::Datelike::year(&dt)))
}
