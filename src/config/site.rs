//! The typed form of one site: how its listings are requested and read, how its article
//! pages are read, and its sections (one feed each).
//!
//! Built once by `validate`; selectors are compiled, templates parsed and checked against
//! the names each section provides, so a stage reading these never meets a raw string it
//! would have to parse.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono_tz::Tz;
use regex::Regex;
use reqwest::header::HeaderMap;
use scraper::Selector;
use url::Url;

use super::{Css, EntryFilter, HttpMethod, JsonPath, Rule, Template};
use crate::model::TextLimits;

/// One site: how to fetch its listings and read its article pages.
#[derive(Debug)]
pub struct Site {
    pub id: String,
    pub title: String,
    pub base_url: Url,
    /// The language as written in the config (`en`, `ru-RU`): the feeds' language tag, and
    /// the date reader's language when it knows it.
    pub language_tag: Option<String>,
    pub timezone: Tz,
    pub min_delay: Duration,
    pub timeout: Duration,
    /// Most article pages fetched for one section in one run.
    pub max_articles: usize,
    pub retry: RetrySettings,
    /// Obey robots.txt (an operator with the site's permission may turn it off).
    pub obey_robots: bool,
    /// The feeds' icon as configured; `None`: the one the site declares, found by the
    /// pipeline.
    pub icon: Option<Url>,
    pub headers: HeaderMap,
    /// How long its entries' values may be (`[limits]`, or the site's own).
    pub limits: TextLimits,
    pub listing: ListingRules,
    pub article: ArticleRules,
    pub sections: Vec<Section>,
}

/// How a site's requests are tried again after a timeout, a connection error or a 5xx
/// (`fetch::RetryPolicy` is built from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    /// Further attempts after the first.
    pub retries: u32,
    /// The first backoff step; each retry doubles it.
    pub delay: Duration,
    /// Longest `Retry-After` waited for within a run.
    pub max_wait: Duration,
}

/// One section: one feed.
#[derive(Debug, Clone)]
pub struct Section {
    /// Unique across the whole config: it names the feed (`/feeds/{id}.rss`).
    pub id: String,
    pub title: String,
    pub url: Url,
    pub interval: Duration,
    pub max_entries: usize,
    /// Entries published longer ago than this are removed after each scrape.
    pub max_age: Option<Duration>,
    pub params: BTreeMap<String, String>,
    /// Entries kept or dropped by keyword or regex; `None` keeps everything.
    pub filter: Option<EntryFilter>,
}

/// How a section's list of articles is read.
#[derive(Debug)]
pub struct ListingRules {
    pub kind: ListingKind,
    pub url: Template,
    pub method: HttpMethod,
    pub body: Option<Template>,
    pub headers: HeaderMap,
    pub fields: ListingFields,
    /// Parameters read from the section page before the listing request.
    pub page_params: Vec<PageParam>,
    pub pagination: Option<Pagination>,
}

#[derive(Debug)]
pub enum ListingKind {
    /// A server-rendered page; one element per item.
    Html { item: Selector, item_css: String },
    /// A JSON API; `items` leads to the array of items.
    Json { items: JsonPath },
}

#[derive(Debug)]
pub struct ListingFields {
    pub link: Rule,
    pub title: Option<Rule>,
    pub summary: Option<Rule>,
    pub published: Option<Rule>,
    pub image: Option<Rule>,
}

/// How following listing pages are reached.
#[derive(Debug)]
pub struct Pagination {
    /// Pages read per scrape, the first included (at least 2 when declared).
    pub pages: usize,
    pub step: PageStep,
    /// Templates of the following pages; `{{cursor}}` is available in them.
    pub url: Template,
    pub body: Option<Template>,
}

#[derive(Debug)]
pub enum PageStep {
    /// The next page's URL is read from the current page.
    NextLink(Rule),
    /// A value of the current page becomes `{{cursor}}` in the next request.
    Cursor(Rule),
}

/// A value read from the section page with a selector and an optional regex capture.
#[derive(Debug)]
pub struct PageParam {
    pub name: String,
    pub selector: Selector,
    pub css: String,
    pub attr: Option<String>,
    pub regex: Option<Regex>,
}

/// Sources for every article field, each list tried in order.
#[derive(Debug, Clone)]
pub struct ArticleRules {
    pub title: Vec<Rule>,
    pub summary: Vec<Rule>,
    pub body: Vec<Rule>,
    pub author: Vec<Rule>,
    pub tags: Vec<Rule>,
    pub image: Vec<Rule>,
    pub published: Vec<Rule>,
    pub updated: Vec<Rule>,
    /// Clutter cut from the body before it is kept.
    pub remove: Vec<Css>,
    /// Fields declared as an empty list: turned off, not read by the generic reader either.
    /// (A field left undeclared has no rules and is read by the generic reader.)
    pub off: Vec<&'static str>,
}

impl ArticleRules {
    /// Whether the generic article reader may fill `field` when the rules give nothing.
    pub fn generic_reads(&self, field: &str) -> bool {
        !self.off.contains(&field)
    }

    /// Every rule of every field.
    pub fn all(&self) -> impl Iterator<Item = &Rule> {
        [
            &self.title,
            &self.summary,
            &self.body,
            &self.author,
            &self.tags,
            &self.image,
            &self.published,
            &self.updated,
        ]
        .into_iter()
        .flatten()
    }
}
