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
//!
//! A file that cannot be written (a full disk, a read-only or vanished directory) never
//! fails a request or a scrape: the feed is current all the same, its documents are kept in
//! memory (rendered again from the store if the budget drops them), and it is *unwritten*:
//! `export_stale` retries its files, one feed per call while writes fail (`writes`), and its
//! head is recorded in the store only once they are written, so a restart renders it again.
//!
//! Without a feeds directory (`storage.feeds_dir` unset, the default under PostgreSQL) the
//! set writes and reads no file and records nothing in the store: the memory cache is the
//! documents' only home, and a document it dropped is rendered again from the store. Every
//! head is unknown at open and made by the first request (or a scrape's `refresh`). With
//! several instances on one store, each hears the others' changes and forgets what it held
//! of those feeds (`invalidate`); rendering depends on nothing but the store and the config,
//! so every instance serves the same bytes under the same validators.

mod budget;
mod cache;
pub mod catalog;
pub mod document;
mod export;
mod files;
mod invalidate;
pub mod query;
mod writes;

use rustc_hash::FxHashMap as HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use chrono::{DateTime, FixedOffset, Utc};
use url::Url;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::model::Entry;
use crate::render::FeedMedia;
use crate::store::{Store, StoreError};
use budget::BudgetCache;
pub use cache::QueryCache;
pub use catalog::{Catalog, FeedKind, FeedSpec, Format};
pub use document::{Document, Encoding, Variant};
pub use files::write_atomically;
use files::{file_name, file_path, remove_stale_temp_files};
pub use query::{FeedQuery, QueryError};
pub use writes::FilesHealth;
use writes::WriteState;

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
    /// After `export_stale`: feeds whose files could not be written (no path: the log has
    /// them).
    #[error("the files of {feeds} feed(s) could not be written ({cause})")]
    Unwritten { feeds: usize, cause: String },
}

/// What a lookup found, with the head it belongs to (the validators to send with it).
pub type WithHead<T> = (Arc<Head>, T);

/// A feed's state between renders.
#[derive(Default)]
struct FeedState {
    /// The head of what its files hold, once known (also while stale, for the index page).
    head: Option<Arc<Head>>,
    /// Its entries changed since its files were written.
    stale: bool,
    /// Its head is current, but its files could not be written: they hold something older
    /// (or nothing), so its documents come from memory or a render, never from its files.
    unwritten: bool,
}

/// Every feed's head, and the documents that fit the memory budget.
pub struct FeedSet {
    public_url: Url,
    /// Where feed files are written; `None`: nowhere (`storage.feeds_dir` unset under
    /// PostgreSQL), documents live in memory only and nothing is recorded in the store.
    dir: Option<PathBuf>,
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
    /// Whether files can be written.
    writes: WriteState,
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
        if let Some(dir) = &dir {
            let removed = remove_stale_temp_files(dir);
            if removed > 0 {
                tracing::info!(dir = %dir.display(), removed, "removed temporary feed files left by a crash");
            }
        }
        let catalog = Catalog::new(config, &public_url);
        // Without files there is nothing the store's records could vouch for (and under
        // PostgreSQL they are another instance's): every head is made by a render here.
        let recorded: HashMap<String, _> = match &dir {
            Some(_) => store
                .exports()?
                .into_iter()
                .map(|s| (s.feed.clone(), s))
                .collect(),
            None => HashMap::default(),
        };
        let generations = AtomicU64::new(0);
        let mut states = HashMap::default();
        for spec in catalog.iter() {
            let files = dir.as_ref().is_some_and(|dir| {
                Format::ALL
                    .iter()
                    .all(|&f| file_path(dir, &spec.name, f).exists())
            });
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
            states.insert(
                spec.name.clone(),
                FeedState {
                    head,
                    stale,
                    unwritten: false,
                },
            );
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
            writes: WriteState::default(),
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
    ) -> Result<Option<WithHead<Arc<Document>>>, FeedError> {
        let Some(spec) = self.catalog.get(name).cloned() else {
            return Ok(None);
        };
        if let Some(found) = self.held(name, format) {
            return Ok(Some(found));
        }
        let _one_at_a_time = self.lock_rendering();
        // Another request may have rendered it while this one waited (and a file read just
        // before that render finished may have raced its rename).
        if let Some(found) = self.held(name, format) {
            return Ok(Some(found));
        }
        // Stale, unwritten and out of memory, or its file did not hold what its head says:
        // write every file again.
        let (head, documents) = self.render(store, &spec, true)?;
        let doc = documents[format.index()].clone();
        self.keep(name, format, &doc);
        Ok(Some((head, doc)))
    }

    /// The feed's current head and its document in one format, if memory or its file holds
    /// it (an unwritten feed's file holds something older).
    fn held(&self, name: &str, format: Format) -> Option<WithHead<Arc<Document>>> {
        let (head, unwritten) = {
            let states = self.states.read().unwrap_or_else(|e| e.into_inner());
            let state = states.get(name).filter(|s| !s.stale)?;
            (state.head.clone()?, state.unwritten)
        };
        if let Some(doc) = self.cached(&file_name(name, format), format, &head) {
            return Some((head, doc));
        }
        if unwritten {
            return None;
        }
        let doc = self.read_file(name, format, &head)?;
        Some((head, doc))
    }

    /// The feed's current head and entries, newest first (for previews and filters).
    /// Blocking: call from a blocking context.
    pub fn entries(
        &self,
        store: &dyn Store,
        name: &str,
    ) -> Result<Option<WithHead<Vec<Entry>>>, FeedError> {
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

    /// A filtered view of a feed in one format (CPU work and SQLite: callers on the async
    /// runtime run it on a blocking thread when `filtered_cached` misses).
    pub fn filtered(
        &self,
        store: &dyn Store,
        name: &str,
        format: Format,
        query: &FeedQuery,
    ) -> Result<Option<WithHead<Arc<Document>>>, FeedError> {
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
        let media = self.read_media(store, spec, &entries)?;
        let doc = Arc::new(Document::new(format.render_with(&meta, &entries, &media)));
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
        let bytes = std::fs::read(file_path(self.dir.as_ref()?, name, format)).ok()?;
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

    /// What the store knows of the feed's pictures: its site's icons (unless configured),
    /// its entries' images. `all` has no site, hence no icon.
    fn read_media(
        &self,
        store: &dyn Store,
        spec: &FeedSpec,
        entries: &[Entry],
    ) -> Result<FeedMedia, FeedError> {
        let site = match &spec.kind {
            FeedKind::Section { site } => Some(site.as_str()),
            FeedKind::Site => Some(spec.name.as_str()),
            FeedKind::All => None,
        };
        let icons = match site.filter(|_| spec.meta.icon.is_none()) {
            Some(site) => store.site_icons(site)?.map(|(icons, _)| icons),
            None => None,
        };
        let urls: Vec<&str> = entries.iter().filter_map(|e| e.image.as_deref()).collect();
        Ok(FeedMedia {
            icons: icons.unwrap_or_default(),
            images: store.image_facts(&urls)?,
        })
    }

    fn lock_rendering(&self) -> std::sync::MutexGuard<'_, ()> {
        self.rendering.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's IMF-fixdate).
pub fn http_date(d: DateTime<Utc>) -> Bytes {
    Bytes::from(httpdate::fmt_http_date(d.into()))
}

#[cfg(test)]
mod tests;
