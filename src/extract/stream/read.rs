//! One lol_html pass over a page: where the plan's elements start and end, the meta tags and
//! the JSON-LD scripts; then the values the rules' sources ask for, read from those ranges.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

use lol_html::html_content::{Element, EndTag, TextChunk};
use lol_html::{ElementContentHandlers, EndTagHandler, HtmlRewriter, Selector, Settings};

use super::nesting::{guard_holds, plainly_delimited};
use super::{Hit, StreamPlan};
use crate::config::Take;
use crate::html::plain_text;

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
    pub(in crate::extract) json_ld: crate::extract::json_ld::JsonLd,
    pub(in crate::extract) meta: HashMap<String, Vec<String>>,
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
        json_ld: super::super::json_ld_objects(state.json_ld),
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
    pub(in crate::extract) fn css_values(
        &self,
        css: &str,
        take: &Take,
        many: bool,
        body: bool,
    ) -> Vec<String> {
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
                crate::html::non_empty(text)
            }
            Take::Html => {
                let inner = if body {
                    self.without_removed(hit.inner())?
                } else {
                    Cow::Borrowed(self.page.get(hit.inner())?)
                };
                crate::html::non_empty(inner.trim().to_string())
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
