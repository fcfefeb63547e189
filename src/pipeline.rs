//! One scrape of one section, as a list of named steps.
//!
//! page parameters → listing → links not stored yet (plus earlier failures worth a retry) →
//! article pages → extraction → entry assembly → one store transaction → re-render the feed.
//! A failing article never fails the section: its entry is kept from the listing's data. A
//! cancelled scrape (shutdown) stops fetching and still stores what it already has.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::assemble::assemble;
use crate::clock::Clock;
use crate::config::{Section, Site};
use crate::extract::{extract, Extracted};
use crate::fetch::{FetchError, Fetcher, Request};
use crate::listing::{self, ListingError, ListingItem};
use crate::store::{
    ArticleState, FetchState, Retention, SaveOutcome, ScrapedEntry, Store, StoreError,
};

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
}

#[derive(Debug, thiserror::Error)]
pub enum ScrapeError {
    #[error(transparent)]
    Listing(#[from] ListingError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("storage task failed")]
    Join(#[from] tokio::task::JoinError),
}

/// Runs scrapes; shared by the scheduler and the `scrape` / `check` commands.
pub struct Scraper {
    pub fetcher: Fetcher,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Article URLs a section's filter rejected, so they are not fetched on every run.
    filtered: Mutex<HashMap<String, HashSet<String>>>,
}

impl Scraper {
    pub fn new(fetcher: Fetcher, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Scraper {
        Scraper {
            fetcher,
            store,
            clock,
            filtered: Mutex::new(HashMap::new()),
        }
    }

    /// Scrapes one section and stores the result.
    pub async fn scrape(
        &self,
        site: &Site,
        section: &Section,
        cancel: &CancellationToken,
    ) -> Result<ScrapeReport, ScrapeError> {
        let store = self.store.clone();
        let feed = section.id.clone();
        let (mut state, pending) = tokio::task::spawn_blocking(move || {
            Ok::<_, StoreError>((
                store.fetch_state(&feed)?,
                store.retry_candidates(&feed, MAX_ARTICLE_ATTEMPTS)?,
            ))
        })
        .await??;
        let params = self.page_params(site, section, &mut state).await?;
        // A conditional request only when nothing waits for a retry: retries need the
        // listing's data.
        let known_validators = Some(state.validators.clone()).filter(|_| pending.is_empty());
        let listing = listing::read_listing(
            &self.fetcher,
            site,
            section,
            &params,
            known_validators.as_ref(),
        )
        .await?;
        if listing.unchanged {
            return Ok(ScrapeReport {
                unchanged: true,
                ..Default::default()
            });
        }
        let todo = self
            .articles_to_fetch(site, section, &listing.items)
            .await?;
        let mut report = ScrapeReport {
            listed: listing.items.len(),
            skipped: listing.skipped,
            ..Default::default()
        };
        let listing_dates_structured = site
            .listing
            .fields
            .published
            .as_ref()
            .is_some_and(|s| s.is_structured());
        let mut entries = Vec::with_capacity(todo.len());
        for item in todo {
            let read = tokio::select! {
                biased;
                _ = cancel.cancelled() => None,
                read = self.read_article(site, section, item) => Some(read),
            };
            let Some((extracted, state)) = read else {
                report.cancelled = true;
                break;
            };
            report.fetched += 1;
            if state != ArticleState::Complete {
                report.failed_articles += 1;
            }
            let entry = assemble(
                site,
                item,
                &extracted,
                listing_dates_structured,
                self.clock.now(),
            );
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
            state.validators = listing.validators;
            state
        });
        report.saved = self.save(section, entries, state).await?;
        Ok(report)
    }

    async fn save_state(&self, section: &Section, state: FetchState) -> Result<(), ScrapeError> {
        let store = self.store.clone();
        let feed = section.id.clone();
        Ok(tokio::task::spawn_blocking(move || store.set_fetch_state(&feed, &state)).await??)
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
        let params = listing::read_page_params(&self.fetcher, site, section).await?;
        if !params.is_empty() {
            state.page_params = Some((params.clone(), now));
            self.save_state(section, state.clone()).await?;
        }
        Ok(params)
    }

    /// Listed items not stored yet (newest first, capped), then stored ones still waiting for
    /// their article page.
    async fn articles_to_fetch<'a>(
        &self,
        site: &Site,
        section: &Section,
        items: &'a [ListingItem],
    ) -> Result<Vec<&'a ListingItem>, ScrapeError> {
        let urls: Vec<String> = items.iter().map(|i| i.url.to_string()).collect();
        let store = self.store.clone();
        let feed = section.id.clone();
        let (known, retry): (HashSet<String>, Vec<String>) =
            tokio::task::spawn_blocking(move || {
                Ok::<_, StoreError>((
                    store.known(&feed, &urls)?,
                    store.retry_candidates(&feed, MAX_ARTICLE_ATTEMPTS)?,
                ))
            })
            .await??;
        let new = items
            .iter()
            .filter(|i| {
                !known.contains(i.url.as_str()) && !self.was_filtered(section, i.url.as_str())
            })
            .take(site.max_articles);
        let again = items
            .iter()
            .filter(|i| retry.iter().any(|r| r == i.url.as_str()));
        Ok(new.chain(again).collect())
    }

    async fn read_article(
        &self,
        site: &Site,
        section: &Section,
        item: &ListingItem,
    ) -> (Extracted, ArticleState) {
        let page = self.fetcher.fetch(Request::get(site, &item.url)).await;
        match page {
            Ok(page) => (
                extract(&page.text, &page.url, &site.article),
                ArticleState::Complete,
            ),
            Err(error) => {
                tracing::warn!(site = %site.id, section = %section.id, url = %item.url, %error,
                    "article page unavailable; keeping the listing's data");
                let state = if FetchError::is_gone(&error) {
                    ArticleState::Gone
                } else {
                    ArticleState::Retry
                };
                (Extracted::default(), state)
            }
        }
    }

    async fn save(
        &self,
        section: &Section,
        entries: Vec<ScrapedEntry>,
        state: Option<FetchState>,
    ) -> Result<SaveOutcome, ScrapeError> {
        let store = self.store.clone();
        let feed = section.id.clone();
        let retention = Retention {
            max_entries: section.max_entries,
            max_age: section.max_age,
        };
        let now = self.clock.now();
        // A blocking task runs to completion even if the scrape's future is dropped, so a
        // shutdown never interrupts a write half-way (and SQLite's transaction covers a crash).
        Ok(tokio::task::spawn_blocking(move || match state {
            Some(state) => store.save_scrape(&feed, &entries, &retention, now, &state),
            None => store.save(&feed, &entries, &retention, now),
        })
        .await??)
    }
}
