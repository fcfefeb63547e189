//! Icons and enclosures end to end: the real binary scrapes a local site twice, asks each
//! new lead image's size once (a `HEAD`), finds the icons the home page declares, and writes
//! feeds whose enclosures carry the image's real `Content-Length` and type.

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use support::{assert_success, parse_feed, run};
use warp::http::{Method, Response};
use warp::Filter;

/// A JPEG-sized body: what the site answers for `/img/one.jpg`.
const ONE_JPG_BYTES: usize = 4321;

/// The site: a home page declaring its icons, a listing whose articles are `listed`, article
/// pages naming their lead image in `og:image`, and the images. `/img/two.jpg` refuses
/// `HEAD` (405), so its size stays unknown. Every (method, path) is counted.
struct Site {
    addr: SocketAddr,
    /// Whether the home page declares icons; without, `/favicon.ico` answers with an icon.
    declares: bool,
    listed: Arc<Mutex<Vec<&'static str>>>,
    hits: Arc<Mutex<HashMap<(String, String), usize>>>,
}

impl Site {
    fn start(declares: bool) -> Site {
        let listed = Arc::new(Mutex::new(vec!["one", "two"]));
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let (listed_in, hits_in) = (listed.clone(), hits.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let routes = warp::method().and(warp::path::full()).map(
                    move |method: Method, path: warp::path::FullPath| {
                        let path = path.as_str().to_string();
                        *hits_in
                            .lock()
                            .unwrap()
                            .entry((method.to_string(), path.clone()))
                            .or_insert(0) += 1;
                        answer(&method, &path, &listed_in.lock().unwrap(), declares)
                    },
                );
                warp::serve(routes).incoming(listener).run().await;
            });
        });
        Site {
            addr: rx.recv().unwrap(),
            declares,
            listed,
            hits,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn hits(&self, method: &str, path: &str) -> usize {
        let hits = self.hits.lock().unwrap();
        hits.get(&(method.to_string(), path.to_string()))
            .copied()
            .unwrap_or(0)
    }
}

fn answer(method: &Method, path: &str, listed: &[&str], declares: bool) -> Response<Vec<u8>> {
    let reply = |status: u16, kind: &str, body: Vec<u8>| {
        Response::builder()
            .status(status)
            .header("content-type", kind)
            .body(body)
            .unwrap()
    };
    let html = |body: String| reply(200, "text/html; charset=utf-8", body.into_bytes());
    match path {
        "/robots.txt" => reply(200, "text/plain", b"User-agent: *\nDisallow:\n".to_vec()),
        "/" if !declares => html("<html><head><title>Site</title></head></html>".into()),
        "/favicon.ico" if !declares => reply(200, "image/x-icon", vec![0; 318]),
        "/" => html(
            r#"<html><head><title>Site</title>
            <link rel="icon" sizes="32x32" href="/icons/site-32.png">
            <link rel="apple-touch-icon" href="/icons/touch.png">
            </head><body><p>Welcome</p></body></html>"#
                .into(),
        ),
        "/news" => html(
            listed
                .iter()
                .map(|slug| {
                    format!(r#"<article><a href="/news/{slug}">Story {slug}</a></article>"#)
                })
                .collect(),
        ),
        "/img/one.jpg" => reply(200, "image/jpeg", vec![0xff; ONE_JPG_BYTES]),
        "/img/two.jpg" if method == Method::HEAD => reply(405, "text/plain", Vec::new()),
        "/img/two.jpg" => reply(200, "image/jpeg", vec![0xff; 100]),
        _ => match path.strip_prefix("/news/") {
            Some(slug) => {
                // `three` shows the same picture as `one`.
                let image = if slug == "two" { "two" } else { "one" };
                let day = match slug {
                    "one" => 10,
                    "two" => 11,
                    _ => 12,
                };
                html(format!(
                    r#"<html><head><title>Story {slug}</title>
                    <meta property="og:image" content="/img/{image}.jpg">
                    <meta property="article:published_time" content="2026-06-{day}T10:00:00Z">
                    </head><body><article><h1>Story {slug}</h1>
                    <p>The first paragraph of story {slug}, long enough to be read as the body of
                    the article by the generic reader, which wants some real text.</p>
                    <p>A second paragraph, so that the article has a body worth keeping.</p>
                    </article></body></html>"#,
                ))
            }
            None => reply(404, "text/plain", b"not found".to_vec()),
        },
    }
}

fn config(dir: &std::path::Path, origin: &str) -> std::path::PathBuf {
    let text = format!(
        r#"
[storage]
database = "db.sqlite"
feeds_dir = "feeds"

[[site]]
id = "site"
title = "Site"
base_url = "{origin}"
min_delay = "0s"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = {{ css = "a", attr = "href" }}
title = {{ css = "a" }}

[[site.section]]
id = "news"
title = "News"
"#
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn each_image_is_asked_about_once_and_its_real_size_reaches_every_format() {
    let site = Site::start(true);
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &site.url());

    assert_success(&run(&config, &["--now", "2026-06-14T12:00:00Z", "scrape"]));
    assert_eq!(site.hits("HEAD", "/img/one.jpg"), 1);
    assert_eq!(site.hits("HEAD", "/img/two.jpg"), 1);
    assert_eq!(
        site.hits("GET", "/img/one.jpg"),
        0,
        "images are never downloaded"
    );
    assert_eq!(site.hits("GET", "/"), 1, "the home page, for its icons");
    assert_eq!(
        site.hits("HEAD", "/favicon.ico"),
        0,
        "the page declared one"
    );

    // A new article with a picture already asked about, an hour later: no HEAD, and the
    // icons (looked for less than a day ago) are not looked for again.
    site.listed.lock().unwrap().push("three");
    assert_success(&run(&config, &["--now", "2026-06-14T13:00:00Z", "scrape"]));
    assert_eq!(site.hits("GET", "/news/three"), 1);
    assert_eq!(site.hits("HEAD", "/img/one.jpg"), 1, "asked once, ever");
    assert_eq!(
        site.hits("HEAD", "/img/two.jpg"),
        1,
        "a failed HEAD is not retried"
    );
    assert_eq!(site.hits("GET", "/"), 1);

    let one = format!("{}/img/one.jpg", site.url());
    let two = format!("{}/img/two.jpg", site.url());
    let read = |ext: &str| std::fs::read(dir.path().join(format!("feeds/news.{ext}"))).unwrap();

    let rss = read("rss");
    let rss_text = String::from_utf8(rss.clone()).unwrap();
    assert!(!rss_text.contains("length=\"0\""), "{rss_text}");
    assert_eq!(
        rss_text
            .matches(&format!(
                "<enclosure url=\"{one}\" length=\"{ONE_JPG_BYTES}\" type=\"image/jpeg\""
            ))
            .count(),
        2,
        "{rss_text}"
    );
    assert!(rss_text.contains(&format!("url=\"{two}\"")), "{rss_text}");
    let feed = parse_feed(&rss);
    assert_eq!(
        feed.logo.as_ref().map(|i| i.uri.clone()),
        Some(format!("{}/icons/site-32.png", site.url()))
    );
    let sizes: Vec<Option<u64>> = feed
        .entries
        .iter()
        .flat_map(|e| &e.media)
        .flat_map(|m| &m.content)
        .map(|c| c.size)
        .collect();
    assert_eq!(sizes.len(), 3, "{rss_text}");
    assert_eq!(
        sizes
            .iter()
            .filter(|s| **s == Some(ONE_JPG_BYTES as u64))
            .count(),
        2
    );

    let atom = parse_feed(&read("atom"));
    assert_eq!(
        atom.icon.as_ref().map(|i| i.uri.clone()),
        Some(format!("{}/icons/site-32.png", site.url()))
    );
    assert_eq!(
        atom.logo.as_ref().map(|i| i.uri.clone()),
        Some(format!("{}/icons/touch.png", site.url()))
    );
    let enclosures: Vec<_> = atom
        .entries
        .iter()
        .flat_map(|e| &e.links)
        .filter(|l| l.rel.as_deref() == Some("enclosure"))
        .collect();
    assert_eq!(enclosures.len(), 2);
    assert!(enclosures
        .iter()
        .all(|l| l.href == one && l.length == Some(ONE_JPG_BYTES as u64)));

    let json = parse_feed(&read("json"));
    assert_eq!(
        json.logo.as_ref().map(|i| i.uri.clone()),
        Some(format!("{}/icons/touch.png", site.url()))
    );
    let attachments = json
        .entries
        .iter()
        .flat_map(|e| &e.links)
        .filter(|l| {
            l.length == Some(ONE_JPG_BYTES as u64) && l.media_type.as_deref() == Some("image/jpeg")
        })
        .count();
    assert_eq!(attachments, 2);

    // A day later the icons are looked for again (and are the same).
    assert_success(&run(&config, &["--now", "2026-06-15T14:00:00Z", "scrape"]));
    assert_eq!(site.hits("GET", "/"), 2);
    assert_eq!(site.hits("HEAD", "/img/one.jpg"), 1);
}

#[test]
fn a_site_declaring_no_icon_gets_its_favicon() {
    let site = Site::start(false);
    assert!(!site.declares);
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &site.url());
    assert_success(&run(&config, &["--now", "2026-06-14T12:00:00Z", "scrape"]));
    assert_eq!(site.hits("HEAD", "/favicon.ico"), 1);
    assert_eq!(site.hits("GET", "/favicon.ico"), 0);
    let favicon = Some(format!("{}/favicon.ico", site.url()));
    let read = |ext: &str| std::fs::read(dir.path().join(format!("feeds/{ext}"))).unwrap();
    for file in ["news.rss", "site.rss"] {
        let feed = parse_feed(&read(file));
        assert_eq!(feed.logo.map(|i| i.uri), favicon, "{file}");
    }
    let atom = parse_feed(&read("news.atom"));
    assert_eq!(atom.icon.map(|i| i.uri), favicon);
    assert!(atom.logo.is_none(), "no large picture declared");
}
