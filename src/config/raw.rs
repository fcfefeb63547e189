//! The configuration file exactly as written, before validation.
//!
//! These structs mirror `config.toml` key for key. Every struct denies unknown keys, so a typo
//! is an error that names the key and its line and column (the `toml` crate adds the position).
//! Values that can be wrong in themselves (selectors, URLs, zones, durations, regexes) are kept
//! as `Spanned` strings so that validation errors can point at the line too. Nothing here is
//! used after `config::validate` has turned it into typed settings.
//!
//! `docs/config.md` documents every key; `tests/config_docs.rs` checks that every key named
//! here appears there.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// HTTP server settings.
    #[serde(default)]
    pub server: RawServer,
    /// Where entries and rendered feeds are kept.
    #[serde(default)]
    pub storage: RawStorage,
    /// How scrapes are scheduled.
    #[serde(default)]
    pub scheduler: RawScheduler,
    /// The sites to scrape, each with its sections.
    #[serde(default)]
    pub site: Vec<RawSite>,
}

/// `[server]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    /// Address to listen on, `127.0.0.1:8080` by default.
    pub listen: Option<Spanned<String>>,
    /// Public base URL used in self links (`atom:link rel="self"`); defaults to `http://{listen}`.
    pub public_url: Option<Spanned<String>>,
    /// Directory of page templates (`index.html`); relative to the config file.
    pub templates: Option<String>,
    /// Memory for rendered feeds, such as "16 MiB" (the default).
    pub feed_cache: Option<Spanned<String>>,
}

/// `[storage]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    /// SQLite database file; relative paths are relative to the config file's directory.
    pub database: Option<String>,
    /// Directory where rendered feed files are written.
    pub feeds_dir: Option<String>,
    /// Maximum number of entries kept per feed (default 100).
    pub max_entries: Option<usize>,
    /// Maximum age of entries, by published date (`"90d"`); none by default.
    pub max_age: Option<Spanned<String>>,
}

/// `[scheduler]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduler {
    /// How many sections may be scraped at the same time (default 4).
    pub concurrency: Option<usize>,
    /// Random spread added to each interval, as a fraction of it (default 0.1).
    pub jitter: Option<f64>,
}

/// `[[site]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub id: Spanned<String>,
    pub title: Option<String>,
    pub base_url: Spanned<String>,
    pub language: Option<Spanned<String>>,
    pub timezone: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
    pub min_delay: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub max_articles: Option<usize>,
    pub max_entries: Option<usize>,
    /// Further attempts after a timeout, connection error or 5xx (default 2).
    pub retries: Option<u32>,
    /// First backoff step between attempts, doubled each time (default "1s").
    pub retry_delay: Option<Spanned<String>>,
    /// Longest `Retry-After` waited for within a run (default "60s").
    pub max_retry_wait: Option<Spanned<String>>,
    /// Whether robots.txt is obeyed (default true).
    pub obey_robots: Option<bool>,
    pub max_age: Option<Spanned<String>>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub listing: RawListing,
    #[serde(default)]
    pub article: RawArticle,
    #[serde(default)]
    pub section: Vec<RawSection>,
}

/// `[site.listing]`: where the list of articles comes from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawListing {
    /// `"html"` or `"json"`.
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    /// URL template; defaults to `{{section_url}}`.
    pub url: Option<Spanned<String>>,
    /// HTTP method for JSON listings: `GET` (default) or `POST`.
    pub method: Option<Spanned<String>>,
    /// Request body template (JSON listings).
    pub body: Option<Spanned<String>>,
    /// Extra request headers for the listing request.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// JSON: dotted path to the array of items. HTML: CSS selector of one item.
    pub items: Spanned<String>,
    /// Where each item's fields are.
    pub fields: RawListingFields,
    /// Parameters read from the section page itself (a selector plus a regex).
    #[serde(default)]
    pub page_params: BTreeMap<String, RawPageParam>,
    /// Following pages of the listing.
    pub pagination: Option<RawPagination>,
}

/// `[site.listing.fields]`: per-item field locations. For a JSON listing each value is
/// `{ path = "..." }`; for an HTML listing a `css` rule evaluated inside the item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawListingFields {
    pub link: RawSource,
    pub title: Option<RawSource>,
    pub summary: Option<RawSource>,
    pub published: Option<RawSource>,
    pub image: Option<RawSource>,
}

/// `[site.listing.page_params.NAME]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPageParam {
    pub css: Spanned<String>,
    pub attr: Option<String>,
    pub regex: Option<Spanned<String>>,
}

/// `[site.article]`: for each field, sources tried in order.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArticle {
    pub title: Option<Vec<RawSource>>,
    pub summary: Option<Vec<RawSource>>,
    pub body: Option<Vec<RawSource>>,
    pub author: Option<Vec<RawSource>>,
    pub tags: Option<Vec<RawSource>>,
    pub image: Option<Vec<RawSource>>,
    pub published: Option<Vec<RawSource>>,
    pub updated: Option<Vec<RawSource>>,
    /// Selectors of elements removed from the body before it is kept.
    #[serde(default)]
    pub remove: Vec<Spanned<String>>,
}

/// One source of a field: exactly one of `css`, `meta`, `json_ld` (article pages) or `css`,
/// `path` (listing items).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub path: Option<Spanned<String>>,
    pub css: Option<Spanned<String>>,
    pub attr: Option<String>,
    pub html: Option<bool>,
    pub meta: Option<Spanned<String>>,
    pub json_ld: Option<Spanned<String>>,
    /// Keep only the first capture group (or the whole match) of this regex; with
    /// `replace`, replace every match instead.
    pub regex: Option<Spanned<String>>,
    pub replace: Option<String>,
    /// Text removed from the start / end of the value when present (`" - TASS"`).
    pub strip_prefix: Option<String>,
    pub strip_suffix: Option<String>,
}

/// `[site.listing.pagination]`: reading more than the first page of a listing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPagination {
    /// Listing pages read per scrape, the first included (default 1).
    pub pages: Option<usize>,
    /// The next page's URL, read from the current page (`css` + `attr` or `path`).
    pub next: Option<RawSource>,
    /// A value of the current page fed into the next request as `{{cursor}}`.
    pub cursor: Option<RawSource>,
    /// URL template of the following pages (default: the listing `url`).
    pub url: Option<Spanned<String>>,
    /// Body template of the following pages (default: the listing `body`).
    pub body: Option<Spanned<String>>,
}

/// `[[site.section]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    pub id: Spanned<String>,
    pub title: Option<String>,
    /// Path relative to the site's `base_url` (default `/{id}`), or an absolute URL.
    pub path: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
    pub max_entries: Option<usize>,
    pub max_age: Option<Spanned<String>>,
    /// Values for the listing templates; strings or numbers.
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    /// Keep only entries matching one of these (keywords, or `/regex/`).
    #[serde(default)]
    pub include: Vec<Spanned<String>>,
    /// Drop entries matching any of these.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Fields the filters look at: any of `title`, `summary`, `tags` (default all three).
    pub filter_fields: Option<Vec<Spanned<String>>>,
}
