//! Retention: by age and by count, tombstones remembered for a while, extreme values.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};

use super::{contract, urls, Stores};
use crate::model::Entry;
use crate::store::{ArticleState, Retention, ScrapedEntry};

contract!(
    old_entries_go_and_stay_gone_while_remembered,
    extreme_ages_and_clocks_neither_panic_nor_lose_entries,
    entries_trimmed_by_count_are_remembered_too,
);

fn day(d: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + chrono::Duration::days(i64::from(d))
}

fn entry(url: &str, published: DateTime<Utc>) -> ScrapedEntry {
    ScrapedEntry {
        entry: Entry {
            url: url.into(),
            title: url.into(),
            summary: None,
            body: Some("x".into()),
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

const NINETY_DAYS: Retention = Retention {
    max_entries: 100,
    max_age: Some(Duration::from_secs(90 * 86400)),
};

fn old_entries_go_and_stay_gone_while_remembered(stores: &mut Stores) {
    let backend = stores.open();
    let store = backend.shared();
    let batch = [entry("old", day(0)), entry("new", day(80))];
    store
        .save("f", &batch, &NINETY_DAYS, day(85), None)
        .unwrap();
    assert_eq!(urls(&backend, "f"), ["new", "old"]);
    let outcome = store.save("f", &[], &NINETY_DAYS, day(91), None).unwrap();
    assert_eq!(outcome.pruned, 1);
    assert_eq!(urls(&backend, "f"), ["new"]);
    // Still listed: known, so the pipeline does not fetch and store it again.
    let listed = ["old".to_string(), "other".to_string()];
    assert!(store.known("f", &listed).unwrap().contains("old"));
    assert!(!store.known("g", &listed).unwrap().contains("old"));
    // Tombstones are forgotten after max(max_age, 30 days).
    store
        .save("f", &[], &NINETY_DAYS, day(91 + 89), None)
        .unwrap();
    assert!(store.known("f", &listed).unwrap().contains("old"));
    store
        .save("f", &[], &NINETY_DAYS, day(91 + 91), None)
        .unwrap();
    assert!(store.known("f", &listed).unwrap().is_empty());
}

/// Ages and clocks at the edges of every range: nothing overflows, nothing panics, and
/// an age longer than the timeline keeps everything.
fn extreme_ages_and_clocks_neither_panic_nor_lose_entries(stores: &mut Stores) {
    let backend = stores.open();
    let store = backend.shared();
    let batch = [entry("old", day(0)), entry("new", day(80))];
    let forever = Retention {
        max_entries: 100,
        max_age: Some(Duration::MAX),
    };
    store.save("f", &batch, &forever, day(85), None).unwrap();
    for now in [
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
        DateTime::<Utc>::UNIX_EPOCH,
    ] {
        for max_age in [
            Duration::MAX,
            Duration::from_secs(u64::MAX / 2),
            Duration::from_secs(1_000_000 * 31_557_600),
        ] {
            let retention = Retention {
                max_entries: usize::MAX,
                max_age: Some(max_age),
            };
            let outcome = store.save("f", &[], &retention, now, None).unwrap();
            assert_eq!(outcome.pruned, 0, "{now} {max_age:?}");
        }
    }
    assert_eq!(urls(&backend, "f"), ["new", "old"]);
    // The largest age the config accepts, read at the end of time: both are old.
    let century = Retention {
        max_entries: 100,
        max_age: Some(Duration::from_secs(100 * 31_557_600)),
    };
    let outcome = store
        .save("f", &[], &century, DateTime::<Utc>::MAX_UTC, None)
        .unwrap();
    assert_eq!(outcome.pruned, 2);
}

fn entries_trimmed_by_count_are_remembered_too(stores: &mut Stores) {
    let backend = stores.open();
    let store = backend.shared();
    let keep_two = Retention {
        max_entries: 2,
        max_age: None,
    };
    let batch: Vec<_> = (0..4).map(|i| entry(&format!("u{i}"), day(i))).collect();
    let outcome = store.save("f", &batch, &keep_two, day(5), None).unwrap();
    assert_eq!(outcome.pruned, 2);
    assert_eq!(urls(&backend, "f"), ["u3", "u2"]);
    let listed: Vec<String> = (0..4).map(|i| format!("u{i}")).collect();
    assert_eq!(store.known("f", &listed).unwrap().len(), 4);
}
