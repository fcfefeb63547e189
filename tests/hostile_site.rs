//! A hostile site scraped by the real binary: control characters raw and as references in
//! every field, markup in a plain-text lead, `javascript:` and `data:` URLs, a 5 MB title,
//! too many tags. Every feed that holds its entries (the section's, the site's, `all`) must
//! stay well-formed in every format, with the values cleaned, cut to the configured limits and
//! scheme-checked; `check` must name what was changed.

mod support;

use std::path::Path;

use support::hostile::{strict_xml, text_of};
use support::static_origin::StaticOrigin;
use support::{assert_success, parse_feed, run};

const NOW: &str = "2026-06-14T12:00:00Z";

fn page(head: &str, body: &str) -> String {
    format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\">{head}</head><body>{body}</body></html>")
}

/// The site: a listing with a hostile article, a 5 MB title, a JSON-LD article and a
/// `javascript:` link; a second section with one plain article.
fn write_site(dir: &Path) {
    std::fs::create_dir_all(dir.join("news")).unwrap();
    let write = |path: &str, text: String| std::fs::write(dir.join(path), text).unwrap();
    write(
        "index.html",
        page(
            "",
            r#"<ul class="news">
<li><a href="/news/1">Listed one</a></li>
<li><a href="javascript:alert('link')">Listed script</a></li>
<li><a href="/news/2">Listed two</a><img src="javascript:alert(2)"></li>
<li><a href="/news/3">Listed three</a></li>
</ul>"#,
        ),
    );
    write(
        "more.html",
        page(
            "",
            r#"<ul class="news"><li><a href="/news/4">Plain</a></li></ul>"#,
        ),
    );
    let tags: String = (0..10)
        .map(|i| format!("<meta property=\"article:tag\" content=\"tag{i}\u{1}\">"))
        .collect();
    write(
        "news/1.html",
        page(
            &format!(
                "<meta property=\"og:title\" content=\"Bad\u{1} &#x1;title\u{FFFE} &#x1F;end\">\
                 <meta property=\"og:description\" content=\"&lt;script&gt;alert(&quot;sum&quot;)&lt;/script&gt;\u{1B}[31m\">\
                 <meta property=\"og:image\" content=\"javascript:alert(1)\">\
                 <meta name=\"author\" content=\"Ann\u{7}&#x8; Lee\">\
                 <meta property=\"article:published_time\" content=\"2026-06-13T10:00:00Z\">{tags}"
            ),
            "<article><p>Body\u{1} &#x1; text\u{FFFF} &#0; &#xD800;</p><script>alert(3)</script></article>",
        ),
    );
    write(
        "news/2.html",
        page(
            "<meta property=\"article:published_time\" content=\"2026-06-13T09:00:00Z\">",
            &format!(
                "<h1>{}</h1><article><p>Long.</p></article>",
                "Long ".repeat(1 << 20)
            ),
        ),
    );
    write(
        "news/3.html",
        page(
            r#"<script type="application/ld+json">{"@type":"NewsArticle","headline":"JSON\u0001 head&#x1;line\uFFFE","description":"lead\u001f","datePublished":"2026-06-13T08:00:00Z","image":"data:image/png;base64,AAAA"}</script>"#,
            "<article><p>Three.</p></article>",
        ),
    );
    // A JSON API: a lone surrogate (which serde_json refuses) and a raw control character
    // in one item must not cost the others.
    write(
        "api.json",
        "{\"items\":[{\"url\":\"/news/5\",\"title\":\"API\\u0001 title \\ud800x\u{1}y\"},\
         {\"url\":\"javascript:alert(5)\",\"title\":\"script\"}]}"
            .to_string(),
    );
    write(
        "news/5.html",
        page(
            "<meta property=\"article:published_time\" content=\"2026-06-13T06:00:00Z\">",
            "<article><p>Five.</p></article>",
        ),
    );
    write(
        "news/4.html",
        page(
            "<meta property=\"og:title\" content=\"Plain title\">\
             <meta property=\"article:published_time\" content=\"2026-06-13T07:00:00Z\">",
            &format!(
                "<article><p>Four.</p>{}</article>",
                "<p>Para <a href=\"/x?a=1&amp;b=2\">link</a> <b>bold &amp; «more»</b><img src=\"/i.jpg\"></p>"
                    .repeat(200)
            ),
        ),
    );
}

fn write_config(dir: &Path, origin: &StaticOrigin) -> std::path::PathBuf {
    let config = format!(
        r#"
[limits]
summary = "64 B"

[[site]]
id = "hostile"
base_url = "{0}"
min_delay = "5ms"

[site.limits]
tags = 3
body = "2 KiB"

[site.listing]
type = "html"
items = "ul.news li"

[site.listing.fields]
link = {{ css = "a", attr = "href" }}
title = {{ css = "a" }}
image = {{ css = "img", attr = "src" }}

[[site.section]]
id = "hostile-news"
path = "/"

[[site.section]]
id = "hostile-more"
path = "/more"

[[site]]
id = "hostile-api"
base_url = "{0}"
min_delay = "5ms"

[site.listing]
type = "json"
items = "items"

[site.listing.fields]
link = {{ path = "url" }}
title = {{ path = "title" }}

[[site.section]]
id = "hostile-api-news"
path = "/api.json"
"#,
        origin.base_url()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    path
}

#[test]
fn hostile_articles_leave_every_feed_well_formed_and_cleaned() {
    let site = tempfile::tempdir().unwrap();
    write_site(site.path());
    let origin = StaticOrigin::start(site.path().to_path_buf());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin);
    assert_success(&run(&config, &["--now", NOW, "scrape"]));

    let feeds = dir.path().join("feeds");
    for name in [
        "hostile-news",
        "hostile-more",
        "hostile",
        "hostile-api-news",
        "all",
    ] {
        for format in ["rss", "atom", "json"] {
            let bytes = std::fs::read(feeds.join(format!("{name}.{format}"))).unwrap();
            if format != "json" {
                strict_xml(&bytes);
            }
            let feed = parse_feed(&bytes);
            let expected = match name {
                "hostile-news" => 3,
                "hostile-more" | "hostile-api-news" => 1,
                "hostile" => 4,
                _ => 5,
            };
            assert_eq!(feed.entries.len(), expected, "{name}.{format}");
            let text = String::from_utf8(bytes).unwrap();
            for banned in ["javascript:", "data:image", "\u{1B}"] {
                assert!(!text.contains(banned), "{banned:?} in {name}.{format}");
            }
            // JSON Feed's summary is plain text; in RSS and Atom, markup is always escaped.
            if format != "json" {
                assert!(!text.contains("<script"), "{name}.{format}");
            }
        }
    }

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(feeds.join("hostile-news.json")).unwrap()).unwrap();
    let items = json["items"].as_array().unwrap();
    let one = &items[0];
    assert_eq!(one["title"], "Bad title end");
    assert_eq!(one["summary"], "<script>alert(\"sum\")</script>[31m");
    assert_eq!(one["authors"][0]["name"], "Ann Lee");
    assert_eq!(
        one["tags"],
        serde_json::json!(["tag0", "tag1", "tag2"]),
        "site limit: 3 tags"
    );
    assert!(
        one.get("image").is_none(),
        "javascript: image dropped: {one}"
    );
    let body = one["content_html"]
        .as_str()
        .unwrap_or_else(|| panic!("{one}"));
    assert!(
        body.starts_with("<p>Body  text") && !body.contains("alert"),
        "{body:?}"
    );
    assert!(
        body.chars().all(|c| !c.is_control() || c == '\n'),
        "{body:?}"
    );

    let two = &items[1];
    let title = two["title"].as_str().unwrap();
    assert!(
        title.len() <= 1024 && title.starts_with("Long Long") && title.ends_with('…'),
        "{}",
        title.len()
    );
    assert!(
        two.get("image").is_none(),
        "the listing's javascript: image dropped too"
    );

    let three = &items[2];
    assert_eq!(three["title"], "JSON headline");
    assert_eq!(three["summary"], "lead");
    assert!(three.get("image").is_none(), "data: image dropped");

    // A long body is cut to the site's limit between tags or in text, and stays well-formed
    // (html5ever writes it back unchanged) and sanitized.
    let more: serde_json::Value =
        serde_json::from_slice(&std::fs::read(feeds.join("hostile-more.json")).unwrap()).unwrap();
    let body = more["items"][0]["content_html"].as_str().unwrap();
    assert!(
        body.len() <= 2048 && body.len() > 1900,
        "{}: {body}",
        body.len()
    );
    assert!(
        body.starts_with("<p>Four.</p><p>Para <a href=\"http"),
        "{body}"
    );
    assert!(body.ends_with("</p>") && body.contains('…'), "{body}");
    let reparsed = scraper::Html::parse_fragment(body)
        .root_element()
        .inner_html();
    assert_eq!(reparsed, body);

    let api: serde_json::Value =
        serde_json::from_slice(&std::fs::read(feeds.join("hostile-api-news.json")).unwrap())
            .unwrap();
    assert_eq!(api["items"][0]["title"], "API title \u{FFFD}x y");

    // The lead of RSS is HTML: the plain text is escaped into it.
    let rss = std::fs::read(feeds.join("hostile-news.rss")).unwrap();
    let doc = strict_xml(&rss);
    let description = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("description") && n.parent().is_some_and(|p| p.has_tag_name("item"))
        })
        .unwrap();
    assert_eq!(
        text_of(description),
        "&lt;script&gt;alert(\"sum\")&lt;/script&gt;[31m"
    );

    // `check` names what cleaning changed.
    let output = run(&config, &["--now", NOW, "check", "--json"]);
    assert_success(&output);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let warnings: Vec<String> = report[0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    let base = origin.base_url();
    for expected in [
        format!("article {base}/news/1: image \"javascript:alert(1)\" is not an http(s) URL: dropped"),
        format!("article {base}/news/1: title held control characters or noncharacters, which feeds cannot carry: removed"),
        format!("article {base}/news/1: 10 tags found, the first 3 different ones kept (`limits.tags`)"),
        format!("article {base}/news/2: image \"javascript:alert(2)\" is not an http(s) URL: dropped"),
    ] {
        assert!(warnings.contains(&expected), "{expected}\nnot in {warnings:#?}");
    }
    // The 5 MiB page is slimmed and cut to 4 MiB before the generic reader builds its DOM
    // (said), so its title is what the first 4 MiB hold, then cut to the limit.
    assert!(
        warnings.iter().any(
            |w| w.starts_with(&format!("article {base}/news/2: title of "))
                && w.ends_with("bytes cut to 1024 (`limits.title`)")
        ),
        "{warnings:#?}"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with(&format!(
            "article {base}/news/2: page of 5.0 MiB: the generic reader read its first 4.0 MiB"
        ))),
        "{warnings:#?}"
    );
}

#[test]
fn a_limit_out_of_range_names_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[limits]\ntitle = \"10 B\"\n\n[[site]]\nid = \"s\"\nbase_url = \"http://127.0.0.1:1/\"\n\
         [site.limits]\ntag_length = 0\n[site.listing]\ntype = \"html\"\nitems = \"li\"\n\
         [site.listing.fields]\nlink = { css = \"a\", attr = \"href\" }\n[[site.section]]\nid = \"a\"\n",
    )
    .unwrap();
    let output = run(&path, &["check"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "line 2, column 9: key `limits.title`: \"10 B\" must be at least 64 B and at most 16 MiB",
        "line 8, column 14: site \"s\", key `limits.tag_length`: 0 is not between 1 and 1000",
    ] {
        assert!(stderr.contains(expected), "{expected}\nnot in {stderr}");
    }
}
