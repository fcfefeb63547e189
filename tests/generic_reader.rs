//! A site declared with a listing only, against a local origin: the real binary reads its
//! article pages with the generic reader. Good pages give their own fields; bad ones (deep
//! nesting, a page too large, only scripts, broken or enormous JSON-LD, no main content) give
//! a warning in `check` and the log, and their entries keep the listing's data.

mod support;

use std::path::Path;

use support::static_origin::StaticOrigin;
use support::{assert_success, parse_feed, run};

fn page(head: &str, body: &str) -> String {
    format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\">{head}</head><body>{body}</body></html>")
}

fn prose(topic: &str, n: usize) -> String {
    let sentences: Vec<String> = (0..n)
        .map(|i| format!("The {topic} report, part {i}, says the council met, argued, and voted."))
        .collect();
    format!("<p>{}</p>", sentences.join(" "))
}

/// (path, listing title, page) of every article.
fn articles() -> Vec<(&'static str, &'static str, String)> {
    vec![
        (
            "good",
            "Listed good",
            page(
                r#"<meta property="og:site_name" content="Gazette"><title>Council votes on the budget | Gazette</title>
<meta name="parsely-pub-date" content="2026-05-01T09:00:00Z">
<script type="application/ld+json"><![CDATA[{"@type": "NewsArticle", "datePublished": "2026-05-01T08:00:00Z", "author": {"@type": "Person", "name": "Ann Lee"}}]]></script>"#,
                &format!(
                    "<nav><a href=\"/\">Home</a></nav><article><h1>Council votes on the budget</h1>{}{}</article>\
                     <aside><article><a href=\"/news/other\">Another story</a></article></aside>",
                    prose("budget", 5),
                    prose("school", 3)
                ),
            ),
        ),
        (
            "deep",
            "Listed deep",
            page(
                "",
                &format!(
                    "{}{}{}",
                    "<div>".repeat(10_000),
                    prose("deep", 4),
                    "</div>".repeat(10_000)
                ),
            ),
        ),
        (
            "scripts",
            "Listed scripts",
            page("", &"<script>var x = 1;</script>".repeat(2000)),
        ),
        (
            "badjson",
            "Listed badjson",
            page(
                &format!(
                    "<script type=\"application/ld+json\">{{\"@type\": \"NewsArticle\",</script>\
                     <script type=\"application/ld+json\">{{\"articleBody\": \"{}\"}}</script>",
                    "x".repeat(2 << 20)
                ),
                &prose("json", 4),
            ),
        ),
        (
            "nomain",
            "Listed nomain",
            page("", "<div><a href=\"/a\">A</a> <a href=\"/b\">B</a></div>"),
        ),
        (
            "bloated",
            "Listed bloated",
            page(
                &format!("<script>var data = \"{}\";</script>", "x".repeat(6 << 20)),
                &format!("<article><h1>Bloated story</h1>{}</article>", prose("bloat", 5)),
            ),
        ),
        (
            "huge",
            "Listed huge",
            page("", &prose("huge", 4).repeat(200_000)),
        ),
    ]
}

fn write_site(dir: &Path) {
    std::fs::create_dir_all(dir.join("news")).unwrap();
    let mut items = String::new();
    for (i, (path, title, html)) in articles().into_iter().enumerate() {
        items.push_str(&format!(
            "<li><a href=\"/news/{path}\">{title}</a><time datetime=\"2026-04-0{}T12:00:00Z\"></time></li>",
            i + 1
        ));
        std::fs::write(dir.join(format!("news/{path}.html")), html).unwrap();
    }
    std::fs::write(
        dir.join("index.html"),
        page("", &format!("<ul class=\"news\">{items}</ul>")),
    )
    .unwrap();
}

fn write_config(dir: &Path, origin: &StaticOrigin) -> std::path::PathBuf {
    let config = format!(
        r#"
[storage]
database = "{0}/db.sqlite"
feeds_dir = "{0}/feeds"

[[site]]
id = "gazette"
base_url = "{1}"
min_delay = "5ms"

[site.listing]
type = "html"
items = "ul.news li"

[site.listing.fields]
link = {{ css = "a", attr = "href" }}
title = {{ css = "a" }}
published = {{ css = "time", attr = "datetime" }}

[[site.section]]
id = "news"
path = "/"
"#,
        dir.display(),
        origin.base_url()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    path
}

fn field<'a>(article: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    article["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == name)
        .unwrap()
}

#[test]
fn a_listing_only_site_is_read_and_bad_pages_keep_the_listings_data() {
    let site = tempfile::tempdir().unwrap();
    write_site(site.path());
    let origin = StaticOrigin::start(site.path().to_path_buf());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin);

    let output = run(
        &config,
        &["--now", "2026-06-01T00:00:00Z", "check", "--json", "--all"],
    );
    assert_success(&output);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let section = &report[0];
    let articles = section["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 7, "--all previews every listed article");

    let good = &articles[0];
    assert_eq!(field(good, "title")["value"], "Council votes on the budget");
    assert_eq!(field(good, "title")["rule"], "generic: the article's <h1>");
    assert_eq!(field(good, "author")["value"], "Ann Lee");
    assert_eq!(
        field(good, "body")["rule"],
        "generic: main content (scored blocks)"
    );
    let body = field(good, "body")["value"].as_str().unwrap();
    assert!(body.contains("school report, part 2"), "{body}");
    assert!(
        !body.contains("Another story") && !body.contains("Home"),
        "{body}"
    );
    assert_eq!(good["published"], "2026-05-01T08:00:00+00:00");
    assert_eq!(
        good["published_rule"],
        "generic: JSON-LD NewsArticle datePublished"
    );
    assert!(good["warnings"].as_array().unwrap().is_empty(), "{good}");

    let deep = &articles[1];
    assert!(field(deep, "body")["value"]
        .as_str()
        .unwrap()
        .contains("deep report, part 3"));

    // Each bad page: a warning naming the page, and the listing's title and date.
    let warnings: Vec<&str> = section["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    for (i, (path, expected)) in [
        (
            "scripts",
            "no main content found: the page has no text outside scripts, menus and asides",
        ),
        ("badjson", "JSON-LD script 1 is not valid JSON"),
        ("nomain", "no main content found"),
    ]
    .into_iter()
    .enumerate()
    {
        let article = &articles[i + 2];
        assert!(article["url"].as_str().unwrap().ends_with(path));
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(&format!("/news/{path}: {expected}"))),
            "{path}: {warnings:?}"
        );
        assert_eq!(field(article, "title")["value"], format!("Listed {path}"));
        assert_eq!(field(article, "title")["rule"], "listing");
        assert_eq!(article["published_rule"], "listing", "{article}");
    }
    assert!(
        warnings
            .iter()
            .any(|w| w
                .contains("/news/badjson: JSON-LD script 2 is 2048 KiB, over the 1024 KiB read"))
    );
    // A big page, mostly script: slimmed before its DOM is built, said, and read.
    let bloated = &articles[5];
    assert_eq!(field(bloated, "title")["value"], "Bloated story");
    assert!(field(bloated, "body")["value"]
        .as_str()
        .unwrap()
        .contains("bloat report, part 4"));
    assert!(
        warnings.iter().any(|w| w.contains(
            "/news/bloated: page of 6.0 MiB: scripts, styles and SVG dropped before the generic reader read it"
        )),
        "{warnings:?}"
    );
    // Larger than the fetcher takes (16 MiB): the page fails, the listing stays.
    let huge = &articles[6];
    assert!(
        huge["fetch_error"]
            .as_str()
            .unwrap()
            .contains("body larger than"),
        "{huge}"
    );
    assert_eq!(field(huge, "title")["value"], "Listed huge");

    let output = run(
        &config,
        &["--now", "2026-06-01T00:00:00Z", "check", "--limit", "2"],
    );
    assert_success(&output);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.matches("\n  - http").count(), 2, "{text}");

    // The scrape stores every entry, logs the warnings, and the feed reads back.
    let output = run(&config, &["--now", "2026-06-01T00:00:00Z", "scrape"]);
    assert_success(&output);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("no main content found"), "{log}");
    let feed = parse_feed(&std::fs::read(dir.path().join("feeds/news.atom")).unwrap());
    let mut titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "Bloated story",
            "Council votes on the budget",
            "Listed badjson",
            "Listed deep",
            "Listed huge",
            "Listed nomain",
            "Listed scripts"
        ]
    );
}
