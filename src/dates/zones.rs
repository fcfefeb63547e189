//! Zones: the abbreviation table, numeric-offset validation, and turning a local wall-clock
//! time into an instant (DST-aware for IANA zones).
//!
//! Why a fixed abbreviation table: abbreviations are ambiguous worldwide (CST, IST, BST), so we
//! pick the meaning news sites use (US zones for EST/CST/PST, India for IST, British summer
//! time for BST) and say so here. Offsets outside −12:00..=+14:00 (the range in actual use) or
//! with minutes ≥ 60 are rejected, never clamped.
//! Around DST changes, an ambiguous local time maps to the earlier instant and a local time in
//! the spring-forward gap is read with the offset in force before the gap.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// Where a local time is anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Zone {
    /// A numeric offset or a fixed abbreviation such as `MSK`.
    Fixed(FixedOffset),
    /// An IANA zone: the site's, or one named in the text.
    Named(Tz),
}

/// Smallest and largest offsets in use, in seconds.
const MIN_OFFSET: i32 = -12 * 3600;
const MAX_OFFSET: i32 = 14 * 3600;

/// Offset in seconds east of UTC for a lower-cased zone abbreviation.
pub(super) fn abbreviation(word: &str) -> Option<i32> {
    const H: i32 = 3600;
    Some(match word {
        "utc" | "gmt" | "ut" | "z" | "wet" => 0,
        "bst" | "west" | "cet" | "met" | "mez" | "wat" => H,
        "cest" | "mest" | "mesz" | "eet" | "sast" | "cat" => 2 * H,
        "eest" | "msk" | "мск" | "eat" | "trt" => 3 * H,
        "msd" | "gst" | "samt" => 4 * H,
        "pkt" | "yekt" => 5 * H,
        "ist" => 5 * H + 30 * 60,
        "npt" => 5 * H + 45 * 60,
        "omst" => 6 * H,
        "wib" | "ict" | "krat" => 7 * H,
        "wita" | "sgt" | "hkt" | "awst" | "pht" | "myt" => 8 * H,
        "jst" | "kst" | "wit" => 9 * H,
        "acst" => 9 * H + 30 * 60,
        "aest" | "vlat" => 10 * H,
        "acdt" => 10 * H + 30 * 60,
        "aedt" => 11 * H,
        "nzst" => 12 * H,
        "nzdt" => 13 * H,
        "brt" | "art" | "adt" => -3 * H,
        "nst" => -3 * H - 30 * 60,
        "ndt" => -2 * H - 30 * 60,
        "ast" | "edt" => -4 * H,
        "est" | "cdt" => -5 * H,
        "cst" | "mdt" => -6 * H,
        "mst" | "pdt" => -7 * H,
        "pst" | "akdt" => -8 * H,
        "akst" | "hdt" => -9 * H,
        "hst" => -10 * H,
        _ => return None,
    })
}

/// Build an offset from its written parts; `None` when no real zone could have it.
pub(super) fn checked_offset(negative: bool, hours: u64, minutes: u64) -> Option<FixedOffset> {
    if hours > 14 || minutes >= 60 {
        return None;
    }
    let secs = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    fixed(if negative { -secs } else { secs })
}

/// A fixed offset within the range in use.
pub(super) fn fixed(secs: i32) -> Option<FixedOffset> {
    if (MIN_OFFSET..=MAX_OFFSET).contains(&secs) {
        FixedOffset::east_opt(secs)
    } else {
        None
    }
}

/// The instant `utc` expressed in `zone`'s offset at that instant; `None` when its wall-clock
/// time is outside chrono's range (formatting such a value would panic).
pub(super) fn at_instant(utc: DateTime<Utc>, zone: Zone) -> Option<DateTime<FixedOffset>> {
    let off = match zone {
        Zone::Fixed(off) => off,
        Zone::Named(tz) => tz.offset_from_utc_datetime(&utc.naive_utc()).fix(),
    };
    utc.naive_utc().checked_add_offset(off)?;
    Some(utc.with_timezone(&off))
}

/// The instant a local wall-clock time names in `zone`; `None` only on calendar overflow.
pub(super) fn localize(local: NaiveDateTime, zone: Zone) -> Option<DateTime<FixedOffset>> {
    match zone {
        Zone::Fixed(off) => {
            let utc = local.checked_sub_offset(off)?;
            at_instant(Utc.from_utc_datetime(&utc), zone)
        }
        Zone::Named(tz) => {
            let utc = match tz.from_local_datetime(&local) {
                LocalResult::Single(dt) => dt.with_timezone(&Utc),
                LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
                LocalResult::None => {
                    // In a spring-forward gap: read it with the offset of the day before.
                    let before = local.checked_sub_signed(TimeDelta::days(1))?;
                    let off = tz.offset_from_utc_datetime(&before).fix();
                    let naive_utc = local
                        .checked_sub_signed(TimeDelta::seconds(i64::from(off.local_minus_utc())))?;
                    Utc.from_utc_datetime(&naive_utc)
                }
            };
            at_instant(utc, zone)
        }
    }
}

/// The wall-clock time of `zone` at instant `now`, if representable.
pub(super) fn local_now(now: DateTime<Utc>, zone: Zone) -> Option<NaiveDateTime> {
    at_instant(now, zone).map(|dt| dt.naive_local())
}
