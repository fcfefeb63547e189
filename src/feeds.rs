//! Rendered feeds: made once per change, mirrored to `feeds/`, served from a bounded cache.
//!
//! When a scrape changes a section, its entries are read from the store and rendered as RSS,
//! Atom and JSON Feed (`document`), and the bytes are written to
//! `feeds/{name}.{rss,atom,json}` atomically (temp file, fsync, rename, directory fsync), so a
//! static web server can serve them too and never sees half a file, even across a crash. The
//! merged feeds a section belongs to (its site's and `all`, see `catalog`) are then stale:
//! they are rendered again on their next request, or by `export_stale`, which the server runs
//! every few seconds and a one-shot scrape once at its end — so a run that changes a thousand
//! sections renders `all` a few times, not a thousand.
//!
//! Memory stays bounded whatever the number of feeds: what every feed keeps is its `Head`
//! (digests, date, entry count: enough for `304`s and the index page); rendered documents and
//! the entries they came from live in a byte-budgeted LRU (`budget`), and a feed that fell
//! out of it is rendered again from the store when next asked for.
//!
//! The store records which feeds' files are stale (in the transaction that changes their
//! entries) and each feed's head once its files are written, so a restart renders only what
//! a crash or an import left stale, and knows every other feed's validators at once.

mod budget;
mod cache;
pub mod catalog;
pub mod document;
pub mod query;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, FixedOffset, Utc};
use url::Url;
use warp::http::HeaderValue;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::model::Entry;
use crate::render;
use crate::store::{ExportedHead, Store, StoreError};
use budget::BudgetCache;
pub use cache::QueryCache;
pub use catalog::{Catalog, FeedKind, FeedSpec, Format};
pub use document::{Document, Encoding, Variant};
pub use query::{FeedQuery, QueryError};

/// How many filtered documents are kept.
const QUERY_CACHE_SLOTS: usize = 256;

/// What a feed's current documents are, without the documents: their validators, date and
/// size. Kept for every feed, rendered or not.
#[derive(Debug)]
pub struct Head {
    /// The feed's own date (latest entry change); also its `Last-Modified`.
    pub updated: DateTime<FixedOffset>,
    pub last_modified: HeaderValue,
    pub entries: usize,
    /// Identity digests of the RSS, Atom and JSON Feed documents.
    digests: [String; 3],
}

impl Head {
    fn new(updated: DateTime<FixedOffset>, entries: usize, digests: [String; 3]) -> Head {
        Head {
            last_modified: http_date(updated.with_timezone(&Utc)),
            updated,
            entries,
            digests,
        }
    }

    /// The ETag of the feed in one format and encoding.
    pub fn etag(&self, format: Format, encoding: Encoding) -> HeaderValue {
        document::etag(&self.digests[format.index()], encoding)
    }
}

/// One feed, rendered in every format from one list of entries.
#[derive(Debug)]
pub struct RenderedFeed {
    pub spec: Arc<FeedSpec>,
    /// Newest first, as rendered.
    pub entries: Vec<Entry>,
    pub head: Arc<Head>,
    /// Distinguishes renders, so cached filtered documents of an older render are not served.
    pub generation: u64,
    documents: [Arc<Document>; 3],
}

impl RenderedFeed {
    pub fn document(&self, format: Format) -> &Arc<Document> {
        &self.documents[format.index()]
    }

    /// Bytes this feed holds: documents (with compressed forms made so far) and entries.
    fn held_bytes(&self) -> usize {
        let documents: usize = self.documents.iter().map(|d| d.held_bytes()).sum();
        let entries: usize = self
            .entries
            .iter()
            .map(|e| {
                std::mem::size_of::<Entry>()
                    + e.url.len()
                    + e.title.len()
                    + e.summary.as_ref().map_or(0, String::len)
                    + e.body.as_ref().map_or(0, String::len)
                    + e.image.as_ref().map_or(0, String::len)
                    + e.tags.iter().map(String::len).sum::<usize>()
            })
            .sum();
        documents + entries
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no feed named {0:?}")]
    Unknown(String),
    #[error("cannot write feed file {path}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// A feed's state between renders.
#[derive(Default)]
struct FeedState {
    /// The head of what its files hold, once known (also while stale, for the index page).
    head: Option<Arc<Head>>,
    /// Its entries changed since its files were written.
    stale: bool,
}

/// Every feed's head, and the rendered feeds that fit the memory budget.
pub struct FeedSet {
    public_url: Url,
    dir: PathBuf,
    catalog: Catalog,
    states: RwLock<HashMap<String, FeedState>>,
    resident: BudgetCache<String, Arc<RenderedFeed>>,
    filtered: QueryCache,
    generations: AtomicU64,
    /// Renders one feed at a time, so two sections finishing together cannot leave a merged
    /// feed built from the older of two states, and a feed asked for by many requests at once
    /// is rendered once.
    rendering: Mutex<()>,
    metrics: Arc<Metrics>,
}

impl FeedSet {
    /// The feeds of `config`, with the heads the store recorded; feeds whose files are
    /// stale, missing, or were made by another release or metadata are rendered and written
    /// now. Temporary files a killed predecessor left are removed.
    pub fn open(
        public_url: Url,
        config: &Config,
        store: &dyn Store,
        metrics: Arc<Metrics>,
    ) -> Result<FeedSet, FeedError> {
        let dir = config.storage.feeds_dir.clone();
        let removed = remove_stale_temp_files(&dir);
        if removed > 0 {
            tracing::info!(dir = %dir.display(), removed, "removed temporary feed files left by a crash");
        }
        let catalog = Catalog::new(config, &public_url);
        let recorded: HashMap<String, _> = store
            .exports()?
            .into_iter()
            .map(|s| (s.feed.clone(), s))
            .collect();
        let mut states = HashMap::new();
        for spec in catalog.iter() {
            let files = Format::ALL
                .iter()
                .all(|f| dir.join(format!("{}.{}", spec.name, f.ext())).exists());
            let head = recorded
                .get(&spec.name)
                .filter(|r| !r.stale && files)
                .and_then(|r| r.head.as_ref())
                .filter(|h| h.fingerprint == spec.fingerprint)
                .map(|h| Arc::new(Head::new(h.updated, h.entries, h.digests.clone())));
            let stale = head.is_none();
            states.insert(spec.name.clone(), FeedState { head, stale });
        }
        let set = FeedSet {
            catalog,
            public_url,
            dir,
            states: RwLock::new(states),
            resident: BudgetCache::new(config.server.feed_cache_bytes),
            filtered: QueryCache::new(QUERY_CACHE_SLOTS),
            generations: AtomicU64::new(0),
            rendering: Mutex::new(()),
            metrics,
        };
        set.export_stale(store)?;
        Ok(set)
    }

    pub fn public_url(&self) -> &Url {
        &self.public_url
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The feed's current rendering, if it is in memory: the cheap path for the server.
    pub fn get(&self, name: &str) -> Option<Arc<RenderedFeed>> {
        self.resident.get(name)
    }

    /// The feed's current head, unless its entries changed since (then only a render can
    /// tell its validators).
    pub fn head(&self, name: &str) -> Option<Arc<Head>> {
        let states = self.states.read().unwrap_or_else(|e| e.into_inner());
        let state = states.get(name)?;
        (!state.stale).then(|| state.head.clone()).flatten()
    }

    /// The head of what the feed's files hold, current or not: for display.
    pub fn last_head(&self, name: &str) -> Option<Arc<Head>> {
        let states = self.states.read().unwrap_or_else(|e| e.into_inner());
        states.get(name)?.head.clone()
    }

    /// Whether the feed's head is current (its entries did not change since it was written).
    pub fn is_current(&self, name: &str) -> bool {
        self.head(name).is_some()
    }

    /// The feed's current rendering: from memory, or rendered from the store now (and its
    /// files written if stale). `None` for a name the catalog does not know. Blocking
    /// (SQLite, rendering, file I/O): call from a blocking context.
    pub fn load(
        &self,
        store: &dyn Store,
        name: &str,
    ) -> Result<Option<Arc<RenderedFeed>>, FeedError> {
        if let Some(feed) = self.get(name) {
            return Ok(Some(feed));
        }
        let Some(spec) = self.catalog.get(name).cloned() else {
            return Ok(None);
        };
        let _one_at_a_time = self.lock_rendering();
        // Another request may have rendered it while this one waited.
        if let Some(feed) = self.get(name) {
            return Ok(Some(feed));
        }
        self.render(store, &spec).map(Some)
    }

    /// Renders a section whose entries changed and writes its files; the merged feeds it
    /// belongs to become stale. Blocking: call from a blocking context.
    pub fn refresh(&self, store: &dyn Store, section: &str) -> Result<(), FeedError> {
        let spec = self
            .catalog
            .get(section)
            .ok_or_else(|| FeedError::Unknown(section.to_string()))?
            .clone();
        let _one_at_a_time = self.lock_rendering();
        self.set_stale(section);
        self.render(store, &spec)?;
        Ok(())
    }

    /// Whether any feed waits for `export_stale`.
    pub fn has_stale(&self) -> bool {
        let states = self.states.read().unwrap_or_else(|e| e.into_inner());
        states.values().any(|s| s.stale)
    }

    /// Renders every stale feed and writes its files: sections first, then the merged feeds
    /// (which their sections' renders may have made stale). Returns how many were rendered.
    /// Blocking: call from a blocking context.
    pub fn export_stale(&self, store: &dyn Store) -> Result<usize, FeedError> {
        let mut rendered = 0;
        for sections in [true, false] {
            let specs: Vec<Arc<FeedSpec>> = {
                let states = self.states.read().unwrap_or_else(|e| e.into_inner());
                self.catalog
                    .iter()
                    .filter(|s| matches!(s.kind, FeedKind::Section { .. }) == sections)
                    .filter(|s| states.get(&s.name).is_some_and(|st| st.stale))
                    .cloned()
                    .collect()
            };
            for spec in specs {
                let _one_at_a_time = self.lock_rendering();
                // A request may have rendered it meanwhile.
                if self.head(&spec.name).is_none() {
                    self.render(store, &spec)?;
                    rendered += 1;
                }
            }
        }
        Ok(rendered)
    }

    /// A filtered view of a feed in one format, from the cache or rendered now (CPU work:
    /// callers on the async runtime should run it on a blocking thread on a miss).
    pub fn filtered(
        &self,
        feed: &RenderedFeed,
        format: Format,
        query: &FeedQuery,
    ) -> Arc<Document> {
        let key = query.normalized();
        if let Some(doc) = self
            .filtered
            .get(&feed.spec.name, format, &key, feed.generation)
        {
            return doc;
        }
        let entries = query.apply(&feed.entries);
        let meta = feed.spec.meta.with_query(&key);
        let doc = Arc::new(Document::new(format.render(&meta, &entries)));
        self.filtered
            .insert(&feed.spec.name, format, &key, feed.generation, doc.clone());
        doc
    }

    /// The filtered document if it is cached already: the cheap path for the server.
    pub fn filtered_cached(
        &self,
        feed: &RenderedFeed,
        format: Format,
        query: &FeedQuery,
    ) -> Option<Arc<Document>> {
        self.filtered.get(
            &feed.spec.name,
            format,
            &query.normalized(),
            feed.generation,
        )
    }

    /// A compressed form of one of a feed's documents, made now if no request made it yet;
    /// the feed's size in the memory budget follows. Blocking (CPU).
    pub fn compress(
        &self,
        feed: &RenderedFeed,
        document: &Document,
        encoding: Encoding,
    ) -> Variant {
        let variant = document.get(encoding);
        self.resident
            .resize(&feed.spec.name, feed.held_bytes(), |r| {
                r.generation == feed.generation
            });
        variant
    }

    /// Bytes of rendered feeds held in memory now.
    pub fn resident_bytes(&self) -> usize {
        self.resident.held_bytes()
    }

    /// Renders one feed from the store, writes the files whose bytes changed (or are
    /// missing), records its head in the store and makes it current. Callers hold
    /// `rendering`.
    fn render(
        &self,
        store: &dyn Store,
        spec: &Arc<FeedSpec>,
    ) -> Result<Arc<RenderedFeed>, FeedError> {
        let entries = match spec.kind {
            FeedKind::Section { .. } => store.entries(&spec.name, spec.max_entries)?,
            _ => store.merged_entries(&spec.members, spec.max_entries)?,
        };
        let documents =
            Format::ALL.map(|f| Arc::new(Document::new(f.render(&spec.meta, &entries))));
        let previous = self.last_head(&spec.name);
        for format in Format::ALL {
            let doc = &documents[format.index()];
            let path = self.dir.join(format!("{}.{}", spec.name, format.ext()));
            let same = previous
                .as_ref()
                .is_some_and(|p| p.digests[format.index()] == doc.digest());
            if !same || !path.exists() {
                write_atomically(&path, doc.identity())?;
            }
        }
        let digests = Format::ALL.map(|f| documents[f.index()].digest().to_string());
        let updated = render::feed_updated(&entries);
        // Rendered again only because it fell out of memory: the store and the merged feeds
        // already agree with these bytes.
        let unchanged = self
            .head(&spec.name)
            .is_some_and(|current| current.digests == digests);
        let aggregates: Vec<&str> = match spec.kind {
            FeedKind::Section { .. } if !unchanged => self
                .catalog
                .aggregates_of(&spec.name)
                .map(|a| a.name.as_str())
                .collect(),
            _ => Vec::new(),
        };
        self.metrics.render(!unchanged);
        if !unchanged {
            store.record_export(
                &spec.name,
                &ExportedHead {
                    fingerprint: spec.fingerprint.clone(),
                    digests: digests.clone(),
                    updated,
                    entries: entries.len(),
                },
                &aggregates,
            )?;
        }
        let head = Arc::new(Head::new(updated, entries.len(), digests));
        let feed = Arc::new(RenderedFeed {
            generation: self.generations.fetch_add(1, Ordering::Relaxed) + 1,
            spec: spec.clone(),
            entries,
            head: head.clone(),
            documents,
        });
        {
            let mut states = self.states.write().unwrap_or_else(|e| e.into_inner());
            states.insert(
                spec.name.clone(),
                FeedState {
                    head: Some(head),
                    stale: false,
                },
            );
        }
        self.resident
            .insert(spec.name.clone(), feed.clone(), feed.held_bytes());
        self.filtered.forget(&spec.name);
        for aggregate in aggregates {
            self.set_stale(aggregate);
        }
        Ok(feed)
    }

    /// Marks a feed stale: its rendering and head no longer match its entries.
    fn set_stale(&self, name: &str) {
        self.states
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_default()
            .stale = true;
        self.resident.remove(name);
    }

    fn lock_rendering(&self) -> std::sync::MutexGuard<'_, ()> {
        self.rendering.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(d: DateTime<Utc>) -> HeaderValue {
    HeaderValue::from_str(&d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .expect("date is ASCII")
}

/// Prefix of the temporary files `write_atomically` creates, so leftovers of a killed process
/// can be recognised and removed (`remove_stale_temp_files`).
const TEMP_PREFIX: &str = ".scrapefeed-";
/// A temporary file older than this belongs to a dead writer: a live one holds its file for
/// the time of one write and fsync. (Removing a live writer's file by mistake would only fail
/// that one refresh, never damage a feed.)
const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Writes `bytes` to a temporary file beside `path`, syncs it, renames it over `path`, then
/// syncs the directory so the rename itself survives a power cut. Readers see the old file
/// or the new one, never a mix.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FeedError> {
    let err = |source| FeedError::Write {
        path: path.display().to_string(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    sync_dir(dir).map_err(err)?;
    Ok(())
}

/// Makes a rename in `dir` durable. Only Unix can open a directory to sync it.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Removes temporary files a killed process left in `dir` (a SIGKILL between create and
/// rename leaves one behind). Only files older than `STALE_TEMP_AGE` are touched, so a
/// concurrent `scrape` writing into the same directory is never disturbed. Best effort:
/// returns how many were removed.
pub fn remove_stale_temp_files(dir: &Path) -> usize {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in listing.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(".tmp")) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_TEMP_AGE);
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ArticleState, Retention, ScrapedEntry, SqliteStore};
    use chrono::TimeZone;

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
        // Every feed has its (empty) files from the first start.
        assert!(file(dir.path(), "all.rss").contains("<rss"));
        assert!(feeds.head("all").is_some());

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
        // Rendering again on demand gives the very bytes the validators describe.
        let all = feeds.load(&store, "all").unwrap().unwrap();
        assert_eq!(*all.document(Format::Atom).etag(Encoding::Gzip), etag);
        assert_eq!(
            all.document(Format::Atom).identity().as_ref(),
            file(dir.path(), "all.atom").as_bytes()
        );
        assert!(feeds.load(&store, "nothing").unwrap().is_none());
    }

    #[test]
    fn rendered_feeds_stay_within_the_memory_budget() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path(), "1 MiB");
        let store = SqliteStore::open(&dir.path().join("db")).unwrap();
        // ~400 KB of bodies per section: one section's three documents fill most of 1 MiB.
        for i in 0..40 {
            save(
                &store,
                "one",
                &format!("https://news.example/one/{i}"),
                i,
                10_000,
            );
            save(
                &store,
                "two",
                &format!("https://news.example/two/{i}"),
                i,
                10_000,
            );
        }
        let feeds = FeedSet::open(url(), &config, &store, Default::default()).unwrap();
        let budget = 1 << 20;
        for name in ["one", "two", "news", "all", "one", "two"] {
            let feed = feeds.load(&store, name).unwrap().unwrap();
            feeds.compress(&feed, feed.document(Format::Rss), Encoding::Gzip);
            assert!(feeds.get(name).is_some(), "the feed just served stays");
            let held = feeds.resident_bytes();
            assert!(
                held <= budget.max(feed.held_bytes()),
                "{name}: {held} bytes held"
            );
        }
        assert!(feeds.get("news").is_none(), "evicted");
        // An evicted feed still answers conditional requests from its head.
        assert!(feeds.head("news").is_some());
    }

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("news.rss");
        write_atomically(&path, b"<rss>one</rss>").unwrap();
        write_atomically(&path, b"<rss>two</rss>").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"<rss>two</rss>");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn only_stale_temp_files_of_ours_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let touch = |name: &str, age: u64| {
            let file = std::fs::File::create(dir.path().join(name)).unwrap();
            let when = std::time::SystemTime::now() - std::time::Duration::from_secs(age);
            file.set_modified(when).unwrap();
        };
        touch(".scrapefeed-dead.tmp", 3600);
        touch(".scrapefeed-live.tmp", 1);
        touch("news.rss", 3600);
        touch("other.tmp", 3600);
        assert_eq!(remove_stale_temp_files(dir.path()), 1);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".scrapefeed-live.tmp", "news.rss", "other.tmp"]);
    }
}
