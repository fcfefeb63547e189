//! The SQLite store (bundled SQLite, WAL mode, schema by `migrations`).
//!
//! One connection behind a mutex: scrapes write rarely and briefly, and the server reads
//! rendered feeds from memory, not from here, so contention is negligible. Callers on the
//! async runtime go through `spawn_blocking`.
//!
//! Durability: `synchronous = FULL` syncs the WAL at every commit. A scrape's entries are
//! committed before its feed file is written (and fsynced), so with FULL no power cut can
//! leave a served entry that the database forgot; with NORMAL the last commits could roll
//! back while the feed file survives. Scrapes commit a few times an hour, so the cost of
//! one fsync per commit is nothing.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{
    exports, migrations, retention, ArticleState, Retention, RunRecord, SaveOutcome, ScrapedEntry,
    Store, StoreError,
};
use crate::model::Entry;

/// Runs kept per feed in the history table.
const RUNS_KEPT: i64 = 200;

pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        if !path.exists() {
            create_atomically(path)?;
        }
        let conn = Connection::open(path).map_err(open_err)?;
        Self::init(conn, &path.display().to_string())
    }

    /// An in-memory database, for tests and `check`.
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        Self::init(Connection::open_in_memory()?, ":memory:")
    }

    fn init(mut conn: Connection, path: &str) -> Result<SqliteStore, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_string(),
            source,
        };
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        migrations::migrate(&mut conn).map_err(|source| StoreError::Migration {
            path: path.to_string(),
            source,
        })?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    pub(super) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How old a leftover `create_atomically` file must be before another start removes it:
/// creating a database takes milliseconds, so anything this old was left by a killed start.
const STALE_INIT_AGE: Duration = Duration::from_secs(600);

/// Creates a new database at `path` in WAL mode with the latest schema, so that `path`
/// never exists half-made.
///
/// Switching a fresh file to WAL writes its header through a rollback journal; a process
/// killed in that moment leaves a hot `-journal` next to the database, which only a writer
/// can roll back (a read-only reader, such as a backup tool, gets `SQLITE_READONLY_ROLLBACK`).
/// So the file is made under a private name and hard-linked into place, which fails instead
/// of overwriting when a concurrent start won the race.
fn create_atomically(path: &Path) -> Result<(), StoreError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.init-");
    remove_stale_inits(dir, &prefix);
    let temp = dir.join(format!("{prefix}{}", std::process::id()));
    remove_with_sidecars(&temp);
    let shown = path.display().to_string();
    let open_err = |source| StoreError::Open {
        path: shown.clone(),
        source,
    };
    let made = Connection::open(&temp)
        .map_err(open_err)
        .and_then(|conn| SqliteStore::init(conn, &shown))
        // Dropping the store closes the connection: SQLite checkpoints and removes the WAL,
        // and the header keeps WAL mode for every later open.
        .map(drop);
    let linked = made.and_then(|()| match std::fs::hard_link(&temp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Directory {
            path: dir.display().to_string(),
            source,
        }),
    });
    remove_with_sidecars(&temp);
    linked?;
    // The new name must survive a power cut as well as the file.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes `create_atomically` files left by starts that were killed.
fn remove_stale_inits(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(file) = file.to_str() else { continue };
        let sidecar = ["-journal", "-wal", "-shm"]
            .iter()
            .any(|s| file.ends_with(s));
        if !file.starts_with(prefix) || sidecar {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_INIT_AGE);
        if old {
            remove_with_sidecars(&entry.path());
        }
    }
}

fn remove_with_sidecars(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(Path::new(&p));
    }
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

impl Store for SqliteStore {
    fn known(&self, feed: &str, urls: &[String]) -> Result<HashSet<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT 1 FROM entries WHERE feed = ?1 AND url = ?2")?;
        let legacy = legacy_keys(&conn, feed)?;
        let mut known = HashSet::new();
        for url in urls {
            if stmt.exists(params![feed, url])?
                || retention::is_tombstoned(&conn, feed, url)?
                || legacy.contains(url)
            {
                known.insert(url.clone());
            }
        }
        Ok(known)
    }

    fn retry_candidates(&self, feed: &str, max_attempts: u32) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT url FROM entries WHERE feed = ?1 AND state = 'retry' AND attempts < ?2 ORDER BY published_ts DESC",
        )?;
        let urls = stmt
            .query_map(params![feed, max_attempts], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(urls)
    }

    fn save(
        &self,
        feed: &str,
        entries: &[ScrapedEntry],
        retention: &Retention,
        now: DateTime<Utc>,
        state: Option<&super::FetchState>,
    ) -> Result<SaveOutcome, StoreError> {
        self.save_in_one_transaction(feed, entries, retention, now, state)
    }

    fn entries(&self, feed: &str, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let conn = self.conn();
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

    fn merged_entries(&self, feeds: &[String], cap: usize) -> Result<Vec<Entry>, StoreError> {
        let members: HashSet<&str> = feeds.iter().map(String::as_str).collect();
        let conn = self.conn();
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

    fn exports(&self) -> Result<Vec<super::ExportState>, StoreError> {
        exports::read(&self.conn())
    }

    fn record_export(
        &self,
        feed: &str,
        head: &super::ExportedHead,
        now_stale: &[&str],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        exports::record(&tx, feed, head)?;
        for other in now_stale {
            exports::mark_stale(&tx, other)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn record_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        let conn = self.conn();
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

    fn run_summaries(&self) -> Result<Vec<super::RunSummary>, StoreError> {
        super::fetch_state::run_summaries(&self.conn())
    }

    fn fetch_state(&self, feed: &str) -> Result<super::FetchState, StoreError> {
        super::fetch_state::read(&self.conn(), feed)
    }

    fn set_fetch_state(&self, feed: &str, state: &super::FetchState) -> Result<(), StoreError> {
        super::fetch_state::write(&self.conn(), feed, state)
    }

    fn latest_runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        super::fetch_state::latest_runs(&self.conn())
    }
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
        Ok(state.as_deref().map(ArticleState::parse))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn keep(max_entries: usize) -> Retention {
        Retention {
            max_entries,
            max_age: None,
        }
    }

    #[test]
    fn a_new_database_appears_whole_and_killed_starts_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.db");
        // Left by a start killed long ago, and by one running right now.
        let stale = dir.path().join(".feeds.db.init-4242");
        let fresh = dir.path().join(".feeds.db.init-4343");
        for p in [&stale, &fresh] {
            std::fs::write(p, b"half made").unwrap();
        }
        std::fs::write(dir.path().join(".feeds.db.init-4242-journal"), b"hot").unwrap();
        let long_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();

        drop(SqliteStore::open(&path).unwrap());

        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".feeds.db.init-4343", "feeds.db"]);
        // A reader that may not write finds a WAL database with the schema, no journal to
        // roll back.
        let conn =
            Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, migrations::LATEST);
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 14, 12, 0, 0).unwrap()
    }

    fn entry(url: &str, minute: u32) -> ScrapedEntry {
        let published = FixedOffset::east_opt(3 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 6, 13, 14, minute, 0)
            .unwrap();
        ScrapedEntry {
            entry: Entry {
                url: url.into(),
                title: format!("title {url}"),
                summary: None,
                body: None,
                author: None,
                tags: vec!["a".into()],
                image: None,
                published,
                updated: None,
                first_seen: Utc.with_ymd_and_hms(2026, 6, 13, 12, 0, 0).unwrap(),
                date_source: "test".into(),
            },
            state: ArticleState::Complete,
        }
    }

    #[test]
    fn merged_entries_are_newest_first_one_per_url_members_only() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .save(
                "a",
                &[entry("u1", 1), entry("u2", 5)],
                &keep(100),
                now(),
                None,
            )
            .unwrap();
        store
            .save(
                "b",
                &[entry("u2", 9), entry("u3", 3)],
                &keep(100),
                now(),
                None,
            )
            .unwrap();
        store
            .save("c", &[entry("u4", 59)], &keep(100), now(), None)
            .unwrap();
        let members = ["a".to_string(), "b".to_string()];
        let urls = |cap| -> Vec<(String, u32)> {
            store
                .merged_entries(&members, cap)
                .unwrap()
                .into_iter()
                .map(|e| (e.url, chrono::Timelike::minute(&e.published)))
                .collect()
        };
        // u2's newest copy (b's, minute 9) stands for it; c is not a member.
        assert_eq!(
            urls(10),
            [("u2".into(), 9), ("u3".into(), 3), ("u1".into(), 1)]
        );
        assert_eq!(urls(2).len(), 2);
    }

    #[test]
    fn saves_that_change_a_feed_mark_it_stale_until_its_export_is_recorded() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .save("a", &[entry("u1", 1)], &keep(100), now(), None)
            .unwrap();
        let stale = |store: &SqliteStore| -> Vec<(String, bool)> {
            let mut v: Vec<_> = store
                .exports()
                .unwrap()
                .into_iter()
                .map(|s| (s.feed, s.stale))
                .collect();
            v.sort();
            v
        };
        assert_eq!(stale(&store), [("a".into(), true)]);
        let head = super::super::ExportedHead {
            fingerprint: "f1".into(),
            digests: ["r".into(), "a".into(), "j".into()],
            updated: FixedOffset::east_opt(0)
                .unwrap()
                .with_ymd_and_hms(2026, 6, 13, 12, 0, 0)
                .unwrap(),
            entries: 1,
        };
        store.record_export("a", &head, &["site", "all"]).unwrap();
        assert_eq!(
            stale(&store),
            [
                ("a".into(), false),
                ("all".into(), true),
                ("site".into(), true)
            ]
        );
        let recorded = store.exports().unwrap();
        let a = recorded.iter().find(|s| s.feed == "a").unwrap();
        assert_eq!(a.head.as_ref(), Some(&head));
        // Nothing new: the feed stays clean; something new marks it again.
        let a_is_stale = |store: &SqliteStore| stale(store).contains(&("a".into(), true));
        store
            .save("a", &[entry("u1", 1)], &keep(100), now(), None)
            .unwrap();
        assert!(!a_is_stale(&store));
        store
            .save("a", &[entry("u2", 2)], &keep(100), now(), None)
            .unwrap();
        assert!(a_is_stale(&store));
    }

    #[test]
    fn a_scrape_saves_its_listing_validators_with_its_entries() {
        let store = SqliteStore::in_memory().unwrap();
        let state = super::super::FetchState {
            validators: crate::model::Validators {
                etag: Some("\"v1\"".into()),
                last_modified: None,
            },
            page_params: None,
        };
        let saved = store
            .save("f", &[entry("u1", 1)], &keep(100), now(), Some(&state))
            .unwrap();
        assert_eq!(saved.inserted, 1);
        assert_eq!(store.fetch_state("f").unwrap(), state);
        assert_eq!(store.entries("f", 10).unwrap().len(), 1);
        // A plain save (a cancelled scrape) leaves the validators as they were.
        store
            .save("f", &[entry("u2", 2)], &keep(100), now(), None)
            .unwrap();
        assert_eq!(store.fetch_state("f").unwrap(), state);
    }

    #[test]
    fn save_is_idempotent_and_keeps_the_first_version() {
        let store = SqliteStore::in_memory().unwrap();
        let first = store
            .save(
                "f",
                &[entry("u1", 1), entry("u2", 2)],
                &keep(100),
                now(),
                None,
            )
            .unwrap();
        assert_eq!(first.inserted, 2);
        let mut changed = entry("u1", 30);
        changed.entry.title = "edited".into();
        let second = store
            .save("f", &[changed], &keep(100), now(), None)
            .unwrap();
        assert_eq!(second, SaveOutcome::default());
        let entries = store.entries("f", 10).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].title, "title u1");
        assert_eq!(
            entries[1].published.to_rfc3339(),
            "2026-06-13T14:01:00+03:00"
        );
    }

    #[test]
    fn retry_entries_are_completed_without_changing_identity() {
        let store = SqliteStore::in_memory().unwrap();
        let mut partial = entry("u1", 1);
        partial.state = ArticleState::Retry;
        store
            .save("f", &[partial], &keep(100), now(), None)
            .unwrap();
        assert_eq!(
            store.retry_candidates("f", 3).unwrap(),
            vec!["u1".to_string()]
        );
        let mut full = entry("u1", 45);
        full.entry.body = Some("<p>body</p>".into());
        assert_eq!(
            store
                .save("f", &[full], &keep(100), now(), None)
                .unwrap()
                .updated,
            1
        );
        let stored = &store.entries("f", 10).unwrap()[0];
        assert_eq!(stored.body.as_deref(), Some("<p>body</p>"));
        assert_eq!(stored.published.to_rfc3339(), "2026-06-13T14:01:00+03:00");
        assert_eq!(
            store.state_of("f", "u1").unwrap(),
            Some(ArticleState::Complete)
        );
        assert!(store.retry_candidates("f", 3).unwrap().is_empty());
    }

    #[test]
    fn feeds_are_trimmed_to_the_newest() {
        let store = SqliteStore::in_memory().unwrap();
        let batch: Vec<_> = (0..10).map(|i| entry(&format!("u{i}"), i)).collect();
        let outcome = store.save("f", &batch, &keep(4), now(), None).unwrap();
        assert_eq!(outcome.pruned, 6);
        let urls: Vec<_> = store
            .entries("f", 100)
            .unwrap()
            .into_iter()
            .map(|e| e.url)
            .collect();
        assert_eq!(urls, ["u9", "u8", "u7", "u6"]);
        assert!(store.entries("other", 100).unwrap().is_empty());
    }

    #[test]
    fn runs_report_the_latest_per_feed() {
        let store = SqliteStore::in_memory().unwrap();
        for (feed, error) in [("a", None), ("a", Some("boom")), ("b", None)] {
            store
                .record_run(&RunRecord {
                    feed: feed.into(),
                    started: Utc::now(),
                    duration_ms: 5,
                    error: error.map(String::from),
                    http_status: None,
                    new_entries: 1,
                    updated_entries: 0,
                })
                .unwrap();
        }
        let runs = store.latest_runs().unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].error.as_deref(), Some("boom"));
    }
}
