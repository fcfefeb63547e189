//! Versioned migrations of the PostgreSQL schema, applied at start-up.
//!
//! The same rules as the SQLite store's (`store::migrations`): forward only, in order, each
//! in its own transaction with the version bump, and a database written by a newer release
//! is refused. The version lives in the one-row table `scrapefeed_schema` (PostgreSQL has no
//! `user_version`). Several instances starting together take a transaction-scoped advisory
//! lock first, so a migration is applied once and the others wait for it.

use postgres::Client;

use crate::store::MigrationError;

/// Every migration, in order; index + 1 is the version it produces.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_cluster.sql"),
];

/// The schema version this release writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// The advisory lock key that serializes migrations (any constant; "sfmigrat" in ASCII).
const MIGRATION_LOCK: i64 = 0x7366_6d69_6772_6174;

/// Brings the database to `LATEST`; returns the version it had before.
pub fn migrate(client: &mut Client) -> Result<i64, MigrationError> {
    let failed = |version: i64| move |source| MigrationError::Postgres { version, source };
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS scrapefeed_schema (version BIGINT NOT NULL)")
        .map_err(failed(0))?;
    let mut found = None;
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        let mut tx = client.transaction().map_err(failed(version))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(failed(version))?;
        let current = current_version(&mut tx).map_err(failed(version))?;
        found.get_or_insert(current);
        if current > LATEST {
            return Err(MigrationError::TooNew { found: current });
        }
        if current >= version {
            continue;
        }
        tx.batch_execute(sql).map_err(failed(version))?;
        tx.execute("DELETE FROM scrapefeed_schema", &[])
            .map_err(failed(version))?;
        tx.execute(
            "INSERT INTO scrapefeed_schema (version) VALUES ($1)",
            &[&version],
        )
        .map_err(failed(version))?;
        tx.commit().map_err(failed(version))?;
        tracing::info!(version, "database schema upgraded");
    }
    let found = match found {
        Some(found) => found,
        None => current_version(client).map_err(failed(0))?,
    };
    Ok(found)
}

fn current_version(client: &mut impl postgres::GenericClient) -> Result<i64, postgres::Error> {
    let row = client.query_opt("SELECT MAX(version) FROM scrapefeed_schema", &[])?;
    Ok(row.and_then(|r| r.get::<_, Option<i64>>(0)).unwrap_or(0))
}
