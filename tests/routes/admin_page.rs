//! The index page as the operator's view: each section's state, its last error in full (not a
//! tooltip), the last success and the next run said relative to now with the exact time
//! kept, each site's language on its block, and feed links named for their feed.

use chrono::{TimeDelta, Utc};
use scrapefeed::store::RunRecord;

use super::support::routes::{save, InProcess};
use super::{stored, CONFIG};

const LONG_ERROR: &str = "site \"news\", section \"science\": listing request failed: GET https://news.example/science/a-very-long-path-that-goes-on-and-on-and-on-and-on-and-on-and-on-and-on: HTTP 503";

/// `science` failed its last two runs after a success an hour ago; `world` succeeded 12
/// minutes ago; `essays` never ran. The weekly site is in Russian.
async fn with_history() -> InProcess {
    let config = CONFIG.replace(
        "title = \"The Weekly\"\n",
        "title = \"The Weekly\"\nlanguage = \"ru\"\n",
    );
    let now = Utc::now();
    let run = |feed: &str, minutes_ago: i64, error: Option<&str>| RunRecord {
        feed: feed.into(),
        started: now - TimeDelta::minutes(minutes_ago),
        duration_ms: 120,
        error: error.map(String::from),
        http_status: error.map(|_| 503),
        new_entries: 0,
        updated_entries: 0,
    };
    let routes = InProcess::open(&config, |store| {
        for (section, entries) in stored() {
            if section != "essays" {
                save(store, section, &entries);
            }
        }
        store.record_run(&run("world", 12, None)).unwrap();
        store.record_run(&run("science", 60, None)).unwrap();
        store
            .record_run(&run("science", 30, Some(LONG_ERROR)))
            .unwrap();
        store
            .record_run(&run("science", 5, Some(LONG_ERROR)))
            .unwrap();
    })
    .await;
    let app = routes.app();
    app.set_next_run("world", now + TimeDelta::seconds(4 * 60 + 10));
    app.set_next_run("science", now - TimeDelta::seconds(5));
    routes
}

fn texts(page: &scraper::Html, css: &str) -> Vec<String> {
    page.select(&scraper::Selector::parse(css).unwrap())
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

fn attrs(page: &scraper::Html, css: &str, attr: &str) -> Vec<String> {
    page.select(&scraper::Selector::parse(css).unwrap())
        .filter_map(|e| e.value().attr(attr).map(String::from))
        .collect()
}

#[tokio::test]
async fn each_section_shows_its_state_error_times_and_entries() {
    let routes = with_history().await;
    let answer = routes.get("/").await;
    assert_eq!(answer.status, 200);
    let page = scraper::Html::parse_document(&answer.text());

    // The last error in full, as visible text, with its status; no tooltip.
    assert_eq!(texts(&page, "#feed-science .error .message"), [LONG_ERROR]);
    assert!(texts(&page, "#feed-science .error")
        .concat()
        .contains("(HTTP 503)"));
    assert!(attrs(&page, "[title]", "title")
        .iter()
        .all(|t| !t.contains("listing request failed")));
    assert_eq!(texts(&page, "#feed-science .badge"), ["failing (2×)"]);
    assert_eq!(texts(&page, "#feed-world .badge"), ["ok"]);
    assert_eq!(texts(&page, "#feed-essays .badge"), ["not run yet"]);
    assert!(texts(&page, "#feed-world .error").is_empty());

    // Relative times, the exact one in <time datetime> and its title.
    let world = texts(&page, "#feed-world dd");
    assert_eq!(
        world,
        ["12 min ago", "in 4 min", "3"],
        "last success, next run, entries"
    );
    let stamps = attrs(&page, "#feed-world time", "datetime");
    assert_eq!(stamps.len(), 2);
    assert!(
        stamps.iter().all(|s| s.ends_with('Z') && s.len() == 20),
        "{stamps:?}"
    );
    assert!(attrs(&page, "#feed-world time", "title")
        .iter()
        .all(|t| t.ends_with(" UTC")));
    assert_eq!(
        texts(&page, "#feed-science dd"),
        ["60 min ago", "due now", "2"]
    );
    assert_eq!(
        texts(&page, "#feed-essays dd"),
        ["never", "not scheduled", "0"]
    );
    assert_eq!(texts(&page, "#feed-news .badge"), ["failing (1 section)"]);
}

#[tokio::test]
async fn sites_carry_their_language_and_feed_links_say_which_feed() {
    let routes = with_history().await;
    let page = scraper::Html::parse_document(&routes.get("/").await.text());
    assert_eq!(
        attrs(&page, "html", "lang"),
        ["en"],
        "the interface's language"
    );
    assert_eq!(attrs(&page, "section.site[lang]", "lang"), ["ru"]);
    assert_eq!(texts(&page, "section.site[lang=ru] h2"), ["The Weekly"]);
    // Interface text inside a foreign site's block is marked English again.
    assert_eq!(
        texts(&page, "section.site[lang=ru] div[lang=en] dt").len(),
        5
    );
    let names = attrs(&page, "#feed-science a[type]", "aria-label");
    assert_eq!(
        names,
        [
            "RSS feed for News: Science & Tech",
            "Atom feed for News: Science & Tech",
            "JSON feed for News: Science & Tech",
        ]
    );
    assert_eq!(attrs(&page, "main", "id"), ["main"]);
    assert_eq!(attrs(&page, "a.skip", "href"), ["#main"]);
}
