//! Several `scrapefeed serve` instances on one PostgreSQL database, against the local TASS
//! origin: what tests/cluster.rs and tests/cluster_chaos.rs share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::origin::{moscow, Article, Origin, Page};
use super::Serve;

/// A config for one cluster: the repository's TASS declaration on the local origin, the
/// shared database, no feed files (`storage.feeds_dir` unset), a short `interval` without
/// jitter, a short lease, a `min_delay` long enough that two requests at once would show, and
/// one public URL for all (the load balancer's).
pub fn config(dir: &Path, origin: &Origin, database: &str, interval: &str, lease: &str) -> PathBuf {
    super::write_config_with(dir, &origin.base_url(), |text| {
        let text = text
            .replace(
                "feeds_dir = \"feeds\"\n",
                &format!("database = \"{database}\"\n"),
            )
            .replace("interval = \"15m\"", &format!("interval = \"{interval}\""))
            .replace("jitter = 0.1", "jitter = 0.0")
            .replace("min_delay = \"5ms\"", "min_delay = \"30ms\"")
            // Behind one load balancer: every instance names the same public URL.
            .replace(
                "[server]\n",
                "[server]\npublic_url = \"http://feeds.test/\"\n",
            );
        assert!(text.contains(database), "the config names the database");
        format!("{text}\n[cluster]\nlease_expiry = \"{lease}\"\n")
    })
}

/// Starts `n` instances of `serve` on `config`.
pub fn start(config: &Path, n: usize) -> Vec<Serve> {
    (0..n).map(|_| start_one(config)).collect()
}

pub fn start_one(config: &Path) -> Serve {
    Serve::options(config)
        .env("RUST_LOG", "info,scrapefeed=debug")
        .start()
}

/// `GET path` on one instance: status, ETag and body.
pub async fn get(
    client: &reqwest::Client,
    serve: &Serve,
    path: &str,
) -> Option<(u16, String, Vec<u8>)> {
    let response = client.get(serve.url(path)).send().await.ok()?;
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.bytes().await.ok()?.to_vec();
    Some((status, etag, body))
}

/// `/healthz` of one instance, parsed.
pub async fn health(client: &reqwest::Client, serve: &Serve) -> Option<serde_json::Value> {
    let (_, _, body) = get(client, serve, "/healthz").await?;
    serde_json::from_slice(&body).ok()
}

/// Waits until every instance answers `path` with the same bytes and ETag (and 200), and
/// returns them; panics after `timeout`.
pub async fn agree(
    client: &reqwest::Client,
    instances: &[&Serve],
    path: &str,
    timeout: Duration,
) -> (String, Vec<u8>) {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let mut answers = Vec::new();
        for serve in instances {
            answers.push(get(client, serve, path).await);
        }
        let first = answers[0].clone();
        if let Some((200, etag, body)) = &first {
            if answers.iter().all(|a| a.as_ref() == first.as_ref()) {
                return (etag.clone(), body.clone());
            }
        }
        if std::time::Instant::now() > deadline {
            let summary: Vec<String> = answers
                .iter()
                .map(|a| match a {
                    Some((status, etag, body)) => format!("{status} {etag} {} bytes", body.len()),
                    None => "no answer".into(),
                })
                .collect();
            let bodies: Vec<String> = answers
                .iter()
                .flatten()
                .map(|(_, _, body)| String::from_utf8_lossy(body).into_owned())
                .collect();
            let first_difference = bodies
                .windows(2)
                .find_map(|pair| {
                    pair[0]
                        .lines()
                        .zip(pair[1].lines())
                        .find(|(a, b)| a != b)
                        .map(|(a, b)| format!("\n  {a}\n  {b}"))
                })
                .unwrap_or_default();
            panic!(
                "{path}: instances still disagree after {timeout:?}: {summary:?}{first_difference}"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A new `Full` article in `section`, published `minutes` after the model's newest.
pub fn fresh_article(section: &'static str, id: u64, minute: i64) -> Article {
    use chrono::TimeZone;
    Article {
        section,
        id,
        title: format!("Breaking {id} in {section}"),
        lead: format!("Lead of breaking story {id}"),
        published: moscow().with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap()
            + chrono::Duration::minutes(minute),
        page: Page::Full,
        listed_date: true,
        tags: vec!["Breaking".into()],
    }
}

/// Each listed section's calls, in order: the gaps between two listing calls of one section.
pub fn listing_gaps(origin: &Origin) -> std::collections::BTreeMap<u64, Vec<Duration>> {
    let mut by_section: std::collections::BTreeMap<u64, Vec<std::time::Instant>> =
        Default::default();
    for (at, section) in origin.listing_calls() {
        by_section.entry(section).or_default().push(at);
    }
    by_section
        .into_iter()
        .map(|(section, mut calls)| {
            calls.sort();
            let gaps = calls.windows(2).map(|w| w[1] - w[0]).collect();
            (section, gaps)
        })
        .collect()
}
