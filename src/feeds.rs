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
//! Memory stays bounded whatever the number of feeds. What every feed keeps is its `Head`:
//! the digest of each format's bytes, its date and entry count — enough for `304`s and the
//! index page. The bytes themselves are the files just written: a request reads the one
//! format it wants from disk (the OS has it cached), checks it against the head's digest,
//! and keeps it in a byte-budgeted LRU (`budget`) with the compressed forms made for it, so
//! a format nobody asks for costs no memory and a popular one is read once per change. A
//! file that does not match (removed, edited, or rewritten by another process) is rendered
//! again from the store.
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

use bytes::Bytes;
use chrono::{DateTime, FixedOffset, Utc};
use url::Url;

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
/// size. Kept for every feed.
#[derive(Debug)]
pub struct Head {
    /// The feed's own date (latest entry change); also its `Last-Modified`.
    pub updated: DateTime<FixedOffset>,
    /// `updated` as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`), made once.
    pub last_modified: Bytes,
    pub entries: usize,
    /// Distinguishes heads, so filtered documents made under an older one are not served.
    pub generation: u64,
    /// Identity digests of the RSS, Atom and JSON Feed documents.
    digests: [String; 3],
}

impl Head {
    /// The ETag of the feed in one format and encoding (quoted text).
    pub fn etag(&self, format: Format, encoding: Encoding) -> Bytes {
        document::etag(&self.digests[format.index()], encoding)
    }

    fn digest(&self, format: Format) -> &str {
        &self.digests[format.index()]
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

/// What a lookup found, with the head it belongs to.
pub type Found<T> = (Arc<Head>, T);

/// A feed's state between renders.
#[derive(Default)]
struct FeedState {
    /// The head of what its files hold, once known (also while stale, for the index page).
    head: Option<Arc<Head>>,
    /// Its entries changed since its files were written.
    stale: bool,
}

/// Every feed's head, and the documents that fit the memory budget.
pub struct FeedSet {
    public_url: Url,
    dir: PathBuf,
    catalog: Catalog,
    states: RwLock<HashMap<String, FeedState>>,
    /// Keyed by file name, `{name}.{ext}`: what a request asks for, so a lookup allocates
    /// nothing.
    resident: BudgetCache<String, Arc<Document>>,
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
        let generations = AtomicU64::new(0);
        let mut states = HashMap::new();
        for spec in catalog.iter() {
            let files = Format::ALL
                .iter()
                .all(|&f| file_path(&dir, &spec.name, f).exists());
            let head = recorded
                .get(&spec.name)
                .filter(|r| !r.stale && files)
                .and_then(|r| r.head.as_ref())
                .filter(|h| h.fingerprint == spec.fingerprint)
                .map(|h| {
                    Arc::new(Head {
                        last_modified: http_date(h.updated.with_timezone(&Utc)),
                        updated: h.updated,
                        entries: h.entries,
                        generation: generations.fetch_add(1, Ordering::Relaxed) + 1,
                        digests: h.digests.clone(),
                    })
                });
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
            generations,
            rendering: Mutex::new(()),
            metrics,
        };
        // Stale feeds are not rendered here: a `scrape` renders each section after scraping
        // it and the rest at its end, `serve` every EXPORT_PERIOD and on request. Rendering
        // them now would write every feed of a fresh database twice.
        Ok(set)
    }

    pub fn public_url(&self) -> &Url {
        &self.public_url
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
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

    /// The document `head` describes, if it is in memory: the cheap path for the server.
    /// `file` is the feed's file name in that format (`politics.rss`).
    pub fn cached(&self, file: &str, format: Format, head: &Head) -> Option<Arc<Document>> {
        self.resident
            .get(file)
            .filter(|d| d.digest() == head.digest(format))
    }

    /// The feed's current head and its document in one format: from memory, from its file,
    /// or rendered from the store (writing its files if stale). `None` for a name the catalog
    /// does not know. Blocking (file I/O, SQLite, rendering): call from a blocking context.
    pub fn document(
        &self,
        store: &dyn Store,
        name: &str,
        format: Format,
    ) -> Result<Option<Found<Arc<Document>>>, FeedError> {
        let Some(spec) = self.catalog.get(name).cloned() else {
            return Ok(None);
        };
        if let Some(head) = self.head(name) {
            if let Some(doc) = self.cached(&file_name(name, format), format, &head) {
                return Ok(Some((head, doc)));
            }
            if let Some(doc) = self.read_file(name, format, &head) {
                return Ok(Some((head, doc)));
            }
        }
        let _one_at_a_time = self.lock_rendering();
        // Another request may have rendered it while this one waited (and a file read just
        // before that render finished may have raced its rename).
        if let Some(head) = self.head(name) {
            if let Some(doc) = self.cached(&file_name(name, format), format, &head) {
                return Ok(Some((head, doc)));
            }
            if let Some(doc) = self.read_file(name, format, &head) {
                return Ok(Some((head, doc)));
            }
        }
        // Stale, or its file did not hold what its head says: write every file again.
        let (head, documents) = self.render(store, &spec, true)?;
        let doc = documents[format.index()].clone();
        self.keep(name, format, &doc);
        Ok(Some((head, doc)))
    }

    /// The feed's current head and entries, newest first (for previews and filters).
    /// Blocking: call from a blocking context.
    pub fn entries(
        &self,
        store: &dyn Store,
        name: &str,
    ) -> Result<Option<Found<Vec<Entry>>>, FeedError> {
        let Some(spec) = self.catalog.get(name).cloned() else {
            return Ok(None);
        };
        let head = match self.head(name) {
            Some(head) => head,
            None => {
                let _one_at_a_time = self.lock_rendering();
                match self.head(name) {
                    Some(head) => head,
                    None => self.render(store, &spec, false)?.0,
                }
            }
        };
        Ok(Some((head, self.read_entries(store, &spec)?)))
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
        self.render(store, &spec, false)?;
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
                    self.render(store, &spec, false)?;
                    rendered += 1;
                }
            }
        }
        Ok(rendered)
    }

    /// A filtered view of a feed in one format (CPU work and SQLite: callers on the async
    /// runtime run it on a blocking thread when `filtered_cached` misses).
    pub fn filtered(
        &self,
        store: &dyn Store,
        name: &str,
        format: Format,
        query: &FeedQuery,
    ) -> Result<Option<Found<Arc<Document>>>, FeedError> {
        let key = query.normalized();
        // Another request may have made it since the caller looked: no store read then.
        if let Some(head) = self.head(name) {
            if let Some(doc) = self.filtered.get(name, format, &key, head.generation) {
                return Ok(Some((head, doc)));
            }
        }
        let Some((head, entries)) = self.entries(store, name)? else {
            return Ok(None);
        };
        let spec = self.catalog.get(name).expect("entries() found it");
        let entries = query.apply(&entries);
        let meta = spec.meta.with_query(&key);
        let doc = Arc::new(Document::new(format.render(&meta, &entries)));
        self.filtered
            .insert(name, format, &key, head.generation, doc.clone());
        Ok(Some((head, doc)))
    }

    /// The filtered document if it is cached already: the cheap path for the server.
    pub fn filtered_cached(
        &self,
        name: &str,
        format: Format,
        query: &FeedQuery,
        head: &Head,
    ) -> Option<Arc<Document>> {
        self.filtered
            .get(name, format, &query.normalized(), head.generation)
    }

    /// A compressed form of a document, made now if no request made it yet; the document's
    /// size in the memory budget follows. Blocking (CPU).
    pub fn compress(
        &self,
        name: &str,
        format: Format,
        document: &Arc<Document>,
        encoding: Encoding,
    ) -> Variant {
        let variant = document.get(encoding);
        self.resident
            .resize(&file_name(name, format), document.held_bytes(), |d| {
                Arc::ptr_eq(d, document)
            });
        variant
    }

    /// Bytes of documents held in memory now.
    pub fn resident_bytes(&self) -> usize {
        self.resident.held_bytes()
    }

    fn keep(&self, name: &str, format: Format, doc: &Arc<Document>) {
        self.resident
            .insert(file_name(name, format), doc.clone(), doc.held_bytes());
    }

    /// The feed's file, if it holds what `head` says: the bytes a render would produce.
    fn read_file(&self, name: &str, format: Format, head: &Head) -> Option<Arc<Document>> {
        let bytes = std::fs::read(file_path(&self.dir, name, format)).ok()?;
        let doc = Arc::new(Document::new(bytes));
        if doc.digest() != head.digest(format) {
            tracing::info!(
                feed = name,
                format = format.ext(),
                "feed file changed on disk; rendering it again"
            );
            return None;
        }
        self.metrics.file_read();
        self.keep(name, format, &doc);
        Some(doc)
    }

    fn read_entries(&self, store: &dyn Store, spec: &FeedSpec) -> Result<Vec<Entry>, FeedError> {
        Ok(match spec.kind {
            FeedKind::Section { .. } => store.entries(&spec.name, spec.max_entries)?,
            _ => store.merged_entries(&spec.members, spec.max_entries)?,
        })
    }

    /// Renders one feed from the store, writes the files whose bytes changed (or are
    /// missing; all of them with `rewrite`), records its head in the store and makes it
    /// current. Callers hold `rendering`.
    fn render(
        &self,
        store: &dyn Store,
        spec: &Arc<FeedSpec>,
        rewrite: bool,
    ) -> Result<(Arc<Head>, [Arc<Document>; 3]), FeedError> {
        let entries = self.read_entries(store, spec)?;
        let documents =
            Format::ALL.map(|f| Arc::new(Document::new(f.render(&spec.meta, &entries))));
        let previous = self.last_head(&spec.name);
        let mut writes = Vec::new();
        for format in Format::ALL {
            let doc = &documents[format.index()];
            let path = file_path(&self.dir, &spec.name, format);
            let same = previous
                .as_ref()
                .is_some_and(|p| p.digest(format) == doc.digest());
            if rewrite || !same || !path.exists() {
                writes.push((path, doc.identity().as_ref()));
            }
        }
        write_all_atomically(&self.dir, &writes)?;
        let digests = Format::ALL.map(|f| documents[f.index()].digest().to_string());
        let updated = render::feed_updated(&entries);
        // Rendered again only because its file went missing or changed: the store and the
        // merged feeds already agree with these bytes.
        let current = self.head(&spec.name);
        if let Some(current) = current.filter(|c| c.digests == digests) {
            self.metrics.render(false);
            return Ok((current, documents));
        }
        self.metrics.render(true);
        let aggregates: Vec<&str> = match spec.kind {
            FeedKind::Section { .. } => self
                .catalog
                .aggregates_of(&spec.name)
                .map(|a| a.name.as_str())
                .collect(),
            _ => Vec::new(),
        };
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
        let head = Arc::new(Head {
            last_modified: http_date(updated.with_timezone(&Utc)),
            updated,
            entries: entries.len(),
            generation: self.generations.fetch_add(1, Ordering::Relaxed) + 1,
            digests,
        });
        {
            let mut states = self.states.write().unwrap_or_else(|e| e.into_inner());
            states.insert(
                spec.name.clone(),
                FeedState {
                    head: Some(head.clone()),
                    stale: false,
                },
            );
        }
        for format in Format::ALL {
            self.resident.remove(&file_name(&spec.name, format));
        }
        self.filtered.forget(&spec.name);
        for aggregate in aggregates {
            self.set_stale(aggregate);
        }
        Ok((head, documents))
    }

    /// Marks a feed stale: its head and documents no longer match its entries.
    fn set_stale(&self, name: &str) {
        self.states
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_default()
            .stale = true;
        for format in Format::ALL {
            self.resident.remove(&file_name(name, format));
        }
    }

    fn lock_rendering(&self) -> std::sync::MutexGuard<'_, ()> {
        self.rendering.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn file_name(name: &str, format: Format) -> String {
    format!("{name}.{}", format.ext())
}

fn file_path(dir: &Path, name: &str, format: Format) -> PathBuf {
    dir.join(file_name(name, format))
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's IMF-fixdate).
pub fn http_date(d: DateTime<Utc>) -> Bytes {
    Bytes::from(httpdate::fmt_http_date(d.into()))
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
    let dir = path.parent().unwrap_or(Path::new("."));
    write_all_atomically(dir, &[(path.to_path_buf(), bytes)])
}

/// `write_atomically` for several files of one directory, with one directory sync for all
/// the renames (a feed's three formats: the sync is a good part of a render's cost).
fn write_all_atomically(dir: &Path, files: &[(PathBuf, &[u8])]) -> Result<(), FeedError> {
    if files.is_empty() {
        return Ok(());
    }
    let err = |path: &Path| {
        let path = path.display().to_string();
        move |source| FeedError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(err(dir))?;
    let mut temps = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let mut tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(err(path))?;
        tmp.write_all(bytes).map_err(err(path))?;
        tmp.as_file().sync_all().map_err(err(path))?;
        temps.push(tmp);
    }
    for (tmp, (path, _)) in temps.into_iter().zip(files) {
        tmp.persist(path).map_err(|e| err(path)(e.error))?;
    }
    sync_dir(dir).map_err(err(dir))?;
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
