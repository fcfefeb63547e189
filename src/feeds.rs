//! Rendered feeds: made once per change, served from memory, mirrored to `feeds/`.
//!
//! After every scrape (and once at start-up) a section's RSS and Atom documents are rendered
//! from the store and kept in memory with their ETags, so a feed request costs a map lookup.
//! The same bytes are written to `feeds/{section}.rss|.atom` atomically (temp file, fsync,
//! rename), so a static web server can serve them too and never sees half a file.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use chrono::{DateTime, FixedOffset};
use sha2::{Digest, Sha256};
use url::Url;

use crate::config::{Section, Site};
use crate::render::{self, FeedMeta};
use crate::store::{Store, StoreError};

/// One rendered document.
#[derive(Debug, Clone)]
pub struct Document {
    pub bytes: Bytes,
    /// Strong ETag, quoted.
    pub etag: String,
}

impl Document {
    fn new(bytes: Vec<u8>) -> Document {
        let digest = Sha256::digest(&bytes);
        let etag = format!("\"{}\"", hex(&digest[..16]));
        Document {
            bytes: Bytes::from(bytes),
            etag,
        }
    }
}

/// Both documents of a section's feed.
#[derive(Debug, Clone)]
pub struct RenderedFeed {
    pub rss: Document,
    pub atom: Document,
    /// The feed's own date (latest entry change); also its `Last-Modified`.
    pub updated: DateTime<FixedOffset>,
    pub entries: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write feed file {path}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Every section's rendered feed.
pub struct FeedSet {
    public_url: Url,
    dir: PathBuf,
    rendered: RwLock<HashMap<String, Arc<RenderedFeed>>>,
}

impl FeedSet {
    pub fn new(public_url: Url, dir: PathBuf) -> FeedSet {
        FeedSet {
            public_url,
            dir,
            rendered: RwLock::new(HashMap::new()),
        }
    }

    pub fn public_url(&self) -> &Url {
        &self.public_url
    }

    pub fn get(&self, section: &str) -> Option<Arc<RenderedFeed>> {
        self.rendered
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(section)
            .cloned()
    }

    /// Re-renders a section's feed from the store; writes the files when the bytes changed or
    /// are missing on disk. Blocking (SQLite, file I/O): call from a blocking context.
    pub fn refresh(
        &self,
        store: &dyn Store,
        site: &Site,
        section: &Section,
    ) -> Result<Arc<RenderedFeed>, FeedError> {
        let entries = store.entries(&section.id, section.max_entries)?;
        let meta = FeedMeta::for_section(&self.public_url, site, section);
        let feed = Arc::new(RenderedFeed {
            rss: Document::new(render::rss(&meta, &entries)),
            atom: Document::new(render::atom(&meta, &entries)),
            updated: render::feed_updated(&entries),
            entries: entries.len(),
        });
        let previous = self.get(&section.id);
        for (ext, doc, old) in [
            ("rss", &feed.rss, previous.as_ref().map(|p| &p.rss.etag)),
            ("atom", &feed.atom, previous.as_ref().map(|p| &p.atom.etag)),
        ] {
            let path = self.dir.join(format!("{}.{ext}", section.id));
            if old != Some(&doc.etag) || !path.exists() {
                write_atomically(&path, &doc.bytes)?;
            }
        }
        self.rendered
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(section.id.clone(), feed.clone());
        Ok(feed)
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FeedError> {
    let err = |source| FeedError::Write {
        path: path.display().to_string(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
