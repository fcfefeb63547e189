//! Tokenizer for free-form date text: splits into numbers, words and single punctuation
//! characters, remembering whether whitespace preceded each token.
//!
//! Why tokens: one linear pass replaces dozens of overlapping regexes; the grammar in
//! `freeform` then classifies tokens (month, weekday, time, zone, relative word) per language.
//! Words are lower-cased once here so every later lookup is a plain string match.
//! Invariant: at most [`MAX_TOKENS`] tokens, so later passes are bounded whatever the input.

/// Upper bound on tokens kept; the input is already cut to `MAX_SCAN_CHARS`.
pub(super) const MAX_TOKENS: usize = 96;

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    /// A run of ASCII digits: its value (saturating) and how many digits were written.
    Num { value: u64, digits: usize },
    /// A run of letters, lower-cased.
    Word(String),
    /// Any other single non-space character; typographic apostrophes become `'`.
    Punct(char),
}

/// One token with its original spelling (needed for IANA names such as `Europe/Moscow`).
#[derive(Debug, Clone)]
pub(super) struct Token<'a> {
    pub tok: Tok,
    pub raw: &'a str,
    /// Whitespace came right before this token.
    pub spaced: bool,
}

impl Token<'_> {
    pub fn num(&self) -> Option<(u64, usize)> {
        match self.tok {
            Tok::Num { value, digits } => Some((value, digits)),
            _ => None,
        }
    }

    pub fn word(&self) -> Option<&str> {
        match &self.tok {
            Tok::Word(w) => Some(w),
            _ => None,
        }
    }

    pub fn is_punct(&self, c: char) -> bool {
        self.tok == Tok::Punct(c)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Class {
    Space,
    Digit,
    Letter,
    Other,
}

fn class(c: char) -> Class {
    if c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}') {
        Class::Space
    } else if c.is_ascii_digit() {
        Class::Digit
    } else if c.is_alphabetic() || c == '_' {
        Class::Letter
    } else {
        Class::Other
    }
}

/// Split `text` into tokens (see module docs).
pub(super) fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::with_capacity(16);
    let mut chars = text.char_indices().peekable();
    let mut spaced = false;
    while let Some((start, c)) = chars.next() {
        if out.len() >= MAX_TOKENS {
            break;
        }
        let cls = class(c);
        if cls == Class::Space {
            spaced = true;
            continue;
        }
        let mut end = start + c.len_utf8();
        if cls != Class::Other {
            while let Some(&(i, next)) = chars.peek() {
                if class(next) != cls {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
        }
        let raw = &text[start..end];
        let tok = match cls {
            Class::Digit => number(raw),
            Class::Letter => Tok::Word(raw.to_lowercase()),
            _ => Tok::Punct(match c {
                '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => '\'',
                '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
                other => other,
            }),
        };
        out.push(Token { tok, raw, spaced });
        spaced = false;
    }
    out
}

fn number(raw: &str) -> Tok {
    let value = raw.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    Tok::Num {
        value,
        digits: raw.len(),
    }
}
