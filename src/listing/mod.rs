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

mod parse;

use scraper::Html;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::config::{Escape, HttpMethod, PageParam, Section, Site, Template};
use crate::fetch::{FetchError, Fetcher, Request};
use crate::html::{element_text, non_empty};
use crate::model::Validators;
pub use parse::{parse, ListingPage, NextPage};

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

/// What a listing yielded, over all the pages read.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub items: Vec<ListingItem>,
    /// Items dropped because they had no usable link.
    pub skipped: usize,
    /// Items dropped because an earlier item of the same page had the same link (`check`
    /// warns when every item did).
    pub duplicates: usize,
    /// Listing pages read.
    pub pages: usize,
    /// The first page answered `304 Not Modified`: nothing is new, `items` is empty.
    pub unchanged: bool,
    /// The first page's validators, for the next conditional request.
    pub validators: Validators,
}

#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    #[error("listing request failed")]
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

impl ListingError {
    /// The listing was not read because the scrape was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ListingError::Fetch(error) if error.is_cancelled())
    }
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
/// configured value when there is one; otherwise it is an error. Cancellation is an error
/// (`ListingError::is_cancelled`), never replaced by the configured values.
pub async fn read_page_params(
    fetcher: &Fetcher,
    site: &Site,
    section: &Section,
    cancel: &CancellationToken,
) -> Result<BTreeMap<String, String>, ListingError> {
    let mut found = BTreeMap::new();
    if site.listing.page_params.is_empty() {
        return Ok(found);
    }
    let page = fetcher
        .fetch(Request::get(site, &section.url), cancel)
        .await;
    let page = match page {
        Ok(page) => page,
        // The configured values can stand in for a section page that is down.
        Err(error)
            if !error.is_cancelled()
                && site
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

/// Fetches and parses one section's listing, following its pagination up to the declared
/// number of pages. A failure on the first page is an error; on a later page it ends the
/// walk with what was read (logged), since the newest items are already in hand. With
/// `validators` from the last run the first request is conditional, and a `304` ends the
/// read at once (`Listing::unchanged`). When `cancel` fires the read ends with an error on
/// any page (`ListingError::is_cancelled`): a listing cut short by shutdown is not a
/// complete one.
pub async fn read_listing(
    fetcher: &Fetcher,
    site: &Site,
    section: &Section,
    page_params: &BTreeMap<String, String>,
    validators: Option<&Validators>,
    cancel: &CancellationToken,
) -> Result<Listing, ListingError> {
    let mut values = template_values(site, section, page_params, false);
    let mut url_values = template_values(site, section, page_params, true);
    let (url, body) = render_request(
        &site.listing.url,
        site.listing.body.as_ref(),
        &values,
        &url_values,
    )?;
    let request = Request::new(site, http_method(site.listing.method), &url)
        .with_headers(&site.listing.headers)
        .with_body(body)
        .if_changed(validators);
    let answer = fetcher.fetch(request, cancel).await?;
    if answer.not_modified {
        return Ok(Listing {
            unchanged: true,
            validators: answer.validators,
            ..Listing::default()
        });
    }
    let first = parse(site, &answer.url, &answer.text)?;
    let mut listing = Listing {
        items: first.items,
        skipped: first.skipped,
        duplicates: first.duplicates,
        pages: 1,
        unchanged: false,
        validators: answer.validators,
    };
    let Some(pagination) = &site.listing.pagination else {
        return Ok(listing);
    };
    let mut next = first.next;
    let mut seen_cursors = Vec::new();
    while listing.pages < pagination.pages {
        let request = match next.take() {
            None => break,
            Some(NextPage::Url(url)) => Ok((url, None, reqwest::Method::GET)),
            Some(NextPage::Cursor(cursor)) => {
                if seen_cursors.contains(&cursor) {
                    break;
                }
                seen_cursors.push(cursor.clone());
                let encoded: String =
                    url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
                values.insert("cursor".into(), cursor);
                url_values.insert("cursor".into(), encoded);
                render_request(
                    &pagination.url,
                    pagination.body.as_ref(),
                    &values,
                    &url_values,
                )
                .map(|(url, body)| (url, body, http_method(site.listing.method)))
            }
        };
        let page = match request {
            Ok((url, body, method)) => fetch_page(fetcher, site, method, &url, body, cancel).await,
            Err(e) => Err(e),
        };
        let page = match page {
            Ok(page) => page,
            Err(error) if error.is_cancelled() => return Err(error),
            Err(error) => {
                tracing::warn!(site = %site.id, section = %section.id, page = listing.pages + 1, error = %crate::errors::chain(&error),
                    "listing page failed; keeping the pages already read");
                break;
            }
        };
        listing.pages += 1;
        let before = listing.items.len();
        listing.skipped += page.skipped;
        listing.duplicates += page.duplicates;
        for item in page.items {
            if !listing.items.iter().any(|i| i.url == item.url) {
                listing.items.push(item);
            }
        }
        if listing.items.len() == before {
            break; // a page with nothing new: the site is repeating itself
        }
        next = page.next;
    }
    Ok(listing)
}

/// The config's method as the HTTP client spells it.
fn http_method(method: HttpMethod) -> reqwest::Method {
    match method {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
    }
}

fn render_request(
    url: &Template,
    body: Option<&Template>,
    values: &BTreeMap<String, String>,
    url_values: &BTreeMap<String, String>,
) -> Result<(Url, Option<String>), ListingError> {
    let url_text = url
        .render(Escape::None, |name| {
            url_values.get(name).map(String::as_str)
        })
        .map_err(|message| ListingError::Request {
            url: url.to_string(),
            message,
        })?;
    let parsed = Url::parse(&url_text).map_err(|e| ListingError::Request {
        url: url_text.clone(),
        message: e.to_string(),
    })?;
    let body = body
        .map(|t| t.render(Escape::Json, |name| values.get(name).map(String::as_str)))
        .transpose()
        .map_err(|message| ListingError::Request {
            url: url_text,
            message,
        })?;
    Ok((parsed, body))
}

async fn fetch_page(
    fetcher: &Fetcher,
    site: &Site,
    method: reqwest::Method,
    url: &Url,
    body: Option<String>,
    cancel: &CancellationToken,
) -> Result<ListingPage, ListingError> {
    let request = Request::new(site, method, url)
        .with_headers(&site.listing.headers)
        .with_body(body);
    let page = fetcher.fetch(request, cancel).await?;
    parse(site, &page.url, &page.text)
}
