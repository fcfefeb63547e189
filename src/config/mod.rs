//! Typed, validated settings: the only form of the configuration the rest of the program sees.
//!
//! `Config::from_file` reads `config.toml`, `Config::parse` takes the text (tests use inline
//! TOML). Raw serde structs (`raw`) are checked once in `validate`: selectors are compiled,
//! URLs parsed, zones looked up, templates checked against the names each section provides.
//! Every problem is reported with the file position, site, section and key, and all problems
//! are reported at once so a user fixes a config in one round.

mod defaults;
pub mod filter;
mod raw;
pub mod template;
mod validate;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use regex::Regex;
use reqwest::header::HeaderMap;
use reqwest::Method;
use scraper::Selector;
use url::Url;

pub use filter::{EntryFilter, FilterFields, Pattern};
pub use template::{Escape, Template};

/// Everything scrapefeed was told to do.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerSettings,
    pub storage: StorageSettings,
    pub scheduler: SchedulerSettings,
    pub sites: Vec<Arc<Site>>,
}

#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    /// Set when the operator configured it; otherwise self links use the listen address.
    pub public_url: Option<Url>,
    pub templates_dir: PathBuf,
    /// Bytes of rendered feeds kept in memory (`feeds::FeedSet`).
    pub feed_cache_bytes: usize,
}

#[derive(Debug, Clone)]
pub struct StorageSettings {
    pub database: PathBuf,
    pub feeds_dir: PathBuf,
    pub max_entries: usize,
    /// Default age beyond which entries are removed; none keeps them until `max_entries`.
    pub max_age: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct SchedulerSettings {
    pub concurrency: usize,
    /// Fraction of an interval added or removed at random, so sections do not fire together.
    pub jitter: f64,
}

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
    pub headers: HeaderMap,
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
    pub method: Method,
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
}

impl ArticleRules {
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

/// A compiled CSS selector and its text as written (for messages, and for readers that
/// compile it their own way).
#[derive(Debug, Clone)]
pub struct Css {
    pub text: String,
    pub selector: Selector,
}

/// A source and the clean-up applied to what it yields.
#[derive(Debug, Clone)]
pub struct Rule {
    pub source: Source,
    pub transform: Transform,
}

impl Rule {
    pub fn new(source: Source) -> Rule {
        Rule {
            source,
            transform: Transform::default(),
        }
    }

    /// The source's description plus any clean-up, for `check` and logs.
    pub fn describe(&self) -> String {
        let mut text = self.source.describe();
        if let Some(regex) = &self.transform.regex {
            let verb = if self.transform.replace.is_some() {
                "replace"
            } else {
                "regex"
            };
            text.push_str(&format!(" {verb} {:?}", regex.as_str()));
        }
        if let Some(p) = &self.transform.strip_prefix {
            text.push_str(&format!(" strip_prefix {p:?}"));
        }
        if let Some(s) = &self.transform.strip_suffix {
            text.push_str(&format!(" strip_suffix {s:?}"));
        }
        text
    }

    pub fn is_structured(&self) -> bool {
        self.source.is_structured()
    }
}

/// Simple text clean-up declared next to a source.
#[derive(Debug, Clone, Default)]
pub struct Transform {
    pub regex: Option<Regex>,
    pub replace: Option<String>,
    pub strip_prefix: Option<String>,
    pub strip_suffix: Option<String>,
}

impl Transform {
    /// Applies the clean-up; `None` when a `regex` (without `replace`) does not match or
    /// nothing is left, so the next source gets its turn.
    pub fn apply(&self, value: &str) -> Option<String> {
        let mut text = match (&self.regex, &self.replace) {
            (Some(re), Some(with)) => re.replace_all(value, with.as_str()).into_owned(),
            (Some(re), None) => {
                let caps = re.captures(value)?;
                caps.get(1).or_else(|| caps.get(0))?.as_str().to_string()
            }
            (None, _) => value.to_string(),
        };
        if let Some(prefix) = &self.strip_prefix {
            if let Some(rest) = text.strip_prefix(prefix.as_str()) {
                text = rest.to_string();
            }
        }
        if let Some(suffix) = &self.strip_suffix {
            if let Some(rest) = text.strip_suffix(suffix.as_str()) {
                text = rest.to_string();
            }
        }
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    pub fn is_identity(&self) -> bool {
        self.regex.is_none() && self.strip_prefix.is_none() && self.strip_suffix.is_none()
    }
}

/// Where one value comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Css {
        selector: Selector,
        css: String,
        take: Take,
    },
    Meta(String),
    JsonLd(Vec<String>),
    Path(JsonPath),
}

/// What to take from an element matched by a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Take {
    Text,
    Html,
    Attr(String),
}

/// A dotted path into a JSON document: `newsList`, `data.items.0.title`. Empty = the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath(pub Vec<String>);

impl JsonPath {
    pub fn parse(text: &str) -> JsonPath {
        JsonPath(
            text.split('.')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    /// Follows the path; numeric segments index arrays.
    pub fn lookup<'a>(&self, value: &'a serde_json::Value) -> Option<&'a serde_json::Value> {
        self.0.iter().try_fold(value, |v, seg| match v {
            serde_json::Value::Object(map) => map.get(seg),
            serde_json::Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
    }
}

impl std::fmt::Display for JsonPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

impl Source {
    /// A short human description, used in `check` output and in logs.
    pub fn describe(&self) -> String {
        match self {
            Source::Css { css, take, .. } => {
                let what = match take {
                    Take::Text => "text".to_string(),
                    Take::Html => "html".to_string(),
                    Take::Attr(a) => format!("@{a}"),
                };
                format!("css {css:?} {what}")
            }
            Source::Meta(name) => format!("meta {name:?}"),
            Source::JsonLd(path) => format!("json_ld {:?}", path.join(".")),
            Source::Path(path) => format!("path {:?}", path.to_string()),
        }
    }

    /// Whether a date from this source is a machine-readable value rather than printed text:
    /// structured sources are trusted over printed datelines.
    pub fn is_structured(&self) -> bool {
        match self {
            Source::Css { take, .. } => matches!(take, Take::Attr(_)),
            Source::Meta(_) | Source::JsonLd(_) | Source::Path(_) => true,
        }
    }
}

/// A configuration that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {}", .problems.join("\n  "))]
    Invalid { file: String, problems: Vec<String> },
}

impl Config {
    /// Reads and validates a config file. Relative paths inside it are relative to its
    /// directory, so a config and its database travel together.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        validate::validate(&text, &path.display().to_string(), base)
    }

    /// Validates config text; relative paths resolve against `base_dir`.
    pub fn parse(text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
        validate::validate(text, "config", base_dir)
    }

    /// Every section with its site, in config order.
    pub fn sections(&self) -> impl Iterator<Item = (&Arc<Site>, &Section)> {
        self.sites
            .iter()
            .flat_map(|site| site.sections.iter().map(move |s| (site, s)))
    }

    /// Finds a section by its id or by `site/section`.
    pub fn find_section(&self, name: &str) -> Option<(&Arc<Site>, &Section)> {
        self.sections()
            .find(|(site, s)| s.id == name || format!("{}/{}", site.id, s.id) == name)
    }

    /// The base URL of self links and subscribe links.
    pub fn public_url(&self) -> Url {
        self.server.public_url.clone().unwrap_or_else(|| {
            Url::parse(&format!("http://{}/", self.server.listen))
                .expect("socket address is a valid host")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transform(
        regex: Option<&str>,
        replace: Option<&str>,
        prefix: Option<&str>,
        suffix: Option<&str>,
    ) -> Transform {
        Transform {
            regex: regex.map(|r| Regex::new(r).unwrap()),
            replace: replace.map(String::from),
            strip_prefix: prefix.map(String::from),
            strip_suffix: suffix.map(String::from),
        }
    }

    #[test]
    fn transforms_clean_values_or_reject_them() {
        let t = transform(None, None, None, Some(" - TASS"));
        assert_eq!(
            t.apply("Lavrov speaks - TASS").as_deref(),
            Some("Lavrov speaks")
        );
        assert_eq!(t.apply("No suffix").as_deref(), Some("No suffix"));
        let t = transform(Some(r"Published:\s*(.+)"), None, None, None);
        assert_eq!(
            t.apply("Published: 13 June 2019").as_deref(),
            Some("13 June 2019")
        );
        assert_eq!(
            t.apply("Updated: 13 June 2019"),
            None,
            "no match: the next source is tried"
        );
        let t = transform(Some(r"\s*\(photo\)"), Some(""), Some("BREAKING: "), None);
        assert_eq!(
            t.apply("BREAKING: Storm (photo) hits").as_deref(),
            Some("Storm hits")
        );
        assert_eq!(
            transform(None, None, Some("x"), None).apply("x"),
            None,
            "nothing left"
        );
    }
}
