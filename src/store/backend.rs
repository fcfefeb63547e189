//! Choosing the store: the SQLite file, or the PostgreSQL database several instances share,
//! as `storage.database` says (`config::StorageSettings::postgres`).
//!
//! Callers that only store and read go through `Store` (`shared()`); the few that need one
//! backend's own abilities (export and import, the cluster's pool) match on `Backend`.

use std::io::{BufRead, Write};
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::pg::PgStore;
use super::{ExportOutcome, ImportOutcome, SqliteStore, Store, StoreError, TransferError};
use crate::config::StorageSettings;

/// An open store, of either kind. Cloning shares it.
#[derive(Clone)]
pub enum Backend {
    Sqlite(Arc<SqliteStore>),
    Postgres(Arc<PgStore>),
}

/// Opens the store `storage` names: the SQLite file (checked, migrated), or the PostgreSQL
/// database (waited for while it is down, migrated). `Ok(None)` when `cancel` fired while
/// waiting for PostgreSQL.
pub fn open(
    storage: &StorageSettings,
    cancel: &CancellationToken,
) -> Result<Option<Backend>, StoreError> {
    match &storage.postgres {
        Some(target) => Ok(PgStore::open(target, storage.pool_size, cancel)?
            .map(|store| Backend::Postgres(Arc::new(store)))),
        None => Ok(Some(Backend::Sqlite(Arc::new(SqliteStore::open(
            &storage.database,
        )?)))),
    }
}

impl Backend {
    /// The store behind the `Store` interface.
    pub fn shared(&self) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite(store) => store.clone(),
            Backend::Postgres(store) => store.clone(),
        }
    }

    /// The PostgreSQL store, when this is one (the cluster shares its pool).
    pub fn postgres(&self) -> Option<&Arc<PgStore>> {
        match self {
            Backend::Postgres(store) => Some(store),
            Backend::Sqlite(_) => None,
        }
    }

    /// For a reload to `storage`: the same store when it names the same database (the
    /// SQLite file opened again without a second check, the PostgreSQL pool kept), `None`
    /// when it names another one (open that as at start).
    pub fn reuse_for(&self, storage: &StorageSettings) -> Result<Option<Backend>, StoreError> {
        match (self, &storage.postgres) {
            (Backend::Postgres(store), Some(target)) if store.target() == target => {
                Ok(Some(self.clone()))
            }
            (Backend::Sqlite(_), None) => Ok(Some(Backend::Sqlite(Arc::new(
                SqliteStore::open_again(&storage.database)?,
            )))),
            _ => Ok(None),
        }
    }

    /// Every entry and tombstone as JSON lines (`store::transfer`), the same for both.
    pub fn export(&self, out: &mut (dyn Write + Send)) -> Result<ExportOutcome, TransferError> {
        match self {
            Backend::Sqlite(store) => store.export(out),
            Backend::Postgres(store) => store.export(out),
        }
    }

    /// Stores the entries of an export not present yet (either store's export).
    pub fn import(&self, input: &mut (dyn BufRead + Send)) -> Result<ImportOutcome, TransferError> {
        match self {
            Backend::Sqlite(store) => store.import(input),
            Backend::Postgres(store) => store.import(input),
        }
    }

    /// The database's name fit for messages (a path, or a URL without its password).
    pub fn describe(&self, storage: &StorageSettings) -> String {
        match self {
            Backend::Sqlite(_) => storage.database.display().to_string(),
            Backend::Postgres(store) => store.target().redacted().to_string(),
        }
    }
}
