//! A sanitized HTML body cut to a size, still well-formed.
//!
//! The cut is found by one scan of the markup, which is the sanitizer's output (html5ever's
//! serializer: every non-void element closed, attribute values double-quoted, `<` and `&`
//! escaped in text, no comments), so a small tokenizer of that one shape is enough and costs
//! one pass; a general HTML tokenizer does not report byte positions to cut at. The kept
//! prefix ends between two tags or inside text on a character boundary (never inside a tag or
//! an entity), gets `…`, and the elements still open are closed, so the result is the prefix
//! of the same document: nothing is added that the sanitizer did not allow. What the scan
//! does not recognise ends the body at the last boundary it trusted.

use std::borrow::Cow;

use super::{floor_char_boundary, ELLIPSIS};

/// Elements html5ever writes without an end tag.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// The body cut to at most `max_bytes` bytes (`…` and the end tags of the elements left open
/// included); unchanged when it fits.
pub fn truncate_html(html: &str, max_bytes: usize) -> Cow<'_, str> {
    if html.len() <= max_bytes {
        return Cow::Borrowed(html);
    }
    let budget = max_bytes.saturating_sub(ELLIPSIS.len());
    let mut open: Vec<&str> = Vec::new();
    // Bytes of the end tags of `open`: `</name>` each.
    let mut closing = 0;
    let mut kept = 0;
    let mut at = 0;
    while at < html.len() {
        let rest = &html[at..];
        if !rest.starts_with('<') {
            let text_end = rest.find('<').map_or(html.len(), |i| at + i);
            if text_end + closing <= budget {
                (kept, at) = (text_end, text_end);
                continue;
            }
            kept = text_cut(html, at, budget.saturating_sub(closing).max(at));
            break;
        }
        let Some((tag_end, tag)) = tag(html, at) else {
            break;
        };
        match tag {
            Tag::End(name) => {
                // Well-formed input closes the innermost element; anything else ends the cut.
                if open.last() != Some(&name) {
                    break;
                }
                open.pop();
                closing -= name.len() + 3;
            }
            Tag::Start(name) if !VOID.contains(&name) => {
                if tag_end + closing + name.len() + 3 > budget {
                    break;
                }
                open.push(name);
                closing += name.len() + 3;
            }
            Tag::Start(_) | Tag::Empty => {
                if tag_end + closing > budget {
                    break;
                }
            }
        }
        (kept, at) = (tag_end, tag_end);
    }
    let mut out = String::with_capacity(kept + ELLIPSIS.len() + closing);
    out.push_str(html[..kept].trim_end());
    out.push_str(ELLIPSIS);
    for name in open.iter().rev() {
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    Cow::Owned(out)
}

/// Where text starting at `from` may be cut at or before `limit`: a character boundary that
/// does not split an entity (`&amp;`).
fn text_cut(html: &str, from: usize, limit: usize) -> usize {
    let cut = floor_char_boundary(html, limit).max(from);
    match html[from..cut].rfind('&') {
        Some(amp) if !html[from + amp..cut].contains(';') => from + amp,
        _ => cut,
    }
}

enum Tag<'a> {
    Start(&'a str),
    End(&'a str),
    /// A self-closed element, or a declaration or comment: nothing to close.
    Empty,
}

/// The tag starting at `at` (a `<`): where it ends (after `>`) and what it is. Attribute
/// values are double-quoted and may hold `>`.
fn tag(html: &str, at: usize) -> Option<(usize, Tag<'_>)> {
    let bytes = html.as_bytes();
    let mut quoted = false;
    let mut end = None;
    for (i, &b) in bytes.iter().enumerate().skip(at + 1) {
        match b {
            b'"' => quoted = !quoted,
            b'>' if !quoted => {
                end = Some(i + 1);
                break;
            }
            _ => {}
        }
    }
    let end = end?;
    let inner = &html[at + 1..end - 1];
    let name_of = |s: &'_ str| -> Option<usize> {
        let length = s
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b':')
            .count();
        (length > 0).then_some(length)
    };
    let tag = if let Some(name) = inner.strip_prefix('/') {
        let length = name_of(name)?;
        Tag::End(&name[..length])
    } else if inner.starts_with('!') || inner.starts_with('?') || inner.ends_with('/') {
        Tag::Empty
    } else {
        let length = name_of(inner)?;
        Tag::Start(&inner[..length])
    };
    Some((end, tag))
}
