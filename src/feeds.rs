//! Rendered feeds: made once per change, served from memory, mirrored to `feeds/`.
//!
//! After every scrape (and once at start-up) a section's RSS and Atom documents are rendered
//! from the store and kept in memory with their ETags, so a feed request costs a map lookup.
//! The same bytes are written to `feeds/{section}.rss|.atom` atomically (temp file, fsync,
//! rename, directory fsync), so a static web server can serve them too and never sees half a
//! file, even across a crash or a power cut.

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
    #[error("cannot write feed file {path}: {source}")]
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
    /// A set writing into `dir`; temporary files a killed predecessor left there are removed.
    pub fn new(public_url: Url, dir: PathBuf) -> FeedSet {
        let removed = remove_stale_temp_files(&dir);
        if removed > 0 {
            tracing::info!(dir = %dir.display(), removed, "removed temporary feed files left by a crash");
        }
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
