//! `serve` started while its site is down — the machine booting before its network, a site
//! being restarted: the outage is reported as one ("site unreachable"), never as a
//! robots.txt ban, and the feeds appear soon after the site comes back, not an interval (or
//! two) later.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use support::faulty::Faulty;
use support::{parse_feed, Serve};

/// One section of the faulty origin's good listing, every 10 s (the shortest interval, which
/// caps the unreachable backoff: the test waits 10 s instead of 30), without jitter.
fn config(base: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let text = format!(
        r#"[server]
public_url = "http://feeds.example.test/"

[scheduler]
jitter = 0.0

[[site]]
id = "faulty"
base_url = "{base}"
timezone = "Europe/Moscow"
timeout = "2s"
min_delay = "0s"
retries = 0

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
published = [{{ css = ".date" }}]

[[site.section]]
id = "good"
path = "/ok"
interval = "10s"
"#
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn instant(value: &serde_json::Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap_or_else(|| panic!("{value}")))
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_refusing_connections_at_start_up_is_scraped_soon_after_it_comes_up() {
    // A port kept closed until the site "comes up": connections are refused meanwhile, as
    // they are for a server that boots before the site (or its own network) is there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    through_an_outage(&format!("http://{addr}"), "connect", move || {
        Faulty::start_on(std::net::TcpListener::bind(addr).unwrap())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robots_txt_answering_503_at_start_up_pauses_the_site_until_it_answers() {
    let origin = Faulty::start();
    origin.robots_down.store(true, Ordering::SeqCst);
    let base = origin.url("");
    through_an_outage(&base, "HTTP 503", move || {
        assert!(
            origin.hits_of("/ok").is_empty(),
            "nothing fetched while down"
        );
        origin.robots_down.store(false, Ordering::SeqCst);
        origin
    })
    .await;
}

/// Starts `serve` on the site at `base` while it is down (robots.txt fails with `cause`),
/// checks that the outage is reported as one and retried soon, then brings the site up
/// (`come_up`) and checks that its feed appears at the next short retry.
async fn through_an_outage(base: &str, cause: &str, come_up: impl FnOnce() -> Faulty) {
    let dir = tempfile::tempdir().unwrap();
    let config = config(base, dir.path());
    let client = reqwest::Client::new();
    let mut serve = Serve::start(&config);

    let (status, health) = serve
        .poll_get(
            &client,
            "/healthz",
            "the section was not reported unreachable",
            Duration::from_secs(30),
            |status, body| {
                let health: serde_json::Value = serde_json::from_slice(body).unwrap();
                (health["sections"]["good"]["state"] == "unreachable").then_some((status, health))
            },
        )
        .await;
    let good = &health["sections"]["good"];
    let error = good["last_error"].as_str().unwrap();
    let expected = format!("site unreachable: robots.txt at {base}/robots.txt could not be read: ");
    assert!(error.contains(&expected), "{error}");
    assert!(error.contains(cause), "{error}");
    assert!(!error.contains("disallowed"), "{error}");
    assert_eq!(
        status, 503,
        "its only section cannot be scraped: {health:#}"
    );
    assert!(good["last_success"].is_null());
    // Asked again after the short backoff (capped by the 10 s interval), not in half an hour.
    let wait = instant(&good["next_run"]) - instant(&good["last_attempt"]);
    assert!(wait <= chrono::Duration::seconds(11), "next run in {wait}");
    let index = client.get(serve.url("/")).send().await.unwrap();
    let index = index.text().await.unwrap();
    assert!(index.contains("unreachable"), "{index}");

    // The site comes up: the next attempt reads robots.txt again and scrapes.
    let origin = come_up();
    let health = serve
        .poll_get(
            &client,
            "/healthz",
            "the section was not scraped after the site came up",
            Duration::from_secs(30),
            |_, body| {
                let health: serde_json::Value = serde_json::from_slice(body).unwrap();
                (health["sections"]["good"]["state"] == "ok").then_some(health)
            },
        )
        .await;
    let good = &health["sections"]["good"];
    assert_eq!(good["consecutive_failures"], 0, "{health:#}");
    assert!(good["last_error"].is_null());
    // `last_success` is when the run finished; its duration beside it.
    let took = good["last_success_duration_ms"].as_u64().unwrap();
    let finished = instant(&good["last_success"]);
    let started = instant(&good["last_attempt"]);
    assert!(
        finished - started >= chrono::Duration::milliseconds(took as i64 - 5),
        "{health:#}"
    );
    assert!(!origin.hits_of("/robots.txt").is_empty());

    let feed = client
        .get(serve.url("/feeds/good.atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    let feed = parse_feed(&feed.bytes().await.unwrap());
    assert!(!feed.entries.is_empty(), "the feed has the site's articles");

    let log = serve.log();
    assert!(log.contains("site unreachable"), "{log}");
    assert!(!log.contains("disallowed"), "{log}");
}
