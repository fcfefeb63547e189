//! The feed server as readers, caches and browsers meet it: the real binary's `serve` against
//! the local TASS copy, over real HTTP, with a configured public URL and a second site that
//! mirrors one TASS section (so the merged feeds must drop its duplicates).
//!
//! Checked: every feed in RSS, Atom and JSON Feed read back by feed-rs (and JSON Feed by serde)
//! with the same entries in every format; the merged site and `all` feeds; gzip and brotli
//! bodies that decode to the identity bytes, each with its own ETag; 304s for `If-None-Match`
//! and `If-Modified-Since`; `Cache-Control`, `Vary`; HEAD; 405 and 404; query filters; the
//! index page's links; the preview pages; OPML; and the files mirrored to `feeds/`.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::HeaderMap;
use support::origin::{Article, Origin, SiteModel, SECTIONS};
use support::{parse_feed, write_config_with, Serve};

const PUBLIC: &str = "http://feeds.example.test/sf/";
const FORMATS: [(&str, &str); 3] = [
    ("rss", "application/rss+xml; charset=utf-8"),
    ("atom", "application/atom+xml; charset=utf-8"),
    ("json", "application/feed+json; charset=utf-8"),
];

/// The server under test, once every section has been scraped.
struct Server(Serve);

/// The repository config plus a public URL and a `mirror` site whose one section reads the
/// same TASS listing as `politics`.
fn config_text(text: String) -> String {
    let site = &text[text.find("[[site]]").unwrap()..text.find("[[site.section]]").unwrap()];
    let mirror = site
        .replacen("id = \"tass\"", "id = \"mirror\"", 1)
        .replacen("title = \"TASS\"", "title = \"TASS mirror\"", 1);
    assert_ne!(mirror, site, "the mirror site is renamed");
    let text = text.replacen(
        "[server]\n",
        &format!("[server]\npublic_url = \"{PUBLIC}\"\n"),
        1,
    );
    format!(
        "{text}\n{mirror}\n[[site.section]]\nid = \"politics-again\"\ntitle = \"Politics again\"\n\
         path = \"/politics\"\nparams = {{ section_id = 4954 }}\n"
    )
}

async fn start(dir: &std::path::Path, origin: &Origin) -> Server {
    start_with(dir, origin, |text| text).await
}

async fn start_with(
    dir: &std::path::Path,
    origin: &Origin,
    edit: impl FnOnce(String) -> String,
) -> Server {
    let config = write_config_with(dir, &origin.base_url(), |text| edit(config_text(text)));
    let mut serve = Serve::start(&config);
    let client = reqwest::Client::new();
    serve
        .poll_get(
            &client,
            "/healthz",
            "sections were not scraped in time",
            Duration::from_secs(60),
            |_, body| {
                let health: serde_json::Value = serde_json::from_slice(body).unwrap();
                let sections = health["sections"].as_object().unwrap();
                (sections.len() == 10 && sections.values().all(|s| !s["last_success"].is_null()))
                    .then_some(())
            },
        )
        .await;
    Server(serve)
}

/// A client that neither asks for nor decodes compression: every header is ours to set.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .build()
        .unwrap()
}

impl Server {
    /// Public URLs name a host that does not exist; map them onto the local server.
    fn local(&self, public: &str) -> String {
        assert!(public.starts_with(PUBLIC), "{public} is under {PUBLIC}");
        self.0.url(&format!("/{}", &public[PUBLIC.len()..]))
    }

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> (u16, HeaderMap, Vec<u8>) {
        let mut request = raw_client().get(self.0.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.unwrap().to_vec())
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
        .to_str()
        .unwrap()
}

/// (title, link, instant) of every entry, as feed-rs reads them.
fn entries(bytes: &[u8]) -> Vec<(String, String, chrono::DateTime<Utc>)> {
    parse_feed(bytes)
        .entries
        .iter()
        .map(|e| {
            (
                e.title.as_ref().unwrap().content.clone(),
                e.links[0].href.clone(),
                e.published.expect("every entry has a date"),
            )
        })
        .collect()
}

fn expected(
    origin: &Origin,
    articles: &[&Article],
) -> Vec<(String, String, chrono::DateTime<Utc>)> {
    let mut list: Vec<_> = articles
        .iter()
        .map(|a| {
            (
                a.title.clone(),
                format!("{}{}", origin.base_url(), a.path()),
                a.published.with_timezone(&Utc),
            )
        })
        .collect();
    list.sort_by_key(|e| std::cmp::Reverse(e.2));
    list
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_feed_in_every_format_with_caching_compression_queries_and_discovery() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &origin).await;
    let model = origin.model();

    // Which entries each feed must hold: sections as listed, merged feeds deduplicated.
    let mut want: HashMap<String, Vec<(String, String, chrono::DateTime<Utc>)>> = HashMap::new();
    for (slug, _, _) in SECTIONS {
        want.insert(slug.into(), expected(&origin, &model.in_section(slug)));
    }
    let everything: Vec<&Article> = model.articles.iter().collect();
    want.insert("tass".into(), expected(&origin, &everything));
    want.insert("all".into(), expected(&origin, &everything));
    want.insert("mirror".into(), want["politics"].clone());
    want.insert("politics-again".into(), want["politics"].clone());
    assert_eq!(want["all"].len(), 28);

    let mut served: Vec<(String, &str, Vec<u8>)> = Vec::new();
    for (name, wanted) in &want {
        for (ext, mime) in FORMATS {
            let path = format!("/feeds/{name}.{ext}");
            let (status, headers, body) = server.get(&path, &[]).await;
            assert_eq!(status, 200, "{path}");
            assert_eq!(header(&headers, "content-type"), mime, "{path}");
            assert_eq!(header(&headers, "cache-control"), "public, max-age=450");
            assert_eq!(header(&headers, "vary"), "Accept-Encoding");
            assert!(headers.get("content-encoding").is_none());
            assert!(header(&headers, "last-modified").ends_with(" GMT"));
            // The same entries, in the same order, whatever the format.
            assert_eq!(&entries(&body), wanted, "{path}");
            let text = String::from_utf8(body.clone()).unwrap();
            let self_link = format!("{PUBLIC}feeds/{name}.{ext}");
            assert!(text.contains(&self_link), "{path} names itself {self_link}");
            served.push((name.clone(), ext, body));
        }
    }

    // JSON Feed 1.1 as the spec writes it.
    let (_, _, body) = server.get("/feeds/all.json", &[]).await;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["feed_url"], format!("{PUBLIC}feeds/all.json"));
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 28);
    let date = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$").unwrap();
    for item in items {
        assert_eq!(item["id"], item["url"]);
        assert!(item["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"));
        let published = item["date_published"].as_str().unwrap();
        assert!(date.is_match(published), "{published}");
        assert!(item["content_html"].is_string() || item["content_text"].is_string());
    }

    // Compression: decoded bodies equal the identity bytes; each encoding has its own ETag.
    let (_, plain_headers, plain) = server.get("/feeds/all.atom", &[]).await;
    let plain_etag = header(&plain_headers, "etag").to_string();
    assert!(plain_etag.starts_with('"') && plain_etag.ends_with('"'));
    let mut etags = BTreeSet::from([plain_etag.clone()]);
    for (accept, coding) in [
        ("gzip", "gzip"),
        ("gzip, deflate, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.5, gzip;q=0.9", "gzip"),
        ("*", "br"),
    ] {
        let (status, headers, body) = server
            .get("/feeds/all.atom", &[("accept-encoding", accept)])
            .await;
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-encoding"), coding, "{accept}");
        assert_eq!(header(&headers, "vary"), "Accept-Encoding");
        let mut decoded = Vec::new();
        if coding == "gzip" {
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut decoded)
                .unwrap();
        } else {
            brotli::Decompressor::new(&body[..], 4096)
                .read_to_end(&mut decoded)
                .unwrap();
        }
        assert!(decoded == plain, "{accept}: decodes to the plain bytes");
        assert!(body.len() < plain.len() / 3, "{accept}: compressed");
        etags.insert(header(&headers, "etag").to_string());
    }
    assert_eq!(
        etags.len(),
        3,
        "identity, gzip and br have distinct ETags: {etags:?}"
    );
    let (status, _, _) = server
        .get("/feeds/all.atom", &[("accept-encoding", "identity;q=0")])
        .await;
    assert_eq!(status, 406);

    // Conditional requests: 304 with no body, only for the validator of what would be sent.
    for etag in &etags {
        let accept = if etag.ends_with("-gz\"") {
            "gzip"
        } else if etag.ends_with("-br\"") {
            "br"
        } else {
            "identity"
        };
        let (status, headers, body) = server
            .get(
                "/feeds/all.atom",
                &[("accept-encoding", accept), ("if-none-match", etag)],
            )
            .await;
        assert_eq!(status, 304, "{etag}");
        assert!(body.is_empty());
        assert_eq!(header(&headers, "etag"), etag);
        assert_eq!(header(&headers, "vary"), "Accept-Encoding");
        assert_eq!(header(&headers, "cache-control"), "public, max-age=450");
    }
    let weak = format!("W/{plain_etag}");
    let (status, _, _) = server
        .get("/feeds/all.atom", &[("if-none-match", &weak)])
        .await;
    assert_eq!(status, 304, "a weakened tag still revalidates");
    let (status, _, body) = server
        .get(
            "/feeds/all.atom",
            &[("accept-encoding", "gzip"), ("if-none-match", &plain_etag)],
        )
        .await;
    assert_eq!(
        status, 200,
        "the identity tag does not validate the gzip body"
    );
    assert!(!body.is_empty());
    let last_modified = header(&plain_headers, "last-modified").to_string();
    let (status, _, body) = server
        .get("/feeds/all.atom", &[("if-modified-since", &last_modified)])
        .await;
    assert_eq!((status, body.len()), (304, 0));
    let (status, _, _) = server
        .get(
            "/feeds/all.atom",
            &[("if-modified-since", "Sun, 01 Jan 2023 00:00:00 GMT")],
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, _) = server
        .get(
            "/feeds/all.atom",
            &[
                ("if-none-match", "\"other\""),
                ("if-modified-since", &last_modified),
            ],
        )
        .await;
    assert_eq!(status, 200, "If-None-Match decides when present");

    // HEAD everywhere: the GET headers, no body.
    for path in [
        "/feeds/all.rss",
        "/feeds/politics.json",
        "/",
        "/opml",
        "/healthz",
        "/feeds/tass.html",
    ] {
        let (_, get_headers, get_body) = server.get(path, &[]).await;
        let response = raw_client().head(server.0.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "HEAD {path}");
        assert_eq!(
            response
                .headers()
                .get("content-length")
                .map(|v| v.to_str().unwrap().to_string()),
            Some(get_body.len().to_string()),
            "HEAD {path}"
        );
        assert_eq!(response.headers().get("etag"), get_headers.get("etag"));
        assert!(response.bytes().await.unwrap().is_empty());
    }

    // Other methods on known paths: 405 with Allow. Unknown paths: 404 that says why.
    for path in [
        "/feeds/all.rss",
        "/feeds/politics.atom",
        "/",
        "/opml",
        "/healthz",
    ] {
        for method in [
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
        ] {
            let response = raw_client()
                .request(method.clone(), server.0.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 405, "{method} {path}");
            assert_eq!(response.headers()["allow"], "GET, HEAD");
        }
    }
    for (path, says) in [
        ("/feeds/nonexistent.rss", "no feed named \"nonexistent\""),
        ("/feeds/politics.xml", ".rss, .atom or .json"),
        ("/feeds/", "not found"),
        ("/nope", "not found"),
    ] {
        let (status, _, body) = server.get(path, &[]).await;
        assert_eq!(status, 404, "{path}");
        assert!(String::from_utf8_lossy(&body).contains(says), "{path}");
    }

    // Query options: filtered, cached, validated, self links naming the query.
    let (status, headers, body) = server.get("/feeds/all.rss?limit=2", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(entries(&body), want["all"][..2].to_vec());
    assert!(String::from_utf8_lossy(&body).contains(&format!("{PUBLIC}feeds/all.rss?limit=2")));
    let filtered_etag = header(&headers, "etag").to_string();
    assert_ne!(
        filtered_etag,
        header(&served_etag(&server, "/feeds/all.rss").await, "etag")
    );
    let (status, _, body) = server
        .get(
            "/feeds/all.rss?limit=2",
            &[("if-none-match", &filtered_etag)],
        )
        .await;
    assert_eq!((status, body.len()), (304, 0));
    let science = |e: &(String, String, _)| e.0.starts_with("Science") || e.0.starts_with("Sport");
    let (_, headers, body) = server
        .get(
            "/feeds/all.json?include=SPORT,science&exclude=story%202",
            &[],
        )
        .await;
    let kept = entries(&body);
    let wanted: Vec<_> = want["all"]
        .iter()
        .filter(|e| science(e) && !e.0.contains("story 2"))
        .cloned()
        .collect();
    assert_eq!(kept, wanted);
    assert_eq!(kept.len(), 4);
    let (_, same_headers, _) = server
        .get(
            "/feeds/all.json?exclude=Story+2&include=science&include=sport&utm_source=x",
            &[],
        )
        .await;
    assert_eq!(
        headers["etag"], same_headers["etag"],
        "normalized queries share a document"
    );
    let (_, _, body) = server.get("/feeds/tass.atom?exclude=lavrov", &[]).await;
    let titles: Vec<String> = entries(&body).into_iter().map(|e| e.0).collect();
    assert_eq!(
        titles,
        ["Article that vanished from the site"],
        "only it does not name Lavrov"
    );
    for bad in ["limit=0", "limit=x", "limit=-3"] {
        let (status, _, body) = server.get(&format!("/feeds/all.rss?{bad}"), &[]).await;
        assert_eq!(status, 400, "{bad}");
        assert!(String::from_utf8_lossy(&body).contains("limit"));
    }

    // The index page: a link and an alternate link for every feed in every format.
    let (status, headers, body) = server.get("/", &[]).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("text/html"));
    let page = scraper::Html::parse_document(&String::from_utf8(body).unwrap());
    let select = |css: &str| -> Vec<(String, String)> {
        page.select(&scraper::Selector::parse(css).unwrap())
            .map(|a| {
                let v = a.value();
                (
                    v.attr("href").unwrap().to_string(),
                    v.attr("type").unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let links = select("a[href]");
    let alternates = select("link[rel=alternate]");
    for (name, ext, _) in &served {
        let url = format!("{PUBLIC}feeds/{name}.{ext}");
        let mime = FORMATS
            .iter()
            .find(|f| f.0 == *ext)
            .unwrap()
            .1
            .split(';')
            .next()
            .unwrap();
        assert!(
            alternates.contains(&(url.clone(), mime.to_string())),
            "alternate {url}"
        );
        assert!(
            links.iter().any(|(href, _)| *href == url),
            "index links {url}"
        );
    }
    assert!(links
        .iter()
        .any(|(href, _)| *href == format!("{PUBLIC}opml")));
    assert_eq!(alternates.len(), served.len());

    // Preview pages show the entries and announce the feed.
    for name in want.keys() {
        let url = format!("{PUBLIC}feeds/{name}.html");
        assert!(
            links.iter().any(|(href, _)| *href == url),
            "index links {url}"
        );
        let (status, headers, body) = server.get(&format!("/feeds/{name}.html"), &[]).await;
        assert_eq!(status, 200);
        assert!(header(&headers, "content-type").starts_with("text/html"));
        let html = scraper::Html::parse_document(&String::from_utf8(body).unwrap());
        let titles: Vec<String> = html
            .select(&scraper::Selector::parse("article h2 a").unwrap())
            .map(|a| a.text().collect())
            .collect();
        let wanted: Vec<String> = want[name].iter().map(|e| e.0.clone()).collect();
        assert_eq!(titles, wanted, "{name}.html");
        assert_eq!(
            html.select(&scraper::Selector::parse("link[rel=alternate]").unwrap())
                .count(),
            3
        );
    }

    // OPML lists every feed once, and every listed feed is served.
    let (status, headers, body) = server.get("/opml", &[]).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("text/x-opml"));
    let outlines = opml_feeds(&body);
    let names: BTreeSet<String> = want.keys().cloned().collect();
    let listed: BTreeSet<String> = outlines
        .iter()
        .map(|o| {
            o["xmlUrl"]
                .trim_start_matches(&format!("{PUBLIC}feeds/"))
                .trim_end_matches(".rss")
                .to_string()
        })
        .collect();
    assert_eq!(listed, names);
    assert_eq!(outlines.len(), names.len());
    for outline in &outlines {
        assert_eq!(outline["type"], "rss");
        assert!(!outline["text"].is_empty() && outline["text"] == outline["title"]);
        assert!(outline["htmlUrl"].starts_with("http"));
        let response = raw_client()
            .get(server.local(&outline["xmlUrl"]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", outline["xmlUrl"]);
    }
    assert!(outlines
        .iter()
        .any(|o| o["title"] == "TASS: Russian Politics & Diplomacy"));

    // The static mirror holds exactly the served bytes.
    for (name, ext, body) in &served {
        let path = dir.path().join("feeds").join(format!("{name}.{ext}"));
        let on_disk = std::fs::read(&path).unwrap();
        assert!(
            on_disk == *body,
            "{} differs from what is served",
            path.display()
        );
    }
}

/// With room in memory for a few documents, and across a restart, every feed is served with
/// the same bytes and validators: a document that fell out of memory comes back from its
/// file, and a restarted server answers `304` to the validators the previous process gave
/// out, in every format and encoding.
#[tokio::test(flavor = "multi_thread")]
async fn evicted_feeds_and_a_restart_keep_bytes_and_validators() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    // The 42 documents of this config weigh ~300 KB with their compressed forms; 64 KB keeps
    // a few.
    let tiny = |text: String| text.replacen("[server]\n", "[server]\nfeed_cache = \"64 KiB\"\n", 1);
    let names: Vec<String> = SECTIONS
        .iter()
        .map(|(slug, _, _)| slug.to_string())
        .chain(["tass", "mirror", "politics-again", "all"].map(String::from))
        .collect();
    let encodings = ["identity", "gzip", "br"];
    let mut first: Vec<(String, &str, Vec<u8>, String, String)> = Vec::new();
    {
        let server = start_with(dir.path(), &origin, tiny).await;
        for round in 0..2 {
            for name in &names {
                for (ext, _) in FORMATS {
                    for encoding in encodings {
                        let path = format!("/feeds/{name}.{ext}");
                        let (status, headers, body) =
                            server.get(&path, &[("accept-encoding", encoding)]).await;
                        assert_eq!(status, 200, "{path} {encoding}");
                        let etag = header(&headers, "etag").to_string();
                        let modified = header(&headers, "last-modified").to_string();
                        if round == 0 {
                            first.push((path, encoding, body, etag, modified));
                        } else {
                            // Round 2 renders most feeds again: same bytes, same validators.
                            let was = first
                                .iter()
                                .find(|f| f.0 == path && f.1 == encoding)
                                .unwrap();
                            assert!(was.2 == body, "{path} {encoding}: bytes changed");
                            assert_eq!(was.3, etag, "{path} {encoding}");
                            assert_eq!(was.4, modified, "{path} {encoding}");
                        }
                    }
                }
            }
        }
        let metrics = String::from_utf8(server.get("/metrics", &[]).await.2).unwrap();
        assert!(metrics.contains("scrapefeed_feed_cache_bytes"), "{metrics}");
        let reads = metrics
            .lines()
            .find_map(|l| l.strip_prefix("scrapefeed_feed_file_reads_total "))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        assert!(
            reads > 20,
            "feeds fell out of memory and came back from their files: {metrics}"
        );
        let cached = metrics
            .lines()
            .find_map(|l| l.strip_prefix("scrapefeed_feed_cache_bytes "))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap();
        assert!(
            cached <= 64 * 1024,
            "{cached} bytes held over a 64 KiB budget"
        );
    }
    // Restarted: the sections are scraped again and nothing changed.
    let server = start_with(dir.path(), &origin, tiny).await;
    for (path, encoding, body, etag, modified) in &first {
        let (status, headers, _) = server
            .get(
                path,
                &[("accept-encoding", encoding), ("if-none-match", etag)],
            )
            .await;
        assert_eq!(status, 304, "{path} {encoding} after the restart");
        assert_eq!(header(&headers, "etag"), etag);
        assert_eq!(header(&headers, "last-modified"), modified);
        let (status, _, _) = server
            .get(
                path,
                &[
                    ("accept-encoding", encoding),
                    ("if-modified-since", modified),
                ],
            )
            .await;
        assert_eq!(status, 304, "{path} {encoding} by date");
        let (status, headers, again) = server.get(path, &[("accept-encoding", encoding)]).await;
        assert_eq!(status, 200);
        assert!(
            again == *body,
            "{path} {encoding}: bytes changed across the restart"
        );
        assert_eq!(header(&headers, "etag"), etag);
    }
}

async fn served_etag(server: &Server, path: &str) -> HeaderMap {
    server.get(path, &[]).await.1
}

/// The attributes of every `<outline>` that names a feed.
fn opml_feeds(bytes: &[u8]) -> Vec<HashMap<String, String>> {
    use quick_xml::events::Event;
    let text = std::str::from_utf8(bytes).unwrap();
    let mut reader = quick_xml::Reader::from_str(text);
    let mut found = Vec::new();
    let mut root = None;
    loop {
        match reader.read_event().expect("OPML is well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().as_ref().to_string();
                if root.is_none() {
                    assert_eq!(name, "opml");
                    let version = e.try_get_attribute("version").unwrap().unwrap();
                    assert_eq!(&*version.value, "2.0");
                    root = Some(name.clone());
                }
                if name == "outline" {
                    let attrs: HashMap<String, String> = e
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            (
                                a.key.as_ref().to_string(),
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .unwrap()
                                    .into_owned(),
                            )
                        })
                        .collect();
                    if attrs.contains_key("xmlUrl") {
                        found.push(attrs);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(root.is_some(), "an <opml> root");
    found
}
