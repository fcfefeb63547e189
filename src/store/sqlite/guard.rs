//! Writes go only into the database file at the configured path, and only while it is sound.
//!
//! SQLite writes through the file descriptors it opened. When the file is deleted (its
//! directory removed by hand or by a cleanup script) or replaced (another file renamed over
//! it), those writes land in a file nobody will open again: everything stored from then on
//! is lost at the next start, which finds no file (and makes an empty one) or the other
//! file. So the store remembers the identity (device and inode) of the file it opened and
//! compares it with what the path names before every write, and whenever `check_writable`
//! is called (the server does every few seconds). From the first difference on, every
//! write is refused until restart, while reads go on from the open file, so feeds are still
//! served. The same holds once SQLite reports the file damaged during a run
//! (`SQLITE_CORRUPT`, `SQLITE_NOTADB`): writing more into a damaged file spreads the damage.
//!
//! The moment writes stop is logged once, at error level, with what to do. A lost file is
//! still readable through this process: its write-ahead log is checkpointed into it (so the
//! one file holds every commit, and no stale `-wal` is left for a replacement file to adopt),
//! and on Linux the log names the `/proc/PID/fd/N` path to copy it from before restarting.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rusqlite::ErrorCode;

use super::SqliteStore;
use crate::store::StoreError;

/// Why the store refuses writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WritesStopped {
    #[error("the database file was deleted while scrapefeed was running")]
    Deleted,
    #[error("the database file was replaced by another file while scrapefeed was running")]
    Replaced,
    #[error("the database file is damaged ({0})")]
    Damaged(String),
}

/// The database file as it was opened, and whether writes stopped.
pub(super) struct FileGuard {
    path: PathBuf,
    /// A handle of our own on the opened file (`None` in memory): its identity, and a name
    /// for it (`/proc/PID/fd/N`) that outlives a deletion.
    opened: Option<(std::fs::File, FileId)>,
    stopped: OnceLock<WritesStopped>,
}

/// What tells one file from another on the same machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    device: u64,
    inode: u64,
}

impl FileId {
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId {
            device: meta.dev(),
            inode: meta.ino(),
        })
    }

    /// Other systems give no stable identity through std: the check is off there.
    #[cfg(not(unix))]
    fn of(_: &std::fs::Metadata) -> Option<FileId> {
        None
    }
}

impl FileGuard {
    pub(super) fn in_memory() -> FileGuard {
        FileGuard {
            path: PathBuf::from(":memory:"),
            opened: None,
            stopped: OnceLock::new(),
        }
    }

    /// The guard of the file just opened at `path`. A file whose identity cannot be read
    /// (a system without inodes) is not watched.
    pub(super) fn open(path: &Path) -> std::io::Result<FileGuard> {
        let file = std::fs::File::open(path)?;
        let id = FileId::of(&file.metadata()?);
        Ok(FileGuard {
            path: path.to_path_buf(),
            opened: id.map(|id| (file, id)),
            stopped: OnceLock::new(),
        })
    }

    pub(super) fn stopped(&self) -> Option<&WritesStopped> {
        self.stopped.get()
    }

    /// What the path names now, if it is no longer the file opened.
    fn changed(&self) -> Option<WritesStopped> {
        let (_, opened) = self.opened.as_ref()?;
        match std::fs::metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(WritesStopped::Deleted),
            // The path no longer leads to a file (`feeds/` replaced by a file): as gone.
            Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => Some(WritesStopped::Deleted),
            // Unreadable for another reason (permissions, I/O): SQLite will say more on its
            // own if the file itself is unusable.
            Err(_) => None,
            Ok(meta) => (FileId::of(&meta) != Some(*opened)).then_some(WritesStopped::Replaced),
        }
    }

    /// Records why writes stop; `true` the first time only.
    fn stop(&self, why: WritesStopped) -> bool {
        let mut first = false;
        self.stopped.get_or_init(|| {
            first = true;
            why
        });
        first
    }

    /// Where the opened file can still be read once its name is gone: this process's
    /// descriptor of it, on Linux.
    fn still_readable_at(&self) -> Option<String> {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let (file, _) = self.opened.as_ref()?;
            Some(format!(
                "/proc/{}/fd/{}",
                std::process::id(),
                file.as_raw_fd()
            ))
        }
        #[cfg(not(target_os = "linux"))]
        None
    }
}

impl SqliteStore {
    /// `Ok` while writes may go on: the file at the configured path is still the one opened,
    /// and SQLite found no damage. Checks the path now (one `stat`). Callers must not hold
    /// the connection's lock (stopping writes takes it).
    pub(super) fn writable(&self) -> Result<(), StoreError> {
        if let Some(why) = self.guard.stopped() {
            return Err(StoreError::WritesStopped(why.clone()));
        }
        match self.guard.changed() {
            None => Ok(()),
            Some(why) => {
                self.stop_writes(why.clone());
                Err(StoreError::WritesStopped(why))
            }
        }
    }

    /// Passes `result` on, stopping writes if it says the file is damaged.
    pub(super) fn watch<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(StoreError::Sql(rusqlite::Error::SqliteFailure(e, message))) = &result {
            if matches!(e.code, ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) {
                let what = message.clone().unwrap_or_else(|| e.to_string());
                self.stop_writes(WritesStopped::Damaged(what));
            }
        }
        result
    }

    fn stop_writes(&self, why: WritesStopped) {
        if !self.guard.stop(why.clone()) {
            return;
        }
        let path = self.guard.path.display().to_string();
        if matches!(why, WritesStopped::Damaged(_)) {
            tracing::error!(
                database = %path,
                "{why}: nothing more is written to it, and feeds are served from what can \
                 still be read. Stop scrapefeed, then restore a backup or salvage the file as \
                 README.md shows (\"Crashes, upgrades, backups\")"
            );
            return;
        }
        // Every commit into the one file that is still readable, and no `-wal` left behind
        // for the file now at the path to adopt.
        let checkpoint = self
            .conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        if let Err(e) = checkpoint {
            tracing::warn!(database = %path, error = %e, "cannot checkpoint the lost database");
        }
        match self.guard.still_readable_at() {
            Some(readable) => tracing::error!(
                database = %path,
                "{why}: nothing more is stored until scrapefeed restarts, and a restart would \
                 start without what it held. Copy the lost file out first, while this process \
                 still holds it: `cp {readable} {path}` (create the directory if it is gone); \
                 then restart"
            ),
            None => tracing::error!(
                database = %path,
                "{why}: nothing more is stored until scrapefeed restarts, and a restart would \
                 start without what it held: put the file back from a backup first"
            ),
        }
    }
}

/// Reads the file once from start to end, so that `quick_check`, which walks the b-trees
/// in their own order, finds its pages in the page cache: from a cold cache that is a
/// sequential read instead of a random one, several times faster on disks of any kind
/// (docs/performance.md has the figures); from a warm one it costs a copy of the file into a
/// small buffer. Best effort: an error only means the check reads the disk itself.
pub(super) fn read_ahead(path: &Path) {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return;
    };
    let mut buffer = vec![0; 1 << 20];
    while matches!(file.read(&mut buffer), Ok(n) if n > 0) {}
}

/// What `PRAGMA quick_check` says about the database `conn` opened: `Ok` when sound,
/// else `StoreError::Damaged` with the first problems it lists (or the error it stopped
/// at: a page too damaged to walk past). It reads every page (the time it takes is in
/// docs/performance.md), but does not match every index entry with its row, as
/// `integrity_check` would.
pub(super) fn quick_check(conn: &rusqlite::Connection, path: &Path) -> Result<(), StoreError> {
    /// Problems quoted in the message; the rest are counted.
    const SHOWN: usize = 3;
    let mut problems = Vec::new();
    let checked = conn
        .prepare("PRAGMA quick_check(100)")
        .and_then(|mut stmt| {
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                // A problem may span lines under a `*** in database main ***` heading.
                let text: String = row.get(0)?;
                let lines: Vec<&str> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with("***"))
                    .collect();
                problems.push(lines.join(" "));
            }
            Ok(())
        });
    match checked {
        Ok(()) if problems == ["ok"] => return Ok(()),
        Ok(()) => {}
        Err(rusqlite::Error::SqliteFailure(e, message))
            if matches!(e.code, ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) =>
        {
            problems.push(message.unwrap_or_else(|| e.to_string()));
        }
        Err(source) => {
            return Err(StoreError::Open {
                path: path.display().to_string(),
                source,
            })
        }
    }
    let mut problem = problems[..problems.len().min(SHOWN)].join("; ");
    if problems.len() > SHOWN {
        problem.push_str(&format!("; {} more", problems.len() - SHOWN));
    }
    Err(StoreError::Damaged {
        path: path.display().to_string(),
        problem: format!("PRAGMA quick_check: {problem}"),
    })
}

#[cfg(test)]
mod tests;
