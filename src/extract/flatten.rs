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
//! What the model must never be is shallower than html5ever, or a crafted page could slip
//! deep nesting past it. Where it does not follow html5ever exactly (the adoption agency
//! restructuring misnested formatting, a table cleaning up around SVG…), it stops trusting
//! any close for the rest of the page: it then only counts elements opening, which is
//! always deep enough, and the rest of such a page is read flat once that count passes the
//! limit. Three start tags are cut outright, because what follows them depends on more
//! than the model follows and article pages have no use for them: `<frameset>`, `<col>`
//! right in a `<template>` (each can switch html5ever into a mode that ignores most tags),
//! and a MathML `<annotation-xml>` with an HTML encoding (ammonia's tree builder reads its
//! content as HTML, scraper's as MathML).
//!
//! Cost: each tag is read once; the rules look down the stack of elements the parser sees,
//! which the limit bounds, as html5ever itself does.

pub(super) mod bounded;
mod names;
mod tokens;

use std::borrow::Cow;
use std::ops::Range;

use names::{
    is_space, Name, BLOCK_END, BREAKOUT, CLOSES_P, FORMATTING, HEADINGS, IMPLIED_END, MARKERS,
    MATH_TEXT_INTEGRATION, NO_RECONSTRUCT, RAW_TEXT, SCOPE, SPECIAL, SVG_INTEGRATION,
    TABLE_CONTEXT, TABLE_PARTS, TABLE_SCOPE, VOID,
};
use tokens::{bogus_end, closes, find, read_tag, script_end, Tag};

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
    /// The model no longer follows html5ever exactly: it trusts no close any more.
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
                    && !self.unsure
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

    fn start_tag(&mut self, tag: &Tag) -> Option<usize> {
        let end = tag.range.end;
        let name = &tag.name;
        if name.is(&[b"frameset"]) {
            self.cut(tag.range.clone());
            return Some(end);
        }
        if self.unsure || self.overflow > 0 {
            return self.start_counting(tag);
        }
        if self.in_foreign(Some(name)) {
            let ns = self.current().map_or(Ns::Html, |e| e.ns);
            if ns == Ns::Math && name.is(&[b"annotation-xml"]) && tag.html_encoding {
                // An HTML integration point to ammonia's tree but not to scraper's: the two
                // parsers would read what follows differently, so neither sees it.
                self.cut(tag.range.clone());
                return Some(end);
            }
            if !tag.breaks_out() {
                if !tag.self_closing {
                    // In the namespace of the element it is in.
                    self.push(tag, ns);
                }
                return Some(end);
            }
            self.leave_foreign();
        }
        self.start_in_html(tag)
    }

    /// A start tag while the model only counts (deep below the named cut elements, or no
    /// longer sure of html5ever's state): every element that may open counts, nothing
    /// closes, and raw text is read as markup unless the model is sure it is raw text.
    fn start_counting(&mut self, tag: &Tag) -> Option<usize> {
        let end = tag.range.end;
        let name = &tag.name;
        if !self.unsure && !self.in_foreign(Some(name)) && name.is(RAW_TEXT) {
            if name.is(&[b"plaintext"]) {
                return None;
            }
            return self.raw_text_end(end, name);
        }
        if tag.breaks_out() && self.in_foreign(Some(name)) {
            // It would take the parser out of SVG or MathML, which the model does not
            // follow while counting: the parser does not see it either.
            if name.is(VOID) {
                self.cut(tag.range.clone());
            } else {
                self.push(tag, Ns::Html);
            }
            return Some(end);
        }
        // Void HTML elements never open; in SVG or MathML (where a cut tag that would have
        // left them keeps the parser), or unsure whether it is there, the model counts every
        // other tag (there, they open).
        let void = name.is(VOID)
            && (name.is(BREAKOUT) || (!self.unsure && !self.in_foreign(Some(name))));
        if !void {
            self.push(tag, Ns::Html);
        }
        Some(end)
    }

    /// A start tag read as HTML: what it closes first, then the formatting elements
    /// html5ever reopens before it, then the element itself.
    fn start_in_html(&mut self, tag: &Tag) -> Option<usize> {
        let end = tag.range.end;
        let name = &tag.name;
        if name.is(TABLE_PARTS) {
            return self.table_part(tag);
        }
        if name.is(&[b"xmp", b"plaintext"]) || (name.is(CLOSES_P) && !name.is(&[b"form"])) {
            if name.is(&[b"li"]) {
                self.close_list_item(&[b"li"]);
            } else if name.is(&[b"dd", b"dt"]) {
                self.close_list_item(&[b"dd", b"dt"]);
            }
            self.close_p();
            if name.is(HEADINGS) && self.current_is(HEADINGS) {
                self.pop_current();
            }
        } else if name.is(&[b"form"]) {
            if self.form && !self.in_template() {
                return Some(end);
            }
            self.close_p();
            if !self.in_template() {
                self.form = true;
            }
        } else if name.is(&[b"hr"]) {
            self.close_p();
            if self.find_select().is_some() {
                self.pop_implied(&[]);
            }
        } else if name.is(&[b"select"]) {
            if self.close_select() {
                // A select inside a select closes it and is not opened.
                return Some(end);
            }
        } else if name.is(&[b"input"]) {
            self.close_select();
        } else if name.is(&[b"option", b"optgroup"]) {
            if self.find_select().is_some() {
                let keep: &[&[u8]] = if name.is(&[b"option"]) {
                    &[b"optgroup"]
                } else {
                    &[]
                };
                self.pop_implied(keep);
            } else if self.current_is(&[b"option"]) {
                self.pop_current();
            }
        } else if name.is(&[b"button"]) {
            if let Some(at) = self.in_scope(&[b"button"], Open::scope) {
                self.pop_to(at);
            }
        } else if name.is(&[b"rb", b"rtc", b"rp", b"rt"]) {
            if self.in_scope(&[b"ruby"], Open::scope).is_some() {
                let keep: &[&[u8]] = if name.is(&[b"rp", b"rt"]) {
                    &[b"rtc"]
                } else {
                    &[]
                };
                self.pop_implied(keep);
            }
        } else if name.is(&[b"a"]) {
            self.formatting_end(name);
        } else if name.is(&[b"nobr"]) {
            self.reconstruct();
            if self.in_scope(&[b"nobr"], Open::scope).is_some() {
                self.formatting_end(name);
            }
        } else if name.is(FORMATTING) {
            self.noahs_ark(name);
        }
        if !name.is(NO_RECONSTRUCT) {
            self.reconstruct();
        }
        if name.is(RAW_TEXT) {
            if name.is(&[b"plaintext"]) {
                return None;
            }
            return self.raw_text_end(end, name);
        }
        if name.is(VOID) {
            return Some(end);
        }
        if name.is(&[b"svg", b"math"]) {
            if !tag.self_closing {
                let ns = if name.is(&[b"svg"]) {
                    Ns::Svg
                } else {
                    Ns::Math
                };
                self.push(tag, ns);
            }
            return Some(end);
        }
        self.push(tag, Ns::Html);
        Some(end)
    }

    /// `<caption>`, `<tr>`, `<td>`… : ignored outside a table; inside one, they close the
    /// row or cell they end, as the table insertion modes do.
    fn table_part(&mut self, tag: &Tag) -> Option<usize> {
        let end = tag.range.end;
        let name = &tag.name;
        if name.is(&[b"col"]) && self.current_is(&[b"template"]) {
            // It may switch the template to column-group parsing, which ignores nearly
            // every tag after it (raw-text ones too): the model does not follow that mode,
            // so the parser must not enter it.
            self.cut(tag.range.clone());
            return Some(end);
        }
        if self.tables.last() != Some(&true) {
            // Outside a table html5ever ignores them. (Right inside a template it takes
            // them, as rows and cells of a table to come: three levels at most for each
            // template, which the model counts once, a bounded factor.)
            return Some(end);
        }
        // The table modes first clear the stack back to a table context: whatever is open
        // above it (foster-parented content) closes. The model follows that for HTML
        // elements; SVG or MathML in between is beyond it.
        let context = self.seen.iter().rev().map(|&i| &self.stack[i]);
        let mut above = Vec::new();
        for e in context {
            if e.html(TABLE_CONTEXT) {
                break;
            }
            above.push(e.foreign());
        }
        if above.iter().any(|&foreign| foreign) {
            self.unsure = true;
            return self.start_counting(tag);
        }
        let closes: &[&[u8]] = if name.is(&[b"td", b"th"]) {
            &[b"td", b"th"]
        } else if name.is(&[b"tr"]) {
            &[b"tr"]
        } else if name.is(&[b"tbody", b"thead", b"tfoot"]) {
            &[b"tbody", b"thead", b"tfoot"]
        } else if name.is(&[b"caption"]) {
            &[b"caption"]
        } else {
            &[]
        };
        if let Some(at) = self.in_scope(closes, |e| e.html(TABLE_SCOPE)) {
            self.pop_to(at);
        }
        if !name.is(VOID) {
            self.push(tag, Ns::Html);
        }
        Some(end)
    }

    fn end_tag(&mut self, tag: &Tag) {
        let name = &tag.name;
        if self.overflow > 0 {
            // Taken to close the deepest counted element.
            self.overflow -= 1;
            self.cut(tag.range.clone());
            return;
        }
        // The end tag of an element whose start tag was cut goes too.
        let page = self.page;
        let cut = self
            .stack
            .iter()
            .enumerate()
            .rev()
            .take_while(|(_, e)| !e.seen)
            .take(WINDOW)
            .find(|(_, e)| e.name.same(name, page))
            .map(|(i, _)| i);
        if let Some(at) = cut {
            self.cut(tag.range.clone());
            self.pop_to(at);
            return;
        }
        if self.unsure {
            return;
        }
        if self.current().is_some_and(|e| e.foreign()) {
            if name.is(&[b"br", b"p"]) {
                self.leave_foreign();
            } else {
                // The nearest SVG or MathML element of the name, before any HTML one.
                for &i in self.seen.iter().rev() {
                    let e = &self.stack[i];
                    if !e.foreign() {
                        break;
                    }
                    if e.name.same(name, page) {
                        self.pop_to(i);
                        return;
                    }
                }
            }
        }
        self.end_in_html(tag);
    }

    fn end_in_html(&mut self, tag: &Tag) {
        let name = &tag.name;
        let page = self.page;
        let same = |e: &Open| e.ns == Ns::Html && e.name.same(name, page);
        if name.is(FORMATTING) {
            return self.formatting_end(name);
        }
        let found = if name.is(BLOCK_END) || name.is(&[b"dd", b"dt"]) {
            self.find(same, Open::scope)
        } else if name.is(&[b"p"]) {
            self.find(same, |e| e.scope() || e.html(&[b"button"]))
        } else if name.is(&[b"li"]) {
            self.find(same, |e| e.scope() || e.html(&[b"ol", b"ul"]))
        } else if name.is(HEADINGS) {
            self.find(|e| e.html(HEADINGS), Open::scope)
        } else if name.is(&[b"template"]) {
            self.find(same, |_| false)
        } else if name.is(&[b"form"]) {
            return self.form_end();
        } else if name.is(&[b"head"]) {
            self.current_is(&[b"head"])
                .then(|| self.seen.last().copied())
                .flatten()
        } else if name.is(TABLE_PARTS) || name.is(&[b"table"]) {
            self.find(same, |e| e.html(TABLE_SCOPE))
        } else if name.is(&[b"br"]) {
            // Read as `<br>`, before which html5ever reopens formatting elements.
            self.reconstruct();
            None
        } else if name.is(&[b"body", b"html", b"frameset"]) {
            None
        } else {
            self.find(same, |e| e.html(SPECIAL))
        };
        if let Some(at) = found {
            self.pop_to(at);
        }
    }

    /// The adoption agency for `name` (an end tag of a formatting element, or a new `<a>`
    /// or `<nobr>` closing the open one): followed when it only pops; when a special
    /// element inside makes it restructure the tree, the model stops being sure.
    fn formatting_end(&mut self, name: &Name) {
        let page = self.page;
        let same = |e: &Open| e.ns == Ns::Html && e.name.same(name, page);
        let marker = self.last_marker();
        let open = self
            .seen
            .iter()
            .rev()
            .map(|&i| (i, &self.stack[i]))
            .take_while(|(_, e)| e.seq > marker || !e.html(MARKERS))
            .find(|(_, e)| same(e))
            .map(|(i, _)| i);
        let Some(at) = open else {
            if let Some(i) = self.pending.iter().rposition(same) {
                // Not open but remembered: html5ever forgets it.
                self.pending.remove(i);
            } else if let Some(at) = self.find(same, |e| e.html(SPECIAL)) {
                // Not a formatting element html5ever knows of: any other end tag.
                self.pop_to(at);
            }
            return;
        };
        if !self.in_scope_at(at, Open::scope) {
            return;
        }
        let special_inside = self
            .seen
            .iter()
            .rev()
            .take_while(|&&i| i > at)
            .any(|&i| self.stack[i].html(SPECIAL));
        if special_inside {
            // The adoption agency would rebuild the tree around the special element.
            self.unsure = true;
            return;
        }
        self.pop_formatting_to(at);
    }

    /// html5ever keeps at most three identical formatting elements in its list; the model
    /// does not compare attributes, so a fourth of a name makes it unsure.
    fn noahs_ark(&mut self, name: &Name) {
        let page = self.page;
        let marker = self.last_marker();
        let open = self
            .seen
            .iter()
            .map(|&i| &self.stack[i])
            .filter(|e| e.seq > marker && e.ns == Ns::Html && e.name.same(name, page))
            .count();
        let remembered = self
            .pending
            .iter()
            .filter(|e| e.seq > marker && e.name.same(name, page))
            .count();
        if open + remembered >= 3 {
            self.unsure = true;
        }
    }

    /// The `seq` of the innermost open marker element (0 for none).
    fn last_marker(&self) -> u64 {
        self.seen
            .iter()
            .rev()
            .map(|&i| &self.stack[i])
            .find(|e| e.html(MARKERS))
            .map_or(0, |e| e.seq)
    }

    /// `</form>`: html5ever removes the form its pointer names, not what is inside it.
    fn form_end(&mut self) {
        if self.in_template() {
            let found = self.in_scope(&[b"form"], Open::scope);
            if let Some(at) = found {
                self.pop_to(at);
            }
            return;
        }
        self.form = false;
        let Some(at) = self.in_scope(&[b"form"], Open::scope) else {
            return;
        };
        self.pop_implied(&[]);
        if self.seen.last() == Some(&at) {
            self.pop_to(at);
        } else {
            // Taken out from under what is open inside it.
            self.remove_seen(at);
        }
    }

    fn in_template(&self) -> bool {
        self.tables.iter().any(|table| !table)
    }

    /// "Has an HTML element named one of `names` in scope", `stops` ending the scope:
    /// where it is.
    fn in_scope(&self, names: &[&[u8]], stops: impl Fn(&Open) -> bool) -> Option<usize> {
        self.find(|e| e.html(names), stops)
    }

    /// Whether the element at `at` is in the scope `stops` ends.
    fn in_scope_at(&self, at: usize, stops: impl Fn(&Open) -> bool) -> bool {
        for &i in self.seen.iter().rev() {
            if i == at {
                return true;
            }
            if stops(&self.stack[i]) {
                return false;
            }
        }
        false
    }

    /// The nearest element the parser sees that `matches` accepts, giving up at one
    /// `stops` accepts (as html5ever's scope checks, all the way down).
    fn find(
        &self,
        matches: impl Fn(&Open) -> bool,
        stops: impl Fn(&Open) -> bool,
    ) -> Option<usize> {
        for &i in self.seen.iter().rev() {
            let e = &self.stack[i];
            if matches(e) {
                return Some(i);
            }
            if stops(e) {
                return None;
            }
        }
        None
    }

    fn find_select(&self) -> Option<usize> {
        self.in_scope(&[b"select"], Open::scope)
    }

    /// Pops the select in scope and what is inside it; whether there was one.
    fn close_select(&mut self) -> bool {
        let found = self.find_select();
        if let Some(at) = found {
            self.pop_to(at);
        }
        found.is_some()
    }

    /// "If the stack has a `p` element in button scope, close a `p` element."
    fn close_p(&mut self) {
        if let Some(at) = self.in_scope(&[b"p"], |e| e.scope() || e.html(&[b"button"])) {
            self.pop_to(at);
        }
    }

    /// `<li>` closes an open `<li>` (`<dd>`/`<dt>` either of them) unless a special
    /// element other than `address`, `div` and `p` is in the way.
    fn close_list_item(&mut self, names: &[&[u8]]) {
        let found = self.find(
            |e| e.html(names),
            |e| e.html(SPECIAL) && !e.html(&[b"address", b"div", b"p"]),
        );
        if let Some(at) = found {
            self.pop_to(at);
        }
    }

    /// "Generate implied end tags" (but for the elements named in `keep`).
    fn pop_implied(&mut self, keep: &[&[u8]]) {
        while self.current_is(IMPLIED_END) && !self.current_is(keep) {
            self.pop_current();
        }
    }

    /// Pops SVG and MathML elements until an HTML element or an integration point is the
    /// current node (a tag that leaves foreign content).
    fn leave_foreign(&mut self) {
        while let Some(&at) = self.seen.last() {
            let e = &self.stack[at];
            if !e.foreign() || e.integration() {
                break;
            }
            self.pop_to(at);
        }
    }

    fn push(&mut self, tag: &Tag, ns: Ns) {
        self.seq += 1;
        let seen = self.depth() < self.limit;
        if !seen {
            self.cut(tag.range.clone());
            if self.overflow > 0 || self.stack.len() >= self.limit + self.named {
                self.overflow += 1;
                return;
            }
        }
        self.push_open(Open {
            name: tag.name,
            ns,
            seen,
            seq: self.seq,
        });
    }

    fn push_open(&mut self, open: Open) {
        if open.seen {
            self.seen.push(self.stack.len());
            if open.html(&[b"table", b"template"]) {
                self.tables.push(open.name.is(&[b"table"]));
            }
        }
        self.stack.push(open);
    }

    fn pop_current(&mut self) {
        if let Some(&at) = self.seen.last() {
            self.pop_to(at);
        }
    }

    /// Pops every element from the top down to `at`, inclusive. Formatting elements among
    /// them are remembered for html5ever to reopen; closing a marker forgets those opened
    /// after it.
    fn pop_to(&mut self, at: usize) {
        self.pop_keeping(at, false);
    }

    /// [`Model::pop_to`] of a formatting element by its own end tag: it is not reopened.
    fn pop_formatting_to(&mut self, at: usize) {
        self.pop_keeping(at, true);
    }

    fn pop_keeping(&mut self, at: usize, own_formatting: bool) {
        while self.stack.len() > at {
            let index = self.stack.len() - 1;
            let open = self.stack.pop().expect("the stack is longer than `at`");
            if open.seen {
                self.seen.pop();
                self.forget(&open, own_formatting && index == at);
            }
        }
        self.pending.sort_by_key(|p| p.seq);
    }

    /// Takes the element at `at` (which the parser sees) out of the stack, leaving what is
    /// above it open.
    fn remove_seen(&mut self, at: usize) {
        let open = self.stack.remove(at);
        self.seen.retain(|&i| i != at);
        for i in &mut self.seen {
            if *i > at {
                *i -= 1;
            }
        }
        self.forget(&open, false);
    }

    /// Book-keeping for an element the parser no longer has open.
    fn forget(&mut self, open: &Open, by_own_end_tag: bool) {
        if open.html(&[b"table", b"template"]) {
            self.tables.pop();
        }
        if open.html(MARKERS) {
            self.pending.retain(|p| p.seq < open.seq);
        } else if open.html(FORMATTING) && !by_own_end_tag {
            self.pending.push(*open);
        }
    }

    /// Reopens the remembered formatting elements, as html5ever does before text and most
    /// tags.
    fn reconstruct(&mut self) {
        if self.pending.is_empty() || self.overflow > 0 {
            return;
        }
        for open in std::mem::take(&mut self.pending) {
            self.push_open(open);
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
