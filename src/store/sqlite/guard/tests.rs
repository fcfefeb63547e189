//! The guard on real files: damage refused at open, a lost file stopping writes while it
//! stays readable (and can be copied out), damage found while running.

use std::path::Path;

use chrono::{FixedOffset, TimeZone, Utc};

use super::*;
use crate::model::Entry;
use crate::store::{ArticleState, Retention, ScrapedEntry, Store};

fn entry(feed: &str, n: u32) -> ScrapedEntry {
    let published = FixedOffset::east_opt(3 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 6, 13, 0, 0, 0)
        .unwrap()
        + chrono::Duration::minutes(n.into());
    ScrapedEntry {
        entry: Entry {
            url: format!("https://news.example/{feed}/{n}"),
            title: format!("title {n}"),
            summary: Some("lead ".repeat(20)),
            body: Some(format!("<p>{}</p>", "text ".repeat(40))),
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

fn save(store: &SqliteStore, feed: &str, range: std::ops::Range<u32>) -> Result<(), StoreError> {
    let entries: Vec<ScrapedEntry> = range.map(|n| entry(feed, n)).collect();
    let keep = Retention {
        max_entries: 10_000,
        max_age: None,
    };
    store
        .save(feed, &entries, &keep, Utc::now(), None)
        .map(drop)
}

/// A database of a few hundred pages, closed (its WAL checkpointed into it).
fn filled(path: &Path) {
    let store = SqliteStore::open(path).unwrap();
    for feed in ["one", "two", "three"] {
        save(&store, feed, 0..300).unwrap();
    }
}

/// Overwrites page `page` (4 KiB pages) with bytes that are no b-tree page.
fn scribble(path: &Path, page: u64) {
    use std::io::{Seek, SeekFrom, Write};
    let mut file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.seek(SeekFrom::Start(page * 4096)).unwrap();
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 37 + 11) as u8).collect();
    file.write_all(&garbage).unwrap();
}

#[test]
fn a_damaged_database_is_refused_at_open_untouched_with_the_way_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scrapefeed.db");
    filled(&path);
    let pages = std::fs::metadata(&path).unwrap().len() / 4096;
    assert!(pages > 100, "{pages} pages");
    scribble(&path, pages / 2);
    let before = std::fs::read(&path).unwrap();

    let Err(error) = SqliteStore::open(&path) else {
        panic!("a damaged database opened");
    };
    let message = error.to_string();
    assert!(matches!(error, StoreError::Damaged { .. }), "{message}");
    for part in [
        &format!("database {} is damaged", path.display()),
        "PRAGMA quick_check: ",
        "stop every scrapefeed process",
        "-wal and -shm",
        "scrapefeed import BACKUP.jsonl",
        "scrapefeed export",
        "README.md",
    ] {
        assert!(message.contains(part), "{part:?} not in: {message}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing written");

    // A file that is no database at all, from its first page on.
    std::fs::write(&path, vec![b'x'; 8192]).unwrap();
    let Err(error) = SqliteStore::open(&path) else {
        panic!("a text file opened as a database");
    };
    assert!(
        matches!(&error, StoreError::Damaged { problem, .. } if problem.contains("not a database")),
        "{error}"
    );
}

#[test]
fn a_sound_database_passes_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scrapefeed.db");
    filled(&path);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.entries("two", 1000).unwrap().len(), 300);
    assert!(store.check_writable().is_ok());
    assert_eq!(store.writes_stopped(), None);
}

#[test]
fn a_deleted_database_stops_writes_stays_readable_and_can_be_copied_out() {
    let dir = tempfile::tempdir().unwrap();
    let feeds = dir.path().join("feeds");
    let path = feeds.join("scrapefeed.db");
    let store = SqliteStore::open(&path).unwrap();
    save(&store, "one", 0..20).unwrap();
    // The last commit sits in the write-ahead log, not yet in the file.
    save(&store, "one", 20..41).unwrap();

    std::fs::remove_dir_all(&feeds).unwrap();
    let refused = save(&store, "one", 41..50).unwrap_err();
    assert!(
        matches!(refused, StoreError::WritesStopped(WritesStopped::Deleted)),
        "{refused}"
    );
    assert_eq!(
        refused.to_string(),
        "the database file was deleted while scrapefeed was running; nothing is written to \
         the database until scrapefeed restarts"
    );
    assert_eq!(store.writes_stopped(), Some(WritesStopped::Deleted));
    assert!(store.check_writable().is_err());
    let run = crate::store::RunRecord {
        feed: "one".into(),
        started: Utc::now(),
        duration_ms: 1,
        error: None,
        http_status: None,
        new_entries: 0,
        updated_entries: 0,
    };
    assert!(store.record_run(&run).is_err(), "every kind of write");
    assert_eq!(store.entries("one", 100).unwrap().len(), 41, "reads go on");
    assert!(!feeds.exists(), "nothing made where the file was");

    // What the log tells the user to do, before a restart loses it.
    #[cfg(target_os = "linux")]
    {
        let readable = store.guard.still_readable_at().unwrap();
        assert!(readable.starts_with(&format!("/proc/{}/fd/", std::process::id())));
        std::fs::create_dir_all(&feeds).unwrap();
        std::fs::copy(&readable, &path).unwrap();
        drop(store);
        let rescued = SqliteStore::open(&path).unwrap();
        assert_eq!(
            rescued.entries("one", 100).unwrap().len(),
            41,
            "every commit"
        );
        save(&rescued, "one", 41..50).unwrap();
    }
}

#[test]
fn a_replaced_database_stops_writes_and_the_new_file_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scrapefeed.db");
    let store = SqliteStore::open(&path).unwrap();
    save(&store, "one", 0..5).unwrap();
    // A restore renamed over the file while the server runs.
    let other = dir.path().join("restored.db");
    filled(&other);
    std::fs::rename(&other, &path).unwrap();
    let restored = std::fs::read(&path).unwrap();

    let refused = save(&store, "one", 5..10).unwrap_err();
    assert!(
        matches!(refused, StoreError::WritesStopped(WritesStopped::Replaced)),
        "{refused}"
    );
    assert_eq!(store.entries("one", 100).unwrap().len(), 5);
    drop(store);
    assert_eq!(std::fs::read(&path).unwrap(), restored);
    let wal = dir.path().join("scrapefeed.db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "no write-ahead log left for the new file to adopt"
    );
    let reopened = SqliteStore::open(&path).unwrap();
    assert_eq!(reopened.entries("one", 1000).unwrap().len(), 300);
}

#[test]
fn damage_found_while_running_stops_writes() {
    let store = SqliteStore::in_memory().unwrap();
    save(&store, "one", 0..3).unwrap();
    assert!(store.check_writable().is_ok(), "memory is never lost");
    let corrupt = rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
        Some("database disk image is malformed".into()),
    );
    let read: Result<(), StoreError> = store.watch(Err(StoreError::Sql(corrupt)));
    assert!(read.is_err());
    let refused = save(&store, "one", 3..6).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "the database file is damaged (database disk image is malformed); nothing is written \
         to the database until scrapefeed restarts"
    );
    assert_eq!(store.entries("one", 100).unwrap().len(), 3);
    // Other errors stop nothing.
    let other = StoreError::Sql(rusqlite::Error::QueryReturnedNoRows);
    let fresh = SqliteStore::in_memory().unwrap();
    let _ = fresh.watch::<()>(Err(other));
    assert_eq!(fresh.writes_stopped(), None);
}

#[test]
fn opening_again_skips_the_check_and_never_makes_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scrapefeed.db");
    filled(&path);
    let again = SqliteStore::open_again(&path).unwrap();
    assert_eq!(again.entries("one", 1000).unwrap().len(), 300);
    drop(again);
    std::fs::remove_file(&path).unwrap();
    assert!(SqliteStore::open_again(&path).is_err());
    assert!(!path.exists());
}
