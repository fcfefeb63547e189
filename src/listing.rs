//! A section's listing → candidate articles.
//!
//! Two shapes are supported, both declared in config: a server-rendered HTML page (one
//! element per item, fields read inside it) and a JSON API (a path to the array, a path per
//! field). Parameters the request needs can be read from the section page first (TASS keeps
//! its numeric section id in an `ng-init` attribute), falling back to configured values.
//!
//! Parsing is pure (`parse`); `read_listing` adds the two requests around it. Items without a
//! usable link are skipped and counted, never fatal; an answer of the wrong shape is an error
//! naming the URL and the path or selector that missed.

use std::collections::BTreeMap;

use scraper::{ElementRef, Html};
use url::Url;

use crate::config::{Escape, ListingKind, PageParam, Section, Site, Source, Take};
use crate::fetch::{FetchError, Fetcher, Request};
use crate::html::{collapse_whitespace, element_text, json_text, non_empty, plain_text};

/// One article as the listing shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingItem {
    pub url: Url,
    pub title: Option<String>,
    pub summary: Option<String>,
    /// The date exactly as the listing gives it (Unix seconds, ISO text, a dateline…).
    pub published: Option<String>,
    pub image: Option<String>,
}

/// What a listing yielded.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub items: Vec<ListingItem>,
    /// Items dropped because they had no usable link.
    pub skipped: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    #[error("listing request failed: {0}")]
    Fetch(#[from] FetchError),
    #[error("section page {url}: parameter `{name}` not found (css {css:?}{regex})")]
    ParamNotFound {
        url: String,
        name: String,
        css: String,
        regex: String,
    },
    #[error("listing {url}: the answer is not JSON: {message}")]
    NotJson { url: String, message: String },
    #[error("listing {url}: no array at path {path:?}")]
    NoItems { url: String, path: String },
    #[error("listing {url}: cannot build the request: {message}")]
    Request { url: String, message: String },
}

/// Values the listing templates can use: built-ins, then configured params, then page params.
/// With `for_url`, parameter values are percent-encoded (a page value holding `&` or `#`
/// must not reshape the URL); the built-ins are URLs themselves and stay as they are.
pub fn template_values(
    site: &Site,
    section: &Section,
    page: &BTreeMap<String, String>,
    for_url: bool,
) -> BTreeMap<String, String> {
    let encode = |v: &String| {
        if for_url {
            url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
        } else {
            v.clone()
        }
    };
    let mut values: BTreeMap<String, String> = section
        .params
        .iter()
        .map(|(k, v)| (k.clone(), encode(v)))
        .collect();
    values.extend(page.iter().map(|(k, v)| (k.clone(), encode(v))));
    values.insert(
        "base_url".into(),
        site.base_url.as_str().trim_end_matches('/').to_string(),
    );
    values.insert("section".into(), section.id.clone());
    values.insert("section_url".into(), section.url.to_string());
    values
}

/// Reads the page parameters from the section page. A parameter the page lacks keeps its
/// configured value when there is one; otherwise it is an error.
pub async fn read_page_params(
    fetcher: &Fetcher,
    site: &Site,
    section: &Section,
) -> Result<BTreeMap<String, String>, ListingError> {
    let mut found = BTreeMap::new();
    if site.listing.page_params.is_empty() {
        return Ok(found);
    }
    let page = fetcher
        .fetch(Request {
            method: reqwest::Method::GET,
            url: &section.url,
            headers: [&site.headers, &reqwest::header::HeaderMap::new()],
            body: None,
            timeout: site.timeout,
            min_delay: site.min_delay,
        })
        .await;
    let page = match page {
        Ok(page) => page,
        // The configured values can stand in for a section page that is down.
        Err(_)
            if site
                .listing
                .page_params
                .iter()
                .all(|p| section.params.contains_key(&p.name)) =>
        {
            return Ok(found)
        }
        Err(e) => return Err(e.into()),
    };
    let html = Html::parse_document(&page.text);
    for param in &site.listing.page_params {
        match page_param(&html, param) {
            Some(value) => {
                found.insert(param.name.clone(), value);
            }
            None if section.params.contains_key(&param.name) => {
                tracing::warn!(site = %site.id, section = %section.id, url = %section.url, param = %param.name,
                    "parameter not found on the section page; using the configured value");
            }
            None => {
                return Err(ListingError::ParamNotFound {
                    url: section.url.to_string(),
                    name: param.name.clone(),
                    css: param.css.clone(),
                    regex: param
                        .regex
                        .as_ref()
                        .map(|r| format!(", regex {:?}", r.as_str()))
                        .unwrap_or_default(),
                })
            }
        }
    }
    Ok(found)
}

fn page_param(html: &Html, param: &PageParam) -> Option<String> {
    html.select(&param.selector).find_map(|element| {
        let text = match &param.attr {
            Some(attr) => element.value().attr(attr)?.to_string(),
            None => element_text(element),
        };
        match &param.regex {
            Some(regex) => {
                let caps = regex.captures(&text)?;
                Some(caps.get(1).or_else(|| caps.get(0))?.as_str().to_string())
            }
            None => non_empty(text.trim().to_string()),
        }
    })
}

/// Fetches and parses one section's listing.
pub async fn read_listing(
    fetcher: &Fetcher,
    site: &Site,
    section: &Section,
    page_params: &BTreeMap<String, String>,
) -> Result<Listing, ListingError> {
    let values = template_values(site, section, page_params, false);
    let lookup = |name: &str| values.get(name).map(String::as_str);
    let url_values = template_values(site, section, page_params, true);
    let url_text = site
        .listing
        .url
        .render(Escape::None, |name| {
            url_values.get(name).map(String::as_str)
        })
        .map_err(|message| ListingError::Request {
            url: site.listing.url.to_string(),
            message,
        })?;
    let url = Url::parse(&url_text).map_err(|e| ListingError::Request {
        url: url_text.clone(),
        message: e.to_string(),
    })?;
    let body = match &site.listing.body {
        Some(t) => {
            Some(
                t.render(Escape::Json, lookup)
                    .map_err(|message| ListingError::Request {
                        url: url_text.clone(),
                        message,
                    })?,
            )
        }
        None => None,
    };
    let page = fetcher
        .fetch(Request {
            method: site.listing.method.clone(),
            url: &url,
            headers: [&site.headers, &site.listing.headers],
            body,
            timeout: site.timeout,
            min_delay: site.min_delay,
        })
        .await?;
    parse(site, &page.url, &page.text)
}

/// Parses a listing answer; links resolve against `url`.
pub fn parse(site: &Site, url: &Url, text: &str) -> Result<Listing, ListingError> {
    let mut listing = Listing::default();
    let mut push = |item: Option<ListingItem>| match item {
        Some(item)
            if !listing
                .items
                .iter()
                .any(|i: &ListingItem| i.url == item.url) =>
        {
            listing.items.push(item)
        }
        Some(_) => {}
        None => listing.skipped += 1,
    };
    let fields = &site.listing.fields;
    match &site.listing.kind {
        ListingKind::Json { items } => {
            let doc: serde_json::Value =
                serde_json::from_str(text).map_err(|e| ListingError::NotJson {
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
                let field =
                    |source: &Option<Source>| source.as_ref().and_then(|s| json_field(value, s));
                push(item_from(
                    url,
                    field(&Some(fields.link.clone())),
                    field(&fields.title),
                    field(&fields.summary),
                    field(&fields.published),
                    field(&fields.image),
                ));
            }
        }
        ListingKind::Html { item, .. } => {
            let html = Html::parse_document(text);
            for element in html.select(item) {
                let field =
                    |source: &Option<Source>| source.as_ref().and_then(|s| html_field(element, s));
                push(item_from(
                    url,
                    field(&Some(fields.link.clone())),
                    field(&fields.title),
                    field(&fields.summary),
                    field(&fields.published),
                    field(&fields.image),
                ));
            }
        }
    }
    Ok(listing)
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

fn json_field(item: &serde_json::Value, source: &Source) -> Option<String> {
    let Source::Path(path) = source else {
        return None;
    };
    match path.lookup(item)? {
        serde_json::Value::String(s) => non_empty(json_text(s)),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn html_field(item: ElementRef<'_>, source: &Source) -> Option<String> {
    let Source::Css { selector, take, .. } = source else {
        return None;
    };
    // An item may itself be the link (`a.card`): then the selector matches nothing inside,
    // so the item is tried too.
    let element = item
        .select(selector)
        .next()
        .or_else(|| selector.matches(&item).then_some(item))?;
    match take {
        Take::Text => non_empty(element_text(element)),
        Take::Html => non_empty(plain_text(&element.inner_html())),
        Take::Attr(name) => element
            .value()
            .attr(name)
            .map(|v| v.trim().to_string())
            .and_then(non_empty),
    }
}
