//! Entries stored before values were cleaned (old rows, saved here straight into the store),
//! and a config whose titles hold control characters: every feed, the preview page and the
//! OPML list must still be well-formed, with the same cleaned strings, and no `javascript:`
//! image may reach a feed or the preview's `<img src>`.

use super::support::hostile::strict_xml;
use super::support::parse_feed;
use super::support::routes::{entry, save, InProcess};

const CONFIG: &str = r#"
[[site]]
id = "old"
title = "Old\u0001 rows"
base_url = "https://old.example"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "legacy"
title = "Legacy\u001F section"
"#;

async fn routes() -> InProcess {
    InProcess::open(CONFIG, |store| {
        let mut hostile = entry(
            "https://old.example/legacy/1",
            "Bad\u{1} title\u{FFFE}",
            "2026-06-10T09:00:00+03:00",
        );
        hostile.summary = Some("<script>alert(\"sum\")</script>\u{1F}".into());
        hostile.body = Some("<p>body\u{0}\u{8}\r\n</p>".into());
        hostile.author = Some("Ann\u{7}".into());
        hostile.tags = vec!["tag\u{1B}".into(), "\u{1}".into()];
        hostile.image = Some("javascript:alert(1)".into());
        let mut blank = entry(
            "https://old.example/legacy/2",
            "\u{1}\u{2}",
            "2026-06-09T09:00:00+03:00",
        );
        blank.image = Some("https://old.example/i.jpg".into());
        save(store, "legacy", &[hostile, blank]);
    })
    .await
}

#[tokio::test]
async fn old_rows_with_hostile_text_are_served_as_well_formed_feeds() {
    let routes = routes().await;
    for feed in ["legacy", "old", "all"] {
        for format in ["rss", "atom", "json"] {
            let answer = routes.get(&format!("/feeds/{feed}.{format}")).await;
            assert_eq!(answer.status, 200, "{feed}.{format}");
            if format != "json" {
                strict_xml(&answer.body);
            }
            let read = parse_feed(&answer.body);
            let titles: Vec<String> = read
                .entries
                .iter()
                .map(|e| e.title.as_ref().unwrap().content.clone())
                .collect();
            assert_eq!(
                titles,
                ["Bad title", "https://old.example/legacy/2"],
                "{feed}.{format}: a title of nothing is the URL"
            );
            let first = &read.entries[0];
            let tags: Vec<&str> = first.categories.iter().map(|c| c.term.as_str()).collect();
            assert_eq!(tags, ["tag"], "{feed}.{format}");
            let text = answer.text();
            assert!(!text.contains("javascript:"), "{feed}.{format}: {text}");
            if feed == "legacy" {
                let title = read.title.as_ref().unwrap().content.clone();
                assert_eq!(title, "Old rows: Legacy section", "{format}");
            }
        }
    }
    // The RSS lead is escaped HTML; the body keeps its markup, without the controls.
    let rss = routes.get("/feeds/legacy.rss").await.text();
    assert!(
        rss.contains("&lt;script&gt;alert(\"sum\")&lt;/script&gt;"),
        "{rss}"
    );
    assert!(rss.contains("<![CDATA[<p>body\n</p>]]>"), "{rss}");
}

#[tokio::test]
async fn the_preview_page_and_opml_carry_cleaned_values() {
    let routes = routes().await;
    let page = routes.get("/feeds/legacy.html").await.text();
    assert!(!page.contains("javascript:"), "{page}");
    let html = scraper::Html::parse_document(&page);
    let images: Vec<&str> = html
        .select(&scraper::Selector::parse("img").unwrap())
        .filter_map(|img| img.value().attr("src"))
        .collect();
    assert_eq!(images, ["https://old.example/i.jpg"], "{page}");
    assert!(
        !page.contains('\u{1}') && !page.contains('\u{FFFE}'),
        "{page}"
    );
    let opml = routes.get("/opml").await;
    let doc = strict_xml(&opml.body);
    let titles: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("title"))
        .collect();
    assert!(titles.contains(&"Old rows"), "{titles:?}");
    assert!(titles.contains(&"Old rows: Legacy section"), "{titles:?}");
}
