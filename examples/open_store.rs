//! Times opening a database the way every command does (`SqliteStore::open`: `PRAGMA
//! quick_check`, then the journal mode and the migrations), and `quick_check` alone, for
//! the start-up cost of the damage check on a large store (`fill_store` makes one).
//!
//! ```sh
//! cargo run --release --example open_store -- --database /tmp/big/scrapefeed.db --repeat 3
//! ```

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use scrapefeed::store::SqliteStore;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    database: PathBuf,
    #[arg(long, default_value_t = 3)]
    repeat: usize,
}

fn main() {
    let args = Args::parse();
    let size = std::fs::metadata(&args.database)
        .expect("the database exists")
        .len();
    println!(
        "database {} ({:.0} MB)",
        args.database.display(),
        size as f64 / 1e6
    );
    for round in 1..=args.repeat {
        let started = Instant::now();
        let store = SqliteStore::open(&args.database).expect("open the database");
        let open = started.elapsed();
        drop(store);
        let conn = rusqlite::Connection::open(&args.database).expect("open the database");
        let started = Instant::now();
        let verdict: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .expect("quick_check runs");
        let check = started.elapsed();
        println!(
            "round {round}: SqliteStore::open {:.2} s, PRAGMA quick_check alone {:.2} s ({verdict})",
            open.as_secs_f64(),
            check.as_secs_f64()
        );
    }
}
