//! Rendered feeds: made once per change, served from memory, mirrored to `feeds/`.
//!
//! After every scrape (and once at start-up) a section's entries are read from the store and
//! rendered as RSS, Atom and JSON Feed, each compressed (`document`), and kept in memory with
//! the entries themselves, so a feed request costs a map lookup and a query (`query`) filters
//! entries without touching SQLite. A section's change also re-renders the merged feeds it
//! belongs to (its site's and `all`, see `catalog`). The same bytes are written to
//! `feeds/{name}.{rss,atom,json}` atomically (temp file, fsync, rename, directory fsync),
//! so a static web server can serve them too and never sees half a file, even across a crash.

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
use crate::model::Entry;
use crate::render;
use crate::store::{Store, StoreError};
pub use cache::QueryCache;
pub use catalog::{Catalog, FeedKind, FeedSpec, Format};
pub use document::{Document, Encoding, Variant};
pub use query::{FeedQuery, QueryError};

/// How many filtered documents are kept.
const QUERY_CACHE_SLOTS: usize = 256;

/// One feed, rendered in every format from one list of entries.
#[derive(Debug)]
pub struct RenderedFeed {
    pub spec: Arc<FeedSpec>,
    /// Newest first, as rendered.
    pub entries: Vec<Entry>,
    /// The feed's own date (latest entry change); also its `Last-Modified`.
    pub updated: DateTime<FixedOffset>,
    pub last_modified: HeaderValue,
    /// Distinguishes renders, so cached filtered documents of an older render are not served.
    pub generation: u64,
    documents: [Arc<Document>; 3],
}

impl RenderedFeed {
    pub fn document(&self, format: Format) -> &Arc<Document> {
        &self.documents[format.index()]
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

/// Every feed's rendered documents.
pub struct FeedSet {
    public_url: Url,
    dir: PathBuf,
    catalog: Catalog,
    rendered: RwLock<HashMap<String, Arc<RenderedFeed>>>,
    filtered: QueryCache,
    generations: AtomicU64,
    /// Renders one change at a time, so two sections finishing together cannot leave a
    /// merged feed built from the older of two states.
    rendering: Mutex<()>,
}

impl FeedSet {
    /// A set writing into the configured directory; temporary files a killed predecessor
    /// left there are removed.
    pub fn new(public_url: Url, config: &Config) -> FeedSet {
        let removed = remove_stale_temp_files(&config.storage.feeds_dir);
        if removed > 0 {
            tracing::info!(dir = %config.storage.feeds_dir.display(), removed, "removed temporary feed files left by a crash");
        }
        FeedSet {
            catalog: Catalog::new(config, &public_url),
            public_url,
            dir: config.storage.feeds_dir.clone(),
            rendered: RwLock::new(HashMap::new()),
            filtered: QueryCache::new(QUERY_CACHE_SLOTS),
            generations: AtomicU64::new(0),
            rendering: Mutex::new(()),
        }
    }

    pub fn public_url(&self) -> &Url {
        &self.public_url
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn get(&self, name: &str) -> Option<Arc<RenderedFeed>> {
        self.rendered
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// Re-renders a section's feed from the store, then the merged feeds it belongs to.
    /// Blocking (SQLite, compression, file I/O): call from a blocking context.
    pub fn refresh(&self, store: &dyn Store, section: &str) -> Result<(), FeedError> {
        let _one_at_a_time = self.rendering.lock().unwrap_or_else(|e| e.into_inner());
        self.render_section(store, section)?;
        let aggregates: Vec<Arc<FeedSpec>> = self.catalog.aggregates_of(section).cloned().collect();
        for spec in aggregates {
            self.render_merged(&spec)?;
        }
        Ok(())
    }

    /// Renders every feed: each section once, then each merged feed once.
    pub fn refresh_all(&self, store: &dyn Store) -> Result<(), FeedError> {
        let _one_at_a_time = self.rendering.lock().unwrap_or_else(|e| e.into_inner());
        let specs: Vec<Arc<FeedSpec>> = self.catalog.iter().cloned().collect();
        for spec in &specs {
            if matches!(spec.kind, FeedKind::Section { .. }) {
                self.render_section(store, &spec.name)?;
            }
        }
        for spec in &specs {
            if !matches!(spec.kind, FeedKind::Section { .. }) {
                self.render_merged(spec)?;
            }
        }
        Ok(())
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

    fn render_section(&self, store: &dyn Store, name: &str) -> Result<(), FeedError> {
        let spec = self
            .catalog
            .get(name)
            .ok_or_else(|| FeedError::Unknown(name.to_string()))?
            .clone();
        let entries = store.entries(&spec.name, spec.max_entries)?;
        self.install(spec, entries)
    }

    fn render_merged(&self, spec: &Arc<FeedSpec>) -> Result<(), FeedError> {
        let members: Vec<Arc<RenderedFeed>> =
            spec.members.iter().filter_map(|m| self.get(m)).collect();
        let entries = catalog::merge(
            members.iter().map(|m| m.entries.as_slice()),
            spec.max_entries,
        );
        self.install(spec.clone(), entries)
    }

    /// Renders, writes the files whose bytes changed (or are missing), and swaps the feed in.
    fn install(&self, spec: Arc<FeedSpec>, entries: Vec<Entry>) -> Result<(), FeedError> {
        let documents =
            Format::ALL.map(|f| Arc::new(Document::new(f.render(&spec.meta, &entries))));
        let previous = self.get(&spec.name);
        for format in Format::ALL {
            let doc = documents[format.index()].identity();
            let old = previous
                .as_ref()
                .map(|p| &p.document(format).identity().etag);
            let path = self.dir.join(format!("{}.{}", spec.name, format.ext()));
            if old != Some(&doc.etag) || !path.exists() {
                write_atomically(&path, &doc.bytes)?;
            }
        }
        let updated = render::feed_updated(&entries);
        let feed = Arc::new(RenderedFeed {
            last_modified: http_date(updated.with_timezone(&Utc)),
            generation: self.generations.fetch_add(1, Ordering::Relaxed) + 1,
            spec: spec.clone(),
            entries,
            updated,
            documents,
        });
        self.rendered
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(spec.name.clone(), feed);
        self.filtered.forget(&spec.name);
        Ok(())
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
