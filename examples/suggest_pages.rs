//! `suggest` on saved section pages, for eyes and the clock: the proposed list of each page
//! (selector, count, first titles) and how long the analysis took (the page already
//! fetched; median of `--rounds`).
//!
//! ```sh
//! cargo run --release --example suggest_pages -- PAGE.html[=URL] …
//! ```

use std::time::Instant;

use url::Url;

fn main() {
    let mut rounds = 5;
    let mut pages = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--rounds" {
            rounds = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
        } else {
            pages.push(arg);
        }
    }
    for arg in pages {
        let (path, url) = arg
            .split_once('=')
            .unwrap_or((&arg, "https://example.com/news/"));
        let url = Url::parse(url).expect("a URL");
        let bytes = std::fs::read(path).expect("the page");
        let text = String::from_utf8_lossy(&bytes);
        let mut times = Vec::new();
        let mut result = None;
        for _ in 0..rounds.max(1) {
            let start = Instant::now();
            result = Some(scrapefeed::suggest::analyze(&text, &url, &url, None));
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!(
            "== {path} ({:.0} KB): {median:.1} ms",
            bytes.len() as f64 / 1e3
        );
        match result.expect("one round") {
            Ok(s) => {
                for (i, list) in s.lists.iter().take(3).enumerate() {
                    println!(
                        "  list {} score {:.0}: {} items `{}` in {}; link `{}`, title {:?}, date {:?}",
                        i + 1,
                        list.score,
                        list.count,
                        list.items,
                        list.region,
                        list.link,
                        list.title,
                        list.published
                    );
                    for (title, link, date) in list.sample.iter().take(3) {
                        println!("      {title:?} {link} {date:?}");
                    }
                }
            }
            Err(e) => println!("  {e}"),
        }
    }
}
