//! Typed, validated settings: the only form of the configuration the rest of the program sees.
//!
//! `Config::from_file` reads `config.toml`, `Config::parse` takes the text (tests use inline
//! TOML). The work is done in three layers, each in its own files:
//!
//! 1. `raw` mirrors the file key for key as serde structs. Each field carries its doc and its
//!    default (`#[serde(default = "…")]`, the functions in `defaults`); a value inherited from
//!    the level above (a section's `interval` from its site) stays optional. A closed set of
//!    values is a serde enum (`choices`), so TOML itself rejects anything else.
//! 2. A value that can be wrong in itself (a duration, a URL, a selector, a count) is a
//!    `Checked<Kind>` (`checked`): parsed while the file is read by the `values` parser of its
//!    kind, keeping the typed value or the problem with its position. Reading never stops at
//!    such a problem.
//! 3. `validate` turns the raw structs into the typed settings below (`site`, `rules`). It
//!    reports the problems the values carry and checks what involves more than one key:
//!    template names against each section's params, unique ids, the shape of a listing field
//!    for the listing's type, inheritance storage → site → section. Every problem is reported
//!    with the file position, site, section and key, all at once, so a user fixes a config in
//!    one round.
//!
//! Around the three layers: `locate` decides which file is read (`--config`,
//! `SCRAPEFEED_CONFIG`, then the usual places); `secrets` substitutes `${NAME}` in every string
//! value of the parsed document before it becomes the raw structs; `validate::wording` rewords
//! serde's type and unknown-key errors for people. `data_dir` chooses the database's default
//! place (the data directory, never `feeds/`) at load, and `data_dir::settle`, called once
//! at start by the commands that open the database, moves one left in `feeds/` there. The
//! environment is a parameter (`Env`) wherever it is read, so tests inject it.
//!
//! This module is plain typed data: it imports no stage of the pipeline (only `crate::model`,
//! for the filter's `Entry` and the sites' `TextLimits`). Stages build their runtime forms (a fetch request, a retry
//! policy, an extraction plan) from it themselves. `Config::schema()` describes the file for
//! `tests/config_docs.rs`, which checks `docs/config.md` against it.

mod checked;
mod choices;
pub mod data_dir;
mod defaults;
pub mod filter;
mod headers;
pub mod locate;
pub mod pg_target;
mod raw;
mod rules;
mod secrets;
mod site;
pub mod template;
mod validate;
mod values;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use url::Url;

pub use choices::HttpMethod;
pub use data_dir::{settle, DataDirError};
pub use filter::{EntryFilter, FilterFields, Pattern};
pub use locate::{locate, process_env, Env, NotFound};
pub use pg_target::{PgTarget, PgTargetError};
pub use rules::{Css, JsonPath, Rule, Source, Take, Transform};
pub use site::{
    ArticleRules, ListingFields, ListingKind, ListingRules, PageParam, PageStep, Pagination,
    RetrySettings, Section, Site,
};
pub use template::{Escape, Template};

/// Everything scrapefeed was told to do.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerSettings,
    pub storage: StorageSettings,
    pub scheduler: SchedulerSettings,
    pub cluster: ClusterSettings,
    pub sites: Vec<Arc<Site>>,
}

#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    /// Set when the operator configured it; otherwise self links use the listen address.
    /// Always ends with `/`; its path is the prefix the routes also answer under.
    pub public_url: Option<Url>,
    /// Proxies whose forwarding headers are believed (`server::forwarded`); empty: none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub templates_dir: PathBuf,
    /// Bytes of rendered feeds kept in memory (`feeds::FeedSet`).
    pub feed_cache_bytes: usize,
    /// How long the server waits on its clients, and how many it serves at once.
    pub connections: ConnectionSettings,
    /// How long in-flight requests and scrapes may finish after a stop signal.
    pub shutdown_grace: Duration,
    /// Whether `/suggest` is offered.
    pub suggest: bool,
    /// The operator's secret (`server.admin_token` or `SCRAPEFEED_ADMIN_TOKEN`); the admin
    /// routes exist only when it is set.
    pub admin_token: Option<String>,
}

impl ServerSettings {
    /// The path `public_url` puts the server under, without its last `/`: `"/feeds-app"`
    /// for `https://host/feeds-app/`, `""` when it has none or is not set.
    pub fn path_prefix(&self) -> &str {
        self.public_url
            .as_ref()
            .map_or("", |url| url.path().trim_end_matches('/'))
    }
}

/// The limits the HTTP server puts on every client connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// For a request's head: from the connection's start (first request) or its first byte.
    pub header_timeout: Duration,
    /// Between two requests on one connection.
    pub keep_alive_timeout: Duration,
    /// While the client takes none of an answer.
    pub send_timeout: Duration,
    /// Set when the operator configured it; otherwise derived from the open-files limit when
    /// the server starts.
    pub max_connections: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct StorageSettings {
    /// The SQLite file; not used when `postgres` is set.
    pub database: PathBuf,
    /// The shared PostgreSQL database, when `storage.database` (or `SCRAPEFEED_DATABASE_URL`)
    /// is a `postgres://` URL: it is used instead of the SQLite file.
    pub postgres: Option<PgTarget>,
    /// Connections to `postgres` this instance keeps at most.
    pub pool_size: u32,
    /// The old default place of the database (`feeds/scrapefeed.db` beside the config), set
    /// when `database` is the default: `data_dir::settle` moves a database found there.
    pub legacy_database: Option<PathBuf>,
    /// Where every feed is also written as files; `None`: nowhere, feeds are served from
    /// memory (`feeds::FeedSet`). See `defaults::feeds_dir` for the default.
    pub feeds_dir: Option<PathBuf>,
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

/// How the instances of a cluster (several on one PostgreSQL store) share the work.
#[derive(Debug, Clone)]
pub struct ClusterSettings {
    /// How long a section's lease lasts without renewal (`cluster::Cluster::join`).
    pub lease_expiry: Duration,
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
    /// Reads and validates a config file, with the process's environment. Relative paths
    /// inside it are relative to its directory, so a config and its database travel together.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        Config::load(path, &process_env)
    }

    /// `from_file` with the environment given: `${NAME}` values and `STATE_DIRECTORY`.
    pub fn load(path: &Path, env: Env<'_>) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        validate::validate(&text, &path.display().to_string(), base, env)
    }

    /// Validates config text with the process's environment; relative paths resolve against
    /// `base_dir`.
    pub fn parse(text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
        Config::parse_with_env(text, base_dir, &process_env)
    }

    /// `parse` with the environment given.
    pub fn parse_with_env(
        text: &str,
        base_dir: &Path,
        env: Env<'_>,
    ) -> Result<Config, ConfigError> {
        validate::validate(text, "config", base_dir, env)
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

    /// The JSON schema of the configuration file, derived from the raw structs: every key,
    /// its doc, its type and its default.
    pub fn schema() -> schemars::Schema {
        schemars::schema_for!(raw::RawConfig)
    }

    /// The base URL of self links and subscribe links.
    pub fn public_url(&self) -> Url {
        self.server.public_url.clone().unwrap_or_else(|| {
            Url::parse(&format!("http://{}/", self.server.listen))
                .expect("socket address is a valid host")
        })
    }
}
