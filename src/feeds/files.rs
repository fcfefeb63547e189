//! Feed files in `feeds/`: written whole or not at all, even across a crash or a power cut.
//!
//! Every write goes to a temporary file beside its final name, is synced, renamed over the
//! final name, and the directory is synced so the rename itself survives. Readers (a static
//! web server, this server after a restart) see the old file or the new one, never a mix.
//! Temporary files a killed process left behind are recognised by their prefix and age.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{FeedError, Format};

pub(super) fn file_name(name: &str, format: Format) -> String {
    format!("{name}.{}", format.ext())
}

pub(super) fn file_path(dir: &Path, name: &str, format: Format) -> PathBuf {
    dir.join(file_name(name, format))
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
pub(super) fn write_all_atomically(
    dir: &Path,
    files: &[(PathBuf, &[u8])],
) -> Result<(), FeedError> {
    if files.is_empty() {
        return Ok(());
    }
    let err = |path: &Path| {
        let path = path.display().to_string();
        move |source| FeedError::Write { path, source }
    };
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        // `create_dir_all` would say "file exists", which misleads.
        Ok(_) => return Err(err(dir)(std::io::Error::from_raw_os_error(libc::ENOTDIR))),
        // Made again if removed: a feeds directory deleted by hand comes back whole.
        Err(_) => std::fs::create_dir_all(dir).map_err(err(dir))?,
    }
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
