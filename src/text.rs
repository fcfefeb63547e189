//! Hostile text made safe to carry: characters XML 1.0 cannot hold, lengths, URL schemes.
//!
//! Anything scraped may hold control characters (raw, or decoded from `&#x1;`), enormous
//! values and `javascript:` URLs. One XML-forbidden character in one entry makes a whole RSS or
//! Atom document not well-formed, and with it every merged feed the entry is in; so every
//! value an entry carries goes through these functions where it enters (`assemble`) and again
//! where it leaves (`render`, for entries stored before this cleaning existed).
//!
//! Invariants:
//! - every function here is idempotent: cleaning clean text gives it back unchanged (and
//!   borrowed), so cleaning at render costs a scan, and re-rendering gives identical bytes;
//! - what [`line`] and [`html`] return holds only characters XML 1.0 allows and that readers
//!   read back unchanged: no C0 control but tab and newline, no carriage return (a line end is
//!   a newline, as an XML parser would turn it), no C1 control or DEL, no noncharacter
//!   (U+FFFE, U+FFFF and their kin). Lone surrogates cannot occur in a Rust string: the HTML
//!   and charset decoders before us replace them with U+FFFD, and [`lenient_json`] does the
//!   same for JSON's `\ud800` escapes, which `serde_json` refuses;
//! - truncation cuts on a character boundary and marks the cut with `…`, within the limit.

use std::borrow::Cow;

/// Marks where a value was cut.
const ELLIPSIS: &str = "…";

/// Whether a character may not be carried: XML 1.0 forbids it (C0 controls but tab, newline
/// and carriage return; U+FFFE, U+FFFF), or it is a control or noncharacter no reader shows
/// (DEL, C1 controls, U+FDD0..U+FDEF, the last two code points of every plane).
pub fn is_forbidden(c: char) -> bool {
    let code = c as u32;
    matches!(code, 0..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F..=0x9F | 0xFDD0..=0xFDEF)
        || code & 0xFFFE == 0xFFFE
}

/// Whether a byte can start something to clean: C0 controls but tab and newline (carriage
/// return included), DEL, the lead byte of C1 controls (0xC2, shared with the rest of
/// U+0080..U+00BF), and the lead bytes of three- and four-byte characters from U+F000 (where
/// the noncharacters are). Each is ASCII or a lead byte: a character starts there.
fn suspicious(b: u8) -> bool {
    (b < 0x20 && b != b'\t' && b != b'\n') | (b == 0x7F) | (b == 0xC2) | (b >= 0xEF)
}

/// Whether `text` needs no cleaning as HTML. Bodies are long and nearly always clean, and
/// every render scans every stored body again, so the scan is written for speed: blocks of
/// 64 bytes are tested for any byte that can start something to clean (a branch-free test the
/// compiler vectorises), and only such a block is looked at closely.
fn is_clean_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    for (block, chunk) in bytes.chunks(64).enumerate() {
        if !chunk.iter().fold(false, |any, &b| any | suspicious(b)) {
            continue;
        }
        for (i, &b) in chunk.iter().enumerate() {
            let at = block * 64 + i;
            let clean = match b {
                _ if !suspicious(b) => true,
                // C1 controls are U+0080..U+009F: 0xC2 then 0x80..=0x9F.
                0xC2 => !matches!(bytes.get(at + 1), Some(0x80..=0x9F)),
                0xEF..=0xF4 => char_at(text, at).is_none_or(|c| !is_forbidden(c)),
                _ => false,
            };
            if !clean {
                return false;
            }
        }
    }
    true
}

/// Whether `text` is already a clean line: no forbidden character or reference to one,
/// single spaces between words, none at either end. Every render asks this of every stored
/// title, summary, author and tag, so it reads bytes and decodes a character only at the lead
/// bytes of the ranges that hold whitespace or forbidden characters (U+0080..U+00BF,
/// U+1000..U+3FFF, from U+F000).
fn is_clean_line(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut previous_space = true;
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        let space = b == b' ';
        if space && previous_space {
            return false;
        }
        previous_space = space;
        match b {
            0x00..=0x1F | 0x7F => return false,
            b'&' if bytes.get(at + 1) == Some(&b'#')
                && forbidden_reference(&text[at + 2..]).is_some() =>
            {
                return false
            }
            0xC2 | 0xE1..=0xE3 | 0xEF..=0xF4 => {
                let Some(c) = char_at(text, at) else {
                    return false;
                };
                if c.is_whitespace() || is_forbidden(c) {
                    return false;
                }
                at += c.len_utf8();
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    !previous_space || text.is_empty()
}

/// The character starting at byte `at`, if one starts there.
fn char_at(text: &str, at: usize) -> Option<char> {
    text.get(at..).and_then(|rest| rest.chars().next())
}

/// Forbidden characters dropped, line ends made newlines (`\r\n` and a lone `\r` alike). The
/// runs between suspicious bytes are copied whole.
fn without_forbidden(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut at) = (0, 0);
    while at < bytes.len() {
        if !suspicious(bytes[at]) {
            at += 1;
            continue;
        }
        let Some(c) = char_at(text, at) else {
            at += 1;
            continue;
        };
        let next = at + c.len_utf8();
        if c == '\r' || is_forbidden(c) {
            out.push_str(&text[copied..at]);
            if c == '\r' && bytes.get(next) != Some(&b'\n') {
                out.push('\n');
            }
            copied = next;
        }
        at = next;
    }
    out.push_str(&text[copied..]);
    out
}

/// A plain-text value on one line (title, summary, author, tag): forbidden characters dropped,
/// and numeric references to them (`&#x1;`, left undecoded by a site that escaped its text
/// twice or by an entity decoder that refuses them), since a reader that reads the line as
/// HTML would meet the character; runs of whitespace one space, trimmed.
pub fn line(text: &str) -> Cow<'_, str> {
    if is_clean_line(text) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(collapse(&without_forbidden_references(&without_forbidden(
        text,
    ))))
}

/// Whitespace runs (any Unicode whitespace) as one space, trimmed: the rule of
/// `html::collapse_whitespace`, repeated because foundation modules import nothing of the
/// crate.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `text` without numeric references to forbidden code points. Removing one can join what
/// was around it into a new one (`&#&#1;x1;`): a second pass replaces any such with U+FFFD,
/// which cannot be part of a reference, so the result is final after two linear passes.
fn without_forbidden_references(text: &str) -> String {
    let once = replace_forbidden_references(text, "");
    if once
        .match_indices("&#")
        .any(|(at, _)| forbidden_reference(&once[at + 2..]).is_some())
    {
        return replace_forbidden_references(&once, "\u{FFFD}");
    }
    once
}

fn replace_forbidden_references(text: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("&#") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        match forbidden_reference(after) {
            Some(length) => {
                out.push_str(with);
                rest = &after[length..];
            }
            None => {
                out.push_str("&#");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// After `&#`: the length of a reference's digits (and `;`) when it names a forbidden code
/// point, a surrogate or no code point at all. References to C1 code points are not: HTML
/// reads `&#150;` as windows-1252's en dash.
fn forbidden_reference(after: &str) -> Option<usize> {
    let hex = matches!(after.as_bytes().first(), Some(b'x' | b'X'));
    let from = usize::from(hex);
    let digits = after.as_bytes()[from..]
        .iter()
        .take_while(|b| {
            if hex {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        })
        .count();
    if digits == 0 {
        return None;
    }
    let end = from + digits;
    let code =
        u32::from_str_radix(&after[from..end], if hex { 16 } else { 10 }).unwrap_or(u32::MAX);
    let forbidden = match char::from_u32(code) {
        Some(_) if (0x80..=0x9F).contains(&code) => false,
        Some(c) => is_forbidden(c),
        None => true,
    };
    forbidden.then(|| end + usize::from(after[end..].starts_with(';')))
}

/// An HTML value (a sanitized body): forbidden characters dropped, line ends made newlines.
/// Characters a page wrote as references (`&#x1;`) were decoded by the HTML parser before the
/// sanitizer wrote the body out again, so they are met here as characters: the sanitizer
/// never writes a numeric reference.
pub fn html(text: &str) -> Cow<'_, str> {
    if is_clean_html(text) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(without_forbidden(text))
}

/// `text` cut to at most `max_bytes` bytes on a character boundary, the cut marked with `…`
/// (trailing whitespace before the mark dropped). Unchanged when it fits.
pub fn truncate(text: &str, max_bytes: usize) -> Cow<'_, str> {
    if text.len() <= max_bytes {
        return Cow::Borrowed(text);
    }
    let keep = floor_char_boundary(text, max_bytes.saturating_sub(ELLIPSIS.len()));
    Cow::Owned(format!("{}{ELLIPSIS}", kept_before(text, keep)))
}

/// `text` cut to at most `max_chars` characters, the cut marked with `…`. Unchanged when it
/// fits.
pub fn truncate_chars(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let keep = text
                .char_indices()
                .nth(max_chars.saturating_sub(1))
                .map_or(0, |(at, _)| at);
            Cow::Owned(format!("{}{ELLIPSIS}", kept_before(text, keep)))
        }
    }
}

/// What is kept of `text` when it is cut at `keep`: not the start of a numeric reference that
/// the cut would leave naming another code point (`&#12` of `&#123;`), and no whitespace at
/// the end.
fn kept_before(text: &str, keep: usize) -> &str {
    let kept = &text[..keep];
    let keep = match kept.rfind("&#") {
        Some(at)
            if kept[at + 2..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b'x' || b == b'X') =>
        {
            at
        }
        _ => keep,
    };
    text[..keep].trim_end()
}

/// The largest character boundary at or before `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Whether `url` is an absolute `http(s)` URL a feed may carry: [`web_url`], with a fast path
/// for what every stored URL looks like (the `url` crate's output: a lower-case scheme, then
/// printable ASCII), since every render asks it of every stored image.
pub fn is_web_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest)
            if rest
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric())
                && rest.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            true
        }
        _ => web_url(url).is_some(),
    }
}

/// `url` when it is an absolute `http` or `https` URL with a host, as the `url` crate writes
/// Lower-case letters and digits only, for comparing names however they are written
/// ("CNN Politics" → "cnnpolitics", "@nytimes" → "nytimes").
pub fn squashed(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// it; `None` for anything else (`javascript:`, `data:`, relative, unparsable).
pub fn web_url(url: &str) -> Option<Cow<'_, str>> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return None;
    }
    Some(if parsed.as_str() == url {
        Cow::Borrowed(url)
    } else {
        Cow::Owned(parsed.into())
    })
}

/// JSON text as a lenient reader would take it: every raw control character (invalid inside a
/// JSON string, and outside one but for whitespace) a space, and every lone surrogate escape
/// (`"\ud800"`, which `serde_json` refuses, failing the whole document) `\ufffd`. For a
/// second attempt at a document that did not parse: one hostile item must not cost a whole
/// listing. Unchanged (borrowed) when there is nothing to replace.
pub fn lenient_json(json: &str) -> Cow<'_, str> {
    let bytes = json.as_bytes();
    let escape = |at: usize| -> Option<u32> {
        let hex = json.get(at + 2..at + 6)?;
        (bytes.get(at + 1) == Some(&b'u') && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let (skip, replacement) = match bytes[at] {
            0x00..=0x1F => (1, Some(" ")),
            b'\\' => match escape(at) {
                Some(0xD800..=0xDBFF) if matches!(escape(at + 6), Some(0xDC00..=0xDFFF)) => {
                    (12, None)
                }
                Some(0xD800..=0xDFFF) => (6, Some("\\ufffd")),
                Some(_) => (6, None),
                // Any other escape is two characters: `\\` must not start a second one.
                None => (2, None),
            },
            _ => (1, None),
        };
        if let Some(replacement) = replacement {
            let out = out.get_or_insert_with(|| String::with_capacity(json.len()));
            out.push_str(&json[copied..at]);
            out.push_str(replacement);
            copied = at + skip;
        }
        at += skip;
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut out) => {
            out.push_str(json.get(copied..).unwrap_or_default());
            Cow::Owned(out)
        }
    }
}

mod html_cut;
pub use html_cut::truncate_html;

#[cfg(test)]
mod tests;
