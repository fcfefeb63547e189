//! What a section page says about itself: its feeds, language, name, next page, the URLs its
//! JSON-LD `ItemList` names; and whether it is a section page at all.

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::DateTime;
use scraper::{Html, Selector};
use url::Url;

use super::{List, SuggestError};
use crate::html::element_text;

fn select(css: &str) -> Selector {
    Selector::parse(css).expect("static selector")
}

/// A page that is not HTML: JSON, a feed, or plain text.
pub(super) fn refuse_non_html(text: &str, shown: &str) -> Result<(), SuggestError> {
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let head: String = start
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    if start.starts_with('{') || start.starts_with('[') {
        return Err(SuggestError::NotHtml(
            shown.to_string(),
            "it is JSON: declare a JSON listing, docs/config.md \"[site.listing]\", type = \"json\"",
        ));
    }
    if head.contains("<rss") || head.contains("<feed") || head.contains("<rdf:rdf") {
        return Err(SuggestError::NotHtml(
            shown.to_string(),
            "it is already a feed: subscribe to it directly",
        ));
    }
    if !head.contains('<') {
        return Err(SuggestError::NotHtml(shown.to_string(), "no markup at all"));
    }
    Ok(())
}

pub(super) fn has_password_field(html: &Html) -> bool {
    static PASSWORD: LazyLock<Selector> = LazyLock::new(|| select("input[type=password]"));
    html.root_element().select(&PASSWORD).next().is_some()
}

/// Scripts and almost no text: the content comes from an API.
pub(super) fn is_app_shell(html: &Html) -> bool {
    static BODY: LazyLock<Selector> = LazyLock::new(|| select("body"));
    static SCRIPT: LazyLock<Selector> = LazyLock::new(|| select("script"));
    let text = html
        .root_element()
        .select(&BODY)
        .next()
        .map(|b| {
            b.text()
                .filter(|t| !t.trim().is_empty())
                .map(str::len)
                .sum::<usize>()
        })
        .unwrap_or(0);
    let scripts = html.root_element().select(&SCRIPT).count();
    scripts > 0 && text < 500
}

/// Feeds the page links to: `<link rel=alternate>` of a feed type, and links whose path ends
/// like a feed's.
pub(super) fn feeds(html: &Html, page: &Url) -> Vec<(String, String)> {
    static ALTERNATE: LazyLock<Selector> = LazyLock::new(|| {
        select("link[rel~=alternate][href][type*=rss], link[rel~=alternate][href][type*=atom], link[rel~=alternate][href][type*='feed+json']")
    });
    static LINKS: LazyLock<Selector> = LazyLock::new(|| select("a[href]"));
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |name: String, href: &str| {
        if let Ok(url) = page.join(href.trim()) {
            let url = url.to_string();
            if !out.iter().any(|(_, u)| *u == url) {
                out.push((name, url));
            }
        }
    };
    for link in html.root_element().select(&ALTERNATE) {
        let e = link.value();
        let name = e
            .attr("title")
            .or(e.attr("type"))
            .unwrap_or("feed")
            .to_string();
        push(name, e.attr("href").unwrap_or_default());
    }
    for a in html.root_element().select(&LINKS) {
        let href = a.value().attr("href").unwrap_or_default();
        let path = href
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if [
            "/rss",
            "/feed",
            ".rss",
            "/rss.xml",
            "/feed.xml",
            "/atom.xml",
            "/index.xml",
        ]
        .iter()
        .any(|end| path.ends_with(end))
        {
            push(element_text(a), href);
        }
    }
    out.truncate(10);
    out
}

/// The URLs a JSON-LD `ItemList` (or `CollectionPage`'s `hasPart`) names.
pub(super) fn item_list_urls(html: &Html, page: &Url) -> HashSet<String> {
    static LD: LazyLock<Selector> =
        LazyLock::new(|| select(r#"script[type="application/ld+json"]"#));
    let mut out = HashSet::new();
    for script in html.root_element().select(&LD) {
        let text: String = script.text().collect();
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text.trim()) else {
            continue;
        };
        let mut stack = vec![&value];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Array(items) => stack.extend(items),
                serde_json::Value::Object(map) => {
                    for key in ["url", "@id"] {
                        if let Some(u) = map.get(key).and_then(|u| u.as_str()) {
                            if let Ok(mut u) = page.join(u) {
                                u.set_fragment(None);
                                out.insert(u.to_string());
                            }
                        }
                    }
                    stack.extend(map.values());
                }
                _ => {}
            }
            if out.len() > 1000 {
                break;
            }
        }
    }
    out
}

/// The next-page link's selector: `rel=next`, or a pagination link saying "next".
pub(super) fn next_link(html: &Html) -> Option<String> {
    let root = html.root_element();
    for css in ["a[rel~=next]", "link[rel~=next]"] {
        if root.select(&select(css)).next().is_some() {
            return Some(css.replace("~=", "="));
        }
    }
    static CLASSED: LazyLock<Selector> = LazyLock::new(|| {
        select("a.next, a.next-page, .pagination a.next, a[class*=pagination__next], a[class*=pager__next], .pager-next a, .nav-previous a")
    });
    if let Some(a) = root.select(&CLASSED).next() {
        let class = a
            .value()
            .classes()
            .find(|c| c.contains("next") || c.contains("previous"));
        return Some(match class {
            Some(c) => format!("a.{c}"),
            None => ".pager-next a".to_string(),
        });
    }
    None
}

/// `<html lang>` or the page's language meta, primary subtag.
pub(super) fn language(html: &Html) -> Option<String> {
    static META: LazyLock<Selector> = LazyLock::new(|| {
        select("meta[http-equiv=content-language][content], meta[property='og:locale'][content]")
    });
    let root = html.root_element();
    // The root element is `<html>` itself (a selector matches only below it).
    let raw = root.value().attr("lang").or_else(|| {
        root.select(&META)
            .next()
            .and_then(|m| m.value().attr("content"))
    })?;
    let primary: String = raw.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    (primary.len() >= 2 && primary.len() <= 3 && primary.chars().all(|c| c.is_ascii_alphabetic()))
        .then_some(primary)
}

/// The site's name: `og:site_name`, else `application-name`, else `<title>`.
pub(super) fn site_title(html: &Html) -> Option<String> {
    static NAME: LazyLock<Selector> = LazyLock::new(|| {
        select("meta[property='og:site_name'][content], meta[name=application-name][content]")
    });
    static TITLE: LazyLock<Selector> = LazyLock::new(|| select("title"));
    let root = html.root_element();
    root.select(&NAME)
        .next()
        .and_then(|m| m.value().attr("content").map(|c| c.trim().to_string()))
        .or_else(|| root.select(&TITLE).next().map(element_text))
        .filter(|t| !t.is_empty())
}

/// A timezone from the offsets the list's dates carry, with the language to tell zones of
/// one offset apart. `None` without dates with offsets, or when they disagree.
pub(super) fn timezone_guess(list: &List, language: Option<&str>) -> Option<String> {
    let offsets: Vec<i32> = list
        .sample
        .iter()
        .filter_map(|(_, _, d)| DateTime::parse_from_rfc3339(d.as_deref()?.trim()).ok())
        .map(|d| d.offset().local_minus_utc() / 60)
        .collect();
    let first = *offsets.first()?;
    if offsets.iter().any(|o| *o != first) {
        return None;
    }
    let zone = match (language.unwrap_or(""), first) {
        (_, 0) => "UTC",
        ("ru", 180) => "Europe/Moscow",
        ("uk", 120 | 180) => "Europe/Kyiv",
        ("de", 60 | 120) => "Europe/Berlin",
        ("fr", 60 | 120) => "Europe/Paris",
        ("es", 60 | 120) => "Europe/Madrid",
        ("it", 60 | 120) => "Europe/Rome",
        ("nl", 60 | 120) => "Europe/Amsterdam",
        ("pl", 60 | 120) => "Europe/Warsaw",
        ("pt", -180) => "America/Sao_Paulo",
        ("pt", 60) => "Europe/Lisbon",
        ("en", 60) => "Europe/London",
        ("en", -300 | -240) => "America/New_York",
        ("en", -480 | -420) => "America/Los_Angeles",
        ("ja", 540) => "Asia/Tokyo",
        ("ko", 540) => "Asia/Seoul",
        ("zh", 480) => "Asia/Shanghai",
        ("tr", 180) => "Europe/Istanbul",
        (_, minutes) if minutes % 60 == 0 => {
            // IANA's fixed-offset zones have the sign the other way round.
            return Some(format!("Etc/GMT{:+}", -minutes / 60));
        }
        _ => return None,
    };
    Some(zone.to_string())
}
