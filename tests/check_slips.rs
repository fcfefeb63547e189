//! `check` catches the declaration slips that read without an error but yield wrong data
//! (issue 15): a link rule that takes the link's text (`link = { css = "a" }` without
//! `attr = "href"`), links that all lead nowhere, a value every item shares. Each is a
//! warning naming the key to fix; a section whose previewed article pages all fail makes the
//! run fail. A healthy declaration of the same site gets none of them.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::static_origin::StaticOrigin;
use support::{assert_success, run};

const NOW: &str = "2026-06-01T00:00:00Z";

/// (slug, headline) of the listed articles.
const ARTICLES: [(&str, &str); 4] = [
    ("council-votes", "Council votes on the budget"),
    ("school-opens", "New school opens in the north"),
    ("bridge-closed", "Old bridge closed for repairs"),
    ("market-day", "Market day returns to the square"),
];

fn page(head: &str, body: &str) -> String {
    format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\">{head}</head><body>{body}</body></html>")
}

/// The listing (each item with a section label and a home link before its own link) and,
/// with `with_articles`, every article page.
fn write_site(dir: &Path, with_articles: bool) {
    std::fs::create_dir_all(dir.join("news")).unwrap();
    let mut items = String::new();
    for (i, (slug, headline)) in ARTICLES.iter().enumerate() {
        items.push_str(&format!(
            "<li><span class=\"label\">Local</span> <a class=\"story\" href=\"/news/{slug}\">{headline}</a>\
             <time datetime=\"2026-05-0{}T12:00:00Z\"></time></li>",
            i + 1
        ));
        if with_articles {
            let head = format!(
                "<title>{headline}</title><script type=\"application/ld+json\">\
                 {{\"@type\": \"NewsArticle\", \"datePublished\": \"2026-05-0{}T09:00:00Z\"}}</script>",
                i + 1
            );
            let prose = format!(
                "<p>{}</p>",
                format!("The {slug} story goes on, as stories do. ").repeat(20)
            );
            let body = format!("<article><h1>{headline}</h1>{prose}</article>");
            std::fs::write(dir.join(format!("news/{slug}.html")), page(&head, &body)).unwrap();
        }
    }
    std::fs::write(
        dir.join("index.html"),
        page("", &format!("<ul class=\"news\">{items}</ul>")),
    )
    .unwrap();
}

/// A config for the origin with these listing fields.
fn write_config(dir: &Path, origin: &StaticOrigin, fields: &str) -> PathBuf {
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
{2}

[[site.section]]
id = "news"
path = "/"
"#,
        dir.display(),
        origin.base_url(),
        fields
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    path
}

const HEALTHY: &str = r#"link = { css = "a.story", attr = "href" }
title = { css = "a.story" }
published = { css = "time", attr = "datetime" }"#;

/// Runs `check` (as text, or with `--json`) on the site written into `site` by `write`.
fn check(write: impl FnOnce(&Path), fields: &str, json: bool) -> (Output, StaticOrigin) {
    let site = tempfile::tempdir().unwrap();
    write(site.path());
    let origin = StaticOrigin::start(site.path().to_path_buf());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin, fields);
    let mut args = vec!["--now", NOW, "check"];
    if json {
        args.push("--json");
    }
    (run(&config, &args), origin)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The section's report and its warnings from `check --json`.
fn report(output: &Output) -> (serde_json::Value, Vec<String>) {
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let section = report[0].clone();
    let warnings = section["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    (section, warnings)
}

#[test]
fn a_link_rule_without_attr_href_is_named_and_fails_the_check() {
    let fields = r#"link = { css = "a.story" }
title = { css = "a.story" }
published = { css = "time", attr = "datetime" }"#;
    let (output, _origin) = check(|d| write_site(d, true), fields, false);
    let text = stdout(&output);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains(
            "warning: listing.fields.link: 4 of 4 links look like text, not URLs \
             (e.g. \"Council votes on the budget\"): add `attr = \"href\"`?"
        ),
        "{text}"
    );
    // The text resolved to URLs that 404: that is named too, with the first error.
    assert!(
        text.contains("warning: listing.fields.link: none of the 3 previewed article pages could be read (first: GET ")
            && text.contains("/Council%20votes%20on%20the%20budget: HTTP 404)"),
        "{text}"
    );
    assert!(
        text.contains("ERROR no previewed article page could be read"),
        "{text}"
    );
}

#[test]
fn links_that_all_404_fail_the_check_even_with_listing_dates() {
    let (output, _origin) = check(|d| write_site(d, false), HEALTHY, true);
    assert!(!output.status.success(), "{}", stdout(&output));
    let (section, warnings) = report(&output);
    assert_eq!(section["ok"], false);
    let unread: Vec<&String> = warnings
        .iter()
        .filter(|w| w.starts_with("listing.fields.link: none of the 3 previewed article pages"))
        .collect();
    assert_eq!(unread.len(), 1, "{warnings:?}");
    assert!(
        unread[0].contains("/news/council-votes: HTTP 404"),
        "{}",
        unread[0]
    );
    // The links are addresses: no text-link warning.
    assert!(
        !warnings.iter().any(|w| w.contains("look like text")),
        "{warnings:?}"
    );
    // Every entry still got the listing's date: what fails is the unread pages.
    for article in section["articles"].as_array().unwrap() {
        assert_eq!(article["published_rule"], "listing", "{article}");
    }
}

#[test]
fn a_title_every_item_shares_is_a_warning_but_the_check_passes() {
    let fields = r#"link = { css = "a.story", attr = "href" }
title = { css = "span.label" }
published = { css = "time", attr = "datetime" }"#;
    let (output, _origin) = check(|d| write_site(d, true), fields, true);
    assert_success(&output);
    let (section, warnings) = report(&output);
    assert_eq!(section["ok"], true);
    let want = "listing.fields.title: all 4 items have the same title \"Local\": \
                the selector probably matches outside the item";
    assert!(warnings.iter().any(|w| w == want), "{warnings:?}");
    assert!(
        !warnings
            .iter()
            .any(|w| w.starts_with("listing.fields.link")),
        "{warnings:?}"
    );
}

#[test]
fn a_link_every_item_shares_is_named() {
    // The first `a` of each item is a link home: every item links to the same page.
    let fields = r#"link = { css = "a", attr = "href" }
title = { css = "a.story" }"#;
    let item = r#"<li><a href="/">Home</a> <a class="story" href="/news/x">X</a></li>"#;
    let write = |dir: &Path| {
        let list = format!("<ul class=\"news\">{}</ul>", item.repeat(5));
        std::fs::write(dir.join("index.html"), page("", &list)).unwrap();
    };
    let (output, origin) = check(write, fields, true);
    let (section, warnings) = report(&output);
    assert_eq!(section["listed"], 1);
    let want = format!(
        "listing.fields.link: all 5 items have the same link \"{}/\": \
         the selector probably matches outside the item",
        origin.base_url()
    );
    assert!(warnings.contains(&want), "{warnings:?}");
}

#[test]
fn a_healthy_declaration_gets_none_of_these_warnings() {
    let (output, _origin) = check(|d| write_site(d, true), HEALTHY, true);
    assert_success(&output);
    let (section, warnings) = report(&output);
    assert_eq!(section["ok"], true);
    assert_eq!(section["listed"], 4);
    assert!(
        !warnings.iter().any(|w| w.starts_with("listing.fields.")),
        "{warnings:?}"
    );
    for article in section["articles"].as_array().unwrap() {
        assert_eq!(article["fetch_error"], serde_json::Value::Null, "{article}");
        assert_ne!(article["published_rule"], "listing", "{article}");
    }
}
