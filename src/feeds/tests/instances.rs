//! Several instances over one store: byte-identical documents and validators, the feed set
//! without files, and invalidation after another instance's change.

use super::*;
use crate::model::{ImageFacts, SiteIcons};

/// A richer entry than `save`'s: tags, an author and an image with facts, so the media
/// tables (read through a `HashMap`) take part in every render.
fn save_rich(store: &SqliteStore, feed: &str, n: u32) {
    let url = format!("https://news.example/{feed}/{n}");
    let image = format!("https://news.example/img/{feed}-{n}.jpg");
    let entry = Entry {
        url: url.clone(),
        title: format!("title {feed} {n}"),
        summary: Some(format!("lead {n}")),
        body: Some(format!("<p>body {n}</p>")),
        author: Some("Desk".into()),
        tags: vec![format!("t{n}"), "news".into()],
        image: Some(image.clone()),
        published: FixedOffset::east_opt(3 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 6, 13, 14, n % 60, 0)
            .unwrap(),
        updated: None,
        first_seen: Utc.with_ymd_and_hms(2026, 6, 13, 12, 0, 0).unwrap(),
        date_source: "test".into(),
    };
    let retention = Retention {
        max_entries: 100,
        max_age: None,
    };
    let at = Utc.with_ymd_and_hms(2026, 6, 14, 0, 0, 0).unwrap();
    store
        .save(
            feed,
            &[ScrapedEntry {
                entry,
                state: ArticleState::Complete,
            }],
            &retention,
            at,
            None,
        )
        .unwrap();
    let facts = ImageFacts {
        length: Some(1000 + u64::from(n)),
        mime: Some("image/jpeg".into()),
    };
    store.record_images(&[(image, facts)], at).unwrap();
}

fn no_files(mut config: Config, cache: usize) -> Config {
    config.storage.feeds_dir = None;
    config.server.feed_cache_bytes = cache;
    config
}

const FEEDS: [&str; 4] = ["one", "two", "news", "all"];

/// Every feed in every format agrees between the two sets: bytes, ETag, Last-Modified.
fn assert_same(a: &FeedSet, b: &FeedSet, store: &SqliteStore) {
    for name in FEEDS {
        for format in Format::ALL {
            let (head_a, doc_a) = a.document(store, name, format).unwrap().unwrap();
            let (head_b, doc_b) = b.document(store, name, format).unwrap().unwrap();
            assert_eq!(doc_a.identity(), doc_b.identity(), "{name} {format:?}");
            for encoding in [Encoding::Identity, Encoding::Gzip, Encoding::Brotli] {
                assert_eq!(
                    head_a.etag(format, encoding),
                    head_b.etag(format, encoding),
                    "{name} {format:?}"
                );
                assert_eq!(
                    a.compress(name, format, &doc_a, encoding).bytes,
                    b.compress(name, format, &doc_b, encoding).bytes,
                    "{name} {format:?} {encoding:?}: compressed alike too"
                );
            }
            assert_eq!(head_a.last_modified, head_b.last_modified, "{name}");
            assert_eq!(head_a.entries, head_b.entries, "{name}");
        }
    }
}

#[test]
fn two_instances_serve_identical_bytes_and_follow_each_others_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("db")).unwrap();
    store
        .record_site_icons(
            "news",
            &SiteIcons {
                icon: Some("https://news.example/favicon.ico".into()),
                logo: Some("https://news.example/logo.png".into()),
            },
            Utc.with_ymd_and_hms(2026, 6, 14, 0, 0, 0).unwrap(),
        )
        .unwrap();
    for n in 0..12 {
        save_rich(&store, "one", n);
        save_rich(&store, "two", n + 30);
    }
    // A writes files, B serves from memory: what differs between instances must not show.
    let files = config(&dir.path().join("a"), "16 MiB");
    let a = FeedSet::open(url(), &files, &store, Default::default()).unwrap();
    let b = FeedSet::open(
        url(),
        &no_files(files.clone(), 16 << 20),
        &store,
        Default::default(),
    )
    .unwrap();
    a.export_stale(&store).unwrap();
    // Rendered at another moment, in another order.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for name in FEEDS.iter().rev() {
        b.document(&store, name, Format::Json).unwrap();
    }
    assert_same(&a, &b, &store);

    // A saves (its own scrape refreshes it); B has not heard yet and still serves the old
    // bytes with their own head, never a mix.
    let (old_head, old_doc) = b.document(&store, "one", Format::Rss).unwrap().unwrap();
    save_rich(&store, "one", 50);
    a.refresh(&store, "one").unwrap();
    a.export_stale(&store).unwrap();
    let (head, doc) = b.document(&store, "one", Format::Rss).unwrap().unwrap();
    assert!(Arc::ptr_eq(&head, &old_head) && Arc::ptr_eq(&doc, &old_doc));
    assert_eq!(
        head.etag(Format::Rss, Encoding::Identity),
        *doc.etag(Encoding::Identity)
    );

    // The notice arrives: the section and the merged feeds it belongs to, not the others.
    assert!(b.invalidate("one"));
    for name in ["one", "news", "all"] {
        assert!(b.head(name).is_none(), "{name} is stale");
        assert!(b
            .cached(&format!("{name}.rss"), Format::Rss, &old_head)
            .is_none());
    }
    assert!(b.head("two").is_some(), "two did not change");
    assert_same(&a, &b, &store);
    let (_, doc) = b.document(&store, "all", Format::Atom).unwrap().unwrap();
    assert!(String::from_utf8_lossy(doc.identity()).contains("news.example/one/50"));
    assert!(
        !b.invalidate("elsewhere"),
        "a feed only another instance declares"
    );

    // The other way round: an instance with files hears a change and never serves its old
    // file for it; the file is written again.
    save_rich(&store, "two", 99);
    b.refresh(&store, "two").unwrap();
    assert!(!file(&dir.path().join("a"), "two.rss").contains("news.example/two/99"));
    assert!(a.invalidate("two"));
    let (_, doc) = a.document(&store, "two", Format::Rss).unwrap().unwrap();
    assert!(String::from_utf8_lossy(doc.identity()).contains("news.example/two/99"));
    assert!(file(&dir.path().join("a"), "two.rss").contains("news.example/two/99"));
    assert_same(&a, &b, &store);

    // After a reconnect every feed is rendered again, to the same bytes.
    let generation = b.head("two").unwrap().generation;
    assert_eq!(b.invalidate_all(), FEEDS.len());
    assert!(FEEDS.iter().all(|name| b.head(name).is_none()));
    assert_eq!(b.resident_bytes(), 0);
    assert_same(&a, &b, &store);
    assert!(b.head("two").unwrap().generation > generation);
}

#[test]
fn filtered_documents_follow_an_invalidation() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("db")).unwrap();
    save_rich(&store, "one", 1);
    let config = no_files(config(dir.path(), "16 MiB"), 16 << 20);
    let feeds = FeedSet::open(url(), &config, &store, Default::default()).unwrap();
    let query = FeedQuery::parse("limit=5").unwrap();
    let (_, first) = feeds
        .filtered(&store, "one", Format::Rss, &query)
        .unwrap()
        .unwrap();
    save_rich(&store, "one", 2);
    // Another instance saved: until the notice, the filtered view stays as it was.
    let head = feeds.head("one").unwrap();
    assert!(feeds
        .filtered_cached("one", Format::Rss, &query, &head)
        .is_some());
    feeds.invalidate("one");
    assert!(feeds
        .filtered_cached("one", Format::Rss, &query, &head)
        .is_none());
    let (_, second) = feeds
        .filtered(&store, "one", Format::Rss, &query)
        .unwrap()
        .unwrap();
    assert!(!String::from_utf8_lossy(first.identity()).contains("news.example/one/2"));
    assert!(String::from_utf8_lossy(second.identity()).contains("news.example/one/2"));
}

#[test]
fn without_a_directory_feeds_are_served_from_memory_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("db")).unwrap();
    // The directory the config would have used, were files on.
    let unused = dir.path().join("feeds");
    // One byte: every document is evicted by the next.
    let config = no_files(config(&unused, "16 MiB"), 1);
    save_rich(&store, "one", 1);
    save_rich(&store, "two", 2);
    let feeds = FeedSet::open(url(), &config, &store, Default::default()).unwrap();
    assert!(
        FEEDS.iter().all(|name| feeds.head(name).is_none()),
        "unknown until made"
    );
    assert!(!feeds.has_stale(), "nothing waits for an export");
    assert_eq!(feeds.export_stale(&store).unwrap(), 0);

    save_rich(&store, "one", 3);
    feeds.refresh(&store, "one").unwrap();
    let mut seen = Vec::new();
    for name in FEEDS {
        for format in Format::ALL {
            let (head, doc) = feeds.document(&store, name, format).unwrap().unwrap();
            assert_eq!(
                head.etag(format, Encoding::Identity),
                *doc.etag(Encoding::Identity)
            );
            seen.push(doc.identity().clone());
        }
    }
    // Evicted and rendered again, each time to the same bytes as the first.
    for (i, (name, format)) in FEEDS
        .iter()
        .flat_map(|n| Format::ALL.map(|f| (*n, f)))
        .enumerate()
    {
        let (_, doc) = feeds.document(&store, name, format).unwrap().unwrap();
        assert_eq!(doc.identity(), &seen[i], "{name} {format:?}");
    }
    assert!(feeds.resident_bytes() <= seen.iter().map(|b| b.len() * 3).max().unwrap());
    let (_, all) = feeds.document(&store, "all", Format::Rss).unwrap().unwrap();
    assert!(String::from_utf8_lossy(all.identity()).contains("news.example/one/3"));
    assert!(!unused.exists(), "no directory, no file");
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.retain(|name| !name.starts_with("db"));
    assert!(left.is_empty(), "{left:?}");
    // Nothing in the store vouches for files: every export record is still stale and
    // headless (the saves marked them), and a restart knows no head.
    let exports = store.exports().unwrap();
    assert!(exports.iter().all(|e| e.head.is_none()), "{exports:?}");
    drop(feeds);
    let again = FeedSet::open(url(), &config, &store, Default::default()).unwrap();
    assert!(FEEDS.iter().all(|name| again.last_head(name).is_none()));
    assert!(again.files_health().writable && again.files_health().unwritten_feeds == 0);
}
