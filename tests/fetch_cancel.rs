//! Every wait in fetching ends when the scrape's cancellation token fires (shutdown, a
//! config reload): the politeness gap, retry backoff, `Retry-After`, the robots.txt read and
//! the request itself. A fetch ends with `FetchError::Cancelled`; a scrape ends with a
//! `cancelled` report, having stored what it had read.
//!
//! Each test lets the origin see that the wait has begun, then cancels, and expects the
//! answer well within the wait (every wait here is 30 s or more).

mod support;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use scrapefeed::clock::SystemClock;
use scrapefeed::config::Config;
use scrapefeed::fetch::{FetchError, Fetched, Fetcher, Request};
use scrapefeed::pipeline::Scraper;
use scrapefeed::store::{AsyncStore, SqliteStore};
use support::faulty::Faulty;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

/// How long anything that should happen at once may take on a loaded machine: far below
/// every wait the tests interrupt.
const PROMPTLY: Duration = Duration::from_secs(5);

/// One site on `origin` whose section reads `path`; `extra` adds site keys.
fn site(origin: &Faulty, path: &str, extra: &str) -> Config {
    let text = format!(
        r#"[[site]]
id = "faulty"
base_url = "{base}"
timezone = "Europe/Moscow"
max_retry_wait = "60s"
{extra}

[site.listing]
type = "html"
items = "ul.news li"

[site.listing.fields]
link = {{ css = "a", attr = "href" }}
title = {{ css = "a" }}
published = {{ css = "time", attr = "datetime" }}

[site.article]
title = [{{ css = "h1.title" }}]
body = [{{ css = ".text", html = true }}]

[[site.section]]
id = "news"
path = "{path}"
"#,
        base = origin.url("")
    );
    Config::parse(&text, Path::new(".")).unwrap()
}

/// Starts a fetch of `path` that `cancel` can stop.
fn spawn_fetch(
    fetcher: &Arc<Fetcher>,
    config: &Arc<Config>,
    path: &str,
    cancel: &CancellationToken,
) -> JoinHandle<Result<Fetched, FetchError>> {
    let (fetcher, config, cancel) = (fetcher.clone(), config.clone(), cancel.clone());
    let url = Url::parse(&format!(
        "{}{path}",
        config.sites[0].base_url.as_str().trim_end_matches('/')
    ))
    .unwrap();
    tokio::spawn(async move {
        fetcher
            .fetch(Request::get(&config.sites[0], &url), &cancel)
            .await
    })
}

/// Cancels and expects the fetch to end, cancelled, promptly.
async fn cancel_now(
    cancel: &CancellationToken,
    fetch: JoinHandle<Result<Fetched, FetchError>>,
) -> FetchError {
    cancel.cancel();
    let result = tokio::time::timeout(PROMPTLY, fetch)
        .await
        .expect("the fetch ends as soon as it is cancelled")
        .unwrap();
    let error = result.unwrap_err();
    assert!(error.is_cancelled(), "{error}");
    error
}

#[tokio::test]
async fn the_politeness_gap_ends_on_cancellation() {
    let origin = Faulty::start();
    let config = Arc::new(site(&origin, "/ok", "min_delay = \"40s\""));
    let fetcher = Arc::new(Fetcher::new().unwrap());
    let cancel = CancellationToken::new();
    // robots.txt goes first; the page itself must then wait 40 s.
    let fetch = spawn_fetch(&fetcher, &config, "/ok", &cancel);
    origin.wait_for_hits("/robots.txt", 1, PROMPTLY).await;
    let error = cancel_now(&cancel, fetch).await;
    assert_eq!(
        error.to_string(),
        format!(
            "{}: cancelled before an answer (shutdown or config reload)",
            origin.url("/ok")
        )
    );
    assert!(origin.hits_of("/ok").is_empty(), "never sent");

    // A cancelled fetch sends nothing at all.
    let fetch = spawn_fetch(&fetcher, &config, "/ok/article/1", &cancel);
    assert!(fetch.await.unwrap().unwrap_err().is_cancelled());
    assert!(origin.hits_of("/ok/article/1").is_empty());
}

#[tokio::test]
async fn retry_after_and_backoff_end_on_cancellation() {
    let origin = Faulty::start();
    let config = Arc::new(site(
        &origin,
        "/ok",
        "min_delay = \"0s\"\nobey_robots = false\nretries = 5\nretry_delay = \"10s\"",
    ));
    let fetcher = Arc::new(Fetcher::new().unwrap());

    // The server asks for 30 s (within max_retry_wait): the fetch waits for it.
    let cancel = CancellationToken::new();
    let fetch = spawn_fetch(&fetcher, &config, "/retry-after/30", &cancel);
    origin.wait_for_hits("/retry-after/30", 1, PROMPTLY).await;
    cancel_now(&cancel, fetch).await;
    assert_eq!(origin.hits_of("/retry-after/30").len(), 1);

    // Backoff after a 500: up to 10 s, 20 s, 40 s… (full jitter). Five retries cannot all
    // be over before the cancellation, in practice. A fetcher of its own: the one above
    // keeps the origin waiting the 30 s its server asked for, cancelled or not.
    let fetcher = Arc::new(Fetcher::new().unwrap());
    let cancel = CancellationToken::new();
    let fetch = spawn_fetch(&fetcher, &config, "/status/500", &cancel);
    origin.wait_for_hits("/status/500", 1, PROMPTLY).await;
    cancel_now(&cancel, fetch).await;
    assert!(origin.hits_of("/status/500").len() < 6);
}

#[tokio::test]
async fn a_request_in_flight_and_a_robots_txt_read_end_on_cancellation() {
    let origin = Faulty::start();
    let config = Arc::new(site(
        &origin,
        "/ok",
        "min_delay = \"0s\"\ntimeout = \"60s\"",
    ));
    let fetcher = Arc::new(Fetcher::new().unwrap());

    let cancel = CancellationToken::new();
    origin.stall_robots.store(true, Ordering::SeqCst);
    let fetch = spawn_fetch(&fetcher, &config, "/ok", &cancel);
    origin.wait_for_hits("/robots.txt", 1, PROMPTLY).await;
    cancel_now(&cancel, fetch).await;
    // The abandoned read cached nothing: the next request reads robots.txt again.
    origin.stall_robots.store(false, Ordering::SeqCst);
    let again = spawn_fetch(&fetcher, &config, "/ok", &CancellationToken::new());
    assert!(again.await.unwrap().unwrap().text.contains("Good article"));
    assert_eq!(origin.hits_of("/robots.txt").len(), 2);

    let cancel = CancellationToken::new();
    let fetch = spawn_fetch(&fetcher, &config, "/hang", &cancel);
    origin.wait_for_hits("/hang", 1, PROMPTLY).await;
    cancel_now(&cancel, fetch).await;
}

fn scraper(config: &Config) -> Arc<Scraper> {
    Arc::new(Scraper::new(
        Fetcher::new().unwrap(),
        AsyncStore::new(SqliteStore::in_memory().unwrap()),
        Arc::new(SystemClock),
        config,
    ))
}

#[tokio::test]
async fn a_scrape_cancelled_in_a_politeness_gap_stops_and_stores_nothing() {
    let origin = Faulty::start();
    let config = Arc::new(site(&origin, "/ok", "min_delay = \"40s\""));
    let scraper = scraper(&config);
    let cancel = CancellationToken::new();
    let scrape = tokio::spawn({
        let (scraper, config, cancel) = (scraper.clone(), config.clone(), cancel.clone());
        async move {
            let (site, section) = config.sections().next().unwrap();
            scraper.scrape(site, section, &cancel).await
        }
    });
    // The listing waits 40 s behind robots.txt.
    origin.wait_for_hits("/robots.txt", 1, PROMPTLY).await;
    cancel.cancel();
    let report = tokio::time::timeout(PROMPTLY, scrape)
        .await
        .expect("the scrape ends as soon as it is cancelled")
        .unwrap()
        .expect("a cancelled scrape is no failure");
    assert!(report.cancelled, "{report:?}");
    assert_eq!(report.saved, Default::default());
    assert!(
        origin.hits_of("/ok").is_empty(),
        "the listing was never asked for"
    );
}

#[tokio::test]
async fn a_scrape_cancelled_among_its_articles_stores_what_it_read() {
    let origin = Faulty::start();
    let config = Arc::new(site(
        &origin,
        "/mixed",
        "min_delay = \"0s\"\nobey_robots = false\nretries = 2",
    ));
    let scraper = scraper(&config);
    let cancel = CancellationToken::new();
    let scrape = tokio::spawn({
        let (scraper, config, cancel) = (scraper.clone(), config.clone(), cancel.clone());
        async move {
            let (site, section) = config.sections().next().unwrap();
            scraper.scrape(site, section, &cancel).await
        }
    });
    // The first article is read; the second one's server asks for 30 s.
    origin.wait_for_hits("/retry-after/30", 1, PROMPTLY).await;
    cancel.cancel();
    let report = tokio::time::timeout(PROMPTLY, scrape)
        .await
        .expect("the scrape ends as soon as it is cancelled")
        .unwrap()
        .unwrap();
    assert!(report.cancelled, "{report:?}");
    assert_eq!((report.listed, report.fetched), (3, 1), "{report:?}");
    assert_eq!(report.saved.inserted, 1, "{report:?}");
    assert!(origin.hits_of("/ok/article/2").is_empty());
}
