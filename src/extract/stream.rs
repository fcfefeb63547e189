//! Reading an article page in one streaming pass, without building its DOM.
//!
//! Building html5ever's tree is most of what a scrape costs (see docs/performance.md), yet
//! an article's rules need only a few elements: the ones their selectors match, the meta
//! tags and the JSON-LD scripts. lol_html (already used for lazy images) matches the same
//! CSS selectors on the token stream in about a third of the parse's time and reports where
//! each matched element starts and ends in the source; the values are then read from those
//! byte ranges (small fragments go through html5ever, so text and entities come out exactly
//! as from the DOM).
//!
//! A token stream cannot see what html5ever's tree construction does to malformed markup
//! (an unclosed `<li>`, a `<div>` that implicitly ends a `<p>`, misnested formatting), so
//! [`read`] refuses a page whenever a matched element's extent is not plainly delimited by
//! its own start and end tags, and the caller falls back to the DOM. The fallback is the
//! reference: `tests/extract_stream.rs` checks that whenever the stream accepts a page, it
//! reads exactly what the DOM reads, over real, synthetic and random malformed pages.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

use lol_html::html_content::{Element, EndTag, TextChunk};
use lol_html::{ElementContentHandlers, EndTagHandler, HtmlRewriter, Selector, Settings};

use crate::config::{ArticleRules, Source, Take};
use crate::html::plain_text;

/// The selectors of a site's article rules as the stream reads them, compiled once with the
/// config. `None` from [`StreamPlan::new`] when a selector needs more than element-local
/// matching and descendant combinators (child and sibling combinators, `:nth-child` and
/// kin, selector lists…): such sites are always read through the DOM.
///
/// lol_html matches only the compound selectors (`.text-content`, `img.lead`); descendant
/// combinators are resolved afterwards from the matched elements' extents, which are checked
/// to be the DOM's (see [`plainly_delimited`]). lol_html's own combinator matching follows
/// its token-stream view of nesting, which differs from html5ever's on malformed markup.
#[derive(Debug, Clone)]
pub struct StreamPlan {
    /// Distinct compound selectors.
    compounds: Vec<(String, Selector)>,
    /// Each CSS source's selector text with its compounds, outermost first.
    chains: Vec<(String, Vec<usize>)>,
    /// The `remove` selectors (clutter cut from the body) as chains.
    remove: Vec<Vec<usize>>,
    /// Every rule set needs these: the guards, `<meta content>`, JSON-LD scripts.
    fixed: FixedSelectors,
}

/// The selectors every read uses whatever the rules, compiled with the plan.
#[derive(Debug, Clone)]
struct FixedSelectors {
    guards: Selector,
    metas: Selector,
    json_ld: Selector,
}

impl FixedSelectors {
    fn new() -> FixedSelectors {
        let parse = |css: &str| css.parse().expect("static selector");
        FixedSelectors {
            guards: parse(&GUARDED.join(", ")),
            metas: parse("meta[content]"),
            json_ld: parse(r#"script[type="application/ld+json"]"#),
        }
    }
}

impl StreamPlan {
    pub fn new(rules: &ArticleRules) -> Option<StreamPlan> {
        let mut plan = StreamPlan {
            compounds: Vec::new(),
            chains: Vec::new(),
            remove: Vec::new(),
            fixed: FixedSelectors::new(),
        };
        for rule in rules.all() {
            if let Source::Css { css, .. } = &rule.source {
                if !plan.chains.iter().any(|(t, _)| t == css) {
                    let chain = plan.chain(css)?;
                    plan.chains.push((css.clone(), chain));
                }
            }
        }
        for css in &rules.remove {
            let chain = plan.chain(&css.text)?;
            plan.remove.push(chain);
        }
        Some(plan)
    }

    fn chain(&mut self, css: &str) -> Option<Vec<usize>> {
        compounds(css)?
            .into_iter()
            .map(|compound| {
                if let Some(i) = self.compounds.iter().position(|(t, _)| *t == compound) {
                    return Some(i);
                }
                let selector = compound.parse().ok()?;
                self.compounds.push((compound, selector));
                Some(self.compounds.len() - 1)
            })
            .collect()
    }
}

/// Splits a selector into its compound selectors when they are joined only by descendant
/// combinators and each depends on the element alone; `None` otherwise.
fn compounds(css: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut depth, mut quote) = (0usize, None::<char>);
    let mut chars = css.trim().chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                current.push(c);
                current.push(chars.next()?);
                continue;
            }
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => depth += 1,
            (None, ']' | ')') => depth = depth.checked_sub(1)?,
            (None, '>' | '+' | '~' | ',') if depth == 0 => return None,
            (None, c) if c.is_whitespace() && depth == 0 => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    // Structural pseudo-classes (`:nth-child`, `:first-of-type`…) depend on siblings.
    let element_local = |compound: &String| {
        compound
            .match_indices(':')
            .all(|(i, _)| compound[i..].starts_with(":not("))
    };
    (!out.is_empty() && quote.is_none() && depth == 0 && out.iter().all(element_local))
        .then_some(out)
}

/// An element a selector matched: where its tags are in the page.
#[derive(Debug, Clone)]
struct Hit {
    /// Lower-case tag name.
    tag: String,
    /// The start tag.
    start: Range<usize>,
    /// The end tag, once seen; `None` for void elements and for elements never closed.
    end: Option<Range<usize>>,
    /// The end tag's name, to tell an element closed by its own end tag from one lol_html
    /// closed on its parent's.
    end_name: Option<String>,
    /// Void or self-closing: it has no content and no end tag.
    empty: bool,
}

impl Hit {
    fn new(el: &Element<'_, '_>) -> Hit {
        Hit {
            tag: el.tag_name(),
            start: el.source_location().bytes(),
            end: None,
            end_name: None,
            empty: !el.can_have_content(),
        }
    }

    /// The whole element, tags included.
    fn outer(&self) -> Range<usize> {
        self.start.start..self.end.as_ref().map_or(self.start.end, |e| e.end)
    }

    /// The content between the tags.
    fn inner(&self) -> Range<usize> {
        self.start.end..self.end.as_ref().map_or(self.start.end, |e| e.start)
    }
}

#[derive(Default)]
struct State {
    /// Per compound selector of the plan, the elements it matches in document order.
    hits: Vec<Vec<Hit>>,
    /// Elements after which the stream's view of the page may part from the DOM's.
    guards: Vec<Hit>,
    metas: Vec<Meta>,
    json_ld: Vec<String>,
}

/// The attributes of a `<meta>` that matter, in the order of `META_KEYS`.
const META_KEYS: [&str; 4] = ["content", "property", "name", "itemprop"];

/// A `<meta content>` tag: its values as written, or where it is when they hold character
/// references (decoded later, as html5ever would).
enum Meta {
    Plain([Option<String>; 4]),
    Encoded(Range<usize>),
}

/// A page read by the stream, ready to answer the rules' sources.
pub struct StreamPage<'p> {
    page: &'p str,
    plan: &'p StreamPlan,
    /// Per chain of the plan, the elements it matches, in document order.
    matches: Vec<Vec<Hit>>,
    /// The elements `remove` matches, whole.
    removed: Vec<Range<usize>>,
    pub(super) json_ld: Vec<serde_json::Value>,
    pub(super) meta: HashMap<String, Vec<String>>,
}

/// Reads `page` with `plan`; `None` when the page cannot be read faithfully without its
/// DOM (see the module's doc).
pub fn read<'p>(page: &'p str, plan: &'p StreamPlan) -> Option<StreamPage<'p>> {
    let state = Rc::new(RefCell::new(State {
        hits: vec![Vec::new(); plan.compounds.len()],
        ..State::default()
    }));
    let mut handlers: Vec<(Cow<'_, Selector>, ElementContentHandlers<'_>)> = Vec::new();
    for (i, (_, selector)) in plan.compounds.iter().enumerate() {
        handlers.push((
            Cow::Borrowed(selector),
            record(&state, move |s| &mut s.hits[i]),
        ));
    }
    handlers.push((
        Cow::Borrowed(&plan.fixed.guards),
        record(&state, |s| &mut s.guards),
    ));
    {
        let state = Rc::clone(&state);
        handlers.push((
            Cow::Borrowed(&plan.fixed.metas),
            ElementContentHandlers::default().element(move |el: &mut Element<'_, '_>| {
                let values = META_KEYS.map(|key| el.get_attribute(key));
                // Character references need html5ever's rules; most tags have none.
                let meta = if values.iter().flatten().any(|v| v.contains('&')) {
                    Meta::Encoded(el.source_location().bytes())
                } else {
                    Meta::Plain(values)
                };
                state.borrow_mut().metas.push(meta);
                Ok(())
            }),
        ));
    }
    {
        let starts = Rc::clone(&state);
        let texts = Rc::clone(&state);
        handlers.push((
            Cow::Borrowed(&plan.fixed.json_ld),
            ElementContentHandlers::default()
                .element(move |_: &mut Element<'_, '_>| {
                    starts.borrow_mut().json_ld.push(String::new());
                    Ok(())
                })
                .text(move |chunk: &mut TextChunk<'_>| {
                    if let Some(script) = texts.borrow_mut().json_ld.last_mut() {
                        script.push_str(chunk.as_str());
                    }
                    Ok(())
                }),
        ));
    }
    let settings = Settings {
        element_content_handlers: handlers,
        ..Settings::new()
    };
    // The output is not needed: only the handlers' records are.
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    rewriter.write(page.as_bytes()).ok()?;
    rewriter.end().ok()?;
    let state = Rc::try_unwrap(state).ok()?.into_inner();

    if !state
        .hits
        .iter()
        .flatten()
        .all(|hit| plainly_delimited(page, hit))
        || !state.guards.iter().all(|guard| guard_holds(page, guard))
    {
        return None;
    }
    let matches = plan
        .chains
        .iter()
        .map(|(_, chain)| matching(&state.hits, chain))
        .collect();
    let removed = plan
        .remove
        .iter()
        .flat_map(|chain| matching(&state.hits, chain))
        .map(|hit| hit.outer())
        .collect();
    let meta = meta_tags(page, &state.metas)?;
    Some(StreamPage {
        page,
        plan,
        matches,
        removed,
        json_ld: super::json_ld_objects(state.json_ld),
        meta,
    })
}

/// A handler that records each matched element, and its end tag when it comes, in the list
/// `list` picks from the state.
fn record<'h>(
    state: &Rc<RefCell<State>>,
    list: impl Fn(&mut State) -> &mut Vec<Hit> + Copy + 'static,
) -> ElementContentHandlers<'h> {
    let state = Rc::clone(state);
    ElementContentHandlers::default().element(move |el: &mut Element<'_, '_>| {
        let at = {
            let mut s = state.borrow_mut();
            let hits = list(&mut s);
            hits.push(Hit::new(el));
            hits.len() - 1
        };
        let state = Rc::clone(&state);
        if let Some(handlers) = el.end_tag_handlers() {
            let handler: EndTagHandler<'static> = Box::new(move |end: &mut EndTag<'_>| {
                let mut s = state.borrow_mut();
                let hit = &mut list(&mut s)[at];
                hit.end = Some(end.source_location().bytes());
                hit.end_name = Some(end.name());
                Ok(())
            });
            handlers.push(handler);
        }
        Ok(())
    })
}

/// The elements a chain of compounds matches: those of its last compound that lie inside an
/// element matching the one before, itself inside one matching the one before that…
fn matching(hits: &[Vec<Hit>], chain: &[usize]) -> Vec<Hit> {
    let Some((&last, ancestors)) = chain.split_last() else {
        return Vec::new();
    };
    hits[last]
        .iter()
        .filter(|hit| inside(hits, ancestors, hit.start.start))
        .cloned()
        .collect()
}

fn inside(hits: &[Vec<Hit>], chain: &[usize], at: usize) -> bool {
    let Some((&last, ancestors)) = chain.split_last() else {
        return true;
    };
    hits[last]
        .iter()
        .any(|a| a.inner().contains(&at) && inside(hits, ancestors, a.start.start))
}

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
const GUARDED: &[&str] = &[
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

fn guard_holds(page: &str, guard: &Hit) -> bool {
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
fn plainly_delimited(page: &str, hit: &Hit) -> bool {
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

/// The attributes of a start tag as html5ever decodes them (character references in
/// attribute values follow their own rules, e.g. `&copy=` stays as it is), read by parsing
/// the tag alone, renamed to `span` so that no tag's parsing context can drop it.
fn decoded_attributes(start_tag: &str) -> Option<Vec<(String, String)>> {
    let rest = start_tag
        .strip_prefix('<')?
        .trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    let fragment = scraper::Html::parse_fragment(&format!("<span{rest}"));
    let span = fragment
        .root_element()
        .children()
        .find_map(scraper::ElementRef::wrap)?;
    Some(
        span.value()
            .attrs()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn meta_tags(page: &str, metas: &[Meta]) -> Option<HashMap<String, Vec<String>>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for meta in metas {
        let values = match meta {
            Meta::Plain(values) => values.clone(),
            Meta::Encoded(range) => {
                let attributes = decoded_attributes(page.get(range.clone())?)?;
                META_KEYS.map(|key| {
                    attributes
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| v.clone())
                })
            }
        };
        let [content, keys @ ..] = values;
        let Some(content) = content.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
            continue;
        };
        for name in keys.into_iter().flatten() {
            map.entry(name.to_ascii_lowercase())
                .or_default()
                .push(content.to_string());
        }
    }
    Some(map)
}

impl<'p> StreamPage<'p> {
    /// Values of a CSS source, as `Document::values` gives them from the DOM; with `body`,
    /// on the page with the `remove` clutter cut out.
    pub(super) fn css_values(&self, css: &str, take: &Take, many: bool, body: bool) -> Vec<String> {
        let Some(index) = self.plan.chains.iter().position(|(t, _)| t == css) else {
            return Vec::new();
        };
        let limit = if many { usize::MAX } else { 1 };
        self.matches[index]
            .iter()
            .filter(|hit| !body || !self.is_removed(hit.start.start))
            .filter_map(|hit| self.take(hit, take, body))
            .take(limit)
            .collect()
    }

    fn is_removed(&self, at: usize) -> bool {
        self.removed.iter().any(|r| r.contains(&at))
    }

    fn take(&self, hit: &Hit, take: &Take, body: bool) -> Option<String> {
        match take {
            Take::Text => {
                let inner = self.page.get(hit.inner())?;
                let text = if hit.tag == "title" {
                    // RCDATA: character references count, markup does not.
                    plain_text(&inner.replace('<', "&lt;"))
                } else {
                    plain_text(inner)
                };
                super::non_empty(text)
            }
            Take::Html => {
                let inner = if body {
                    self.without_removed(hit.inner())?
                } else {
                    Cow::Borrowed(self.page.get(hit.inner())?)
                };
                super::non_empty(inner.trim().to_string())
            }
            Take::Attr(name) => {
                let attributes = decoded_attributes(self.page.get(hit.start.clone())?)?;
                crate::html::attribute_of(&hit.tag, name, |a| {
                    attributes
                        .iter()
                        .find(|(k, _)| k == a)
                        .map(|(_, v)| v.as_str())
                })
            }
        }
    }

    /// The markup of `range` with every removed element inside it cut out.
    fn without_removed(&self, range: Range<usize>) -> Option<Cow<'p, str>> {
        let mut cuts: Vec<&Range<usize>> = self
            .removed
            .iter()
            .filter(|r| r.start >= range.start && r.start < range.end)
            .collect();
        if cuts.is_empty() {
            return self.page.get(range).map(Cow::Borrowed);
        }
        cuts.sort_by_key(|r| r.start);
        let mut out = String::with_capacity(range.len());
        let mut at = range.start;
        for cut in cuts {
            if cut.start >= at {
                out.push_str(self.page.get(at..cut.start)?);
            }
            at = at.max(cut.end.min(range.end));
        }
        out.push_str(self.page.get(at..range.end)?);
        Some(Cow::Owned(out))
    }
}
