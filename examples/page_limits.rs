//! What one article page costs as it grows: CPU time and peak heap of `extract::extract`
//! on pages of increasing size and nesting depth, one line per page, so the growth can be
//! read off (linear: doubling the page doubles the time, and the heap stays bounded).
//!
//! ```sh
//! cargo run --release --example page_limits                  # sizes and depths, generic rules
//! cargo run --release --example page_limits -- --rules tass  # the repository's TASS rules
//! cargo run --release --example page_limits -- --only deep --max-depth 400000
//! ```
//!
//! Pages: `flat` is an `<article>` of plain paragraphs (links, bold, images) grown to the
//! size; `deep` is `<div>`s nested to the depth around one line of text, inside the article.
//! The heap is counted by a wrapping global allocator (peak bytes live during the call
//! minus those live before it); time is the thread's CPU time, the median of `--rounds`.

#[path = "support/cpu.rs"]
mod cpu;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use clap::Parser;
use cpu::thread_cpu;
use scrapefeed::config::Config;
use scrapefeed::extract::{self, Plan};
use url::Url;

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size > layout.size() {
                let grown = new_size - layout.size();
                let live = LIVE.fetch_add(grown, Ordering::Relaxed) + grown;
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Parser)]
struct Args {
    /// `generic` (the default article rules) or `tass` (the repository's config.toml).
    #[arg(long, default_value = "generic")]
    rules: String,
    /// `flat`, `deep` or both.
    #[arg(long, default_value = "both")]
    only: String,
    /// Largest flat page, in MiB (the fetcher's body cap is 16 MiB).
    #[arg(long, default_value_t = 16)]
    max_mib: usize,
    /// Deepest nesting.
    #[arg(long, default_value_t = 200_000)]
    max_depth: usize,
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

const HEAD: &str = r#"<!doctype html><html><head><title>A page</title>
<meta property="og:title" content="A page">
<meta property="article:published_time" content="2026-01-02T03:04:05Z">
</head><body><article><h1>A page</h1><div class="text-content"><div class="text-block">"#;
const TAIL: &str = "</div></div></article></body></html>";

/// An article of plain paragraphs, `bytes` long.
pub fn flat_page(bytes: usize) -> String {
    let mut page = String::with_capacity(bytes + 512);
    page.push_str(HEAD);
    let mut i = 0;
    while page.len() < bytes {
        page.push_str(&format!(
            "<p>Lorem ipsum <b>dolor</b> sit amet, <a href=\"/x/{i}\">consectetur</a> adipiscing \
             elit, sed do eiusmod tempor incididunt ut labore. <img src=\"/img/{i}.jpg\"> Ut enim \
             ad minim veniam.</p>\n"
        ));
        i += 1;
    }
    page.push_str(TAIL);
    page
}

/// An article whose text sits inside `depth` nested `<div>`s.
pub fn deep_page(depth: usize) -> String {
    let mut page = String::with_capacity(depth * 11 + 512);
    page.push_str(HEAD);
    page.push_str(&"<div>".repeat(depth));
    page.push_str("<p>Deep inside.</p>");
    page.push_str(&"</div>".repeat(depth));
    page.push_str(TAIL);
    page
}

fn plan(rules: &str) -> Plan {
    let config = match rules {
        "tass" => Config::from_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml"))
            .expect("config.toml is valid"),
        _ => Config::parse(
            r#"[[site]]
id = "example"
base_url = "https://example.com"
[site.listing]
type = "html"
items = "article"
[site.listing.fields]
link = { css = "a", attr = "href" }
[[site.section]]
id = "news"
"#,
            Path::new("."),
        )
        .expect("a valid config"),
    };
    // As the pipeline builds it (`pipeline::sequence::SitePlan`): the body's markup read up
    // to twice the site's body limit.
    let site = &config.sites[0];
    Plan::new(&site.article).sanitizing_at_most(site.limits.body.saturating_mul(2))
}

/// (median CPU, peak heap above what was live before, body length) of extracting `page`.
fn measure(page: &str, plan: &Plan, rounds: usize) -> (Duration, usize, usize) {
    let url = Url::parse("https://example.com/news/1").unwrap();
    let mut times = Vec::new();
    let mut peak = 0;
    let mut body = 0;
    for _ in 0..rounds.max(1) {
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let start = thread_cpu();
        let extracted = black_box(extract::extract(page, &url, plan));
        times.push(thread_cpu() - start);
        peak = peak.max(PEAK.load(Ordering::Relaxed) - before);
        body = extracted.body.map_or(0, |b| b.value.len());
        assert!(extracted.title.is_some(), "the title is read");
    }
    times.sort();
    (times[times.len() / 2], peak, body)
}

fn report(kind: &str, size: usize, page: &str, plan: &Plan, rounds: usize) {
    let (cpu, peak, body) = measure(page, plan, rounds);
    let streamed = extract::reads_streaming(page, plan);
    println!(
        "{kind:<5} {size:>9} {:>9.2} MiB {:>10.1} ms {:>8.1} ms/MiB {:>9.1} MiB {:>9.2}x {:>9.2} MiB  {}",
        page.len() as f64 / 1048576.0,
        cpu.as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3 / (page.len() as f64 / 1048576.0),
        peak as f64 / 1048576.0,
        peak as f64 / page.len() as f64,
        body as f64 / 1048576.0,
        if streamed { "stream" } else { "DOM" },
    );
}

fn main() {
    let args = Args::parse();
    let plan = plan(&args.rules);
    println!(
        "rules {}, median of {} rounds, thread CPU time; peak heap above the page itself",
        args.rules, args.rounds
    );
    println!("kind       size      page          cpu        cpu/size  peak heap  heap/page       body  reader");
    if args.only != "deep" {
        let mut mib = 1;
        while mib <= args.max_mib {
            let page = flat_page(mib << 20);
            report("flat", mib << 20, &page, &plan, args.rounds);
            mib *= 2;
        }
    }
    if args.only != "flat" {
        let mut depth = 1_000;
        while depth <= args.max_depth {
            let page = deep_page(depth);
            report("deep", depth, &page, &plan, args.rounds);
            depth *= 2;
        }
    }
}
