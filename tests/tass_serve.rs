//! End to end: the real binary's `serve` against the local TASS copy, over real HTTP.
//! Feeds are fetched as a reader would, parsed with feed-rs, and must survive a restart
//! unchanged; the process must stop cleanly on SIGTERM.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use support::origin::{Origin, SiteModel, SECTIONS};
use support::{free_port, parse_feed, write_config};

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(config: &std::path::Path, port: u16) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_scrapefeed"))
            .arg("--config")
            .arg(config)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits until every section has been scraped once (the first scrape runs at start-up).
    async fn wait_until_scraped(&mut self, client: &reqwest::Client) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            assert!(
                self.child.try_wait().unwrap().is_none(),
                "serve exited early"
            );
            if let Ok(response) = client.get(format!("{}/healthz", self.base)).send().await {
                let health: serde_json::Value =
                    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
                let sections = health["sections"].as_object().unwrap();
                if sections.len() == 9 && sections.values().all(|s| !s["last_success"].is_null()) {
                    return health;
                }
            }
            assert!(
                Instant::now() < deadline,
                "sections were not scraped in time"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGTERM and waits for a clean exit.
    fn terminate(mut self) {
        // SAFETY: signals our own child process; no memory is shared.
        let sent = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        assert_eq!(sent, 0, "SIGTERM could not be sent");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "serve exited with {status} on SIGTERM");
                return;
            }
            assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_gives_rss_and_atom_for_nine_sections_and_survives_a_restart() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let port = free_port();
    let client = reqwest::Client::new();
    let mut server = Server::start(&config, port);
    let health = server.wait_until_scraped(&client).await;
    assert_eq!(health["status"], "ok");

    let model = origin.model();
    let mut served = Vec::new();
    for (slug, _, _) in SECTIONS {
        for (ext, mime) in [
            ("rss", "application/rss+xml; charset=utf-8"),
            ("atom", "application/atom+xml; charset=utf-8"),
        ] {
            let url = format!("{}/feeds/{slug}.{ext}", server.base);
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{url}");
            assert_eq!(response.headers()["content-type"], mime, "{url}");
            let etag = response.headers()["etag"].to_str().unwrap().to_string();
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
            let self_link = format!("{}/feeds/{slug}.{ext}", server.base);
            assert!(
                String::from_utf8_lossy(&body).contains(&self_link),
                "{url} self link"
            );
            // A reader polling again with the ETag gets 304 and no body.
            let again = client
                .get(&url)
                .header("if-none-match", &etag)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), 304);
            assert!(again.bytes().await.unwrap().is_empty());
            served.push((url, body));
        }
    }

    // The index page lists every feed with subscribe links.
    let index = client
        .get(format!("{}/", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    assert!(index.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = scraper::Html::parse_document(&index.text().await.unwrap());
    let links: Vec<String> = page
        .select(&scraper::Selector::parse("a[href]").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    let alternates: Vec<String> = page
        .select(&scraper::Selector::parse("link[rel=alternate]").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    for (url, _) in &served {
        assert!(links.contains(url), "index links {url}: {links:?}");
        assert!(alternates.contains(url), "index announces {url}");
    }
    let text: String = page.root_element().text().collect();
    assert!(
        text.contains("Russian Politics & Diplomacy"),
        "section titles shown"
    );

    // Unknown sections and formats are clear 404s.
    for path in ["/feeds/nonexistent.rss", "/feeds/politics.xml", "/nope"] {
        let response = client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let text = response.text().await.unwrap();
        assert!(
            text.contains("not found") || text.contains("no "),
            "{path}: {text}"
        );
    }
    let response = client
        .get(format!("{}/feeds/nonexistent.rss", server.base))
        .send()
        .await
        .unwrap();
    assert!(response.text().await.unwrap().contains("\"nonexistent\""));

    server.terminate();

    // A restart serves the same feeds, byte for byte.
    let mut server = Server::start(&config, port);
    server.wait_until_scraped(&client).await;
    for (url, body) in &served {
        let again = client.get(url).send().await.unwrap().bytes().await.unwrap();
        assert!(again == body, "{url} changed across a restart");
    }
    server.terminate();
}
