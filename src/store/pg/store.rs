//! `PgStore`: the `Store` trait on a pool of connections to the shared PostgreSQL database.
//!
//! Every call takes a connection from the pool for its length; a save is one transaction
//! (entries, retention with tombstones, the export mark, fetch state, and the change notice),
//! so a connection lost half-way commits nothing and the call fails with a `StoreError`; the
//! pool checks a connection before handing it out again, so the next call gets a sound one.
//!
//! The synchronous client drives a small tokio runtime of its own and panics on a thread
//! that is already running async code; `off_runtime` moves each call off such a thread, so
//! a `PgStore` is safe to call from anywhere. Work `store::AsyncStore::run` puts on tokio's
//! blocking pool runs in place (that thread may block); elsewhere on a runtime, a call
//! costs one short-lived thread. Whoever holds a
//! clone of `pool()` must drop it off the runtime too.

use std::collections::{HashMap, HashSet};
use std::mem::ManuallyDrop;

use chrono::{DateTime, Utc};
use postgres::GenericClient;
use tokio_util::sync::CancellationToken;

use super::connect::{first_connection, Backoff};
use super::{get, notice_payload, pool, queries, records, PgPool, PgTarget, FEED_CHANNEL};
use crate::model::{Entry, ImageFacts, SiteIcons};
use crate::store::{
    ExportState, ExportedHead, FetchState, Retention, RunRecord, RunSummary, SaveOutcome,
    ScrapedEntry, Store, StoreError,
};

/// The shared store of a cluster.
pub struct PgStore {
    target: PgTarget,
    /// Dropped off the runtime (`Drop`): closing a connection blocks too.
    pool: ManuallyDrop<PgPool>,
    tag: String,
}

impl Drop for PgStore {
    /// The pool's last connections close here when no clone of it is left; the client
    /// would panic closing them on an async thread (an `App` dropped at a reload or at the
    /// end of `serve`), so that happens off the runtime.
    fn drop(&mut self) {
        // SAFETY: `self.pool` is never used again: this is the store's end.
        let pool = unsafe { ManuallyDrop::take(&mut self.pool) };
        off_runtime(move || drop(pool));
    }
}

impl PgStore {
    /// Connects to `target` (waiting with a backoff while the server is down, see
    /// `connect`), brings its schema up to date, and keeps a pool of at most `pool_size`
    /// connections. `Ok(None)` when `cancel` fired while waiting.
    pub fn open(
        target: &PgTarget,
        pool_size: u32,
        cancel: &CancellationToken,
    ) -> Result<Option<PgStore>, StoreError> {
        PgStore::open_with(target, pool_size, Backoff::START_UP, &|| {
            cancel.is_cancelled()
        })
    }

    /// `open` with the backoff and the "give up" check given (tests shorten the waits).
    pub fn open_with(
        target: &PgTarget,
        pool_size: u32,
        backoff: Backoff,
        give_up: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<PgStore>, StoreError> {
        off_runtime(|| {
            let Some(mut client) = first_connection(target, backoff, give_up)? else {
                return Ok(None);
            };
            migrate(&mut client, target)?;
            Ok(Some(PgStore {
                target: target.clone(),
                pool: ManuallyDrop::new(pool(target, pool_size)),
                tag: format!("{:016x}", rand::random::<u64>()),
            }))
        })
    }

    /// The pool, shared with the cluster's leases and host slots (`cluster`).
    pub fn pool(&self) -> PgPool {
        PgPool::clone(&self.pool)
    }

    pub fn target(&self) -> &PgTarget {
        &self.target
    }

    /// A random word made at open: this store's change notices carry it, so a listener can
    /// skip its own.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// `work` on a pooled connection, off any async thread.
    pub(super) fn with<T: Send>(
        &self,
        work: impl FnOnce(&mut postgres::Client) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| {
            let mut conn = get(&self.pool, &self.target)?;
            let client: &mut postgres::Client = &mut conn;
            work(client).map_err(|error| match error {
                StoreError::Pg(source) => StoreError::PgQuery {
                    url: self.target.redacted().to_string(),
                    source,
                },
                other => other,
            })
        })
    }

    /// Tells every instance that `feed` changed, inside `tx`: sent if and only if it commits.
    pub(super) fn notify(&self, tx: &mut impl GenericClient, feed: &str) -> Result<(), StoreError> {
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&FEED_CHANNEL, &notice_payload(&self.tag, feed)],
        )?;
        Ok(())
    }
}

/// Runs the migrations on `client`; a newer schema is refused, naming the database.
fn migrate(client: &mut postgres::Client, target: &PgTarget) -> Result<(), StoreError> {
    use crate::store::MigrationError;
    match super::migrations::migrate(client) {
        Ok(_) => Ok(()),
        Err(MigrationError::TooNew { found }) => Err(StoreError::PgTooNew {
            url: target.redacted().to_string(),
            found,
            latest: super::migrations::LATEST,
        }),
        Err(source) => Err(StoreError::Migration {
            path: target.redacted().to_string(),
            source,
        }),
    }
}

/// Runs `work` here, or on a scoped thread when this thread belongs to a tokio runtime (the
/// synchronous client would panic there). Everything that calls PostgreSQL (the store, the
/// cluster, the test databases) goes through this one function.
pub(crate) fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    if crate::store::facade::may_block() || tokio::runtime::Handle::try_current().is_err() {
        return work();
    }
    std::thread::scope(|scope| match scope.spawn(work).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

impl Store for PgStore {
    fn known(&self, feed: &str, urls: &[String]) -> Result<HashSet<String>, StoreError> {
        self.with(|c| queries::known(c, feed, urls))
    }

    fn retry_candidates(&self, feed: &str, max_attempts: u32) -> Result<Vec<String>, StoreError> {
        self.with(|c| queries::retry_candidates(c, feed, max_attempts))
    }

    fn save(
        &self,
        feed: &str,
        entries: &[ScrapedEntry],
        retention: &Retention,
        now: DateTime<Utc>,
        state: Option<&FetchState>,
    ) -> Result<SaveOutcome, StoreError> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            let outcome = queries::save_entries(&mut tx, feed, entries, retention, now)?;
            if let Some(state) = state {
                records::set_fetch_state(&mut tx, feed, state)?;
            }
            if outcome != SaveOutcome::default() {
                self.notify(&mut tx, feed)?;
            }
            tx.commit()?;
            Ok(outcome)
        })
    }

    fn entries(&self, feed: &str, limit: usize) -> Result<Vec<Entry>, StoreError> {
        self.with(|c| queries::entries(c, feed, limit))
    }

    fn merged_entries(&self, feeds: &[String], cap: usize) -> Result<Vec<Entry>, StoreError> {
        self.with(|c| queries::merged_entries(c, feeds, cap))
    }

    fn exports(&self) -> Result<Vec<ExportState>, StoreError> {
        self.with(queries::exports)
    }

    fn record_export(
        &self,
        feed: &str,
        head: &ExportedHead,
        now_stale: &[&str],
    ) -> Result<(), StoreError> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            queries::record_export(&mut tx, feed, head)?;
            for other in now_stale {
                queries::mark_stale(&mut tx, other)?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn record_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            records::record_run(&mut tx, run)?;
            tx.commit()?;
            Ok(())
        })
    }

    fn latest_runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        self.with(records::latest_runs)
    }

    fn run_summaries(&self) -> Result<Vec<RunSummary>, StoreError> {
        self.with(|c| {
            // One snapshot: the summaries agree with each other while others write runs.
            let mut tx = c
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let summaries = records::run_summaries(&mut tx)?;
            tx.commit()?;
            Ok(summaries)
        })
    }

    fn fetch_state(&self, feed: &str) -> Result<FetchState, StoreError> {
        self.with(|c| records::fetch_state(c, feed))
    }

    fn site_icons(&self, site: &str) -> Result<Option<(SiteIcons, DateTime<Utc>)>, StoreError> {
        self.with(|c| records::site_icons(c, site))
    }

    fn record_site_icons(
        &self,
        site: &str,
        icons: &SiteIcons,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with(|c| records::record_site_icons(c, site, icons, at))
    }

    fn image_facts(&self, urls: &[&str]) -> Result<HashMap<String, ImageFacts>, StoreError> {
        self.with(|c| records::image_facts(c, urls))
    }

    fn record_images(
        &self,
        images: &[(String, ImageFacts)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            records::record_images(&mut tx, images, at)?;
            tx.commit()?;
            Ok(())
        })
    }

    fn set_fetch_state(&self, feed: &str, state: &FetchState) -> Result<(), StoreError> {
        self.with(|c| records::set_fetch_state(c, feed, state))
    }
}
