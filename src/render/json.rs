//! Entries → JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>).
//!
//! Written with plain serde structs: the format is a small JSON object, and the crates that
//! exist for it add nothing `serde_json` does not already give (escaping, UTF-8). Dates are
//! RFC 3339 with the site's own offset and whole seconds, like Atom (see `shared/READERS.md`).
//! An item's `id` is its article URL, as the RSS `guid` and Atom `id` are, so a reader that
//! switches format sees the same entries. Entries pass `feed_safe` as they do for RSS and
//! Atom: JSON could carry control characters escaped, but the three formats carry the same
//! strings.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::Serialize;

use super::{FeedMedia, FeedMeta, Picture, SafeEntries};
use crate::model::Entry;

const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    /// A large square picture (the site's logo); `favicon` a small one.
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    favicon: Option<String>,
    authors: [Author<'a>; 1],
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    /// The spec requires `content_html` or `content_text`; an entry without a body gets its
    /// summary (or title) as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
    /// The lead image as a file, when its size and type are known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment<'a>>,
}

#[derive(Serialize)]
struct Attachment<'a> {
    url: &'a str,
    mime_type: &'a str,
    size_in_bytes: u64,
}

fn rfc3339(d: &DateTime<FixedOffset>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Renders JSON Feed 1.1.
pub fn json(meta: &FeedMeta, entries: &[Entry]) -> Vec<u8> {
    json_with(meta, entries, &FeedMedia::default())
}

/// Renders JSON Feed 1.1 with what the store knows of the feed's pictures.
pub fn json_with(meta: &FeedMeta, entries: &[Entry], media: &FeedMedia) -> Vec<u8> {
    json_of(meta, &SafeEntries::new(entries), media)
}

pub(super) fn json_of(meta: &FeedMeta, entries: &SafeEntries<'_>, media: &FeedMedia) -> Vec<u8> {
    let items = entries
        .iter()
        .map(|e| Item {
            id: &e.url,
            url: &e.url,
            title: &e.title,
            content_html: e.body.as_deref(),
            content_text: match e.body {
                Some(_) => None,
                None => Some(e.summary.as_deref().unwrap_or(&e.title)),
            },
            summary: e.summary.as_deref(),
            image: e.image.as_deref(),
            date_published: rfc3339(&e.published),
            date_modified: e.updated.filter(|u| *u > e.published).as_ref().map(rfc3339),
            authors: e.author.iter().map(|name| Author { name }).collect(),
            tags: &e.tags,
            attachments: match e.image.as_deref().map(|url| media.picture(url)) {
                Some(Picture::Enclosure { url, length, mime }) => vec![Attachment {
                    url,
                    mime_type: mime,
                    size_in_bytes: length,
                }],
                _ => Vec::new(),
            },
        })
        .collect();
    let icons = media.icons(meta.icon.as_deref());
    let feed = JsonFeed {
        version: VERSION,
        title: &meta.title,
        home_page_url: &meta.link,
        feed_url: &meta.json_url,
        description: &meta.description,
        language: meta.language.as_deref(),
        icon: icons.logo,
        favicon: icons.icon,
        authors: [Author {
            name: &meta.publisher,
        }],
        items,
    };
    serde_json::to_vec_pretty(&feed).expect("a JSON Feed always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn entry(body: Option<&str>) -> Entry {
        let published = FixedOffset::east_opt(3 * 3600)
            .unwrap()
            .with_ymd_and_hms(2025, 6, 13, 14, 53, 0)
            .unwrap();
        Entry {
            url: "https://example.com/a?x=1&y=2".into(),
            title: "A <b> & \"c\"".into(),
            summary: Some("lead".into()),
            body: body.map(String::from),
            author: Some("Ann".into()),
            tags: vec!["t1".into()],
            image: None,
            published,
            updated: None,
            first_seen: Utc.with_ymd_and_hms(2025, 6, 13, 12, 0, 0).unwrap(),
            date_source: "test".into(),
        }
    }

    #[test]
    fn items_carry_url_ids_offset_dates_and_one_content_field() {
        let meta = FeedMeta::for_all(&url::Url::parse("http://h/").unwrap(), None);
        let bytes = json(&meta, &[entry(Some("<p>x</p>")), entry(None)]);
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["version"], VERSION);
        assert_eq!(v["feed_url"], "http://h/feeds/all.json");
        let item = &v["items"][0];
        assert_eq!(item["id"], "https://example.com/a?x=1&y=2");
        assert_eq!(item["title"], "A <b> & \"c\"");
        assert_eq!(item["date_published"], "2025-06-13T14:53:00+03:00");
        assert_eq!(item["content_html"], "<p>x</p>");
        assert!(item.get("content_text").is_none());
        assert_eq!(item["authors"][0]["name"], "Ann");
        assert_eq!(item["tags"][0], "t1");
        assert_eq!(v["items"][1]["content_text"], "lead");
        assert!(v["items"][1].get("content_html").is_none());
    }
}
