//! What a feed shows besides its entries' text: the site's icons and each entry's lead
//! image, with the size and type its server gave (`FeedMedia`, read from the store).
//!
//! An enclosure states a real length and an `image/*` type or is not written: `length="0"`
//! tells a reader the file is empty (some skip it, podcast-minded ones offer to download
//! nothing). An image whose size is unknown (not asked yet, the `HEAD` failed, no
//! `Content-Length`) is shown as Media RSS `<media:content medium="image">` instead, in RSS
//! and Atom alike, which feed readers that show pictures read (Miniflux, NetNewsWire,
//! feed-rs), and as JSON Feed's `image`. Icons: a configured `icon` wins over what the site
//! declares; only `http(s)` URLs reach a feed (`text::web_url`), whatever the store holds.

use std::collections::{BTreeMap, HashMap};

use crate::model::{ImageFacts, SiteIcons};
use crate::text;

/// The Media RSS namespace (<https://www.rssboard.org/media-rss>).
pub const MEDIA_NAMESPACE: &str = "http://search.yahoo.com/mrss/";

/// What the store knows of a feed's pictures.
#[derive(Debug, Clone, Default)]
pub struct FeedMedia {
    /// The site's icons as found on its pages (a configured one, in `FeedMeta`, wins).
    pub icons: SiteIcons,
    /// By image URL: what a `HEAD` said of each image asked about.
    pub images: HashMap<String, ImageFacts>,
}

/// How one entry's lead image is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture<'a> {
    /// Size and type known: an enclosure.
    Enclosure {
        url: &'a str,
        length: u64,
        mime: &'a str,
    },
    /// Size unknown: `media:content` (with the type when an image type is known).
    Media { url: &'a str, mime: Option<&'a str> },
}

impl FeedMedia {
    /// How the lead image `url` (already a web URL: `feed_safe`) is written.
    pub fn picture<'a>(&'a self, url: &'a str) -> Picture<'a> {
        let facts = self.images.get(url);
        match facts.and_then(ImageFacts::enclosure) {
            Some((length, mime)) => Picture::Enclosure { url, length, mime },
            None => Picture::Media {
                url,
                mime: facts
                    .and_then(|f| f.mime.as_deref())
                    .filter(|m| m.starts_with("image/")),
            },
        }
    }

    /// The icons a feed carries: `configured` (the site's `icon` key) for both, else what
    /// the site declares; each an `http(s)` URL or nothing.
    pub fn icons(&self, configured: Option<&str>) -> SiteIcons {
        let web = |url: Option<&str>| url.and_then(text::web_url).map(|u| u.into_owned());
        match web(configured) {
            Some(url) => SiteIcons {
                icon: Some(url.clone()),
                logo: Some(url),
            },
            None => SiteIcons {
                icon: web(self.icons.icon.as_deref()),
                logo: web(self.icons.logo.as_deref()),
            },
        }
    }
}

impl Picture<'_> {
    /// The `media:content` element, as the feed writers' extension maps hold it, or `None`
    /// for an enclosure. `escape` prepares attribute values for a writer that writes them
    /// verbatim (atom_syndication's does; rss's escapes them itself).
    pub fn media_extension<X>(
        &self,
        escape: bool,
        make: impl Fn(String, BTreeMap<String, String>) -> X,
    ) -> Option<BTreeMap<String, BTreeMap<String, Vec<X>>>> {
        let Picture::Media { url, mime } = *self else {
            return None;
        };
        let value = |v: &str| match escape {
            true => quick_xml::escape::escape(v).into_owned(),
            false => v.to_string(),
        };
        let mut attrs = BTreeMap::new();
        attrs.insert("url".to_string(), value(url));
        attrs.insert("medium".to_string(), "image".to_string());
        if let Some(mime) = mime {
            attrs.insert("type".to_string(), value(mime));
        }
        let element = make("media:content".to_string(), attrs);
        let mut by_name = BTreeMap::new();
        by_name.insert("content".to_string(), vec![element]);
        let mut map = BTreeMap::new();
        map.insert("media".to_string(), by_name);
        Some(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enclosure_needs_a_length_and_an_image_type() {
        let mut media = FeedMedia::default();
        let facts = |length: Option<u64>, mime: Option<&str>| ImageFacts {
            length,
            mime: mime.map(String::from),
        };
        for (url, f) in [
            ("https://a/known.jpg", facts(Some(2048), Some("image/jpeg"))),
            ("https://a/empty.jpg", facts(Some(0), Some("image/jpeg"))),
            ("https://a/nolength.png", facts(None, Some("image/png"))),
            ("https://a/page.jpg", facts(Some(500), Some("text/html"))),
            ("https://a/failed.jpg", facts(None, None)),
        ] {
            media.images.insert(url.into(), f);
        }
        assert_eq!(
            media.picture("https://a/known.jpg"),
            Picture::Enclosure {
                url: "https://a/known.jpg",
                length: 2048,
                mime: "image/jpeg"
            }
        );
        let unknown = |url, mime| Picture::Media { url, mime };
        for (url, mime) in [
            ("https://a/empty.jpg", Some("image/jpeg")),
            ("https://a/nolength.png", Some("image/png")),
            ("https://a/page.jpg", None),
            ("https://a/failed.jpg", None),
            ("https://a/never-asked.jpg", None),
        ] {
            assert_eq!(media.picture(url), unknown(url, mime), "{url}");
        }
    }

    #[test]
    fn a_configured_icon_wins_and_only_web_urls_are_kept() {
        let media = FeedMedia {
            icons: SiteIcons {
                icon: Some("javascript:alert(1)".into()),
                logo: Some("https://site.example/apple-touch-icon.png".into()),
            },
            images: HashMap::new(),
        };
        assert_eq!(
            media.icons(None),
            SiteIcons {
                icon: None,
                logo: Some("https://site.example/apple-touch-icon.png".into())
            }
        );
        let configured = media.icons(Some("https://cdn.example/logo.png"));
        assert_eq!(
            configured.icon.as_deref(),
            Some("https://cdn.example/logo.png")
        );
        assert_eq!(configured.logo, configured.icon);
    }
}
