//! The SQLite store's own behaviour, on in-memory databases.

use super::*;
use chrono::TimeZone;

fn keep(max_entries: usize) -> Retention {
    Retention {
        max_entries,
        max_age: None,
    }
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

#[test]
fn an_unknown_article_state_is_an_error_not_complete() {
    let store = SqliteStore::in_memory().unwrap();
    let mut partial = entry("u1", 1);
    partial.state = ArticleState::Retry;
    store
        .save("f", &[partial], &keep(100), now(), None)
        .unwrap();
    store
        .conn()
        .execute("UPDATE entries SET state = 'halfway' WHERE url = 'u1'", [])
        .unwrap();
    let error = store.state_of("f", "u1").unwrap_err();
    assert!(
        matches!(&error, StoreError::Corrupt { what: "article state", value } if value == "halfway"),
        "{error:?}"
    );
}
