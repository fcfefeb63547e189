//! Fills a database with N sections × M entries through the library's store, for measuring
//! `serve` with a large store without scraping a million article pages first.
//!
//! ```sh
//! cargo run --release --example fill_store -- --database /tmp/big/scrapefeed.db \
//!     --sections 10000 --entries 100 --body-bytes 1500
//! ```
//!
//! Section ids are those of `load_origin` (`politics` … then `section-9` …), so a config
//! printed by `load_origin --print-config --sections N` serves them. Entries look like
//! scraped ones: title, lead, a body of about `--body-bytes` of paragraph markup, tags, image.

#[path = "support/synthetic.rs"]
#[allow(dead_code)]
mod synthetic;

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use clap::Parser;
use scrapefeed::model::Entry;
use scrapefeed::store::pg::{PgStore, PgTarget};
use scrapefeed::store::{ArticleState, ScrapedEntry, SqliteStore, Store};

#[derive(Parser)]
struct Args {
    /// An SQLite file, or a `postgres://` URL.
    #[arg(long)]
    database: String,
    #[arg(long, default_value_t = 10_000)]
    sections: usize,
    #[arg(long, default_value_t = 100)]
    entries: usize,
    /// Approximate size of each entry's body HTML.
    #[arg(long, default_value_t = 1500)]
    body_bytes: usize,
    /// The load origin's port, so entry URLs are the ones a scrape of it finds (a listing of
    /// stored articles then fetches no article page); 0: none (`http://127.0.0.1/…`).
    #[arg(long, default_value_t = 0)]
    origin_port: u16,
    /// The load origin's `--hosts`: section i is on 127.0.0.(i mod K + 1), as its config says.
    #[arg(long, default_value_t = 1)]
    hosts: u8,
}

fn main() {
    let args = Args::parse();
    let store: Box<dyn Store> = if PgTarget::is_postgres_url(&args.database) {
        let target = PgTarget::parse(&args.database).expect("a PostgreSQL URL");
        let store = PgStore::open(&target, 4, &tokio_util::sync::CancellationToken::new())
            .expect("open the database")
            .expect("not cancelled");
        Box::new(store)
    } else {
        Box::new(SqliteStore::open(&PathBuf::from(&args.database)).expect("open the database"))
    };
    let seen = Utc.with_ymd_and_hms(2026, 11, 27, 16, 0, 0).unwrap();
    let paragraph = "<p>MOSCOW, November 27. /TASS/. The minister said the agreement on economic \
        cooperation would be signed at the summit, according to a statement by officials.</p>\n";
    let body: String = paragraph.repeat(args.body_bytes.div_ceil(paragraph.len()));
    let started = std::time::Instant::now();
    for i in 0..args.sections {
        let s = synthetic::section(i);
        let host = format!(
            "http://127.0.0.{}{}",
            i % usize::from(args.hosts.max(1)) + 1,
            match args.origin_port {
                0 => String::new(),
                port => format!(":{port}"),
            }
        );
        let entries: Vec<ScrapedEntry> = (0..args.entries)
            .map(|k| {
                let a = synthetic::article(&s, k);
                let published = DateTime::from_timestamp(a.published, 0)
                    .unwrap()
                    .fixed_offset();
                ScrapedEntry {
                    entry: Entry {
                        url: format!("{host}{}", a.path),
                        title: a.title,
                        summary: Some(a.lead),
                        body: Some(body.clone()),
                        author: Some("TASS".into()),
                        tags: vec!["Russia".into(), "Economy".into()],
                        image: Some(format!("{host}/img/{}.jpg", a.id)),
                        published,
                        updated: None,
                        first_seen: seen,
                        date_source: "json-ld \"datePublished\"".into(),
                    },
                    state: ArticleState::Complete,
                }
            })
            .collect();
        store
            .save(
                &s.slug,
                &entries,
                &scrapefeed::store::Retention {
                    max_entries: args.entries,
                    max_age: None,
                },
                chrono::Utc::now(),
                None,
            )
            .expect("save entries");
    }
    eprintln!(
        "fill_store: {} sections x {} entries in {:.1}s",
        args.sections,
        args.entries,
        started.elapsed().as_secs_f64()
    );
}
