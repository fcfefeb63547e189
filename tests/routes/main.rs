//! The HTTP routes in-process, on feeds rendered from known entries: every behaviour that is
//! about the routes alone (statuses, headers, encodings, validators, queries, pages, health,
//! metrics) is checked here, with no origin, no scrape, no binary and no port. What needs the
//! real process — the scrape → serve path end to end, real sockets and keep-alive, restarts,
//! reloads, shutdown, hostile origins, the files mirrored to `feeds/` — stays in the binary
//! tests (`feed_server`, `tass_serve`, `faults_serve`, `reload`, `serve_shutdown`).
//!
//! `feeds` checks feed documents (`/feeds/{name}.{ext}`), `pages` the HTML pages, OPML and
//! what unknown paths and methods get, `health` `/healthz` and `/metrics`: answers from
//! `server::routes`, through warp's test requests. `service` checks what the HTTP workers'
//! service adds on a connection: the fast path for plain feed requests, and hyper's `HEAD`.

#[path = "../support/mod.rs"]
mod support;

mod admin;
mod admin_page;
mod feeds;
mod health;
mod hostile;
mod media;
mod pages;
mod proxy;
mod service;
mod suggest;

use scrapefeed::model::Entry;
use support::routes::{entry, save, InProcess};

/// Where the feeds say they live.
const PUBLIC: &str = "http://feeds.example.test/sf/";

/// Two sites: `news` with `world` (every 15 minutes) and `science` (hourly), `weekly` with
/// `essays` (every four hours). Feeds: the three sections, the two sites, and `all`.
const CONFIG: &str = r#"
[server]
public_url = "http://feeds.example.test/sf/"

[[site]]
id = "news"
title = "News"
base_url = "https://news.example"
interval = "15m"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "world"
title = "World"
path = "/world"

[[site.section]]
id = "science"
title = "Science & Tech"
path = "/science"
interval = "1h"

[[site]]
id = "weekly"
title = "The Weekly"
base_url = "https://weekly.example"
interval = "4h"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "essays"
title = "Essays"
path = "/essays"
"#;

/// Every feed, with its `Cache-Control`: half its most often scraped member's interval,
/// between a minute and an hour.
const FEEDS: [(&str, &str); 6] = [
    ("world", "public, max-age=450"),
    ("science", "public, max-age=1800"),
    ("essays", "public, max-age=3600"),
    ("news", "public, max-age=450"),
    ("weekly", "public, max-age=3600"),
    ("all", "public, max-age=450"),
];

/// The formats, with their `Content-Type`.
const FORMATS: [(&str, &str); 3] = [
    ("rss", "application/rss+xml; charset=utf-8"),
    ("atom", "application/atom+xml; charset=utf-8"),
    ("json", "application/feed+json; charset=utf-8"),
];

/// The stored entries, by section.
fn stored() -> Vec<(&'static str, Vec<Entry>)> {
    let with = |mut e: Entry, summary: &str, body: Option<&str>| {
        e.summary = Some(summary.into());
        e.body = body.map(String::from);
        e
    };
    vec![
        (
            "world",
            vec![
                with(
                    entry(
                        "https://news.example/world/storm",
                        "Storm hits the coast",
                        "2026-06-10T09:00:00+03:00",
                    ),
                    "Wind and rain close the ports",
                    Some("<p>The storm came at night.</p>"),
                ),
                with(
                    entry(
                        "https://news.example/world/talks",
                        "Talks resume in Geneva",
                        "2026-06-11T10:00:00+03:00",
                    ),
                    "Diplomats meet again",
                    None,
                ),
                entry(
                    "https://news.example/world/election",
                    "Election results announced",
                    "2026-06-12T08:30:00+03:00",
                ),
            ],
        ),
        (
            "science",
            vec![
                entry(
                    "https://news.example/science/comet",
                    "New comet discovered",
                    "2026-06-09T12:00:00+03:00",
                ),
                entry(
                    "https://news.example/science/prize",
                    "Prize for storm research",
                    "2026-06-12T11:00:00+03:00",
                ),
            ],
        ),
        (
            "essays",
            vec![entry(
                "https://weekly.example/essays/slowness",
                "On slowness",
                "2026-06-01T07:00:00+01:00",
            )],
        ),
    ]
}

/// The titles each feed holds, newest first.
fn titles_of(feed: &str) -> Vec<&'static str> {
    let all = [
        ("science", "Prize for storm research"),
        ("world", "Election results announced"),
        ("world", "Talks resume in Geneva"),
        ("world", "Storm hits the coast"),
        ("science", "New comet discovered"),
        ("essays", "On slowness"),
    ];
    let members: &[&str] = match feed {
        "news" => &["world", "science"],
        "weekly" => &["essays"],
        "all" => &["world", "science", "essays"],
        section => &[section][..],
    };
    all.iter()
        .filter(|(section, _)| members.contains(section))
        .map(|(_, title)| *title)
        .collect()
}

/// The app with `stored()` saved and every feed rendered.
async fn routes() -> InProcess {
    InProcess::open(CONFIG, |store| {
        for (section, entries) in stored() {
            save(store, section, &entries);
        }
    })
    .await
}

/// The entry titles of a feed document, as feed-rs reads them.
fn titles(body: &[u8]) -> Vec<String> {
    support::parse_feed(body)
        .entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .expect("every entry has a title")
                .content
                .clone()
        })
        .collect()
}

/// The `attr` of every element `css` selects in an HTML page (values unescaped).
fn pages_links(html: &str, css: &str, attr: &str) -> Vec<String> {
    let page = scraper::Html::parse_document(html);
    page.select(&scraper::Selector::parse(css).unwrap())
        .filter_map(|e| e.value().attr(attr).map(String::from))
        .collect()
}
