//! Entries → RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents, all from the one `Entry` model.
//!
//! RSS and Atom are written with the `rss` and `atom_syndication` crates (a real XML writer: no
//! hand-built markup). Every entry passes `feed_safe` first (`render/safe.rs`), so an entry
//! stored before `assemble` cleaned its values still makes a well-formed document, and every
//! string a feed states about itself is cleaned the same way (`text::line`). Escaping is by
//! construction: the writers escape text and attributes, and where a format reads a value as
//! HTML (RSS `description`) plain text is HTML-escaped before it goes in. Dates follow what
//! readers handle (see `shared/READERS.md`): RSS gets RFC 2822 with a numeric offset in the
//! site's own zone, Atom RFC 3339 with a colon in the offset, whole seconds everywhere. JSON
//! Feed lives in `render/json.rs`. Icons and lead images, with what the store learnt of
//! them (`FeedMedia`), are written as `render/media.rs` says. The feed-level date is derived from the entries, so
//! re-rendering an unchanged feed gives identical bytes (and an identical ETag).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use url::Url;

use crate::config::{Section, Site};
use crate::model::Entry;
use crate::text;

mod json;
mod media;
mod safe;
pub use json::{json, json_with};
pub use media::{FeedMedia, Picture, MEDIA_NAMESPACE};
pub use safe::{feed_safe, SafeEntries};

/// What a feed says about itself.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The section page on the site.
    pub link: String,
    /// The public URLs of this feed's documents: each format's self link.
    pub rss_url: String,
    pub atom_url: String,
    pub json_url: String,
    pub language: Option<String>,
    /// Atom requires an author on every entry; the site stands in where an article names none.
    pub publisher: String,
    /// The site's configured `icon`: wins over any the site declares (`FeedMedia`).
    pub icon: Option<String>,
}

impl FeedMeta {
    /// The feed of one section, with self links under `public_base`.
    pub fn for_section(public_base: &Url, site: &Site, section: &Section) -> FeedMeta {
        FeedMeta::named(
            public_base,
            &section.id,
            format!("{}: {}", site.title, section.title),
            format!("{} from {}", section.title, site.title),
            section.url.to_string(),
            site.language_tag.clone(),
            site.title.clone(),
        )
        .with_icon(site.icon.as_ref())
    }

    /// The feed merging every section of a site.
    pub fn for_site(public_base: &Url, site: &Site) -> FeedMeta {
        FeedMeta::named(
            public_base,
            &site.id,
            format!("{}: all sections", site.title),
            format!("Every section scrapefeed reads from {}", site.title),
            site.base_url.to_string(),
            site.language_tag.clone(),
            site.title.clone(),
        )
        .with_icon(site.icon.as_ref())
    }

    fn with_icon(self, icon: Option<&Url>) -> FeedMeta {
        FeedMeta {
            icon: icon.map(Url::to_string),
            ..self
        }
    }

    /// The feed merging every section of every site; its home is the index page.
    pub fn for_all(public_base: &Url, language: Option<String>) -> FeedMeta {
        FeedMeta::named(
            public_base,
            "all",
            "scrapefeed: all feeds".into(),
            "Every section of every site this scrapefeed reads".into(),
            public_base.to_string(),
            language,
            "scrapefeed".into(),
        )
    }

    fn named(
        public_base: &Url,
        name: &str,
        title: String,
        description: String,
        link: String,
        language: Option<String>,
        publisher: String,
    ) -> FeedMeta {
        let feed_url = |ext: &str| {
            public_base
                .join(&format!("feeds/{name}.{ext}"))
                .map(String::from)
                .unwrap_or_else(|_| format!("/feeds/{name}.{ext}"))
        };
        let line = |value: String| text::line(&value).into_owned();
        FeedMeta {
            id: name.to_string(),
            title: line(title),
            description: line(description),
            link,
            rss_url: feed_url("rss"),
            atom_url: feed_url("atom"),
            json_url: feed_url("json"),
            language,
            publisher: line(publisher),
            icon: None,
        }
    }

    /// The same feed as seen through a query (`?limit=5`): self links must name the document
    /// actually served, or validators flag them.
    pub fn with_query(&self, query: &str) -> FeedMeta {
        if query.is_empty() {
            return self.clone();
        }
        let add = |url: &str| format!("{url}?{query}");
        FeedMeta {
            rss_url: add(&self.rss_url),
            atom_url: add(&self.atom_url),
            json_url: add(&self.json_url),
            ..self.clone()
        }
    }
}

/// The feed's own date: the latest moment an entry appeared or changed. An empty feed has
/// none, and uses the Unix epoch so its bytes still do not change between renders.
pub fn feed_updated(entries: &[Entry]) -> DateTime<FixedOffset> {
    entries
        .iter()
        .map(|e| {
            e.updated_or_published()
                .max(e.first_seen.fixed_offset())
                .with_timezone(&Utc)
        })
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
        .fixed_offset()
}

fn rfc2822(d: &DateTime<FixedOffset>) -> String {
    d.to_rfc2822()
}

/// The three documents of a feed, in `feeds::Format` order (RSS, Atom, JSON Feed), from
/// one cleaning of its entries, knowing nothing of its pictures.
pub fn all(meta: &FeedMeta, entries: &[Entry]) -> [Vec<u8>; 3] {
    all_with(meta, entries, &FeedMedia::default())
}

/// The three documents of a feed, with what the store knows of its pictures.
pub fn all_with(meta: &FeedMeta, entries: &[Entry], media: &FeedMedia) -> [Vec<u8>; 3] {
    let safe = SafeEntries::new(entries);
    [
        rss_of(meta, &safe, media),
        atom_of(meta, &safe, media),
        json::json_of(meta, &safe, media),
    ]
}

/// Renders RSS 2.0.
pub fn rss(meta: &FeedMeta, entries: &[Entry]) -> Vec<u8> {
    rss_with(meta, entries, &FeedMedia::default())
}

/// Renders RSS 2.0 with what the store knows of the feed's pictures.
pub fn rss_with(meta: &FeedMeta, entries: &[Entry], media: &FeedMedia) -> Vec<u8> {
    rss_of(meta, &SafeEntries::new(entries), media)
}

fn rss_of(meta: &FeedMeta, entries: &SafeEntries<'_>, media: &FeedMedia) -> Vec<u8> {
    let mut uses_media = false;
    let items: Vec<rss::Item> = entries
        .iter()
        .map(|e| {
            // The lead image's picture: an enclosure, or a Media RSS element.
            let picture = e.image.as_deref().map(|url| media.picture(url));
            rss::Item {
                title: Some(e.title.clone()),
                link: Some(e.url.clone()),
                // Readers read an RSS description as HTML: the plain-text lead is escaped into it.
                description: e
                    .summary
                    .as_deref()
                    .map(|s| html_escape::encode_text(s).into_owned()),
                author: None,
                categories: e
                    .tags
                    .iter()
                    .map(|t| rss::Category {
                        name: t.clone(),
                        domain: None,
                    })
                    .collect(),
                guid: Some(rss::Guid {
                    value: e.url.clone(),
                    permalink: true,
                }),
                pub_date: Some(rfc2822(&e.published)),
                content: e.body.clone(),
                dublin_core_ext: e.author.as_ref().map(|a| {
                    rss::extension::dublincore::DublinCoreExtension {
                        creators: vec![a.clone()],
                        ..Default::default()
                    }
                }),
                enclosure: match picture {
                    Some(Picture::Enclosure { url, length, mime }) => Some(rss::Enclosure {
                        url: url.to_string(),
                        length: length.to_string(),
                        mime_type: mime.to_string(),
                    }),
                    _ => None,
                },
                extensions: picture
                    .and_then(|picture| {
                        picture.media_extension(false, |name, attrs| rss::extension::Extension {
                            name,
                            attrs,
                            ..Default::default()
                        })
                    })
                    .inspect(|_| uses_media = true)
                    .unwrap_or_default(),
                ..Default::default()
            }
        })
        .collect();
    let mut namespaces = BTreeMap::new();
    namespaces.insert(
        "dc".to_string(),
        rss::extension::dublincore::NAMESPACE.to_string(),
    );
    if uses_media {
        namespaces.insert("media".to_string(), MEDIA_NAMESPACE.to_string());
    }
    let icons = media.icons(meta.icon.as_deref());
    let channel = rss::Channel {
        title: meta.title.clone(),
        link: meta.link.clone(),
        description: meta.description.clone(),
        language: meta.language.clone(),
        last_build_date: Some(rfc2822(&feed_updated(entries.stored()))),
        // RSS 2.0 wants the image's title and link to be the channel's.
        image: icons.icon.or(icons.logo).map(|url| rss::Image {
            url,
            title: meta.title.clone(),
            link: meta.link.clone(),
            ..Default::default()
        }),
        generator: Some(concat!("scrapefeed ", env!("CARGO_PKG_VERSION")).into()),
        atom_ext: Some(rss::extension::atom::AtomExtension {
            links: vec![rss::extension::atom::Link {
                href: meta.rss_url.clone(),
                rel: "self".into(),
                mime_type: Some("application/rss+xml".into()),
                ..Default::default()
            }],
        }),
        namespaces,
        items,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(4096 + entries.len() * 2048);
    channel
        .pretty_write_to(&mut out, b' ', 2)
        .expect("writing to a Vec cannot fail");
    out
}

/// Renders Atom 1.0.
pub fn atom(meta: &FeedMeta, entries: &[Entry]) -> Vec<u8> {
    atom_with(meta, entries, &FeedMedia::default())
}

/// Renders Atom 1.0 with what the store knows of the feed's pictures.
pub fn atom_with(meta: &FeedMeta, entries: &[Entry], media: &FeedMedia) -> Vec<u8> {
    atom_of(meta, &SafeEntries::new(entries), media)
}

fn atom_of(meta: &FeedMeta, entries: &SafeEntries<'_>, media: &FeedMedia) -> Vec<u8> {
    let mut uses_media = false;
    use atom_syndication::{Content, Entry as AtomEntry, Feed, Link, Person, Text};
    let link = |href: &str, rel: &str, mime: Option<&str>| Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: mime.map(String::from),
        ..Default::default()
    };
    let atom_entries: Vec<AtomEntry> = entries
        .iter()
        .map(|e| {
            let picture = e.image.as_deref().map(|url| media.picture(url));
            AtomEntry {
                id: e.url.clone(),
                title: Text::plain(e.title.clone()),
                updated: e.updated_or_published(),
                published: Some(e.published),
                authors: e
                    .author
                    .iter()
                    .map(|name| Person {
                        name: name.clone(),
                        ..Default::default()
                    })
                    .collect(),
                // The lead image as RSS carries it: an enclosure when its size is known.
                links: std::iter::once(link(&e.url, "alternate", Some("text/html")))
                    .chain(match picture {
                        Some(Picture::Enclosure { url, length, mime }) => Some(Link {
                            length: Some(length.to_string()),
                            ..link(url, "enclosure", Some(mime))
                        }),
                        _ => None,
                    })
                    .collect(),
                // atom_syndication writes extension attributes verbatim: escaped here.
                extensions: picture
                    .and_then(|picture| {
                        picture.media_extension(true, |name, attrs| {
                            atom_syndication::extension::Extension {
                                name,
                                attrs,
                                ..Default::default()
                            }
                        })
                    })
                    .inspect(|_| uses_media = true)
                    .unwrap_or_default(),
                summary: e.summary.as_ref().map(|s| Text::plain(s.clone())),
                content: e.body.as_ref().map(|body| Content {
                    value: Some(body.clone()),
                    content_type: Some("html".into()),
                    ..Default::default()
                }),
                categories: e
                    .tags
                    .iter()
                    .map(|t| atom_syndication::Category {
                        term: t.clone(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }
        })
        .collect();
    let icons = media.icons(meta.icon.as_deref());
    let mut namespaces = BTreeMap::new();
    if uses_media {
        namespaces.insert("media".to_string(), MEDIA_NAMESPACE.to_string());
    }
    let feed = Feed {
        id: meta.atom_url.clone(),
        icon: icons.icon,
        logo: icons.logo,
        namespaces,
        title: Text::plain(meta.title.clone()),
        subtitle: Some(Text::plain(meta.description.clone())),
        updated: feed_updated(entries.stored()),
        links: vec![
            link(&meta.link, "alternate", Some("text/html")),
            link(&meta.atom_url, "self", Some("application/atom+xml")),
        ],
        generator: Some(atom_syndication::Generator {
            value: "scrapefeed".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            ..Default::default()
        }),
        lang: meta.language.clone(),
        authors: vec![Person {
            name: meta.publisher.clone(),
            ..Default::default()
        }],
        entries: atom_entries,
        ..Default::default()
    };
    let config = atom_syndication::WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    let mut out = Vec::with_capacity(4096 + entries.len() * 2048);
    feed.write_with_config(&mut out, config)
        .expect("writing to a Vec cannot fail");
    // atom_syndication writes dates with `to_rfc3339()`: whole seconds, since every date
    // is truncated before it is stored.
    out
}
