//! Whether a token stream sees an element as html5ever's tree builder would: the checks that
//! decide if a page may be read without its DOM. Conservative by design: a page refused here
//! is only read more slowly, through the DOM.

use super::Hit;

/// Elements whose content html5ever's tree construction treats specially (raw text, tables
/// with foster parenting and implied sections, foreign content, the document's own frame):
/// a match on one of them sends the page to the DOM. `title` is handled (RCDATA).
const SPECIAL: &[&str] = &[
    "html",
    "head",
    "body",
    "frameset",
    "script",
    "style",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
    "template",
    "textarea",
    "select",
    "option",
    "optgroup",
    "table",
    "caption",
    "colgroup",
    "col",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "svg",
    "math",
];

/// Start tags that close an open `<p>`: the HTML standard's "in body" list. Inside an
/// inline element they may close an enclosing `<p>` and the element with it.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "ul",
    "dd",
    "dt",
    "plaintext",
    "xmp",
];

const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// Elements where a token stream and a tree builder may part ways for the rest of the page
/// (foreign content, tables, raw text the tree builder may not treat as raw): each must be
/// closed by its own end tag, with well-nested content where it is markup.
pub(super) const GUARDED: &[&str] = &[
    "svg",
    "math",
    "table",
    "select",
    "template",
    "noscript",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];

pub(super) fn guard_holds(page: &str, guard: &Hit) -> bool {
    let tag = guard.tag.as_str();
    if guard.end_name.as_deref() != Some(tag) || guard.end.is_none() {
        return false;
    }
    if !matches!(tag, "svg" | "math" | "table" | "select" | "template") {
        return true;
    }
    page.get(guard.inner())
        .is_some_and(|inner| well_nested_in(tag, inner, matches!(tag, "svg" | "math")))
}

/// Elements with no content and no end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];

/// Elements whose content is text up to their own end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// Whether html5ever's tree holds exactly the markup between this element's own start and
/// end tags, as lol_html reported them: the element is closed by an end tag of its own name,
/// is not one whose content the tree builder treats specially, and its content is well
/// nested with nothing in it that the tree builder would use to close it early (a block in a
/// `<p>` or an inline element, a heading in a heading, a list item outside a list, a link in
/// a link…). Conservative: a page refused here is only read more slowly, through the DOM.
pub(super) fn plainly_delimited(page: &str, hit: &Hit) -> bool {
    let tag = hit.tag.as_str();
    if SPECIAL.contains(&tag) {
        return false;
    }
    if hit.empty {
        return true;
    }
    if hit.end_name.as_deref() != Some(tag) || hit.end.is_none() {
        return false;
    }
    page.get(hit.inner())
        .is_some_and(|inner| well_nested(tag, inner))
}

/// The content check of [`plainly_delimited`]: a small scan of the start and end tags of
/// `inner` (comments and raw-text elements skipped), not a tokenizer; anything it does not
/// understand counts as not well nested.
fn well_nested(tag: &str, inner: &str) -> bool {
    well_nested_in(tag, inner, false)
}

/// [`well_nested`], `foreign` inside SVG or MathML, where `<x/>` closes itself.
fn well_nested_in(tag: &str, inner: &str, foreign: bool) -> bool {
    let block = BLOCKS.contains(&tag);
    let mut open: Vec<String> = Vec::new();
    let mut rest = inner;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            let Some(end) = comment.find("-->") else {
                return false;
            };
            rest = &comment[end + 3..];
            continue;
        }
        let (closing, body) = match rest.strip_prefix('/') {
            Some(body) => (true, body),
            None => (false, rest),
        };
        if !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
            if rest.starts_with(['!', '?', '/']) {
                return false; // doctype, bogus comment or `</ >`: let the DOM decide
            }
            continue; // a literal `<`
        }
        let name_len = body
            .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
            .unwrap_or(body.len());
        let name = body[..name_len].to_ascii_lowercase();
        let Some(end) = tag_end(body) else {
            return false;
        };
        let self_closed = body[..end - 1].ends_with('/');
        rest = &body[end..];
        if closing {
            if open.pop().as_deref() != Some(name.as_str()) {
                return false;
            }
            continue;
        }
        let name = name.as_str();
        let in_open = |names: &[&str]| open.iter().any(|o| names.contains(&o.as_str()));
        let refused = matches!(name, "html" | "head" | "body" | "frameset" | "plaintext")
            || (BLOCKS.contains(&name) && (!block || tag == "p" || in_open(&["p"])))
            || (HEADINGS.contains(&name) && (HEADINGS.contains(&tag) || in_open(HEADINGS)))
            || (name == "li" && !in_open(&["ul", "ol", "menu"]))
            || (matches!(name, "dt" | "dd") && !in_open(&["dl"]))
            || (matches!(name, "a" | "nobr" | "button" | "form")
                && (tag == name || in_open(&[name])));
        if refused {
            return false;
        }
        if VOID.contains(&name) || (self_closed && (foreign || in_open(&["svg", "math"]))) {
            continue;
        }
        if RAW_TEXT.contains(&name) {
            let Some(after) = raw_text_end(rest, name) else {
                return false;
            };
            rest = after;
            continue;
        }
        open.push(name.to_string());
    }
    open.is_empty()
}

/// The index just past the `>` that ends a tag, quotes respected.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// What follows the end tag that closes a raw-text element `name`.
fn raw_text_end<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let mut at = 0;
    while let Some(i) = text[at..].find("</") {
        let start = at + i + 2;
        let candidate = text.get(start..start + name.len())?;
        if candidate.eq_ignore_ascii_case(name) {
            let after = &text[start + name.len()..];
            return Some(&after[tag_end(after)?..]);
        }
        at = start;
    }
    None
}
