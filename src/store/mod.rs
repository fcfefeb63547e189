//! Durable storage of entries and scrape runs, behind a small interface.
//!
//! The pipeline only needs: which of these URLs do we have, which entries deserve another
//! try at their article page, save a scrape's entries (one transaction), list a feed's
//! entries newest first, and record a run; and what the feeds show besides entries (a
//! site's icons, the size of each lead image: `media`). SQLite implements it (`sqlite`), and so
//! does the PostgreSQL store several instances share (`pg`); `open` chooses one (`Backend`).
//!
//! Invariants every implementation keeps: an entry is keyed by (feed, URL); its URL, published
//! date, first-seen time and date source never change once stored; a feed keeps at most its
//! `max_entries` newest entries, none older than its `max_age`; an entry removed by retention
//! is remembered for a while (a tombstone) so it is not stored again as if new.

mod backend;
#[cfg(test)]
mod contract;
mod exports;
mod facade;
mod fetch_state;
mod media;
mod migrations;
pub mod pg;
mod retention;
mod sqlite;
mod transfer;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};

use crate::model::{Entry, ImageFacts, SiteIcons};
pub use backend::{open, Backend};
pub use facade::AsyncStore;
pub use migrations::MigrationError;
pub use sqlite::{SqliteStore, WritesStopped};
pub use transfer::{ExportOutcome, ExportRecord, ImportOutcome, PrunedRecord, TransferError};

/// How much history a feed keeps; applied after every save, in the same transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// The newest entries (by published date) kept.
    pub max_entries: usize,
    /// Entries published longer ago than this are removed.
    pub max_age: Option<Duration>,
}

/// How complete a stored entry's article data is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleState {
    /// Read from the article page.
    Complete,
    /// The article page failed for a reason that may pass (timeout, 5xx): stored from the
    /// listing's data, and its page is tried again on later runs.
    Retry,
    /// The article page answered 404/410: the listing's data is all there will be.
    Gone,
}

impl ArticleState {
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleState::Complete => "complete",
            ArticleState::Retry => "retry",
            ArticleState::Gone => "gone",
        }
    }

    /// The state `as_str` wrote; `None` for any other text (a damaged database or export).
    pub fn parse(text: &str) -> Option<ArticleState> {
        [
            ArticleState::Complete,
            ArticleState::Retry,
            ArticleState::Gone,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// An entry produced by a scrape, with how complete it is.
#[derive(Debug, Clone)]
pub struct ScrapedEntry {
    pub entry: Entry,
    pub state: ArticleState,
}

/// What a save changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveOutcome {
    pub inserted: usize,
    pub updated: usize,
    pub pruned: usize,
}

/// One scrape of one section, for the health endpoint and the history.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub feed: String,
    pub started: DateTime<Utc>,
    pub duration_ms: u64,
    pub error: Option<String>,
    /// The HTTP status that failed the run, when one did.
    pub http_status: Option<u16>,
    pub new_entries: usize,
    /// Stored entries completed by a retried article page.
    pub updated_entries: usize,
}

/// A section's run history, summed up for `/healthz`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub last: RunRecord,
    /// When the last successful run finished.
    pub last_success: Option<DateTime<Utc>>,
    /// How long the last successful run took.
    pub last_success_duration_ms: Option<u64>,
    pub consecutive_failures: u32,
}

/// What the last scrape of a section learnt about its listing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchState {
    pub validators: crate::model::Validators,
    /// Parameters read from the section page, and when.
    pub page_params: Option<PageParams>,
}

/// What a feed's exported files hold: enough to answer conditional requests and show the
/// feed on the index page without rendering it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedHead {
    /// What the render depends on besides the entries (release, feed metadata): a head
    /// recorded under another fingerprint describes bytes this process would not produce.
    pub fingerprint: String,
    /// The identity digest (hex) of the RSS, Atom and JSON Feed documents.
    pub digests: [String; 3],
    /// The feed's own date.
    pub updated: DateTime<FixedOffset>,
    pub entries: usize,
}

/// One feed's export record.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportState {
    pub feed: String,
    /// Its entries changed since its files were last written.
    pub stale: bool,
    pub head: Option<ExportedHead>,
}

/// The columns both stores keep a feed's export head in, decoded (`None` while any is unset).
fn exported_head(
    fingerprint: Option<String>,
    digests: Option<String>,
    updated: Option<String>,
    entries: Option<i64>,
) -> Result<Option<ExportedHead>, StoreError> {
    let (Some(fingerprint), Some(digests), Some(updated), Some(entries)) =
        (fingerprint, digests, updated, entries)
    else {
        return Ok(None);
    };
    let digests = serde_json::from_str(&digests).map_err(|_| StoreError::Corrupt {
        what: "feed digest list",
        value: digests.clone(),
    })?;
    Ok(Some(ExportedHead {
        fingerprint,
        digests,
        updated: sqlite::parse_date("feed date", &updated)?,
        entries: entries.max(0) as usize,
    }))
}

/// Parameters read from a section page, and when.
pub type PageParams = (std::collections::BTreeMap<String, String>, DateTime<Utc>);

/// The page parameters both stores keep as JSON and a Unix time, decoded.
fn page_params(
    json: Option<String>,
    read_ts: Option<i64>,
) -> Result<Option<PageParams>, StoreError> {
    let (Some(json), Some(ts)) = (json, read_ts) else {
        return Ok(None);
    };
    let map = serde_json::from_str(&json).map_err(|_| StoreError::Corrupt {
        what: "page parameter set",
        value: json.clone(),
    })?;
    Ok(chrono::TimeZone::timestamp_opt(&Utc, ts, 0)
        .single()
        .map(|at| (map, at)))
}

impl RunSummary {
    /// A summary from a feed's latest run, its last success (start text as stored, duration)
    /// and its failure streak, as both stores read them.
    fn new(
        last: RunRecord,
        success: Option<(String, i64)>,
        failures: i64,
    ) -> Result<RunSummary, StoreError> {
        let success = success
            .map(|(started, ms)| {
                let started = sqlite::parse_date("run start", &started)?.with_timezone(&Utc);
                Ok::<_, StoreError>((started, ms.max(0) as u64))
            })
            .transpose()?;
        Ok(RunSummary {
            // When it finished: its start plus its duration (saturating far in the future).
            last_success: success.map(|(started, ms)| {
                started
                    .checked_add_signed(chrono::TimeDelta::milliseconds(
                        ms.min(i64::MAX as u64) as i64
                    ))
                    .unwrap_or(started)
            }),
            last_success_duration_ms: success.map(|(_, ms)| ms),
            consecutive_failures: u32::try_from(failures).unwrap_or(u32::MAX),
            last,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot create the database directory {path}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    #[error("database error")]
    Sql(#[from] rusqlite::Error),
    #[error("database holds an unreadable {what} {value:?}")]
    Corrupt { what: &'static str, value: String },
    #[error("database error")]
    Pg(#[from] ::postgres::Error),
    /// No connection to the shared store (it is down, unreachable, or refused us).
    #[error("cannot connect to database {url}: {message}")]
    PgUnavailable { url: String, message: String },
    /// A query of the shared store failed (its transaction, if any, was rolled back).
    #[error("database {url}: {source}")]
    PgQuery {
        url: String,
        source: ::postgres::Error,
    },
    /// The shared store's schema is newer than this release's.
    #[error(
        "database {url} has schema version {found}, newer than this release understands \
         ({latest}); upgrade scrapefeed on every instance that uses it"
    )]
    PgTooNew {
        url: String,
        found: i64,
        latest: i64,
    },
    #[error("storage task failed")]
    Task(#[source] tokio::task::JoinError),
    #[error("database {path}: {source}")]
    Migration {
        path: String,
        source: MigrationError,
    },
    /// Found at start (`PRAGMA quick_check`, or SQLite refusing the file): the store does
    /// not open it.
    #[error(
        "database {path} is damaged: {problem}. scrapefeed does not open a damaged database, \
         so that nothing more is lost. To recover, stop every scrapefeed process that uses it \
         and move the file aside together with its -wal and -shm files; then restore your \
         latest backup into a new database with `scrapefeed import BACKUP.jsonl` (backups are \
         written by `scrapefeed export`), or salvage what the file still holds with sqlite3 as \
         README.md shows (\"Crashes, upgrades, backups\")"
    )]
    Damaged { path: String, problem: String },
    /// Found while running: every write is refused from then on (no path here: this text
    /// reaches `/healthz`; the log names the file once).
    #[error("{0}; nothing is written to the database until scrapefeed restarts")]
    WritesStopped(WritesStopped),
}

/// The storage interface the pipeline and the server use.
pub trait Store: Send + Sync {
    /// The subset of `urls` already stored in `feed`, or removed from it by retention
    /// recently (those must not come back as new entries).
    fn known(&self, feed: &str, urls: &[String]) -> Result<HashSet<String>, StoreError>;
    /// URLs of entries whose article page should be tried again (state `Retry`, fewer than
    /// `max_attempts` tries so far).
    fn retry_candidates(&self, feed: &str, max_attempts: u32) -> Result<Vec<String>, StoreError>;
    /// Inserts new entries, completes `Retry` ones, then applies `retention` as of `now`, all
    /// in one transaction. A scrape passes the feed's fetch state (listing validators) too:
    /// its entries and the validators that describe the listing they came from commit
    /// together, one sync instead of two. Without `state` (a cancelled scrape, an import) the
    /// recorded state stays as it was.
    fn save(
        &self,
        feed: &str,
        entries: &[ScrapedEntry],
        retention: &Retention,
        now: DateTime<Utc>,
        state: Option<&FetchState>,
    ) -> Result<SaveOutcome, StoreError>;
    /// The feed's entries, newest first.
    fn entries(&self, feed: &str, limit: usize) -> Result<Vec<Entry>, StoreError>;
    /// The newest `cap` entries across `feeds`, newest first, one per article URL (its
    /// newest copy).
    fn merged_entries(&self, feeds: &[String], cap: usize) -> Result<Vec<Entry>, StoreError>;
    /// Every feed's export record. A feed's entries changing (`save`, an import) marks it
    /// stale in the same transaction.
    fn exports(&self) -> Result<Vec<ExportState>, StoreError>;
    /// Records that `feed`'s files now hold `head`, and marks `now_stale` (the merged feeds
    /// it belongs to) stale, in one transaction.
    fn record_export(
        &self,
        feed: &str,
        head: &ExportedHead,
        now_stale: &[&str],
    ) -> Result<(), StoreError>;
    fn record_run(&self, run: &RunRecord) -> Result<(), StoreError>;
    /// The latest run of every feed that has one.
    fn latest_runs(&self) -> Result<Vec<RunRecord>, StoreError>;
    /// Every feed's latest run, last success and current failure streak.
    fn run_summaries(&self) -> Result<Vec<RunSummary>, StoreError>;
    fn fetch_state(&self, feed: &str) -> Result<FetchState, StoreError>;
    /// The icons last found for `site`, and when they were looked for (none found is
    /// recorded too, so a site without icons is not asked again at every scrape).
    fn site_icons(&self, site: &str) -> Result<Option<(SiteIcons, DateTime<Utc>)>, StoreError>;
    fn record_site_icons(
        &self,
        site: &str,
        icons: &SiteIcons,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// What is known of each of `urls` that was asked about already (an image not in the
    /// answer was never asked about).
    fn image_facts(
        &self,
        urls: &[&str],
    ) -> Result<std::collections::HashMap<String, ImageFacts>, StoreError>;
    /// Records what was learnt of images, and forgets old ones no entry shows any more.
    fn record_images(
        &self,
        images: &[(String, ImageFacts)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    fn set_fetch_state(&self, feed: &str, state: &FetchState) -> Result<(), StoreError>;
    /// Checks now that the store can still be written: its file is the one it opened and
    /// sound (`StoreError::WritesStopped` otherwise). Once a check fails, every write is
    /// refused until restart, while reads go on. Every write checks first; a server calls
    /// this every few seconds too, so an idle one notices.
    fn check_writable(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Why writes are refused, if they are, as the last check found (no I/O: for
    /// `/healthz`).
    fn writes_stopped(&self) -> Option<WritesStopped> {
        None
    }
}
