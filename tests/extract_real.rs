//! Extraction against a real TASS article page (markup nobody on the team wrote), with the
//! rules of the repository's own `config.toml`.

use std::path::Path;

use chrono::{TimeZone, Utc};
use scrapefeed::assemble::Assembler;
use scrapefeed::config::Config;
use scrapefeed::extract::{extract, Plan};
use scrapefeed::listing::ListingItem;
use url::Url;

fn tass_config() -> Config {
    Config::from_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml")).unwrap()
}

fn real_page() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tass-ru-moskva-8836033.html"),
    )
    .unwrap()
}

#[test]
fn real_tass_page_yields_every_field_with_its_rule() {
    let config = tass_config();
    let site = &config.sites[0];
    let url = Url::parse("https://tass.ru/moskva/8836033").unwrap();
    let got = extract(&real_page(), &url, &Plan::new(&site.article));

    let title = got.title.expect("title");
    assert_eq!(
        title.value,
        "Движение по ЦКАД-5 открывается от Можайского до Новорижского шоссе"
    );
    assert_eq!(title.rule, "css \"h1.news-header__title\" text");
    let summary = got.summary.expect("lead");
    assert!(
        summary
            .value
            .starts_with("В церемонии открытия примут участие вице-премьер Марат Хуснуллин"),
        "{}",
        summary.value
    );
    let body = got.body.expect("body").value;
    assert!(
        body.starts_with("<p>МОСКВА, 29 июня. /ТАСС/. Движение от Можайского"),
        "{body}"
    );
    assert!(!body.contains("<script") && !body.contains("ng-"), "{body}");
    assert_eq!(got.tags.expect("tags").value, vec!["Россия".to_string()]);

    // Structured candidates in rule order: JSON-LD first, then the <dateformat> Unix time.
    let candidates: Vec<(&str, &str)> = got
        .published
        .iter()
        .map(|c| (c.value.as_str(), c.rule.as_str()))
        .collect();
    assert_eq!(
        candidates[0],
        ("2020-06-29T00:16:15+03:00", "json_ld \"datePublished\"")
    );
    assert!(
        candidates.contains(&(
            "1593378975",
            "css \".news-header__date dateformat[time]\" @time"
        )),
        "{candidates:?}"
    );

    // Assembled, both agree on the instant and the entry keeps Moscow's offset.
    let item = ListingItem {
        url,
        title: None,
        summary: None,
        published: None,
        image: None,
    };
    let now = Utc.with_ymd_and_hms(2020, 7, 1, 0, 0, 0).unwrap();
    let extracted = extract(&real_page(), &item.url, &Plan::new(&site.article));
    let entry = Assembler::new(site).entry(&item, &extracted, now);
    assert_eq!(entry.published.to_rfc3339(), "2020-06-29T00:16:15+03:00");
    assert_eq!(entry.date_source, "json_ld \"datePublished\"");
}

#[test]
fn a_page_that_changed_shape_yields_what_it_can_and_never_panics() {
    let config = tass_config();
    let site = &config.sites[0];
    let url = Url::parse("https://tass.com/world/1").unwrap();
    for page in [
        "",
        "<html>",
        "not html at all",
        "<script type=\"application/ld+json\">{broken</script>",
        &"<div>".repeat(5000),
    ] {
        let got = extract(page, &url, &Plan::new(&site.article));
        assert!(got.title.is_none() && got.body.is_none(), "{page:.40}");
    }
    // Only the og tags survived a redesign: they fill title and summary.
    let page = r#"<meta property="og:title" content="Only og &amp; co"><meta property="og:description" content="Lead">"#;
    let got = extract(page, &url, &Plan::new(&site.article));
    assert_eq!(got.title.unwrap().value, "Only og & co");
    assert_eq!(got.summary.unwrap().rule, "meta \"og:description\"");
}
