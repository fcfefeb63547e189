//! Article page → fields, each with the rule that produced it.
//!
//! For every field the site's sources are tried in order (CSS selector, JSON-LD key, meta
//! tag) and the first that yields a value wins; date fields keep every candidate so the date
//! stage can prefer structured values and report disagreements. The page is parsed once, its
//! JSON-LD and meta tags indexed once. The body is cleaned of the declared clutter, then
//! sanitized (`sanitize`: ammonia; no scripts, styles or event handlers) with every URL made
//! absolute.
//!
//! Pages are read in one streaming pass (`stream`) when the site's selectors allow it and
//! the page's markup is plain enough for the stream to see what the DOM would; otherwise (and
//! for the reference in tests) through html5ever's DOM (`dom`, [`extract_via_dom`]). Both
//! answer the rules' sources through one trait, `PageView`; JSON-LD is read by `json_ld`.
//! Either reads the page after `flatten`, which cuts the tags of elements nested beyond
//! [`MAX_DEPTH`] (keeping their content), so that no page costs more than linear time.

mod dom;
mod flatten;
mod generic;
mod json_ld;
mod sanitize;
mod stream;

use dom::{remove_matching, DomPage};
pub use flatten::{flatten as flatten_deep_nesting, MAX_DEPTH};
use json_ld::{json_ld_objects, json_values, main_first};
pub use sanitize::sanitize;
use stream::StreamPlan;

use std::collections::HashMap;

use url::Url;

use crate::config::{ArticleRules, Rule, Source, Take};
use crate::html::{collapse_whitespace, json_text, plain_text};

/// A value and the rule that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<T> {
    pub value: T,
    /// `Source::describe()` of the rule.
    pub rule: String,
    /// Machine-readable (attribute, meta, JSON-LD) rather than printed text.
    pub structured: bool,
}

/// Everything read from one article page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    pub title: Option<Found<String>>,
    pub summary: Option<Found<String>>,
    /// Sanitized HTML, absolute URLs.
    pub body: Option<Found<String>>,
    pub author: Option<Found<String>>,
    pub tags: Option<Found<Vec<String>>>,
    pub image: Option<Found<String>>,
    /// Every date candidate found, in rule order.
    pub published: Vec<Found<String>>,
    pub updated: Vec<Found<String>>,
    /// What the reader had to skip or could not find on this page (invalid JSON-LD, no main
    /// content), one line each: `check` shows them, the scrape logs them.
    pub warnings: Vec<String>,
}

/// One rule of one field, evaluated on its own (for `check`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleTrace {
    pub field: &'static str,
    pub rule: String,
    /// The first value the rule yields, or `None` when it matches nothing.
    pub value: Option<String>,
}

/// A site's article rules in the form `extract` runs them: the rules, and their selectors
/// compiled for the streaming reader when the selectors allow it (`None`: every page of the
/// site is read through the DOM). Built once per config, when the scraper is built.
#[derive(Debug, Clone)]
pub struct Plan {
    rules: ArticleRules,
    stream: Option<StreamPlan>,
    /// Bytes of the body's markup given to the sanitizer, at most.
    body_markup: usize,
}

impl Plan {
    pub fn new(rules: &ArticleRules) -> Plan {
        Plan {
            rules: rules.clone(),
            stream: StreamPlan::new(rules),
            body_markup: usize::MAX,
        }
    }

    /// The plan sanitizing at most `bytes` of a body's markup, cut before a tag: ammonia
    /// holds about eighteen times what it reads (its DOM, then the markup it writes), so a
    /// body too long for the site's `limits.body` is cut before that, not after. The
    /// pipeline gives twice the limit: sanitizing drops attributes, comments and scripts,
    /// and what is left is cut to the limit exactly when the entry is assembled.
    pub fn sanitizing_at_most(mut self, bytes: usize) -> Plan {
        self.body_markup = bytes;
        self
    }

    pub fn rules(&self) -> &ArticleRules {
        &self.rules
    }

    /// Whether the rules' selectors let pages be read by the streaming pass at all.
    pub fn streams(&self) -> bool {
        self.stream.is_some()
    }

    /// Whether the site leaves its body to the generic reader (declares none).
    fn leaves_body_to_generic(&self) -> bool {
        self.rules.body.is_empty() && self.rules.generic_reads("body")
    }

    /// The page read by the stream, when the plan and the page allow it. A site that leaves
    /// its body to the generic reader reads every page through the DOM: the reader needs it.
    fn stream<'p>(&'p self, page: &'p str) -> Option<stream::StreamPage<'p>> {
        if self.leaves_body_to_generic() {
            return None;
        }
        self.stream
            .as_ref()
            .and_then(|plan| stream::read(page, plan))
    }
}

/// Evaluates every rule of every field, not only up to the first hit, so `check` can say
/// which rules were tried and missed.
pub fn trace(page: &str, plan: &Plan) -> Vec<RuleTrace> {
    let flat = flatten::flatten(page);
    match plan.stream(&flat) {
        Some(doc) => trace_on(&doc, &plan.rules),
        None => {
            let html = flatten::bounded::parse(page, &flat);
            trace_on(&DomPage::new(&html), &plan.rules)
        }
    }
}

fn trace_on(doc: &impl PageView, rules: &ArticleRules) -> Vec<RuleTrace> {
    let fields: [(&'static str, &Vec<Rule>, bool); 8] = [
        ("title", &rules.title, false),
        ("summary", &rules.summary, false),
        ("body", &rules.body, true),
        ("author", &rules.author, false),
        ("tags", &rules.tags, false),
        ("image", &rules.image, false),
        ("published", &rules.published, false),
        ("updated", &rules.updated, false),
    ];
    let mut out = Vec::new();
    for (field, list, raw_html) in fields {
        for rule in list {
            let values = if raw_html {
                doc.values(&rule.source, true)
            } else {
                texts(doc, &rule.source, true)
            };
            out.push(RuleTrace {
                field,
                rule: rule.describe(),
                value: values.iter().find_map(|v| rule.transform.apply(v)),
            });
        }
    }
    out
}

/// Reads an article page: in one streaming pass when it can be trusted to see what the DOM
/// would, else through the DOM; then the generic reader fills what the rules left empty.
///
/// A streamed page gets the generic reader's metadata steps (JSON-LD and metas, already
/// indexed) for free; its DOM is built only when the declared body rules all miss, so a site
/// whose rules hit keeps the streaming pass's cost.
pub fn extract(page: &str, url: &Url, plan: &Plan) -> Extracted {
    // A big page whose body is left to the generic reader is slimmed before its DOM is built.
    let (slim, slimming) = if page.len() > generic::SLIM_ABOVE && plan.leaves_body_to_generic() {
        let (slim, warning) = generic::slimmed(page);
        (Some(slim), warning)
    } else {
        (None, None)
    };
    let page = slim.as_deref().unwrap_or(page);
    let mut extracted = read(page, url, plan);
    extracted.warnings.extend(slimming);
    extracted
}

fn read(page: &str, url: &Url, plan: &Plan) -> Extracted {
    let flat = flatten::flatten(page);
    if let Some(mut doc) = plan.stream(&flat) {
        main_first(&mut doc.json_ld.objects, url);
        let mut extracted = fields(&doc, url, &plan.rules);
        extracted.body = body(&doc.body(), url, &plan.rules, plan.body_markup);
        if extracted.body.is_some() {
            let page = generic::Page::new(None, &doc.json_ld, &doc.meta, url);
            generic::fill_metadata(&mut extracted, &page, &plan.rules);
            return extracted;
        }
        tracing::debug!(%url, "declared body rules missed: article read through the DOM");
    }
    read_via_dom(page, &flat, url, &plan.rules, plan.body_markup)
}

/// Whether [`extract`] reads this page in one streaming pass rather than through the DOM
/// (for tests and benchmarks).
pub fn reads_streaming(page: &str, plan: &Plan) -> bool {
    plan.stream(&flatten::flatten(page)).is_some()
}

/// Reads an article page through html5ever's DOM: the fallback of [`extract`], and the
/// reference its streaming reader is tested against.
pub fn extract_via_dom(page: &str, url: &Url, rules: &ArticleRules) -> Extracted {
    read_via_dom(page, &flatten::flatten(page), url, rules, usize::MAX)
}

/// [`extract_via_dom`] on a page already flattened (`flat`).
fn read_via_dom(
    page: &str,
    flat: &str,
    url: &Url,
    rules: &ArticleRules,
    body_markup: usize,
) -> Extracted {
    let mut html = flatten::bounded::parse(page, flat);
    let mut doc = DomPage::new(&html);
    main_first(&mut doc.json_ld.objects, url);
    let mut extracted = fields(&doc, url, rules);
    let DomPage { json_ld, meta, .. } = doc;
    // The generic reader's metadata reads the page as it is, like the rules' other fields.
    // Its steps over the markup (`<h1>`, the header's `<time>`, bylines) are for sites that
    // leave the body to it; a site declaring its body gets the steps over metas and JSON-LD
    // only, as when its pages are streamed, so both readers agree.
    let markup = rules.body.is_empty().then_some(&html);
    generic::fill_metadata(
        &mut extracted,
        &generic::Page::new(markup, &json_ld, &meta, url),
        rules,
    );
    // Clutter is removed for the body only: other fields (an image in a removed media
    // block, say) are read from the page as it is.
    remove_matching(&mut html, &rules.remove);
    let doc = DomPage {
        html: &html,
        json_ld,
        meta,
    };
    extracted.body = body(&doc, url, rules, body_markup);
    if extracted.body.is_none() {
        let page = generic::Page::new(Some(&html), &doc.json_ld, &doc.meta, url);
        generic::fill_body(&mut extracted, &page, rules, body_markup);
    }
    extracted
}

/// Every field but the body.
fn fields(doc: &impl PageView, url: &Url, rules: &ArticleRules) -> Extracted {
    let text = |sources: &[Rule]| {
        first(sources, |s| texts(doc, s, false)).map(|f| f.map(|v| v[0].clone()))
    };
    Extracted {
        title: text(&rules.title),
        summary: text(&rules.summary),
        body: None,
        author: first(&rules.author, |s| texts(doc, s, true))
            .map(|f| f.map(|names| dedup(names).join(", "))),
        tags: first(&rules.tags, |s| texts(doc, s, true)).map(|f| f.map(split_tags)),
        image: first(&rules.image, |s| doc.values(s, false)).and_then(|f| {
            let absolute = url.join(f.value[0].trim()).ok()?;
            Some(f.map(|_| absolute.to_string()))
        }),
        published: all(&rules.published, doc),
        updated: all(&rules.updated, doc),
        warnings: Vec::new(),
    }
}

/// The body, from a page with the clutter removed.
fn body(
    doc: &impl PageView,
    url: &Url,
    rules: &ArticleRules,
    markup: usize,
) -> Option<Found<String>> {
    first(&rules.body, |s| doc.values(s, true))
        .map(|f| f.map(|parts| sanitize(&markup_within(parts, markup), url)))
}

/// The body's parts joined, at most `cap` bytes of them, cut at a character boundary and
/// never inside a tag (before a tag the cap would cut in two).
fn markup_within(parts: Vec<String>, cap: usize) -> String {
    let mut joined = parts.join("\n");
    if joined.len() > cap {
        let mut end = joined.floor_char_boundary(cap);
        if let Some(lt) = joined[..end].rfind('<') {
            if !joined[lt..end].contains('>') {
                end = lt;
            }
        }
        joined.truncate(end);
    }
    joined
}

impl<T> Found<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Found<U> {
        Found {
            value: f(self.value),
            rule: self.rule,
            structured: self.structured,
        }
    }
}

/// The first rule that yields anything, its values passed through the rule's clean-up.
fn first(
    rules: &[Rule],
    mut values: impl FnMut(&Source) -> Vec<String>,
) -> Option<Found<Vec<String>>> {
    rules.iter().find_map(|rule| {
        let found: Vec<String> = values(&rule.source)
            .iter()
            .filter_map(|v| rule.transform.apply(v))
            .collect();
        (!found.is_empty()).then(|| Found {
            value: found,
            rule: rule.describe(),
            structured: rule.is_structured(),
        })
    })
}

/// The first value of every rule that yields one (date candidates).
fn all(rules: &[Rule], doc: &impl PageView) -> Vec<Found<String>> {
    rules
        .iter()
        .filter_map(|rule| {
            let raw = texts(doc, &rule.source, false).into_iter().next()?;
            Some(Found {
                value: rule.transform.apply(&raw)?,
                rule: rule.describe(),
                structured: rule.is_structured(),
            })
        })
        .collect()
}

fn split_tags(raw: Vec<String>) -> Vec<String> {
    // JSON-LD `keywords` and some meta tags pack every tag in one comma-separated string.
    let pieces = if raw.len() == 1 {
        raw[0].split(',').map(|t| t.trim().to_string()).collect()
    } else {
        raw
    };
    dedup(pieces)
}

fn dedup(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        if !value.is_empty() && !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// A page the rules' sources can be asked of: the DOM, or the streaming reader's records.
pub(super) trait PageView {
    /// Every value a source yields. `many` joins all matches (body, tags); otherwise only
    /// the first match counts.
    fn values(&self, source: &Source, many: bool) -> Vec<String>;
}

/// Values as plain text: markup stripped from `html = true` matches, entities decoded in
/// JSON-LD strings, whitespace collapsed everywhere.
fn texts(doc: &impl PageView, source: &Source, many: bool) -> Vec<String> {
    let clean = |v: String| match source {
        Source::Css {
            take: Take::Html, ..
        } => plain_text(&v),
        Source::JsonLd(_) | Source::Path(_) => json_text(&v),
        _ => collapse_whitespace(&v),
    };
    doc.values(source, many)
        .into_iter()
        .map(clean)
        .filter(|v| !v.is_empty())
        .collect()
}

/// What a page's meta tags and JSON-LD objects give a source (the same for both readers).
pub(super) fn indexed_values(
    source: &Source,
    limit: usize,
    json_ld: &[serde_json::Value],
    meta: &HashMap<String, Vec<String>>,
) -> Vec<String> {
    match source {
        Source::Meta(name) => meta
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .take(limit)
            .collect(),
        Source::JsonLd(path) => json_ld
            .iter()
            .find_map(|obj| {
                let values = json_values(obj, path);
                (!values.is_empty()).then_some(values)
            })
            .unwrap_or_default()
            .into_iter()
            .take(limit)
            .collect(),
        Source::Css { .. } | Source::Path(_) => Vec::new(),
    }
}

impl PageView for stream::StreamPage<'_> {
    fn values(&self, source: &Source, many: bool) -> Vec<String> {
        match source {
            Source::Css { css, take, .. } => self.css_values(css, take, many, false),
            _ => indexed_values(
                source,
                if many { usize::MAX } else { 1 },
                &self.json_ld.objects,
                &self.meta,
            ),
        }
    }
}

/// A streamed page as the body sees it: with the `remove` clutter cut out.
struct BodyView<'d, 'p>(&'d stream::StreamPage<'p>);

impl<'p> stream::StreamPage<'p> {
    fn body(&self) -> BodyView<'_, 'p> {
        BodyView(self)
    }
}

impl PageView for BodyView<'_, '_> {
    fn values(&self, source: &Source, many: bool) -> Vec<String> {
        match source {
            Source::Css { css, take, .. } => self.0.css_values(css, take, many, true),
            _ => self.0.values(source, many),
        }
    }
}

#[cfg(test)]
mod markup_tests {
    use super::*;

    #[test]
    fn a_long_body_is_cut_before_a_tag_within_the_cap() {
        let parts = vec!["<p>one</p>".to_string(), "<p>two é</p>".to_string()];
        assert_eq!(
            markup_within(parts.clone(), 100),
            "<p>one</p>\n<p>two é</p>"
        );
        // Within the second paragraph's opening tag: cut before it.
        assert_eq!(markup_within(parts.clone(), 13), "<p>one</p>\n");
        assert_eq!(markup_within(parts.clone(), 16), "<p>one</p>\n<p>tw");
        // Inside the two bytes of `é`: cut before it; inside the end tag: before that.
        assert_eq!(markup_within(parts.clone(), 19), "<p>one</p>\n<p>two ");
        assert_eq!(markup_within(parts.clone(), 22), "<p>one</p>\n<p>two é");
        assert_eq!(markup_within(vec!["no tags at all".into()], 5), "no ta");
        assert_eq!(markup_within(vec!["ééé".into()], 3), "é");
    }

    #[test]
    fn the_plan_sanitizes_at_most_its_cap() {
        let config = crate::config::Config::parse(
            r#"[[site]]
id = "example"
base_url = "https://example.com"
[site.listing]
type = "html"
items = "article"
[site.listing.fields]
link = { css = "a", attr = "href" }
[site.article]
body = [{ css = "article", html = true }]
[[site.section]]
id = "news"
"#,
            std::path::Path::new("."),
        )
        .unwrap();
        let page = format!(
            "<html><body><article>{}</article></body></html>",
            "<p>Some text of the article.</p>".repeat(10_000)
        );
        let url = Url::parse("https://example.com/a").unwrap();
        let whole = extract(&page, &url, &Plan::new(&config.sites[0].article));
        let capped = extract(
            &page,
            &url,
            &Plan::new(&config.sites[0].article).sanitizing_at_most(4096),
        );
        let whole = whole.body.unwrap().value;
        let capped = capped.body.unwrap().value;
        assert!(whole.len() > 300_000, "{}", whole.len());
        assert!(
            capped.len() <= 4096 && capped.len() > 3000,
            "{}",
            capped.len()
        );
        assert!(whole.starts_with(&capped[..capped.len() - 4]));
    }
}
