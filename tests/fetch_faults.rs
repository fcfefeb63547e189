//! The fetcher against a misbehaving origin: every fault ends in a specific error (or a
//! success after the allowed retries), never a panic or a hang, and the retry timing
//! follows the rules.

mod support;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use scrapefeed::config::Config;
use scrapefeed::fetch::{FetchError, Fetcher, Request};
use support::faulty::Faulty;
use tokio_util::sync::CancellationToken;
use url::Url;

fn site_config(origin: &Faulty, extra: &str) -> Config {
    site_config_at(&origin.url(""), extra)
}

fn site_config_at(base: &str, extra: &str) -> Config {
    let text = format!(
        r#"[[site]]
id = "faulty"
base_url = "{base}"
timeout = "1s"
min_delay = "0s"
retries = 2
retry_delay = "50ms"
max_retry_wait = "5s"
{extra}

[site.listing]
type = "html"
items = "ul.news li"

[site.listing.fields]
link = {{ css = "a", attr = "href" }}

[[site.section]]
id = "ok"
path = "/ok"
"#
    );
    Config::parse(&text, Path::new(".")).unwrap()
}

async fn get(fetcher: &Fetcher, config: &Config, path: &str) -> Result<String, FetchError> {
    let url = Url::parse(&format!(
        "{}{path}",
        config.sites[0].base_url.as_str().trim_end_matches('/')
    ))
    .unwrap();
    fetcher
        .fetch(
            Request::get(&config.sites[0], &url),
            &CancellationToken::new(),
        )
        .await
        .map(|p| p.text)
}

#[tokio::test]
async fn hanging_and_slow_servers_time_out() {
    let origin = Faulty::start();
    let config = site_config(&origin, "");
    let fetcher = Fetcher::new().unwrap();
    for path in ["/hang", "/slow"] {
        let started = Instant::now();
        let error = get(&fetcher, &config, path).await.unwrap_err();
        assert!(
            matches!(error, FetchError::Timeout { .. }),
            "{path}: {error}"
        );
        assert!(error.to_string().contains("timed out after 1s"), "{error}");
        // Three attempts of one second each, plus backoff: well under the hang.
        assert!(
            started.elapsed() < Duration::from_secs(6),
            "{path} took {:?}",
            started.elapsed()
        );
        assert_eq!(origin.hits_of(path).len(), 3, "{path}: retried twice");
    }
}

#[tokio::test]
async fn server_errors_are_retried_client_errors_are_not() {
    let origin = Faulty::start();
    let config = site_config(&origin, "");
    let fetcher = Fetcher::new().unwrap();
    let error = get(&fetcher, &config, "/status/500").await.unwrap_err();
    assert!(error.to_string().contains("HTTP 500"), "{error}");
    assert_eq!(origin.hits_of("/status/500").len(), 3);
    let error = get(&fetcher, &config, "/status/403").await.unwrap_err();
    assert!(error.to_string().contains("HTTP 403"), "{error}");
    assert_eq!(origin.hits_of("/status/403").len(), 1);
    let page = get(&fetcher, &config, "/flaky").await.unwrap();
    assert!(page.contains("Good article"));
    assert_eq!(
        origin.hits_of("/flaky").len(),
        3,
        "two failures, then success"
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let origin = Faulty::start();
    let config = site_config(&origin, "");
    let fetcher = Fetcher::new().unwrap();
    let page = get(&fetcher, &config, "/limited").await.unwrap();
    assert!(page.contains("Good article"));
    let hits = origin.hits_of("/limited");
    assert_eq!(hits.len(), 2);
    let gap = hits[1] - hits[0];
    assert!(
        gap >= Duration::from_millis(990),
        "waited only {gap:?} for Retry-After: 1"
    );
    assert!(gap < Duration::from_secs(3), "waited {gap:?}");

    // A Retry-After longer than max_retry_wait fails at once, carrying the delay for the
    // scheduler's backoff.
    let started = Instant::now();
    let error = get(&fetcher, &config, "/busy").await.unwrap_err();
    assert_eq!(
        error.retry_after(),
        Some(Duration::from_secs(120)),
        "{error}"
    );
    assert!(
        error.to_string().contains("HTTP 503 (retry after 120s)"),
        "{error}"
    );
    assert_eq!(origin.hits_of("/busy").len(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn redirect_loops_endless_bodies_and_bombs_are_cut_off() {
    let origin = Faulty::start();
    let config = site_config(&origin, "");
    let fetcher = Fetcher::new().unwrap().with_max_body(1 << 20);
    let error = get(&fetcher, &config, "/loop/a").await.unwrap_err();
    assert!(error.to_string().contains("redirect loop"), "{error}");
    for path in ["/endless", "/bomb"] {
        let started = Instant::now();
        let error = get(&fetcher, &config, path).await.unwrap_err();
        assert!(
            matches!(error, FetchError::TooLarge { limit: 1048576, .. }),
            "{path}: {error}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    let error = get(&fetcher, &config, "/close").await.unwrap_err();
    assert!(matches!(error, FetchError::Network { .. }), "{error}");
}

#[tokio::test]
async fn undeclared_windows_1251_and_garbage_are_read_without_panicking() {
    let origin = Faulty::start();
    let config = site_config(&origin, "");
    let fetcher = Fetcher::new().unwrap();
    let page = get(&fetcher, &config, "/cp1251").await.unwrap();
    assert!(page.contains("Президент России провёл совещание"), "{page}");
    let garbage = get(&fetcher, &config, "/garbage").await.unwrap();
    let extracted = scrapefeed::extract::extract(
        &garbage,
        &Url::parse(&origin.url("/garbage")).unwrap(),
        &scrapefeed::extract::Plan::new(&config.sites[0].article),
    );
    assert!(extracted.title.is_none());
}

#[tokio::test]
async fn robots_txt_is_obeyed_unless_the_site_opts_out() {
    let origin = Faulty::start();
    let fetcher = Fetcher::new().unwrap();
    let config = site_config(&origin, "");
    let error = get(&fetcher, &config, "/status/418").await.unwrap_err();
    assert!(error.to_string().contains("disallowed by"), "{error}");
    assert!(error.to_string().contains("/robots.txt"), "{error}");
    assert!(origin.hits_of("/status/418").is_empty(), "never requested");
    assert_eq!(origin.hits_of("/robots.txt").len(), 1);
    get(&fetcher, &config, "/ok").await.unwrap();
    assert_eq!(origin.hits_of("/robots.txt").len(), 1, "cached");

    let permitted = site_config(&origin, "obey_robots = false");
    let error = get(&Fetcher::new().unwrap(), &permitted, "/status/418")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("HTTP 418"), "{error}");
}

#[tokio::test]
async fn a_robots_txt_that_answers_503_pauses_the_site_without_banning_it() {
    let origin = Faulty::start();
    origin.robots_down.store(true, Ordering::SeqCst);
    let fetcher = Fetcher::new().unwrap();
    let config = site_config(&origin, "");
    let error = get(&fetcher, &config, "/ok").await.unwrap_err();
    assert!(matches!(error, FetchError::Unreachable { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "site unreachable: robots.txt at {} could not be read: HTTP 503",
            origin.url("/robots.txt")
        )),
        "{message}"
    );
    assert!(!message.contains("disallowed"), "{message}");
    assert!(
        origin.hits_of("/ok").is_empty(),
        "nothing fetched meanwhile"
    );

    // Not remembered: the next request reads robots.txt again, and goes ahead once it answers.
    get(&fetcher, &config, "/ok").await.unwrap_err();
    assert_eq!(origin.hits_of("/robots.txt").len(), 2);
    origin.robots_down.store(false, Ordering::SeqCst);
    get(&fetcher, &config, "/ok").await.unwrap();
    assert_eq!(origin.hits_of("/robots.txt").len(), 3);
    let error = get(&fetcher, &config, "/status/418").await.unwrap_err();
    assert!(matches!(error, FetchError::Robots { .. }), "{error}");
    assert_eq!(origin.hits_of("/robots.txt").len(), 3, "rules are cached");
}

#[tokio::test]
async fn a_refused_connection_is_an_unreachable_site_not_a_disallowed_page() {
    // A port nobody listens on: the kernel refuses the connection at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let config = site_config_at(&base, "");
    let fetcher = Fetcher::new().unwrap();
    for _ in 0..2 {
        let error = get(&fetcher, &config, "/ok").await.unwrap_err();
        let message = error.to_string();
        assert!(error.is_unreachable(), "{message}");
        assert!(
            message.starts_with(&format!(
                "site unreachable: robots.txt at {base}/robots.txt could not be read: "
            )),
            "{message}"
        );
        assert!(message.to_lowercase().contains("connect"), "{message}");
        assert!(!message.contains("disallowed"), "{message}");
    }
}
