//! A new release opens a database written by the first released schema (version 1, pinned
//! in `tests/fixtures/schema_v1.sql` exactly as release 0.1 created it) and serves every
//! entry in it unchanged: same guid, dates, first-seen, fields and state.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{params, Connection};
use scrapefeed::model::Entry;
use scrapefeed::store::{ArticleState, Retention, SqliteStore, Store};

/// feed, url, title, summary, body, tags, published, updated, first_seen, state
type V1Row = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

/// Writes a database the way release 0.1 did: its schema, WAL, `user_version = 1`, rows.
fn write_v1_database(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute_batch(include_str!("fixtures/schema_v1.sql"))
        .unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    let rows: [V1Row; 5] = [
        (
            "politics",
            "https://tass.com/politics/0?utm_source=rss&utm_medium=feed#top",
            "Tracked link",
            None,
            None,
            "[]",
            "2026-06-10T09:00:00+03:00",
            None,
            "2026-06-10T06:01:00Z",
            "complete",
        ),
        (
            "politics",
            "https://tass.com/politics/1",
            "Lavrov & partners",
            Some("Lead"),
            Some("<p>Body</p>"),
            "[\"Russia\",\"Diplomacy\"]",
            "2026-06-13T14:53:00+03:00",
            Some("2026-06-13T15:10:00+03:00"),
            "2026-06-13T11:55:02Z",
            "complete",
        ),
        (
            "politics",
            "https://tass.com/politics/2",
            "No page yet",
            None,
            None,
            "[]",
            "2026-06-12T09:00:00+03:00",
            None,
            "2026-06-12T06:01:00Z",
            "retry",
        ),
        (
            "world",
            "https://tass.com/world/3",
            "Gone page",
            Some("Only the listing"),
            None,
            "[]",
            "2026-06-11T23:41:00+03:00",
            None,
            "2026-06-11T20:45:00Z",
            "gone",
        ),
        (
            "world",
            "https://tass.com/politics/1",
            "Lavrov & partners",
            None,
            None,
            "[]",
            "2026-06-13T14:53:00+03:00",
            None,
            "2026-06-13T12:10:00Z",
            "complete",
        ),
    ];
    for (feed, url, title, summary, body, tags, published, updated, first_seen, state) in rows {
        let ts = DateTime::parse_from_rfc3339(published).unwrap().timestamp();
        conn.execute(
            "INSERT INTO entries (feed, url, title, summary, body, author, tags, image, published, published_ts,
                                  updated, first_seen, date_source, state)
             VALUES (?1, ?2, ?3, ?4, ?5, 'TASS', ?6, NULL, ?7, ?8, ?9, ?10, 'json_ld datePublished', ?11)",
            params![feed, url, title, summary, body, tags, published, ts, updated, first_seen, state],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO runs (feed, started, duration_ms, error, new_entries) VALUES ('politics', '2026-06-13T12:00:00.000Z', 120, NULL, 2)",
        [],
    )
    .unwrap();
}

fn date(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

#[test]
fn a_version_1_database_opens_and_every_entry_reads_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scrapefeed.db");
    write_v1_database(&path);

    let store = SqliteStore::open(&path).unwrap();
    let politics = store.entries("politics", 100).unwrap();
    assert_eq!(politics.len(), 3);
    assert_eq!(
        politics[..2],
        [
            Entry {
                url: "https://tass.com/politics/1".into(),
                title: "Lavrov & partners".into(),
                summary: Some("Lead".into()),
                body: Some("<p>Body</p>".into()),
                author: Some("TASS".into()),
                tags: vec!["Russia".into(), "Diplomacy".into()],
                image: None,
                published: date("2026-06-13T14:53:00+03:00"),
                updated: Some(date("2026-06-13T15:10:00+03:00")),
                first_seen: date("2026-06-13T11:55:02Z").with_timezone(&Utc),
                date_source: "json_ld datePublished".into(),
            },
            Entry {
                url: "https://tass.com/politics/2".into(),
                title: "No page yet".into(),
                summary: None,
                body: None,
                author: Some("TASS".into()),
                tags: vec![],
                image: None,
                published: date("2026-06-12T09:00:00+03:00"),
                updated: None,
                first_seen: date("2026-06-12T06:01:00Z").with_timezone(&Utc),
                date_source: "json_ld datePublished".into(),
            },
        ]
    );
    let world: Vec<String> = store
        .entries("world", 100)
        .unwrap()
        .into_iter()
        .map(|e| e.url)
        .collect();
    assert_eq!(
        world,
        ["https://tass.com/politics/1", "https://tass.com/world/3"]
    );
    assert_eq!(
        store
            .state_of("politics", "https://tass.com/politics/2")
            .unwrap(),
        Some(ArticleState::Retry)
    );
    assert_eq!(
        store.state_of("world", "https://tass.com/world/3").unwrap(),
        Some(ArticleState::Gone)
    );
    assert_eq!(store.latest_runs().unwrap().len(), 1);

    // Entries stored before URLs were canonical keep their URL (their guid) and are still
    // recognised by the canonical URL the listing now gives.
    let tracked = store.entries("politics", 100).unwrap().pop().unwrap();
    assert_eq!(
        tracked.url,
        "https://tass.com/politics/0?utm_source=rss&utm_medium=feed#top"
    );
    let known = store
        .known("politics", &["https://tass.com/politics/0".to_string()])
        .unwrap();
    assert_eq!(
        known.len(),
        1,
        "a tracked legacy URL is known by its canonical form"
    );

    // The upgraded database works as a new one: retention, tombstones, idempotent saves.
    let keep_one = Retention {
        max_entries: 1,
        max_age: None,
    };
    let outcome = store
        .save("politics", &[], &keep_one, Utc::now(), None)
        .unwrap();
    assert_eq!(outcome.pruned, 2);
    let known = store
        .known("politics", &["https://tass.com/politics/2".to_string()])
        .unwrap();
    assert_eq!(known.len(), 1, "the pruned entry is remembered");
    drop(store);

    // Opening again is a no-op; the version is the latest.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.entries("politics", 100).unwrap().len(), 1);
    let conn = Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert!(version >= 2, "upgraded to {version}");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn a_database_from_a_newer_release_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scrapefeed.db");
    write_v1_database(&path);
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let error = SqliteStore::open(&path).err().expect("refused").to_string();
    assert!(error.contains("schema version 99 is newer"), "{error}");
}
