//! The store as async code sees it: every call on a blocking thread.
//!
//! SQLite blocks, and the runtime's threads must not: this facade is the one place that moves
//! store work onto tokio's blocking pool, so callers write `store.fetch_state(&feed).await?`
//! instead of cloning the store and spawning by hand. Blocking work runs to completion even
//! if the caller's future is dropped, so a shutdown never interrupts a write half-way (and
//! SQLite's transaction covers a crash).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{FetchState, Retention, RunRecord, SaveOutcome, ScrapedEntry, Store, StoreError};

thread_local! {
    /// Set while `AsyncStore::run` runs work on a blocking-pool thread: blocking is what
    /// that thread is for, so the PostgreSQL store runs its calls right there instead of on
    /// a thread of their own (`pg::store::off_runtime`).
    static MAY_BLOCK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread runs `AsyncStore::run`'s work (and so may block).
pub(super) fn may_block() -> bool {
    MAY_BLOCK.with(std::cell::Cell::get)
}

/// A shared store with async methods. Cloning shares the same store.
#[derive(Clone)]
pub struct AsyncStore {
    inner: Arc<dyn Store>,
}

impl AsyncStore {
    pub fn new(store: impl Store + 'static) -> AsyncStore {
        AsyncStore {
            inner: Arc::new(store),
        }
    }

    /// A store already shared (`Backend::shared`).
    pub fn from_shared(inner: Arc<dyn Store>) -> AsyncStore {
        AsyncStore { inner }
    }

    /// The store itself, for code already on a blocking thread.
    pub fn blocking(&self) -> &dyn Store {
        self.inner.as_ref()
    }

    /// Runs `work` with the store on a blocking thread: store calls, and work that reads the
    /// store (rendering feeds). A task that panicked is a `StoreError::Task`.
    pub async fn run<T, E>(
        &self,
        work: impl FnOnce(&dyn Store) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.inner.clone();
        let on_blocking_thread = move || {
            let before = MAY_BLOCK.with(|flag| flag.replace(true));
            let result = work(store.as_ref());
            MAY_BLOCK.with(|flag| flag.set(before));
            result
        };
        match tokio::task::spawn_blocking(on_blocking_thread).await {
            Ok(result) => result,
            Err(error) => Err(StoreError::Task(error).into()),
        }
    }

    pub async fn fetch_state(&self, feed: &str) -> Result<FetchState, StoreError> {
        let feed = feed.to_string();
        self.run(move |store| store.fetch_state(&feed)).await
    }

    pub async fn set_fetch_state(&self, feed: &str, state: FetchState) -> Result<(), StoreError> {
        let feed = feed.to_string();
        self.run(move |store| store.set_fetch_state(&feed, &state))
            .await
    }

    pub async fn retry_candidates(
        &self,
        feed: &str,
        max_attempts: u32,
    ) -> Result<Vec<String>, StoreError> {
        let feed = feed.to_string();
        self.run(move |store| store.retry_candidates(&feed, max_attempts))
            .await
    }

    /// `Store::known` and `Store::retry_candidates` in one trip to the blocking pool.
    pub async fn known_and_retries(
        &self,
        feed: &str,
        urls: Vec<String>,
        max_attempts: u32,
    ) -> Result<(HashSet<String>, Vec<String>), StoreError> {
        let feed = feed.to_string();
        self.run(move |store| {
            Ok((
                store.known(&feed, &urls)?,
                store.retry_candidates(&feed, max_attempts)?,
            ))
        })
        .await
    }

    /// `Store::save_scrape` when `state` is given, else `Store::save`.
    pub async fn save(
        &self,
        feed: &str,
        entries: Vec<ScrapedEntry>,
        retention: Retention,
        now: DateTime<Utc>,
        state: Option<FetchState>,
    ) -> Result<SaveOutcome, StoreError> {
        let feed = feed.to_string();
        self.run(move |store| store.save(&feed, &entries, &retention, now, state.as_ref()))
            .await
    }

    pub async fn record_run(&self, run: RunRecord) -> Result<(), StoreError> {
        self.run(move |store| store.record_run(&run)).await
    }
}

impl From<Arc<dyn Store>> for AsyncStore {
    fn from(inner: Arc<dyn Store>) -> AsyncStore {
        AsyncStore { inner }
    }
}
