//! `serve` when the disk fails it: feed files that cannot be written, the feeds directory
//! (with the database in it) deleted while serving, a damaged database at start. Feeds stay
//! served, nothing stored is lost, and the log and `/healthz` say what happened and what to
//! do, without the server's paths in any answer.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::faulty::Faulty;
use support::{assert_success, parse_feed, run, Serve};

/// One site with one good section on the faulty origin (three articles), and `storage`
/// as the `[storage]` table's lines.
fn config(origin: &Faulty, dir: &Path, storage: &str) -> PathBuf {
    let text = format!(
        r#"[server]
public_url = "http://feeds.example.test/"

[storage]
{storage}

[[site]]
id = "faulty"
base_url = "{}"
timezone = "Europe/Moscow"
min_delay = "0s"

[site.listing]
type = "html"
items = "ul.news li"

[site.listing.fields]
link = {{ css = "a", attr = "href" }}
title = {{ css = "a" }}
published = {{ css = "time", attr = "datetime" }}

[site.article]
title = [{{ css = "h1.title" }}]
body = [{{ css = ".text", html = true }}]
published = [{{ css = ".date" }}]

[[site.section]]
id = "good"
path = "/ok"
interval = "1h"
"#,
        origin.url("")
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `/healthz` once `ready` accepts it (status and JSON).
async fn health_when(
    serve: &mut Serve,
    client: &reqwest::Client,
    what: &str,
    mut ready: impl FnMut(&serde_json::Value) -> bool,
) -> (u16, serde_json::Value, String) {
    serve
        .poll_get(
            client,
            "/healthz",
            what,
            Duration::from_secs(60),
            |status, body| {
                let health: serde_json::Value = serde_json::from_slice(body).unwrap();
                ready(&health).then(|| (status, health, String::from_utf8_lossy(body).into_owned()))
            },
        )
        .await
}

fn scraped(health: &serde_json::Value) -> bool {
    health["sections"]["good"]["last_success"].is_string()
}

async fn get(client: &reqwest::Client, serve: &Serve, path: &str) -> (u16, bytes::Bytes) {
    let response = client.get(serve.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap())
}

fn titles(bytes: &[u8]) -> Vec<String> {
    parse_feed(bytes)
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_files_that_cannot_be_written_leave_feeds_served_and_are_written_once_they_can() {
    let origin = Faulty::start();
    let dir = tempfile::tempdir().unwrap();
    // What a full disk or a vanished mount does to every write: a file where the feeds
    // directory should be.
    let feeds = dir.path().join("feeds");
    std::fs::write(&feeds, "not a directory").unwrap();
    let config = config(
        &origin,
        dir.path(),
        "database = \"state/scrapefeed.db\"\nfeeds_dir = \"feeds\"",
    );
    // A one-shot scrape stores what it read and says the files failed.
    let output = run(&config, &["scrape"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "error: the files of 3 feed(s) could not be written (cannot write feed files: not \
             a directory)"
        ),
        "{stderr}"
    );

    let client = reqwest::Client::new();
    let mut serve = Serve::start(&config);

    let (status, health, body) = health_when(&mut serve, &client, "scraped", |h| {
        scraped(h) && h["feed_files"]["writable"] == false
    })
    .await;
    assert_eq!(status, 200, "{health:#}");
    assert_eq!(health["status"], "degraded");
    assert_eq!(
        health["feed_files"]["error"],
        "cannot write feed files: not a directory"
    );
    assert!(health["feed_files"]["failing_since"].is_string());
    assert!(health["feed_files"]["unwritten_feeds"].as_u64().unwrap() >= 1);
    assert_eq!(health["database"]["writable"], true);
    assert_eq!(health["sections"]["good"]["consecutive_failures"], 0);
    let root = dir.path().display().to_string();
    assert!(!body.contains(&root), "a server path in /healthz: {body}");
    let logged = serve.wait_for_log(
        |l| l.contains("ERROR") && l.contains("cannot write feed files"),
        Duration::from_secs(5),
    );
    assert!(logged.contains(&root), "the log names the file: {logged}");

    // Every feed is served all the same, from memory.
    let expected = [
        "Article at /ok/article/1",
        "Президент России провёл совещание с членами правительства",
        "Garbage article",
    ];
    let mut served = Vec::new();
    for path in ["/feeds/good.atom", "/feeds/faulty.rss", "/feeds/all.json"] {
        let (status, bytes) = get(&client, &serve, path).await;
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&bytes));
        assert_eq!(titles(&bytes), expected, "{path}");
        served.push(bytes);
    }
    let (status, bytes) = get(&client, &serve, "/feeds/good.rss?limit=1").await;
    assert_eq!(status, 200);
    assert_eq!(titles(&bytes), expected[..1]);

    // The disk is back: within the export period every file is written, and health is ok.
    std::fs::remove_file(&feeds).unwrap();
    let (status, health, _) = health_when(&mut serve, &client, "files written", |h| {
        h["status"] == "ok"
    })
    .await;
    assert_eq!(status, 200);
    assert_eq!(health["feed_files"]["writable"], true);
    assert_eq!(health["feed_files"]["unwritten_feeds"], 0);
    assert!(health["feed_files"]["error"].is_null());
    for (name, bytes) in ["good.atom", "faulty.rss", "all.json"].iter().zip(&served) {
        assert_eq!(
            std::fs::read(feeds.join(name)).unwrap(),
            bytes.as_ref(),
            "{name}"
        );
    }
    serve.wait_for_log(
        |l| l.contains("feed files are written again"),
        Duration::from_secs(5),
    );
}

/// The `/proc/PID/fd/N` path the server's log gives for the lost database.
fn readable_at(line: &str) -> String {
    let start = line.find("/proc/").expect("a /proc path in the line");
    line[start..]
        .split(|c: char| c.is_whitespace() || c == '`')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_feeds_directory_stops_writes_loudly_and_loses_nothing() {
    let origin = Faulty::start();
    let dir = tempfile::tempdir().unwrap();
    // The old default, set explicitly: the database lives in the feeds directory.
    let config = config(
        &origin,
        dir.path(),
        "database = \"feeds/scrapefeed.db\"\nfeeds_dir = \"feeds\"",
    );
    let database = dir.path().join("feeds/scrapefeed.db");
    let client = reqwest::Client::new();
    let mut serve = Serve::start(&config);
    health_when(&mut serve, &client, "scraped", scraped).await;
    let (_, before) = get(&client, &serve, "/feeds/good.atom").await;
    assert_eq!(titles(&before).len(), 3);

    std::fs::remove_dir_all(dir.path().join("feeds")).unwrap();
    // An idle server notices within its check period.
    let (status, health, body) = health_when(&mut serve, &client, "database lost", |h| {
        h["database"]["writable"] == false
    })
    .await;
    assert_eq!(status, 503, "{health:#}");
    assert_eq!(health["status"], "failing");
    assert_eq!(
        health["database"]["error"],
        "the database file was deleted while scrapefeed was running; nothing is written to the \
         database until scrapefeed restarts"
    );
    assert!(!body.contains(&dir.path().display().to_string()), "{body}");
    let logged = serve.wait_for_log(
        |l| l.contains("ERROR") && l.contains("database file was deleted"),
        Duration::from_secs(5),
    );
    assert!(logged.contains(&database.display().to_string()), "{logged}");
    assert!(logged.contains("Copy the lost file out first"), "{logged}");

    // Still served, the same bytes.
    let (status, after) = get(&client, &serve, "/feeds/good.atom").await;
    assert_eq!(status, 200);
    assert_eq!(after, before);
    // A reload would open an empty database where the lost one was: refused.
    serve.signal(libc::SIGHUP);
    let refused = serve.wait_for_log(
        |l| l.contains("cannot apply the new config"),
        Duration::from_secs(20),
    );
    assert!(refused.contains("was deleted"), "{refused}");
    assert!(!database.exists(), "no new database behind the user's back");
    let told = serve
        .log()
        .lines()
        .filter(|l| l.contains("Copy the lost file out"))
        .count();
    assert_eq!(told, 1, "logged once");

    // Doing what the log says keeps every entry across the restart.
    std::fs::create_dir_all(database.parent().unwrap()).unwrap();
    std::fs::copy(readable_at(&logged), &database).unwrap();
    serve.stop();
    let mut serve = Serve::start(&config);
    let (status, health, _) = health_when(&mut serve, &client, "scraped again", |h| {
        h["sections"]["good"]["last_attempt"].is_string() && h["status"] == "ok"
    })
    .await;
    assert_eq!(status, 200, "{health:#}");
    let (_, again) = get(&client, &serve, "/feeds/good.atom").await;
    assert_eq!(titles(&again), titles(&before));
}

/// A database with `entries` entries of section `good`, closed.
fn fill(database: &Path, entries: u32) {
    use chrono::{TimeZone, Utc};
    use scrapefeed::model::Entry;
    use scrapefeed::store::{ArticleState, Retention, ScrapedEntry, SqliteStore, Store};
    let store = SqliteStore::open(database).unwrap();
    let saved: Vec<ScrapedEntry> = (0..entries)
        .map(|n| {
            let published = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
                + chrono::Duration::minutes(n.into());
            ScrapedEntry {
                entry: Entry {
                    url: format!("https://archive.example/{n}"),
                    title: format!("Archived {n}"),
                    summary: Some("lead ".repeat(30)),
                    body: Some(format!("<p>{}</p>", "text ".repeat(60))),
                    author: None,
                    tags: vec![],
                    image: None,
                    published: published.fixed_offset(),
                    updated: None,
                    first_seen: published,
                    date_source: "test".into(),
                },
                state: ArticleState::Complete,
            }
        })
        .collect();
    let keep = Retention {
        max_entries: 100_000,
        max_age: None,
    };
    store.save("good", &saved, &keep, Utc::now(), None).unwrap();
}

/// Overwrites 4 KiB in the middle of `path`.
fn damage(path: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let pages = std::fs::metadata(path).unwrap().len() / 4096;
    let mut file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.seek(SeekFrom::Start(pages / 2 * 4096)).unwrap();
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 37 + 11) as u8).collect();
    file.write_all(&garbage).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_is_refused_untouched_and_its_message_leads_back() {
    let origin = Faulty::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(&origin, dir.path(), "max_entries = 1000");
    let database = dir.path().join("data/scrapefeed.db");
    fill(&database, 600);
    let backup = dir.path().join("backup.jsonl");
    assert_success(&run(
        &config,
        &["export", "--output", backup.to_str().unwrap()],
    ));
    damage(&database);
    let damaged = std::fs::read(&database).unwrap();
    let says_what_to_do = |text: &str| {
        for part in [
            &format!("database {} is damaged", database.display()),
            "PRAGMA quick_check",
            "scrapefeed import BACKUP.jsonl",
            "scrapefeed export",
        ] {
            assert!(text.contains(part), "{part:?} not in:\n{text}");
        }
    };

    let refused = Serve::options(&config)
        .try_start()
        .err()
        .expect("serve refuses a damaged database");
    says_what_to_do(&refused);
    for args in [&["scrape"][..], &["import", backup.to_str().unwrap()]] {
        let output = run(&config, args);
        assert!(!output.status.success(), "{args:?}");
        says_what_to_do(&String::from_utf8_lossy(&output.stderr));
    }
    // An export fails before writing anything, to a file or to standard output.
    let out = dir.path().join("out.jsonl");
    let output = run(&config, &["export", "--output", out.to_str().unwrap()]);
    assert!(!output.status.success());
    says_what_to_do(&String::from_utf8_lossy(&output.stderr));
    assert!(!out.exists());
    let output = run(&config, &["export"]);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert_eq!(
        std::fs::read(&database).unwrap(),
        damaged,
        "nothing written"
    );

    // The way back the message gives: the file aside, the backup imported.
    std::fs::rename(&database, dir.path().join("damaged.db")).unwrap();
    assert_success(&run(&config, &["import", backup.to_str().unwrap()]));
    let client = reqwest::Client::new();
    let mut serve = Serve::start(&config);
    health_when(&mut serve, &client, "scraped", scraped).await;
    let (status, bytes) = get(&client, &serve, "/feeds/good.json").await;
    assert_eq!(status, 200);
    let titles = titles(&bytes);
    assert_eq!(titles.len(), 603, "the 600 stored and the 3 scraped now");
    assert!(titles.contains(&"Archived 0".to_string()));
}
