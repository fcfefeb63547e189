//! Article page → fields, each with the rule that produced it.
//!
//! For every field the site's sources are tried in order (CSS selector, JSON-LD key, meta
//! tag) and the first that yields a value wins; date fields keep every candidate so the date
//! stage can prefer structured values and report disagreements. The page is parsed once, its
//! JSON-LD and meta tags indexed once. The body is cleaned of the declared clutter, then
//! sanitized by ammonia (no scripts, styles or event handlers) with every URL made absolute.
//!
//! Pages are read in one streaming pass ([`stream`]) when the site's selectors allow it and
//! the page's markup is plain enough for the stream to see what the DOM would; otherwise (and
//! for the reference in tests) through html5ever's DOM ([`extract_via_dom`]).

mod stream;

use stream::StreamPlan;

use std::collections::HashMap;
use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::config::{ArticleRules, Css, Rule, Source, Take};
use crate::html::{
    attribute, collapse_whitespace, element_text, json_text, largest_in_srcset, non_empty,
    plain_text,
};

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
}

impl Plan {
    pub fn new(rules: &ArticleRules) -> Plan {
        Plan {
            rules: rules.clone(),
            stream: StreamPlan::new(rules),
        }
    }

    pub fn rules(&self) -> &ArticleRules {
        &self.rules
    }

    /// Whether the rules' selectors let pages be read by the streaming pass at all.
    pub fn streams(&self) -> bool {
        self.stream.is_some()
    }

    /// The page read by the stream, when the plan and the page allow it.
    fn stream<'p>(&'p self, page: &'p str) -> Option<stream::StreamPage<'p>> {
        self.stream
            .as_ref()
            .and_then(|plan| stream::read(page, plan))
    }
}

/// Evaluates every rule of every field, not only up to the first hit, so `check` can say
/// which rules were tried and missed.
pub fn trace(page: &str, plan: &Plan) -> Vec<RuleTrace> {
    match plan.stream(page) {
        Some(doc) => trace_on(&doc, &plan.rules),
        None => {
            let html = Html::parse_document(page);
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
/// would, else through the DOM.
pub fn extract(page: &str, url: &Url, plan: &Plan) -> Extracted {
    if let Some(doc) = plan.stream(page) {
        let mut extracted = fields(&doc, url, &plan.rules);
        extracted.body = body(&doc.body(), url, &plan.rules);
        return extracted;
    }
    tracing::debug!(%url, "article read through the DOM");
    extract_via_dom(page, url, &plan.rules)
}

/// Whether [`extract`] reads this page in one streaming pass rather than through the DOM
/// (for tests and benchmarks).
pub fn reads_streaming(page: &str, plan: &Plan) -> bool {
    plan.stream(page).is_some()
}

/// Reads an article page through html5ever's DOM: the fallback of [`extract`], and the
/// reference its streaming reader is tested against.
pub fn extract_via_dom(page: &str, url: &Url, rules: &ArticleRules) -> Extracted {
    let mut html = Html::parse_document(page);
    let doc = DomPage::new(&html);
    let mut extracted = fields(&doc, url, rules);
    // Clutter is removed for the body only: other fields (an image in a removed media
    // block, say) are read from the page as it is.
    let DomPage { json_ld, meta, .. } = doc;
    remove_matching(&mut html, &rules.remove);
    let doc = DomPage {
        html: &html,
        json_ld,
        meta,
    };
    extracted.body = body(&doc, url, rules);
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
    }
}

/// The body, from a page with the clutter removed.
fn body(doc: &impl PageView, url: &Url, rules: &ArticleRules) -> Option<Found<String>> {
    first(&rules.body, |s| doc.values(s, true))
        .map(|f| f.map(|parts| sanitize(&parts.join("\n"), url)))
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

fn remove_matching(html: &mut Html, clutter: &[Css]) {
    for css in clutter {
        let ids: Vec<_> = html.select(&css.selector).map(|e| e.id()).collect();
        for id in ids {
            if let Some(mut node) = html.tree.get_mut(id) {
                node.detach();
            }
        }
    }
}

/// Sanitizes body HTML: ammonia's allow-list (no scripts, styles, event handlers or
/// `javascript:` URLs), relative URLs rewritten against the article URL, links opened safely.
pub fn sanitize(body: &str, base: &Url) -> String {
    thread_local! {
        // Building ammonia's allow-lists (a dozen hash sets) costs about as much as cleaning
        // a short body, so each thread keeps one builder and only swaps the base URL.
        static SANITIZER: std::cell::RefCell<ammonia::Builder<'static>> = {
            let mut builder = ammonia::Builder::default();
            builder
                .link_rel(Some("noopener noreferrer"))
                // `<noscript>` holds markup as text (the parser runs with scripting on):
                // kept, it would show readers `<img src=…>` as words. Its usual content,
                // the image of a lazy-loading script, is recovered from the script's own
                // attributes instead.
                .add_clean_content_tags(["noscript"]);
            std::cell::RefCell::new(builder)
        };
    }
    let body = resolve_lazy_images(body);
    SANITIZER.with_borrow_mut(|builder| {
        builder.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
        builder.clean(&body).to_string().trim().to_string()
    })
}

/// Gives lazy-loaded images a real `src` (from `data-src` and kin, or the widest `srcset`
/// candidate), as the page's script would in a browser; otherwise the sanitizer, which
/// rightly drops `data:` placeholders and `data-*` attributes, would leave empty images.
/// lol_html rewrites the markup in one streaming pass without re-serializing the rest.
fn resolve_lazy_images(body: &str) -> String {
    use lol_html::{element, rewrite_str, RewriteStrSettings};
    // Every attribute that can stand in for `src` is `srcset` or `data-*`; without one the
    // pass would change nothing, so most bodies skip a tokenizing pass over their markup.
    // Markup straight from the page may spell attribute names in any case.
    let mentions = |needle: &[u8]| {
        body.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if !mentions(b"data-") && !mentions(b"srcset") {
        return body.to_string();
    }
    let settings = RewriteStrSettings {
        element_content_handlers: vec![element!("img", |img| {
            let src = img.get_attribute("src");
            if src
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty() && !s.trim().starts_with("data:"))
            {
                return Ok(());
            }
            let lazy = ["data-src", "data-lazy-src", "data-original", "data-url"]
                .iter()
                .find_map(|a| img.get_attribute(a).filter(|v| !v.trim().is_empty()))
                .or_else(|| {
                    ["srcset", "data-srcset"]
                        .iter()
                        .find_map(|a| img.get_attribute(a))
                        .and_then(|set| largest_in_srcset(&set))
                });
            if let Some(url) = lazy {
                img.set_attribute("src", url.trim())?;
            }
            Ok(())
        })],
        ..RewriteStrSettings::new()
    };
    rewrite_str(body, settings).unwrap_or_else(|_| body.to_string())
}

/// A page the rules' sources can be asked of: the DOM, or the streaming reader's records.
trait PageView {
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
fn indexed_values(
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

/// A parsed page with its JSON-LD objects and meta tags indexed.
struct DomPage<'a> {
    html: &'a Html,
    json_ld: Vec<serde_json::Value>,
    meta: HashMap<String, Vec<String>>,
}

impl<'a> DomPage<'a> {
    fn new(html: &'a Html) -> DomPage<'a> {
        static SCRIPTS: LazyLock<Selector> = LazyLock::new(|| {
            Selector::parse(r#"script[type="application/ld+json"]"#).expect("static selector")
        });
        let scripts = html.select(&SCRIPTS).map(|s| s.text().collect()).collect();
        DomPage {
            html,
            json_ld: json_ld_objects(scripts),
            meta: meta_tags(html),
        }
    }
}

impl PageView for DomPage<'_> {
    fn values(&self, source: &Source, many: bool) -> Vec<String> {
        let limit = if many { usize::MAX } else { 1 };
        match source {
            // From the root element, not `Html::select`: that walks every node ever
            // parsed, including clutter `remove` detached, which must not be found.
            Source::Css { selector, take, .. } => self
                .html
                .root_element()
                .select(selector)
                .filter_map(|e| take_from(e, take))
                .take(limit)
                .collect(),
            _ => indexed_values(source, limit, &self.json_ld, &self.meta),
        }
    }
}

impl PageView for stream::StreamPage<'_> {
    fn values(&self, source: &Source, many: bool) -> Vec<String> {
        match source {
            Source::Css { css, take, .. } => self.css_values(css, take, many, false),
            _ => indexed_values(
                source,
                if many { usize::MAX } else { 1 },
                &self.json_ld,
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

fn take_from(element: ElementRef<'_>, take: &Take) -> Option<String> {
    match take {
        Take::Text => non_empty(element_text(element)),
        Take::Html => non_empty(element.inner_html().trim().to_string()),
        Take::Attr(name) => attribute(element, name),
    }
}

const ARTICLE_TYPES: [&str; 8] = [
    "NewsArticle",
    "Article",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "BlogPosting",
    "OpinionNewsArticle",
    "LiveBlogPosting",
    "TechArticle",
];

/// The JSON-LD objects of the page's scripts, article types first, `@graph` arrays flattened.
fn json_ld_objects(scripts: Vec<String>) -> Vec<serde_json::Value> {
    let mut objects = Vec::new();
    for text in scripts {
        let parsed = serde_json::from_str::<serde_json::Value>(&text).or_else(|_| {
            // Hand-written JSON-LD often carries raw newlines inside strings.
            serde_json::from_str(&text.replace(['\n', '\r', '\t'], " "))
        });
        if let Ok(value) = parsed {
            flatten_json_ld(value, &mut objects);
        }
    }
    let is_article = |v: &serde_json::Value| match v.get("@type") {
        Some(serde_json::Value::String(t)) => ARTICLE_TYPES.contains(&t.as_str()),
        Some(serde_json::Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str().is_some_and(|t| ARTICLE_TYPES.contains(&t))),
        _ => false,
    };
    objects.sort_by_key(|v| !is_article(v));
    objects
}

fn flatten_json_ld(value: serde_json::Value, out: &mut Vec<serde_json::Value>) {
    match value {
        serde_json::Value::Array(items) => items.into_iter().for_each(|v| flatten_json_ld(v, out)),
        serde_json::Value::Object(mut map) => {
            if let Some(graph) = map.remove("@graph") {
                flatten_json_ld(graph, out);
            }
            out.push(serde_json::Value::Object(map));
        }
        _ => {}
    }
}

/// Values at a JSON-LD path; arrays on the way fan out (`author.name` over several authors).
fn json_values(value: &serde_json::Value, path: &[String]) -> Vec<String> {
    let Some((head, rest)) = path.split_first() else {
        return match value {
            serde_json::Value::String(s) => non_empty(s.trim().to_string()).into_iter().collect(),
            serde_json::Value::Number(n) => vec![n.to_string()],
            serde_json::Value::Array(items) => {
                items.iter().flat_map(|v| json_values(v, path)).collect()
            }
            // `"image": {"url": …}`, `"author": {"name": …}` when the path stops one level short.
            serde_json::Value::Object(map) => ["url", "name", "@id"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| v.as_str()))
                .map(|s| vec![s.to_string()])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
    };
    match value {
        serde_json::Value::Object(map) => map
            .get(head)
            .map(|v| json_values(v, rest))
            .unwrap_or_default(),
        serde_json::Value::Array(items) => {
            items.iter().flat_map(|v| json_values(v, path)).collect()
        }
        _ => Vec::new(),
    }
}

/// `<meta property|name|itemprop=… content=…>`, keys lower-cased, values in page order.
fn meta_tags(html: &Html) -> HashMap<String, Vec<String>> {
    static METAS: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse("meta[content]").expect("static selector"));
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for meta in html.select(&METAS) {
        let element = meta.value();
        let Some(content) = element
            .attr("content")
            .map(str::trim)
            .filter(|c| !c.is_empty())
        else {
            continue;
        };
        for key in ["property", "name", "itemprop"] {
            if let Some(name) = element.attr(key) {
                map.entry(name.to_ascii_lowercase())
                    .or_default()
                    .push(content.to_string());
            }
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noscript_fallbacks_leave_no_markup_as_text() {
        let base = Url::parse("https://example.com/news/1").unwrap();
        let body = sanitize(
            r#"<p>a</p><img data-src="/big.jpg"><noscript><img src="/big.jpg"></noscript><p>b</p>"#,
            &base,
        );
        assert_eq!(
            body,
            r#"<p>a</p><img src="https://example.com/big.jpg"><p>b</p>"#
        );
    }

    #[test]
    fn body_images_get_a_src_before_sanitizing() {
        let base = Url::parse("https://example.com/news/1").unwrap();
        let body = sanitize(
            r#"<p>a</p><img src="data:image/gif;base64,R0" data-src="/big.jpg" alt="x"><img data-srcset="/1.jpg 1x, /2.jpg 2x">"#,
            &base,
        );
        assert!(
            body.contains(r#"src="https://example.com/big.jpg""#),
            "{body}"
        );
        assert!(
            body.contains(r#"src="https://example.com/2.jpg""#),
            "{body}"
        );
        assert!(!body.contains("data:"), "{body}");
    }
}
