//! The connection pool every user of the shared store draws from: the store's queries, the
//! cluster's leases and host slots (`cluster`). LISTEN needs a connection of its own, outside
//! the pool (`PgTarget::config`).

use r2d2_postgres::PostgresConnectionManager;

use super::PgTarget;
use crate::store::StoreError;

/// Pooled connections to the shared store.
pub type PgPool = r2d2::Pool<PostgresConnectionManager<postgres::NoTls>>;
/// One connection taken from the pool (returned to it when dropped).
pub type PgConnection = r2d2::PooledConnection<PostgresConnectionManager<postgres::NoTls>>;

/// A pool of at most `size` connections to `target`. No connection is made yet.
pub fn pool(target: &PgTarget, size: u32) -> PgPool {
    let manager = PostgresConnectionManager::new(target.config(), postgres::NoTls);
    r2d2::Pool::builder()
        .max_size(size.max(1))
        .min_idle(Some(0))
        // A connection the server dropped (a restart, `pg_terminate_backend`) is found out
        // before it is handed out, not by the caller's query.
        .test_on_check_out(true)
        .connection_timeout(std::time::Duration::from_secs(10))
        .build_unchecked(manager)
}

/// A connection from `pool`, or why there is none, naming `target`.
pub fn get(pool: &PgPool, target: &PgTarget) -> Result<PgConnection, StoreError> {
    pool.get().map_err(|source| StoreError::PgUnavailable {
        url: target.redacted().to_string(),
        message: source.to_string(),
    })
}
