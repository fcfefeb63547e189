//! Retention: keeps each feed bounded (by count and by age) and the database file with it.
//!
//! Runs inside the save's transaction, so a crash never leaves a feed half-trimmed. Every
//! entry removed leaves a tombstone `(feed, url, when)`: the article may still be on the
//! listing, and without the tombstone the next scrape would store it again with a new
//! first-seen time — a duplicate to a reader who saw it before. Tombstones are forgotten
//! after `max(max_age, TOMBSTONE_MIN_AGE)`, by which time listings have long moved on.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::Retention;

/// The shortest time a tombstone is kept.
const TOMBSTONE_MIN_AGE: Duration = Duration::from_secs(30 * 86_400);
/// VACUUM only when at least this many pages are free…
const VACUUM_MIN_FREE_PAGES: i64 = 1024;
/// …and they are at least this share of the file.
const VACUUM_MIN_FREE_SHARE: f64 = 0.25;

/// Removes what `retention` no longer allows in `feed`, tombstones it, and forgets old
/// tombstones. Returns how many entries were removed.
pub fn apply(
    conn: &Connection,
    feed: &str,
    retention: &Retention,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let now_ts = now.timestamp();
    let mut removed = 0;
    if let Some(max_age) = retention.max_age {
        let cutoff = seconds_before(now_ts, max_age);
        conn.execute(
            "INSERT INTO pruned (feed, url, pruned_ts)
             SELECT feed, url, ?3 FROM entries WHERE feed = ?1 AND published_ts < ?2
             ON CONFLICT (feed, url) DO UPDATE SET pruned_ts = excluded.pruned_ts",
            params![feed, cutoff, now_ts],
        )?;
        removed += conn.execute(
            "DELETE FROM entries WHERE feed = ?1 AND published_ts < ?2",
            params![feed, cutoff],
        )?;
    }
    let beyond_count = "FROM entries WHERE feed = ?1 AND id NOT IN (
        SELECT id FROM entries WHERE feed = ?1 ORDER BY published_ts DESC, id DESC LIMIT ?2)";
    let max_entries = i64::try_from(retention.max_entries).unwrap_or(i64::MAX);
    conn.execute(
        &format!(
            "INSERT INTO pruned (feed, url, pruned_ts) SELECT feed, url, ?3 {beyond_count}
             ON CONFLICT (feed, url) DO UPDATE SET pruned_ts = excluded.pruned_ts"
        ),
        params![feed, max_entries, now_ts],
    )?;
    removed += conn.execute(
        &format!("DELETE {beyond_count}"),
        params![feed, max_entries],
    )?;
    let keep = retention
        .max_age
        .map_or(TOMBSTONE_MIN_AGE, |age| age.max(TOMBSTONE_MIN_AGE));
    conn.execute(
        "DELETE FROM pruned WHERE feed = ?1 AND pruned_ts < ?2",
        params![feed, seconds_before(now_ts, keep)],
    )?;
    Ok(removed)
}

/// The Unix time `age` before `now_ts`, saturating: an age longer than the whole timeline
/// keeps everything instead of overflowing (`DateTime - TimeDelta` panics past chrono's
/// range, which is how `max_age = "1000000y"` once failed every scrape).
fn seconds_before(now_ts: i64, age: Duration) -> i64 {
    now_ts.saturating_sub(i64::try_from(age.as_secs()).unwrap_or(i64::MAX))
}

/// Whether `url` was removed from `feed` by retention and is still remembered.
pub fn is_tombstoned(conn: &Connection, feed: &str, url: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM pruned WHERE feed = ?1 AND url = ?2")?
        .exists(params![feed, url])
}

/// Rebuilds the file when a large share of it is free pages.
///
/// In steady state retention frees about as many pages per scrape as the next scrape fills,
/// and SQLite reuses free pages, so the file stays bounded without any vacuum. Free space
/// only piles up after a one-off shrink (a lower `max_entries` or `max_age`, a removed
/// section's entries expiring); then one full VACUUM gives it back. `auto_vacuum =
/// INCREMENTAL` would need a VACUUM to switch on anyway, costs page-map upkeep on every
/// write, and would still need this same "when does it pay off" rule. Returns whether it ran.
pub fn vacuum_if_worth_it(conn: &Connection) -> rusqlite::Result<bool> {
    let pages: i64 = conn.pragma_query_value(None, "page_count", |r| r.get(0))?;
    let free: i64 = conn.pragma_query_value(None, "freelist_count", |r| r.get(0))?;
    if free < VACUUM_MIN_FREE_PAGES || (free as f64) < VACUUM_MIN_FREE_SHARE * pages as f64 {
        return Ok(false);
    }
    // VACUUM is atomic (it commits through the WAL like any write); the checkpoint then
    // shrinks the WAL, which grew to the size of the copy.
    conn.execute_batch("VACUUM")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    tracing::info!(free_pages = free, pages, "database vacuumed");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, TimeZone};

    use super::super::{ArticleState, ScrapedEntry, SqliteStore, Store};
    use super::*;
    use crate::model::Entry;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + chrono::Duration::days(i64::from(d))
    }

    fn entry(url: &str, published: DateTime<Utc>, body: usize) -> ScrapedEntry {
        ScrapedEntry {
            entry: Entry {
                url: url.into(),
                title: url.into(),
                summary: None,
                body: Some("x".repeat(body)),
                author: None,
                tags: vec![],
                image: None,
                published: published.with_timezone(&FixedOffset::east_opt(3 * 3600).unwrap()),
                updated: None,
                first_seen: published,
                date_source: "test".into(),
            },
            state: ArticleState::Complete,
        }
    }

    fn urls(store: &SqliteStore) -> Vec<String> {
        store
            .entries("f", 1000)
            .unwrap()
            .into_iter()
            .map(|e| e.url)
            .collect()
    }

    /// The behaviours every store shares are in `store::contract::retention`; this is
    /// SQLite's own arithmetic and file upkeep.
    #[test]
    fn seconds_before_saturates() {
        assert_eq!(seconds_before(i64::MIN, Duration::MAX), i64::MIN);
        assert_eq!(seconds_before(10, Duration::from_secs(4)), 6);
        assert_eq!(seconds_before(i64::MAX, Duration::MAX), 0);
    }

    #[test]
    fn a_large_shrink_is_vacuumed_and_a_small_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db")).unwrap();
        let pages = |store: &SqliteStore| -> i64 {
            store
                .conn()
                .pragma_query_value(None, "page_count", |r| r.get(0))
                .unwrap()
        };
        let batch: Vec<_> = (0..400)
            .map(|i| entry(&format!("u{i}"), day(i % 60), 20_000))
            .collect();
        let all = Retention {
            max_entries: 1000,
            max_age: None,
        };
        store.save("f", &batch, &all, day(61), None).unwrap();
        let before = pages(&store);
        let small = Retention {
            max_entries: 390,
            max_age: None,
        };
        store.save("f", &[], &small, day(61), None).unwrap();
        assert_eq!(pages(&store), before, "a few free pages are left for reuse");
        let tiny = Retention {
            max_entries: 10,
            max_age: None,
        };
        store.save("f", &[], &tiny, day(61), None).unwrap();
        assert!(pages(&store) < before / 10, "{} of {before}", pages(&store));
        assert_eq!(urls(&store).len(), 10);
    }
}
