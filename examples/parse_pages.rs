//! The floor of a whole scrape: parse every page of a directory with html5ever and nothing
//! else (`scraper::Html::parse_document`, what any HTML scraper must at least do).
//!
//! ```sh
//! cargo run --release --example load_origin -- --sections 1000 --articles 20 --dump-pages /tmp/pages
//! cargo run --release --example parse_pages -- /tmp/pages
//! ```
//!
//! Prints the pages, bytes, and the process CPU time (user + system) spent parsing them, in
//! seconds, as `pages=… bytes=… parse_cpu_s=…`; reading the files is outside the count.

use std::hint::black_box;
use std::time::Duration;

fn cpu_time() -> Duration {
    // SAFETY: `usage` is a valid, writable rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: parse_pages DIR");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("readable directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    paths.sort();
    let (mut pages, mut bytes, mut parsing) = (0usize, 0usize, Duration::ZERO);
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("a UTF-8 page");
        let start = cpu_time();
        let html = scraper::Html::parse_document(&text);
        black_box(html.tree.nodes().count());
        drop(html);
        parsing += cpu_time() - start;
        pages += 1;
        bytes += text.len();
    }
    println!(
        "pages={pages} bytes={bytes} parse_cpu_s={:.3}",
        parsing.as_secs_f64()
    );
}
