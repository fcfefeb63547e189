//! Entries: identity, first version wins, retries, merges, export marks, fetch state, runs.

use chrono::{FixedOffset, TimeZone, Utc};

use super::{contract, entry, keep, now, urls, Stores};
use crate::model::Validators;
use crate::store::{ArticleState, ExportedHead, FetchState, RunRecord, SaveOutcome};

contract!(
    merged_entries_are_newest_first_one_per_url_members_only,
    saves_that_change_a_feed_mark_it_stale_until_its_export_is_recorded,
    a_scrape_saves_its_listing_validators_with_its_entries,
    save_is_idempotent_and_keeps_the_first_version,
    retry_entries_are_completed_without_changing_identity,
    feeds_are_trimmed_to_the_newest,
    runs_report_the_latest_per_feed_with_streaks,
    legacy_urls_are_known_by_their_canonical_form,
);

fn merged_entries_are_newest_first_one_per_url_members_only(stores: &mut Stores) {
    let store = stores.open().shared();
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

fn saves_that_change_a_feed_mark_it_stale_until_its_export_is_recorded(stores: &mut Stores) {
    let store = stores.open().shared();
    store
        .save("a", &[entry("u1", 1)], &keep(100), now(), None)
        .unwrap();
    let stale = || -> Vec<(String, bool)> {
        let mut v: Vec<_> = store
            .exports()
            .unwrap()
            .into_iter()
            .map(|s| (s.feed, s.stale))
            .collect();
        v.sort();
        v
    };
    assert_eq!(stale(), [("a".into(), true)]);
    let head = ExportedHead {
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
        stale(),
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
    let a_is_stale = || stale().contains(&("a".into(), true));
    store
        .save("a", &[entry("u1", 1)], &keep(100), now(), None)
        .unwrap();
    assert!(!a_is_stale());
    store
        .save("a", &[entry("u2", 2)], &keep(100), now(), None)
        .unwrap();
    assert!(a_is_stale());
}

fn a_scrape_saves_its_listing_validators_with_its_entries(stores: &mut Stores) {
    let store = stores.open().shared();
    assert_eq!(store.fetch_state("f").unwrap(), FetchState::default());
    let read_at = Utc.with_ymd_and_hms(2026, 6, 13, 11, 0, 0).unwrap();
    let state = FetchState {
        validators: Validators {
            etag: Some("\"v1\"".into()),
            last_modified: None,
        },
        page_params: Some(([("id".to_string(), "7".to_string())].into(), read_at)),
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
    // Set on its own, it replaces the whole state.
    let other = FetchState {
        validators: Validators {
            etag: None,
            last_modified: Some("Sat, 13 Jun 2026 11:00:00 GMT".into()),
        },
        page_params: None,
    };
    store.set_fetch_state("f", &other).unwrap();
    assert_eq!(store.fetch_state("f").unwrap(), other);
}

fn save_is_idempotent_and_keeps_the_first_version(stores: &mut Stores) {
    let store = stores.open().shared();
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
    changed.entry.first_seen = now();
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
    assert_eq!(entries[1].first_seen, entry("u1", 1).entry.first_seen);
    assert_eq!(entries[1].tags, ["a"]);
    let listed = ["u1".to_string(), "u9".to_string()];
    assert_eq!(
        store.known("f", &listed).unwrap(),
        ["u1".to_string()].into()
    );
}

fn retry_entries_are_completed_without_changing_identity(stores: &mut Stores) {
    let store = stores.open().shared();
    let mut partial = entry("u1", 1);
    partial.state = ArticleState::Retry;
    store
        .save("f", &[partial], &keep(100), now(), None)
        .unwrap();
    assert_eq!(store.retry_candidates("f", 3).unwrap(), ["u1"]);
    // One attempt so far: a limit of one leaves it alone.
    assert!(store.retry_candidates("f", 1).unwrap().is_empty());
    let mut full = entry("u1", 45);
    full.entry.body = Some("<p>body</p>".into());
    let outcome = store.save("f", &[full], &keep(100), now(), None).unwrap();
    assert_eq!(outcome.updated, 1);
    let stored = &store.entries("f", 10).unwrap()[0];
    assert_eq!(stored.body.as_deref(), Some("<p>body</p>"));
    assert_eq!(stored.published.to_rfc3339(), "2026-06-13T14:01:00+03:00");
    assert!(store.retry_candidates("f", 3).unwrap().is_empty());
    // Complete now: a later version changes nothing.
    let mut again = entry("u1", 50);
    again.entry.body = Some("<p>other</p>".into());
    let outcome = store.save("f", &[again], &keep(100), now(), None).unwrap();
    assert_eq!(outcome, SaveOutcome::default());
}

fn feeds_are_trimmed_to_the_newest(stores: &mut Stores) {
    let store = stores.open();
    let batch: Vec<_> = (0..10).map(|i| entry(&format!("u{i}"), i)).collect();
    let outcome = store
        .shared()
        .save("f", &batch, &keep(4), now(), None)
        .unwrap();
    assert_eq!(outcome.pruned, 6);
    assert_eq!(urls(&store, "f"), ["u9", "u8", "u7", "u6"]);
    assert!(urls(&store, "other").is_empty());
}

fn runs_report_the_latest_per_feed_with_streaks(stores: &mut Stores) {
    let store = stores.open().shared();
    let start = Utc.with_ymd_and_hms(2026, 6, 13, 12, 0, 0).unwrap();
    let runs = [
        ("a", None, Some(200)),
        ("a", Some("boom"), Some(503)),
        ("a", Some("boom again"), None),
        ("b", None, None),
    ];
    for (i, (feed, error, status)) in runs.into_iter().enumerate() {
        store
            .record_run(&RunRecord {
                feed: feed.into(),
                started: start + chrono::Duration::minutes(i as i64),
                duration_ms: 5,
                error: error.map(String::from),
                http_status: status,
                new_entries: 1,
                updated_entries: 2,
            })
            .unwrap();
    }
    let latest = store.latest_runs().unwrap();
    assert_eq!(latest.len(), 2);
    assert_eq!(latest[0].error.as_deref(), Some("boom again"));
    assert_eq!(latest[0].updated_entries, 2);
    let summaries = store.run_summaries().unwrap();
    let a = &summaries[0];
    assert_eq!(a.consecutive_failures, 2);
    assert_eq!(
        a.last_success,
        Some(start + chrono::Duration::milliseconds(5))
    );
    assert_eq!(summaries[1].consecutive_failures, 0);
}

fn legacy_urls_are_known_by_their_canonical_form(stores: &mut Stores) {
    let store = stores.open().shared();
    let old = entry("https://site.example/a?utm_source=x", 1);
    store.save("f", &[old], &keep(100), now(), None).unwrap();
    let canonical = crate::identity::canonical_url(
        &url::Url::parse("https://site.example/a?utm_source=x").unwrap(),
    )
    .to_string();
    assert_ne!(canonical, "https://site.example/a?utm_source=x");
    let known = store.known("f", std::slice::from_ref(&canonical)).unwrap();
    assert!(known.contains(&canonical));
}
