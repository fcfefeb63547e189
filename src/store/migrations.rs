//! Versioned schema migrations, applied at start-up, so a new release opens an old database.
//!
//! The version is SQLite's `user_version`: migration N brings a database from version N-1 to
//! N. Each migration runs in its own transaction together with the version bump, so a crash
//! mid-upgrade leaves the database at the previous version, to be upgraded again on the
//! next start. Migrations are append-only: a released one is never edited (migration 1 is
//! the first released schema, byte for byte; `tests/fixtures/schema_v1.sql` pins it).
//!
//! Why not `rusqlite_migration`: it uses the same `user_version` scheme, but its newest
//! release (2.6) requires rusqlite 0.40, and two rusqlite versions cannot share the one
//! bundled SQLite (`links = "sqlite3"`) with our rusqlite 0.43. This runner is the subset we
//! need: forward-only, in order, one transaction each, and a refusal to open a database
//! written by a newer release.

use rusqlite::{Connection, TransactionBehavior};

/// Every migration, in order; index + 1 is the version it produces.
const MIGRATIONS: [&str; 5] = [
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_retention.sql"),
    include_str!("migrations/0003_fetch_state.sql"),
    include_str!("migrations/0004_feed_exports.sql"),
    include_str!("migrations/0005_site_media.sql"),
];

/// The schema version this release writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("schema version {found} is newer than this release understands ({LATEST}); upgrade scrapefeed")]
    TooNew { found: i64 },
    #[error("migration to schema version {version} failed: {source}")]
    Failed {
        version: i64,
        source: rusqlite::Error,
    },
    /// The PostgreSQL store's (`store::postgres::migrations`).
    #[error("migration to schema version {version} failed: {source}")]
    Postgres {
        version: i64,
        source: postgres::Error,
    },
}

/// Brings the database to `LATEST`; returns the version it had before.
pub fn migrate(conn: &mut Connection) -> Result<i64, MigrationError> {
    let read = |conn: &Connection| {
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
            .map_err(|source| MigrationError::Failed { version: 0, source })
    };
    let found = read(conn)?;
    if found > LATEST {
        return Err(MigrationError::TooNew { found });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let version = index as i64 + 1;
        let failed = |source| MigrationError::Failed { version, source };
        // IMMEDIATE: a second process starting at the same moment waits (busy timeout)
        // instead of applying the same migration twice.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        let current: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(failed)?;
        if current >= version {
            continue;
        }
        tx.execute_batch(sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
        tracing::info!(version, "database schema upgraded");
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_one_is_the_first_released_schema() {
        let fixture = include_str!("../../tests/fixtures/schema_v1.sql");
        assert_eq!(
            MIGRATIONS[0], fixture,
            "released migrations are never edited"
        );
    }

    #[test]
    fn a_fresh_database_reaches_the_latest_version_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        assert_eq!(migrate(&mut conn).unwrap(), LATEST);
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('entries', 'runs', 'pruned')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 3);
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(MigrationError::TooNew { .. })
        ));
    }
}
