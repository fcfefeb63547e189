//! The feed server as the real process runs it: the binary's `serve` against the local TASS
//! copy, over real HTTP, with a configured public URL and a second site that mirrors one TASS
//! section (so the merged feeds must drop its duplicates).
//!
//! Checked here, because only the whole process shows it: scraped entries reaching every feed
//! (sections, merged site feeds, `all`) in RSS, Atom and JSON Feed, read back by feed-rs; self
//! links under the configured public URL; the files mirrored to `feeds/` holding the served
//! bytes; and documents that fell out of a small memory budget, or outlived a restart, coming
//! back with the same bytes and validators. How the routes answer — statuses, headers,
//! encodings, conditional requests, queries, HEAD, the pages, OPML — is checked in-process, on
//! known entries, by `tests/routes/`.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::HeaderMap;
use support::origin::{Article, Origin, SiteModel, SECTIONS};
use support::{parse_feed, write_config_with, Serve};

const PUBLIC: &str = "http://feeds.example.test/sf/";
const FORMATS: [&str; 3] = ["rss", "atom", "json"];

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

/// Scraped entries reach every feed — sections, the sites' merged feeds (the mirror's
/// duplicates dropped) and `all` — in every format; each names itself under the configured
/// public URL (which `serve` prefers to its `--listen` address); and the files mirrored to
/// `feeds/` hold exactly the bytes served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scraped_entries_reach_every_feed_in_every_format_and_its_file() {
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

    for (name, wanted) in &want {
        for ext in FORMATS {
            let path = format!("/feeds/{name}.{ext}");
            let (status, _, body) = server.get(&path, &[]).await;
            assert_eq!(status, 200, "{path}");
            // The same entries, in the same order, whatever the format.
            assert_eq!(&entries(&body), wanted, "{path}");
            let self_link = format!("{PUBLIC}feeds/{name}.{ext}");
            assert!(
                String::from_utf8_lossy(&body).contains(&self_link),
                "{path} names itself {self_link}"
            );
            let file = dir.path().join("feeds").join(format!("{name}.{ext}"));
            let on_disk = std::fs::read(&file).unwrap();
            assert!(
                on_disk == body,
                "{} differs from what is served",
                file.display()
            );
        }
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
                for ext in FORMATS {
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
