//! `serve` on a PostgreSQL store (`SCRAPEFEED_DATABASE_URL`), the real binary: it scrapes
//! into the shared database and serves from it, and a stop signal ends its start-up wait
//! for a server that is down. Several instances together are `tests/cluster*.rs`' subject.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::origin::{Origin, SiteModel, SECTIONS};
use support::pg::TestDb;
use support::{parse_feed, write_config, Serve};

#[test]
fn serve_scrapes_into_postgres_and_serves_from_it() {
    // The test's database is made, read and dropped outside the runtime (its client blocks).
    let Some(db) = TestDb::fresh() else { return };
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let mut serve = Serve::options(&config)
        .env("SCRAPEFEED_DATABASE_URL", &db.url)
        .start();
    let (slug, _, _) = SECTIONS[0];
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let body = runtime.block_on(async {
        serve.scraped().await;
        reqwest::get(serve.url(&format!("/feeds/{slug}.rss")))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    let feed = parse_feed(&body);
    assert!(!feed.entries.is_empty());
    // The entries are in PostgreSQL, and no SQLite file was made.
    let stored: i64 = db
        .client()
        .query_one("SELECT count(*) FROM entries WHERE feed = $1", &[&slug])
        .unwrap()
        .get(0);
    assert_eq!(stored as usize, feed.entries.len());
    assert!(!dir.path().join("data/scrapefeed.db").exists());
    let password = url::Url::parse(&db.url)
        .unwrap()
        .password()
        .unwrap()
        .to_string();
    serve.stop();
    assert!(!serve.log().contains(&password), "{}", serve.log());
}

#[test]
fn a_stop_signal_ends_the_wait_for_a_server_that_is_down() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "http://127.0.0.1:9");
    let mut child = Command::new(env!("CARGO_BIN_EXE_scrapefeed"))
        .arg("--config")
        .arg(&config)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .env(
            "SCRAPEFEED_DATABASE_URL",
            format!("postgres://sf:hunter2@127.0.0.1:{port}/feeds"),
        )
        .env_remove("SCRAPEFEED_LOG_FORMAT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let warning = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.contains("database not reachable yet"))
        .expect("the wait is logged");
    assert!(
        warning.contains(&format!("postgres://sf@127.0.0.1:{port}/feeds")),
        "{warning}"
    );
    assert!(!warning.contains("hunter2"), "{warning}");
    // SAFETY: a signal to the child this test started.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let asked = Instant::now();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "stopped promptly"
    );
    assert!(!status.success(), "{status:?}");
    let rest = rest.join("\n");
    assert!(rest.contains("gave up waiting for the database"), "{rest}");
    assert!(!rest.contains("hunter2"), "{rest}");
}
