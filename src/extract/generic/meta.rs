//! Every field but the body, from what real pages carry for machines: the main article's
//! JSON-LD, Open Graph and `article:*` metas, Parse.ly (`parsely-page`, `parsely-*`),
//! Sailthru, Dublin Core, microdata (`itemprop`), then the markup a reader sees (`<h1>`,
//! `<time datetime>` in the article's header, bylines, `rel=author`).
//!
//! Each value says which step produced it (`Found::rule`, shown by `check`). Dates keep every
//! candidate in trust order — the main article's JSON-LD, then metas, then the header's
//! `<time>` — so the date stage takes the most trusted one and reports disagreements; a
//! modification time is only ever a candidate for `updated`.

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use std::sync::LazyLock;

use super::super::json_ld::{json_values, same_page};
use super::super::Found;
use super::title;
use super::Page;
use crate::html::{collapse_whitespace, element_text, json_text};

/// Metas holding the publication time, most trusted first.
const PUBLISHED_METAS: [&str; 22] = [
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date.created",
    "dc.date",
    "dcterms.date",
    "datepublished",
    "article.published",
    "article_date_original",
    "original-publish-date",
    "publication_date",
    "publish-date",
    "publish_date",
    "publishdate",
    "pubdate",
    "cxenseparse:recs:publishtime",
    "date",
];

/// A block around the headline with more text than this is not its header.
const HEADER_TEXT: usize = 1000;

/// Metas holding the modification time.
const UPDATED_METAS: [&str; 6] = [
    "article:modified_time",
    "og:updated_time",
    "dcterms.modified",
    "dc.date.modified",
    "datemodified",
    "last-modified",
];

fn found<T>(value: T, step: &str, structured: bool) -> Found<T> {
    Found {
        value,
        rule: format!("generic: {step}"),
        structured,
    }
}

impl Page<'_> {
    fn meta(&self, name: &str) -> Option<&str> {
        self.meta
            .get(name)
            .and_then(|values| values.iter().map(|v| v.trim()).find(|v| !v.is_empty()))
    }

    fn metas(&self, name: &str) -> impl Iterator<Item = &str> {
        self.meta
            .get(name)
            .into_iter()
            .flatten()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The first string at `path` of the main article's JSON-LD.
    fn article(&self, path: &[&str]) -> Option<String> {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        let main = self.main?;
        json_values(main, &path)
            .into_iter()
            .map(|v| json_text(&v))
            .find(|v| !v.is_empty())
    }

    /// With no article in the JSON-LD, the `datePublished` of the `WebPage` object that is
    /// this page (its `url` or `@id`): what SEO plugins (Yoast) write for a post.
    fn web_page_date(&self) -> Option<String> {
        self.json_ld.objects.iter().find_map(|object| {
            let is_page = match object.get("@type") {
                Some(Value::String(t)) => t.ends_with("WebPage"),
                Some(Value::Array(ts)) => ts
                    .iter()
                    .any(|t| t.as_str().is_some_and(|t| t.ends_with("WebPage"))),
                _ => false,
            };
            let this_page = ["url", "@id"].iter().any(|key| {
                object
                    .get(*key)
                    .and_then(Value::as_str)
                    .is_some_and(|named| same_page(named, self.url))
            });
            (is_page && this_page)
                .then(|| object.get("datePublished")?.as_str().map(json_text))
                .flatten()
                .filter(|v| !v.is_empty())
        })
    }

    /// A field of the `parsely-page` meta, a JSON object.
    fn parsely(&self, key: &str) -> Option<Value> {
        let page: Value = serde_json::from_str(self.meta("parsely-page")?).ok()?;
        page.get(key).cloned()
    }

    fn article_type(&self) -> String {
        self.main
            .and_then(|m| m.get("@type"))
            .map(|t| match t {
                Value::Array(ts) => ts.first().and_then(Value::as_str).unwrap_or("?"),
                other => other.as_str().unwrap_or("?"),
            })
            .unwrap_or("?")
            .to_string()
    }

    pub(super) fn title(&self) -> Option<Found<String>> {
        let sites = title::site_names(self);
        let ld = format!("JSON-LD {} headline", self.article_type());
        let candidates = [
            (self.article(&["headline"]), ld.as_str(), true),
            (self.meta("og:title").map(json_text), "meta og:title", true),
            (
                self.meta("twitter:title").map(json_text),
                "meta twitter:title",
                true,
            ),
            (
                self.parsely("title")
                    .and_then(|v| v.as_str().map(json_text)),
                "meta parsely-page title",
                true,
            ),
            (self.headline(), "the article's <h1>", false),
            (self.html_title(), "<title>", false),
        ];
        for (value, step, structured) in candidates {
            let Some(value) = value else { continue };
            let value = title::without_site(&value, &sites);
            if !value.is_empty() && !title::is_site_name(&value, &sites) {
                return Some(found(value, step, structured));
            }
        }
        None
    }

    pub(super) fn summary(&self) -> Option<Found<String>> {
        let ld = format!("JSON-LD {} description", self.article_type());
        let summary = [
            (self.article(&["description"]), ld.as_str()),
            (
                self.meta("og:description").map(json_text),
                "meta og:description",
            ),
            (
                self.meta("twitter:description").map(json_text),
                "meta twitter:description",
            ),
            (self.meta("description").map(json_text), "meta description"),
            (
                self.meta("dc.description").map(json_text),
                "meta dc.description",
            ),
        ]
        .into_iter()
        .find_map(|(value, step)| Some(found(value.filter(|v| !v.is_empty())?, step, true)));
        summary
    }

    pub(super) fn author(&self) -> Option<Found<String>> {
        let ld = format!("JSON-LD {} author", self.article_type());
        let from_ld = self.main.map(|main| {
            let named = json_values(main, &["author".into(), "name".into()]);
            if named.is_empty() {
                // `"author": "Jane Doe"` (or a list of strings); not an `@id` or a URL.
                match main.get("author") {
                    Some(Value::String(s)) => vec![s.clone()],
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                }
            } else {
                named
            }
        });
        let metas = |name: &str| -> Vec<String> { self.metas(name).map(json_text).collect() };
        let parsely = self.parsely("authors").or_else(|| self.parsely("author"));
        let candidates: Vec<(Vec<String>, String, bool)> = vec![
            (from_ld.unwrap_or_default(), ld, true),
            (metas("author"), "meta author".into(), true),
            (metas("article:author"), "meta article:author".into(), true),
            (metas("parsely-author"), "meta parsely-author".into(), true),
            (
                parsely.map(|v| json_values(&v, &[])).unwrap_or_default(),
                "meta parsely-page authors".into(),
                true,
            ),
            (
                metas("sailthru.author"),
                "meta sailthru.author".into(),
                true,
            ),
            (metas("dc.creator"), "meta dc.creator".into(), true),
            (
                metas("dcterms.creator"),
                "meta dcterms.creator".into(),
                true,
            ),
            (self.bylines(), "the byline".into(), false),
        ];
        candidates
            .into_iter()
            .find_map(|(names, step, structured)| {
                let names: Vec<String> =
                    names
                        .iter()
                        .filter_map(|n| person(n))
                        .fold(Vec::new(), |mut out, n| {
                            if !out.contains(&n) {
                                out.push(n);
                            }
                            out
                        });
                (!names.is_empty()).then(|| found(names.join(", "), &step, structured))
            })
    }

    pub(super) fn tags(&self) -> Option<Found<Vec<String>>> {
        let ld = format!("JSON-LD {} keywords", self.article_type());
        let split = |values: Vec<String>| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for value in values {
                for tag in value.split(',').map(|t| json_text(t.trim())) {
                    if !tag.is_empty() && !out.contains(&tag) {
                        out.push(tag);
                    }
                }
            }
            out
        };
        let metas = |name: &str| -> Vec<String> { self.metas(name).map(str::to_string).collect() };
        [
            (metas("article:tag"), "meta article:tag".to_string()),
            (
                self.main
                    .map(|m| json_values(m, &["keywords".into()]))
                    .unwrap_or_default(),
                ld,
            ),
            (
                self.parsely("tags")
                    .map(|v| json_values(&v, &[]))
                    .unwrap_or_default(),
                "meta parsely-page tags".into(),
            ),
            (metas("parsely-tags"), "meta parsely-tags".into()),
            (metas("news_keywords"), "meta news_keywords".into()),
            (metas("sailthru.tags"), "meta sailthru.tags".into()),
        ]
        .into_iter()
        .find_map(|(values, step)| {
            let tags = split(values);
            (!tags.is_empty()).then(|| found(tags, &step, true))
        })
    }

    pub(super) fn image(&self) -> Option<Found<String>> {
        let ld = format!("JSON-LD {} image", self.article_type());
        let from_ld = self.main.and_then(|m| {
            let path: &[String] = &["image".into()];
            json_values(m, path)
                .into_iter()
                .next()
                .or_else(|| json_values(m, &["thumbnailUrl".into()]).into_iter().next())
        });
        let image = [
            (self.meta("og:image").map(str::to_string), "meta og:image"),
            (
                self.meta("og:image:secure_url").map(str::to_string),
                "meta og:image:secure_url",
            ),
            (
                self.meta("og:image:url").map(str::to_string),
                "meta og:image:url",
            ),
            (from_ld, ld.as_str()),
            (
                self.meta("twitter:image").map(str::to_string),
                "meta twitter:image",
            ),
            (
                self.parsely("image_url")
                    .and_then(|v| v.as_str().map(str::to_string)),
                "meta parsely-page image_url",
            ),
        ]
        .into_iter()
        .find_map(|(value, step)| {
            let absolute = self.url.join(value?.trim()).ok()?;
            Some(found(absolute.to_string(), step, true))
        });
        image
    }

    /// Every publication time the page states, most trusted first, each value once.
    pub(super) fn published(&self) -> Vec<Found<String>> {
        let mut out = Vec::new();
        if let Some(v) = self.article(&["datePublished"]) {
            out.push(found(
                v,
                &format!("JSON-LD {} datePublished", self.article_type()),
                true,
            ));
        }
        if self.main.is_none() {
            if let Some(v) = self.web_page_date() {
                out.push(found(v, "JSON-LD WebPage datePublished", true));
            }
        }
        for name in PUBLISHED_METAS {
            if let Some(v) = self.meta(name) {
                out.push(found(v.to_string(), &format!("meta {name}"), true));
            }
            if name == "parsely-pub-date" {
                if let Some(v) = self
                    .parsely("pub_date")
                    .and_then(|v| v.as_str().map(String::from))
                {
                    out.push(found(v, "meta parsely-page pub_date", true));
                }
            }
        }
        if let Some(html) = self.html {
            out.extend(header_times(html));
        }
        offset_from_twin(dedup_values(out))
    }

    /// The main article's JSON-LD `articleBody`, as written (lines kept), with its step.
    pub(super) fn article_body(&self) -> Option<(String, String)> {
        let body = self.main?.get("articleBody")?.as_str()?;
        let text = html_escape::decode_html_entities(body).trim().to_string();
        (!text.is_empty()).then(|| (text, format!("JSON-LD {} articleBody", self.article_type())))
    }

    /// Every modification time the page states, most trusted first.
    pub(super) fn updated(&self) -> Vec<Found<String>> {
        let mut out = Vec::new();
        if let Some(v) = self.article(&["dateModified"]) {
            out.push(found(
                v,
                &format!("JSON-LD {} dateModified", self.article_type()),
                true,
            ));
        }
        for name in UPDATED_METAS {
            if let Some(v) = self.meta(name) {
                out.push(found(v.to_string(), &format!("meta {name}"), true));
            }
        }
        dedup_values(out)
    }

    /// The text of the article's own `<h1>` (see [`article_h1`]).
    fn headline(&self) -> Option<String> {
        Some(element_text(article_h1(self.html?)?)).filter(|t| !t.is_empty())
    }

    fn html_title(&self) -> Option<String> {
        static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("head title, title"));
        let t = element_text(self.html?.root_element().select(&TITLE).next()?);
        Some(t).filter(|t| !t.is_empty())
    }

    /// Names in the page's bylines: `rel=author` links, microdata authors, `.byline`.
    fn bylines(&self) -> Vec<String> {
        static BYLINE: LazyLock<Selector> = LazyLock::new(|| {
            selector(
                "[itemprop=author] [itemprop=name], a[rel=author], [rel=author], \
                 [itemprop=author], .byline__name, .author-name, .byline, [class*=byline]",
            )
        });
        let Some(html) = self.html else {
            return Vec::new();
        };
        html.root_element()
            .select(&BYLINE)
            .take(8)
            .map(element_text)
            .filter(|t| !t.is_empty())
            .take(1)
            .collect()
    }
}

/// The article's own `<h1>`: the only one on the page, else the first inside `<article>` or
/// `<main>` (or marked `itemprop=headline`), else the first whose class names a title (the
/// others are then the site's logo).
fn article_h1(html: &Html) -> Option<ElementRef<'_>> {
    static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
    static IN_ARTICLE: LazyLock<Selector> =
        LazyLock::new(|| selector("article h1, main h1, h1[itemprop=headline]"));
    let root = html.root_element();
    let all: Vec<ElementRef<'_>> = root.select(&H1).take(2).collect();
    match all.as_slice() {
        [only] => Some(*only),
        [] => None,
        _ => root.select(&IN_ARTICLE).next().or_else(|| {
            root.select(&H1).find(|h| {
                let words = format!(
                    "{} {}",
                    h.value().attr("class").unwrap_or(""),
                    h.value().attr("id").unwrap_or("")
                )
                .to_ascii_lowercase();
                ["title", "titre", "headline", "heading"]
                    .iter()
                    .any(|w| words.contains(w))
            })
        }),
    }
}

/// A person's name from a byline or a meta: "By " cut, URLs and long texts refused.
fn person(raw: &str) -> Option<String> {
    let text = collapse_whitespace(raw);
    let lower = text.to_lowercase();
    let text = if lower.starts_with("by ") {
        text[3..].trim().to_string()
    } else {
        text
    };
    let looks_like_name = !text.is_empty()
        && !text.contains("://")
        && !text.starts_with('/')
        && text.chars().count() <= 120
        && text.split_whitespace().count() <= 12;
    looks_like_name.then_some(text)
}

/// Publication times the page's markup states for machines, each only where it surely
/// belongs to this article (a time anywhere else may be a related story's or a comment's):
/// - microdata `itemprop=datePublished` whose item is an article (or a page), not a comment;
/// - hAtom `.published[title]`, when the page holds exactly one;
/// - in the header (or `<article>`) that holds the page's `<h1>`: a time marked `pubdate`,
///   else its first `<time datetime>`.
fn header_times(html: &Html) -> Vec<Found<String>> {
    static MICRODATA: LazyLock<Selector> = LazyLock::new(|| {
        selector("[itemprop=datePublished][datetime], [itemprop=datePublished][content]")
    });
    static HATOM: LazyLock<Selector> =
        LazyLock::new(|| selector("abbr.published[title], .hentry .published[title]"));
    static PUBDATE: LazyLock<Selector> = LazyLock::new(|| selector("time[pubdate][datetime]"));
    static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));
    let root = html.root_element();
    let mut out = Vec::new();
    let article_item = |e: &ElementRef<'_>| {
        let item = e
            .ancestors()
            .filter_map(ElementRef::wrap)
            .find(|a| a.value().attr("itemscope").is_some());
        item.is_none_or(|item| {
            item.value().attr("itemtype").is_some_and(|t| {
                let t = t.rsplit('/').next().unwrap_or(t);
                t.ends_with("Article") || t.ends_with("Posting") || t.ends_with("WebPage")
            })
        })
    };
    if let Some(marked) = root.select(&MICRODATA).find(article_item) {
        let e = marked.value();
        if let Some(v) = e.attr("datetime").or_else(|| e.attr("content")) {
            out.push(found(v.trim().to_string(), "microdata datePublished", true));
        }
    }
    let hatom: Vec<ElementRef<'_>> = root.select(&HATOM).take(2).collect();
    if let [only] = hatom.as_slice() {
        if let Some(v) = only.value().attr("title") {
            out.push(found(v.trim().to_string(), "hAtom .published", true));
        }
    }
    // The article's header: the smallest block around its `<h1>` that holds a time, when
    // that block is a header's size (a page's or an article's whole text is not a header).
    let header_time = article_h1(html).and_then(|h1| {
        h1.ancestors()
            .filter_map(ElementRef::wrap)
            .take_while(|block| !matches!(block.value().name(), "body" | "html"))
            .take(4)
            .find_map(|block| {
                let time = block
                    .select(&PUBDATE)
                    .next()
                    .or_else(|| block.select(&TIME).next())?;
                (element_text(block).chars().count() <= HEADER_TEXT).then_some(time)
            })
    });
    if let Some(v) = header_time.and_then(|t| t.value().attr("datetime")) {
        out.push(found(
            v.trim().to_string(),
            "<time datetime> in the article header",
            true,
        ));
    }
    out
}

/// Many pages write their JSON-LD time without an offset and the same wall-clock time with
/// one in a meta tag: read alone, the first would be taken in the site's zone, hours off.
/// When the most trusted candidate has no offset and a later one is the same minute with an
/// offset, that one goes first.
fn offset_from_twin(mut found: Vec<Found<String>>) -> Vec<Found<String>> {
    let minute = |v: &str| -> Option<String> {
        let v = v.trim();
        (v.len() >= 16
            && v.as_bytes()
                .get(10)
                .is_some_and(|b| *b == b'T' || *b == b' '))
        .then(|| format!("{}T{}", &v[..10], &v[11..16]))
    };
    let has_offset = |v: &str| {
        let v = v.trim();
        let Some(time) = v.get(11..) else {
            return false;
        };
        time.ends_with('Z') || time.contains('+') || time[1..].contains('-')
    };
    let Some(first) = found.first() else {
        return found;
    };
    if has_offset(&first.value) {
        return found;
    }
    let Some(wanted) = minute(&first.value) else {
        return found;
    };
    if let Some(at) = found
        .iter()
        .position(|f| has_offset(&f.value) && minute(&f.value).as_ref() == Some(&wanted))
    {
        let twin = found.remove(at);
        found.insert(0, twin);
    }
    found
}

fn dedup_values(found: Vec<Found<String>>) -> Vec<Found<String>> {
    let mut out: Vec<Found<String>> = Vec::with_capacity(found.len());
    for f in found {
        if !f.value.is_empty() && !out.iter().any(|o| o.value == f.value) {
            out.push(f);
        }
    }
    out
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector")
}
