//! Retention end to end: with `max_age`, entries older than it leave the feed after a scrape,
//! and articles the listing still shows are not stored (or fetched) again as new.

mod support;

use support::origin::{moscow, Origin, SiteModel};
use support::{assert_success, parse_feed, run, write_config_with};

fn politics_links(dir: &std::path::Path) -> Vec<String> {
    let bytes = std::fs::read(dir.join("feeds").join("politics.atom")).unwrap();
    parse_feed(&bytes)
        .entries
        .into_iter()
        .map(|e| e.links[0].href.clone())
        .collect()
}

#[test]
fn entries_past_max_age_go_and_do_not_come_back() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(dir.path(), &origin.base_url(), |text| {
        text.replace("max_entries = 100", "max_entries = 100\nmax_age = \"30d\"")
    });
    // The TASS stories are from November 27th.
    assert_success(&run(
        &config,
        &["--now", "2026-12-01T00:00:00Z", "scrape", "politics"],
    ));
    assert_eq!(politics_links(dir.path()).len(), 3);

    let mut fresh = SiteModel::tass().in_section("politics")[0].clone();
    fresh.id = 1_000_777;
    fresh.published = chrono::TimeZone::with_ymd_and_hms(&moscow(), 2026, 12, 30, 9, 0, 0).unwrap();
    origin.site.lock().unwrap().articles.push(fresh.clone());
    origin.clear_log();
    assert_success(&run(
        &config,
        &["--now", "2027-01-05T00:00:00Z", "scrape", "politics"],
    ));
    let fresh_link = format!("{}{}", origin.base_url(), fresh.path());
    assert_eq!(
        politics_links(dir.path()),
        std::slice::from_ref(&fresh_link)
    );

    // Still listed, but remembered as pruned: neither fetched nor stored again.
    origin.clear_log();
    assert_success(&run(
        &config,
        &["--now", "2027-01-06T00:00:00Z", "scrape", "politics"],
    ));
    assert_eq!(politics_links(dir.path()), [fresh_link]);
    let article_fetches = origin
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.matches('/').count() == 2)
        .count();
    assert_eq!(article_fetches, 0);
    let export = run(&config, &["export"]);
    assert_success(&export);
    let text = String::from_utf8(export.stdout).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("{\"pruned\""))
            .count(),
        3
    );
}
