//! The operators' endpoints: `/healthz` (JSON, `503` only when every section fails) and
//! `/metrics` (OpenMetrics text).

use chrono::Utc;
use scrapefeed::store::RunRecord;

use super::support::routes::InProcess;
use super::{routes, save, stored, CONFIG};

/// A run of `section`: failed with HTTP `failed_with`, or succeeded.
fn run(section: &str, failed_with: Option<u16>) -> RunRecord {
    RunRecord {
        feed: section.into(),
        started: Utc::now(),
        duration_ms: 5,
        error: failed_with.map(|status| format!("section {section:?}: HTTP {status}")),
        http_status: failed_with,
        new_entries: 0,
        updated_entries: 0,
    }
}

/// The routes with `stored()` entries and one recorded run per section.
async fn with_runs(runs: [(&str, Option<u16>); 3]) -> InProcess {
    InProcess::open(CONFIG, |store| {
        for (section, entries) in stored() {
            save(store, section, &entries);
        }
        for (section, failed_with) in runs {
            store.record_run(&run(section, failed_with)).unwrap();
        }
    })
    .await
}

#[tokio::test]
async fn healthz_shows_every_section_and_is_503_only_when_every_one_fails() {
    let routes = routes().await;
    let answer = routes.get("/healthz").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), "application/json");
    assert_eq!(answer.header("cache-control"), "no-store");
    let health: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(health["status"], "ok");
    let sections = health["sections"].as_object().unwrap();
    let ids: Vec<&str> = sections.keys().map(String::as_str).collect();
    assert_eq!(ids, ["essays", "science", "world"]);
    assert!(sections.values().all(|s| s["last_attempt"].is_null()
        && s["consecutive_failures"] == 0
        && s["last_error"].is_null()));

    let routes = with_runs([
        ("world", Some(500)),
        ("science", None),
        ("essays", Some(503)),
    ])
    .await;
    let answer = routes.get("/healthz").await;
    assert_eq!(answer.status, 200, "one section still works");
    let health: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["sections"]["world"]["consecutive_failures"], 1);
    assert_eq!(health["sections"]["world"]["last_http_status"], 500);
    assert_eq!(
        health["sections"]["world"]["last_error"],
        "section \"world\": HTTP 500"
    );
    assert_eq!(health["sections"]["science"]["consecutive_failures"], 0);
    assert!(health["sections"]["science"]["last_success"].is_string());
    // Read back from the runs after a restart: when the last success finished, and how long
    // it took (the runs here take 5 ms).
    assert_eq!(health["sections"]["science"]["last_success_duration_ms"], 5);
    let at = |key: &str| {
        let text = health["sections"]["science"][key].as_str().unwrap();
        chrono::DateTime::parse_from_rfc3339(text).unwrap()
    };
    assert_eq!(
        at("last_success") - at("last_attempt"),
        chrono::Duration::milliseconds(5)
    );
    assert_eq!(health["sections"]["science"]["state"], "ok");
    assert_eq!(health["sections"]["world"]["state"], "failing");
    assert!(health["sections"]["world"]["last_success_duration_ms"].is_null());

    let routes = with_runs([
        ("world", Some(500)),
        ("science", Some(404)),
        ("essays", Some(503)),
    ])
    .await;
    let answer = routes.get("/healthz").await;
    assert_eq!(answer.status, 503, "every section failing");
    let health: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(health["status"], "failing");
}

/// The value of one `/metrics` series, 0 when absent.
fn series(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .map_or(0, |n| n.parse().unwrap())
}

#[tokio::test]
async fn metrics_are_openmetrics_text_and_count_the_answers_of_both_paths() {
    let routes = routes().await;
    // The fast path (plain feed requests on the service) and the warp routes both count.
    let etag = routes
        .serve("GET", "/feeds/all.rss", &[])
        .await
        .header("etag")
        .to_string();
    routes
        .serve("GET", "/feeds/all.rss", &[("if-none-match", &etag)])
        .await;
    routes.serve("GET", "/feeds/all.rss?limit=1", &[]).await;
    routes.request("GET", "/nope", &[]).await;
    routes.request("POST", "/opml", &[]).await;

    let openmetrics = [("accept", "application/openmetrics-text; version=1.0.0")];
    let answer = routes.request("GET", "/metrics", &openmetrics).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert_eq!(answer.header("cache-control"), "no-store");
    let metrics = answer.text();
    assert!(metrics.ends_with("# EOF\n"), "{metrics}");
    let responses = |status: u16| {
        series(
            &metrics,
            &format!("scrapefeed_http_responses_total{{status=\"{status}\"}}"),
        )
    };
    assert_eq!(
        [200, 304, 404, 405].map(responses),
        [2, 1, 1, 1],
        "{metrics}"
    );
    assert!(
        series(&metrics, "scrapefeed_feed_cache_bytes") > 0,
        "{metrics}"
    );
}

#[tokio::test]
async fn healthz_shows_the_database_and_the_feed_files() {
    let routes = routes().await;
    let answer = routes.get("/healthz").await;
    assert_eq!(answer.status, 200);
    let health: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        health["database"],
        serde_json::json!({ "writable": true, "error": null })
    );
    assert_eq!(
        health["feed_files"],
        serde_json::json!({
            "writable": true,
            "error": null,
            "failing_since": null,
            "unwritten_feeds": 0,
        })
    );
}

#[tokio::test]
async fn a_feed_the_database_cannot_give_is_a_500_that_shows_no_path_and_no_sql() {
    let routes = routes().await;
    // Something the server does not expect goes wrong in the database.
    let database = routes.dir().join("data/scrapefeed.db");
    rusqlite::Connection::open(&database)
        .unwrap()
        .execute_batch("DROP TABLE entries")
        .unwrap();
    // Rendered before: still served.
    assert_eq!(routes.get("/feeds/world.rss").await.status, 200);
    // A filtered view reads the database.
    let answer = routes.get("/feeds/world.rss?limit=1").await;
    assert_eq!(answer.status, 500);
    assert_eq!(
        answer.text(),
        "cannot render feed \"world\": its entries could not be read from the database; the \
         server's log has the details\n"
    );
    let preview = routes.get("/feeds/science.html").await;
    assert_eq!(preview.status, 500);
    assert!(!preview.text().contains('/'), "{}", preview.text());
}
