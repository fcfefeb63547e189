//! Listing answer (HTML page or JSON document) → items, plus where the next page is.
//!
//! Pure functions over text, so every declaration shape is testable without a network.

use scraper::{ElementRef, Html};
use url::Url;

use super::{ListingError, ListingItem};
use crate::config::{ListingFields, ListingKind, PageStep, Rule, Site, Source, Take};
use crate::html::{attribute, collapse_whitespace, element_text, json_text, non_empty, plain_text};

/// One listing page, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListingPage {
    pub items: Vec<ListingItem>,
    /// Items dropped because they had no usable link.
    pub skipped: usize,
    /// Items dropped because an earlier item of the page had the same link.
    pub duplicates: usize,
    /// Where the following page is, when the declaration says how to find it.
    pub next: Option<NextPage>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NextPage {
    Url(Url),
    Cursor(String),
}

/// Parses a listing answer; links resolve against `url`.
pub fn parse(site: &Site, url: &Url, text: &str) -> Result<ListingPage, ListingError> {
    let listing = &site.listing;
    let fields = &listing.fields;
    let step = listing.pagination.as_ref().map(|p| &p.step);
    let mut page = ListingPage::default();
    let mut rows: Vec<[Option<String>; 5]> = Vec::new();
    match &listing.kind {
        ListingKind::Json { items } => {
            // A raw control character or a lone surrogate in one item is read leniently
            // rather than failing the whole listing (the error names the strict failure).
            let doc: serde_json::Value = serde_json::from_str(text)
                .or_else(|e| serde_json::from_str(&crate::text::lenient_json(text)).map_err(|_| e))
                .map_err(|e| ListingError::NotJson {
                    url: url.to_string(),
                    message: e.to_string(),
                })?;
            let array = items
                .lookup(&doc)
                .and_then(|v| v.as_array())
                .ok_or_else(|| ListingError::NoItems {
                    url: url.to_string(),
                    path: items.to_string(),
                })?;
            for value in array {
                rows.push(row(fields, |rule| json_field(value, rule)));
            }
            page.next = step.and_then(|s| next_page(s, url, |rule| json_field(&doc, rule)));
        }
        ListingKind::Html { item, .. } => {
            let html = Html::parse_document(text);
            for element in html.select(item) {
                rows.push(row(fields, |rule| html_field(element, rule)));
            }
            let root = html.root_element();
            page.next = step.and_then(|s| next_page(s, url, |rule| html_field(root, rule)));
        }
    }
    for [link, title, summary, published, image] in rows {
        match item_from(url, link, title, summary, published, image) {
            Some(item) if !page.items.iter().any(|i| i.url == item.url) => page.items.push(item),
            Some(_) => page.duplicates += 1,
            None => page.skipped += 1,
        }
    }
    Ok(page)
}

/// One item's raw field values: link, title, summary, published, image.
fn row(fields: &ListingFields, field: impl Fn(&Rule) -> Option<String>) -> [Option<String>; 5] {
    let get = |rule: Option<&Rule>| rule.and_then(&field);
    [
        get(Some(&fields.link)),
        get(fields.title.as_ref()),
        get(fields.summary.as_ref()),
        get(fields.published.as_ref()),
        get(fields.image.as_ref()),
    ]
}

/// Where the following page is, read from the current one.
fn next_page(
    step: &PageStep,
    url: &Url,
    field: impl Fn(&Rule) -> Option<String>,
) -> Option<NextPage> {
    match step {
        PageStep::NextLink(rule) => field(rule)
            .and_then(|l| url.join(&l).ok())
            .map(NextPage::Url),
        PageStep::Cursor(rule) => field(rule).map(NextPage::Cursor),
    }
}

fn item_from(
    base: &Url,
    link: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    published: Option<String>,
    image: Option<String>,
) -> Option<ListingItem> {
    let url = base
        .join(link?.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))?;
    Some(ListingItem {
        url: crate::identity::canonical_url(&url),
        title: title.map(|t| collapse_whitespace(&t)).and_then(non_empty),
        summary: summary.map(|t| collapse_whitespace(&t)).and_then(non_empty),
        published: published.and_then(non_empty),
        image: image
            .and_then(|i| base.join(i.trim()).ok())
            .map(String::from),
    })
}

fn json_field(item: &serde_json::Value, rule: &Rule) -> Option<String> {
    let Source::Path(path) = &rule.source else {
        return None;
    };
    let text = match path.lookup(item)? {
        serde_json::Value::String(s) => json_text(s),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    rule.transform.apply(&text)
}

fn html_field(item: ElementRef<'_>, rule: &Rule) -> Option<String> {
    let Source::Css { selector, take, .. } = &rule.source else {
        return None;
    };
    // An item may itself be the link (`a.card`): then the selector matches nothing inside,
    // so the item is tried too.
    let element = item
        .select(selector)
        .next()
        .or_else(|| selector.matches(&item).then_some(item))?;
    let text = match take {
        Take::Text => element_text(element),
        Take::Html => plain_text(&element.inner_html()),
        Take::Attr(name) => attribute(element, name)?,
    };
    rule.transform.apply(&text)
}
