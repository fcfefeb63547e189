//! The SQLite store (bundled SQLite, WAL mode, schema by `migrations`).
//!
//! One connection behind a mutex: scrapes write rarely and briefly, and the server reads
//! rendered feeds from memory, not from here, so contention is negligible. Callers on the
//! async runtime go through `store::AsyncStore`. Opening and creating the file, and refusing
//! a damaged one: `open`. Every call passes through `guard`, which stops writes for good
//! once the file is deleted, replaced or found damaged while running.
//!
//! Durability: `synchronous = FULL` syncs the WAL at every commit. A scrape's entries are
//! committed before its feed file is written (and fsynced), so with FULL no power cut can
//! leave a served entry that the database forgot; with NORMAL the last commits could roll
//! back while the feed file survives. Scrapes commit a few times an hour, so the cost of
//! one fsync per commit is nothing.

use std::collections::HashSet;
use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{
    exports, retention, ArticleState, Retention, RunRecord, SaveOutcome, ScrapedEntry, Store,
    StoreError,
};
use crate::model::Entry;

mod guard;
mod open;

pub use guard::WritesStopped;

/// Runs kept per feed in the history table.
const RUNS_KEPT: i64 = 200;

pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// Stops writes once the file is lost or damaged (`guard`).
    guard: guard::FileGuard,
}

/// The canonical form of stored URLs that are not canonical themselves: entries stored by a
/// release before URLs were canonicalized may carry tracking parameters or a fragment. Their
/// guid must not change, so they keep their URL; this lets the listing's canonical URL still
/// recognise them, so they are not stored a second time. A feed holds at most `max_entries`
/// rows, so scanning it is cheap.
fn legacy_keys(conn: &Connection, feed: &str) -> Result<HashSet<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT url FROM entries WHERE feed = ?1 AND (instr(url, '?') > 0 OR instr(url, '#') > 0)",
    )?;
    let urls = stmt.query_map(params![feed], |r| r.get::<_, String>(0))?;
    let mut keys = HashSet::new();
    for url in urls {
        let url = url?;
        if let Ok(parsed) = url::Url::parse(&url) {
            let canonical = crate::identity::canonical_url(&parsed).to_string();
            if canonical != url {
                keys.insert(canonical);
            }
        }
    }
    Ok(keys)
}

pub(super) fn rfc3339(d: &DateTime<FixedOffset>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The columns `read_entry` reads, in its order.
const ENTRY_COLUMNS: &str =
    "url, title, summary, body, author, tags, image, published, updated, first_seen, date_source";

fn read_entry(row: &rusqlite::Row<'_>) -> Result<Entry, StoreError> {
    read_entry_at(row, 0)
}

/// An entry from `ENTRY_COLUMNS`, starting at column `at`.
fn read_entry_at(row: &rusqlite::Row<'_>, at: usize) -> Result<Entry, StoreError> {
    let tags: String = row.get(at + 5)?;
    let published: String = row.get(at + 7)?;
    let updated: Option<String> = row.get(at + 8)?;
    let first_seen: String = row.get(at + 9)?;
    Ok(Entry {
        url: row.get(at)?,
        title: row.get(at + 1)?,
        summary: row.get(at + 2)?,
        body: row.get(at + 3)?,
        author: row.get(at + 4)?,
        tags: serde_json::from_str(&tags).map_err(|_| StoreError::Corrupt {
            what: "tag list",
            value: tags,
        })?,
        image: row.get(at + 6)?,
        published: parse_date("published date", &published)?,
        updated: updated
            .as_deref()
            .map(|u| parse_date("updated date", u))
            .transpose()?,
        first_seen: parse_date("first-seen time", &first_seen)?.with_timezone(&Utc),
        date_source: row.get(at + 10)?,
    })
}

pub(super) fn parse_date(
    what: &'static str,
    text: &str,
) -> Result<DateTime<FixedOffset>, StoreError> {
    DateTime::parse_from_rfc3339(text).map_err(|_| StoreError::Corrupt {
        what,
        value: text.to_string(),
    })
}

// Every call's result goes through `watch` (a damaged file stops writes), and every write
// first asks `writable` (a lost file stops them too). The queries themselves are the
// functions below, on a connection.
impl Store for SqliteStore {
    fn known(&self, feed: &str, urls: &[String]) -> Result<HashSet<String>, StoreError> {
        let result = known(&self.conn(), feed, urls);
        self.watch(result)
    }

    fn retry_candidates(&self, feed: &str, max_attempts: u32) -> Result<Vec<String>, StoreError> {
        let result = retry_candidates(&self.conn(), feed, max_attempts);
        self.watch(result)
    }

    fn save(
        &self,
        feed: &str,
        entries: &[ScrapedEntry],
        retention: &Retention,
        now: DateTime<Utc>,
        state: Option<&super::FetchState>,
    ) -> Result<SaveOutcome, StoreError> {
        self.writable()?;
        let result = self.save_in_one_transaction(feed, entries, retention, now, state);
        self.watch(result)
    }

    fn entries(&self, feed: &str, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let result = entries(&self.conn(), feed, limit);
        self.watch(result)
    }

    fn merged_entries(&self, feeds: &[String], cap: usize) -> Result<Vec<Entry>, StoreError> {
        let result = merged_entries(&self.conn(), feeds, cap);
        self.watch(result)
    }

    fn exports(&self) -> Result<Vec<super::ExportState>, StoreError> {
        let result = exports::read(&self.conn());
        self.watch(result)
    }

    fn record_export(
        &self,
        feed: &str,
        head: &super::ExportedHead,
        now_stale: &[&str],
    ) -> Result<(), StoreError> {
        self.writable()?;
        let result = record_export(&mut self.conn(), feed, head, now_stale);
        self.watch(result)
    }

    fn record_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        self.writable()?;
        let result = record_run(&self.conn(), run);
        self.watch(result)
    }

    fn run_summaries(&self) -> Result<Vec<super::RunSummary>, StoreError> {
        let result = super::fetch_state::run_summaries(&self.conn());
        self.watch(result)
    }

    fn fetch_state(&self, feed: &str) -> Result<super::FetchState, StoreError> {
        let result = super::fetch_state::read(&self.conn(), feed);
        self.watch(result)
    }

    fn set_fetch_state(&self, feed: &str, state: &super::FetchState) -> Result<(), StoreError> {
        self.writable()?;
        let result = super::fetch_state::write(&self.conn(), feed, state);
        self.watch(result)
    }

    fn site_icons(
        &self,
        site: &str,
    ) -> Result<Option<(crate::model::SiteIcons, DateTime<Utc>)>, StoreError> {
        let result = super::media::site_icons(&self.conn(), site);
        self.watch(result)
    }

    fn record_site_icons(
        &self,
        site: &str,
        icons: &crate::model::SiteIcons,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.writable()?;
        let result = super::media::record_site_icons(&self.conn(), site, icons, at);
        self.watch(result)
    }

    fn image_facts(
        &self,
        urls: &[&str],
    ) -> Result<std::collections::HashMap<String, crate::model::ImageFacts>, StoreError> {
        let result = super::media::image_facts(&self.conn(), urls);
        self.watch(result)
    }

    fn record_images(
        &self,
        images: &[(String, crate::model::ImageFacts)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.writable()?;
        let result = super::media::record_images(&mut self.conn(), images, at);
        self.watch(result)
    }

    fn latest_runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        let result = super::fetch_state::latest_runs(&self.conn());
        self.watch(result)
    }

    fn check_writable(&self) -> Result<(), StoreError> {
        self.writable()
    }

    fn writes_stopped(&self) -> Option<WritesStopped> {
        self.guard.stopped().cloned()
    }
}

/// `Store::known`.
fn known(conn: &Connection, feed: &str, urls: &[String]) -> Result<HashSet<String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM entries WHERE feed = ?1 AND url = ?2")?;
    let legacy = legacy_keys(conn, feed)?;
    let mut known = HashSet::new();
    for url in urls {
        if stmt.exists(params![feed, url])?
            || retention::is_tombstoned(conn, feed, url)?
            || legacy.contains(url)
        {
            known.insert(url.clone());
        }
    }
    Ok(known)
}

/// `Store::retry_candidates`.
fn retry_candidates(
    conn: &Connection,
    feed: &str,
    max_attempts: u32,
) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT url FROM entries WHERE feed = ?1 AND state = 'retry' AND attempts < ?2 ORDER BY published_ts DESC",
    )?;
    let urls = stmt
        .query_map(params![feed, max_attempts], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(urls)
}

/// `Store::entries`.
fn entries(conn: &Connection, feed: &str, limit: usize) -> Result<Vec<Entry>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries WHERE feed = ?1
         ORDER BY published_ts DESC, id DESC LIMIT ?2"
    ))?;
    let mut rows = stmt.query(params![feed, limit as i64])?;
    let mut entries = Vec::new();
    while let Some(row) = rows.next()? {
        entries.push(read_entry(row)?);
    }
    Ok(entries)
}

/// `Store::merged_entries`.
fn merged_entries(
    conn: &Connection,
    feeds: &[String],
    cap: usize,
) -> Result<Vec<Entry>, StoreError> {
    let members: HashSet<&str> = feeds.iter().map(String::as_str).collect();
    // Newest first through `entries_by_date`: the scan stops once `cap` distinct
    // articles are found, however many entries the store holds.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT feed, {ENTRY_COLUMNS} FROM entries ORDER BY published_ts DESC, id DESC"
    ))?;
    let mut rows = stmt.query([])?;
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    while entries.len() < cap {
        let Some(row) = rows.next()? else { break };
        let feed = row.get_ref(0)?.as_str().unwrap_or_default();
        if !members.contains(feed) {
            continue;
        }
        let url: String = row.get(1)?;
        if seen.insert(url) {
            entries.push(read_entry_at(row, 1)?);
        }
    }
    Ok(entries)
}

/// `Store::record_export`.
fn record_export(
    conn: &mut Connection,
    feed: &str,
    head: &super::ExportedHead,
    now_stale: &[&str],
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    exports::record(&tx, feed, head)?;
    for other in now_stale {
        exports::mark_stale(&tx, other)?;
    }
    tx.commit()?;
    Ok(())
}

/// `Store::record_run`.
fn record_run(conn: &Connection, run: &RunRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO runs (feed, started, duration_ms, error, new_entries, http_status, updated_entries)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            run.feed,
            run.started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            run.duration_ms as i64,
            run.error,
            run.new_entries as i64,
            run.http_status,
            run.updated_entries as i64,
        ],
    )?;
    conn.execute(
        "DELETE FROM runs WHERE feed = ?1 AND id NOT IN (SELECT id FROM runs WHERE feed = ?1 ORDER BY id DESC LIMIT ?2)",
        params![run.feed, RUNS_KEPT],
    )?;
    Ok(())
}

impl SqliteStore {
    /// `Store::save`: one transaction.
    fn save_in_one_transaction(
        &self,
        feed: &str,
        entries: &[ScrapedEntry],
        retention: &Retention,
        now: DateTime<Utc>,
        state: Option<&super::FetchState>,
    ) -> Result<SaveOutcome, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut outcome = SaveOutcome::default();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO entries (feed, url, title, summary, body, author, tags, image, published, published_ts,
                                      updated, first_seen, date_source, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT (feed, url) DO NOTHING",
            )?;
            // Only entries still waiting for their article page take new content; their
            // identity (url, published, first_seen, date_source) is never rewritten.
            let mut complete = tx.prepare_cached(
                "UPDATE entries SET title = ?3, summary = ?4, body = ?5, author = ?6, tags = ?7, image = ?8,
                                    updated = ?9, state = ?10, attempts = attempts + 1
                 WHERE feed = ?1 AND url = ?2 AND state = 'retry'",
            )?;
            for scraped in entries {
                let e = &scraped.entry;
                let tags = serde_json::to_string(&e.tags).unwrap_or_else(|_| "[]".into());
                let updated = e.updated.as_ref().map(rfc3339);
                let inserted = insert.execute(params![
                    feed,
                    e.url,
                    e.title,
                    e.summary,
                    e.body,
                    e.author,
                    tags,
                    e.image,
                    rfc3339(&e.published),
                    e.published.timestamp(),
                    updated,
                    e.first_seen
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    e.date_source,
                    scraped.state.as_str(),
                ])?;
                if inserted == 1 {
                    outcome.inserted += 1;
                    continue;
                }
                let changed = complete.execute(params![
                    feed,
                    e.url,
                    e.title,
                    e.summary,
                    e.body,
                    e.author,
                    tags,
                    e.image,
                    updated,
                    scraped.state.as_str(),
                ])?;
                outcome.updated += changed;
            }
            outcome.pruned = retention::apply(&tx, feed, retention, now)?;
            if outcome != SaveOutcome::default() {
                // In the same transaction: a crash before the feed's files are written
                // leaves it marked, and the next start writes them.
                exports::mark_stale(&tx, feed)?;
            }
        }
        if let Some(state) = state {
            super::fetch_state::write(&tx, feed, state)?;
        }
        tx.commit()?;
        if outcome.pruned > 0 {
            // Best effort: the save is committed; a failed vacuum only means it waits.
            if let Err(error) = retention::vacuum_if_worth_it(&conn) {
                tracing::warn!(%error, "vacuum failed");
            }
        }
        Ok(outcome)
    }
}

impl SqliteStore {
    /// The state of a stored entry (tests and `check`).
    pub fn state_of(&self, feed: &str, url: &str) -> Result<Option<ArticleState>, StoreError> {
        let conn = self.conn();
        let state: Option<String> = conn
            .query_row(
                "SELECT state FROM entries WHERE feed = ?1 AND url = ?2",
                params![feed, url],
                |r| r.get(0),
            )
            .optional()?;
        state
            .map(|text| {
                ArticleState::parse(&text).ok_or(StoreError::Corrupt {
                    what: "article state",
                    value: text,
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests;
