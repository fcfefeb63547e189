//! Number rules of the free-form grammar: compact dates, numeric dates (`13.06.2019`,
//! `03/30/2020`), clock times (`14:53`, `2:53 PM`, `14h53`, `06.05`, CNN's `2010 GMT`) and the
//! slot a lone number fills (year, day, numeric month, two-digit year).
//!
//! Why separate: these rules are the ambiguous part of dateline reading and change most often;
//! keeping them apart from word and zone handling in `freeform` keeps each file readable.
//! Invariants: a rule only fires on tokens that touch (no whitespace inside `14:53` or
//! `13.06.2019`); the first date and the first time win; a time that cannot exist (`25:61`) is
//! an error, not a guess.

use super::freeform::{Scanner, Step};
use super::tokens::Tok;
use super::zones;
use super::{DateError, Language};

impl Scanner<'_, '_> {
    pub(super) fn number(&mut self, i: usize) -> Step {
        let Some((value, digits)) = self.num(i) else {
            return Ok((1, false));
        };
        if self.date_empty() {
            if let Some(n) = self.compact(i, value, digits) {
                return Ok((n, true));
            }
            if let Some(n) = self.numeric_date(i)? {
                return Ok((n, true));
            }
        }
        if let Some(n) = self.clock(i)? {
            return Ok((n, true));
        }
        if let Some(n) = self.hour_with_suffix(i) {
            return Ok((n, true));
        }
        if let Some(n) = self.dotted_time(i) {
            return Ok((n, true));
        }
        if let Some(n) = self.military_time(i, value, digits) {
            return Ok((n, true));
        }
        Ok((1, self.bare_number(i, value, digits)))
    }

    /// `20180619`, `20180619T055000`, `20140722105203`.
    fn compact(&mut self, i: usize, value: u64, digits: usize) -> Option<usize> {
        let (date, clock) = match digits {
            8 => (value, None),
            14 => (value / 1_000_000, Some(value % 1_000_000)),
            _ => return None,
        };
        let (y, m, d) = (date / 10_000, date / 100 % 100, date % 100);
        if !(1900..=2100).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        self.f.year = Some(y as i32);
        self.f.month = Some(m as u32);
        self.f.day = Some(d as u32);
        let mut used = 1;
        let clock = clock.or_else(|| {
            let t_sep = self.word_at(i + 1) == Some("t") && self.attached(i + 1);
            match self.num(i + 2) {
                Some((v, 6)) if t_sep && self.attached(i + 2) => {
                    used = 3;
                    Some(v)
                }
                Some((v, 4)) if t_sep && self.attached(i + 2) => {
                    used = 3;
                    Some(v * 100)
                }
                _ => None,
            }
        });
        if let Some(c) = clock {
            self.set_time(c / 10_000, c / 100 % 100, c % 100);
        }
        Some(used)
    }

    /// `13.06.2019`, `30.10.23`, `2014-04-26`, `03/30/2020`: three numbers joined by the same
    /// separator. Slashes are month-first in English (US usage), day-first elsewhere; a part
    /// above 12 settles it either way.
    fn numeric_date(&mut self, i: usize) -> Result<Option<usize>, DateError> {
        let sep = match self.toks.get(i + 1).map(|t| &t.tok) {
            Some(Tok::Punct(c @ ('.' | '/' | '-'))) => *c,
            _ => return Ok(None),
        };
        if !(1..=4).all(|k| self.attached(i + k)) || !self.punct(i + 3, sep) {
            return Ok(None);
        }
        let (Some((a, da)), Some((b, db)), Some((c, dc))) =
            (self.num(i), self.num(i + 2), self.num(i + 4))
        else {
            return Ok(None);
        };
        let (year, month, day, short) = if da == 4 && db <= 2 && dc <= 2 {
            (a, b, c, false)
        } else if da <= 2 && db <= 2 && (dc == 4 || dc == 2) {
            let month_first = b > 12 || (sep == '/' && self.lang == Language::En && a <= 12);
            let (day, month) = if month_first && a <= 12 {
                (b, a)
            } else {
                (a, b)
            };
            (c, month, day, dc == 2)
        } else {
            return Ok(None);
        };
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(self.invalid(format!("no such day or month in {a}{sep}{b}{sep}{c}")));
        }
        self.f.year = Some(year as i32);
        self.f.short_year = short;
        self.f.month = Some(month as u32);
        self.f.day = Some(day as u32);
        Ok(Some(5))
    }

    /// `14:53`, `2:53:07`, `17:24:37.3186369`, `08:20:13,787`, then an optional am/pm.
    fn clock(&mut self, i: usize) -> Result<Option<usize>, DateError> {
        let Some((h, dh)) = self.num(i) else {
            return Ok(None);
        };
        let minute = |k: usize| match self.num(k) {
            Some((m, 2)) if self.punct(k - 1, ':') && self.attached(k - 1) && self.attached(k) => {
                Some(m)
            }
            _ => None,
        };
        let Some(m) = minute(i + 2).filter(|_| dh <= 2) else {
            return Ok(None);
        };
        let mut used = 3;
        let mut s = 0;
        if let Some(sec) = minute(i + 4) {
            s = sec;
            used = 5;
            let frac_sep = self.punct(i + 5, '.') || self.punct(i + 5, ',');
            if frac_sep && self.attached(i + 5) && self.attached(i + 6) && self.num(i + 6).is_some()
            {
                used = 7;
            }
        }
        if h > 23 || m > 59 || s > 60 {
            return Err(self.invalid(format!("no such time of day {h}:{m:02}:{s:02}")));
        }
        let (h, extra) = self.apply_meridiem(h, i + used);
        self.set_time(h, m, s.min(59));
        Ok(Some(used + extra))
    }

    /// `10 a.m.`, `7 PM`, `14h53`, `14h`, `14 Uhr`.
    fn hour_with_suffix(&mut self, i: usize) -> Option<usize> {
        let (h, dh) = self.num(i)?;
        if dh > 2 || h > 23 {
            return None;
        }
        if let (pm_hour, extra @ 1..) = self.apply_meridiem(h, i + 1) {
            if h <= 12 {
                self.set_time(pm_hour, 0, 0);
                return Some(1 + extra);
            }
        }
        match self.word_at(i + 1) {
            Some("h") if self.attached(i + 1) => match self.num(i + 2) {
                Some((m, 2)) if self.attached(i + 2) && m < 60 => {
                    self.set_time(h, m, 0);
                    Some(3)
                }
                _ => {
                    self.set_time(h, 0, 0);
                    Some(2)
                }
            },
            Some("uhr") => {
                self.set_time(h, 0, 0);
                Some(2)
            }
            _ => None,
        }
    }

    /// `06.05` after a date ("Mon 20 Jan 2020 06.05 GMT").
    fn dotted_time(&mut self, i: usize) -> Option<usize> {
        if self.f.time.is_some() || self.f.day.is_none() || self.f.month.is_none() {
            return None;
        }
        let (h, dh) = self.num(i)?;
        let (m, dm) = self.num(i + 2)?;
        let joined = self.punct(i + 1, '.') && self.attached(i + 1) && self.attached(i + 2);
        let date_like = self.punct(i + 3, '.') && self.num(i + 4).is_some();
        if !joined || date_like || dh > 2 || dm != 2 || h > 23 || m > 59 {
            return None;
        }
        let (h, extra) = self.apply_meridiem(h, i + 3);
        self.set_time(h, m, 0);
        Some(3 + extra)
    }

    /// `2010 GMT` (CNN): four digits right before a zone word, where a year cannot be meant.
    fn military_time(&mut self, i: usize, value: u64, digits: usize) -> Option<usize> {
        let year_slot_open = self.f.month.is_some() && self.f.year.is_none();
        let zone_next = self
            .word_at(i + 1)
            .is_some_and(|w| zones::abbreviation(w).is_some());
        let (h, m) = (value / 100, value % 100);
        if digits != 4 || year_slot_open || !zone_next || self.f.time.is_some() || h > 23 || m > 59
        {
            return None;
        }
        self.set_time(h, m, 0);
        Some(1)
    }

    /// A lone number: year, day, numeric month or two-digit year, in that order of preference.
    /// Returns whether it was used as part of the date.
    fn bare_number(&mut self, i: usize, value: u64, digits: usize) -> bool {
        let f = &mut self.f;
        if digits == 4 && (1000..=2999).contains(&value) {
            if f.year.is_none() {
                f.year = Some(value as i32);
                return true;
            }
            return false;
        }
        if digits > 2 {
            return false;
        }
        let value = value as u32;
        let after_apostrophe = i > 0 && self.toks[i - 1].is_punct('\'');
        let joined_to_month = i >= 2
            && !self.toks[i].spaced
            && !self.toks[i - 1].spaced
            && matches!(self.toks[i - 1].tok, Tok::Punct('-' | '.' | '/'))
            && self.toks[i - 2].word().is_some();
        let f = &mut self.f;
        if f.day.is_some() && f.month.is_some() && f.year.is_none() {
            if value > 31 || after_apostrophe || joined_to_month {
                f.year = Some(value as i32);
                f.short_year = true;
                return true;
            }
            return false;
        }
        if f.day.is_none() && (1..=31).contains(&value) {
            f.day = Some(value);
            return true;
        }
        if f.day.is_some() && f.month.is_none() && (1..=12).contains(&value) {
            f.month = Some(value);
            return true;
        }
        false
    }

    pub(super) fn set_time(&mut self, h: u64, m: u64, s: u64) {
        if self.f.time.is_none() && h < 24 && m < 60 && s < 60 {
            self.f.time = Some((h as u32, m as u32, s as u32));
        }
    }

    /// am/pm spelled `am`, `PM`, `a.m.`, `p.m.` at token `j`: the 24-hour value and tokens used.
    fn apply_meridiem(&self, h: u64, j: usize) -> (u64, usize) {
        let (pm, used) = match self.word_at(j) {
            // German "am" means "on" ("14:53 Uhr am 15.05."), never ante meridiem.
            Some("am") if self.lang != Language::De => (false, 1),
            Some("pm") => (true, 1),
            Some(w @ ("a" | "p")) if self.punct(j + 1, '.') && self.word_at(j + 2) == Some("m") => {
                (w == "p", if self.punct(j + 3, '.') { 4 } else { 3 })
            }
            _ => return (h, 0),
        };
        match (pm, h) {
            (_, 13..) | (_, 0) => (h, used),
            (false, 12) => (0, used),
            (true, 1..=11) => (h + 12, used),
            _ => (h, used),
        }
    }
}
