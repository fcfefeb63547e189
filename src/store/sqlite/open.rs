//! Opening the SQLite database: creating a new one whole (never half-made, even when a start
//! is killed), refusing a damaged one (`PRAGMA quick_check`, before anything writes), and the
//! connection settings every open applies (WAL, `synchronous = FULL`, migrations).

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::guard::{self, FileGuard};
use super::SqliteStore;
use crate::store::{migrations, StoreError};

/// How long a statement waits for another connection's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// An existing file is checked first (`PRAGMA quick_check`) and refused if damaged.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
                path: dir.display().to_string(),
                source,
            })?;
        }
        if !path.exists() {
            create_atomically(path)?;
        }
        Self::open_existing(path, true)
    }

    /// Opens again the database this process opened, checked and watched since (for a
    /// config reload): no second `quick_check`, which reads the whole file, and never a new
    /// file where the old one was.
    pub fn open_again(path: &Path) -> Result<SqliteStore, StoreError> {
        Self::open_existing(path, false)
    }

    fn open_existing(path: &Path, check: bool) -> Result<SqliteStore, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        // Without SQLITE_OPEN_CREATE: a file that vanished since is an error, not a new one.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
        let guard = FileGuard::open(path).map_err(|source| StoreError::Directory {
            path: path.display().to_string(),
            source,
        })?;
        // Before anything writes: migrating or switching the journal of a damaged file would
        // only damage it further. (A writer of another process, such as a `scrape` from cron,
        // may hold a lock for a moment: wait for it as every statement does.)
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        if check {
            guard::read_ahead(path);
            guard::quick_check(&conn, path)?;
        }
        Self::init(conn, &path.display().to_string(), guard)
    }

    /// An in-memory database, for tests and `check`.
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        Self::init(
            Connection::open_in_memory()?,
            ":memory:",
            FileGuard::in_memory(),
        )
    }

    fn init(mut conn: Connection, path: &str, guard: FileGuard) -> Result<SqliteStore, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_string(),
            source,
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        migrations::migrate(&mut conn).map_err(|source| StoreError::Migration {
            path: path.to_string(),
            source,
        })?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            guard,
        })
    }

    pub(in crate::store) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How old a leftover `create_atomically` file must be before another start removes it:
/// creating a database takes milliseconds, so anything this old was left by a killed start.
const STALE_INIT_AGE: Duration = Duration::from_secs(600);

/// Creates a new database at `path` in WAL mode with the latest schema, so that `path`
/// never exists half-made.
///
/// Switching a fresh file to WAL writes its header through a rollback journal; a process
/// killed in that moment leaves a hot `-journal` next to the database, which only a writer
/// can roll back (a read-only reader, such as a backup tool, gets `SQLITE_READONLY_ROLLBACK`).
/// So the file is made under a private name and hard-linked into place, which fails instead
/// of overwriting when a concurrent start won the race.
fn create_atomically(path: &Path) -> Result<(), StoreError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.init-");
    remove_stale_inits(dir, &prefix);
    let temp = dir.join(format!("{prefix}{}", std::process::id()));
    remove_with_sidecars(&temp);
    let shown = path.display().to_string();
    let open_err = |source| StoreError::Open {
        path: shown.clone(),
        source,
    };
    let made = Connection::open(&temp)
        .map_err(open_err)
        .and_then(|conn| SqliteStore::init(conn, &shown, FileGuard::in_memory()))
        // Dropping the store closes the connection: SQLite checkpoints and removes the WAL,
        // and the header keeps WAL mode for every later open.
        .map(drop);
    let linked = made.and_then(|()| match std::fs::hard_link(&temp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Directory {
            path: dir.display().to_string(),
            source,
        }),
    });
    remove_with_sidecars(&temp);
    linked?;
    // The new name must survive a power cut as well as the file.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes `create_atomically` files left by starts that were killed.
fn remove_stale_inits(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(file) = file.to_str() else { continue };
        let sidecar = ["-journal", "-wal", "-shm"]
            .iter()
            .any(|s| file.ends_with(s));
        if !file.starts_with(prefix) || sidecar {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_INIT_AGE);
        if old {
            remove_with_sidecars(&entry.path());
        }
    }
}

fn remove_with_sidecars(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(Path::new(&p));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_appears_whole_and_killed_starts_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.db");
        // Left by a start killed long ago, and by one running right now.
        let stale = dir.path().join(".feeds.db.init-4242");
        let fresh = dir.path().join(".feeds.db.init-4343");
        for p in [&stale, &fresh] {
            std::fs::write(p, b"half made").unwrap();
        }
        std::fs::write(dir.path().join(".feeds.db.init-4242-journal"), b"hot").unwrap();
        let long_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();

        drop(SqliteStore::open(&path).unwrap());

        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".feeds.db.init-4343", "feeds.db"]);
        // A reader that may not write finds a WAL database with the schema, no journal to
        // roll back.
        let conn =
            Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, migrations::LATEST);
    }
}
