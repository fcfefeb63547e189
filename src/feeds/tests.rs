//! FeedSet against a real SQLite store and a temporary feeds directory.

use super::*;
use crate::render::{self, FeedMeta};
use crate::store::{ArticleState, Retention, ScrapedEntry, SqliteStore};
use chrono::TimeZone;
use std::path::Path;

/// Two sections of one site, feeds written into `dir`.
fn config(dir: &Path, cache: &str) -> Config {
    let text = format!(
        r#"
[server]
feed_cache = "{cache}"
[storage]
database = "unused.db"
feeds_dir = "{}"
[[site]]
id = "news"
title = "News"
base_url = "https://news.example"
[site.listing]
type = "html"
items = "article"
[site.listing.fields]
link = {{ css = "a", attr = "href" }}
[[site.section]]
id = "one"
title = "One"
path = "/one"
[[site.section]]
id = "two"
title = "Two"
path = "/two"
"#,
        dir.display()
    );
    Config::parse(&text, dir).unwrap()
}

fn save(store: &SqliteStore, feed: &str, url: &str, minute: u32, body_len: usize) {
    let published = FixedOffset::east_opt(3 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 6, 13, 14, minute, 0)
        .unwrap();
    let entry = Entry {
        url: url.into(),
        title: format!("title {url}"),
        summary: None,
        body: Some(format!("<p>{}</p>", "x".repeat(body_len))),
        author: None,
        tags: vec![],
        image: None,
        published,
        updated: None,
        first_seen: Utc.with_ymd_and_hms(2026, 6, 13, 12, 0, 0).unwrap(),
        date_source: "test".into(),
    };
    let retention = Retention {
        max_entries: 100,
        max_age: None,
    };
    store
        .save(
            feed,
            &[ScrapedEntry {
                entry,
                state: ArticleState::Complete,
            }],
            &retention,
            Utc.with_ymd_and_hms(2026, 6, 14, 0, 0, 0).unwrap(),
            None,
        )
        .unwrap();
}

fn url() -> Url {
    Url::parse("http://127.0.0.1:8080/").unwrap()
}

fn file(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

#[test]
fn merged_feeds_wait_for_export_and_a_restart_trusts_only_clean_files() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "16 MiB");
    let store = SqliteStore::open(&dir.path().join("db")).unwrap();
    let feeds = FeedSet::open(url(), &config, &store, Default::default()).unwrap();
    // A fresh database: every feed is stale, and opening writes nothing (a scrape is
    // about to render them; a request or the next export would).
    assert!(feeds.head("all").is_none() && feeds.head("one").is_none());
    assert!(!dir.path().join("all.rss").exists());

    save(&store, "one", "https://news.example/a", 1, 10);
    save(&store, "two", "https://news.example/b", 2, 10);
    feeds.refresh(&store, "one").unwrap();
    feeds.refresh(&store, "two").unwrap();
    assert!(file(dir.path(), "one.rss").contains("news.example/a"));
    // The merged feeds are stale, not rendered once per section.
    assert!(feeds.head("news").is_none() && feeds.head("all").is_none());
    assert!(!file(dir.path(), "all.rss").contains("news.example/a"));
    assert_eq!(
        feeds.export_stale(&store).unwrap(),
        2,
        "news and all, once each"
    );
    assert!(file(dir.path(), "all.rss").contains("news.example/b"));
    assert_eq!(feeds.export_stale(&store).unwrap(), 0);
    let etag = feeds
        .head("all")
        .unwrap()
        .etag(Format::Atom, Encoding::Gzip);
    drop(feeds);

    // A crash after a save, before the files: the store says "one" is stale.
    save(&store, "one", "https://news.example/c", 3, 10);
    // And a file someone damaged while clean is trusted (its head says what it held),
    // but a missing one is written again.
    std::fs::remove_file(dir.path().join("two.json")).unwrap();
    let feeds = FeedSet::open(url(), &config, &store, Default::default()).unwrap();
    assert!(feeds.head("one").is_none() && feeds.head("two").is_none());
    assert_eq!(
        feeds.export_stale(&store).unwrap(),
        4,
        "one (saved after its files), two (a file missing), news and all"
    );
    assert!(file(dir.path(), "one.atom").contains("news.example/c"));
    assert!(file(dir.path(), "all.atom").contains("news.example/c"));
    assert!(file(dir.path(), "two.json").contains("news.example/b"));
    assert_ne!(
        feeds
            .head("all")
            .unwrap()
            .etag(Format::Atom, Encoding::Gzip),
        etag
    );
    let etag = feeds
        .head("all")
        .unwrap()
        .etag(Format::Atom, Encoding::Gzip);
    drop(feeds);

    // A clean restart renders nothing and knows every validator.
    let feeds = FeedSet::open(url(), &config, &store, Default::default()).unwrap();
    assert_eq!(feeds.resident_bytes(), 0, "nothing rendered");
    assert_eq!(
        feeds
            .head("all")
            .unwrap()
            .etag(Format::Atom, Encoding::Gzip),
        etag
    );
    assert_eq!(feeds.last_head("one").unwrap().entries, 2);
    // Read back from its file: the very bytes the validators describe.
    let (_, atom) = feeds
        .document(&store, "all", Format::Atom)
        .unwrap()
        .unwrap();
    assert_eq!(*atom.etag(Encoding::Gzip), etag);
    assert_eq!(
        atom.identity().as_ref(),
        file(dir.path(), "all.atom").as_bytes()
    );
    assert!(feeds
        .document(&store, "nothing", Format::Rss)
        .unwrap()
        .is_none());
    // A file changed behind our back is not served: the feed is rendered again.
    std::fs::write(dir.path().join("one.rss"), "<rss>edited</rss>").unwrap();
    let (_, rss) = feeds.document(&store, "one", Format::Rss).unwrap().unwrap();
    assert!(String::from_utf8_lossy(rss.identity()).contains("news.example/c"));
    assert!(file(dir.path(), "one.rss").contains("news.example/c"));
    assert!(
        feeds.head("all").is_some(),
        "same bytes: the merged feeds stay current"
    );
}

#[test]
fn documents_stay_within_the_memory_budget() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "1 MiB");
    let store = SqliteStore::open(&dir.path().join("db")).unwrap();
    // ~400 KB of bodies per section: a document of a merged feed is ~800 KB.
    for i in 0..40 {
        for section in ["one", "two"] {
            let url = format!("https://news.example/{section}/{i}");
            save(&store, section, &url, i, 10_000);
        }
    }
    let feeds = FeedSet::open(url(), &config, &store, Default::default()).unwrap();
    assert_eq!(
        feeds.resident_bytes(),
        0,
        "rendering keeps nothing in memory"
    );
    let budget = 1 << 20;
    for name in ["one", "two", "news", "all", "one", "two"] {
        let (head, doc) = feeds.document(&store, name, Format::Rss).unwrap().unwrap();
        feeds.compress(name, Format::Rss, &doc, Encoding::Gzip);
        let file = format!("{name}.rss");
        assert!(
            feeds.cached(&file, Format::Rss, &head).is_some(),
            "{name} stays"
        );
        let held = feeds.resident_bytes();
        assert!(
            held <= budget.max(doc.held_bytes()),
            "{name}: {held} bytes held"
        );
    }
    let head = feeds.head("news").unwrap();
    assert!(
        feeds.cached("news.rss", Format::Rss, &head).is_none(),
        "evicted"
    );
    assert!(
        feeds.cached("one.atom", Format::Atom, &head).is_none(),
        "never asked for"
    );
}

#[test]
fn feeds_whose_files_cannot_be_written_are_served_from_memory_and_written_later() {
    let dir = tempfile::tempdir().unwrap();
    let feeds_dir = dir.path().join("feeds");
    let config = config(&feeds_dir, "16 MiB");
    let store = SqliteStore::open(&dir.path().join("db")).unwrap();
    let feeds = FeedSet::open(url(), &config, &store, Default::default()).unwrap();
    save(&store, "one", "https://news.example/a", 1, 10);
    feeds.refresh(&store, "one").unwrap();
    assert_eq!(feeds.export_stale(&store).unwrap(), 3, "two, news, all");
    assert!(file(&feeds_dir, "all.rss").contains("news.example/a"));

    // The directory goes away and a file takes its name: no write can succeed.
    let away = dir.path().join("feeds.away");
    std::fs::rename(&feeds_dir, &away).unwrap();
    std::fs::write(&feeds_dir, "not a directory").unwrap();
    save(&store, "one", "https://news.example/b", 2, 10);
    feeds
        .refresh(&store, "one")
        .expect("a failed write fails no scrape");
    let health = feeds.files_health();
    assert!(!health.writable);
    assert_eq!(
        health.error.as_deref(),
        Some("cannot write feed files: not a directory")
    );
    assert_eq!(health.unwritten_feeds, 1);
    assert!(feeds.is_current("one"));
    let (_, rss) = feeds.document(&store, "one", Format::Rss).unwrap().unwrap();
    assert!(String::from_utf8_lossy(rss.identity()).contains("news.example/b"));
    // The merged feeds follow, from memory too.
    assert_eq!(feeds.export_stale(&store).unwrap(), 2);
    assert_eq!(feeds.files_health().unwritten_feeds, 3);
    let (_, all) = feeds
        .document(&store, "all", Format::Atom)
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(all.identity()).contains("news.example/b"));
    // Out of memory, an unwritten feed is rendered again, never read from its old file.
    let mut small = config.clone();
    small.server.feed_cache_bytes = 1;
    let tight = FeedSet::open(url(), &small, &store, Default::default()).unwrap();
    tight.refresh(&store, "one").unwrap();
    for format in [Format::Rss, Format::Atom, Format::Json, Format::Rss] {
        let (_, doc) = tight.document(&store, "one", format).unwrap().unwrap();
        assert!(String::from_utf8_lossy(doc.identity()).contains("news.example/b"));
    }
    // The store still has "one" stale: a restart now would render it again.
    let one = store.exports().unwrap();
    assert!(one.iter().any(|e| e.feed == "one" && e.stale), "{one:?}");
    // While writes fail, each retry costs one feed, not every one.
    assert_eq!(feeds.export_stale(&store).unwrap(), 1);
    assert_eq!(feeds.files_health().unwritten_feeds, 3);

    // The disk is back: the next export writes every file and the store learns them.
    std::fs::remove_file(&feeds_dir).unwrap();
    std::fs::rename(&away, &feeds_dir).unwrap();
    assert_eq!(feeds.export_stale(&store).unwrap(), 3);
    let health = feeds.files_health();
    assert!(health.writable && health.error.is_none() && health.unwritten_feeds == 0);
    for name in ["one.rss", "news.json", "all.atom"] {
        assert!(file(&feeds_dir, name).contains("news.example/b"), "{name}");
    }
    assert!(!feeds.has_stale());
    assert!(store.exports().unwrap().iter().all(|e| !e.stale));
    drop(feeds);
    let reopened = FeedSet::open(url(), &config, &store, Default::default()).unwrap();
    assert!(
        !reopened.has_stale(),
        "a restart trusts the files written late"
    );
}

#[test]
fn one_cleaning_renders_each_format_in_its_place() {
    let published = chrono::FixedOffset::east_opt(3 * 3600)
        .unwrap()
        .with_ymd_and_hms(2025, 6, 13, 14, 53, 0)
        .unwrap();
    let entry = Entry {
        url: "https://example.com/a".into(),
        // Old rows: a control character to clean, a script image to drop.
        title: "A \u{1}title".into(),
        summary: Some("lead\u{fffe}".into()),
        body: Some("<p>x\u{1f}</p>".into()),
        author: None,
        tags: vec!["t\u{1}".into()],
        image: Some("javascript:alert(1)".into()),
        published,
        updated: None,
        first_seen: Utc.with_ymd_and_hms(2025, 6, 13, 12, 0, 0).unwrap(),
        date_source: "test".into(),
    };
    let entries = [entry.clone(), entry];
    let meta = FeedMeta::for_all(&url(), None);
    let all = render::all(&meta, &entries);
    for format in Format::ALL {
        assert_eq!(
            all[format.index()],
            format.render(&meta, &entries),
            "{format:?}"
        );
    }
}

mod instances;
