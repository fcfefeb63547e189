//! Backup and move: `export` writes every stored entry as JSON lines, `import` reads them
//! into another database idempotently, and the moved instance serves byte-identical feeds.

mod support;

use std::path::Path;

use support::origin::{Origin, SiteModel, SECTIONS};
use support::{assert_success, run, write_config};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn feed_files(dir: &Path) -> Vec<Vec<u8>> {
    SECTIONS
        .iter()
        .flat_map(|(slug, _, _)| ["rss", "atom"].map(|ext| (slug, ext)))
        .map(|(slug, ext)| std::fs::read(dir.join("feeds").join(format!("{slug}.{ext}"))).unwrap())
        .collect()
}

#[test]
fn export_import_round_trip_is_exact_and_idempotent() {
    let origin = Origin::start(SiteModel::tass());
    let old = tempfile::tempdir().unwrap();
    let old_config = write_config(old.path(), &origin.base_url());
    assert_success(&run(&old_config, &["scrape"]));

    let backup = old.path().join("backup.jsonl");
    let output = run(
        &old_config,
        &["export", "--output", backup.to_str().unwrap()],
    );
    assert_success(&output);
    let exported = std::fs::read(&backup).unwrap();
    let lines: Vec<serde_json::Value> = exported
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let total = origin.model().articles.len();
    assert_eq!(lines.len(), total);
    assert!(stderr(&output).contains(&format!("exported {total} entries")));
    for line in &lines {
        for key in [
            "feed",
            "url",
            "title",
            "published",
            "first_seen",
            "date_source",
            "state",
            "attempts",
        ] {
            assert!(!line[key].is_null(), "{key} missing in {line}");
        }
        let published = line["published"].as_str().unwrap();
        assert!(
            published.ends_with("+03:00"),
            "site offset kept: {published}"
        );
    }
    // Standard output gives the same bytes.
    let to_stdout = run(&old_config, &["export"]);
    assert_success(&to_stdout);
    assert_eq!(to_stdout.stdout, exported);

    // A new machine: empty database, same config.
    let new = tempfile::tempdir().unwrap();
    let new_config = write_config(new.path(), &origin.base_url());
    let output = run(&new_config, &["import", backup.to_str().unwrap()]);
    assert_success(&output);
    assert!(
        stderr(&output).contains(&format!("imported {total} entries, 0 already present")),
        "{}",
        stderr(&output)
    );
    assert!(
        feed_files(new.path()) == feed_files(old.path()),
        "the moved instance serves the same feeds, byte for byte"
    );
    let again = run(&new_config, &["export"]);
    assert_success(&again);
    assert!(
        again.stdout == exported,
        "export → import → export is exact"
    );

    // Importing twice changes nothing.
    let output = run(&new_config, &["import", backup.to_str().unwrap()]);
    assert_success(&output);
    assert!(
        stderr(&output).contains(&format!("imported 0 entries, {total} already present")),
        "{}",
        stderr(&output)
    );
    assert!(run(&new_config, &["export"]).stdout == exported);

    // And a scrape after the move fetches no stored article again.
    origin.clear_log();
    assert_success(&run(&new_config, &["scrape"]));
    let article_fetches = origin
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.matches('/').count() == 2)
        .count();
    assert_eq!(article_fetches, 0);
    assert!(feed_files(new.path()) == feed_files(old.path()));
}

#[test]
fn a_bad_line_imports_nothing_and_names_the_line() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let source = tempfile::tempdir().unwrap();
    let source_config = write_config(source.path(), &origin.base_url());
    assert_success(&run(&source_config, &["scrape", "politics"]));
    let good = run(&source_config, &["export"]).stdout;
    let mut text = String::from_utf8(good).unwrap();
    text.push_str("{\"feed\": \"politics\"}\n");
    let file = dir.path().join("bad.jsonl");
    std::fs::write(&file, text).unwrap();
    let output = run(&config, &["import", file.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("line 4"), "{}", stderr(&output));
    assert!(run(&config, &["export"]).stdout.is_empty());
}

#[test]
fn an_export_that_stops_part_way_says_its_output_is_incomplete() {
    use chrono::{TimeZone, Utc};
    use scrapefeed::model::Entry;
    use scrapefeed::store::{ArticleState, Retention, ScrapedEntry, SqliteStore, Store};
    use std::io::BufRead;

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "http://127.0.0.1:9");
    let store = SqliteStore::open(&dir.path().join("data/scrapefeed.db")).unwrap();
    // Far more than a pipe holds.
    let entries: Vec<ScrapedEntry> = (0..600)
        .map(|n| ScrapedEntry {
            entry: Entry {
                url: format!("https://tass.com/politics/{n}"),
                title: format!("Entry {n}"),
                summary: None,
                body: Some(format!("<p>{}</p>", "text ".repeat(200))),
                author: None,
                tags: vec![],
                image: None,
                published: Utc
                    .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
                    .unwrap()
                    .fixed_offset(),
                updated: None,
                first_seen: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
                date_source: "test".into(),
            },
            state: ArticleState::Complete,
        })
        .collect();
    let keep = Retention {
        max_entries: 1000,
        max_age: None,
    };
    store
        .save("politics", &entries, &keep, Utc::now(), None)
        .unwrap();
    drop(store);

    // A reader that goes away after one line.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scrapefeed"))
        .arg("--config")
        .arg(&config)
        .arg("export")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("\"feed\":\"politics\""), "{first}");
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output)
            .contains("the export stopped part-way: what standard output received is incomplete"),
        "{}",
        stderr(&output)
    );
}

/// `scrapefeed export | scrapefeed import -` with `SCRAPEFEED_DATABASE_URL` naming a
/// PostgreSQL database: an SQLite instance moves whole (the same lines come back out, the
/// same feed files are written), and the password never shows.
#[test]
fn an_sqlite_instance_moves_to_postgres_through_a_pipe() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let Some(db) = support::pg::TestDb::fresh() else {
        return;
    };
    let origin = Origin::start(SiteModel::tass());
    let old = tempfile::tempdir().unwrap();
    let old_config = write_config(old.path(), &origin.base_url());
    assert_success(&run(&old_config, &["scrape"]));
    let exported = run(&old_config, &["export"]);
    assert_success(&exported);
    assert!(!exported.stdout.is_empty());

    let new = tempfile::tempdir().unwrap();
    let new_config = write_config(new.path(), &origin.base_url());
    let on_postgres = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_scrapefeed"));
        command
            .arg("--config")
            .arg(&new_config)
            .args(args)
            .env("SCRAPEFEED_DATABASE_URL", &db.url)
            .env_remove("SCRAPEFEED_LOG_FORMAT")
            .env_remove("SCRAPEFEED_FEEDS_DIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    };
    let mut import = on_postgres(&["import", "-"]).spawn().unwrap();
    import
        .stdin
        .take()
        .unwrap()
        .write_all(&exported.stdout)
        .unwrap();
    let imported = import.wait_with_output().unwrap();
    assert_success(&imported);
    let total = origin.model().articles.len();
    assert!(
        stderr(&imported).contains(&format!("imported {total} entries, 0 already present")),
        "{}",
        stderr(&imported)
    );
    let password = url::Url::parse(&db.url)
        .unwrap()
        .password()
        .unwrap()
        .to_string();
    assert!(!stderr(&imported).contains(&password));
    assert!(
        !new.path().join("data/scrapefeed.db").exists(),
        "no SQLite file is made"
    );
    assert!(
        feed_files(new.path()) == feed_files(old.path()),
        "same feeds"
    );

    let back = on_postgres(&["export"]).output().unwrap();
    assert_success(&back);
    assert!(
        back.stdout == exported.stdout,
        "the same lines come back out"
    );
}
