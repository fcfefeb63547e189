//! The article lists of a section page: repeated blocks, each holding a link to an article
//! of the same site, found without any rule.
//!
//! Every link to a same-site URL that looks like an article (not a tag, author or search
//! page) is an item seed. Its **item** is the largest element around it that holds no other
//! article's link. Items whose paths from `<body>` read the same (tags and stable classes:
//! generated class names and ids are ignored) form a candidate **list**. Lists score by their
//! size and title lengths, weighed down inside navigation, headers, footers, asides and
//! "most read" boxes, up inside `<main>` and content regions, and up when the page's JSON-LD
//! `ItemList` names the same URLs. For the best lists a CSS selector is built from the path's
//! end — the shortest that selects exactly the list's items on this page — and, inside an
//! item, selectors for the link, the title, the teaser, the image and the date.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ego_tree::NodeId;
use regex::Regex;
use scraper::node::Element;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::html::element_text;

/// A list needs this many items.
const MIN_ITEMS: usize = 3;

/// One candidate list, with the selectors that read it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct List {
    /// `listing.items`.
    pub items: String,
    /// How many elements `items` selects on the page.
    pub count: usize,
    pub link: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub image: Option<String>,
    /// The date's selector and whether it is a `datetime` attribute (else printed text).
    pub published: Option<(String, bool)>,
    /// The first items: (title, absolute link, date text).
    pub sample: Vec<(String, String, Option<String>)>,
    pub score: f64,
    /// Where on the page the list sits, for the explanation.
    pub region: &'static str,
}

static UNSTABLE: LazyLock<Regex> = LazyLock::new(|| {
    // Generated names: css-1x2y3z, sc-AbCdE, jsx-123456, hashes, anything with 3+ digits.
    Regex::new(r"^(css|sc|jsx|emotion|svelte|tw)-|[0-9].*[0-9].*[0-9]|^[a-zA-Z0-9_-]{20,}$|^_")
        .expect("static regex")
});

static FURNITURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)nav|menu|footer|header|sidebar|aside|popular|most-?read|trending|related|breadcrumb|banner|promo|sponsor|widget|toolbar|social|share|subscribe|newsletter|cookie|ticker|tabs?(\b|[-_])")
        .expect("static regex")
});

static CONTENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)main|content|article-?list|news-?list|post-?list|feed|stream|river|latest|archive|results|listing|section-?page")
        .expect("static regex")
});

/// Paths that name pages about articles, not articles.
static NOT_ARTICLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^/(tags?|topics?|category|categories|author|authors|people|search|login|signin|register|account|subscribe|about|contact|privacy|terms|page|feed|rss|newsletters?|video|videos|live|weather|horoscope)(/|$)|/(page|tag|author|category)/")
        .expect("static regex")
});

fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

/// Whether `url` looks like an article of the site at `page`: same host, a path with a
/// slug or a number, not a tag, author or search page, not the page itself.
pub(super) fn article_like(url: &Url, page: &Url) -> bool {
    let host = |u: &Url| {
        u.host_str()
            .map(|h| h.trim_start_matches("www.").to_string())
    };
    if !matches!(url.scheme(), "http" | "https") || host(url) != host(page) {
        return false;
    }
    let path = url.path();
    if path.trim_end_matches('/') == page.path().trim_end_matches('/') || path.len() < 2 {
        return false;
    }
    if NOT_ARTICLE.is_match(path) {
        return false;
    }
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let slug = last.matches(['-', '_']).count() >= 2;
    let numbered = path.chars().filter(char::is_ascii_digit).count() >= 4;
    let page_file = [".html", ".htm", ".shtml", ".php", ".aspx"]
        .iter()
        .any(|x| last.ends_with(x));
    slug || numbered || page_file || url.query().is_some_and(|q| q.contains("id="))
}

/// An element's stable classes, sorted: generated names left out.
fn stable_classes(e: &Element) -> Vec<String> {
    let mut classes: Vec<String> = e
        .classes()
        .filter(|c| !UNSTABLE.is_match(c) && c.len() <= 40)
        .map(|c| c.to_string())
        .collect();
    classes.sort();
    classes.dedup();
    classes
}

/// `tag.class1.class2` of an element (classes escaped for CSS where needed).
fn part(e: &Element) -> String {
    let mut out = e.name().to_string();
    for c in stable_classes(e) {
        out.push('.');
        out.push_str(&css_escape(&c));
    }
    out
}

fn css_escape(ident: &str) -> String {
    let mut out = String::new();
    for (i, ch) in ident.chars().enumerate() {
        if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' || !ch.is_ascii() {
            if i == 0 && ch.is_ascii_digit() {
                out.push_str(&format!("\\3{ch} "));
            } else {
                out.push(ch);
            }
        } else {
            out.push('\\');
            out.push(ch);
        }
    }
    out
}

/// The path of parts from below `<body>` down to `e`.
fn path_of(e: ElementRef<'_>) -> Vec<String> {
    let mut parts: Vec<String> = e
        .ancestors()
        .filter_map(ElementRef::wrap)
        .take_while(|a| !matches!(a.value().name(), "body" | "html"))
        .map(|a| part(a.value()))
        .collect();
    parts.reverse();
    parts.push(part(e.value()));
    parts
}

/// One item seed: the article link and the item element around it.
struct Seed<'h> {
    item: ElementRef<'h>,
    url: Url,
}

/// Every candidate list on the page, best first.
pub fn candidates(html: &Html, page: &Url, item_list: &HashSet<String>) -> Vec<List> {
    static LINKS: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse("a[href]").expect("static selector"));
    let root = html.root_element();
    // Article URLs under each element, to find each link's item.
    let mut under: HashMap<NodeId, HashSet<String>> = HashMap::new();
    let mut links: Vec<(ElementRef<'_>, Url)> = Vec::new();
    for a in root.select(&LINKS) {
        let Some(url) = a
            .value()
            .attr("href")
            .and_then(|h| page.join(h.trim()).ok())
        else {
            continue;
        };
        if !article_like(&url, page) {
            continue;
        }
        let mut key = url.clone();
        key.set_fragment(None);
        for ancestor in a.ancestors().take(40) {
            under
                .entry(ancestor.id())
                .or_default()
                .insert(key.to_string());
        }
        links.push((a, key));
    }
    let mut seeds: Vec<Seed<'_>> = Vec::new();
    let mut seen_items: HashSet<NodeId> = HashSet::new();
    for (a, url) in links {
        let mut item = a;
        for ancestor in a.ancestors().filter_map(ElementRef::wrap) {
            if matches!(ancestor.value().name(), "body" | "html") {
                break;
            }
            if under.get(&ancestor.id()).map_or(0, HashSet::len) > 1 {
                break;
            }
            item = ancestor;
        }
        if seen_items.insert(item.id()) {
            seeds.push(Seed { item, url });
        }
    }
    let mut groups: HashMap<Vec<String>, Vec<Seed<'_>>> = HashMap::new();
    for seed in seeds {
        groups.entry(path_of(seed.item)).or_default().push(seed);
    }
    let mut lists: Vec<List> = groups
        .into_iter()
        .filter(|(_, seeds)| seeds.len() >= MIN_ITEMS)
        .filter_map(|(path, seeds)| list(html, page, &path, &seeds, item_list))
        .collect();
    lists.sort_by(|a, b| b.score.total_cmp(&a.score));
    lists
}

/// The list the seeds make, with its selectors; `None` when no selector reads it.
fn list(
    html: &Html,
    page: &Url,
    path: &[String],
    seeds: &[Seed<'_>],
    item_list: &HashSet<String>,
) -> Option<List> {
    let wanted: HashSet<NodeId> = seeds.iter().map(|s| s.item.id()).collect();
    let items = items_selector(html, path, &wanted)?;
    let first = seeds[0].item;
    // The link in the title's heading when there is one (an image link often comes first).
    let heading_link = heading(first).and_then(|h| {
        let a = h
            .select(&selector("a[href]")?)
            .next()
            .or_else(|| (h.value().name() == "a").then_some(h))?;
        let css = relative(first, a)?;
        let sel = selector(&css)?;
        let agree = seeds
            .iter()
            .filter(|s| {
                s.item.select(&sel).next().is_some_and(|e| {
                    e.value()
                        .attr("href")
                        .and_then(|h| page.join(h.trim()).ok())
                        .is_some_and(|u| u.path() == s.url.path())
                })
            })
            .count();
        (agree * 5 >= seeds.len() * 4).then_some(css)
    });
    let link = heading_link
        .or_else(|| {
            field_selector(
                seeds,
                |e| e.value().name() == "a",
                |s, e| {
                    e.value()
                        .attr("href")
                        .and_then(|h| page.join(h.trim()).ok())
                        .is_some_and(|u| u.path() == s.url.path())
                },
            )
        })
        .unwrap_or_else(|| "a".to_string());
    let title_of = heading;
    let title = title_of(first).and_then(|h| {
        let css = relative(first, h)?;
        let sel = selector(&css)?;
        let agree = seeds
            .iter()
            .filter(|s| {
                s.item.select(&sel).next().map(element_text) == title_of(s.item).map(element_text)
            })
            .count();
        (agree * 5 >= seeds.len() * 4).then_some(css)
    });
    let titles: Vec<String> = seeds
        .iter()
        .map(|s| {
            title_of(s.item)
                .map(element_text)
                .unwrap_or_else(|| link_text(s.item, &link))
        })
        .collect();
    let mean_title =
        titles.iter().map(|t| t.chars().count()).sum::<usize>() as f64 / titles.len().max(1) as f64;
    let summary = first_relative(
        seeds,
        "p, [class*=summary], [class*=excerpt], [class*=lead], [class*=dek], [class*=teaser]",
        |e| element_text(e).chars().count() >= 40,
        &titles,
    );
    let image = first_relative(seeds, "img", |_| true, &titles);
    let time = first_relative(seeds, "time[datetime]", |_| true, &titles);
    let published = match time {
        Some(css) => Some((css, true)),
        None => first_relative(
            seeds,
            "[class*=date], [class*=time], time",
            |e| element_text(e).chars().any(|c| c.is_ascii_digit()),
            &titles,
        )
        .map(|css| (css, false)),
    };
    let (region, weight) = region(first);
    let named = seeds
        .iter()
        .filter(|s| item_list.contains(s.url.as_str()))
        .count() as f64;
    let score = seeds.len() as f64
        * mean_title.min(120.0).sqrt()
        * weight
        * (1.0 + named / seeds.len() as f64)
        * if mean_title < 12.0 { 0.3 } else { 1.0 };
    let sample = seeds
        .iter()
        .zip(&titles)
        .take(5)
        .map(|(s, t)| {
            let date = published.as_ref().and_then(|(css, attr)| {
                let e = s.item.select(&selector(css)?).next()?;
                if *attr {
                    e.value().attr("datetime").map(str::to_string)
                } else {
                    Some(element_text(e))
                }
            });
            (t.clone(), s.url.to_string(), date)
        })
        .collect();
    Some(List {
        count: wanted.len(),
        items,
        link,
        title,
        summary,
        image,
        published,
        sample,
        score,
        region,
    })
}

/// The item's title element: its first heading (or titled element) with some text.
fn heading(item: ElementRef<'_>) -> Option<ElementRef<'_>> {
    static HEADING: LazyLock<Selector> = LazyLock::new(|| {
        Selector::parse("h1, h2, h3, h4, h5, h6, [class*=title], [class*=headline]")
            .expect("static selector")
    });
    item.select(&HEADING)
        .find(|h| element_text(*h).chars().count() >= 8)
}

fn link_text(item: ElementRef<'_>, link: &str) -> String {
    selector(link)
        .and_then(|s| item.select(&s).next())
        .map(element_text)
        .unwrap_or_else(|| element_text(item))
}

/// Where the list sits, and how that weighs it: furniture down, content regions up.
fn region(item: ElementRef<'_>) -> (&'static str, f64) {
    for ancestor in item.ancestors().filter_map(ElementRef::wrap) {
        let e = ancestor.value();
        let name = e.name();
        if matches!(name, "nav" | "footer" | "aside" | "header") {
            return ("navigation, header, footer or aside", 0.1);
        }
        if matches!(
            e.attr("role"),
            Some("navigation" | "banner" | "contentinfo" | "complementary")
        ) {
            return ("navigation, header, footer or aside", 0.1);
        }
        let words = format!(
            "{} {}",
            e.attr("class").unwrap_or(""),
            e.attr("id").unwrap_or("")
        );
        if FURNITURE.is_match(&words) && !CONTENT.is_match(&words) {
            return ("a box of other links (menu, most read, related)", 0.3);
        }
        if name == "main" || e.attr("role") == Some("main") || CONTENT.is_match(&words) {
            return ("the page's main content", 1.5);
        }
    }
    ("the page's body", 1.0)
}

/// The shortest selector, built from the path's end, that selects exactly `wanted`.
fn items_selector(html: &Html, path: &[String], wanted: &HashSet<NodeId>) -> Option<String> {
    let root = html.root_element();
    let exact = |css: &str| -> bool {
        selector(css).is_some_and(|s| {
            let got: HashSet<NodeId> = root.select(&s).map(|e| e.id()).collect();
            got == *wanted
        })
    };
    let n = path.len();
    let last = &path[n - 1];
    // The item's own part, then with one or two classed ancestors before it.
    if last.contains('.') && exact(last) {
        return Some(last.clone());
    }
    let classed: Vec<&String> = path[..n - 1]
        .iter()
        .rev()
        .filter(|p| p.contains('.'))
        .collect();
    for ancestor in classed.iter().take(4) {
        let css = format!("{ancestor} {last}");
        if exact(&css) {
            return Some(css);
        }
    }
    for (i, a) in classed.iter().enumerate().take(4) {
        for b in classed.iter().skip(i + 1).take(3) {
            let css = format!("{b} {a} {last}");
            if exact(&css) {
                return Some(css);
            }
        }
    }
    let full = path.join(" > ");
    exact(&full)
        .then_some(format!("body > {full}"))
        .or_else(|| {
            // The full path may select the same items under other parents too: fine if exact.
            let css = format!("body > {full}");
            exact(&css).then_some(css)
        })
}

/// A selector, relative to the item, for the element `target` inside `item`.
fn relative(item: ElementRef<'_>, target: ElementRef<'_>) -> Option<String> {
    if item.id() == target.id() {
        return None;
    }
    let own = part(target.value());
    let parent = target
        .parent()
        .and_then(ElementRef::wrap)
        .filter(|p| p.id() != item.id())
        .map(|p| part(p.value()));
    let mut tries = vec![own.clone()];
    if let Some(parent) = parent {
        tries.push(format!("{parent} {own}"));
    }
    tries.push(target.value().name().to_string());
    tries.into_iter().find(|css| {
        selector(css)
            .and_then(|s| item.select(&s).next())
            .map(|e| e.id())
            == Some(target.id())
    })
}

/// The link's selector: relative to the item, agreeing on (almost) every item.
fn field_selector(
    seeds: &[Seed<'_>],
    is: impl Fn(ElementRef<'_>) -> bool,
    right: impl Fn(&Seed<'_>, ElementRef<'_>) -> bool,
) -> Option<String> {
    let first = &seeds[0];
    if is(first.item) {
        return Some("a".to_string());
    }
    let target = first
        .item
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| is(*e) && right(first, *e))?;
    let css = relative(first.item, target)?;
    let sel = selector(&css)?;
    let agree = seeds
        .iter()
        .filter(|s| s.item.select(&sel).next().is_some_and(|e| right(s, e)))
        .count();
    (agree * 5 >= seeds.len() * 4).then_some(css)
}

/// A selector for the first element matching `css` in the first item that `keep` accepts
/// and that most items have; not the title again.
fn first_relative(
    seeds: &[Seed<'_>],
    css: &str,
    keep: impl Fn(ElementRef<'_>) -> bool,
    titles: &[String],
) -> Option<String> {
    let candidates = selector(css)?;
    let first = seeds[0].item;
    let target = first
        .select(&candidates)
        .find(|e| keep(*e) && element_text(*e) != titles[0])?;
    let rel = relative(first, target)?;
    let sel = selector(&rel)?;
    let have = seeds
        .iter()
        .filter(|s| s.item.select(&sel).next().is_some_and(|e| keep(e)))
        .count();
    (have * 2 >= seeds.len()).then_some(rel)
}
