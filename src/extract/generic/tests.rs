//! The generic reader on hand-made pages, each holding one thing real pages do.

use url::Url;

use crate::config::Config;
use crate::extract::{extract, Extracted, Plan};
use crate::html::plain_text;

fn plan(article: &str) -> Plan {
    let config = Config::parse(
        &format!(
            r#"[[site]]
id = "example"
base_url = "https://www.example.com"
[site.listing]
type = "html"
items = "li"
[site.listing.fields]
link = {{ css = "a", attr = "href" }}
{article}
[[site.section]]
id = "news"
"#
        ),
        std::path::Path::new("."),
    )
    .unwrap();
    Plan::new(&config.sites[0].article)
}

fn read(page: &str) -> Extracted {
    read_with(page, "")
}

fn read_with(page: &str, article: &str) -> Extracted {
    let url = Url::parse("https://www.example.com/news/a-story").unwrap();
    extract(page, &url, &plan(article))
}

fn page(head: &str, body: &str) -> String {
    format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\">{head}</head><body>{body}</body></html>")
}

/// A paragraph of `n` sentences, long enough to score.
fn prose(topic: &str, n: usize) -> String {
    let sentences: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "The {topic} report, part {i}, says that the council met, argued, and voted late."
            )
        })
        .collect();
    format!("<p>{}</p>", sentences.join(" "))
}

fn body_text(e: &Extracted) -> String {
    plain_text(&e.body.as_ref().expect("a body").value)
}

fn dates(found: &[crate::extract::Found<String>]) -> Vec<(&str, &str)> {
    found
        .iter()
        .map(|f| (f.value.as_str(), f.rule.as_str()))
        .collect()
}

#[test]
fn cdata_wrapped_json_ld_dates_the_entry() {
    let e = read(&page(
        r#"<script type="application/ld+json">//<![CDATA[
{"@type": "NewsArticle", "headline": "H", "datePublished": "2024-05-01T10:00:00+02:00"}
//]]></script>"#,
        &prose("budget", 4),
    ));
    assert_eq!(
        dates(&e.published),
        [(
            "2024-05-01T10:00:00+02:00",
            "generic: JSON-LD NewsArticle datePublished"
        )]
    );
    assert!(e.warnings.is_empty(), "{:?}", e.warnings);
}

#[test]
fn json_ld_comes_before_metas_and_metas_before_the_header_time() {
    let e = read(&page(
        r#"<meta property="article:published_time" content="2024-05-02T09:00:00Z">
<meta name="parsely-pub-date" content="2024-05-01T08:30:00Z">
<script type="application/ld+json">{"@graph": [{"@type": "WebSite", "name": "Example"},
 {"@type": "ReportageNewsArticle", "datePublished": "2024-05-01T08:00:00Z",
  "dateModified": "2024-05-02T09:00:00Z"}]}</script>"#,
        &format!(
            "<article><header><h1>H</h1><time datetime=\"2024-05-01T07:00:00Z\">May 1</time></header>{}</article>",
            prose("budget", 4)
        ),
    ));
    assert_eq!(
        dates(&e.published),
        [
            (
                "2024-05-01T08:00:00Z",
                "generic: JSON-LD ReportageNewsArticle datePublished"
            ),
            (
                "2024-05-02T09:00:00Z",
                "generic: meta article:published_time"
            ),
            ("2024-05-01T08:30:00Z", "generic: meta parsely-pub-date"),
            (
                "2024-05-01T07:00:00Z",
                "generic: <time datetime> in the article header"
            ),
        ]
    );
    assert_eq!(
        dates(&e.updated),
        [(
            "2024-05-02T09:00:00Z",
            "generic: JSON-LD ReportageNewsArticle dateModified"
        )]
    );
}

#[test]
fn publisher_and_dublin_core_metas_are_read() {
    for (meta, rule) in [
        (
            r#"<meta name="parsely-page" content='{"title": "T", "pub_date": "2024-05-01T08:00:00Z"}'>"#,
            "generic: meta parsely-page pub_date",
        ),
        (
            r#"<meta name="sailthru.date" content="2024-05-01T08:00:00Z">"#,
            "generic: meta sailthru.date",
        ),
        (
            r#"<meta name="DC.date.issued" content="2024-05-01T08:00:00Z">"#,
            "generic: meta dc.date.issued",
        ),
        (
            r#"<meta name="dcterms.created" content="2024-05-01T08:00:00Z">"#,
            "generic: meta dcterms.created",
        ),
        (
            r#"<meta itemprop="datePublished" content="2024-05-01T08:00:00Z">"#,
            "generic: meta datepublished",
        ),
    ] {
        let e = read(&page(meta, &prose("budget", 4)));
        assert_eq!(
            dates(&e.published),
            [("2024-05-01T08:00:00Z", rule)],
            "{meta}"
        );
    }
}

#[test]
fn a_modification_time_is_never_a_publication_time() {
    let e = read(&page(
        r#"<meta property="article:modified_time" content="2024-05-02T09:00:00Z">
<script type="application/ld+json">{"@type": "Article", "dateModified": "2024-05-02T09:00:00Z"}</script>"#,
        &format!(
            "<aside><time datetime=\"2020-01-01\">a related story</time></aside>{}",
            prose("budget", 4)
        ),
    ));
    assert!(e.published.is_empty(), "{:?}", e.published);
    assert_eq!(e.updated.len(), 1);
}

#[test]
fn the_json_ld_object_of_this_page_is_told_from_related_ones() {
    let e = read(&page(
        r#"<script type="application/ld+json">[
 {"@type": "NewsArticle", "url": "https://www.example.com/news/other", "headline": "Other",
  "datePublished": "2020-01-01T00:00:00Z"},
 {"@type": "NewsArticle", "mainEntityOfPage": "https://example.com/news/a-story",
  "headline": "This story", "datePublished": "2024-05-01T08:00:00Z",
  "author": {"@type": "Person", "name": "Ann Lee", "url": "https://example.com/ann"}}]</script>"#,
        &prose("budget", 4),
    ));
    assert_eq!(e.title.as_ref().unwrap().value, "This story");
    assert_eq!(e.published[0].value, "2024-05-01T08:00:00Z");
    assert_eq!(e.author.as_ref().unwrap().value, "Ann Lee");
}

#[test]
fn titles_lose_the_sites_name_and_a_bare_site_name_is_no_title() {
    let e = read(&page(
        r#"<meta property="og:site_name" content="Example News"><title>Council votes late | Example News</title>"#,
        &prose("budget", 4),
    ));
    let title = e.title.unwrap();
    assert_eq!(title.value, "Council votes late");
    assert_eq!(title.rule, "generic: <title>");
    let e = read(&page(
        r#"<meta property="og:site_name" content="Example News"><meta property="og:title" content="Example News"><title>Example News</title>"#,
        &prose("budget", 4),
    ));
    assert!(e.title.is_none(), "{:?}", e.title);
}

#[test]
fn the_main_article_wins_over_teasers_in_other_articles() {
    let teaser = |i: usize| {
        format!("<article class=\"teaser\"><h2><a href=\"/n/{i}\">Teaser {i}</a></h2><p>Short teaser text number {i}.</p></article>")
    };
    let e = read(&page(
        "",
        &format!(
            "<main><article><h1>Main</h1>{}{}</article><section>{}{}{}</section></main>",
            prose("budget", 5),
            prose("school", 4),
            teaser(1),
            teaser(2),
            teaser(3)
        ),
    ));
    let text = body_text(&e);
    assert!(
        text.contains("budget report, part 4") && text.contains("school report, part 3"),
        "{text}"
    );
    assert!(!text.contains("Teaser"), "{text}");
    assert!(
        !text.contains("Main"),
        "the title is not in the body: {text}"
    );
}

#[test]
fn tables_figures_code_and_lists_are_kept() {
    let e = read(&page(
        "",
        &format!(
            "<nav><a href=\"/\">Home</a><a href=\"/news\">News</a></nav>\
             <div class=\"story-body\">{}\
             <figure><img src=\"/chart.png\" alt=\"chart\"><figcaption>The votes by ward</figcaption></figure>\
             <table><tr><th>Ward</th><th>Votes</th></tr><tr><td>North</td><td>12</td></tr></table>\
             <pre><code>let total = 12 + 7;</code></pre>\
             <ul><li>First point of the motion</li><li>Second point of the motion</li></ul>{}</div>\
             <div class=\"comments\">{}</div>",
            prose("budget", 3),
            prose("school", 2),
            prose("comment", 6)
        ),
    ));
    let body = &e.body.as_ref().unwrap().value;
    for kept in [
        "<figcaption>The votes by ward</figcaption>",
        "src=\"https://www.example.com/chart.png\"",
        "<td>North</td>",
        "<pre><code>let total = 12 + 7;</code></pre>",
        "<li>Second point of the motion</li>",
    ] {
        assert!(body.contains(kept), "{kept} in {body}");
    }
    assert!(
        !body.contains("Home") && !body.contains("comment report"),
        "{body}"
    );
    assert_eq!(
        e.body.as_ref().unwrap().rule,
        "generic: main content (marked article body)"
    );
}

#[test]
fn lazy_images_get_their_real_source() {
    let e = read(&page(
        "",
        &format!(
            "<article>{}<img src=\"data:image/gif;base64,R0lGOD\" data-src=\"/real-1.jpg\">\
             <img srcset=\"/s.jpg 320w, /l.jpg 1280w\">\
             <img class=\"lazy\" src=\"data:image/gif;base64,R0lGOD\"><noscript><img src=\"/real-2.jpg\" alt=\"two\"></noscript>{}</article>",
            prose("budget", 3),
            prose("school", 3)
        ),
    ));
    let body = &e.body.as_ref().unwrap().value;
    for src in ["/real-1.jpg", "/l.jpg", "/real-2.jpg"] {
        assert!(
            body.contains(&format!("src=\"https://www.example.com{src}\"")),
            "{src} in {body}"
        );
    }
    assert!(!body.contains("data:"), "{body}");
}

#[test]
fn declared_rules_come_first_and_the_reader_fills_what_they_miss() {
    let html = page(
        r#"<meta property="og:title" content="From the meta">
<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-05-01T08:00:00Z", "author": {"name": "Ann Lee"}}</script>"#,
        &format!(
            "<h1 class=\"t\">Declared title</h1><div class=\"text\">{}</div>",
            prose("budget", 4)
        ),
    );
    let e = read_with(
        &html,
        "[site.article]\ntitle = [{ css = \"h1.t\" }]\nbody = [{ css = \".missing\", html = true }]\nauthor = []",
    );
    assert_eq!(e.title.as_ref().unwrap().rule, "css \"h1.t\" text");
    assert_eq!(
        e.body.as_ref().unwrap().rule,
        "generic: main content (scored blocks)"
    );
    assert!(e.author.is_none(), "author = [] stays off");
    assert_eq!(e.published[0].value, "2024-05-01T08:00:00Z");
}

#[test]
fn bad_pages_get_warnings_never_a_panic() {
    // 10,000 nested <div>s around the text.
    let deep = page(
        "",
        &format!(
            "{}{}{}",
            "<div>".repeat(10_000),
            prose("deep", 3),
            "</div>".repeat(10_000)
        ),
    );
    let e = read(&deep);
    assert!(body_text(&e).contains("deep report, part 2"));

    // Only scripts.
    let scripts = page("", &"<script>var x = 1;</script>".repeat(1000));
    let e = read(&scripts);
    assert!(e.body.is_none());
    assert_eq!(
        e.warnings,
        ["no main content found: the page has no text outside scripts, menus and asides"]
    );

    // Invalid and enormous JSON-LD.
    let e = read(&page(
        &format!(
            "<script type=\"application/ld+json\">{{\"@type\": \"NewsArticle\",</script>\
             <script type=\"application/ld+json\">{{\"articleBody\": \"{}\"}}</script>",
            "x".repeat(2 << 20)
        ),
        &prose("budget", 4),
    ));
    assert_eq!(e.warnings.len(), 2, "{:?}", e.warnings);
    assert!(e.body.is_some());

    // Nothing that reads as an article.
    let e = read(&page(
        "",
        "<div><a href=\"/a\">A link</a> <a href=\"/b\">B</a></div>",
    ));
    assert!(e.body.is_none());
    assert!(
        e.warnings[0].starts_with("no main content found"),
        "{:?}",
        e.warnings
    );
}

#[test]
fn times_of_comments_and_related_stories_are_not_the_articles() {
    // Comments marked `pubdate` and a comment's microdata, far from the article's header.
    let e = read(&page(
        "",
        &format!(
            "<h1 id=\"logo\">Site</h1><article><header><h1 class=\"title\">Story</h1>\
             <p>Le <time datetime=\"2019-06-28T13:49:45Z\">28 juin</time></p></header>{}</article>\
             <section class=\"comments\"><div itemscope itemtype=\"https://schema.org/Comment\">\
             <span itemprop=\"datePublished\" content=\"2019-09-22T07:30:29Z\"></span></div>\
             <p><time datetime=\"2019-09-21T07:30:29Z\" pubdate>21 septembre</time></p></section>",
            prose("budget", 4)
        ),
    ));
    assert_eq!(
        dates(&e.published),
        [(
            "2019-06-28T13:49:45Z",
            "generic: <time datetime> in the article header"
        )]
    );
    // No header around the headline and times only in a list of other posts: no date.
    let e = read(&page(
        "",
        &format!(
            "<div class=\"page\"><h1>Story</h1>{}</div><ul class=\"others\">\
             <li><a href=\"/x\">X</a> <time datetime=\"2019-07-30\">30 juil.</time></li></ul>",
            prose("budget", 6)
        ),
    ));
    assert!(e.published.is_empty(), "{:?}", e.published);
}

#[test]
fn hatom_and_seo_plugin_pages_are_dated() {
    let e = read(&page(
        "",
        &format!(
            "<div class=\"hentry\"><h3 class=\"post-title\">Post</h3>\
             <abbr class=\"published\" title=\"2016-12-23T05:11:00-05:00\">Friday</abbr>{}</div>",
            prose("budget", 4)
        ),
    ));
    assert_eq!(
        dates(&e.published),
        [("2016-12-23T05:11:00-05:00", "generic: hAtom .published")]
    );
    let e = read(&page(
        r#"<script type="application/ld+json">{"@graph": [
 {"@type": "WebPage", "@id": "https://www.example.com/news/other", "datePublished": "2017-01-01T00:00:00Z"},
 {"@type": "WebPage", "url": "https://www.example.com/news/a-story/", "datePublished": "2018-02-28T15:07:03+00:00"}]}</script>"#,
        &prose("budget", 4),
    ));
    assert_eq!(
        dates(&e.published),
        [(
            "2018-02-28T15:07:03+00:00",
            "generic: JSON-LD WebPage datePublished"
        )]
    );
}

#[test]
fn a_page_wrapped_in_one_form_is_read_and_a_small_form_is_not_content() {
    let e = read(&page(
        "",
        &format!(
            "<form id=\"aspnetForm\" method=\"post\"><div id=\"content\">{}{}</div></form>",
            prose("budget", 4),
            prose("school", 3)
        ),
    ));
    let text = body_text(&e);
    assert!(text.contains("school report, part 2"), "{text}");
    let e = read(&page(
        "",
        &format!(
            "<div id=\"content\">{}<form><p>Get our letter</p><input name=\"email\"></form>{}</div>",
            prose("budget", 4),
            prose("school", 3)
        ),
    ));
    let text = body_text(&e);
    assert!(text.contains("school report, part 2"), "{text}");
    assert!(!text.contains("Get our letter"), "{text}");
}

#[test]
fn a_page_rendered_by_scripts_gets_its_body_from_json_ld() {
    let e = read(&page(
        r#"<script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",
 "articleBody": "First paragraph, with <b>angle</b> brackets &amp; more.\n\nSecond paragraph."}</script>"#,
        "<div id=\"app\"></div><script>render()</script>",
    ));
    let body = e.body.unwrap();
    assert_eq!(body.rule, "generic: JSON-LD NewsArticle articleBody");
    assert_eq!(
        body.value,
        "<p>First paragraph, with &lt;b&gt;angle&lt;/b&gt; brackets &amp; more.</p><p>Second paragraph.</p>"
    );
    assert!(e.warnings.is_empty(), "{:?}", e.warnings);
}

#[test]
fn a_json_ld_time_without_offset_takes_its_twins_offset() {
    let e = read(&page(
        r#"<meta property="article:published_time" content="2024-05-01T10:00:00+03:00">
<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-05-01T10:00:00"}</script>"#,
        &prose("budget", 4),
    ));
    assert_eq!(
        dates(&e.published),
        [
            (
                "2024-05-01T10:00:00+03:00",
                "generic: meta article:published_time"
            ),
            (
                "2024-05-01T10:00:00",
                "generic: JSON-LD NewsArticle datePublished"
            ),
        ]
    );
    // A different time with an offset is a disagreement, not a twin: JSON-LD stays first.
    let e = read(&page(
        r#"<meta property="article:published_time" content="2024-05-02T09:00:00+03:00">
<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-05-01T10:00:00"}</script>"#,
        &prose("budget", 4),
    ));
    assert_eq!(e.published[0].value, "2024-05-01T10:00:00");
}

#[test]
fn info_lines_and_report_boxes_around_the_text_are_left_out() {
    let e = read(&page(
        "",
        &format!(
            "<article><h1>Story</h1><div class=\"article__info\"><div class=\"info-item time\">Today, 17:40</div></div>\
             <div class=\"text\">{}{}</div>\
             <div class=\"article__report\"><strong>Error in the text?</strong><p>Select it and press Ctrl+Enter, \
             and the editors will get it, with thanks, today.</p></div></article>",
            prose("budget", 4),
            prose("school", 3)
        ),
    ));
    let text = body_text(&e);
    assert!(text.contains("school report, part 2"), "{text}");
    assert!(
        !text.contains("17:40") && !text.contains("Ctrl+Enter"),
        "{text}"
    );
}
