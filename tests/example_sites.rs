//! The example declarations in `examples/sites/` against local copies of their sites: the
//! real binary scrapes them and the feeds must carry exactly what the pages say.

mod support;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use support::static_origin::StaticOrigin;
use support::{assert_success, parse_feed, run};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The example config with its site address pointed at the local copy and storage in `dir`.
fn example_config(dir: &Path, example: &str, real_base: &str, origin: &StaticOrigin) -> PathBuf {
    let text = std::fs::read_to_string(repo(example)).unwrap();
    assert!(text.contains(real_base));
    let text = text
        .replace(real_base, &origin.base_url())
        .replace("../../feeds/", "feeds/")
        .replace("\"../../feeds\"", "\"feeds\"")
        .replace("\ninterval = ", "\nmin_delay = \"5ms\"\ninterval = ");
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn instant(text: &str) -> Option<DateTime<Utc>> {
    Some(
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc),
    )
}

#[test]
fn russian_html_site_with_printed_datelines() {
    let origin = StaticOrigin::start(repo("tests/fixtures/sites/ru-html"));
    let dir = tempfile::tempdir().unwrap();
    let config = example_config(
        dir.path(),
        "examples/sites/vesti-kraya.toml",
        "https://vesti-kraya.example",
        &origin,
    );
    assert_success(&run(&config, &["--now", "2026-06-14T12:00:00Z", "scrape"]));
    let base = origin.base_url();

    let atom = std::fs::read(dir.path().join("feeds/vesti-kraya-news.atom")).unwrap();
    let feed = parse_feed(&atom);
    let got: Vec<(String, String, Option<DateTime<Utc>>)> = feed
        .entries
        .iter()
        .map(|e| {
            (
                e.title.clone().unwrap().content,
                e.links[0].href.clone(),
                e.published,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "Мост через Каму откроют после ремонта «в срок»".to_string(),
                format!("{base}/news/2031-most"),
                instant("2026-06-13T14:53:00+03:00")
            ),
            (
                "В Заречном построят новую школу".to_string(),
                format!("{base}/news/2030-shkola"), // tracking parameter stripped
                instant("2026-06-12T09:05:00+03:00")
            ),
            // From the second listing page, reached through the "next" link.
            (
                "Зима будет мягкой, обещают синоптики".to_string(),
                format!("{base}/news/2028-zima"),
                instant("2026-06-11T23:41:00+03:00")
            ),
        ],
        "the advertorial is filtered out, the banner without a link skipped"
    );

    let most = &feed.entries[0];
    let body = most.content.as_ref().unwrap().body.clone().unwrap();
    assert!(body.contains("Движение откроют 1 июля."), "{body}");
    assert!(
        !body.contains("Поделиться") && !body.contains("Читайте также"),
        "clutter removed: {body}"
    );
    assert!(
        body.contains(&format!("src=\"{base}/img/most-big.jpg\"")),
        "lazy image resolved: {body}"
    );
    assert!(
        body.contains(&format!("href=\"{base}/tags/most\"")),
        "{body}"
    );
    assert_eq!(most.authors[0].name.as_deref(), Some("Анна Иванова"));
    let tags: Vec<&str> = most.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(tags, ["Транспорт", "Ремонт"]);
    let school_body = feed.entries[1]
        .content
        .as_ref()
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert!(!school_body.contains("trackView"), "{school_body}");

    // The lead image of the listing (lazy-loaded: data-src) is the item's picture; the
    // fixture site has no such file (its HEAD is a 404), so it is Media RSS, not an
    // enclosure without a length.
    let rss =
        String::from_utf8(std::fs::read(dir.path().join("feeds/vesti-kraya-news.rss")).unwrap())
            .unwrap();
    assert!(
        rss.contains(&format!(
            "<media:content medium=\"image\" url=\"{base}/img/most.jpg\""
        )),
        "{rss}"
    );
    assert!(!rss.contains("length=\"0\""), "{rss}");
    assert!(
        rss.contains("<pubDate>Sat, 13 Jun 2026 14:53:00 +0300</pubDate>"),
        "{rss}"
    );
}

#[test]
fn json_ld_site_needs_only_a_listing_declaration() {
    let origin = StaticOrigin::start(repo("tests/fixtures/sites/jsonld"));
    let dir = tempfile::tempdir().unwrap();
    let config = example_config(
        dir.path(),
        "examples/sites/field-notes.toml",
        "https://fieldnotes.example",
        &origin,
    );
    assert_success(&run(&config, &["--now", "2026-03-10T00:00:00Z", "scrape"]));
    let base = origin.base_url();

    let atom = std::fs::read(dir.path().join("feeds/field-notes-posts.atom")).unwrap();
    let feed = parse_feed(&atom);
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(
        titles,
        [
            "The comet returns",
            "Life at the deep-sea vents",
            "Moss, quietly"
        ]
    );

    let comet = &feed.entries[0];
    assert_eq!(comet.published, instant("2026-03-02T08:15:00-05:00"));
    assert_eq!(comet.updated, instant("2026-03-03T10:00:00-05:00"));
    assert_eq!(
        comet.summary.as_ref().unwrap().content,
        "After 76 years, a familiar visitor & its tail."
    );
    let authors: Vec<&str> = comet
        .authors
        .iter()
        .filter_map(|a| a.name.as_deref())
        .collect();
    assert_eq!(authors, ["Maya Chen, Ole Berg"]);
    let tags: Vec<&str> = comet.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(tags, ["astronomy", "comets", "night sky"]);
    let body = comet.content.as_ref().unwrap().body.clone().unwrap();
    assert!(
        body.contains("Look east before dawn.") && !body.contains("onclick"),
        "{body}"
    );

    let vents = &feed.entries[1];
    assert_eq!(vents.published, instant("2026-02-27T16:40:00Z"));
    let tags: Vec<&str> = vents.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(tags, ["oceans", "biology"]);
    assert_eq!(vents.authors[0].name.as_deref(), Some("R. Alvarez"));

    // A date without a time is midnight in the site's zone.
    let moss = &feed.entries[2];
    assert_eq!(moss.published, instant("2026-02-20T00:00:00-05:00"));
    assert!(moss.links[0]
        .href
        .starts_with(&format!("{base}/posts/moss")));

    let rss =
        String::from_utf8(std::fs::read(dir.path().join("feeds/field-notes-posts.rss")).unwrap())
            .unwrap();
    // The image answers 404 to its HEAD: its size is unknown, so it is no enclosure (never
    // `length="0"`) but Media RSS.
    assert!(
        rss.contains(&format!(
            "<media:content medium=\"image\" url=\"{base}/media/comet.jpg\""
        )),
        "{rss}"
    );
    assert!(
        !rss.contains("<enclosure") && !rss.contains("length=\"0\""),
        "{rss}"
    );

    let atom_text = String::from_utf8(atom.clone()).unwrap();
    assert!(
        atom_text.contains(&format!(
            "<media:content medium=\"image\" url=\"{base}/media/comet.jpg\""
        )),
        "{atom_text}"
    );
    assert!(!atom_text.contains("rel=\"enclosure\""), "{atom_text}");

    // A second cron run of an unchanged site: one conditional request (the validators were
    // stored by the first run), answered 304, and nothing else but robots.txt.
    let before = origin.log.lock().unwrap().len();
    assert_success(&run(&config, &["--now", "2026-03-10T00:15:00Z", "scrape"]));
    let second: Vec<(String, u16)> = origin.log.lock().unwrap()[before..].to_vec();
    assert_eq!(
        second,
        vec![("/robots.txt".to_string(), 404), ("/".to_string(), 304)]
    );
}

#[test]
fn check_explains_the_example_declarations() {
    let origin = StaticOrigin::start(repo("tests/fixtures/sites/ru-html"));
    let dir = tempfile::tempdir().unwrap();
    let config = example_config(
        dir.path(),
        "examples/sites/vesti-kraya.toml",
        "https://vesti-kraya.example",
        &origin,
    );
    let output = run(
        &config,
        &["--now", "2026-06-14T12:00:00Z", "check", "--json"],
    );
    assert_success(&output);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let section = &report[0];
    assert_eq!(section["pages"], 2);
    assert_eq!(section["skipped"], 1, "the banner has no link");
    let first = &section["articles"][0];
    let title = first["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "title")
        .unwrap();
    assert_eq!(title["rule"], "css \"h1.article__title\" text");
    assert_eq!(
        first["published_rule"],
        "css \".article__date\" text regex \"Опубликовано:\\\\s*(.+)\""
    );
    // `summary` is not declared for articles and the generic reader finds nothing on these
    // pages: the listing fills in.
    let summary = first["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "summary")
        .unwrap();
    assert_eq!(summary["rule"], "listing");
    assert_eq!(summary["missed"].as_array().unwrap().len(), 0);
    let warnings: Vec<&str> = section["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    // A field left to the generic reader has no rules that could miss: no warning about it.
    assert!(
        !warnings.iter().any(|w| w.contains("article.summary")),
        "{warnings:?}"
    );
    // A sound listing declaration: none of the slips `check` looks for (issue 15).
    assert!(
        !warnings.iter().any(|w| w.starts_with("listing.fields.")),
        "{warnings:?}"
    );
}
