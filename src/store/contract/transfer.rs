//! Export and import: the same JSON lines from either store, idempotent, tombstones kept; an
//! SQLite store's export moves into either kind whole.

use std::sync::Arc;

use chrono::{FixedOffset, TimeZone, Utc};

use super::{contract, keep, Stores};
use crate::model::Entry;
use crate::store::{
    ArticleState, Backend, ExportOutcome, ImportOutcome, Retention, ScrapedEntry, SqliteStore,
};

contract!(
    entries_and_tombstones_round_trip_exactly,
    an_unknown_state_is_refused_and_nothing_imported,
    an_sqlite_export_moves_in_whole,
);

fn entry(url: &str, hour: u32) -> ScrapedEntry {
    let published = FixedOffset::east_opt(3 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 6, 13, hour, 0, 0)
        .unwrap();
    ScrapedEntry {
        entry: Entry {
            url: url.into(),
            title: format!("title of {url} — \"quoted\""),
            summary: Some("lead".into()),
            body: None,
            author: None,
            tags: vec!["a".into(), "b".into()],
            image: None,
            published,
            updated: Some(published + chrono::Duration::minutes(5)),
            first_seen: Utc.with_ymd_and_hms(2026, 6, 13, 12, 0, 7).unwrap(),
            date_source: "json_ld datePublished".into(),
        },
        state: ArticleState::Retry,
    }
}

fn export(store: &Backend) -> (Vec<u8>, ExportOutcome) {
    let mut out = Vec::new();
    let written = store.export(&mut out).unwrap();
    (out, written)
}

/// Entries in two feeds (one trimmed, leaving a tombstone), saved in `store`.
fn fill(store: &Backend) {
    let keep_two = Retention {
        max_entries: 2,
        max_age: None,
    };
    let now = Utc.with_ymd_and_hms(2026, 6, 14, 0, 0, 0).unwrap();
    let batch = [entry("u1", 10), entry("u2", 11), entry("u3", 12)];
    let shared = store.shared();
    shared.save("f", &batch, &keep_two, now, None).unwrap();
    // Byte order, not a locale's: "B" before "a", "Z" before "b".
    shared
        .save("B", &[entry("Z", 9), entry("b", 9)], &keep(10), now, None)
        .unwrap();
}

fn entries_and_tombstones_round_trip_exactly(stores: &mut Stores) {
    let store = stores.open();
    fill(&store);
    let (bytes, written) = export(&store);
    assert_eq!(
        written,
        ExportOutcome {
            entries: 4,
            pruned: 1
        }
    );
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.starts_with("{\"feed\":\"B\",\"url\":\"Z\""), "{text}");
    assert!(
        text.ends_with(
            "{\"pruned\":{\"feed\":\"f\",\"url\":\"u1\",\"pruned_at\":\"2026-06-14T00:00:00Z\"}}\n"
        ),
        "{text}"
    );

    let moved = stores.open();
    let done = moved.import(&mut bytes.as_slice()).unwrap();
    assert_eq!(
        done,
        ImportOutcome {
            inserted: 4,
            existing: 0,
            pruned: 1
        }
    );
    assert_eq!(export(&moved).0, bytes);
    let shared = moved.shared();
    assert!(shared.known("f", &["u1".into()]).unwrap().contains("u1"));
    assert_eq!(shared.retry_candidates("f", 5).unwrap(), ["u3", "u2"]);
    // Imported feeds are stale: their files are written at the next start.
    let stale: Vec<_> = shared
        .exports()
        .unwrap()
        .into_iter()
        .filter(|s| s.stale)
        .collect();
    assert_eq!(stale.len(), 2);
    let again = moved.import(&mut bytes.as_slice()).unwrap();
    assert_eq!(
        again,
        ImportOutcome {
            inserted: 0,
            existing: 4,
            pruned: 0
        }
    );
    assert_eq!(export(&moved).0, bytes);
}

fn an_unknown_state_is_refused_and_nothing_imported(stores: &mut Stores) {
    let store = stores.open();
    fill(&store);
    let text = String::from_utf8(export(&store).0).unwrap();
    // The last entry line is bad: the lines before it are not imported either.
    let mut lines: Vec<&str> = text.lines().collect();
    let bad = lines[3].replace("\"retry\"", "\"lost\"");
    lines[3] = &bad;
    let text = lines.join("\n");
    let fresh = stores.open();
    let error = fresh.import(&mut text.as_bytes()).unwrap_err();
    assert!(error.to_string().contains("line 4"), "{error}");
    assert!(export(&fresh).0.is_empty());
}

fn an_sqlite_export_moves_in_whole(stores: &mut Stores) {
    let sqlite = Backend::Sqlite(Arc::new(SqliteStore::in_memory().unwrap()));
    fill(&sqlite);
    let (bytes, _) = export(&sqlite);
    let moved = stores.open();
    moved.import(&mut bytes.as_slice()).unwrap();
    assert_eq!(export(&moved).0, bytes, "the same lines, in the same order");
    let (a, b) = (sqlite.shared(), moved.shared());
    assert_eq!(a.entries("f", 10).unwrap(), b.entries("f", 10).unwrap());
    assert_eq!(a.entries("B", 10).unwrap(), b.entries("B", 10).unwrap());
}
