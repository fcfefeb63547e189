//! Which feeds exist: one per section, one per site, one across everything (`all`).
//!
//! Built once from the config. Section ids are unique across the config, and validation keeps
//! site ids apart from section ids and from `all`, so a feed name alone finds its feed. A
//! site or `all` feed merges its member sections (newest first, one entry per article URL:
//! `Store::merged_entries`), capped at the largest member's `max_entries`, and may be cached
//! as long as its most often scraped member allows.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use url::Url;

use crate::config::Config;
use crate::model::Entry;
use crate::render::{self, FeedMeta};

/// The three formats every feed is offered in, rendered from the same entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

    /// The format a file extension names (`politics.json` → JSON Feed).
    pub fn from_ext(ext: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.ext() == ext)
    }

    pub fn ext(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }

    /// The MIME type alone, for `<link rel="alternate" type=…>`.
    pub fn mime(self) -> &'static str {
        self.content_type()
            .split(';')
            .next()
            .expect("split yields one piece")
    }

    pub fn render(self, meta: &FeedMeta, entries: &[Entry]) -> Vec<u8> {
        self.render_with(meta, entries, &render::FeedMedia::default())
    }

    /// `render` with what the store knows of the feed's pictures.
    pub fn render_with(
        self,
        meta: &FeedMeta,
        entries: &[Entry],
        media: &render::FeedMedia,
    ) -> Vec<u8> {
        match self {
            Format::Rss => render::rss_with(meta, entries, media),
            Format::Atom => render::atom_with(meta, entries, media),
            Format::Json => render::json_with(meta, entries, media),
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// What a feed gathers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedKind {
    /// One section, read from the store.
    Section { site: String },
    /// Every section of a site, merged.
    Site,
    /// Every section of every site, merged.
    All,
}

/// One feed scrapefeed serves.
#[derive(Debug)]
pub struct FeedSpec {
    /// The name in `/feeds/{name}.{ext}`.
    pub name: String,
    pub kind: FeedKind,
    /// A short name within its site, for tables: the section title, or "All sections".
    pub label: String,
    pub meta: FeedMeta,
    /// The section ids whose entries make this feed (just itself for a section).
    pub members: Vec<String>,
    pub max_entries: usize,
    /// The `Cache-Control` text, `public, max-age=…`: half the shortest member interval,
    /// between 1 minute and 1 hour, so a reader polling faster than scrapes happen is
    /// answered by its own cache.
    pub cache_control: Bytes,
    /// What its render depends on besides the entries: the release, the metadata, the
    /// members and the cap. A recorded head with another fingerprint is not reused.
    pub fingerprint: String,
}

impl FeedSpec {
    /// The public URL of this feed in one format.
    pub fn url(&self, format: Format) -> &str {
        match format {
            Format::Rss => &self.meta.rss_url,
            Format::Atom => &self.meta.atom_url,
            Format::Json => &self.meta.json_url,
        }
    }
}

/// Every feed, in display order: sections, then each site's feed, then `all`.
#[derive(Debug)]
pub struct Catalog {
    feeds: Vec<Arc<FeedSpec>>,
    by_name: HashMap<String, usize>,
}

fn cache_control(intervals: impl Iterator<Item = Duration>) -> Bytes {
    let shortest = intervals.min().unwrap_or(Duration::from_secs(900));
    let max_age = (shortest.as_secs() / 2).clamp(60, 3600);
    Bytes::from(format!("public, max-age={max_age}"))
}

fn fingerprint(spec: &FeedSpec) -> String {
    use sha2::{Digest, Sha256};
    let text = format!(
        "{} {:?} {:?} {}",
        env!("CARGO_PKG_VERSION"),
        spec.meta,
        spec.members,
        spec.max_entries
    );
    Sha256::digest(text.as_bytes())[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Catalog {
    pub fn new(config: &Config, public_url: &Url) -> Catalog {
        let mut feeds = Vec::new();
        for (site, section) in config.sections() {
            feeds.push(FeedSpec {
                name: section.id.clone(),
                kind: FeedKind::Section {
                    site: site.id.clone(),
                },
                label: section.title.clone(),
                meta: FeedMeta::for_section(public_url, site, section),
                members: vec![section.id.clone()],
                max_entries: section.max_entries,
                cache_control: cache_control(std::iter::once(section.interval)),
                fingerprint: String::new(),
            });
        }
        for site in &config.sites {
            feeds.push(FeedSpec {
                name: site.id.clone(),
                kind: FeedKind::Site,
                label: "All sections".into(),
                meta: FeedMeta::for_site(public_url, site),
                members: site.sections.iter().map(|s| s.id.clone()).collect(),
                max_entries: site
                    .sections
                    .iter()
                    .map(|s| s.max_entries)
                    .max()
                    .unwrap_or(0),
                cache_control: cache_control(site.sections.iter().map(|s| s.interval)),
                fingerprint: String::new(),
            });
        }
        // `all` carries a language only when every site agrees on one.
        let mut languages = config.sites.iter().map(|s| s.language_tag.clone());
        let first = languages.next().flatten();
        let language = languages.all(|l| l == first).then_some(first).flatten();
        feeds.push(FeedSpec {
            name: "all".into(),
            kind: FeedKind::All,
            label: "Everything".into(),
            meta: FeedMeta::for_all(public_url, language),
            members: config.sections().map(|(_, s)| s.id.clone()).collect(),
            max_entries: config
                .sections()
                .map(|(_, s)| s.max_entries)
                .max()
                .unwrap_or(0),
            cache_control: cache_control(config.sections().map(|(_, s)| s.interval)),
            fingerprint: String::new(),
        });
        let by_name = feeds
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        for feed in &mut feeds {
            feed.fingerprint = fingerprint(feed);
        }
        Catalog {
            feeds: feeds.into_iter().map(Arc::new).collect(),
            by_name,
        }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<FeedSpec>> {
        self.by_name.get(name).map(|&i| &self.feeds[i])
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<FeedSpec>> {
        self.feeds.iter()
    }

    /// The merged feeds a section belongs to (its site's and `all`).
    pub fn aggregates_of<'a>(
        &'a self,
        section: &'a str,
    ) -> impl Iterator<Item = &'a Arc<FeedSpec>> {
        self.feeds
            .iter()
            .filter(|f| !matches!(f.kind, FeedKind::Section { .. }))
            .filter(move |f| f.members.iter().any(|m| m == section))
    }
}
