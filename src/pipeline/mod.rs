//! One scrape of one section that stores what it reads, as a list of named steps.
//!
//! page parameters (cached) → the shared sequence (`sequence::read_section`: listing →
//! article pages → extraction → entries), reading the links not stored yet plus earlier
//! failures worth a retry → the section's filter → one store transaction → what the feeds
//! show besides the entries (`media`: image sizes, the site's icons). A failing article
//! never fails the section: its entry is kept from the listing's data. A cancelled scrape
//! (shutdown, reload) stops waiting and fetching at once: cancelled during its articles it
//! stores the entries already read, cancelled before its listing was read it stores nothing;
//! either way it reports `cancelled` and is no failure of the section.
//!
//! Errors stay typed (`ScrapeError`) up to the per-section job boundary (`app::run_section`),
//! which asks them for the HTTP status and `Retry-After` behind them.

pub mod media;
pub mod sequence;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::{Config, Section, Site};
use crate::fetch::{FetchError, Fetcher};
use crate::listing::{self, Listing, ListingError, ListingItem};
use crate::store::{AsyncStore, FetchState, Retention, SaveOutcome, ScrapedEntry, StoreError};
pub use media::MediaReport;
use sequence::{SectionInput, SitePlan, Steps};

/// How many runs an article page that failed transiently is tried again.
const MAX_ARTICLE_ATTEMPTS: u32 = 3;
/// How long parameters read from a section page are reused.
const PAGE_PARAMS_TTL: Duration = Duration::from_secs(6 * 3600);
/// Filtered-out URLs remembered per section.
const FILTERED_REMEMBERED: usize = 10_000;

/// What one scrape did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScrapeReport {
    pub listed: usize,
    pub skipped: usize,
    pub fetched: usize,
    pub failed_articles: usize,
    /// Entries the section's filter left out.
    pub filtered: usize,
    pub saved: SaveOutcome,
    pub cancelled: bool,
    /// The listing answered `304 Not Modified`.
    pub unchanged: bool,
    /// What was learnt after the save, for the feeds (image sizes, icons).
    pub media: MediaReport,
}

#[derive(Debug, thiserror::Error)]
pub enum ScrapeError {
    #[error(transparent)]
    Listing(#[from] ListingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ScrapeError {
    /// The request that failed the scrape, when one did.
    pub fn fetch_error(&self) -> Option<&FetchError> {
        match self {
            ScrapeError::Listing(ListingError::Fetch(error)) => Some(error),
            _ => None,
        }
    }

    /// The HTTP status that failed the scrape, when an HTTP answer did.
    pub fn http_status(&self) -> Option<u16> {
        match self.fetch_error()? {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's `Retry-After`, when the answer that failed the scrape gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.fetch_error()?.retry_after()
    }

    /// The scrape stopped because it was cancelled, not because anything failed.
    pub fn is_cancelled(&self) -> bool {
        self.fetch_error().is_some_and(FetchError::is_cancelled)
    }
}

/// Runs scrapes; shared by the scheduler and the `scrape` command.
pub struct Scraper {
    pub fetcher: Fetcher,
    pub store: AsyncStore,
    pub clock: Arc<dyn Clock>,
    /// Every site's plan, by site id.
    plans: HashMap<String, Arc<SitePlan>>,
    /// Article URLs a section's filter rejected, so they are not fetched on every run.
    filtered: Mutex<HashMap<String, HashSet<String>>>,
    /// Sites whose icons are being looked for now (`media`).
    icon_looks: Mutex<HashSet<String>>,
}

impl Scraper {
    /// A scraper for the sites of `config`, their plans built now.
    pub fn new(
        fetcher: Fetcher,
        store: AsyncStore,
        clock: Arc<dyn Clock>,
        config: &Config,
    ) -> Scraper {
        Scraper {
            fetcher,
            store,
            clock,
            plans: config
                .sites
                .iter()
                .map(|site| (site.id.clone(), Arc::new(SitePlan::new(site))))
                .collect(),
            filtered: Mutex::new(HashMap::new()),
            icon_looks: Mutex::new(HashSet::new()),
        }
    }

    /// The plan of `site`; one is built now for a site the config did not hold.
    fn plan(&self, site: &Arc<Site>) -> Arc<SitePlan> {
        match self.plans.get(&site.id) {
            Some(plan) if Arc::ptr_eq(&plan.site, site) => plan.clone(),
            _ => Arc::new(SitePlan::new(site)),
        }
    }

    /// Scrapes one section and stores the result. When `cancel` fires every wait ends at
    /// once: what was read is stored and the report says `cancelled`.
    pub async fn scrape(
        &self,
        site: &Arc<Site>,
        section: &Section,
        cancel: &CancellationToken,
    ) -> Result<ScrapeReport, ScrapeError> {
        match self.read_and_save(site, section, cancel).await {
            // Cancelled before the listing was read: nothing to store, nothing failed.
            Err(error) if error.is_cancelled() => Ok(ScrapeReport {
                cancelled: true,
                ..Default::default()
            }),
            other => other,
        }
    }

    async fn read_and_save(
        &self,
        site: &Arc<Site>,
        section: &Section,
        cancel: &CancellationToken,
    ) -> Result<ScrapeReport, ScrapeError> {
        let plan = self.plan(site);
        let mut state = self.store.fetch_state(&section.id).await?;
        let pending = self
            .store
            .retry_candidates(&section.id, MAX_ARTICLE_ATTEMPTS)
            .await?;
        let params = self.page_params(site, section, &mut state, cancel).await?;
        // A conditional request only when nothing waits for a retry: retries need the
        // listing's data.
        let known_validators = Some(state.validators.clone()).filter(|_| pending.is_empty());
        let mut steps = NewAndRetried {
            scraper: self,
            site,
            section,
        };
        let input = SectionInput {
            fetcher: &self.fetcher,
            plan: &plan,
            section,
            page_params: &params,
            validators: known_validators.as_ref(),
            clock: self.clock.as_ref(),
        };
        let read = sequence::read_section(input, &mut steps, cancel).await?;
        if read.listing.unchanged {
            return Ok(ScrapeReport {
                unchanged: true,
                ..Default::default()
            });
        }
        let mut report = ScrapeReport {
            listed: read.listing.items.len(),
            skipped: read.listing.skipped,
            fetched: read.entries.len(),
            cancelled: read.cancelled,
            ..Default::default()
        };
        let mut entries = Vec::with_capacity(read.entries.len());
        for (entry, state) in read.entries {
            if state != crate::store::ArticleState::Complete {
                report.failed_articles += 1;
            }
            if section.filter.as_ref().is_some_and(|f| !f.keeps(&entry)) {
                self.remember_filtered(section, &entry.url);
                report.filtered += 1;
                continue;
            }
            entries.push(ScrapedEntry { entry, state });
        }
        // The listing's validators only with its entries, in their transaction: a run that
        // fails or is cancelled before must read the listing again.
        let state = (!report.cancelled).then(|| {
            state.validators = read.listing.validators;
            state
        });
        let retention = Retention {
            max_entries: section.max_entries,
            max_age: section.max_age,
        };
        let images: Vec<String> = entries
            .iter()
            .filter_map(|e| e.entry.image.clone())
            .collect();
        report.saved = self
            .store
            .save(&section.id, entries, retention, self.clock.now(), state)
            .await?;
        if !report.cancelled {
            report.media = self.learn_media(site, images, cancel).await;
        }
        Ok(report)
    }

    fn remember_filtered(&self, section: &Section, url: &str) {
        let mut filtered = self.filtered.lock().unwrap_or_else(|e| e.into_inner());
        let urls = filtered.entry(section.id.clone()).or_default();
        if urls.len() >= FILTERED_REMEMBERED {
            urls.clear(); // bounded memory; the forgotten ones are fetched once more
        }
        urls.insert(url.to_string());
    }

    fn was_filtered(&self, section: &Section, url: &str) -> bool {
        let filtered = self.filtered.lock().unwrap_or_else(|e| e.into_inner());
        filtered
            .get(&section.id)
            .is_some_and(|urls| urls.contains(url))
    }

    /// Page parameters, read from the section page at most every `PAGE_PARAMS_TTL`; the
    /// values and their age live in the store, so one-shot `scrape` runs share them too.
    async fn page_params(
        &self,
        site: &Site,
        section: &Section,
        state: &mut FetchState,
        cancel: &CancellationToken,
    ) -> Result<BTreeMap<String, String>, ScrapeError> {
        if site.listing.page_params.is_empty() {
            return Ok(BTreeMap::new());
        }
        let now = self.clock.now();
        let fresh = state.page_params.as_ref().filter(|(params, at)| {
            !params.is_empty()
                && now
                    .signed_duration_since(*at)
                    .to_std()
                    .is_ok_and(|age| age < PAGE_PARAMS_TTL)
        });
        if let Some((params, _)) = fresh {
            return Ok(params.clone());
        }
        let params = listing::read_page_params(&self.fetcher, site, section, cancel).await?;
        if !params.is_empty() {
            state.page_params = Some((params.clone(), now));
            self.store
                .set_fetch_state(&section.id, state.clone())
                .await?;
        }
        Ok(params)
    }
}

/// The articles a stored scrape reads: listed items not stored yet (newest first, capped at
/// the site's `max_articles`), then stored ones still waiting for their article page.
struct NewAndRetried<'s> {
    scraper: &'s Scraper,
    site: &'s Site,
    section: &'s Section,
}

impl Steps for NewAndRetried<'_> {
    async fn choose<'l>(
        &mut self,
        listing: &'l Listing,
    ) -> Result<Vec<&'l ListingItem>, ScrapeError> {
        let items = &listing.items;
        let urls: Vec<String> = items.iter().map(|i| i.url.to_string()).collect();
        let (known, retry) = self
            .scraper
            .store
            .known_and_retries(&self.section.id, urls, MAX_ARTICLE_ATTEMPTS)
            .await?;
        let new = items
            .iter()
            .filter(|i| {
                !known.contains(i.url.as_str())
                    && !self.scraper.was_filtered(self.section, i.url.as_str())
            })
            .take(self.site.max_articles);
        let again = items
            .iter()
            .filter(|i| retry.iter().any(|r| r == i.url.as_str()));
        Ok(new.chain(again).collect())
    }
}
