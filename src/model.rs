//! The entry model shared by the pipeline, the store and the renderers.

use chrono::{DateTime, FixedOffset, Utc};

/// One article as it appears in a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Absolute article URL: the entry's identity within a section, and its guid.
    pub url: String,
    /// Plain text.
    pub title: String,
    /// Plain text lead.
    pub summary: Option<String>,
    /// Sanitized HTML with absolute URLs.
    pub body: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    /// Absolute URL of the lead image.
    pub image: Option<String>,
    /// When the article was published, in the offset the site used (whole seconds).
    pub published: DateTime<FixedOffset>,
    /// When the article was last modified, where the page says so.
    pub updated: Option<DateTime<FixedOffset>>,
    /// When scrapefeed first stored the entry; never changes.
    pub first_seen: DateTime<Utc>,
    /// The rule that produced `published` (`"first-seen"` when no date was found anywhere).
    pub date_source: String,
}

impl Entry {
    /// The instant used to order feeds (newest first) and for the Atom `updated` element.
    pub fn updated_or_published(&self) -> DateTime<FixedOffset> {
        self.updated
            .filter(|u| *u > self.published)
            .unwrap_or(self.published)
    }
}
