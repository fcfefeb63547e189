//! `[[site]]`: each site's own values, and the ids that must differ across the whole file.

use std::collections::HashSet;
use std::sync::Arc;

use chrono_tz::Tz;
use url::Url;

use super::section::Inherited;
use super::Checker;
use crate::config::defaults;
use crate::config::raw::RawSite;
use crate::config::{RetrySettings, Site, StorageSettings};
use crate::model::TextLimits;

impl Checker<'_> {
    /// Every site, then the ids across sites: a section id names a feed, so it is unique in
    /// the file, and a site id names the merged feed of its sections, so it differs from
    /// every section id and from `all`.
    pub(super) fn sites(
        &mut self,
        raw: Vec<RawSite>,
        storage: &StorageSettings,
        limits: &TextLimits,
    ) -> Vec<Arc<Site>> {
        if raw.is_empty() {
            self.problem(
                None,
                "",
                "site",
                "no [[site]] is declared: there is nothing to scrape".into(),
            );
        }
        let mut sites = Vec::new();
        let mut section_ids: HashSet<String> = HashSet::new();
        let mut site_ids: HashSet<String> = HashSet::new();
        let mut site_spans = Vec::new();
        for raw_site in raw {
            let (id, span) = (raw_site.id.raw().clone(), raw_site.id.span());
            if !site_ids.insert(id.clone()) {
                self.problem(
                    span.clone(),
                    "",
                    "site.id",
                    format!("site {id:?} is declared twice"),
                );
            }
            site_spans.push((id, span));
            let site = self.site(raw_site, storage, limits);
            for section in &site.sections {
                if !section_ids.insert(section.id.clone()) {
                    self.problem(
                        None,
                        &format!("site {:?}, ", site.id),
                        "section.id",
                        format!("section {:?} is declared twice; section ids name feeds and must be unique", section.id),
                    );
                }
            }
            sites.push(Arc::new(site));
        }
        for (id, span) in site_spans {
            if id == "all" || section_ids.contains(&id) {
                self.problem(
                    span,
                    "",
                    "site.id",
                    format!("site {id:?} has the name of a section or of \"all\"; site ids name the site's merged feed and must differ from every section id and \"all\""),
                );
            }
        }
        sites
    }

    fn site(&mut self, raw: RawSite, storage: &StorageSettings, limits: &TextLimits) -> Site {
        let id = raw.id.raw().clone();
        let ctx = format!("site {id:?}, ");
        self.take(raw.id, &ctx, "id");
        let base_url = self
            .take(raw.base_url, &ctx, "base_url")
            .unwrap_or_else(|| Url::parse("http://invalid.invalid/").expect("static url"));
        let timezone = self.take(raw.timezone, &ctx, "timezone").unwrap_or(Tz::UTC);
        let language_tag = raw
            .language
            .and_then(|tag| self.take(tag, &ctx, "language"));
        let icon = raw.icon.and_then(|url| self.take(url, &ctx, "icon"));
        let max_articles = self
            .take(raw.max_articles, &ctx, "max_articles")
            .unwrap_or_else(|| defaults::max_articles().valid());
        // A site's own values, or storage's; its sections inherit these in turn.
        let inherited = Inherited {
            interval: self
                .take(raw.interval, &ctx, "interval")
                .unwrap_or_else(|| defaults::interval().valid()),
            max_entries: raw
                .max_entries
                .and_then(|n| self.take(n, &ctx, "max_entries"))
                .unwrap_or(storage.max_entries),
            max_age: raw
                .max_age
                .and_then(|age| self.take(age, &ctx, "max_age"))
                .or(storage.max_age),
        };
        let headers = self.headers(raw.headers, &ctx, "headers");
        let limits = self.site_limits(raw.limits, limits, &ctx);
        let listing = self.listing(raw.listing, &ctx);
        let article = self.article(raw.article, &ctx);
        let mut sections = Vec::new();
        for raw_section in raw.section {
            let section = self.section(raw_section, &id, &base_url, &inherited);
            self.check_templates(&listing, &section, &ctx);
            sections.push(section);
        }
        if sections.is_empty() {
            self.problem(
                None,
                &ctx,
                "section",
                "the site declares no [[site.section]]".into(),
            );
        }
        let min_delay = self
            .take(raw.min_delay, &ctx, "min_delay")
            .unwrap_or_else(|| defaults::min_delay().valid());
        let timeout = self
            .take(raw.timeout, &ctx, "timeout")
            .unwrap_or_else(|| defaults::timeout().valid());
        let retry = RetrySettings {
            retries: self
                .take(raw.retries, &ctx, "retries")
                .unwrap_or_else(|| defaults::retries().valid()),
            delay: self
                .take(raw.retry_delay, &ctx, "retry_delay")
                .unwrap_or_else(|| defaults::retry_delay().valid()),
            max_wait: self
                .take(raw.max_retry_wait, &ctx, "max_retry_wait")
                .unwrap_or_else(|| defaults::max_retry_wait().valid()),
        };
        Site {
            title: raw.title.unwrap_or_else(|| id.clone()),
            id,
            base_url,
            language_tag,
            timezone,
            min_delay,
            timeout,
            max_articles,
            retry,
            obey_robots: raw.obey_robots,
            icon,
            headers,
            limits,
            listing,
            article,
            sections,
        }
    }
}
