//! `scrapefeed suggest` through the real binary against a local origin: section pages shaped
//! like the common publishing systems' (WordPress, Drupal, Ghost, Arc, Bitrix), each with
//! navigation, a "most read" box and a footer around its list. The proposed declaration,
//! unedited, must list exactly the page's articles with their titles and links, and scrape.
//! Pages that are not section pages get one line and a non-zero exit.

mod support;

use std::path::Path;

use support::static_origin::StaticOrigin;
use support::{assert_success, run};

/// (slug, title) of the n articles of a section.
fn articles(section: &str, n: usize) -> Vec<(String, String)> {
    (1..=n)
        .map(|i| {
            (
                format!("/{section}/2026/06/{i:02}/story-{section}-number-{i}"),
                format!("The {section} story number {i} of the week"),
            )
        })
        .collect()
}

fn chrome(list: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Section | Gazette</title></head><body>\
         <header class=\"site-header\"><nav class=\"main-nav\"><ul>\
         <li><a href=\"/politics/2026/06/01/nav-politics-today-item\">Politics: the day in politics today</a></li>\
         <li><a href=\"/sport/2026/06/01/nav-sport-today-item\">Sport: all the results of today here</a></li>\
         <li><a href=\"/tech/2026/06/01/nav-tech-today-item\">Tech: the gadgets and the apps of today</a></li></ul></nav></header>\
         {list}\
         <aside class=\"most-read\"><h2>Most read</h2><ol>\
         <li><a href=\"/x/2026/05/01/most-read-first-story\">The most read first story of the month</a></li>\
         <li><a href=\"/x/2026/05/02/most-read-second-story\">The most read second story of the month</a></li>\
         <li><a href=\"/x/2026/05/03/most-read-third-story\">The most read third story of the month</a></li></ol></aside>\
         <footer class=\"site-footer\"><a href=\"/about\">About us</a> <a href=\"/contact\">Contact</a></footer></body></html>"
    )
}

/// A page: its name, its markup, and its articles (path, title) in order.
type Page = (&'static str, String, Vec<(String, String)>);

/// Each CMS's list markup around the same articles.
fn pages() -> Vec<Page> {
    let wp = articles("wp", 10);
    let drupal = articles("drupal", 8);
    let ghost = articles("ghost", 9);
    let arc = articles("arc", 12);
    let bitrix = articles("bitrix", 7);
    let wp_list: String = wp.iter().map(|(href, title)| format!(
        "<article class=\"post type-post status-publish hentry\"><header class=\"entry-header\"><h2 class=\"entry-title\"><a href=\"{href}\" rel=\"bookmark\">{title}</a></h2>\
         <div class=\"entry-meta\"><time class=\"entry-date published\" datetime=\"2026-06-01T09:00:00+00:00\">June 1</time> <a href=\"/category/news/\">News</a></div></header>\
         <div class=\"entry-summary\"><p>The summary of this story, long enough to be read as a teaser by anyone.</p></div></article>"
    )).collect();
    let drupal_list: String = drupal.iter().map(|(href, title)| format!(
        "<div class=\"views-row\"><div class=\"views-field views-field-title\"><span class=\"field-content\"><a href=\"{href}\" hreflang=\"en\">{title}</a></span></div>\
         <div class=\"views-field views-field-created\"><span class=\"field-content\"><time datetime=\"2026-06-01T12:00:00Z\">06/01/2026</time></span></div></div>"
    )).collect();
    let ghost_list: String = ghost.iter().map(|(href, title)| format!(
        "<article class=\"post-card post\"><a class=\"post-card-image-link\" href=\"{href}\"><img class=\"post-card-image\" src=\"/content/images/{}.jpg\" alt=\"\"></a>\
         <div class=\"post-card-content\"><a class=\"post-card-content-link\" href=\"{href}\"><header class=\"post-card-header\"><h2 class=\"post-card-title\">{title}</h2></header>\
         <section class=\"post-card-excerpt\"><p>An excerpt of the post, as Ghost themes print under each title.</p></section></a></div></article>",
        title.len()
    )).collect();
    let arc_list: String = arc.iter().map(|(href, title)| format!(
        "<div class=\"story-card-wrapper\"><div class=\"story-card\"><h3 class=\"story-card__headline\"><a href=\"{href}\">{title}</a></h3>\
         <span class=\"story-card__byline\">By Ann Lee</span></div></div>"
    )).collect();
    let bitrix_list: String = bitrix.iter().map(|(href, title)| format!(
        "<div class=\"news-item\" id=\"bx_3218110189_{}\"><span class=\"news-date-time\">01.06.2026</span>\
         <a href=\"{href}\"><b>{title}</b></a><br><p class=\"news-preview\">Анонс новости, достаточно длинный, чтобы быть анонсом.</p></div>",
        title.len()
    )).collect();
    vec![
        ("wp", chrome(&format!("<main id=\"main\" class=\"site-main\">{wp_list}<nav class=\"navigation pagination\"><a class=\"next page-numbers\" href=\"/wp/page/2/\">Next</a></nav></main>")), wp),
        ("drupal", chrome(&format!("<main role=\"main\"><div class=\"view view-news view-id-news\"><div class=\"view-content\">{drupal_list}</div></div></main>")), drupal),
        ("ghost", chrome(&format!("<main id=\"site-main\" class=\"site-main outer\"><div class=\"inner posts\"><div class=\"post-feed\">{ghost_list}</div></div></main>")), ghost),
        ("arc", chrome(&format!("<div id=\"fusion-app\"><section class=\"chain\"><div class=\"results-list\">{arc_list}</div></section></div>")), arc),
        ("bitrix", chrome(&format!("<div class=\"workarea\"><div class=\"news-list\">{bitrix_list}</div></div>")), bitrix),
    ]
}

fn write_site(dir: &Path) {
    for (name, html, _) in pages() {
        std::fs::write(dir.join(format!("{name}.html")), html).unwrap();
    }
    std::fs::write(dir.join("data.json"), "{\"items\": [1, 2, 3]}").unwrap();
    std::fs::write(
        dir.join("login.html"),
        "<html><body><form action=\"/login\"><input name=\"user\"><input type=\"password\" name=\"pass\"></form></body></html>",
    )
    .unwrap();
    std::fs::write(
        dir.join("app.html"),
        "<html><head><script src=\"/static/app.js\"></script></head><body><div id=\"root\"></div></body></html>",
    )
    .unwrap();
    std::fs::write(
        dir.join("about.html"),
        "<html><body><h1>About us</h1><p>We are a newspaper.</p><a href=\"/contact\">Contact</a></body></html>",
    )
    .unwrap();
}

#[test]
fn the_proposal_lists_exactly_the_articles_of_each_cms_page() {
    let site = tempfile::tempdir().unwrap();
    write_site(site.path());
    let origin = StaticOrigin::start(site.path().to_path_buf());
    let base = origin.base_url();
    // `suggest` needs no config file: the one named here does not exist.
    let none = site.path().join("no-config.toml");
    for (name, _, expected) in pages() {
        let url = format!("{base}/{name}");
        let output = run(&none, &["suggest", &url, "--json"]);
        assert_success(&output);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let preview = &report["preview"];
        assert_eq!(
            preview["listed"],
            expected.len(),
            "{name}: {}",
            report["toml"].as_str().unwrap()
        );
        let previewed = preview["articles"].as_array().unwrap();
        for (article, (href, title)) in previewed.iter().zip(&expected) {
            assert_eq!(article["url"], format!("{base}{href}"), "{name}");
            let got_title = article["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["field"] == "title")
                .unwrap()["value"]
                .clone();
            // The article pages do not exist here: the title is the listing's.
            assert_eq!(got_title, *title, "{name}");
        }
    }
}

#[test]
fn a_written_proposal_scrapes_unedited() {
    let site = tempfile::tempdir().unwrap();
    write_site(site.path());
    let origin = StaticOrigin::start(site.path().to_path_buf());
    let dir = tempfile::tempdir().unwrap();
    let proposal = dir.path().join("gazette.toml");
    let none = dir.path().join("no-config.toml");
    let url = format!("{}/wp", origin.base_url());
    let output = run(
        &none,
        &["suggest", &url, "--write", proposal.to_str().unwrap()],
    );
    // The article pages are missing on this origin: the preview reads no article page.
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("items = \"article.hentry.post.status-publish.type-post\"")
            || text.contains("[site.listing]"),
        "{text}"
    );
    let written = std::fs::read_to_string(&proposal).unwrap();
    assert!(
        written.contains("# next = { css = \"a.next\", attr = \"href\" }"),
        "{written}"
    );
    let config = format!(
        "[storage]\ndatabase = \"{0}/db.sqlite\"\nfeeds_dir = \"{0}/feeds\"\n\n{written}",
        dir.path().display()
    )
    .replace("[[site]]\n", "[[site]]\nmin_delay = \"5ms\"\n");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    let output = run(&path, &["--now", "2026-06-02T00:00:00Z", "scrape"]);
    let feed = std::fs::read(dir.path().join("feeds/wp.json"))
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    let json: serde_json::Value = serde_json::from_slice(&feed).unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), 10);
    // Writing again never overwrites.
    let again = run(
        &none,
        &["suggest", &url, "--write", proposal.to_str().unwrap()],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists; not overwritten"));
}

#[test]
fn pages_that_are_not_section_pages_get_one_line_and_a_failure() {
    let site = tempfile::tempdir().unwrap();
    write_site(site.path());
    let origin = StaticOrigin::start(site.path().to_path_buf());
    let base = origin.base_url();
    let none = site.path().join("no-config.toml");
    for (path, says) in [
        ("/data.json", "not an HTML page (it is JSON"),
        ("/login", "the page asks for a login"),
        ("/app", "the page is an app shell"),
        ("/about", "no repeated links to articles found"),
    ] {
        let output = run(&none, &["suggest", &format!("{base}{path}")]);
        assert!(!output.status.success(), "{path}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{path}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{path}: {stderr}");
    }
}

#[test]
fn fields_the_generic_reader_misses_on_the_sampled_articles_are_named() {
    let site = tempfile::tempdir().unwrap();
    write_site(site.path());
    // The Drupal list's article pages are app shells: no title, no body for the reader.
    for (href, _) in articles("drupal", 8) {
        let path = site.path().join(format!("{}.html", &href[1..]));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            "<html><body><div id=\"app\"></div><script>render()</script></body></html>",
        )
        .unwrap();
    }
    let origin = StaticOrigin::start(site.path().to_path_buf());
    let none = site.path().join("no-config.toml");
    let output = run(
        &none,
        &["suggest", &format!("{}/drupal", origin.base_url())],
    );
    assert_success(&output);
    let text = String::from_utf8_lossy(&output.stdout);
    for field in ["title", "body"] {
        assert!(
            text.contains(&format!(
                "# The generic reader found no {field} on the 3 sampled article(s): declare `[site.article]` `{field} = [...]`"
            )),
            "{field}: {text}"
        );
    }
}
