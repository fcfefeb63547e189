//! `analyze` on hand-made section pages.

use url::Url;

use super::*;

fn url() -> Url {
    Url::parse("https://www.example.com/world/").unwrap()
}

fn card(i: usize) -> String {
    format!(
        "<div class=\"card\"><a class=\"card__image\" href=\"/world/2026/06/{i:02}/story-number-{i}\"><img src=\"/img/{i}.jpg\"></a>\
         <h3 class=\"card__title\"><a href=\"/world/2026/06/{i:02}/story-number-{i}\">Story number {i} about the world today</a></h3>\
         <p class=\"card__dek\">A teaser long enough to be a summary of story {i}, with words.</p>\
         <time datetime=\"2026-06-{i:02}T10:00:00+02:00\">June {i}</time></div>"
    )
}

fn page() -> String {
    let cards: String = (1..=8).map(card).collect();
    format!(
        "<!DOCTYPE html><html lang=\"de-DE\"><head><title>World | Example</title>\
         <meta property=\"og:site_name\" content=\"Example\">\
         <link rel=\"alternate\" type=\"application/rss+xml\" title=\"World RSS\" href=\"/world/rss.xml\"></head><body>\
         <header><nav><ul><li><a href=\"/politics/2026/06/01/menu-item-one\">Politics menu item number one</a></li>\
         <li><a href=\"/sport/2026/06/01/menu-item-two\">Sport menu item number two here</a></li>\
         <li><a href=\"/tech/2026/06/01/menu-item-three\">Tech menu item number three here</a></li></ul></nav></header>\
         <main><section class=\"stream\">{cards}</section><a rel=\"next\" href=\"/world/?page=2\">Next</a></main>\
         <aside class=\"most-read\"><ol><li><a href=\"/a/2026/06/01/popular-one-story\">Popular one story of the week</a></li>\
         <li><a href=\"/a/2026/06/01/popular-two-story\">Popular two story of the week</a></li>\
         <li><a href=\"/a/2026/06/01/popular-three-story\">Popular three story of the week</a></li></ol></aside>\
         <footer><a href=\"/about\">About</a></footer></body></html>"
    )
}

#[test]
fn the_main_list_is_found_with_its_fields() {
    let s = analyze(&page(), &url(), &url(), None).unwrap();
    let list = &s.lists[0];
    assert_eq!(list.items, "div.card");
    assert_eq!(list.count, 8);
    assert_eq!(list.link, "h3.card__title a");
    assert_eq!(list.title.as_deref(), Some("h3.card__title"));
    assert_eq!(list.summary.as_deref(), Some("p.card__dek"));
    assert_eq!(list.image.as_deref(), Some("img"));
    assert_eq!(list.published, Some(("time".to_string(), true)));
    assert_eq!(list.region, "the page's main content");
    assert_eq!(
        list.sample[0].1,
        "https://www.example.com/world/2026/06/01/story-number-1"
    );
    assert_eq!(s.language.as_deref(), Some("de"));
    assert_eq!(s.timezone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(s.next.as_deref(), Some("a[rel=next]"));
    assert_eq!(s.feeds[0].1, "https://www.example.com/world/rss.xml");
    assert_eq!(
        (s.site_id.as_str(), s.section_id.as_str()),
        ("example", "world")
    );
    assert!(s.sure);
}

#[test]
fn the_declaration_validates_and_reads_the_list() {
    let s = analyze(&page(), &url(), &url(), None).unwrap();
    let toml = s.toml(0);
    let config = crate::config::Config::parse(&toml, std::path::Path::new("."))
        .unwrap_or_else(|e| panic!("{e}\n{toml}"));
    let site = &config.sites[0];
    let listing =
        crate::listing::parse(site, &url(), &page()).unwrap_or_else(|e| panic!("{e}\n{toml}"));
    assert_eq!(listing.items.len(), 8, "{toml}");
    assert_eq!(
        listing.items[0].title.as_deref(),
        Some("Story number 1 about the world today")
    );
    assert!(
        toml.contains("timezone = \"Europe/Berlin\"  # guessed"),
        "{toml}"
    );
}

#[test]
fn pages_that_are_not_section_pages_say_why() {
    let u = url();
    let other = Url::parse("https://elsewhere.example/").unwrap();
    assert!(matches!(
        analyze("<html></html>", &u, &other, None),
        Err(SuggestError::OtherHost(..))
    ));
    assert!(matches!(
        analyze("{\"items\": []}", &u, &u, None),
        Err(SuggestError::NotHtml(..))
    ));
    assert!(matches!(
        analyze("<?xml version=\"1.0\"?><rss></rss>", &u, &u, None),
        Err(SuggestError::NotHtml(..))
    ));
    let login = "<html><body><form><input name=u><input type=password name=p></form></body></html>";
    assert_eq!(
        analyze(login, &u, &u, None),
        Err(SuggestError::LoginWall(u.to_string()))
    );
    let shell = "<html><body><div id=app></div><script src=/app.js></script></body></html>";
    assert_eq!(
        analyze(shell, &u, &u, None),
        Err(SuggestError::AppShell(u.to_string()))
    );
    let plain = "<html><body><p>Just a page of text, with no list of articles at all in it.</p><a href=\"/about\">About</a></body></html>";
    assert_eq!(
        analyze(plain, &u, &u, None),
        Err(SuggestError::NoList(u.to_string()))
    );
}

#[test]
fn generated_class_names_and_subdomains() {
    assert!(
        lists::generated("hLHDWh")
            && lists::generated("sc-bdVaJa")
            && lists::generated("css-1x2y3z")
    );
    assert!(lists::generated("RowWrapper-UmqTg") && lists::generated("HEhan"));
    assert!(
        !lists::generated("card")
            && !lists::generated("newsItem")
            && !lists::generated("story-title")
    );
    let page = Url::parse("https://www.yahoo.com/").unwrap();
    let article = Url::parse("https://news.yahoo.com/some-story-about-things-123.html").unwrap();
    assert!(lists::article_like(&article, &page));
    let uk = Url::parse("https://www.bbc.co.uk/news").unwrap();
    let other = Url::parse("https://www.itv.co.uk/news/a-story-of-today").unwrap();
    assert!(!lists::article_like(&other, &uk));
}
