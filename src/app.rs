//! The running application: config, store, scraper, rendered feeds and health, shared by
//! the scheduler, the HTTP server and the one-shot commands.
//!
//! `run_section` is the per-section job boundary: it turns a scrape's typed error into a
//! logged, recorded failure and never lets one section's trouble reach another.
//!
//! Trouble with the disk is the process's, not a section's (`StorageHealth`): feed files
//! that cannot be written leave feeds served from memory, and a database file deleted,
//! replaced or damaged while running stops every write until restart. Both are logged once
//! by the layer that finds them and shown in `/healthz`.
//!
//! Each section has a `Trigger` ("Scrape now", `trigger.rs`): the admin route asks through
//! `scrape_now`, the section's loop in `scheduler` waits on it beside its timer.

mod cluster;
mod notices;
mod trigger;

pub use notices::follow_feed_changes;
pub use trigger::{Running, ScrapeNow, Trigger};

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::clock::Clock;
use crate::config::{Config, Section, Site};
use crate::feeds::{FeedError, FeedSet, FilesHealth};
use crate::fetch::Fetcher;
use crate::metrics::Metrics;
use crate::pipeline::{ScrapeError, ScrapeReport, Scraper};
use crate::store::{AsyncStore, Backend, RunRecord, SaveOutcome, SqliteStore};

/// A section's state as the health endpoint and the index page show it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SectionHealth {
    /// The section's state in one word (`SectionState`).
    pub state: SectionState,
    /// When the last run started.
    pub last_attempt: Option<DateTime<Utc>>,
    /// When the last successful run finished (its feed was written by then).
    pub last_success: Option<DateTime<Utc>>,
    /// How long the last successful run took.
    pub last_success_duration_ms: Option<u64>,
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
    /// The URL whose request failed the last run, when a request did (not kept across
    /// restarts).
    pub last_error_url: Option<String>,
    /// The HTTP status of the last failure, when an HTTP answer caused it.
    pub last_http_status: Option<u16>,
    pub next_run: Option<DateTime<Utc>>,
    /// In a cluster, the instance scraping the section now (holding its lease); absent
    /// when none does, and alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// How many times the section's loop ended unexpectedly (a panic) and was restarted
    /// by the scheduler since the process started.
    pub loop_restarts: u32,
    /// Why the loop last ended, such as `panicked: …`.
    pub last_loop_failure: Option<String>,
}

/// A section's state in one word, for `/healthz` and the index page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionState {
    /// Not scraped yet.
    #[default]
    Waiting,
    /// The last run succeeded.
    Ok,
    /// The last run failed (`last_error` says why).
    Failing,
    /// The site's robots.txt could not be read (the site is down, or not reachable yet):
    /// nothing is fetched from it, and it is asked again soon.
    Unreachable,
}

/// The disk as `/healthz` shows it, besides the sections.
#[derive(Debug, Clone, Serialize)]
pub struct StorageHealth {
    pub database: DatabaseHealth,
    pub feed_files: FilesHealth,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseHealth {
    /// Writes go on. When not, nothing scraped is stored until restart.
    pub writable: bool,
    /// Why writes stopped (the file deleted, replaced or damaged while running).
    pub error: Option<String>,
}

pub struct App {
    /// Shared with the whole process (it outlives config reloads).
    pub metrics: Arc<Metrics>,
    pub config: Config,
    pub store: AsyncStore,
    /// The same store by kind: the PostgreSQL one's pool, target and tag are shared with
    /// the cluster (`App::postgres`).
    backend: Backend,
    pub scraper: Scraper,
    pub feeds: FeedSet,
    health: RwLock<HashMap<String, SectionHealth>>,
    /// "Scrape now", by section id (every section of the config, made at open).
    triggers: HashMap<String, Trigger>,
    /// The cluster this process is an instance of (PostgreSQL); none alone (`app::cluster`).
    cluster: Option<Arc<crate::cluster::Cluster>>,
    /// The instances on record at the claiming loop's last heartbeat.
    instances: RwLock<Vec<crate::cluster::InstanceState>>,
    /// Wakes the claiming loop for a "Scrape now".
    claiming_wake: tokio::sync::Notify,
}

impl App {
    /// Opens the store and the feeds: a restart serves at once what was served before, and
    /// writes the files of feeds a crash or an import left stale.
    pub fn open(
        config: Config,
        clock: Arc<dyn Clock>,
        public_url: Url,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Arc<App>> {
        let never = CancellationToken::new();
        App::open_until(config, clock, public_url, metrics, &never)
    }

    /// `open`, giving up when `cancel` fires while PostgreSQL is waited for (a stop signal
    /// during start-up). On PostgreSQL the process joins the cluster of instances sharing
    /// it (`cluster::Cluster`): sections are scheduled by its leases and every request to a
    /// host takes the host's cluster-wide turn.
    pub fn open_until(
        config: Config,
        clock: Arc<dyn Clock>,
        public_url: Url,
        metrics: Arc<Metrics>,
        cancel: &CancellationToken,
    ) -> anyhow::Result<Arc<App>> {
        use anyhow::Context;
        let Some(backend) = crate::store::open(&config.storage, cancel)? else {
            anyhow::bail!("gave up waiting for the database: it is not reachable");
        };
        let cluster = match backend.postgres() {
            Some(pg) => Some(Arc::new(
                crate::cluster::Cluster::join(
                    pg.pool(),
                    pg.target().clone(),
                    config.cluster.lease_expiry,
                )
                .context("cannot join the instances sharing the database")?,
            )),
            None => None,
        };
        App::with_store(backend, cluster, config, clock, public_url, metrics)
    }

    /// The shared PostgreSQL store (its `pool()`, `target()` and `tag()`), when the config
    /// chose one.
    pub fn postgres(&self) -> Option<&Arc<crate::store::pg::PgStore>> {
        self.backend.postgres()
    }

    /// Opens the app as an instance of `cluster` over `store`: what `open_until` does on
    /// PostgreSQL, with an SQLite file standing for the shared store (tests of the
    /// scheduling, which need no second database engine).
    pub fn open_in_cluster(
        store: SqliteStore,
        cluster: Arc<crate::cluster::Cluster>,
        config: Config,
        clock: Arc<dyn Clock>,
        public_url: Url,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Arc<App>> {
        let backend = Backend::Sqlite(Arc::new(store));
        App::with_store(backend, Some(cluster), config, clock, public_url, metrics)
    }

    fn with_store(
        backend: Backend,
        cluster: Option<Arc<crate::cluster::Cluster>>,
        config: Config,
        clock: Arc<dyn Clock>,
        public_url: Url,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Arc<App>> {
        use anyhow::Context;
        let store = AsyncStore::from_shared(backend.shared());
        let mut fetcher = Fetcher::new()
            .context("cannot set up the HTTP client")?
            .with_metrics(metrics.clone());
        if let Some(cluster) = &cluster {
            fetcher = fetcher.with_gate(Arc::new(crate::cluster::HostSlots::new(cluster.clone())));
        }
        let feeds = FeedSet::open(public_url, &config, store.blocking(), metrics.clone())
            .context("cannot write the feed files")?;
        let app = App {
            metrics,
            scraper: Scraper::new(fetcher, store.clone(), clock, &config),
            feeds,
            health: RwLock::new(HashMap::new()),
            triggers: config
                .sections()
                .map(|(_, s)| (s.id.clone(), Trigger::default()))
                .collect(),
            store,
            backend,
            config,
            cluster,
            instances: RwLock::new(Vec::new()),
            claiming_wake: tokio::sync::Notify::new(),
        };
        app.absorb_run_summaries(app.store.blocking().run_summaries()?);
        Ok(Arc::new(app))
    }

    /// Opens the app of a reloaded config. The same database file is opened again without
    /// the start-up check (this process checked it, and has watched it since), unless it
    /// stopped taking writes: it is then gone, another file or damaged, and opening its path
    /// would serve an empty or foreign database (and drop the handle that still reads the
    /// lost one). Another file is opened as at start. The same PostgreSQL database keeps its
    /// pool; another one is tried once (a reload does not wait for a server that is down).
    pub fn reopen(
        &self,
        config: Config,
        clock: Arc<dyn Clock>,
        public_url: Url,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Arc<App>> {
        let same_file = config.storage.database == self.config.storage.database;
        if config.storage.postgres.is_none() && !same_file {
            return App::open(config, clock, public_url, metrics);
        }
        if let Err(why) = self.store.blocking().check_writable() {
            anyhow::bail!("{why}: the config is applied at the next restart");
        }
        match self.backend.reuse_for(&config.storage)? {
            // The same instance goes on: the claiming loop declares the new config's sections.
            Some(backend) => App::with_store(
                backend,
                self.cluster.clone(),
                config,
                clock,
                public_url,
                metrics,
            ),
            None => {
                let once = CancellationToken::new();
                once.cancel();
                App::open_until(config, clock, public_url, metrics, &once)
            }
        }
    }

    /// Every `period` until cancelled, then once more: writes the files of stale merged
    /// feeds (a burst of section changes renders each merged feed once per period, not once
    /// per section; a request for a stale feed renders it sooner), retries unwritten ones,
    /// and checks that the database file is still there (`Store::check_writable`), so an
    /// idle server notices a lost file too.
    pub async fn export_stale_every(
        self: Arc<Self>,
        period: std::time::Duration,
        cancel: CancellationToken,
    ) {
        loop {
            let stopping = tokio::select! {
                _ = cancel.cancelled() => true,
                _ = tokio::time::sleep(period) => false,
            };
            // The store logs the moment writes stop; nothing more to say here.
            let _ = self.store.run(|store| store.check_writable()).await;
            match self.export_stale().await {
                Ok(_) => {}
                // Logged when writes began to fail, and shown in /healthz.
                Err(FeedError::Unwritten { .. }) => {}
                Err(e) => {
                    tracing::error!(error = %crate::errors::chain(&e), "cannot write the merged feeds")
                }
            }
            if stopping {
                return;
            }
        }
    }

    /// Renders and writes every stale feed now, and retries unwritten ones;
    /// `FeedError::Unwritten` if feeds' files are still not written after that (they are
    /// served from memory).
    pub async fn export_stale(self: &Arc<Self>) -> Result<usize, FeedError> {
        if !self.feeds.has_stale() {
            return Ok(0);
        }
        let app = self.clone();
        self.store
            .run(move |store| {
                let rendered = app.feeds.export_stale(store)?;
                if rendered > 0 {
                    release_freed_memory();
                }
                let files = app.feeds.files_health();
                if files.unwritten_feeds > 0 {
                    return Err(FeedError::Unwritten {
                        feeds: files.unwritten_feeds,
                        cause: files.error.unwrap_or_else(|| "writes failed".into()),
                    });
                }
                Ok(rendered)
            })
            .await
    }

    /// The database and the feed files, for `/healthz` (no I/O: the last checks' results).
    pub fn storage_health(&self) -> StorageHealth {
        let stopped = self.store.blocking().writes_stopped();
        StorageHealth {
            database: DatabaseHealth {
                writable: stopped.is_none(),
                error: stopped.map(|why| crate::store::StoreError::WritesStopped(why).to_string()),
            },
            feed_files: self.feeds.files_health(),
        }
    }

    pub fn health(&self, section: &str) -> SectionHealth {
        self.health
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(section)
            .cloned()
            .unwrap_or_default()
    }

    /// The section's "Scrape now" trigger; `None` for a section the config does not have.
    pub fn trigger(&self, section: &str) -> Option<&Trigger> {
        self.triggers.get(section)
    }

    /// Asks for a scrape of the section now (see `Trigger::request`); `None` for a section
    /// the config does not have. A started request shows as due now in the health data.
    pub fn scrape_now(&self, section: &str) -> Option<ScrapeNow> {
        let asked = self.trigger(section)?.request();
        if asked == ScrapeNow::Started {
            self.set_next_run(section, self.scraper.clock.now());
            // In a cluster no loop waits on the trigger: the claiming loop takes the request.
            if self.cluster.is_some() {
                self.wake_claiming();
            }
        }
        Some(asked)
    }

    pub fn set_next_run(&self, section: &str, at: DateTime<Utc>) {
        let mut health = self.health.write().unwrap_or_else(|e| e.into_inner());
        health.entry(section.to_string()).or_default().next_run = Some(at);
    }

    /// Records that the section's loop ended before shutdown (`reason`: `panicked: …`): a
    /// restart, and a failed run, since whatever the loop was doing did not finish. Returns
    /// the section's consecutive failures, for the restarted loop's backoff.
    pub fn loop_stopped(&self, section: &str, reason: &str) -> u32 {
        let mut health = self.health.write().unwrap_or_else(|e| e.into_inner());
        let h = health.entry(section.to_string()).or_default();
        h.state = SectionState::Failing;
        h.loop_restarts = h.loop_restarts.saturating_add(1);
        h.last_loop_failure = Some(reason.to_string());
        h.consecutive_failures = h.consecutive_failures.saturating_add(1);
        h.last_error = Some(format!(
            "the section's scheduling loop stopped ({reason}) and was restarted"
        ));
        h.last_http_status = None;
        h.last_error_url = None;
        h.consecutive_failures
    }

    /// Scrapes a section, re-renders its feed and records the run. Errors are logged and
    /// recorded here, and returned for the caller's exit status and backoff.
    pub async fn run_section(
        self: &Arc<Self>,
        site: &Arc<Site>,
        section: &Section,
        cancel: &CancellationToken,
    ) -> Result<ScrapeReport, SectionFailure> {
        let started_at = self.scraper.clock.now();
        let started = Instant::now();
        let result = match self.scraper.scrape(site, section, cancel).await {
            Ok(report) => self.render(site, section, &report).await.map(|()| report),
            Err(error) => Err(RunError::Scrape(error)),
        };
        let (finished_at, took) = (self.scraper.clock.now(), started.elapsed());
        let result = result.map_err(|error| SectionFailure {
            site: site.id.clone(),
            section: section.id.clone(),
            error,
        });
        let error = result.as_ref().err().map(|e| crate::errors::chain(e));
        let run = RunRecord {
            feed: section.id.clone(),
            started: started_at,
            duration_ms: took.as_millis() as u64,
            error: error.clone(),
            http_status: result.as_ref().err().and_then(SectionFailure::http_status),
            new_entries: result.as_ref().map(|r| r.saved.inserted).unwrap_or(0),
            updated_entries: result.as_ref().map(|r| r.saved.updated).unwrap_or(0),
        };
        self.metrics
            .scrape(&section.id, error.is_none(), took, run.new_entries);
        match (&result, &error) {
            (Ok(report), _) => {
                tracing::info!(site = %site.id, section = %section.id, listed = report.listed,
                new = report.saved.inserted, completed = report.saved.updated, failed_articles = report.failed_articles,
                ms = run.duration_ms, "scraped")
            }
            (Err(failure), Some(message)) if failure.site_unreachable() => {
                tracing::warn!(site = %site.id, section = %section.id, error = %message, "site unreachable")
            }
            (Err(_), Some(message)) => {
                tracing::error!(site = %site.id, section = %section.id, error = %message, "scrape failed")
            }
            (Err(_), None) => {}
        }
        {
            let mut health = self.health.write().unwrap_or_else(|e| e.into_inner());
            let h = health.entry(section.id.clone()).or_default();
            h.last_attempt = Some(started_at);
            match &error {
                None => {
                    h.state = SectionState::Ok;
                    h.last_success = Some(finished_at);
                    h.last_success_duration_ms = Some(run.duration_ms);
                    h.consecutive_failures = 0;
                    h.last_error = None;
                    h.last_error_url = None;
                    h.last_http_status = None;
                }
                Some(message) => {
                    h.state = match &result {
                        Err(failure) if failure.site_unreachable() => SectionState::Unreachable,
                        _ => SectionState::Failing,
                    };
                    h.consecutive_failures = h.consecutive_failures.saturating_add(1);
                    h.last_error = Some(message.clone());
                    h.last_error_url = result.as_ref().err().and_then(SectionFailure::url);
                    h.last_http_status = run.http_status;
                }
            }
        }
        if let Err(e) = self.store.record_run(run).await {
            tracing::warn!(section = %section.id, error = %crate::errors::chain(&e), "cannot record the run");
        }
        result
    }

    /// Re-renders the section's feed after a scrape. A scrape that stored, completed and
    /// pruned nothing leaves the feed as it is: its files and validators stay valid, so it is
    /// not rendered and hashed again. New site icons show in every feed of the site.
    async fn render(
        self: &Arc<Self>,
        site: &Site,
        section: &Section,
        report: &ScrapeReport,
    ) -> Result<(), RunError> {
        let icons = report.media.icons_changed;
        if report.saved == SaveOutcome::default() && !icons && self.feeds.is_current(&section.id) {
            return Ok(());
        }
        let sections: Vec<String> = match icons {
            true => site.sections.iter().map(|s| s.id.clone()).collect(),
            false => vec![section.id.clone()],
        };
        let app = self.clone();
        self.store
            .run(move |store| {
                sections
                    .iter()
                    .try_for_each(|section| app.feeds.refresh(store, section))
            })
            .await?;
        Ok(())
    }
}

/// Why a section's run failed: its scrape, or writing its feed afterwards.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Scrape(#[from] ScrapeError),
    #[error(transparent)]
    Render(#[from] FeedError),
}

/// A failed section run: which section, and why. Shown as `site "tass", section "world":`
/// followed by the cause's chain.
#[derive(Debug, thiserror::Error)]
#[error("site {site:?}, section {section:?}")]
pub struct SectionFailure {
    pub site: String,
    pub section: String,
    #[source]
    pub error: RunError,
}

impl SectionFailure {
    /// The HTTP status behind the failure, if an HTTP answer caused it.
    pub fn http_status(&self) -> Option<u16> {
        match &self.error {
            RunError::Scrape(error) => error.http_status(),
            RunError::Render(_) => None,
        }
    }

    /// The site's robots.txt could not be read: an outage of the site (or of the network),
    /// retried soon, not a rule to fix in the config.
    pub fn site_unreachable(&self) -> bool {
        match &self.error {
            RunError::Scrape(error) => error
                .fetch_error()
                .is_some_and(crate::fetch::FetchError::is_unreachable),
            RunError::Render(_) => false,
        }
    }

    /// The URL whose request failed the run, when a request did.
    pub fn url(&self) -> Option<String> {
        match &self.error {
            RunError::Scrape(error) => error.fetch_error().map(|e| e.url().to_string()),
            RunError::Render(_) => None,
        }
    }

    /// The server's `Retry-After`, if the answer that failed the run gave one.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match &self.error {
            RunError::Scrape(error) => error.retry_after(),
            RunError::Render(_) => None,
        }
    }
}

/// Hands memory freed by a burst of renders back to the system. Renders run on blocking
/// threads, and glibc keeps what a thread's arena freed for that thread's next allocation:
/// an idle server would hold on to memory it no longer uses (docs/performance.md gives the
/// measured difference).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's heaps to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}
