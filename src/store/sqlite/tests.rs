//! The SQLite store's own behaviour, on in-memory databases. What every store does alike
//! (`Store`'s semantics) is the contract suite, run on both backends: `store::contract`.

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
