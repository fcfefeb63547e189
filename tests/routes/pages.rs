//! The pages and what any path answers: the index, preview pages, OPML, 404s and 405s.

use std::collections::{BTreeSet, HashMap};

use super::{routes, stored, titles_of, CONFIG, FEEDS, FORMATS, PUBLIC};
use crate::support::routes::{save, InProcess};

#[tokio::test]
async fn unknown_paths_feeds_and_extensions_are_404_saying_why() {
    let routes = routes().await;
    for (path, says) in [
        ("/feeds/nonexistent.rss", "no feed named \"nonexistent\": "),
        ("/feeds/nonexistent.html", "no feed named \"nonexistent\": "),
        ("/feeds/world.xml", "feeds end in .rss, .atom or .json"),
        ("/feeds/world", "feeds end in .rss, .atom or .json"),
        ("/feeds/", "not found: the list of feeds is at /"),
        ("/feeds/a/b.rss", "not found: the list of feeds is at /"),
        ("/nope", "not found: the list of feeds is at /"),
    ] {
        let answer = routes.get(path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.header("content-type"), "text/plain; charset=utf-8");
        assert!(answer.text().contains(says), "{path}: {}", answer.text());
    }
    // An unknown path is 404 whatever the method; a feed path refuses the method first.
    assert_eq!(routes.request("POST", "/nope", &[]).await.status, 404);
    let post = routes.request("POST", "/feeds/nonexistent.rss", &[]).await;
    assert_eq!(post.status, 405);
}

#[tokio::test]
async fn methods_other_than_get_and_head_are_405_with_allow() {
    let routes = routes().await;
    for path in [
        "/feeds/world.rss",
        "/feeds/all.atom",
        "/feeds/news.html",
        "/feeds/all.rss?limit=2",
        "/",
        "/opml",
        "/healthz",
        "/metrics",
    ] {
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            let answer = routes.request(method, path, &[]).await;
            assert_eq!(answer.status, 405, "{method} {path}");
            assert_eq!(answer.header("allow"), "GET, HEAD", "{method} {path}");
            assert_eq!(
                answer.text(),
                format!("method {method} not allowed: use GET or HEAD\n")
            );
        }
    }
}

/// (href, type) of every element `css` selects.
fn links(html: &str, css: &str) -> Vec<(String, String)> {
    let page = scraper::Html::parse_document(html);
    page.select(&scraper::Selector::parse(css).unwrap())
        .map(|a| {
            let v = a.value();
            let attr = |name| v.attr(name).unwrap_or("").to_string();
            (attr("href"), attr("type"))
        })
        .collect()
}

#[tokio::test]
async fn the_index_links_and_announces_every_feed_in_every_format() {
    let routes = routes().await;
    let answer = routes.get("/").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), "text/html; charset=utf-8");
    let page = answer.text();
    let anchors = links(&page, "a[href]");
    let alternates = links(&page, "link[rel=alternate]");
    let mut announced = Vec::new();
    for (name, _) in FEEDS {
        for (ext, content_type) in FORMATS {
            let url = format!("{PUBLIC}feeds/{name}.{ext}");
            let mime = content_type.split(';').next().unwrap().to_string();
            assert!(
                anchors.contains(&(url.clone(), mime.clone())),
                "links {url}"
            );
            announced.push((url, mime));
        }
        let preview = format!("{PUBLIC}feeds/{name}.html");
        assert!(
            anchors.iter().any(|(href, _)| *href == preview),
            "links {preview}"
        );
    }
    assert_eq!(
        alternates.iter().collect::<BTreeSet<_>>(),
        announced.iter().collect::<BTreeSet<_>>()
    );
    assert_eq!(alternates.len(), announced.len(), "each announced once");
    assert!(anchors.contains(&(format!("{PUBLIC}opml"), "text/x-opml".into())));
    let text: String = scraper::Html::parse_document(&page)
        .root_element()
        .text()
        .collect();
    for title in ["News", "World", "Science & Tech", "The Weekly", "Essays"] {
        assert!(text.contains(title), "the index shows {title}");
    }
}

#[tokio::test]
async fn preview_pages_show_the_entries_and_announce_the_feed() {
    let routes = routes().await;
    for (name, _) in FEEDS {
        let answer = routes.get(&format!("/feeds/{name}.html")).await;
        assert_eq!(answer.status, 200, "{name}.html");
        assert_eq!(answer.header("content-type"), "text/html; charset=utf-8");
        let html = scraper::Html::parse_document(&answer.text());
        let shown: Vec<String> = html
            .select(&scraper::Selector::parse("article h2 a").unwrap())
            .map(|a| a.text().collect())
            .collect();
        assert_eq!(shown, titles_of(name), "{name}.html");
        let alternates: Vec<String> = links(&answer.text(), "link[rel=alternate]")
            .into_iter()
            .map(|(href, _)| href)
            .collect();
        let own: Vec<String> = FORMATS
            .iter()
            .map(|(ext, _)| format!("{PUBLIC}feeds/{name}.{ext}"))
            .collect();
        assert_eq!(alternates, own, "{name}.html announces its feed");
    }
}

#[tokio::test]
async fn opml_lists_each_section_feed_once_and_every_listed_feed_is_served() {
    let routes = routes().await;
    let answer = routes.get("/opml").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), "text/x-opml; charset=utf-8");
    let outlines = opml_feeds(&answer.body);
    let listed: Vec<&str> = outlines.iter().map(|o| o["xmlUrl"].as_str()).collect();
    // Section feeds only: a merged feed beside them would show every article twice.
    let sections: Vec<String> = ["world", "science", "essays"]
        .iter()
        .map(|name| format!("{PUBLIC}feeds/{name}.rss"))
        .collect();
    assert_eq!(
        listed.iter().copied().collect::<BTreeSet<_>>(),
        sections.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
    assert_eq!(listed.len(), sections.len(), "each feed once");
    for outline in &outlines {
        assert_eq!(outline["type"], "rss");
        assert!(!outline["text"].is_empty() && outline["text"] == outline["title"]);
        assert!(outline["htmlUrl"].starts_with("https://"));
        let path = format!("/{}", outline["xmlUrl"].strip_prefix(PUBLIC).unwrap());
        assert_eq!(routes.get(&path).await.status, 200, "{path}");
    }
    // Titles are escaped on the way out and read back whole.
    assert!(outlines
        .iter()
        .any(|o| o["title"] == "News: Science & Tech"));
}

#[tokio::test]
async fn opml_with_merged_adds_the_site_and_all_feeds() {
    let routes = routes().await;
    for query in ["merged=1", "merged=true"] {
        let answer = routes.get(&format!("/opml?{query}")).await;
        assert_eq!(answer.status, 200, "{query}");
        let outlines = opml_feeds(&answer.body);
        let listed: Vec<&str> = outlines.iter().map(|o| o["xmlUrl"].as_str()).collect();
        let every: Vec<String> = FEEDS
            .iter()
            .map(|(name, _)| format!("{PUBLIC}feeds/{name}.rss"))
            .collect();
        assert_eq!(
            listed.iter().copied().collect::<BTreeSet<_>>(),
            every.iter().map(String::as_str).collect::<BTreeSet<_>>()
        );
        assert_eq!(listed.len(), every.len(), "each feed once");
        assert_eq!(
            listed.last(),
            Some(&format!("{PUBLIC}feeds/all.rss").as_str())
        );
    }
    let default = routes.get("/opml?merged=0").await;
    assert_eq!(opml_feeds(&default.body).len(), 3);
    let wrong = routes.get("/opml?merged=banana").await;
    assert_eq!(wrong.status, 400);
    assert!(
        wrong.text().contains("merged=\"banana\""),
        "{}",
        wrong.text()
    );
}

/// newsboat, as a terminal user would import the list: every section feed once. Skipped
/// (saying so) where newsboat is not installed; `.ci/run` installs it.
#[tokio::test]
async fn newsboat_imports_the_opml_without_duplicates() {
    if std::process::Command::new("newsboat")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("newsboat not installed: import check skipped");
        return;
    }
    let routes = routes().await;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("feeds.opml"), &routes.get("/opml").await.body).unwrap();
    std::fs::write(path("urls"), "").unwrap();
    let output = std::process::Command::new("newsboat")
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", path("config"))
        .env("XDG_DATA_HOME", path("data"))
        .arg("-u")
        .arg(path("urls"))
        .arg("-c")
        .arg(path("cache.db"))
        .args(["-C", "/dev/null", "-i"])
        .arg(path("feeds.opml"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let urls = std::fs::read_to_string(path("urls")).unwrap();
    let imported: Vec<&str> = urls
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    let unique: BTreeSet<&str> = imported.iter().copied().collect();
    assert_eq!(imported.len(), unique.len(), "{urls}");
    let sections: BTreeSet<String> = ["world", "science", "essays"]
        .iter()
        .map(|name| format!("{PUBLIC}feeds/{name}.rss"))
        .collect();
    assert_eq!(
        unique,
        sections.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        "{urls}"
    );
}

/// The attributes of every `<outline>` that names a feed, in an OPML 2.0 document.
fn opml_feeds(bytes: &[u8]) -> Vec<HashMap<String, String>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(std::str::from_utf8(bytes).unwrap());
    let mut found = Vec::new();
    let mut root = None;
    loop {
        match reader.read_event().expect("OPML is well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().as_ref().to_string();
                if root.is_none() {
                    assert_eq!(name, "opml");
                    let version = e.try_get_attribute("version").unwrap().unwrap();
                    assert_eq!(&*version.value, "2.0");
                    root = Some(name.clone());
                }
                if name == "outline" {
                    let attrs: HashMap<String, String> = e
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            (
                                a.key.as_ref().to_string(),
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .unwrap()
                                    .into_owned(),
                            )
                        })
                        .collect();
                    if attrs.contains_key("xmlUrl") {
                        found.push(attrs);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(root.is_some(), "an <opml> root");
    found
}

#[tokio::test]
async fn preview_pages_mark_the_site_language_and_say_times_plainly() {
    let config = CONFIG.replace(
        "id = \"weekly\"\ntitle = \"The Weekly\"",
        "id = \"weekly\"\ntitle = \"The Weekly\"\nlanguage = \"pt_BR\"",
    );
    assert_ne!(config, CONFIG, "the weekly site is in the config");
    let routes = InProcess::open(&config, |store| {
        for (section, entries) in stored() {
            save(store, section, &entries);
        }
    })
    .await;
    let answer = routes.get("/feeds/essays.html").await;
    assert_eq!(answer.status, 200);
    let html = scraper::Html::parse_document(&answer.text());
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    let main = html
        .select(&select("main"))
        .next()
        .expect("a main landmark");
    // The entries are in the site's language, as BCP 47 writes it.
    assert_eq!(main.value().attr("lang"), Some("pt-BR"));
    let time = html.select(&select("article time")).next().unwrap();
    assert!(time.value().attr("title").unwrap().ends_with(" UTC"));
    let shown: String = time.text().collect();
    assert_eq!(
        shown.get(10..11),
        Some(" "),
        "not a raw RFC 3339 stamp: {shown}"
    );
    let line: String = html
        .select(&select("article p.muted"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(line.contains(" ago)"), "{line}");
    // Subscribe links say which feed they are for.
    let names: Vec<&str> = html
        .select(&select(".subscribe a"))
        .filter_map(|a| a.value().attr("aria-label"))
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().all(|n| n.contains("Essays")), "{names:?}");
}
