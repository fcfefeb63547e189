//! The data directory: where the database lives, apart from the feed files.
//!
//! `feeds/` may be published as is by a static web server, so it must hold feed files only.
//! Without `storage.database`, the database is `$STATE_DIRECTORY/scrapefeed.db` under
//! systemd (`StateDirectory=`; the first of its colon-separated paths), else
//! `data/scrapefeed.db` beside the config file (`default_database`, pure, at load).
//!
//! `settle` runs once at start, before the database is opened, by the commands that open it:
//! - it moves a database left at the old default (`feeds/scrapefeed.db` beside the config)
//!   to the new one, with its `-wal` and `-shm`, when `storage.database` is not set and the
//!   new file does not exist yet: sidecars first and the database last, so a move cut short
//!   is finished by the next start and never separates a database from its WAL; a rename
//!   within one filesystem, else a copy (fsynced, then renamed into place) and a removal;
//! - when the move is impossible it keeps the old file, with a warning that says how to
//!   move it by hand;
//! - it creates the data directory (0700) if missing and refuses to start, naming the path,
//!   when the directory or the database cannot be written.
//!
//! A reload never moves anything (the database is open): `StorageSettings::follow_unmoved`
//! only keeps a config pointing where `settle` left the database.

use std::io;
use std::path::{Path, PathBuf};

use super::locate::Env;
use super::StorageSettings;

/// The database's file name in the data directory.
const DATABASE_FILE: &str = "scrapefeed.db";

/// The files SQLite keeps beside a database in WAL mode; the database itself last.
const SIDECARS_THEN_DATABASE: [&str; 3] = ["-wal", "-shm", ""];

/// The database path when `storage.database` is not set.
pub(super) fn default_database(base_dir: &Path, env: Env<'_>) -> PathBuf {
    let state = env("STATE_DIRECTORY")
        .and_then(|dirs| dirs.split(':').next().map(str::to_string))
        .filter(|dir| !dir.is_empty());
    match state {
        Some(dir) => Path::new(&dir).join(DATABASE_FILE),
        None => base_dir.join("data").join(DATABASE_FILE),
    }
}

/// Where the database was by default before the data directory: moved from there by
/// `settle`.
pub(super) fn legacy_database(base_dir: &Path) -> PathBuf {
    base_dir.join("feeds").join(DATABASE_FILE)
}

/// The data directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error(
        "cannot create the data directory {}: {source}; create it, writable by the user \
         running scrapefeed, or set storage.database to a file in a writable directory",
        .path.display()
    )]
    Create { path: PathBuf, source: io::Error },
    #[error(
        "the data directory {} is not writable: {source}; give the user running scrapefeed \
         write access to it (chown or chmod), or set storage.database to a file in a \
         writable directory",
        .path.display()
    )]
    NotWritable { path: PathBuf, source: io::Error },
    #[error(
        "the database {} is not writable: {source}; give the user running scrapefeed write \
         access to it",
        .path.display()
    )]
    DatabaseNotWritable { path: PathBuf, source: io::Error },
}

impl StorageSettings {
    /// For a reload: the database stays where `settle` left it at start (at the old default
    /// when it could not be moved), since the running process has it open.
    pub fn follow_unmoved(&mut self) {
        if let Some(legacy) = &self.legacy_database {
            if legacy.is_file() && !self.database.exists() {
                self.database = legacy.clone();
            }
        }
    }
}

/// Prepares the database's place before it is opened: moves a database from the old default,
/// creates the data directory, checks it can be written. Logs what it moved, and how to
/// move by hand what it could not.
pub fn settle(storage: &mut StorageSettings) -> Result<(), DataDirError> {
    if storage.postgres.is_some() {
        // The database is a server's, not a file here: nothing to move, make or check.
        return Ok(());
    }
    if let Some(legacy) = storage.legacy_database.clone() {
        if legacy.is_file() && !storage.database.exists() {
            let to = storage.database.clone();
            match make_dir(&to).and_then(|()| move_database(&legacy, &to)) {
                Ok(()) => tracing::info!(
                    from = %legacy.display(), to = %to.display(),
                    "moved the database out of the feeds directory (which a static web \
                     server may publish) into the data directory"
                ),
                Err(e) => {
                    tracing::warn!(
                        from = %legacy.display(), to = %to.display(), error = %e,
                        "cannot move the database out of the feeds directory; using it where \
                         it is. To move it: stop scrapefeed, then move {} (and its -wal and \
                         -shm files, if any) to {}",
                        legacy.display(), to.display()
                    );
                    storage.database = legacy;
                }
            }
        }
    }
    make_dir(&storage.database).map_err(|source| DataDirError::Create {
        path: parent(&storage.database).to_path_buf(),
        source,
    })?;
    check_writable(&storage.database)?;
    if let Some(feeds_dir) = storage
        .feeds_dir
        .as_ref()
        .filter(|dir| storage.database.starts_with(dir))
    {
        tracing::warn!(
            database = %storage.database.display(), feeds_dir = %feeds_dir.display(),
            "the database is inside the feeds directory, which a static web server may \
             publish; set storage.database elsewhere (or leave it unset for the data directory)"
        );
    }
    Ok(())
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Creates the directory of `file` if missing; a new one is private (0700): it holds every
/// scraped entry and the scrape history.
fn make_dir(file: &Path) -> io::Result<()> {
    let dir = parent(file);
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Whether a file can be created in the database's directory, and the database (if there)
/// opened for writing; nothing is changed.
fn check_writable(database: &Path) -> Result<(), DataDirError> {
    let dir = parent(database);
    tempfile::Builder::new()
        .prefix(".scrapefeed-write-test")
        .tempfile_in(dir)
        .map_err(|source| DataDirError::NotWritable {
            path: dir.to_path_buf(),
            source,
        })?;
    if database.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(database)
            .map_err(|source| DataDirError::DatabaseNotWritable {
                path: database.to_path_buf(),
                source,
            })?;
    }
    Ok(())
}

/// `from` + suffix, as SQLite names its sidecars.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Moves the database and its sidecars, the database last. When one cannot be moved, those
/// already moved go back, so the database is never used apart from its WAL.
fn move_database(from: &Path, to: &Path) -> io::Result<()> {
    let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
    for suffix in SIDECARS_THEN_DATABASE {
        let (source, target) = (with_suffix(from, suffix), with_suffix(to, suffix));
        if !source.exists() {
            continue;
        }
        if let Err(e) = move_file(&source, &target) {
            for (source, target) in moved.into_iter().rev() {
                let _ = move_file(&target, &source);
            }
            return Err(e);
        }
        moved.push((source, target));
    }
    sync_dir(parent(to));
    sync_dir(parent(from));
    Ok(())
}

/// A rename, or across filesystems a copy made durable under a temporary name, renamed into
/// place, then the original removed.
fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    match std::fs::rename(from, to) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() != io::ErrorKind::CrossesDevices => return Err(e),
        Err(_) => {}
    }
    let part = with_suffix(to, ".part");
    let copied = std::fs::copy(from, &part)
        .and_then(|_| std::fs::File::open(&part)?.sync_all())
        .and_then(|()| std::fs::rename(&part, to));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    std::fs::remove_file(from)
}

/// Makes renames in `dir` survive a power cut; best effort (not every filesystem can).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests;
