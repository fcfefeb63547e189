//! `serve` picks up a changed config without a restart — on SIGHUP or when the file
//! changes — and keeps running the old one when the new one is invalid.

mod support;

use std::time::Duration;

use support::origin::{Origin, SiteModel};
use support::{write_config, Serve};

/// Polls `path` until its body shows `what`, and returns the body.
async fn wait_for(client: &reqwest::Client, serve: &mut Serve, path: &str, what: &str) -> String {
    serve
        .poll_get(
            client,
            path,
            &format!("never showed {what:?}"),
            Duration::from_secs(30),
            |_, body| {
                let body = String::from_utf8_lossy(body);
                body.contains(what).then(|| body.into_owned())
            },
        )
        .await
}

/// How many reloads ended with `result` (`applied`, `invalid`, `failed`), per `/metrics`.
fn reloads(metrics: &str, result: &str) -> u64 {
    let series = format!("scrapefeed_config_reloads_total{{result=\"{result}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&series))
        .map_or(0, |n| n.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_changes_apply_without_a_restart() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let original = std::fs::read_to_string(&config).unwrap();
    let mut serve = Serve::start(&config);
    let client = reqwest::Client::new();
    wait_for(&client, &mut serve, "/", "Russian Politics &amp; Diplomacy").await;

    // An invalid config is refused; the running one keeps serving.
    std::fs::write(
        &config,
        original.replace(
            "timezone = \"Europe/Moscow\"",
            "timezone = \"Mars/Olympus\"",
        ),
    )
    .unwrap();
    // Handled once the server counts a rejected reload (its next poll of the file sees the
    // change); none was applied.
    let metrics = serve
        .poll_get(
            &client,
            "/metrics",
            "the invalid config was never rejected",
            Duration::from_secs(30),
            |_, body| {
                let metrics = String::from_utf8_lossy(body);
                (reloads(&metrics, "invalid") > 0).then(|| metrics.into_owned())
            },
        )
        .await;
    assert_eq!(reloads(&metrics, "applied"), 0, "{metrics}");
    let feed = client
        .get(serve.url("/feeds/politics.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    serve.assert_running();

    // A valid change of the file is applied: a renamed section.
    std::fs::write(
        &config,
        original.replace("Russian Politics & Diplomacy", "Politics (renamed)"),
    )
    .unwrap();
    wait_for(&client, &mut serve, "/", "Politics (renamed)").await;
    // The log says what the reload changed, in one line.
    serve.wait_for_log(
        |line| line.contains("reload: 1 section changed (tass/politics)"),
        Duration::from_secs(30),
    );

    // SIGHUP re-reads it too, even without a change of modification time.
    std::fs::write(
        &config,
        original.replace("title = \"Sport\"", "title = \"Sport (after HUP)\""),
    )
    .unwrap();
    serve.signal(libc::SIGHUP);
    let page = wait_for(&client, &mut serve, "/", "Sport (after HUP)").await;
    assert!(
        page.contains("Russian Politics &amp; Diplomacy"),
        "the earlier rename was undone by the new file"
    );
    let rss = wait_for(
        &client,
        &mut serve,
        "/feeds/sports.rss",
        "Sport (after HUP)",
    )
    .await;
    assert!(rss.contains("<item>"), "entries still served after reloads");
    // Politics back to its first title, sports renamed: whether the file's change or the
    // SIGHUP applied them, one reload names both.
    serve.wait_for_log(
        |line| line.contains("reload: 2 sections changed (tass/politics, tass/sports)"),
        Duration::from_secs(30),
    );
}
