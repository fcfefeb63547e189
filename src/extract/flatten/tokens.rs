//! Reading tags, comments and raw text as the standard's tokenizer does: only where each
//! ends, and a tag's name and the little the model needs of its attributes.

use std::ops::Range;

use super::names::{is_space, Name, BREAKOUT};

/// A tag as read from the page.
pub(super) struct Tag {
    pub(super) name: Name,
    /// From `<` to just past `>`.
    pub(super) range: Range<usize>,
    pub(super) self_closing: bool,
    /// An `encoding` attribute of `text/html` or `application/xhtml+xml` (which makes a
    /// MathML `annotation-xml` an HTML integration point to some tree builders).
    pub(super) html_encoding: bool,
    /// A `<font>` with a `color`, `face` or `size` attribute (which leaves SVG and MathML).
    pub(super) font_breakout: bool,
}

impl Tag {
    /// Whether it takes the parser out of SVG or MathML content.
    pub(super) fn breaks_out(&self) -> bool {
        self.name.is(BREAKOUT) || self.font_breakout
    }
}

/// The first `needle` at or after `from`.
pub(super) fn find(page: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let hay = page.get(from..)?;
    hay.windows(needle.len())
        .position(|w| w == needle)
        .map(|i| from + i)
}

/// Just past the `>` ending a bogus comment or a doctype whose text starts at `from`.
pub(super) fn bogus_end(page: &[u8], from: usize) -> usize {
    page.get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == b'>'))
        .map_or(page.len(), |i| from + i + 1)
}

/// Whether `</name` at `lt` is an end tag of `name` (followed by a space, `/` or `>`).
pub(super) fn closes(page: &[u8], lt: usize, name: &[u8]) -> bool {
    let at = lt + 2;
    page.get(at..at + name.len())
        .is_some_and(|n| n.eq_ignore_ascii_case(name))
        && page
            .get(at + name.len())
            .is_some_and(|&b| is_space(b) || b == b'/' || b == b'>')
}

/// Reads a start or end tag whose name starts at `name_at`, as the standard's tokenizer
/// does (attribute values quoted only after `=`); `None` when the page ends inside it.
pub(super) fn read_tag(page: &[u8], lt: usize, name_at: usize) -> Option<Tag> {
    let mut j = name_at;
    while j < page.len() && !is_space(page[j]) && page[j] != b'/' && page[j] != b'>' {
        j += 1;
    }
    let name = Name::read(page, name_at, j - name_at);
    let annotation = name.is(&[b"annotation-xml"]);
    let font = name.is(&[b"font"]);
    let mut html_encoding = false;
    let mut font_breakout = false;
    let done = |end: usize, self_closing: bool, html_encoding: bool, font_breakout: bool| {
        Some(Tag {
            name,
            range: lt..end,
            self_closing,
            html_encoding,
            font_breakout,
        })
    };
    loop {
        while j < page.len() && is_space(page[j]) {
            j += 1;
        }
        match page.get(j)? {
            b'>' => return done(j + 1, false, html_encoding, font_breakout),
            b'/' => {
                if page.get(j + 1) == Some(&b'>') {
                    return done(j + 2, true, html_encoding, font_breakout);
                }
                j += 1;
                continue;
            }
            _ => {}
        }
        // An attribute name; its first character may be `=`.
        let attribute = j;
        j += 1;
        while j < page.len() && !is_space(page[j]) && !matches!(page[j], b'/' | b'>' | b'=') {
            j += 1;
        }
        let attribute = &page[attribute..j];
        let encoding = annotation && attribute.eq_ignore_ascii_case(b"encoding");
        font_breakout |= font
            && [&b"color"[..], b"face", b"size"]
                .iter()
                .any(|a| attribute.eq_ignore_ascii_case(a));
        while j < page.len() && is_space(page[j]) {
            j += 1;
        }
        if page.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while j < page.len() && is_space(page[j]) {
            j += 1;
        }
        let value = match *page.get(j)? {
            quote @ (b'"' | b'\'') => {
                let start = j + 1;
                j = start + page[start..].iter().position(|&b| b == quote)? + 1;
                start..j - 1
            }
            b'>' => return done(j + 1, false, html_encoding, font_breakout),
            _ => {
                let start = j;
                while j < page.len() && !is_space(page[j]) && page[j] != b'>' {
                    j += 1;
                }
                start..j
            }
        };
        if encoding {
            let value = &page[value];
            html_encoding = value.eq_ignore_ascii_case(b"text/html")
                || value.eq_ignore_ascii_case(b"application/xhtml+xml");
        }
    }
}

/// Where the end tag of a `<script>` whose text starts at `from` is, following the
/// standard's script data states (`<!--` escapes, a `<script>` inside them).
pub(super) fn script_end(page: &[u8], from: usize) -> Option<usize> {
    #[derive(PartialEq)]
    enum State {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let is_script_at = |at: usize| {
        page.get(at..at + 6)
            .is_some_and(|n| n.eq_ignore_ascii_case(b"script"))
            && page
                .get(at + 6)
                .is_some_and(|&b| is_space(b) || b == b'/' || b == b'>')
    };
    let mut state = State::Data;
    let mut i = from;
    while i < page.len() {
        match (&state, page[i]) {
            (State::Data, b'<') => {
                if page.get(i + 1) == Some(&b'/') && is_script_at(i + 2) {
                    return Some(i);
                }
                if page.get(i + 1..i + 4) == Some(b"!--") {
                    // Into the escape, whose leading dashes may close it at once (`<!-->`).
                    state = State::Escaped;
                    i += 2;
                    continue;
                }
            }
            (State::Escaped | State::DoubleEscaped, b'-') => {
                let mut j = i;
                while page.get(j) == Some(&b'-') {
                    j += 1;
                }
                if j - i >= 2 && page.get(j) == Some(&b'>') {
                    state = State::Data;
                    i = j + 1;
                    continue;
                }
                i = j;
                continue;
            }
            (State::Escaped, b'<') => {
                if page.get(i + 1) == Some(&b'/') && is_script_at(i + 2) {
                    return Some(i);
                }
                if is_script_at(i + 1) {
                    state = State::DoubleEscaped;
                }
            }
            (State::DoubleEscaped, b'<')
                if page.get(i + 1) == Some(&b'/') && is_script_at(i + 2) =>
            {
                state = State::Escaped;
                i += 8;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}
