//! Stable identities: once served, an entry's guid, published date and first-seen time never
//! change — not when the article page is edited, the listing reorders, links gain tracking
//! parameters, or the article shows up in another section.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use support::origin::{Origin, SiteModel};
use support::{assert_success, parse_feed, run, write_config};

/// guid → (published, title) for every entry of both documents of a section's feed.
fn served(dir: &Path, section: &str) -> BTreeMap<String, (String, String)> {
    let mut all = BTreeMap::new();
    for ext in ["rss", "atom"] {
        let bytes = std::fs::read(dir.join("feeds").join(format!("{section}.{ext}"))).unwrap();
        let feed = parse_feed(&bytes);
        let mut ids = std::collections::BTreeSet::new();
        for e in feed.entries {
            assert!(ids.insert(e.id.clone()), "{section}.{ext}: {} twice", e.id);
            let value = (
                e.published.map(|p| p.to_rfc3339()).unwrap_or_default(),
                e.title.map(|t| t.content).unwrap_or_default(),
            );
            if let Some(other) = all.insert(format!("{ext} {}", e.id), value.clone()) {
                assert_eq!(other, value);
            }
        }
    }
    all
}

/// The stored records of one feed, as `export` writes them (with first-seen and state).
fn exported(config: &Path, feed: &str) -> Vec<String> {
    let output = run(config, &["export"]);
    assert_success(&output);
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains(&format!("\"feed\":\"{feed}\"")))
        .map(String::from)
        .collect()
}

#[test]
fn edits_reorders_tracking_links_and_moves_change_no_identity() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    assert_success(&run(&config, &["scrape", "politics", "world"]));
    let politics_before = served(dir.path(), "politics");
    let world_before = served(dir.path(), "world");
    let stored_before = exported(&config, "politics");
    assert_eq!(stored_before.len(), 3);

    let model = origin.model();
    let politics = model.in_section("politics");
    let (edited, moved) = (politics[2].id, politics[0].id);
    let moved_path = politics[0].path();
    {
        let mut site = origin.site.lock().unwrap();
        // The oldest story is edited: new title, and its date moves to the top of the listing.
        let a = site.articles.iter_mut().find(|a| a.id == edited).unwrap();
        a.title = "Edited headline".into();
        a.published += chrono::Duration::hours(6);
        // Every link now carries tracking parameters and an anchor.
        site.link_suffix = "?utm_source=telegram&utm_medium=social&fbclid=IwAR0x#comments".into();
        // The newest politics story is listed in `world` as well.
        site.cross_listed.push((moved, "world"));
    }
    origin.clear_log();
    assert_success(&run(&config, &["scrape", "politics", "world"]));

    assert_eq!(
        served(dir.path(), "politics"),
        politics_before,
        "politics: same guids, dates and titles"
    );
    assert_eq!(
        exported(&config, "politics"),
        stored_before,
        "first-seen kept"
    );

    // The moved article is a new entry of `world`, with the same guid and date.
    let world_after = served(dir.path(), "world");
    let guid = format!("{}{moved_path}", origin.base_url());
    let new: Vec<_> = world_after
        .iter()
        .filter(|(k, _)| !world_before.contains_key(*k))
        .collect();
    assert_eq!(new.len(), 2, "one entry in each document: {new:?}");
    for ext in ["rss", "atom"] {
        let key = format!("{ext} {guid}");
        assert_eq!(world_after[&key].0, politics_before[&key].0, "{key}");
    }

    // Only the moved article's page was fetched (once, for `world`); nothing else again.
    let fetched: Vec<String> = origin
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.matches('/').count() == 2)
        .map(|r| r.path)
        .collect();
    assert_eq!(fetched, [moved_path]);
}
