//! Absurd durations and counts are configuration problems, reported with the key and the
//! limit by `check`, `scrape` and `serve` alike; none of them panics and none of them gets
//! as far as a scrape (where a date past chrono's range used to panic and store nothing).

mod support;

use std::path::Path;
use std::process::Output;

/// Every capped key at an absurd value, at each level where it can be written.
const ABSURD: &str = r#"[server]
feed_cache = "100 GiB"

[storage]
max_entries = 1000000000
max_age = "1000000y"

[scheduler]
concurrency = 100000000000

[[site]]
id = "example"
base_url = "http://127.0.0.1:9/"
interval = "300000y"
min_delay = "1000y"
timeout = "50000d"
retries = 4000000000
retry_delay = "100y"
max_retry_wait = "9999999999s"
max_articles = 99999999
max_entries = 10001
max_age = "200y"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[site.listing.pagination]
pages = 1000000
next = { css = "a.next", attr = "href" }

[[site.section]]
id = "news"
interval = "99999999999999y"
max_entries = 9223372036854775807
max_age = "1000000y"
"#;

/// What the messages must say, key by key.
const EXPECTED: &[&str] = &[
    "key `server.feed_cache`: \"100 GiB\" must be more than 0 and at most 64 GiB",
    "key `storage.max_entries`: 1000000000 is more than the maximum of 10000",
    "key `storage.max_age`: \"1000000y\" is longer than the maximum of 100 years",
    "key `scheduler.concurrency`: 100000000000 is more than the maximum of 64",
    "site \"example\", key `interval`: \"300000y\" is longer than the maximum of 30 days",
    "site \"example\", key `min_delay`: \"1000y\" is longer than the maximum of 1 hour",
    "site \"example\", key `timeout`: \"50000d\" is longer than the maximum of 1 hour",
    "site \"example\", key `retries`: 4000000000 is more than the maximum of 10",
    "site \"example\", key `retry_delay`: \"100y\" is longer than the maximum of 1 hour",
    "site \"example\", key `max_retry_wait`: \"9999999999s\" is longer than the maximum of 6 hours",
    "site \"example\", key `max_articles`: 99999999 is more than the maximum of 1000",
    "site \"example\", key `max_entries`: 10001 is more than the maximum of 10000",
    "site \"example\", key `max_age`: \"200y\" is longer than the maximum of 100 years",
    "site \"example\", key `listing.pagination.pages`: 1000000 is more than the maximum of 100",
    "site \"example\", section \"news\", key `interval`: \"99999999999999y\" is not a duration",
    "site \"example\", section \"news\", key `max_entries`: 9223372036854775807 is more than the maximum of 10000",
    "site \"example\", section \"news\", key `max_age`: \"1000000y\" is longer than the maximum of 100 years",
];

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn refused(config: &Path, args: &[&str]) -> String {
    let output = support::run(config, args);
    let err = stderr(&output);
    assert!(!output.status.success(), "{args:?} accepted it:\n{err}");
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
    err
}

#[test]
fn every_absurd_value_is_reported_with_its_key_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, ABSURD).unwrap();
    let err = refused(&config, &["check"]);
    for expected in EXPECTED {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    // Every other command reads the config the same way, before doing anything.
    for args in [&["scrape"][..], &["serve", "--listen", "127.0.0.1:0"]] {
        let err = refused(&config, args);
        assert!(err.contains(EXPECTED[4]), "{args:?}:\n{err}");
    }
    assert!(
        !dir.path().join("feeds").exists(),
        "nothing is created for a config that is refused"
    );
}

#[test]
fn the_limits_themselves_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let at_limits = r#"[storage]
max_entries = 10000
max_age = "100y"

[scheduler]
concurrency = 64

[[site]]
id = "example"
base_url = "http://127.0.0.1:9/"
interval = "30d"
min_delay = "1h"
timeout = "1h"
retries = 10
retry_delay = "1h"
max_retry_wait = "6h"
max_articles = 1000

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[site.listing.pagination]
pages = 100
next = { css = "a.next", attr = "href" }

[[site.section]]
id = "news"
"#;
    std::fs::write(&config, at_limits).unwrap();
    let config = scrapefeed::config::Config::from_file(&config).unwrap();
    assert_eq!(
        config.sites[0].sections[0].interval,
        std::time::Duration::from_secs(30 * 86_400)
    );
}
