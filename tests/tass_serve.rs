//! End to end: the real binary's `serve` against the local TASS copy, over real HTTP.
//! Feeds are fetched as a reader would, parsed with feed-rs, name the address served (no
//! public URL is configured), and must survive a restart unchanged; the process must stop
//! cleanly on SIGTERM. How the routes answer (headers, `304`s, 404s, the index page) is
//! checked in-process by `tests/routes/`.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use support::origin::{Origin, SiteModel, SECTIONS};
use support::{parse_feed, write_config, Serve};

/// Starts `serve` on `addr`: the restart listens where the first run did, as a restarted
/// service would, since the feeds' self links name the address served and the restart must
/// serve the same bytes.
fn start_on(config: &std::path::Path, addr: SocketAddr) -> Result<Serve, String> {
    Serve::options(config).listen(addr.to_string()).try_start()
}

/// Waits until every section has been scraped once (the first scrape runs at start-up).
async fn wait_until_scraped(serve: &mut Serve, client: &reqwest::Client) -> serde_json::Value {
    serve
        .poll_get(
            client,
            "/healthz",
            "sections were not scraped in time",
            Duration::from_secs(60),
            |_, body| {
                let health: serde_json::Value = serde_json::from_slice(body).unwrap();
                let sections = health["sections"].as_object().unwrap();
                let scraped =
                    sections.len() == 9 && sections.values().all(|s| !s["last_success"].is_null());
                scraped.then_some(health)
            },
        )
        .await
}

/// Sends SIGTERM and waits for a clean exit.
fn terminate(mut serve: Serve) {
    let status = serve.stop();
    assert!(status.success(), "serve exited with {status} on SIGTERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_gives_rss_and_atom_for_nine_sections_and_survives_a_restart() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let client = reqwest::Client::new();
    let mut server = Serve::start(&config);
    let health = wait_until_scraped(&mut server, &client).await;
    assert_eq!(health["status"], "ok");

    let model = origin.model();
    let mut served = Vec::new();
    for (slug, _, _) in SECTIONS {
        for ext in ["rss", "atom"] {
            let url = server.url(&format!("/feeds/{slug}.{ext}"));
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{url}");
            let body = response.bytes().await.unwrap();
            let feed = parse_feed(&body);
            let mut expected = model.in_section(slug);
            expected.sort_by_key(|a| std::cmp::Reverse(a.published));
            let titles: Vec<String> = feed
                .entries
                .iter()
                .map(|e| e.title.as_ref().unwrap().content.clone())
                .collect();
            let want: Vec<String> = expected.iter().map(|a| a.title.clone()).collect();
            assert_eq!(titles, want, "{url}");
            for (entry, article) in feed.entries.iter().zip(&expected) {
                assert_eq!(
                    entry.published,
                    Some(article.published.with_timezone(&Utc)),
                    "{url}"
                );
                assert_eq!(
                    entry.links[0].href,
                    format!("{}{}", origin.base_url(), article.path())
                );
            }
            // The self link names the address actually served.
            assert!(
                String::from_utf8_lossy(&body).contains(&url),
                "{url} names itself"
            );
            served.push((url, body));
        }
    }

    let addr = server.addr();
    terminate(server);

    // A restart serves the same feeds, byte for byte.
    let mut server = start_on(&config, addr).unwrap_or_else(|log| panic!("{log}"));
    wait_until_scraped(&mut server, &client).await;
    for (url, body) in &served {
        let again = client.get(url).send().await.unwrap().bytes().await.unwrap();
        assert!(again == body, "{url} changed across a restart");
    }
    terminate(server);
}
