//! The one scrape sequence: listing → article pages → extraction → entries.
//!
//! A stored scrape (`Scraper::scrape`) and `check`'s preview read a section the same way, so
//! both call [`read_section`]; what differs between them is a [`Steps`] value: which listed
//! articles are read (new and retried ones, or the first few), and what watches each article
//! as it is read (`check` records the rules that matched). Steps only choose and observe:
//! they cannot change how a page is fetched, read or turned into an entry.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::ScrapeError;
use crate::assemble::Assembler;
use crate::clock::Clock;
use crate::config::{Section, Site};
use crate::extract::{self, Extracted};
use crate::fetch::{FetchError, Fetched, Fetcher, Request};
use crate::listing::{self, Listing, ListingItem};
use crate::model::{Entry, Validators};
use crate::store::ArticleState;

/// A site's declaration in the forms the stages run, built once per config: the article
/// rules compiled for the extractor, and the site's entry builder.
#[derive(Debug)]
pub struct SitePlan {
    pub site: Arc<Site>,
    /// Shared with the blocking threads that read article pages.
    pub article: Arc<extract::Plan>,
    pub assembler: Assembler,
}

impl SitePlan {
    pub fn new(site: &Arc<Site>) -> SitePlan {
        SitePlan {
            site: site.clone(),
            article: Arc::new(
                extract::Plan::new(&site.article)
                    .sanitizing_at_most(site.limits.body.saturating_mul(2)),
            ),
            assembler: Assembler::new(site),
        }
    }
}

/// One article as the sequence read it, shown to [`Steps::observe`].
pub struct ArticleRead<'a> {
    pub item: &'a ListingItem,
    /// The article page, or why it could not be had.
    pub page: Result<&'a Fetched, &'a FetchError>,
    pub extracted: &'a Extracted,
    pub entry: &'a Entry,
    pub state: ArticleState,
}

/// What differs between a stored scrape and a preview.
pub trait Steps {
    /// The listed items whose article pages are read, in order.
    fn choose<'l>(
        &mut self,
        listing: &'l Listing,
    ) -> impl Future<Output = Result<Vec<&'l ListingItem>, ScrapeError>> + Send;

    /// Sees each article once it is read and turned into an entry.
    fn observe(&mut self, _article: &ArticleRead<'_>) {}
}

/// A section as one run of the sequence read it.
#[derive(Debug)]
pub struct SectionRead {
    pub listing: Listing,
    /// The chosen articles' entries, in the order read, with how complete each is.
    pub entries: Vec<(Entry, ArticleState)>,
    /// Cancellation stopped the reading before every chosen article was read.
    pub cancelled: bool,
}

/// What one read of a section works with.
pub struct SectionInput<'a> {
    pub fetcher: &'a Fetcher,
    pub plan: &'a SitePlan,
    pub section: &'a Section,
    pub page_params: &'a BTreeMap<String, String>,
    /// The listing's validators from the last read: with them the listing is asked for
    /// conditionally.
    pub validators: Option<&'a Validators>,
    /// Stamps each entry (first-seen, and the limit no date may pass).
    pub clock: &'a dyn Clock,
}

/// Reads a section: its listing (conditionally, with `validators`), then the article pages
/// `steps` chooses, each turned into an entry. When `cancel` fires during the listing the
/// read fails (`ScrapeError::is_cancelled`); during the articles it stops at once and returns
/// the entries read so far (`SectionRead::cancelled`). A listing that answers `304` ends the
/// read with no entries (`SectionRead::listing.unchanged`). A failing article page never
/// fails the section: its entry is built from the listing's data.
pub async fn read_section(
    input: SectionInput<'_>,
    steps: &mut impl Steps,
    cancel: &CancellationToken,
) -> Result<SectionRead, ScrapeError> {
    let SectionInput {
        fetcher,
        plan,
        section,
        page_params,
        validators,
        clock,
    } = input;
    let site = &plan.site;
    let listing =
        listing::read_listing(fetcher, site, section, page_params, validators, cancel).await?;
    let mut read = SectionRead {
        entries: Vec::new(),
        cancelled: false,
        listing: Listing::default(),
    };
    if listing.unchanged {
        read.listing = listing;
        return Ok(read);
    }
    let chosen = steps.choose(&listing).await?;
    for item in chosen {
        let page = fetcher.fetch(Request::get(site, &item.url), cancel).await;
        if page.as_ref().is_err_and(FetchError::is_cancelled) {
            read.cancelled = true;
            break;
        }
        let (extracted, state) = match &page {
            Ok(page) => (
                read_article(page, &plan.article).await,
                ArticleState::Complete,
            ),
            Err(error) => {
                tracing::warn!(site = %site.id, section = %section.id, url = %item.url, %error,
                    "article page unavailable; keeping the listing's data");
                let state = if error.is_gone() {
                    ArticleState::Gone
                } else {
                    ArticleState::Retry
                };
                (Extracted::default(), state)
            }
        };
        for warning in &extracted.warnings {
            tracing::warn!(site = %site.id, section = %section.id, url = %item.url,
                "{warning}");
        }
        let entry = plan.assembler.entry(item, &extracted, clock.now());
        steps.observe(&ArticleRead {
            item,
            page: page.as_ref(),
            extracted: &extracted,
            entry: &entry,
            state,
        });
        read.entries.push((entry, state));
    }
    read.listing = listing;
    Ok(read)
}

/// Reads an article page on a blocking thread: a page left to the generic reader builds its
/// DOM, which takes up to about a second on the largest pages, and must not hold a runtime
/// worker (feeds are served from the same runtime) for that long.
async fn read_article(page: &crate::fetch::Fetched, plan: &Arc<extract::Plan>) -> Extracted {
    let (text, url, plan) = (page.text.clone(), page.url.clone(), plan.clone());
    let shown = page.url.to_string();
    match tokio::task::spawn_blocking(move || extract::extract(&text, &url, &plan)).await {
        Ok(extracted) => extracted,
        Err(e) => {
            tracing::error!(url = %shown, error = %e, "reading the article page failed");
            Extracted {
                warnings: vec![format!("reading the page failed: {e}")],
                ..Extracted::default()
            }
        }
    }
}
