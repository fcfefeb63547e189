//! Pathological nesting flattened before a page is parsed, so reading it costs time linear
//! in its size.
//!
//! html5ever's tree builder looks through its stack of open elements for almost every tag
//! ("is there a `<p>` in button scope?"), so a page of 100,000 nested `<div>`s costs it
//! quadratic time (16 s of CPU), and every later pass over the tree (selectors walking
//! ancestors, ammonia's own parse of the body) pays for the depth again. Browsers cap the
//! depth (Blink at 512); this pass does the equivalent before any parser sees the page:
//! the start and end tags of elements that would open deeper than [`MAX_DEPTH`] are cut
//! out, and their content stays, as if the markup had been written flat at that depth.
//! Real pages nest a few dozen levels and come back unchanged (borrowed, not copied).
//!
//! The pass is one scan that tokenizes as the HTML standard does (comments, raw text such
//! as `<script>` and `<style>` with its escapes, quoted attributes, CDATA in SVG and
//! MathML) and keeps a model of html5ever's stack of open elements, following its rules
//! (scopes, implied closes, SVG and MathML, tables, the reopening of formatting elements).
//! It aims never to be shallower than html5ever, or a crafted page could slip deep nesting
//! past it. Where it knows it does not follow html5ever (the adoption agency restructuring
//! misnested formatting, a table cleaning up around SVG…), it stops reading the markup its
//! own way for the rest of the page: every `<` and a letter then counts as an element
//! opening, which is always deep enough ([`Model::count_rest`]), and the rest of such a
//! page is read flat once that count passes the limit. Where it is wrong without knowing
//! (the property test in `tests.rs` found such pages), the DOM parse's guard catches it
//! (`bounded.rs`). Three start tags are cut outright, because what follows them depends on more
//! than the model follows and article pages have no use for them: `<frameset>`, `<col>`
//! right in a `<template>` (each can switch html5ever into a mode that ignores most tags),
//! and a MathML `<annotation-xml>` with an HTML encoding (ammonia's tree builder reads its
//! content as HTML, scraper's as MathML).
//!
//! Cost: each tag is read once; the rules look down the stack of elements the parser sees,
//! which the limit bounds, as html5ever itself does.

pub(super) mod bounded;
mod names;
mod stack;
mod tags;
mod tokens;

use std::borrow::Cow;
use std::ops::Range;

use names::{is_space, Name, MATH_TEXT_INTEGRATION, SCOPE, SVG_INTEGRATION, VOID};
use tokens::{bogus_end, closes, find, read_tag, script_end};

/// Elements that would open deeper than this lose their tags (their content stays).
pub const MAX_DEPTH: usize = 512;

/// How many elements whose tags are cut the model remembers by name, above the limit (to
/// match their end tags); deeper ones are only counted.
const NAMED_CUTS: usize = 4096;

/// How far down the cut elements an end tag looks for one of its name.
const WINDOW: usize = 64;

/// The page with nesting deeper than [`MAX_DEPTH`] flattened; the page itself when it
/// nests less, which is every real page.
pub fn flatten(page: &str) -> Cow<'_, str> {
    flatten_to(page, MAX_DEPTH)
}

/// [`flatten`] with another limit (tests use small ones).
pub(crate) fn flatten_to(page: &str, limit: usize) -> Cow<'_, str> {
    flatten_naming(page, limit, NAMED_CUTS)
}

/// The page with every start tag past the first `limit` elements cut, whatever html5ever
/// would close: the fallback when the model's output still nests too deep
/// ([`bounded::parse`]). Sound without following html5ever at all ([`Model::count_rest`]).
pub(crate) fn flatten_counting(page: &str, limit: usize) -> Cow<'_, str> {
    let mut model = Model::new(page, limit, NAMED_CUTS);
    model.unsure = true;
    model.finish()
}

/// [`flatten_to`], remembering at most `named` cut elements by name.
fn flatten_naming(page: &str, limit: usize, named: usize) -> Cow<'_, str> {
    Model::new(page, limit, named).finish()
}

impl<'p> Model<'p> {
    fn new(page: &'p str, limit: usize, named: usize) -> Model<'p> {
        Model {
            text: page,
            page: page.as_bytes(),
            limit: limit.max(1),
            named,
            stack: Vec::new(),
            seen: Vec::new(),
            pending: Vec::new(),
            seq: 0,
            tables: Vec::new(),
            form: false,
            unsure: false,
            overflow: 0,
            out: None,
            copied: 0,
        }
    }

    /// Runs the model over the whole page: the page as the parser should read it.
    fn finish(mut self) -> Cow<'p, str> {
        self.run();
        match self.out {
            None => Cow::Borrowed(self.text),
            Some(mut out) => {
                out.push_str(&self.text[self.copied..]);
                Cow::Owned(out)
            }
        }
    }
}

/// An element's namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Html,
    Svg,
    Math,
}

/// One element on the model's stack.
#[derive(Debug, Clone, Copy)]
struct Open {
    name: Name,
    ns: Ns,
    /// The parser sees it: its start tag is kept (or html5ever reopens it). An element
    /// whose start tag is cut still counts for the depth, so that what it holds is cut too.
    seen: bool,
    /// Order of opening, to tell which formatting elements a marker's close forgets.
    seq: u64,
}

impl Open {
    fn html(&self, names: &[&[u8]]) -> bool {
        self.ns == Ns::Html && self.name.is(names)
    }

    fn foreign(&self) -> bool {
        self.ns != Ns::Html
    }

    /// An SVG or MathML element whose content starts as HTML (`annotation-xml` with an
    /// HTML encoding is cut, so never one).
    fn integration(&self) -> bool {
        match self.ns {
            Ns::Html => false,
            Ns::Svg => self.name.is(SVG_INTEGRATION),
            Ns::Math => self.name.is(MATH_TEXT_INTEGRATION),
        }
    }

    /// Where html5ever's default scope ends.
    fn scope(&self) -> bool {
        self.html(SCOPE) || self.integration()
    }
}

struct Model<'p> {
    text: &'p str,
    page: &'p [u8],
    limit: usize,
    /// How many elements whose tags are cut are remembered by name ([`NAMED_CUTS`]).
    named: usize,
    /// Every element open, whether the parser sees it or not; with `overflow`, the depth.
    stack: Vec<Open>,
    /// Where the elements the parser sees are in `stack`: the last is its current node.
    seen: Vec<usize>,
    /// Formatting elements html5ever popped without their own end tag and reopens at the
    /// next text or most tags (its list of active formatting elements, minus the open ones).
    pending: Vec<Open>,
    seq: u64,
    /// For each `<table>` and `<template>` the parser has open, innermost last: whether it
    /// is a table.
    tables: Vec<bool>,
    /// html5ever's form pointer is set (a further `<form>` is ignored).
    form: bool,
    /// The model no longer follows html5ever exactly: `run` hands the rest of the page to
    /// [`Model::count_rest`].
    unsure: bool,
    /// Elements whose tags are cut, above the named ones at the top of `stack`: counted
    /// only, so that the model's memory stays bounded however deep a page nests.
    overflow: usize,
    /// The flattened page so far, once a first tag is cut; it holds the page up to `copied`.
    out: Option<String>,
    copied: usize,
}

impl Model<'_> {
    fn run(&mut self) {
        let mut pos = 0;
        while let Some(offset) = self.text[pos..].find('<') {
            if self.unsure {
                return self.count_rest(pos);
            }
            let lt = pos + offset;
            if lt > pos {
                self.text_between(pos..lt);
            }
            match self.token(lt) {
                Some(next) => pos = next,
                None => return,
            }
        }
    }

    /// The rest of the page from `from`, once the model no longer follows html5ever.
    ///
    /// Where the model is unsure of the parser's state, it cannot trust its own reading of
    /// the markup either: a comment, raw text or a quoted attribute value to the model may
    /// be none of these to the parser, and hide start tags from the count. So every `<` and
    /// a letter counts as an element that opens and never closes (a void element only when
    /// no SVG or MathML may be open, where it would open), wherever it stands; once the
    /// count reaches the limit, each is cut up to its first `>`, so that the parser sees no
    /// further start tag at all. Sound by construction, whatever html5ever does; the price
    /// is that the rest of such a page reads flat once the count passes the limit.
    fn count_rest(&mut self, from: usize) {
        let page = self.page;
        // Each formatting element html5ever may reopen counts too.
        let mut depth = self.depth() + self.pending.len();
        let mut foreign = self.stack.iter().any(Open::foreign);
        let mut pos = from;
        while let Some(lt) = find(page, pos, b"<") {
            if !page.get(lt + 1).is_some_and(u8::is_ascii_alphabetic) {
                pos = lt + 1;
                continue;
            }
            let name_end = page[lt + 1..]
                .iter()
                .position(|&b| is_space(b) || b == b'/' || b == b'>')
                .map_or(page.len(), |i| lt + 1 + i);
            let name = Name::read(page, lt + 1, name_end - lt - 1);
            foreign |= name.is(&[b"svg", b"math"]);
            if depth >= self.limit || name.is(&[b"frameset"]) {
                let end = find(page, name_end, b">").map_or(page.len(), |gt| gt + 1);
                self.cut(lt..end);
                pos = end;
                continue;
            }
            if foreign || !name.is(VOID) {
                depth += 1;
            }
            pos = lt + 1;
        }
    }

    /// Leaves the tag at `range` out of the page.
    fn cut(&mut self, range: Range<usize>) {
        let out = self
            .out
            .get_or_insert_with(|| String::with_capacity(self.text.len()));
        // Tags run from `<` to `>`: ASCII, so always on character boundaries.
        out.push_str(&self.text[self.copied..range.start]);
        if out.ends_with('<') {
            // A `<` of the text must not meet what follows the cut and make a tag of it.
            out.push(' ');
        }
        self.copied = range.end;
    }

    fn depth(&self) -> usize {
        self.stack.len() + self.overflow
    }

    /// The parser's current node.
    fn current(&self) -> Option<&Open> {
        self.seen.last().map(|&i| &self.stack[i])
    }

    fn current_is(&self, names: &[&[u8]]) -> bool {
        self.current().is_some_and(|e| e.html(names))
    }

    /// Whether the parser reads the next token as SVG or MathML content (`start`: the name
    /// of a start tag; text otherwise).
    fn in_foreign(&self, start: Option<&Name>) -> bool {
        let Some(top) = self.current() else {
            return false;
        };
        if !top.foreign() {
            return false;
        }
        if top.ns == Ns::Math && top.name.is(MATH_TEXT_INTEGRATION) {
            return start.is_some_and(|name| name.is(&[b"mglyph", b"malignmark"]));
        }
        if top.integration() {
            return false;
        }
        !(top.name.is(&[b"annotation-xml"]) && start.is_some_and(|name| name.is(&[b"svg"])))
    }

    /// Text between two tags: html5ever reopens formatting elements before it, but for
    /// white space in a table's own content.
    fn text_between(&mut self, range: Range<usize>) {
        if self.in_foreign(None) {
            return;
        }
        let in_table = self.current_is(&[b"table", b"tbody", b"thead", b"tfoot", b"tr"]);
        if in_table && self.page[range].iter().all(|&b| is_space(b)) {
            return;
        }
        self.reconstruct();
    }

    /// Reads the markup at `lt` (a `<`), returns where to go on, or `None` when the rest of
    /// the page is text (or an unfinished tag) to the parser.
    fn token(&mut self, lt: usize) -> Option<usize> {
        let page = self.page;
        let rest = &page[lt + 1..];
        match rest.first() {
            Some(b'!') => {
                if rest[1..].starts_with(b"--") {
                    return Some(comment_end(page, lt + 4));
                }
                let cdata = rest[1..].starts_with(b"[CDATA[")
                    && self.current().is_some_and(|e| e.foreign());
                if cdata {
                    return Some(find(page, lt + 9, b"]]>").map_or(page.len(), |i| i + 3));
                }
                Some(bogus_end(page, lt + 2))
            }
            Some(b'?') => Some(bogus_end(page, lt + 1)),
            Some(b'/') => match rest.get(1) {
                Some(c) if c.is_ascii_alphabetic() => {
                    let tag = read_tag(page, lt, lt + 2)?;
                    let end = tag.range.end;
                    self.end_tag(&tag);
                    Some(end)
                }
                Some(b'>') => Some(lt + 3),
                Some(_) => Some(bogus_end(page, lt + 2)),
                None => None,
            },
            Some(c) if c.is_ascii_alphabetic() => {
                let tag = read_tag(page, lt, lt + 1)?;
                self.start_tag(&tag)
            }
            _ => {
                self.text_between(lt..lt + 1);
                Some(lt + 1)
            }
        }
    }

    /// Where the text of a raw-text element (`<style>`, `<title>`, `<script>`…) ends: just
    /// past its end tag, or `None` when the rest of the page is its text.
    fn raw_text_end(&self, from: usize, name: &Name) -> Option<usize> {
        let page = self.page;
        let end_tag_at = if name.is(&[b"script"]) {
            script_end(page, from)?
        } else {
            let mut i = from;
            loop {
                let lt = find(page, i, b"</")?;
                if closes(page, lt, name.known()) {
                    break lt;
                }
                i = lt + 2;
            }
        };
        read_tag(page, end_tag_at, end_tag_at + 2).map(|t| t.range.end)
    }
}

/// Just past the end of a comment whose text starts at `at`.
fn comment_end(page: &[u8], at: usize) -> usize {
    // `<!-->` and `<!--->` are whole (empty) comments.
    if page.get(at) == Some(&b'>') {
        return at + 1;
    }
    if page.get(at..at + 2) == Some(b"->") {
        return at + 2;
    }
    let mut i = at;
    while let Some(dash) = find(page, i, b"--") {
        match page.get(dash + 2) {
            Some(b'>') => return dash + 3,
            Some(b'!') if page.get(dash + 3) == Some(&b'>') => return dash + 4,
            _ => i = dash + 1,
        }
    }
    page.len()
}

#[cfg(test)]
mod tests;
