//! The values every stage shares: the `Entry` the pipeline produces, the store keeps and the
//! renderers write, the `TextLimits` its values are cut to, and the `Validators` a fetch
//! returns and the store remembers.

use chrono::{DateTime, FixedOffset, Utc};

/// One article as it appears in a feed.
///
/// Every text value is XML-safe and within the site's `TextLimits` once `assemble` built the
/// entry (`text`: no control characters, one line for plain text), and every URL is an
/// absolute `http(s)` URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Absolute `http(s)` article URL: the entry's identity within a section, and its guid.
    pub url: String,
    /// Plain text, one line.
    pub title: String,
    /// Plain text lead, one line.
    pub summary: Option<String>,
    /// Sanitized HTML with absolute URLs.
    pub body: Option<String>,
    /// Plain text, one line.
    pub author: Option<String>,
    /// Plain text, one line each.
    pub tags: Vec<String>,
    /// Absolute `http(s)` URL of the lead image.
    pub image: Option<String>,
    /// When the article was published, in the offset the site used (whole seconds).
    pub published: DateTime<FixedOffset>,
    /// When the article was last modified, where the page says so.
    pub updated: Option<DateTime<FixedOffset>>,
    /// When scrapefeed first stored the entry; never changes.
    pub first_seen: DateTime<Utc>,
    /// The rule that produced `published`: a rule's description, [`date_source::LISTING`], or
    /// [`date_source::FIRST_SEEN`] when no date was found anywhere.
    pub date_source: String,
}

/// How long an entry's values may be: longer ones are cut when the entry is built (the
/// config's `[limits]`, per site).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimits {
    /// Bytes of the title.
    pub title: usize,
    /// Bytes of the summary.
    pub summary: usize,
    /// Bytes of the body, after sanitizing.
    pub body: usize,
    /// How many tags are kept.
    pub tags: usize,
    /// Characters of one tag.
    pub tag_chars: usize,
}

/// The `date_source` values that name no rule of the site's declaration.
pub mod date_source {
    /// No date was found anywhere: the entry is dated by its first-seen time.
    pub const FIRST_SEEN: &str = "first-seen";
    /// The date came from the listing's `published` field.
    pub const LISTING: &str = "listing";
}

impl Entry {
    /// The instant used to order feeds (newest first) and for the Atom `updated` element.
    pub fn updated_or_published(&self) -> DateTime<FixedOffset> {
        self.updated
            .filter(|u| *u > self.published)
            .unwrap_or(self.published)
    }
}

/// What a server said identifies a version of a resource: sent back as `If-None-Match` /
/// `If-Modified-Since` on the next request, and stored with the section's fetch state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// What a `HEAD` of an entry's image said, as stored: an RSS `<enclosure>` needs both its
/// length and an `image/*` type, and a feed states neither unless the image's server did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFacts {
    /// `Content-Length`, when the server gave one.
    pub length: Option<u64>,
    /// The media type of `Content-Type` (lower case, no parameters), when it gave one.
    pub mime: Option<String>,
}

impl ImageFacts {
    /// The length and type an enclosure states: both known, the type an image's, and a
    /// length above zero (`length="0"` makes readers treat the file as empty).
    pub fn enclosure(&self) -> Option<(u64, &str)> {
        let mime = self.mime.as_deref().filter(|m| m.starts_with("image/"))?;
        self.length.filter(|&n| n > 0).map(|n| (n, mime))
    }
}

/// A site's own pictures, for the feeds made from it: absolute `http(s)` URLs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteIcons {
    /// A small square icon (the favicon).
    pub icon: Option<String>,
    /// A larger picture (`apple-touch-icon`, `og:image`).
    pub logo: Option<String>,
}

impl SiteIcons {
    pub fn is_empty(&self) -> bool {
        self.icon.is_none() && self.logo.is_none()
    }
}
