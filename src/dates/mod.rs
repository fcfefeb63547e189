//! Date stage: turns the date text found on a page (a dateline, an attribute value, a JSON-LD
//! value, a listing API field) into the instant it names and the offset it was written in.
//!
//! Why hand-written: chrono reads the machine formats (RFC 3339, RFC 2822) and we use it for
//! them, but no Rust crate reads multilingual human datelines with a missing year, relative
//! words ("2 часа назад") and zone abbreviations, so free-form text goes through a small
//! tokenizer and a token grammar instead of a pile of regexes.
//!
//! Pipeline: [`structured`] (Unix numbers, RFC 3339, RFC 2822) → [`tokens`] → [`freeform`] and
//! [`numbers`] (tokens → [`freeform::Fields`], once per candidate [`Language`], words from
//! [`lexicon`]) → [`resolve`] (fields + `now` + site zone → instant, with [`year`] inference)
//! → [`zones`] (abbreviations, offsets and DST). The table of real-world cases shared by the
//! tests and the bench is [`cases`].
//!
//! Invariants:
//! - the offset written in the text is kept; text without one gets the site zone's offset at
//!   that instant (DST-aware through chrono-tz);
//! - results are whole seconds;
//! - `now` is injected through [`DateContext`], never read from the clock;
//! - only the first [`MAX_SCAN_CHARS`] characters are looked at, so any input is linear and
//!   bounded; no input panics.

pub mod cases;
mod freeform;
mod lexicon;
mod numbers;
mod resolve;
mod structured;
mod tokens;
mod year;
mod zones;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, Utc};

/// Longest prefix (in characters) of the input that is examined. Datelines are short; this
/// bounds the work on hostile or mis-selected input (a whole article body).
pub const MAX_SCAN_CHARS: usize = 200;

/// What the parser needs to know about the page the text came from.
#[derive(Debug, Clone, Copy)]
pub struct DateContext {
    /// The site's IANA zone: applies when the text carries no zone or offset, with DST rules for that date.
    pub timezone: chrono_tz::Tz,
    /// The site's language; None = try every language.
    pub language: Option<Language>,
    /// Fetch time, injected (never call Utc::now() inside the module).
    pub now: DateTime<Utc>,
}

/// Languages whose month, weekday and relative words are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    Ru,
    De,
    Fr,
    Es,
    It,
}

impl Language {
    /// Every supported language, in the order tried when the site's language is unknown.
    pub const ALL: [Language; 6] = [
        Language::En,
        Language::Ru,
        Language::De,
        Language::Fr,
        Language::Es,
        Language::It,
    ];
}

/// A language tag that names none of the supported languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported language tag {tag:?}")]
pub struct UnknownLanguage {
    /// The tag as given.
    pub tag: String,
}

impl FromStr for Language {
    type Err = UnknownLanguage;

    /// Accepts BCP 47-ish tags case-insensitively: only the primary subtag counts, so
    /// `en`, `en-US`, `EN_gb` and `ru-RU` all work.
    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        match primary.to_ascii_lowercase().as_str() {
            "en" => Ok(Language::En),
            "ru" => Ok(Language::Ru),
            "de" => Ok(Language::De),
            "fr" => Ok(Language::Fr),
            "es" => Ok(Language::Es),
            "it" => Ok(Language::It),
            _ => Err(UnknownLanguage {
                tag: tag.to_string(),
            }),
        }
    }
}

/// Why a date text could not be turned into an instant. Every message quotes the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Nothing but whitespace.
    #[error("empty date text")]
    Empty,
    /// No date or time could be found in the text.
    #[error("unrecognized date text {text:?}")]
    Unrecognized { text: String },
    /// The text names an offset no place on Earth uses (beyond −12:00..+14:00, minutes ≥ 60).
    #[error("impossible utc offset {offset:?} in date text {text:?}")]
    ImpossibleOffset { text: String, offset: String },
    /// The text has the shape of a date but names no real day or time (e.g. 30 February).
    #[error("invalid date text {text:?}: {reason}")]
    InvalidDate { text: String, reason: String },
    /// The date is outside the range chrono can represent.
    #[error("date text {text:?} is out of range")]
    OutOfRange { text: String },
}

/// Parse a date found on a page (text, attribute value, JSON-LD value, listing API field) into the instant
/// and the offset it was expressed in.
pub fn parse(text: &str, ctx: &DateContext) -> Result<DateTime<FixedOffset>, DateError> {
    let text = scan_window(text.trim());
    if text.is_empty() {
        return Err(DateError::Empty);
    }
    if let Some(result) = structured::parse(text, ctx) {
        return result;
    }
    let toks = tokens::tokenize(text);
    let mut fallback = None;
    let mut best: Option<(u32, DateTime<FixedOffset>)> = None;
    for lang in language_order(ctx.language) {
        let fields = freeform::scan(&toks, lang, text)?;
        match resolve::resolve(&fields, ctx, text) {
            Ok(dt) if ctx.language == Some(lang) || fields.unknown_words == 0 => return Ok(dt),
            Ok(dt) => {
                if best.is_none_or(|(unknown, _)| fields.unknown_words < unknown) {
                    best = Some((fields.unknown_words, dt));
                }
            }
            // An impossible day beats "unrecognized": it says what is wrong.
            Err(e @ DateError::InvalidDate { .. }) => fallback = fallback.or(Some(e)),
            Err(_) => {}
        }
    }
    match best {
        Some((_, dt)) => Ok(dt),
        None => Err(fallback.unwrap_or_else(|| DateError::Unrecognized {
            text: text.to_string(),
        })),
    }
}

/// The site's language first (when known), then every other one.
fn language_order(hint: Option<Language>) -> impl Iterator<Item = Language> {
    hint.into_iter()
        .chain(Language::ALL.into_iter().filter(move |l| Some(*l) != hint))
}

/// The first [`MAX_SCAN_CHARS`] characters, cut on a character boundary.
fn scan_window(text: &str) -> &str {
    match text.char_indices().nth(MAX_SCAN_CHARS) {
        Some((end, _)) => text[..end].trim_end(),
        None => text,
    }
}
