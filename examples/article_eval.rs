//! The article reader on real pages: body text against the corpus' expected text, and the
//! publication date against the page's own, for a site declared with a listing only (no
//! `[site.article]` rules: the generic ones read every article).
//!
//! ```sh
//! benches/corpus.sh            # fetches the corpus from PyPI into target/corpus, runs this
//! cargo run --example article_eval -- --corpus target/corpus [--json]
//! ```
//!
//! The pages and what is expected of them are listed in `benches/corpus/manifest.toml`
//! (sources, licences, where each expected date comes from); `docs/evaluation.md` describes
//! the corpus and keeps the figures. Each page is read as a scrape reads an article: decoded
//! (`fetch::decode`), extracted with the site's plan (`pipeline::sequence::SitePlan`, as the
//! scraper builds it) and assembled into an entry from a listing item holding only the link,
//! so the date is the one the pipeline would store.
//!
//! - Body: the entry's sanitized body as plain text (`html::plain_text`: block edges separate
//!   words), scored by word 4-shingles against the expected text (`support/shingles.rs`):
//!   per-page precision and recall, their means over the pages and the F1 of the means, the
//!   mean per-page F1, and the pages under 0.5 F1.
//! - Date: `exact` when it equals the expected one (an instant as an instant, at whole
//!   seconds; a day as the calendar day of the date read, in the offset it carries), `none`
//!   when the entry fell back to its first-seen time (allowed), `wrong` otherwise;
//!   `unchecked` when the corpus knows no date for the page but one was read.
//!
//! One line per page, sorted by id, then the summary; `--json` prints the same as JSON. The
//! exit status is non-zero only when the corpus is broken (a missing file, a bad manifest),
//! never for low scores.

#[path = "support/shingles.rs"]
mod shingles;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};
use clap::Parser;
use scrapefeed::config::Config;
use scrapefeed::extract;
use scrapefeed::listing::ListingItem;
use scrapefeed::model::date_source;
use scrapefeed::pipeline::sequence::SitePlan;
use serde::{Deserialize, Serialize};
use url::Url;

use shingles::{f1, Score};

#[derive(Parser)]
struct Args {
    /// Where benches/corpus.sh unpacked the sdists.
    #[arg(long, default_value = "target/corpus")]
    corpus: PathBuf,
    /// The corpus' manifest.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/corpus/manifest.toml"))]
    manifest: PathBuf,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    source: Vec<SourceDecl>,
    page: Vec<PageDecl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // package, version, licence and notes are for the reader of the manifest
struct SourceDecl {
    id: String,
    package: String,
    version: String,
    /// The unpacked sdist's directory, under `--corpus`.
    dir: String,
    licence: String,
    notes: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // date_from is for the reader of the manifest
struct PageDecl {
    id: String,
    source: String,
    html: String,
    text: Option<String>,
    url: Url,
    published: Option<String>,
    machine_date: bool,
    date_from: String,
}

/// A date the corpus expects, at the precision the page gives it.
#[derive(Debug, Clone, Copy)]
enum Expected {
    Instant(DateTime<FixedOffset>),
    Day(NaiveDate),
}

impl Expected {
    fn parse(text: &str) -> Result<Expected, String> {
        if text.contains('T') {
            DateTime::parse_from_rfc3339(text)
                .map(|d| Expected::Instant(d.with_nanosecond(0).unwrap_or(d)))
                .map_err(|e| format!("expected date {text:?}: {e}"))
        } else {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Expected::Day)
                .map_err(|e| format!("expected day {text:?}: {e}"))
        }
    }

    fn matches(&self, got: DateTime<FixedOffset>) -> bool {
        match self {
            Expected::Instant(want) => got == *want,
            // The entry keeps the offset the page gave: its day is the day the page printed.
            Expected::Day(day) => got.date_naive() == *day,
        }
    }
}

#[derive(Serialize)]
struct BodyResult {
    precision: f64,
    recall: f64,
    f1: f64,
    /// The rule that found the body, if any.
    rule: Option<String>,
}

#[derive(Serialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
enum DateClass {
    Exact,
    None,
    Wrong,
    Unchecked,
}

impl DateClass {
    fn name(self) -> &'static str {
        match self {
            DateClass::Exact => "exact",
            DateClass::None => "none",
            DateClass::Wrong => "wrong",
            DateClass::Unchecked => "unchecked",
        }
    }
}

#[derive(Serialize)]
struct DateResult {
    class: DateClass,
    expected: Option<String>,
    machine_date: bool,
    got: Option<String>,
    /// The entry's date source: the rule, or `first-seen`.
    rule: String,
}

#[derive(Serialize)]
struct PageResult {
    id: String,
    title: String,
    body: Option<BodyResult>,
    date: DateResult,
}

#[derive(Serialize, Default)]
struct BodySummary {
    pages: usize,
    mean_precision: f64,
    mean_recall: f64,
    /// F1 of the mean precision and the mean recall (the target's measure).
    f1_of_means: f64,
    mean_f1: f64,
    under_half: Vec<String>,
}

#[derive(Serialize, Default)]
struct DateSummary {
    pages: usize,
    machine_dated: usize,
    exact_machine_dated: usize,
    /// Exact among the pages with a machine-readable date, in percent.
    exact_percent: f64,
    exact: usize,
    none: Vec<String>,
    wrong: Vec<String>,
    unchecked: Vec<String>,
}

#[derive(Serialize)]
struct Report {
    pages: Vec<PageResult>,
    body: BodySummary,
    dates: DateSummary,
}

/// The site every page is read for: a listing, no article rules.
const SITE: &str = r#"[[site]]
id = "corpus"
base_url = "https://example.com"
[site.listing]
type = "html"
items = "article"
[site.listing.fields]
link = { css = "a", attr = "href" }
[[site.section]]
id = "news"
"#;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(report) => {
            if args.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(json) => println!("{json}"),
                    Err(e) => {
                        eprintln!("article_eval: {e}");
                        return ExitCode::from(2);
                    }
                }
            } else {
                print_table(&report);
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("article_eval: broken corpus: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<Report, String> {
    let manifest: Manifest = toml::from_str(&read(&args.manifest)?)
        .map_err(|e| format!("{}: {e}", args.manifest.display()))?;
    let config = Config::parse(SITE, Path::new(".")).map_err(|e| e.to_string())?;
    let site = config
        .sites
        .first()
        .ok_or("the site declaration has no site")?;
    let plan = SitePlan::new(&Arc::clone(site));
    // After every page's date, so none is clamped; fixed, so runs compare.
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();

    let mut pages = Vec::new();
    for page in &manifest.page {
        let source = manifest
            .source
            .iter()
            .find(|s| s.id == page.source)
            .ok_or_else(|| format!("page {}: no source {:?}", page.id, page.source))?;
        let root = args.corpus.join(&source.dir);
        let bytes = std::fs::read(root.join(&page.html))
            .map_err(|e| format!("{}: {e}", root.join(&page.html).display()))?;
        let reference = page
            .text
            .as_ref()
            .map(|text| read(&root.join(text)))
            .transpose()?;
        let expected = page.published.as_deref().map(Expected::parse).transpose()?;

        let html = scrapefeed::fetch::decode(&bytes, None);
        let extracted = extract::extract(&html, &page.url, &plan.article);
        let item = ListingItem {
            url: page.url.clone(),
            title: None,
            summary: None,
            published: None,
            image: None,
        };
        let entry = plan.assembler.entry(&item, &extracted, now);

        let body = reference.map(|reference| {
            let text = entry
                .body
                .as_deref()
                .map(scrapefeed::html::plain_text)
                .unwrap_or_default();
            let score = Score::of(&text, &reference);
            BodyResult {
                precision: score.precision,
                recall: score.recall,
                f1: score.f1(),
                rule: extracted.body.as_ref().map(|b| b.rule.clone()),
            }
        });
        let dated = entry.date_source != date_source::FIRST_SEEN;
        let class = match (dated, expected) {
            (false, _) => DateClass::None,
            (true, None) => DateClass::Unchecked,
            (true, Some(want)) if want.matches(entry.published) => DateClass::Exact,
            (true, Some(_)) => DateClass::Wrong,
        };
        pages.push(PageResult {
            id: page.id.clone(),
            title: entry.title.clone(),
            body,
            date: DateResult {
                class,
                expected: page.published.clone(),
                machine_date: page.machine_date,
                got: dated.then(|| entry.published.to_rfc3339()),
                rule: entry.date_source.clone(),
            },
        });
    }
    pages.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Report {
        body: body_summary(&pages),
        dates: date_summary(&manifest.page, &pages),
        pages,
    })
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn body_summary(pages: &[PageResult]) -> BodySummary {
    let scored: Vec<(&str, &BodyResult)> = pages
        .iter()
        .filter_map(|p| Some((p.id.as_str(), p.body.as_ref()?)))
        .collect();
    if scored.is_empty() {
        return BodySummary::default();
    }
    let n = scored.len() as f64;
    let mean = |f: fn(&BodyResult) -> f64| scored.iter().map(|(_, b)| f(b)).sum::<f64>() / n;
    let (mean_precision, mean_recall) = (mean(|b| b.precision), mean(|b| b.recall));
    BodySummary {
        pages: scored.len(),
        mean_precision,
        mean_recall,
        f1_of_means: f1(mean_precision, mean_recall),
        mean_f1: mean(|b| b.f1),
        under_half: scored
            .iter()
            .filter(|(_, b)| b.f1 < 0.5)
            .map(|(id, _)| id.to_string())
            .collect(),
    }
}

fn date_summary(declared: &[PageDecl], pages: &[PageResult]) -> DateSummary {
    let ids = |class: DateClass| -> Vec<String> {
        pages
            .iter()
            .filter(|p| p.date.class == class)
            .map(|p| p.id.clone())
            .collect()
    };
    let machine_dated = declared.iter().filter(|p| p.machine_date).count();
    let exact_machine_dated = pages
        .iter()
        .filter(|p| p.date.machine_date && p.date.class == DateClass::Exact)
        .count();
    DateSummary {
        pages: pages.len(),
        machine_dated,
        exact_machine_dated,
        exact_percent: if machine_dated == 0 {
            0.0
        } else {
            100.0 * exact_machine_dated as f64 / machine_dated as f64
        },
        exact: ids(DateClass::Exact).len(),
        none: ids(DateClass::None),
        wrong: ids(DateClass::Wrong),
        unchecked: ids(DateClass::Unchecked),
    }
}

fn print_table(report: &Report) {
    let width = report.pages.iter().map(|p| p.id.len()).max().unwrap_or(4);
    println!(
        "{:width$}  {:>5} {:>5} {:>5}  {:9} {:1} {:25} {:25} date source",
        "page", "P", "R", "F1", "date", "m", "expected", "got"
    );
    for page in &report.pages {
        let body = match &page.body {
            Some(b) => format!("{:5.3} {:5.3} {:5.3}", b.precision, b.recall, b.f1),
            None => format!("{:>5} {:>5} {:>5}", "-", "-", "-"),
        };
        let date = &page.date;
        println!(
            "{:width$}  {body}  {:9} {:1} {:25} {:25} {}",
            page.id,
            date.class.name(),
            if date.machine_date { "m" } else { "" },
            date.expected.as_deref().unwrap_or("-"),
            date.got.as_deref().unwrap_or("-"),
            date.rule,
        );
    }
    let b = &report.body;
    println!();
    println!(
        "body ({} pages with expected text): mean P {:.3}, mean R {:.3}, F1 of the means {:.3}, mean F1 {:.3}; under 0.5: {} {:?}",
        b.pages,
        b.mean_precision,
        b.mean_recall,
        b.f1_of_means,
        b.mean_f1,
        b.under_half.len(),
        b.under_half
    );
    let d = &report.dates;
    println!(
        "dates ({} pages, {} with a machine-readable date): exact {}/{} machine-dated ({:.1} %), {} exact in all",
        d.pages, d.machine_dated, d.exact_machine_dated, d.machine_dated, d.exact_percent, d.exact
    );
    println!("  none (first-seen): {} {:?}", d.none.len(), d.none);
    println!("  wrong: {} {:?}", d.wrong.len(), d.wrong);
    println!(
        "  unchecked (a date read where the corpus knows none): {} {:?}",
        d.unchecked.len(),
        d.unchecked
    );
}
