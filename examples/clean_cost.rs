//! What cleaning costs: `assemble::clean` per entry, and `render::feed_safe` (the scan every
//! render makes of stored entries) next to the render it is part of.
//!
//! ```sh
//! cargo run --release --example clean_cost               # interleaved: medians
//! cargo run --release --example clean_cost -- --entries 100 --body-bytes 8000 --rounds 30
//! ```
//!
//! A feed of `--entries` entries that look like scraped ones (a title, a lead, a body of about
//! `--body-bytes` of paragraph markup in Russian and English, tags, an image). Each round
//! times, with the thread's CPU clock: rendering the feed in all three formats (which runs
//! `feed_safe` on every entry), `feed_safe` alone on the clean entries (the part of the render
//! this change added), `feed_safe` on the same entries with one control character at the end
//! of each body (an old row: cleaned copies), and `assemble::clean` of every entry (done once
//! per entry, when it is scraped). Reported: the median over rounds, per feed.

#[path = "support/cpu.rs"]
mod cpu;

use chrono::{TimeZone, Utc};
use clap::Parser;
use cpu::median;
use scrapefeed::assemble::clean;
use scrapefeed::model::{Entry, TextLimits};
use scrapefeed::render::{self, feed_safe, FeedMeta};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 100)]
    entries: usize,
    /// Approximate size of each entry's body HTML.
    #[arg(long, default_value_t = 8000)]
    body_bytes: usize,
    #[arg(long, default_value_t = 30)]
    rounds: usize,
}

const LIMITS: TextLimits = TextLimits {
    title: 1024,
    summary: 8192,
    body: 1 << 20,
    tags: 50,
    tag_chars: 100,
};

/// [`cpu::timed`] in microseconds.
fn micros(f: impl FnOnce() -> usize) -> f64 {
    cpu::timed(f).as_secs_f64() * 1e6
}

fn entries(n: usize, body_bytes: usize) -> Vec<Entry> {
    let paragraph =
        "<p>МОСКВА, 27 ноября. /ТАСС/. Министр заявил, что соглашение об экономическом \
        сотрудничестве будет подписано на саммите. The minister said the agreement would be \
        signed at the summit, according to officials.</p>\n";
    let body = paragraph.repeat(body_bytes.div_ceil(paragraph.len()));
    let seen = Utc.with_ymd_and_hms(2026, 11, 27, 16, 0, 0).unwrap();
    (0..n)
        .map(|i| Entry {
            url: format!("https://tass.example/politics/{i}"),
            title: format!("Путин провел телефонный разговор с премьером {i} — «итоги» & планы"),
            summary: Some(
                "Стороны обсудили вопросы двустороннего сотрудничества, а также актуальные \
                 международные темы, сообщили в пресс-службе Кремля."
                    .into(),
            ),
            body: Some(body.clone()),
            author: Some("ТАСС".into()),
            tags: vec!["Политика".into(), "Россия".into(), "Economy".into()],
            image: Some(format!("https://tass.example/img/{i}.jpg")),
            published: (seen - chrono::Duration::minutes(i as i64)).fixed_offset(),
            updated: None,
            first_seen: seen,
            date_source: "json_ld datePublished".into(),
        })
        .collect()
}

fn main() {
    let args = Args::parse();
    let clean_entries = entries(args.entries, args.body_bytes);
    let old_rows: Vec<Entry> = clean_entries
        .iter()
        .map(|e| Entry {
            body: e.body.as_ref().map(|b| format!("{b}\u{1}")),
            ..e.clone()
        })
        .collect();
    let meta = FeedMeta::for_all(&url::Url::parse("http://127.0.0.1:8080/").unwrap(), None);
    let (mut render, mut all, mut scan, mut old, mut cleaning) =
        (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..args.rounds {
        render.push(micros(|| {
            render::rss(&meta, &clean_entries).len()
                + render::atom(&meta, &clean_entries).len()
                + render::json(&meta, &clean_entries).len()
        }));
        all.push(micros(|| {
            render::all(&meta, &clean_entries)
                .iter()
                .map(Vec::len)
                .sum()
        }));
        scan.push(micros(|| {
            clean_entries.iter().map(|e| feed_safe(e).title.len()).sum()
        }));
        old.push(micros(|| {
            old_rows.iter().map(|e| feed_safe(e).title.len()).sum()
        }));
        let owned = clean_entries.clone();
        cleaning.push(micros(|| {
            owned
                .into_iter()
                .map(|e| clean(e, &LIMITS).0.title.len())
                .sum()
        }));
    }
    let bytes: usize = render::rss(&meta, &clean_entries).len();
    println!(
        "{} entries, bodies of {} bytes (RSS document {} KiB), median of {} rounds:",
        args.entries,
        clean_entries[0].body.as_ref().map_or(0, String::len),
        bytes / 1024,
        args.rounds
    );
    let (render, scan) = (median(render), median(scan));
    println!("  render RSS + Atom + JSON Feed      {render:>9.0} µs  (each cleans the entries)");
    println!(
        "  render::all, the same three        {:>9.0} µs  (one cleaning; what an export runs)",
        median(all)
    );
    println!(
        "  feed_safe, clean entries (in it)   {scan:>9.0} µs  ({:.1}% of the render)",
        100.0 * scan / render
    );
    println!(
        "  feed_safe, old rows (copies)       {:>9.0} µs",
        median(old)
    );
    println!(
        "  assemble::clean, every entry       {:>9.0} µs",
        median(cleaning)
    );
}
