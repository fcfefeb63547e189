//! What readers show besides the text, read back with feed-rs from the served documents:
//! the site's icons, and each lead image as an enclosure with its real size and type when
//! known, as Media RSS otherwise — never an enclosure of length 0.

use chrono::{TimeZone, Utc};
use scrapefeed::model::{ImageFacts, SiteIcons};

use super::support::hostile::strict_xml;
use super::support::parse_feed;
use super::support::routes::{entry, save, InProcess};

/// `pics` declares no icon (the store holds the ones found on its pages); `branded`
/// configures one, which wins over anything found.
const CONFIG: &str = r#"
[server]
public_url = "http://feeds.example.test/sf/"

[[site]]
id = "pics"
title = "Pictures"
base_url = "https://pics.example"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "photos"
title = "Photos"

[[site]]
id = "branded"
title = "Branded"
base_url = "https://branded.example"
icon = "https://cdn.branded.example/logo.png"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "logos"
title = "Logos"
"#;

const KNOWN: &str = "https://cdn.pics.example/known.jpg";
/// Never asked about; its URL needs escaping in attributes.
const UNKNOWN: &str = "https://cdn.pics.example/img?id=2&size=l";
/// Asked about: the server gave a type but no length.
const NO_LENGTH: &str = "https://cdn.pics.example/nolength.png";

async fn routes() -> InProcess {
    InProcess::open(CONFIG, |store| {
        let with_image = |url: &str, published: &str, image: &str| {
            let mut e = entry(url, "A picture", published);
            e.image = Some(image.into());
            e
        };
        save(
            store,
            "photos",
            &[
                with_image("https://pics.example/a", "2026-06-10T09:00:00+03:00", KNOWN),
                with_image(
                    "https://pics.example/b",
                    "2026-06-11T09:00:00+03:00",
                    UNKNOWN,
                ),
                with_image(
                    "https://pics.example/c",
                    "2026-06-12T09:00:00+03:00",
                    NO_LENGTH,
                ),
            ],
        );
        save(
            store,
            "logos",
            &[entry(
                "https://branded.example/x",
                "Brand news",
                "2026-06-10T09:00:00Z",
            )],
        );
        let at = Utc.with_ymd_and_hms(2026, 6, 12, 0, 0, 0).unwrap();
        let facts = |length, mime: &str| ImageFacts {
            length,
            mime: Some(mime.into()),
        };
        store
            .record_images(
                &[
                    (KNOWN.into(), facts(Some(48213), "image/jpeg")),
                    (NO_LENGTH.into(), facts(None, "image/png")),
                ],
                at,
            )
            .unwrap();
        let icons = SiteIcons {
            icon: Some("https://pics.example/favicon-32.png".into()),
            logo: Some("https://pics.example/apple-touch-icon.png".into()),
        };
        store.record_site_icons("pics", &icons, at).unwrap();
        // A configured icon wins over whatever was found.
        let found = SiteIcons {
            icon: Some("https://branded.example/favicon.ico".into()),
            logo: None,
        };
        store.record_site_icons("branded", &found, at).unwrap();
    })
    .await
}

fn uri(image: &Option<feed_rs::model::Image>) -> Option<&str> {
    image.as_ref().map(|i| i.uri.as_str())
}

#[tokio::test]
async fn rss_carries_the_icon_and_real_enclosures_only() {
    let routes = routes().await;
    let answer = routes.get("/feeds/photos.rss").await;
    assert_eq!(answer.status, 200);
    let xml = answer.text();
    strict_xml(&answer.body);
    assert!(!xml.contains("length=\"0\""), "{xml}");
    assert_eq!(xml.matches("<enclosure").count(), 1, "{xml}");
    assert!(
        xml.contains("xmlns:media=\"http://search.yahoo.com/mrss/\""),
        "{xml}"
    );
    let feed = parse_feed(&answer.body);
    // RSS has one image, with the channel's own title and link.
    assert_eq!(uri(&feed.logo), Some("https://pics.example/favicon-32.png"));
    assert!(xml.contains("<image>\n      <url>https://pics.example/favicon-32.png</url>\n      <title>Pictures: Photos</title>\n      <link>https://pics.example/photos</link>"), "{xml}");
    let by_url = |url: &str| {
        feed.entries
            .iter()
            .find(|e| e.links.iter().any(|l| l.href == url))
            .unwrap_or_else(|| panic!("{url} in {xml}"))
    };
    let known = &by_url("https://pics.example/a").media;
    let content: Vec<_> = known.iter().flat_map(|m| &m.content).collect();
    assert_eq!(content.len(), 1, "{known:?}");
    assert_eq!(content[0].url.as_ref().unwrap().as_str(), KNOWN);
    assert_eq!(content[0].size, Some(48213));
    assert_eq!(
        content[0].content_type.as_ref().unwrap().to_string(),
        "image/jpeg"
    );
    for (article, image, mime) in [
        ("https://pics.example/b", UNKNOWN, None),
        ("https://pics.example/c", NO_LENGTH, Some("image/png")),
    ] {
        let media = &by_url(article).media;
        let content: Vec<_> = media.iter().flat_map(|m| &m.content).collect();
        assert_eq!(content.len(), 1, "{article}: {media:?}");
        assert_eq!(content[0].url.as_ref().unwrap().as_str(), image);
        assert_eq!(content[0].size, None, "{article}");
        assert_eq!(
            content[0].content_type.as_ref().map(|t| t.to_string()),
            mime.map(String::from),
            "{article}"
        );
    }
}

#[tokio::test]
async fn atom_carries_icon_logo_and_sized_enclosure_links() {
    let routes = routes().await;
    let answer = routes.get("/feeds/photos.atom").await;
    let xml = answer.text();
    // atom_syndication writes extension attributes verbatim: they must come out escaped.
    let doc = strict_xml(&answer.body);
    assert!(!xml.contains("length=\"0\""), "{xml}");
    let media_urls: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name(("http://search.yahoo.com/mrss/", "content")))
        .filter_map(|n| n.attribute("url"))
        .collect();
    assert_eq!(media_urls.len(), 2, "{xml}");
    assert!(media_urls.contains(&UNKNOWN), "{media_urls:?}");
    let feed = parse_feed(&answer.body);
    assert_eq!(uri(&feed.icon), Some("https://pics.example/favicon-32.png"));
    assert_eq!(
        uri(&feed.logo),
        Some("https://pics.example/apple-touch-icon.png")
    );
    let enclosures: Vec<_> = feed
        .entries
        .iter()
        .flat_map(|e| &e.links)
        .filter(|l| l.rel.as_deref() == Some("enclosure"))
        .collect();
    assert_eq!(enclosures.len(), 1, "{xml}");
    assert_eq!(enclosures[0].href, KNOWN);
    assert_eq!(enclosures[0].length, Some(48213));
    assert_eq!(enclosures[0].media_type.as_deref(), Some("image/jpeg"));
}

#[tokio::test]
async fn json_feed_carries_icon_favicon_and_attachments() {
    let routes = routes().await;
    let answer = routes.get("/feeds/photos.json").await;
    let feed = parse_feed(&answer.body);
    assert_eq!(uri(&feed.icon), Some("https://pics.example/favicon-32.png"));
    assert_eq!(
        uri(&feed.logo),
        Some("https://pics.example/apple-touch-icon.png")
    );
    let attachments: Vec<_> = feed
        .entries
        .iter()
        .flat_map(|e| &e.links)
        .filter(|l| l.length.is_some())
        .collect();
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0].href, KNOWN);
    assert_eq!(attachments[0].length, Some(48213));
    assert_eq!(attachments[0].media_type.as_deref(), Some("image/jpeg"));
    let v: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    let images: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["image"].as_str())
        .collect();
    assert_eq!(images.len(), 3, "every lead image stays the item's image");
}

#[tokio::test]
async fn a_configured_icon_wins_and_all_has_none() {
    let routes = routes().await;
    for ext in ["rss", "atom", "json"] {
        let answer = routes.get(&format!("/feeds/logos.{ext}")).await;
        let feed = parse_feed(&answer.body);
        assert_eq!(
            uri(&feed.logo),
            Some("https://cdn.branded.example/logo.png"),
            "{ext}"
        );
        let merged = routes.get(&format!("/feeds/branded.{ext}")).await;
        assert_eq!(
            uri(&parse_feed(&merged.body).logo),
            Some("https://cdn.branded.example/logo.png"),
            "{ext}: the site's own feed too"
        );
        let all = parse_feed(&routes.get(&format!("/feeds/all.{ext}")).await.body);
        assert!(all.icon.is_none() && all.logo.is_none(), "{ext}");
    }
    // Filtered views carry the same pictures.
    let limited = routes.get("/feeds/photos.rss?limit=1").await.text();
    assert!(
        limited.contains("<url>https://pics.example/favicon-32.png</url>"),
        "{limited}"
    );
}
