//! The fetcher is fair between origins and between the sections of one host: nothing one
//! origin does (a robots.txt that stalls) makes another origin's requests wait, concurrent
//! requests share one robots.txt fetch, and a request that hangs holds its host's slot for
//! one timeout at a time, so a sibling's request goes between its attempts.
//!
//! The assertions are about order (which request reached which origin first, what has been
//! answered while something else stalls), not about how long things took.

mod support;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use scrapefeed::config::Config;
use scrapefeed::fetch::{FetchError, Fetched, Fetcher, Request};
use support::faulty::Faulty;
use tokio_util::sync::CancellationToken;
use url::Url;

/// How long a test waits for something that should happen at once.
const DEADLINE: Duration = Duration::from_secs(10);

/// One site on `origin`; `extra` adds site keys.
fn site(origin: &Faulty, extra: &str) -> Config {
    let text = format!(
        r#"[[site]]
id = "faulty"
base_url = "{base}"
min_delay = "0s"
retry_delay = "50ms"
{extra}

[site.listing]
type = "html"
items = "ul.news li"

[site.listing.fields]
link = {{ css = "a", attr = "href" }}

[[site.section]]
id = "ok"
path = "/ok"
"#,
        base = origin.url("")
    );
    Config::parse(&text, Path::new(".")).unwrap()
}

async fn get(fetcher: &Fetcher, config: &Config, path: &str) -> Result<Fetched, FetchError> {
    let url = Url::parse(&format!(
        "{}{path}",
        config.sites[0].base_url.as_str().trim_end_matches('/')
    ))
    .unwrap();
    let never = CancellationToken::new();
    fetcher
        .fetch(Request::get(&config.sites[0], &url), &never)
        .await
}

#[tokio::test]
async fn a_stalling_robots_txt_delays_only_its_own_origin() {
    let (stalling, healthy) = (Faulty::start(), Faulty::start());
    stalling.stall_robots.store(true, Ordering::SeqCst);
    let (stalling_site, healthy_site) = (site(&stalling, ""), site(&healthy, ""));
    let fetcher = Arc::new(Fetcher::new().unwrap());

    let waiting = tokio::spawn({
        let fetcher = fetcher.clone();
        async move { get(&fetcher, &stalling_site, "/ok").await.map(|p| p.status) }
    });
    stalling.wait_for_hits("/robots.txt", 1, DEADLINE).await;

    // Another origin, robots.txt and all, is read while the first one's robots.txt stalls.
    let page = tokio::time::timeout(DEADLINE, get(&fetcher, &healthy_site, "/ok"))
        .await
        .expect("a request to another origin does not wait for the stalled robots.txt")
        .unwrap();
    assert!(page.text.contains("Good article"));
    assert!(
        !waiting.is_finished(),
        "the stalled origin is still waiting"
    );
    assert!(stalling.hits_of("/ok").is_empty());

    stalling.stall_robots.store(false, Ordering::SeqCst);
    assert_eq!(waiting.await.unwrap().unwrap(), 200);
}

#[tokio::test]
async fn concurrent_requests_to_one_origin_share_one_robots_txt_fetch() {
    let origin = Faulty::start();
    origin.stall_robots.store(true, Ordering::SeqCst);
    let config = Arc::new(site(&origin, ""));
    let fetcher = Arc::new(Fetcher::new().unwrap());
    let requests: Vec<_> = ["/ok", "/ok/article/1", "/status/418"]
        .into_iter()
        .map(|path| {
            let (fetcher, config) = (fetcher.clone(), config.clone());
            tokio::spawn(async move { get(&fetcher, &config, path).await })
        })
        .collect();
    origin.wait_for_hits("/robots.txt", 1, DEADLINE).await;
    // Every request has reached the robots.txt lookup by now (the test's runtime has one
    // thread, and the spawned tasks ran before the first robots.txt request went out).
    origin.stall_robots.store(false, Ordering::SeqCst);
    let mut answers = Vec::new();
    for request in requests {
        answers.push(request.await.unwrap());
    }
    assert_eq!(origin.hits_of("/robots.txt").len(), 1, "one fetch, shared");
    assert!(answers[0].is_ok() && answers[1].is_ok(), "{answers:?}");
    assert!(
        matches!(answers[2], Err(FetchError::Robots { .. })),
        "the shared answer is obeyed: {answers:?}"
    );
}

#[tokio::test]
async fn requests_queued_behind_a_failed_robots_txt_share_it_and_later_ones_read_again() {
    let origin = Faulty::start();
    origin.stall_robots.store(true, Ordering::SeqCst);
    origin.robots_down.store(true, Ordering::SeqCst);
    let config = Arc::new(site(&origin, ""));
    let fetcher = Arc::new(Fetcher::new().unwrap());
    // The sections of one site, starting together while it is down.
    let requests: Vec<_> = ["/ok", "/ok/article/1", "/ok/article/2"]
        .into_iter()
        .map(|path| {
            let (fetcher, config) = (fetcher.clone(), config.clone());
            tokio::spawn(async move { get(&fetcher, &config, path).await })
        })
        .collect();
    origin.wait_for_hits("/robots.txt", 1, DEADLINE).await;
    origin.stall_robots.store(false, Ordering::SeqCst);
    for request in requests {
        let answer = request.await.unwrap();
        assert!(
            matches!(answer, Err(FetchError::Unreachable { .. })),
            "{answer:?}"
        );
    }
    assert_eq!(origin.hits_of("/robots.txt").len(), 1, "one read, shared");
    // A request after the failed read reads robots.txt again: an outage is not a ban.
    origin.robots_down.store(false, Ordering::SeqCst);
    get(&fetcher, &config, "/ok").await.unwrap();
    assert_eq!(origin.hits_of("/robots.txt").len(), 2);
}

#[tokio::test]
async fn a_hanging_request_holds_its_host_for_one_timeout_at_a_time() {
    let origin = Faulty::start();
    // Three attempts of one second each at a listing that never answers.
    let config = Arc::new(site(
        &origin,
        "timeout = \"1s\"\nretries = 2\nobey_robots = false",
    ));
    let fetcher = Arc::new(Fetcher::new().unwrap());
    let hanging = tokio::spawn({
        let (fetcher, config) = (fetcher.clone(), config.clone());
        async move { get(&fetcher, &config, "/hang").await }
    });
    origin.wait_for_hits("/hang", 1, DEADLINE).await;

    // A sibling section's listing goes in the first free turn, ahead of the hanging
    // request's retries.
    get(&fetcher, &config, "/ok").await.unwrap();
    let error = hanging.await.unwrap().unwrap_err();
    assert!(matches!(error, FetchError::Timeout { .. }), "{error}");

    let hangs = origin.hits_of("/hang");
    assert_eq!(hangs.len(), 3, "retried twice");
    let sibling = origin.hits_of("/ok")[0];
    assert!(
        sibling < hangs[1],
        "the sibling waited for one timeout, not for the retries"
    );
}
