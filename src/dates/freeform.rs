//! Free-form dateline grammar: walks the tokens once, left to right, and fills [`Fields`].
//!
//! Why a hand-written grammar: no Rust crate reads multilingual datelines with missing years,
//! relative words and zone abbreviations ("Updated 2:53 PM EDT, Thu June 13, 2019",
//! "13 января 2015 г. в 13:34", "hier à 14h53"). Matching happens on classified tokens, so
//! each rule is a few lines and the whole pass is linear in the (bounded) token count.
//!
//! Invariants: the first date and the first time win (a trailing ", updated 10:15" is ignored);
//! a numeric offset beats an abbreviation; an abbreviation only counts right after a date or
//! time part (so French "est" or German "ist" in prose are not zones); text inside parentheses
//! only contributes a lone zone word ("(CEST)"). Words unknown in the language are counted so
//! the caller can prefer the language that explains the text best.

use chrono::Weekday;

use super::lexicon::{self, Lex, Unit};
use super::tokens::{Tok, Token};
use super::zones::{self, Zone};
use super::{DateError, Language};

/// Everything the grammar found; `resolve` turns it into an instant.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Fields {
    pub year: Option<i32>,
    /// The year was written with two digits (century still to choose).
    pub short_year: bool,
    pub month: Option<u32>,
    pub day: Option<u32>,
    pub weekday: Option<Weekday>,
    /// Hour, minute, second; always a valid wall-clock time.
    pub time: Option<(u32, u32, u32)>,
    pub zone: Option<Zone>,
    /// today (0), yesterday (−1)…
    pub day_shift: Option<i64>,
    /// A relative marker ("ago", "назад", "vor") was seen.
    pub ago: bool,
    pub just_now: bool,
    /// Sum of the relative quantities seen, split into exact seconds and calendar months.
    pub rel_secs: i64,
    pub rel_months: u32,
    pub has_rel_unit: bool,
    /// Letters-only words that mean nothing in this language.
    pub unknown_words: u32,
}

/// Scan `toks` as `lang`. Errors only for things wrong in every language: an impossible
/// offset or an impossible time of day. `text` is quoted in errors.
pub(super) fn scan(toks: &[Token<'_>], lang: Language, text: &str) -> Result<Fields, DateError> {
    let mut s = Scanner {
        toks,
        lang,
        text,
        f: Fields::default(),
        numeric_zone: false,
        after_datetime: false,
    };
    let mut i = 0;
    while i < toks.len() {
        let (used, datetime) = s.step(i)?;
        s.after_datetime = datetime;
        i += used.max(1);
    }
    Ok(s.f)
}

/// One left-to-right pass over the tokens in one language; rules live here (words, zones)
/// and in `numbers` (numbers, dates, clock times).
pub(super) struct Scanner<'t, 'a> {
    pub(super) toks: &'t [Token<'a>],
    pub(super) lang: Language,
    pub(super) text: &'t str,
    pub(super) f: Fields,
    pub(super) numeric_zone: bool,
    /// The previous token was part of a date, time or zone: an abbreviation may follow.
    pub(super) after_datetime: bool,
}

/// Tokens consumed, and whether they were part of a date, time or zone.
pub(super) type Step = Result<(usize, bool), DateError>;

impl Scanner<'_, '_> {
    fn step(&mut self, i: usize) -> Step {
        let toks = self.toks;
        match &toks[i].tok {
            Tok::Punct('(') => Ok((self.parenthesized(i), false)),
            Tok::Punct('+' | '-') => match self.signed_offset(i, false)? {
                Some(n) => Ok((n, true)),
                None => Ok((1, self.after_datetime)),
            },
            Tok::Punct(_) => Ok((1, self.after_datetime)),
            Tok::Num { .. } => self.number(i),
            Tok::Word(w) => self.word(i, w),
        }
    }

    // ---- token helpers -------------------------------------------------------------------

    pub(super) fn num(&self, i: usize) -> Option<(u64, usize)> {
        self.toks.get(i).and_then(Token::num)
    }

    /// Token `i` exists and touches the previous one (no whitespace between).
    pub(super) fn attached(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| !t.spaced)
    }

    pub(super) fn punct(&self, i: usize, c: char) -> bool {
        self.toks.get(i).is_some_and(|t| t.is_punct(c))
    }

    pub(super) fn word_at(&self, i: usize) -> Option<&str> {
        self.toks.get(i).and_then(Token::word)
    }

    pub(super) fn date_empty(&self) -> bool {
        self.f.day.is_none() && self.f.month.is_none() && self.f.year.is_none()
    }

    pub(super) fn invalid(&self, reason: String) -> DateError {
        DateError::InvalidDate {
            text: self.text.to_string(),
            reason,
        }
    }

    // ---- zones -----------------------------------------------------------------------------

    /// `+0300`, `-05:00`, `+3`, `+5:30` at token `i` (the sign). Read only after a time or a
    /// UTC/GMT prefix, so date separators (`12-08-2015`) are never mistaken for offsets.
    fn signed_offset(&mut self, i: usize, after_utc: bool) -> Result<Option<usize>, DateError> {
        let negative = self.punct(i, '-');
        let Some((value, digits)) = self.num(i + 1).filter(|_| self.attached(i + 1)) else {
            return Ok(None);
        };
        if !after_utc && self.f.time.is_none() {
            return Ok(None);
        }
        let colon_minutes = match self.num(i + 3) {
            Some((m, 2))
                if self.punct(i + 2, ':') && self.attached(i + 2) && self.attached(i + 3) =>
            {
                Some(m)
            }
            _ => None,
        };
        let (hours, minutes, used) = match (digits, colon_minutes) {
            (1 | 2, Some(m)) => (value, m, 4),
            (1 | 2, None) => (value, 0, 2),
            (3 | 4, _) => (value / 100, value % 100, 2),
            _ => (value, 0, 2),
        };
        if self.numeric_zone {
            return Ok(Some(used));
        }
        match zones::checked_offset(negative, hours, minutes) {
            Some(off) => {
                self.f.zone = Some(Zone::Fixed(off));
                self.numeric_zone = true;
                Ok(Some(used))
            }
            None => Err(DateError::ImpossibleOffset {
                text: self.text.to_string(),
                offset: self.toks[i..i + used].iter().map(|t| t.raw).collect(),
            }),
        }
    }

    /// `(CEST)` counts as a zone; anything else in parentheses is a comment.
    fn parenthesized(&mut self, i: usize) -> usize {
        let close = self.toks[i..]
            .iter()
            .position(|t| t.is_punct(')'))
            .map_or(self.toks.len(), |p| i + p);
        if close == i + 2 {
            if let Some(secs) = self.word_at(i + 1).and_then(zones::abbreviation) {
                self.set_zone(secs);
            }
        }
        close + 1 - i
    }

    pub(super) fn set_zone(&mut self, secs: i32) {
        if self.f.zone.is_none() {
            self.f.zone = zones::fixed(secs).map(Zone::Fixed);
        }
    }

    /// `Europe/Moscow`, `America/Argentina/Buenos_Aires`.
    fn iana(&mut self, i: usize) -> Option<usize> {
        const AREAS: [&str; 10] = [
            "africa",
            "america",
            "antarctica",
            "asia",
            "atlantic",
            "australia",
            "europe",
            "indian",
            "pacific",
            "etc",
        ];
        if !AREAS.contains(&self.word_at(i)?) {
            return None;
        }
        let mut used = 1;
        let mut name = String::from(self.toks[i].raw);
        while self.punct(i + used, '/') && self.word_at(i + used + 1).is_some() && used < 5 {
            name.push('/');
            name.push_str(self.toks[i + used + 1].raw);
            used += 2;
        }
        let tz: chrono_tz::Tz = name.parse().ok()?;
        if !self.numeric_zone {
            self.f.zone = Some(Zone::Named(tz));
            self.numeric_zone = true;
        }
        Some(used)
    }

    // ---- words -----------------------------------------------------------------------------

    fn word(&mut self, i: usize, w: &str) -> Step {
        if let Some(n) = self.iana(i) {
            return Ok((n, true));
        }
        if matches!(w, "utc" | "gmt" | "ut") {
            let sign = self.punct(i + 1, '+') || self.punct(i + 1, '-');
            if sign {
                if let Some(n) = self.signed_offset(i + 1, true)? {
                    return Ok((n + 1, true));
                }
            }
            self.set_zone(0);
            return Ok((1, true));
        }
        if let Some(secs) = zones::abbreviation(w) {
            if self.after_datetime && (w != "z" || !self.toks[i].spaced) {
                self.set_zone(secs);
                return Ok((1, true));
            }
            return Ok((1, false));
        }
        match w {
            "t" => return Ok((1, self.after_datetime)),
            "noon" | "midday" | "mittag" | "midi" | "mezzogiorno" | "mediodía" => {
                self.set_time(12, 0, 0);
                return Ok((1, true));
            }
            "midnight" | "mitternacht" | "minuit" | "mezzanotte" | "medianoche" => {
                self.set_time(0, 0, 0);
                return Ok((1, true));
            }
            "am" | "pm" => return Ok((1, self.after_datetime)),
            _ => {}
        }
        match lexicon::lookup(self.lang, w) {
            Some(Lex::Month(m)) => {
                let fresh = self.f.month.is_none();
                self.f.month.get_or_insert(m);
                Ok((1, fresh))
            }
            Some(Lex::Weekday(d)) => {
                self.f.weekday.get_or_insert(d);
                Ok((1, false))
            }
            Some(Lex::Unit(u)) => {
                self.relative_unit(i, u);
                Ok((1, false))
            }
            Some(Lex::Ago) => {
                self.f.ago = true;
                Ok((1, false))
            }
            Some(Lex::JustNow) => {
                self.f.just_now = true;
                Ok((1, false))
            }
            Some(Lex::DayShift(s)) => {
                // "avant-hier", "l'altro ieri": the day before yesterday.
                let before = i
                    .checked_sub(2)
                    .and_then(|p| self.word_at(p).or_else(|| self.word_at(p + 1)))
                    .is_some_and(|w| matches!(w, "avant" | "altro"));
                let s = if before && s == -1 { -2 } else { s };
                self.f.day_shift.get_or_insert(s);
                Ok((1, false))
            }
            Some(Lex::One | Lex::Noise) => Ok((1, self.after_datetime)),
            None => {
                self.f.unknown_words += 1;
                Ok((1, false))
            }
        }
    }

    /// "5 minutes", "an hour", "un'ora": adds the quantity before the unit (default one).
    fn relative_unit(&mut self, i: usize, unit: Unit) {
        self.f.has_rel_unit = true;
        let qty = match i.checked_sub(1).map(|p| &self.toks[p].tok) {
            Some(Tok::Num { value, digits }) if *digits <= 4 => *value as i64,
            _ => 1,
        };
        const DAY: i64 = 86_400;
        let f = &mut self.f;
        let (secs, months) = match unit {
            Unit::Second => (qty, 0),
            Unit::Minute => (qty * 60, 0),
            Unit::Hour => (qty * 3600, 0),
            Unit::Day => (qty * DAY, 0),
            Unit::Week => (qty * 7 * DAY, 0),
            Unit::Month => (0, qty as u32),
            Unit::Year => (0, qty as u32 * 12),
        };
        // Quantities have at most four digits and there are at most MAX_TOKENS units, but
        // saturate anyway: garbage input must not overflow.
        f.rel_secs = f.rel_secs.saturating_add(secs);
        f.rel_months = f.rel_months.saturating_add(months);
    }
}
