//! End to end: the real binary's `scrape` against the local TASS copy, feeds read back with
//! feed-rs. Every listed article must appear once per section, with its exact title, an
//! absolute link and the exact instant; nothing may be lost or duplicated by a re-scrape.

mod support;

use chrono::{DateTime, Utc};
use support::origin::{Article, Origin, Page, SiteModel, SECTIONS};
use support::{assert_success, parse_feed, run, write_config};

fn feed_file(dir: &std::path::Path, section: &str, ext: &str) -> Vec<u8> {
    std::fs::read(dir.join("feeds").join(format!("{section}.{ext}")))
        .unwrap_or_else(|e| panic!("feeds/{section}.{ext}: {e}"))
}

/// Checks both documents of a section against the origin's model.
fn assert_section_matches(
    dir: &std::path::Path,
    origin: &Origin,
    slug: &str,
    expected: &[&Article],
) {
    let mut expected: Vec<&Article> = expected.to_vec();
    expected.sort_by_key(|a| std::cmp::Reverse(a.published));
    for ext in ["rss", "atom"] {
        let feed = parse_feed(&feed_file(dir, slug, ext));
        let got: Vec<(String, String, Option<DateTime<Utc>>)> = feed
            .entries
            .iter()
            .map(|e| {
                (
                    e.title
                        .as_ref()
                        .map(|t| t.content.clone())
                        .unwrap_or_default(),
                    e.links.first().map(|l| l.href.clone()).unwrap_or_default(),
                    e.published,
                )
            })
            .collect();
        let want: Vec<(String, String, Option<DateTime<Utc>>)> = expected
            .iter()
            .map(|a| {
                (
                    a.title.clone(),
                    format!("{}{}", origin.base_url(), a.path()),
                    Some(a.published.with_timezone(&Utc)),
                )
            })
            .collect();
        assert_eq!(got, want, "{slug}.{ext}");
    }
}

#[test]
fn scrape_gives_nine_sections_with_exact_titles_links_and_instants() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let output = run(&config, &["scrape"]);
    assert_success(&output);

    let model = origin.model();
    for (slug, _, _) in SECTIONS {
        assert_section_matches(dir.path(), &origin, slug, &model.in_section(slug));
    }

    // RSS dates carry TASS's own offset, in the numeric form every reader understands.
    let rss = String::from_utf8(feed_file(dir.path(), "politics", "rss")).unwrap();
    assert!(rss.contains("+0300</pubDate>"), "{rss}");
    assert!(
        rss.contains("<atom:link href=\"http://127.0.0.1:8080/feeds/politics.rss\" rel=\"self\""),
        "{rss}"
    );
    let atom = String::from_utf8(feed_file(dir.path(), "politics", "atom")).unwrap();
    assert!(atom.contains("+03:00</published>"), "{atom}");
}

#[test]
fn bodies_are_sanitized_and_links_absolute() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    assert_success(&run(&config, &["scrape"]));
    let model = origin.model();
    let hostile: Vec<&Article> = model
        .articles
        .iter()
        .filter(|a| a.page == Page::Hostile)
        .collect();
    assert!(!hostile.is_empty());
    for a in hostile {
        let feed = parse_feed(&feed_file(dir.path(), a.section, "atom"));
        let link = format!("{}{}", origin.base_url(), a.path());
        let entry = feed
            .entries
            .iter()
            .find(|e| e.links[0].href == link)
            .expect("hostile entry present");
        let body = entry
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .expect("body kept");
        for bad in [
            "<script",
            "onclick",
            "onmouseover",
            "onerror",
            "javascript:",
            "<iframe",
            "<style",
            "evil.example",
        ] {
            assert!(!body.contains(bad), "{bad} survived in {body}");
        }
        assert!(body.contains("Second paragraph."), "{body}");
        assert!(
            body.contains(&format!("href=\"{}/world/1\"", origin.base_url())),
            "{body}"
        );
        // Tags become categories.
        let terms: Vec<&str> = entry.categories.iter().map(|c| c.term.as_str()).collect();
        assert!(terms.contains(&"Russia"), "{terms:?}");
    }
}

#[test]
fn missing_fields_and_missing_pages_fall_back_to_the_listing() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    assert_success(&run(&config, &["scrape"]));
    let model = origin.model();
    let fallbacks: Vec<&Article> = model
        .articles
        .iter()
        .filter(|a| matches!(a.page, Page::Missing | Page::Headless))
        .collect();
    assert!(fallbacks.len() >= 2);
    for a in fallbacks {
        let feed = parse_feed(&feed_file(dir.path(), a.section, "rss"));
        let link = format!("{}{}", origin.base_url(), a.path());
        let entry = feed
            .entries
            .iter()
            .find(|e| e.links[0].href == link)
            .unwrap_or_else(|| panic!("{link} kept"));
        assert_eq!(entry.title.as_ref().unwrap().content, a.title);
        // The RSS description is HTML (readers render it so): the plain lead, escaped.
        let summary = entry.summary.as_ref().unwrap();
        assert_eq!(summary.content_type.to_string(), "text/html");
        assert_eq!(html_escape::decode_html_entities(&summary.content), a.lead);
        assert_eq!(entry.published, Some(a.published.with_timezone(&Utc)));
    }
}

#[test]
fn rescrape_fetches_no_article_twice_and_loses_nothing() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    assert_success(&run(&config, &["scrape"]));
    let before: Vec<Vec<u8>> = SECTIONS
        .iter()
        .map(|s| feed_file(dir.path(), s.0, "atom"))
        .collect();

    origin.clear_log();
    assert_success(&run(&config, &["scrape"]));
    let article_requests: Vec<_> = origin
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.matches('/').count() == 2)
        .collect();
    assert_eq!(
        article_requests,
        vec![],
        "stored articles are not fetched again"
    );
    let shells = origin
        .requests()
        .into_iter()
        .filter(|r| {
            r.method == "GET" && r.path.matches('/').count() == 1 && r.path != "/robots.txt"
        })
        .count();
    assert_eq!(
        shells, 0,
        "section ids read from the section pages are reused from the store"
    );
    let after: Vec<Vec<u8>> = SECTIONS
        .iter()
        .map(|s| feed_file(dir.path(), s.0, "atom"))
        .collect();
    assert!(
        before == after,
        "an unchanged site leaves the feeds byte for byte the same"
    );

    // An article drops off the listing and a new one arrives: both are in the feed.
    let dropped = origin.model().in_section("politics")[0].id;
    {
        let mut site = origin.site.lock().unwrap();
        site.unlisted.push(dropped);
        let mut fresh = SiteModel::tass().in_section("politics")[0].clone();
        fresh.id = 1_000_500;
        fresh.title = "A fresh story".into();
        fresh.published += chrono::Duration::minutes(30);
        site.articles.push(fresh);
    }
    assert_success(&run(&config, &["scrape", "politics"]));
    let model = origin.model();
    let politics = model.in_section("politics");
    assert_eq!(politics.len(), 4);
    assert_section_matches(dir.path(), &origin, "politics", &politics);
}

#[test]
fn a_new_years_eve_dateline_read_in_january_is_last_year() {
    let mut model = SiteModel::tass();
    model.articles.push(SiteModel::new_years_eve());
    let origin = Origin::start(model);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    // 03:30 in Moscow on January 1st, 2027.
    assert_success(&run(
        &config,
        &["--now", "2027-01-01T00:30:00Z", "scrape", "politics"],
    ));
    let feed = parse_feed(&feed_file(dir.path(), "politics", "rss"));
    let eve = feed
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content == "Putin's New Year address")
        .expect("dateline-only article kept");
    assert_eq!(
        eve.published.unwrap().to_rfc3339(),
        "2026-12-31T20:41:00+00:00"
    );
    let rss = String::from_utf8(feed_file(dir.path(), "politics", "rss")).unwrap();
    assert!(
        rss.contains("<pubDate>Thu, 31 Dec 2026 23:41:00 +0300</pubDate>"),
        "{rss}"
    );
}

#[test]
fn a_site_that_refuses_bare_clients_is_a_clear_error() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    // Without the browser-like headers the origin answers 403, as tass.com does.
    let config = support::write_config_with(dir.path(), &origin.base_url(), |text| {
        let start = text.find("[site.headers]").unwrap();
        let end = start + text[start..].find("\n\n").unwrap();
        format!("{}{}", &text[..start], &text[end..])
    });
    let output = run(&config, &["scrape", "economy"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("section \"economy\""), "{stderr}");
    assert!(stderr.contains("HTTP 403"), "{stderr}");
    assert!(stderr.contains("/userApi/categoryNewsList"), "{stderr}");
}

#[test]
fn check_previews_fields_and_rules_without_storing() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let output = run(&config, &["check", "tass/politics"]);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("page parameter section_id = \"4954\""),
        "{stdout}"
    );
    assert!(stdout.contains("listing: 3 items"), "{stdout}");
    assert!(
        stdout.contains("[css \"h1.news-header__title\" text]"),
        "{stdout}"
    );
    assert!(stdout.contains("[json_ld \"datePublished\"]"), "{stdout}");
    // The TASS declaration is sound: none of the listing slips `check` warns about.
    assert!(!stdout.contains("warning: listing.fields."), "{stdout}");
    assert!(
        !dir.path().join("data").join("scrapefeed.db").exists()
            && !dir.path().join("feeds").join("scrapefeed.db").exists(),
        "check stores nothing"
    );
}

#[test]
fn pagination_by_cursor_reads_older_pages() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    // One item per page; the API's `lastTime` cursor leads to the older ones.
    let config = support::write_config_with(dir.path(), &origin.base_url(), |text| {
        text.replace("\"limit\": 20", "\"limit\": 1").replace(
            "[site.listing.fields]",
            "[site.listing.pagination]\npages = 5\ncursor = { path = \"lastTime\" }\nbody = '{\"sectionId\": {{section_id}}, \"limit\": 1, \"type\": \"all\", \"lastTime\": {{cursor}}}'\n\n[site.listing.fields]",
        )
    });
    assert_success(&run(&config, &["scrape", "politics"]));
    let model = origin.model();
    assert_section_matches(
        dir.path(),
        &origin,
        "politics",
        &model.in_section("politics"),
    );
    let listing_requests = origin
        .requests()
        .iter()
        .filter(|r| r.path == "/userApi/categoryNewsList")
        .count();
    // Three items, then a fourth request that comes back empty and ends the walk.
    assert_eq!(listing_requests, 4);
}

#[test]
fn section_filters_keep_only_matching_entries() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = support::write_config_with(dir.path(), &origin.base_url(), |text| {
        text.replace(
            "id = \"world\"\ntitle = \"World\"",
            "id = \"world\"\ntitle = \"World\"\nexclude = [\"story 1\", \"/vanished/\"]",
        )
    });
    assert_success(&run(&config, &["scrape", "world"]));
    let model = origin.model();
    let kept: Vec<&Article> = model
        .in_section("world")
        .into_iter()
        .filter(|a| !a.title.contains("story 1") && !a.title.contains("vanished"))
        .collect();
    assert_eq!(kept.len(), 2);
    assert_section_matches(dir.path(), &origin, "world", &kept);
}
