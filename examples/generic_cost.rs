//! The generic article reader's cost per page next to the bare html5ever parse, side by side
//! in one run: a site declared with a listing only, whose every field the generic reader
//! reads (main content scored on the DOM, metadata, sanitizing), then assembly and rendering
//! as in a scrape. The target (issue 14) is at most 3x the parse.
//!
//! ```sh
//! cargo run --release --example generic_cost                 # synthetic + real tass.ru pages
//! cargo run --release --example generic_cost -- --corpus target/corpus/newspaper4k-0.9.6/tests/data/html
//! ```
//!
//! Each round times every page parse-only then generic, alternating, in thread CPU time;
//! reported: medians over rounds of the mean per page, and the median of per-round ratios.

#[path = "support/cpu.rs"]
mod cpu;
#[path = "support/per_article.rs"]
mod per_article;
#[path = "support/synthetic.rs"]
#[allow(dead_code)]
mod synthetic;

use std::hint::black_box;
use std::time::Duration;

use clap::Parser;
use cpu::{median, timed};
use per_article::{full, parse_only, samples, Rules, Sample};
use url::Url;

#[derive(Parser)]
struct Args {
    /// Synthetic pages (30–80 KB each).
    #[arg(long, default_value_t = 27)]
    pages: usize,
    /// Rounds over all pages.
    #[arg(long, default_value_t = 15)]
    rounds: usize,
    /// A directory of real article pages (`*.html`) to measure as a third set.
    #[arg(long)]
    corpus: Option<std::path::PathBuf>,
}

fn corpus(dir: &std::path::Path) -> Vec<Sample> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("the corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            Some(Sample {
                url: Url::parse("https://example.com/article").unwrap(),
                html: String::from_utf8_lossy(&bytes).into_owned(),
            })
        })
        .collect()
}

fn main() {
    let args = Args::parse();
    let rules = Rules::listing_only();
    let pages = samples(args.pages, true);
    let (synthetic_pages, real) = pages.split_at(pages.len() - 1);
    let extra = args.corpus.as_deref().map(corpus).unwrap_or_default();
    let mut sets: Vec<(&str, &[Sample])> =
        vec![("synthetic", synthetic_pages), ("real tass.ru", real)];
    if !extra.is_empty() {
        sets.push(("corpus", &extra));
    }
    for (_, set) in &sets {
        for page in set.iter() {
            black_box(full(page, &rules));
        }
    }
    println!(
        "{} rounds, thread CPU time; generic = extract (listing-only site) + assemble + render",
        args.rounds
    );
    println!("set            pages   parse-only ms/page   generic ms/page   ratio");
    for (name, set) in sets {
        let (mut parse, mut generic, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..args.rounds {
            let (mut p, mut g) = (Duration::ZERO, Duration::ZERO);
            for page in set {
                p += timed(|| parse_only(page));
                g += timed(|| full(page, &rules));
            }
            let per_page = |t: Duration| t.as_secs_f64() * 1e3 / set.len() as f64;
            parse.push(per_page(p));
            generic.push(per_page(g));
            ratios.push(g.as_secs_f64() / p.as_secs_f64());
        }
        println!(
            "{name:<14} {:>5}   {:>18.3}   {:>15.3}   {:>4.2}x",
            set.len(),
            median(parse),
            median(generic),
            median(ratios)
        );
    }
}
