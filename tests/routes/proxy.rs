//! Hosting under a path: with `public_url = "http://feeds.example.test/sf/"` the service the
//! HTTP workers run answers every route under `/sf/` as well as at the root (a proxy may
//! strip the prefix or pass it on), and every link it writes carries the prefix. `/metrics`
//! speaks both text formats.

use super::support::routes::InProcess;
use super::{routes, PUBLIC};

#[tokio::test]
async fn every_route_answers_under_the_prefix_and_at_the_root() {
    let routes = routes().await;
    for path in [
        "/feeds/world.rss",
        "/feeds/news.atom",
        "/feeds/all.json",
        "/feeds/world.rss?limit=1",
        "/feeds/world.html",
        "/",
        "/opml",
        "/healthz",
        "/metrics",
    ] {
        let prefixed = format!("/sf{path}");
        for asked in [path, prefixed.as_str()] {
            let answer = routes.serve("GET", asked, &[]).await;
            assert_eq!(answer.status, 200, "{asked}: {}", answer.text());
        }
    }
    // The prefix alone is the index; a look-alike prefix is not the prefix.
    assert_eq!(routes.serve("GET", "/sf", &[]).await.status, 200);
    assert_eq!(routes.serve("GET", "/sfx/healthz", &[]).await.status, 404);
    assert_eq!(routes.serve("GET", "/sf/nope", &[]).await.status, 404);
}

#[tokio::test]
async fn a_304_passes_under_the_prefix() {
    let routes = routes().await;
    let first = routes.serve("GET", "/sf/feeds/world.rss", &[]).await;
    let etag = first.header("etag").to_string();
    let again = routes
        .serve("GET", "/sf/feeds/world.rss", &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status, 304);
}

#[tokio::test]
async fn every_link_carries_the_prefix() {
    let routes = routes().await;
    let atom = routes.serve("GET", "/sf/feeds/world.atom", &[]).await;
    let links = super::support::parse_feed(&atom.body).links;
    assert!(
        links
            .iter()
            .any(|l| l.rel.as_deref() == Some("self")
                && l.href == format!("{PUBLIC}feeds/world.atom")),
        "{links:?}"
    );
    let rss = routes.serve("GET", "/sf/feeds/world.rss", &[]).await.text();
    assert!(rss.contains(&format!("{PUBLIC}feeds/world.rss")), "{rss}");
    let json: serde_json::Value =
        serde_json::from_slice(&routes.serve("GET", "/sf/feeds/all.json", &[]).await.body).unwrap();
    assert_eq!(json["feed_url"], format!("{PUBLIC}feeds/all.json"));
    assert_eq!(json["home_page_url"], PUBLIC);
    let opml = routes.serve("GET", "/sf/opml", &[]).await.text();
    assert!(
        opml.contains(&format!(r#"xmlUrl="{PUBLIC}feeds/world.rss""#)),
        "{opml}"
    );
    // minijinja escapes `/` in attributes as `&#x2f;`.
    let index = routes
        .serve("GET", "/sf/", &[])
        .await
        .text()
        .replace("&#x2f;", "/");
    for link in [
        "feeds/world.rss",
        "feeds/world.atom",
        "feeds/world.json",
        "feeds/world.html",
    ] {
        assert!(
            index.contains(&format!("{PUBLIC}{link}")),
            "{link} in {index}"
        );
    }
    // No link on the index leaves the prefix: every absolute link to this server has it.
    let host = "http://feeds.example.test/";
    for (at, _) in index.match_indices(host) {
        assert!(index[at..].starts_with(PUBLIC), "{}", &index[at..at + 60]);
    }
}

#[tokio::test]
async fn a_public_url_without_its_last_slash_is_the_same_prefix() {
    let config = super::CONFIG.replace(
        r#"public_url = "http://feeds.example.test/sf/""#,
        r#"public_url = "https://proxy.example/feeds-app""#,
    );
    let routes = InProcess::open(&config, |_| {}).await;
    let answer = routes
        .serve("GET", "/feeds-app/feeds/world.atom", &[])
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(
        answer
            .text()
            .contains("https://proxy.example/feeds-app/feeds/world.atom"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn metrics_are_prometheus_text_unless_openmetrics_is_asked_for() {
    let routes = routes().await;
    for accept in [None, Some("text/plain"), Some("*/*")] {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        let answer = routes.serve("GET", "/sf/metrics", &headers).await;
        assert_eq!(
            answer.header("content-type"),
            "text/plain; version=0.0.4; charset=utf-8",
            "{accept:?}"
        );
        let text = answer.text();
        assert!(!text.contains("# EOF"), "{text}");
        assert!(
            text.contains("# TYPE process_cpu_seconds_total counter"),
            "{text}"
        );
        assert!(text.contains("scrapefeed_build_info{"), "{text}");
    }
    let prometheus_asks =
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let answer = routes
        .serve("GET", "/metrics", &[("accept", prometheus_asks)])
        .await;
    assert_eq!(
        answer.header("content-type"),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(answer.text().ends_with("# EOF\n"));
    assert_eq!(answer.header("vary"), "accept");
}
