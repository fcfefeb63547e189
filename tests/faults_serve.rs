//! `serve` against a misbehaving origin: the process stays up, good sections keep updating,
//! stored entries stay served, and `/healthz` tells what each section went through.

mod support;

use std::time::Duration;

use support::faulty::Faulty;
use support::{parse_feed, Serve};

const SECTIONS: [(&str, &str); 6] = [
    ("good", "/ok"),
    ("hangs", "/hang"),
    ("errors", "/status/500"),
    ("loops", "/loop/a"),
    ("bomb", "/bomb"),
    ("busy", "/busy"),
];

fn config(origin: &Faulty, dir: &std::path::Path) -> std::path::PathBuf {
    // A public URL: self links must not depend on the port each run is given.
    let mut text = format!(
        r#"[server]
public_url = "http://feeds.example.test/"

[[site]]
id = "faulty"
base_url = "{}"
timezone = "Europe/Moscow"
timeout = "1s"
min_delay = "0s"
retries = 1
retry_delay = "20ms"
max_retry_wait = "2s"

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
"#,
        origin.url("")
    );
    for (id, path) in SECTIONS {
        text.push_str(&format!(
            "\n[[site.section]]\nid = \"{id}\"\npath = \"{path}\"\ninterval = \"1h\"\n"
        ));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Polls `/healthz` until every section has been attempted since `since`.
async fn health_after(
    serve: &mut Serve,
    client: &reqwest::Client,
    since: chrono::DateTime<chrono::Utc>,
) -> (u16, serde_json::Value) {
    let attempted = |health: &serde_json::Value| {
        SECTIONS.iter().all(|(id, _)| {
            health["sections"][id]["last_attempt"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .is_some_and(|t| t >= since)
        })
    };
    serve
        .poll_get(
            client,
            "/healthz",
            "sections not attempted in time",
            Duration::from_secs(60),
            |status, body| {
                let health: serde_json::Value = serde_json::from_slice(body).unwrap();
                attempted(&health).then_some((status, health))
            },
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_origin_never_takes_the_server_down() {
    let origin = Faulty::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(&origin, dir.path());
    let client = reqwest::Client::new();

    let since = chrono::Utc::now() - chrono::Duration::seconds(1);
    let mut serve = Serve::start(&config);
    let (status, health) = health_after(&mut serve, &client, since).await;
    assert_eq!(status, 200, "not every section fails: {health:#}");
    let section = |id: &str| health["sections"][id].clone();
    assert_eq!(section("good")["consecutive_failures"], 0, "{health:#}");
    for (id, cause) in [
        ("hangs", "timed out"),
        ("errors", "HTTP 500"),
        ("loops", "redirect loop"),
        ("bomb", "body larger than"),
        ("busy", "HTTP 503 (retry after 120s)"),
    ] {
        assert_eq!(section(id)["consecutive_failures"], 1, "{id}: {health:#}");
        let error = section(id)["last_error"].as_str().unwrap().to_string();
        assert!(error.contains(cause), "{id}: {error}");
        assert!(
            error.contains(&format!("section \"{id}\"")),
            "{id}: {error}"
        );
        assert!(section(id)["last_success"].is_null());
    }
    // The section the server asked to wait 120 s is not scheduled before that.
    let next = chrono::DateTime::parse_from_rfc3339(section("busy")["next_run"].as_str().unwrap())
        .unwrap();
    assert!(
        next > chrono::Utc::now() + chrono::Duration::seconds(100),
        "busy next run {next}"
    );

    // The good section stored all three articles: a fine one, one in undeclared
    // windows-1251 (decoded), and one whose page is garbage (kept from the listing).
    let feed_url = serve.url("/feeds/good.atom");
    let before = client
        .get(&feed_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let feed = parse_feed(&before);
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(
        titles,
        [
            "Article at /ok/article/1",
            "Президент России провёл совещание с членами правительства",
            "Garbage article"
        ]
    );
    assert_eq!(
        feed.entries[1].published.unwrap().to_rfc3339(),
        "2026-06-13T09:00:00+00:00"
    );

    // /metrics tells the same story.
    let metrics = client
        .get(serve.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"scrapefeed_scrapes_total{section="good",result="ok"} 1"#),
        "{metrics}"
    );
    for id in ["hangs", "errors", "loops", "bomb", "busy"] {
        let line = format!(r#"scrapefeed_scrapes_total{{section="{id}",result="error"}} 1"#);
        assert!(metrics.contains(&line), "{line} in {metrics}");
    }
    assert!(
        metrics.contains(r#"scrapefeed_entries_stored_total{section="good"} 3"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("scrapefeed_fetch_duration_seconds_count"),
        "{metrics}"
    );

    // The good section turns bad; after a restart it fails, and still serves what it had.
    origin
        .broken
        .store(true, std::sync::atomic::Ordering::SeqCst);
    drop(serve);
    let since = chrono::Utc::now() - chrono::Duration::seconds(1);
    // On a new port: self links name the configured public URL, so the bytes compared below
    // do not depend on the port.
    let mut serve = Serve::start(&config);
    let (status, health) = health_after(&mut serve, &client, since).await;
    assert_eq!(status, 503, "every section failing: {health:#}");
    assert_eq!(health["status"], "failing");
    let feed_url = serve.url("/feeds/good.atom");
    let after = client
        .get(&feed_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(before, after, "stored entries are still served, unchanged");
}
