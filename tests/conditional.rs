//! An unchanged site costs one small request per section: the listing is asked for
//! conditionally and a `304` ends the scrape, without touching article pages.

mod support;

use std::path::Path;
use std::sync::Arc;

use scrapefeed::clock::SystemClock;
use scrapefeed::config::Config;
use scrapefeed::fetch::Fetcher;
use scrapefeed::pipeline::Scraper;
use scrapefeed::store::{AsyncStore, SqliteStore};
use support::static_origin::StaticOrigin;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn an_unchanged_listing_is_one_conditional_request() {
    let origin = StaticOrigin::start(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sites/jsonld"),
    );
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sites/field-notes.toml"),
    )
    .unwrap()
    .replace("https://fieldnotes.example", &origin.base_url())
    .replace("\ninterval = ", "\nmin_delay = \"0s\"\ninterval = ");
    let config = Config::parse(&text, Path::new(".")).unwrap();
    let (site, section) = config.sections().next().unwrap();
    let scraper = Scraper::new(
        Fetcher::new().unwrap(),
        AsyncStore::new(SqliteStore::in_memory().unwrap()),
        Arc::new(SystemClock),
        &config,
    );
    let cancel = CancellationToken::new();

    let first = scraper.scrape(site, section, &cancel).await.unwrap();
    assert_eq!(first.saved.inserted, 3);
    let requests_before = origin.log.lock().unwrap().len();

    let second = scraper.scrape(site, section, &cancel).await.unwrap();
    assert!(second.unchanged, "{second:?}");
    let log = origin.log.lock().unwrap();
    let new: Vec<&(String, u16)> = log[requests_before..].iter().collect();
    assert_eq!(
        new,
        vec![&("/".to_string(), 304)],
        "one conditional request, answered 304"
    );
}
