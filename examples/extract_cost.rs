//! Extraction cost per article page next to the bare html5ever parse, side by side in one run.
//!
//! ```sh
//! cargo run --release --example extract_cost              # interleaved: medians and ratios
//! cargo run --release --example extract_cost -- --mode parse --rounds 1   # for callgrind
//! cargo run --release --example extract_cost -- --mode full --rounds 1
//! cargo run --release --example extract_cost -- --mode dom --rounds 1    # always the DOM
//! ```
//!
//! Each round measures every page twice, parse-only then full, alternating, so both see the
//! same machine load; times are the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), which
//! other processes on a busy machine disturb much less than wall time. Reported: the median
//! over rounds of the mean per page, for the synthetic pages and for the real tass.ru page.

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
use per_article::{full, full_via_dom, parse_only, samples, Rules, Sample};

#[derive(Parser)]
struct Args {
    /// Synthetic pages (30–80 KB each).
    #[arg(long, default_value_t = 27)]
    pages: usize,
    /// Rounds over all pages.
    #[arg(long, default_value_t = 15)]
    rounds: usize,
    /// `interleaved` (all three, timed), or `parse` / `full` / `dom` only (for instruction
    /// counting).
    #[arg(long, default_value = "interleaved")]
    mode: String,
}

fn main() {
    let args = Args::parse();
    let rules = Rules::tass();
    let pages = samples(args.pages, true);
    let (synthetic_pages, real) = pages.split_at(pages.len() - 1);
    match args.mode.as_str() {
        "parse" | "full" | "dom" => {
            for _ in 0..args.rounds {
                for page in &pages {
                    black_box(match args.mode.as_str() {
                        "parse" => parse_only(page),
                        "dom" => full_via_dom(page, &rules),
                        _ => full(page, &rules),
                    });
                }
            }
            return;
        }
        "interleaved" => {}
        other => panic!("unknown mode {other:?}"),
    }
    let bytes: usize = synthetic_pages.iter().map(|p| p.html.len()).sum();
    println!(
        "{} synthetic pages (mean {:.1} KB) + the real tass.ru page ({:.1} KB), {} rounds, thread CPU time",
        synthetic_pages.len(),
        bytes as f64 / 1e3 / synthetic_pages.len() as f64,
        real[0].html.len() as f64 / 1e3,
        args.rounds
    );
    // Warm-up: allocator, lazy statics, caches.
    for page in &pages {
        black_box(full(page, &rules));
    }
    let streamed = pages
        .iter()
        .filter(|p| scrapefeed::extract::reads_streaming(&p.html, &rules.plan))
        .count();
    println!(
        "{streamed} of {} pages read by the streaming pass",
        pages.len()
    );
    let measure = |set: &[Sample]| {
        let (mut parse, mut work, mut dom) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..args.rounds {
            let (mut p, mut w, mut d) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
            for page in set {
                p += timed(|| parse_only(page));
                w += timed(|| full(page, &rules));
                d += timed(|| full_via_dom(page, &rules));
            }
            let per_page = |t: Duration| t.as_secs_f64() * 1e3 / set.len() as f64;
            parse.push(per_page(p));
            work.push(per_page(w));
            dom.push(per_page(d));
        }
        let ratio = |xs: &[f64]| median(parse.iter().zip(xs).map(|(p, x)| x / p).collect());
        let (r_work, r_dom) = (ratio(&work), ratio(&dom));
        (median(parse), median(work), r_work, median(dom), r_dom)
    };
    println!(
        "set            parse-only ms/page   full ms/page  ratio   full via DOM ms/page  ratio   (ratios: medians of per-round ratios)"
    );
    for (name, set) in [("synthetic", synthetic_pages), ("real tass.ru", real)] {
        let (parse, work, r_work, dom, r_dom) = measure(set);
        println!(
            "{name:<14} {parse:>18.3}   {work:>12.3}  {r_work:>4.2}x   {dom:>20.3}  {r_dom:>4.2}x"
        );
    }
}
