//! The configuration file exactly as written, before validation.
//!
//! These structs mirror `config.toml` key for key; the listing's tables are in `raw/listing.rs`.
//! Every struct denies unknown keys, so a typo is an error that names the key and its line and
//! column (the `toml` crate adds the position). Each field's doc says what it is and its
//! default; a default that is a fixed value is declared on the field (`defaults`), one
//! inherited from the level above stays an `Option` resolved in `validate`. Values that can be
//! wrong in themselves are `Checked` (parsed here, reported by `validate`); a few strings
//! whose meaning depends on another key stay `Spanned` so their problems can point at the
//! line too. Nothing here is used after `config::validate` has turned it into typed settings.
//!
//! `docs/config.md` documents every key; `tests/config_docs.rs` checks it against the schema
//! derived from these structs (`Config::schema`).

mod limits;
mod listing;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::checked::Checked;
use super::choices::FilterField;
use super::defaults;
use super::headers::Headers;
use super::values::{
    AdminToken, ArticleCount, CacheSize, ClientTimeout, Concurrency, ConnectionCount, EntryCount,
    FilterPattern, GracePeriod, HttpUrl, Interval, Jitter, LanguageTag, LeaseExpiry, ListenAddress,
    ParamValue, PoliteDelay, PoolSize, ProxyNetwork, PublicUrl, RequestTimeout, RetentionAge,
    Retries, RetryDelay, RetryWait, SectionId, SiteId, TimeZone,
};

pub use limits::{RawLimits, RawSiteLimits};
pub use listing::{RawArticle, RawListing, RawPagination, RawSource};

/// The whole file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// HTTP server settings; every key has a default.
    #[serde(default = "defaults::server")]
    pub server: RawServer,
    /// Where entries and rendered feeds are kept; every key has a default.
    #[serde(default = "defaults::storage")]
    pub storage: RawStorage,
    /// How scrapes are scheduled; every key has a default.
    #[serde(default = "defaults::scheduler")]
    pub scheduler: RawScheduler,
    /// Several instances on one PostgreSQL store; every key has a default.
    #[serde(default = "defaults::cluster")]
    pub cluster: RawCluster,
    /// How long an entry's values may be; every key has a default.
    #[serde(default = "defaults::limits")]
    pub limits: RawLimits,
    /// The sites to scrape, each with its sections; at least one is required.
    #[serde(default)]
    pub site: Vec<RawSite>,
}

/// `[server]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    /// IP address and port to listen on (default "127.0.0.1:8080").
    #[serde(default = "defaults::listen")]
    pub listen: Checked<ListenAddress>,
    /// Public base URL used in self links (`atom:link rel="self"`); defaults to `http://{listen}/`.
    /// Its path (`https://host/feeds-app/`) is also a prefix the routes answer under.
    pub public_url: Option<Checked<PublicUrl>>,
    /// Reverse proxies whose `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host` and
    /// `Forwarded` headers are believed: IP addresses or CIDR networks. None by default: the
    /// headers of any client are ignored.
    #[serde(default)]
    pub trusted_proxies: Vec<Checked<ProxyNetwork>>,
    /// Directory of page templates (`index.html`), relative to the config file (default
    /// "templates").
    #[serde(default = "defaults::templates")]
    pub templates: String,
    /// Memory for rendered feeds, such as "512 KiB" (default "16 MiB").
    #[serde(default = "defaults::feed_cache")]
    pub feed_cache: Checked<CacheSize>,
    /// Longest time a client may take to send a request's head, from the connection's start
    /// for its first request, from the head's first byte for later ones; more than 0, at
    /// most an hour (default "60s").
    #[serde(default = "defaults::header_timeout")]
    pub header_timeout: Checked<ClientTimeout>,
    /// Longest time a connection may stay open between two requests; more than 0, at most
    /// an hour (default "75s").
    #[serde(default = "defaults::keep_alive_timeout")]
    pub keep_alive_timeout: Checked<ClientTimeout>,
    /// Longest time a client may leave an answer untaken (not reading it) before the
    /// connection is closed; more than 0, at most an hour (default "60s").
    #[serde(default = "defaults::send_timeout")]
    pub send_timeout: Checked<ClientTimeout>,
    /// Most connections open at once; one more gets a `503` and is closed. At least 1;
    /// defaults to the open-files limit minus 128, at most 16384.
    pub max_connections: Option<Checked<ConnectionCount>>,
    /// After SIGTERM or SIGINT, how long requests in flight and running scrapes may take to
    /// finish before they are dropped and the process exits; 0 to an hour (default "10s").
    #[serde(default = "defaults::shutdown_grace")]
    pub shutdown_grace: Checked<GracePeriod>,
    /// Whether the server offers `/suggest?url=…` (a declaration proposed for a section
    /// page) and a form for it on the index page. Off by default: it makes the server fetch
    /// URLs its visitors give it (default false).
    #[serde(default = "defaults::suggest")]
    pub suggest: bool,
    /// The operator's secret for the admin routes ("Scrape now" on the index page and
    /// `POST /admin/sections/{id}/scrape`), at least 16 visible ASCII characters. Unset, the
    /// environment variable `SCRAPEFEED_ADMIN_TOKEN` is used; with neither, the admin routes
    /// do not exist (none by default).
    pub admin_token: Option<Checked<AdminToken>>,
}

/// `[storage]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    /// SQLite database file, relative to the config file's directory; by default
    /// `scrapefeed.db` in the data directory: `$STATE_DIRECTORY` under systemd, else `data`
    /// beside the config file (never in `feeds_dir`, which a static server may publish).
    /// A `postgres://` URL instead chooses a PostgreSQL database that several instances can
    /// share; the environment variable `SCRAPEFEED_DATABASE_URL`, when set and not empty,
    /// takes the place of this key (so the password stays out of the file).
    pub database: Option<String>,
    /// Connections to a PostgreSQL database this instance keeps at most, 1 to 100 (default
    /// 8); unused with SQLite.
    #[serde(default = "defaults::pool_size")]
    pub pool_size: Checked<PoolSize>,
    /// Directory where rendered feed files are written: by default "feeds" with an SQLite
    /// database; none with PostgreSQL (each instance serves its feeds from memory, rendered
    /// from the shared store, and writes no files unless this is set).
    pub feeds_dir: Option<String>,
    /// Maximum number of entries kept per feed, 1 to 10000 (default 100).
    #[serde(default = "defaults::max_entries")]
    pub max_entries: Checked<EntryCount>,
    /// Maximum age of entries by published date, an hour to 100 years (`"90d"`); none by
    /// default.
    pub max_age: Option<Checked<RetentionAge>>,
}

/// `[scheduler]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScheduler {
    /// How many sections may be scraped at the same time, 1 to 64 (default 4).
    #[serde(default = "defaults::concurrency")]
    pub concurrency: Checked<Concurrency>,
    /// Random spread of each interval, as a fraction of it from 0 to 0.5 (default 0.1).
    #[serde(default = "defaults::jitter")]
    pub jitter: Checked<Jitter>,
}

/// `[cluster]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    /// How long a section stays with an instance that stopped renewing its lease (killed,
    /// cut off) before another instance takes it over, 5 seconds to an hour (default "2m").
    #[serde(default = "defaults::lease_expiry")]
    pub lease_expiry: Checked<LeaseExpiry>,
}

/// `[[site]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    /// The site's name in logs and on the command line: a slug, unique in the file; required.
    pub id: Checked<SiteId>,
    /// Human name used in feed titles; defaults to the `id`.
    pub title: Option<String>,
    /// The site's root, an http(s) URL that section paths resolve against; required.
    pub base_url: Checked<HttpUrl>,
    /// Language tag of the site's pages ("en", "pt-BR"); none by default (every language the
    /// date reader knows is tried).
    pub language: Option<Checked<LanguageTag>>,
    /// IANA zone of dates written without one (default "UTC").
    #[serde(default = "defaults::timezone")]
    pub timezone: Checked<TimeZone>,
    /// How often each section is scraped, 10s to 30 days (default "15m").
    #[serde(default = "defaults::interval")]
    pub interval: Checked<Interval>,
    /// Shortest time between two requests to one host, at most 1h (default "1s").
    #[serde(default = "defaults::min_delay")]
    pub min_delay: Checked<PoliteDelay>,
    /// Longest time one request may take, at most 1h (default "30s").
    #[serde(default = "defaults::timeout")]
    pub timeout: Checked<RequestTimeout>,
    /// Most new article pages fetched per section per run, 1 to 1000 (default 30).
    #[serde(default = "defaults::max_articles")]
    pub max_articles: Checked<ArticleCount>,
    /// Entries kept per feed of this site; inherits `storage.max_entries`.
    pub max_entries: Option<Checked<EntryCount>>,
    /// Further attempts after a timeout, connection error or 5xx, 0 to 10 (default 2).
    #[serde(default = "defaults::retries")]
    pub retries: Checked<Retries>,
    /// First backoff step between attempts, doubled each time, at most 1h (default "1s").
    #[serde(default = "defaults::retry_delay")]
    pub retry_delay: Checked<RetryDelay>,
    /// Longest `Retry-After` waited for within a run, at most 6h (default "60s").
    #[serde(default = "defaults::max_retry_wait")]
    pub max_retry_wait: Checked<RetryWait>,
    /// Whether robots.txt is obeyed (default true).
    #[serde(default = "defaults::obey_robots")]
    pub obey_robots: bool,
    /// The feeds' icon, an absolute http(s) URL of an image; by default the icon the site
    /// declares on its home page, else its /favicon.ico (looked for once a day).
    pub icon: Option<Checked<HttpUrl>>,
    /// Maximum age of this site's entries; inherits `storage.max_age`.
    pub max_age: Option<Checked<RetentionAge>>,
    /// Request headers sent with every request for this site; none by default.
    #[serde(default)]
    pub headers: Headers,
    /// This site's own `[limits]`; each key inherits the top-level one.
    pub limits: Option<RawSiteLimits>,
    /// Where the list of a section's articles comes from; required.
    pub listing: RawListing,
    /// How article pages are read; by default the generic rules of `defaults`.
    #[serde(default)]
    pub article: RawArticle,
    /// The site's sections, one feed each; at least one is required.
    #[serde(default)]
    pub section: Vec<RawSection>,
}

/// `[[site.section]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    /// Names the feed: a slug unique across all sites, not "all"; required.
    pub id: Checked<SectionId>,
    /// Human name in the feed title; defaults to the `id`.
    pub title: Option<String>,
    /// Path relative to the site's `base_url`, or an absolute URL; defaults to `/{id}`.
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    /// How often the section is scraped, 10s to 30 days; inherits the site's `interval`.
    pub interval: Option<Checked<Interval>>,
    /// Entries kept in the feed; inherits the site's `max_entries`.
    pub max_entries: Option<Checked<EntryCount>>,
    /// Maximum age of the feed's entries; inherits the site's `max_age`.
    pub max_age: Option<Checked<RetentionAge>>,
    /// Values for the listing templates, strings or numbers; none by default.
    #[serde(default)]
    pub params: BTreeMap<String, Checked<ParamValue>>,
    /// Keep only entries matching one of these (keywords, or `/regex/`); none by default.
    #[serde(default)]
    pub include: Vec<Checked<FilterPattern>>,
    /// Drop entries matching any of these; none by default.
    #[serde(default)]
    pub exclude: Vec<Checked<FilterPattern>>,
    /// Fields the filters look at (default all three: title, summary and tags).
    #[serde(default = "defaults::filter_fields")]
    pub filter_fields: Vec<FilterField>,
}
