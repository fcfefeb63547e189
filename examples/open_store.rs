//! Times opening a database the way every command does (`SqliteStore::open`: the file read
//! in order, `PRAGMA quick_check`, then the journal mode and the migrations), for the
//! start-up cost of the damage check on a large store (`fill_store` makes one). Each round
//! measures, alternating so that load on the machine hits all alike:
//!
//! - `open, warm`: `SqliteStore::open` with the file in the page cache (a restart);
//! - `open, cold`: the same after the file is dropped from the page cache (a reboot);
//! - `quick_check alone, cold`: the bare pragma on a dropped file, without the read in
//!   order that `open` does first.
//!
//! ```sh
//! cargo run --release --example open_store -- --database /tmp/big/scrapefeed.db --rounds 3
//! ```
//!
//! Dropping the file from the cache uses `posix_fadvise(POSIX_FADV_DONTNEED)` (Linux; no
//! privileges needed for a file with no dirty pages).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use scrapefeed::store::SqliteStore;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    database: PathBuf,
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

/// Drops the file's pages from the page cache.
fn evict(path: &Path) {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path).expect("the database opens");
    file.sync_all().expect("the database syncs");
    // SAFETY: an advice on a descriptor we hold open; it changes no memory of ours.
    let done = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    assert_eq!(done, 0, "posix_fadvise failed");
}

fn seconds(started: Instant) -> String {
    format!("{:.2} s", started.elapsed().as_secs_f64())
}

fn main() {
    let args = Args::parse();
    let path = &args.database;
    let size = std::fs::metadata(path).expect("the database exists").len();
    println!("database {} ({:.0} MB)", path.display(), size as f64 / 1e6);
    for round in 1..=args.rounds {
        drop(SqliteStore::open(path).expect("open the database"));
        let started = Instant::now();
        drop(SqliteStore::open(path).expect("open the database"));
        let warm = seconds(started);

        evict(path);
        let started = Instant::now();
        drop(SqliteStore::open(path).expect("open the database"));
        let cold = seconds(started);

        evict(path);
        let conn = rusqlite::Connection::open(path).expect("open the database");
        let started = Instant::now();
        let verdict: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .expect("quick_check runs");
        let bare = seconds(started);
        println!(
            "round {round}: open, warm {warm}; open, cold {cold}; quick_check alone, cold {bare} ({verdict})"
        );
    }
}
