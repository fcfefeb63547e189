//! The real binary finds its config where the docs say, stops clearly when it cannot, keeps
//! its database out of `feeds/` and moves one an older version left there, entries intact.
//!
//! Each test runs the binary in an empty working directory with a controlled environment
//! (`HOME`, no `XDG_CONFIG_HOME`, no `SCRAPEFEED_CONFIG`, no `STATE_DIRECTORY`), and uses
//! `export`, which reads the config and the database and fetches nothing.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{TimeZone, Utc};
use scrapefeed::model::Entry;
use scrapefeed::store::{ArticleState, Retention, ScrapedEntry, SqliteStore, Store};

/// The binary in `cwd`, with only the variables given (plus `PATH` and `RUST_LOG`).
fn scrapefeed(cwd: &Path, vars: &[(&str, &Path)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scrapefeed"));
    command
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .env("HOME", cwd.join("home"));
    for (name, value) in vars {
        command.env(name, value);
    }
    command.args(args).output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The repository's config in `dir` (its relative paths resolve there).
fn config_in(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    support::write_config(dir, "http://127.0.0.1:9")
}

/// `n` entries of the feed `politics` in a database at `path`.
fn fill(path: &Path, n: usize) {
    let store = SqliteStore::open(path).unwrap();
    let entries: Vec<ScrapedEntry> = (0..n)
        .map(|i| ScrapedEntry {
            entry: Entry {
                url: format!("https://tass.com/politics/{i}"),
                title: format!("Entry {i}"),
                summary: None,
                body: None,
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
}

/// The entries an `export` wrote to standard output.
fn exported_entries(output: &Output) -> usize {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains("\"feed\":\"politics\""))
        .count()
}

#[test]
fn scrapefeed_config_names_the_file_and_a_missing_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(&dir.path().join("elsewhere"));
    let cwd = dir.path().join("cwd");
    std::fs::create_dir(&cwd).unwrap();

    let output = scrapefeed(&cwd, &[("SCRAPEFEED_CONFIG", &config)], &["export"]);
    assert!(output.status.success(), "{}", stderr(&output));
    // Relative paths follow the config file, not the working directory.
    assert!(dir.path().join("elsewhere/data/scrapefeed.db").is_file());

    let typo = dir.path().join("elsewhere/confg.toml");
    let output = scrapefeed(&cwd, &[("SCRAPEFEED_CONFIG", &typo)], &["export"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("confg.toml"), "{message}");
    assert!(message.contains("SCRAPEFEED_CONFIG"), "{message}");
    // A named file is never replaced by one found elsewhere.
    std::fs::copy(&config, cwd.join("config.toml")).unwrap();
    let output = scrapefeed(&cwd, &[("SCRAPEFEED_CONFIG", &typo)], &["export"]);
    assert!(!output.status.success(), "{}", stderr(&output));
}

#[test]
fn no_config_anywhere_lists_every_place_looked_at() {
    if Path::new("/etc/scrapefeed/config.toml").exists() {
        eprintln!("skipped: this machine has /etc/scrapefeed/config.toml");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = scrapefeed(dir.path(), &[], &["export"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    let home_config = dir.path().join("home/.config/scrapefeed/config.toml");
    let places = [
        "./config.toml".to_string(),
        home_config.display().to_string(),
        "/etc/scrapefeed/config.toml".to_string(),
    ];
    let mut last = 0;
    for place in &places {
        let at = message
            .find(place.as_str())
            .unwrap_or_else(|| panic!("{place} is not listed:\n{message}"));
        assert!(at >= last, "places out of order:\n{message}");
        last = at;
    }
    assert!(message.contains("--config PATH"), "{message}");
}

#[test]
fn a_data_directory_that_cannot_be_made_stops_the_start_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path());
    // A file where the data directory should be: it stops root too.
    std::fs::write(dir.path().join("data"), "keep me").unwrap();
    let output = scrapefeed(
        dir.path(),
        &[],
        &["--config", config.to_str().unwrap(), "export"],
    );
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains(&format!(
            "cannot create the data directory {}",
            dir.path().join("data").display()
        )),
        "{message}"
    );
    assert!(message.contains("storage.database"), "{message}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("data")).unwrap(),
        "keep me"
    );
    assert!(!dir.path().join("feeds/scrapefeed.db").exists());
}

#[test]
fn an_old_database_in_feeds_moves_to_the_data_directory_with_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path());
    let old = dir.path().join("feeds/scrapefeed.db");
    fill(&old, 25);
    let output = scrapefeed(
        dir.path(),
        &[],
        &["--config", config.to_str().unwrap(), "export"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(exported_entries(&output), 25);
    let log = stderr(&output);
    assert!(log.contains("moved the database"), "{log}");
    assert!(log.contains(&old.display().to_string()), "{log}");
    assert!(dir.path().join("data/scrapefeed.db").is_file());
    let left: Vec<String> = std::fs::read_dir(dir.path().join("feeds"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("scrapefeed.db"))
        .collect();
    assert!(left.is_empty(), "left in feeds/: {left:?}");

    // The next start finds it in place: nothing moves again.
    let output = scrapefeed(
        dir.path(),
        &[],
        &["--config", config.to_str().unwrap(), "export"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(exported_entries(&output), 25);
    assert!(!stderr(&output).contains("moved the database"));
}

#[test]
fn an_old_database_that_cannot_move_is_used_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path());
    let old = dir.path().join("feeds/scrapefeed.db");
    fill(&old, 7);
    std::fs::write(dir.path().join("data"), "in the way").unwrap();
    let output = scrapefeed(
        dir.path(),
        &[],
        &["--config", config.to_str().unwrap(), "export"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(exported_entries(&output), 7);
    let log = stderr(&output);
    assert!(log.contains("cannot move the database"), "{log}");
    assert!(log.contains("stop scrapefeed, then move"), "{log}");
    assert!(old.is_file());
}

#[test]
fn environment_variables_fill_values_and_a_missing_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = support::write_config_with(dir.path(), "http://127.0.0.1:9", |text| {
        text.replace(
            "feeds_dir = \"feeds\"",
            "database = \"${DB_DIR}/entries.db\"\nfeeds_dir = \"feeds\"",
        )
    });
    let output = scrapefeed(
        dir.path(),
        &[],
        &["--config", config.to_str().unwrap(), "export"],
    );
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("`DB_DIR` is not set"), "{message}");
    assert!(message.contains("key `storage.database`"), "{message}");
    assert!(message.contains("line "), "{message}");

    let db_dir = dir.path().join("from-env");
    let output = scrapefeed(
        dir.path(),
        &[("DB_DIR", &db_dir)],
        &["--config", config.to_str().unwrap(), "export"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(db_dir.join("entries.db").is_file());
}
