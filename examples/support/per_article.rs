//! The per-article work of a scrape, and its floor, as the extraction benchmarks measure them.
//!
//! - `parse_only`: `scraper::Html::parse_document` (html5ever building the DOM) and nothing
//!   else: the least any HTML scraper must spend on a page it reads.
//! - `full`: what scrapefeed does per article page after fetching it: extraction (selectors,
//!   JSON-LD, meta tags, body clean-up and ammonia sanitizing), entry assembly (dates), and
//!   rendering the entry into RSS and Atom (a one-entry feed of each).

use std::path::Path;

use chrono::{TimeZone, Utc};
use scrapefeed::assemble::Assembler;
use scrapefeed::config::{Config, Section, Site};
use scrapefeed::extract::Plan;
use scrapefeed::listing::ListingItem;
use scrapefeed::render::{self, FeedMeta};
use url::Url;

use super::synthetic;

/// One page to measure, with what the pipeline knows about it.
pub struct Sample {
    pub url: Url,
    pub html: String,
}

/// The declarations of the repository's `config.toml` (the TASS site) the pages are read with.
pub struct Rules {
    pub meta: FeedMeta,
    /// The site's article rules as the scraper runs them, built once as the scraper does.
    pub plan: Plan,
    pub assembler: Assembler,
}

impl Rules {
    #[allow(dead_code)]
    pub fn tass() -> Rules {
        let config = Config::from_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml"))
            .expect("config.toml is valid");
        let meta = {
            let (site, section) = Self::first(&config);
            FeedMeta::for_section(
                &Url::parse("http://127.0.0.1:8080/").unwrap(),
                site,
                section,
            )
        };
        let plan = Plan::new(&Self::first(&config).0.article);
        let assembler = Assembler::new(Self::first(&config).0);
        Rules {
            meta,
            plan,
            assembler,
        }
    }

    /// The TASS site with no `[site.article]`: every field is left to the generic reader, as
    /// for a site declared with a listing only.
    #[allow(dead_code)]
    pub fn listing_only() -> Rules {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml");
        let text = std::fs::read_to_string(&path).expect("config.toml");
        let start = text
            .find("[site.article]")
            .expect("TASS declares its article");
        let end = start
            + text[start..]
                .find("\n[[site.section]]")
                .expect("sections follow");
        let text = format!("{}{}", &text[..start], &text[end..]);
        let config = Config::parse(&text, path.parent().unwrap()).expect("still valid");
        let (site, section) = Self::first(&config);
        Rules {
            meta: FeedMeta::for_section(
                &Url::parse("http://127.0.0.1:8080/").unwrap(),
                site,
                section,
            ),
            plan: Plan::new(&site.article),
            assembler: Assembler::new(site),
        }
    }

    fn first(config: &Config) -> (&Site, &Section) {
        let (site, section) = config.sections().next().expect("a section");
        (site.as_ref(), section)
    }
}

/// `count` synthetic article pages (30–80 KB, spread over sections) and, with `real`, the
/// saved tass.ru page from the test fixtures (100 KB).
pub fn samples(count: usize, real: bool) -> Vec<Sample> {
    let mut out: Vec<Sample> = (0..count)
        .map(|i| {
            let s = synthetic::section(i % 9);
            let a = synthetic::article(&s, i / 9);
            Sample {
                url: Url::parse(&format!("https://tass.com{}", a.path)).unwrap(),
                html: synthetic::article_page(&s, &a),
            }
        })
        .collect();
    if real {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/tass-ru-moskva-8836033.html");
        out.push(Sample {
            url: Url::parse("https://tass.ru/moskva/8836033").unwrap(),
            html: std::fs::read_to_string(path).expect("the real TASS fixture"),
        });
    }
    out
}

/// The floor: parse the page into a DOM.
pub fn parse_only(sample: &Sample) -> usize {
    let html = scraper::Html::parse_document(&sample.html);
    html.tree.nodes().count()
}

/// Everything scrapefeed does with a fetched article page; returns the bytes rendered.
/// (The page is read in one streaming pass when its markup allows, as in a scrape.)
pub fn full(sample: &Sample, rules: &Rules) -> usize {
    let extracted = scrapefeed::extract::extract(&sample.html, &sample.url, &rules.plan);
    finish(sample, rules, &extracted)
}

/// `full` with the page always read through html5ever's DOM (the streaming reader's
/// fallback), to show what the streaming pass saves.
#[allow(dead_code)]
pub fn full_via_dom(sample: &Sample, rules: &Rules) -> usize {
    let extracted =
        scrapefeed::extract::extract_via_dom(&sample.html, &sample.url, rules.plan.rules());
    finish(sample, rules, &extracted)
}

fn finish(sample: &Sample, rules: &Rules, extracted: &scrapefeed::extract::Extracted) -> usize {
    let item = ListingItem {
        url: sample.url.clone(),
        title: None,
        summary: None,
        published: None,
        image: None,
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    let entry = rules.assembler.entry(&item, extracted, now);
    let entries = [entry];
    render::rss(&rules.meta, &entries).len() + render::atom(&rules.meta, &entries).len()
}
