//! After a scrape saves its entries: what the feeds show besides them, learnt from the site
//! through the same polite fetcher (robots.txt, the per-origin gap) — each new lead image's
//! size and type (one `HEAD` per image URL, ever, for an enclosure with a real length), and
//! the site's icons (looked for at most once a day).
//!
//! It runs after the save and before the section's feed is rendered: the entries are
//! committed whatever happens here, and the render that follows already has the sizes.
//! Its cost is bounded: only the images of the entries this scrape saved are asked about,
//! at most [`MAX_IMAGE_HEADS`] per scrape, each once, with no retries; an image beyond the
//! cap, or whose `HEAD` failed, is shown without a size (`render/media.rs`). Nothing here
//! fails a scrape: a store or network failure is logged and the feeds show less.

mod icons;

use std::collections::HashSet;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use url::Url;

use super::Scraper;
use crate::config::Site;
use crate::fetch::Request;
use crate::model::ImageFacts;

/// Most images asked about in one scrape.
pub const MAX_IMAGE_HEADS: usize = 10;
/// How long the icons found for a site (or their absence) are trusted.
const ICONS_TTL: Duration = Duration::from_secs(24 * 3600);

/// What the step learnt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaReport {
    /// Images asked about (`HEAD`s sent, whatever their answers).
    pub images_checked: usize,
    /// The site's icons differ from what its feeds showed: every feed of the site is
    /// rendered again.
    pub icons_changed: bool,
}

impl Scraper {
    /// Learns the site's icons if they are due, and the sizes of `images` (the lead images
    /// of the entries just saved, newest first) not asked about yet.
    pub(super) async fn learn_media(
        &self,
        site: &Site,
        images: Vec<String>,
        cancel: &CancellationToken,
    ) -> MediaReport {
        MediaReport {
            icons_changed: self.learn_icons(site, cancel).await,
            images_checked: self.learn_images(site, images, cancel).await,
        }
    }

    async fn learn_images(
        &self,
        site: &Site,
        mut images: Vec<String>,
        cancel: &CancellationToken,
    ) -> usize {
        let mut seen = HashSet::new();
        images.retain(|url| seen.insert(url.clone()));
        if images.is_empty() {
            return 0;
        }
        let asked = images.clone();
        let known = match self
            .store
            .run(move |store| {
                let urls: Vec<&str> = asked.iter().map(String::as_str).collect();
                store.image_facts(&urls)
            })
            .await
        {
            Ok(known) => known,
            Err(error) => {
                tracing::warn!(site = %site.id, error = %crate::errors::chain(&error), "cannot read image sizes; none asked for");
                return 0;
            }
        };
        let mut learnt = Vec::new();
        for url_text in images
            .into_iter()
            .filter(|url| !known.contains_key(url))
            .take(MAX_IMAGE_HEADS)
        {
            let Ok(url) = Url::parse(&url_text) else {
                continue;
            };
            let facts = match self.fetcher.fetch(Request::head(site, &url), cancel).await {
                Ok(answer) => ImageFacts {
                    length: answer.content.length,
                    mime: answer.content.mime,
                },
                // Asked again by a later scrape.
                Err(error) if error.is_cancelled() => break,
                Err(error) => {
                    tracing::debug!(site = %site.id, url = %url, %error, "image HEAD failed; shown without a size");
                    ImageFacts::default()
                }
            };
            learnt.push((url_text, facts));
        }
        let checked = learnt.len();
        if checked > 0 {
            let now = self.clock.now();
            if let Err(error) = self
                .store
                .run(move |store| store.record_images(&learnt, now))
                .await
            {
                tracing::warn!(site = %site.id, error = %crate::errors::chain(&error), "cannot record image sizes");
            }
        }
        checked
    }

    /// Looks for the site's icons when the last look is older than a day (and no `icon` is
    /// configured); whether they changed.
    async fn learn_icons(&self, site: &Site, cancel: &CancellationToken) -> bool {
        if site.icon.is_some() {
            return false;
        }
        let id = site.id.clone();
        let before = match self.store.run(move |store| store.site_icons(&id)).await {
            Ok(before) => before,
            Err(error) => {
                tracing::warn!(site = %site.id, error = %crate::errors::chain(&error), "cannot read the site's icons");
                return false;
            }
        };
        let now = self.clock.now();
        let fresh = before.as_ref().is_some_and(|(_, at)| {
            now.signed_duration_since(*at)
                .to_std()
                .is_ok_and(|age| age < ICONS_TTL)
        });
        // Sections of one site scraped together look once.
        if fresh || !self.start_icon_look(&site.id) {
            return false;
        }
        let found = icons::find(&self.fetcher, site, cancel).await;
        self.end_icon_look(&site.id);
        let Some(found) = found else {
            return false; // cancelled: looked for again next time
        };
        let previous = before.map(|(icons, _)| icons).unwrap_or_default();
        let changed = found != previous;
        let (id, record) = (site.id.clone(), found.clone());
        if let Err(error) = self
            .store
            .run(move |store| store.record_site_icons(&id, &record, now))
            .await
        {
            tracing::warn!(site = %site.id, error = %crate::errors::chain(&error), "cannot record the site's icons");
            return false;
        }
        if changed {
            tracing::info!(site = %site.id, icon = ?found.icon, logo = ?found.logo, "site icons found");
        }
        changed
    }

    fn start_icon_look(&self, site: &str) -> bool {
        let mut looking = self.icon_looks.lock().unwrap_or_else(|e| e.into_inner());
        looking.insert(site.to_string())
    }

    fn end_icon_look(&self, site: &str) {
        let mut looking = self.icon_looks.lock().unwrap_or_else(|e| e.into_inner());
        looking.remove(site);
    }
}
