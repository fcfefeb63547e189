//! `/suggest`: off by default; when `server.suggest = true`, a form, and the proposal for a
//! section page the server fetches (here from a local origin), never written anywhere.

use super::support::routes::InProcess;
use super::support::static_origin::StaticOrigin;
use super::{routes, CONFIG};

#[tokio::test]
async fn suggest_is_off_unless_the_operator_turns_it_on() {
    let routes = routes().await;
    let answer = routes.get("/suggest?url=http://127.0.0.1:9/").await;
    assert_eq!(answer.status, 404);
    assert!(
        answer.text().contains("server.suggest = true"),
        "{}",
        answer.text()
    );
    assert!(!routes
        .get("/")
        .await
        .text()
        .contains("Propose a declaration"));
}

#[tokio::test]
async fn suggest_proposes_a_declaration_for_a_section_page() {
    let site = tempfile::tempdir().unwrap();
    let cards: String = (1..=5)
        .map(|i| {
            format!(
                "<div class=\"teaser\"><h2 class=\"teaser__title\"><a href=\"/news/2026/06/0{i}/a-story-number-{i}\">A story number {i} of the day</a></h2></div>"
            )
        })
        .collect();
    std::fs::write(
        site.path().join("news.html"),
        format!("<!DOCTYPE html><html lang=\"en\"><body><main>{cards}</main></body></html>"),
    )
    .unwrap();
    std::fs::write(site.path().join("data.json"), "{\"items\": []}").unwrap();
    let origin = StaticOrigin::start(site.path().to_path_buf());
    let config = format!(
        "{}\n",
        CONFIG.replacen("[server]\n", "[server]\nsuggest = true\n", 1)
    );
    let routes = InProcess::open(&config, |_| {}).await;
    assert!(routes
        .get("/")
        .await
        .text()
        .contains("Propose a declaration"));
    assert!(routes.get("/suggest").await.text().contains("<form"));

    let answer = routes
        .get(&format!("/suggest?url={}/news", origin.base_url()))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let text = answer.text();
    assert!(
        text.contains("items = &quot;div.teaser&quot;") && text.contains("[site.listing.fields]"),
        "{text}"
    );
    let answer = routes
        .get(&format!("/suggest?url={}/data.json", origin.base_url()))
        .await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.text().contains("not an HTML page"),
        "{}",
        answer.text()
    );
}
