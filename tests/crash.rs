//! Nothing lost to a crash: the real binary (`scrape`, or `serve` every third round) is
//! killed with SIGKILL at random moments during scrapes of the local origin, round after
//! round, and restarted. After every kill:
//! - the database passes `PRAGMA integrity_check`;
//! - every entry stored before is still stored, once, with the same published date and
//!   first-seen time;
//! - every feed file on disk parses, and still serves every entry it ever served, once,
//!   with the same guid and date.
//!
//! During every scrape a watcher parses the feed files continuously: a reader must never see
//! half a file. Between rounds the origin gains articles and drops some off its listings,
//! so every scrape has work. A last, uninterrupted scrape must serve exactly the origin's
//! articles.
//!
//! `SCRAPEFEED_CRASH_ROUNDS` (default 24) and `SCRAPEFEED_CRASH_SEED` (default: the clock,
//! as this test hunts) tune it. Every choice (new articles, dropped ones, kill delays) comes
//! from a `StdRng` with that seed, printed at the start and again if the test fails, so a
//! failure can be replayed; only where a kill lands follows the machine's speed.
//! `benches/crash.sh` runs many more rounds.
//!
//! A second test kills first starts while the database file is being made.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, OpenFlags};
use support::origin::{moscow, Article, Origin, Page, SiteModel, SECTIONS};
use support::{assert_success, parse_feed, run, write_config};

/// Items per listing answer: the TASS config asks for 20.
const LISTING_LIMIT: usize = 20;

/// (feed, guid) → published, as served in the feed files.
type Served = BTreeMap<(String, String), Option<DateTime<Utc>>>;
/// (feed, url) → (published, first_seen), as stored.
type Stored = BTreeMap<(String, String), (String, String)>;

/// Says how to replay the test's choices if it fails (panics) while this lives.
struct ReplayHint {
    seed: u64,
    rounds: usize,
}

impl Drop for ReplayHint {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "crash test failed with SCRAPEFEED_CRASH_SEED={} SCRAPEFEED_CRASH_ROUNDS={}: \
                 set both to replay its choices",
                self.seed, self.rounds
            );
        }
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every `.rss` / `.atom` file in `dir`, parsed; panics on one that does not parse.
fn read_served(dir: &Path) -> Served {
    let mut served = Served::new();
    for (slug, _, _) in SECTIONS {
        for ext in ["rss", "atom"] {
            let path = dir.join(format!("{slug}.{ext}"));
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let feed = parse_feed(&bytes);
            for e in feed.entries {
                let key = (format!("{slug}.{ext}"), e.id.clone());
                assert!(
                    served.insert(key, e.published).is_none(),
                    "{slug}.{ext} serves {} twice",
                    e.id
                );
            }
        }
    }
    served
}

/// The stored entries, read through a read-only connection (no checkpoint, no recovery
/// writes: the next scrapefeed start must do that itself), after an integrity check.
fn read_stored(db: &Path) -> Stored {
    if !db.exists() {
        // Killed before the database was made; it is created whole or not at all.
        return Stored::new();
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok", "database integrity");
    let mut stmt = conn
        .prepare("SELECT feed, url, published, first_seen FROM entries")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                (r.get::<_, String>(2)?, r.get::<_, String>(3)?),
            ))
        })
        .unwrap();
    let mut stored = Stored::new();
    for row in rows {
        let (key, value) = row.unwrap();
        assert!(stored.insert(key.clone(), value).is_none(), "{key:?} twice");
    }
    stored
}

/// Parses every feed file again and again until stopped; counts the reads.
fn watch(
    dir: PathBuf,
    stop: Arc<AtomicBool>,
    reads: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            read_served(&dir);
            reads.fetch_add(1, Ordering::Relaxed);
        }
    })
}

/// A fresh article for a random section, published after everything so far.
fn new_article(rng: &mut StdRng, id: u64, round: usize) -> Article {
    let (slug, _, title) = SECTIONS[rng.random_range(0..SECTIONS.len())];
    let page = match rng.random_range(0..6) {
        0 => Page::Headless,
        1 => Page::Missing,
        _ => Page::Full,
    };
    let published = published_at(round, id);
    Article {
        section: slug,
        id,
        title: format!("{title}: crash round {round}, story {id}"),
        lead: format!("Lead of {id}"),
        published,
        page,
        listed_date: true,
        tags: vec!["Russia".into()],
    }
}

/// November 28, 2026, a minute per round plus a second per id: newer than the TASS model.
fn published_at(round: usize, id: u64) -> DateTime<chrono::FixedOffset> {
    use chrono::TimeZone;
    moscow().with_ymd_and_hms(2026, 11, 28, 8, 0, 0).unwrap()
        + chrono::Duration::minutes(round as i64)
        + chrono::Duration::seconds((id % 60) as i64)
}

#[test]
fn sigkill_at_random_moments_loses_duplicates_and_changes_nothing() {
    let rounds: usize = env_or("SCRAPEFEED_CRASH_ROUNDS", 24);
    let seed: u64 = env_or(
        "SCRAPEFEED_CRASH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    );
    println!("crash test: {rounds} rounds, SCRAPEFEED_CRASH_SEED={seed}");
    let _hint = ReplayHint { seed, rounds };
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();

    let mut model = SiteModel::tass();
    // Each answer is held back a little so a kill can land in the middle of a scrape.
    model.delay = Some(Duration::from_millis(2));
    let origin = Origin::start(model);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let feeds = dir.path().join("feeds");
    let db = dir.path().join("data/scrapefeed.db");

    let mut served = Served::new();
    let mut stored = Stored::new();
    let mut next_id = 2_000_000u64;
    let (mut killed, mut finished, mut watcher_reads) = (0, 0, 0);
    let mut typical_ms: u64 = 1500;
    for round in 0..rounds {
        // The site moves on: new stories, and old (already served) ones drop off the listing.
        {
            let mut site = origin.site.lock().unwrap();
            for _ in 0..rng.random_range(1..=3) {
                next_id += 1;
                site.articles.push(new_article(&mut rng, next_id, round));
            }
            if rng.random_bool(0.3) {
                let candidates: Vec<u64> = site
                    .articles
                    .iter()
                    .filter(|a| served.keys().any(|(_, guid)| guid.ends_with(&a.path())))
                    .map(|a| a.id)
                    .filter(|id| !site.unlisted.contains(id))
                    .collect();
                if !candidates.is_empty() {
                    let id = candidates[rng.random_range(0..candidates.len())];
                    site.unlisted.push(id);
                }
            }
        }

        let stop = Arc::new(AtomicBool::new(false));
        let reads = Arc::new(AtomicUsize::new(0));
        let watcher = watch(feeds.clone(), stop.clone(), reads.clone());
        // Every third round runs the server instead: it scrapes every section at start-up
        // and never exits by itself, so it is always killed. Not through `support::Serve`,
        // which waits until the server listens: the kill may land before that.
        let serve = round % 3 == 2;
        let args: &[&str] = if serve {
            &["serve", "--listen", "127.0.0.1:0"]
        } else {
            &["scrape"]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_scrapefeed"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("binary starts");
        // Kill points spread over the whole run: start-up, listings, article pages, the
        // commit, the feed files. `typical_ms` follows how long an unkilled run took.
        let spawned = Instant::now();
        let delay = Duration::from_millis(rng.random_range(5..typical_ms));
        let deadline = spawned + delay;
        while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(1));
        }
        if child.try_wait().unwrap().is_none() {
            // SAFETY: kill(2) on our own child's pid, which is not reaped yet.
            let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
            assert_eq!(rc, 0, "kill failed");
            killed += 1;
        } else {
            assert!(!serve, "serve exited by itself");
            finished += 1;
            typical_ms = (spawned.elapsed().as_millis() as u64 * 11 / 10).max(50);
        }
        child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        watcher
            .join()
            .expect("every feed file parsed at every moment");
        watcher_reads += reads.load(Ordering::Relaxed);

        // Nothing stored before is lost, duplicated or changed.
        let now_stored = read_stored(&db);
        for (key, value) in &stored {
            assert_eq!(
                now_stored.get(key),
                Some(value),
                "round {round}: stored {key:?}"
            );
        }
        stored = now_stored;
        // Nothing served before is lost, duplicated or re-dated, in the files on disk.
        let now_served = read_served(&feeds);
        for (key, published) in &served {
            assert_eq!(
                now_served.get(key),
                Some(published),
                "round {round} (killed after {delay:?}): served {key:?}"
            );
        }
        served = now_served;
    }

    // A clean run: every article the origin lists now is served, plus everything served
    // before, each once and exactly dated, and nothing the origin never had. (An article
    // that dropped off the listing's first page before any scrape could store it is missed
    // by any scraper: it is neither required nor forbidden.)
    let clean = Instant::now();
    assert_success(&run(&config, &["scrape"]));
    println!("crash test: a clean scrape takes {:?}", clean.elapsed());
    let final_served = read_served(&feeds);
    for (key, published) in &served {
        assert_eq!(final_served.get(key), Some(published), "served {key:?}");
    }
    let model = origin.model();
    let mut origin_dates = BTreeMap::new();
    for (slug, _, _) in SECTIONS {
        let mut listed: Vec<&Article> = model
            .in_section(slug)
            .into_iter()
            .filter(|a| !model.unlisted.contains(&a.id))
            .collect();
        listed.sort_by_key(|a| std::cmp::Reverse(a.published));
        for a in model.in_section(slug) {
            let now_listed = listed.iter().take(LISTING_LIMIT).any(|l| l.id == a.id);
            let guid = format!("{}{}", origin.base_url(), a.path());
            for ext in ["rss", "atom"] {
                let key = (format!("{slug}.{ext}"), guid.clone());
                if now_listed {
                    assert!(final_served.contains_key(&key), "listed {key:?} served");
                }
                origin_dates.insert(key, Some(a.published.with_timezone(&Utc)));
            }
        }
    }
    for (key, published) in &final_served {
        assert_eq!(
            origin_dates.get(key),
            Some(published),
            "{key:?} as the origin has it"
        );
    }
    let final_stored = read_stored(&db);
    for (key, value) in &stored {
        assert_eq!(final_stored.get(key), Some(value), "stored {key:?}");
    }
    let leftovers = std::fs::read_dir(&feeds)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        })
        .count();
    println!(
        "crash test: {killed} killed mid-run, {finished} finished before the kill, \
         {} entries stored, {watcher_reads} full reads of the feed files during scrapes, \
         {leftovers} temp files left by kills, {:.1}s",
        final_stored.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(killed >= rounds / 2, "most rounds must be killed mid-run");
}

/// The first start is the riskiest moment: the database file is being made. Killed then,
/// a start must leave either no database or a whole one, readable by a reader that may not
/// write (a backup tool, `sqlite3 -readonly`), never a hot journal only a writer can roll
/// back or a file without the schema. Each round starts from an empty directory and kills
/// the binary within 12 ms of its first file appearing.
#[test]
fn sigkill_while_the_database_is_created_leaves_none_or_a_whole_one() {
    let rounds: usize = env_or("SCRAPEFEED_CRASH_ROUNDS", 24) * 2;
    let seed: u64 = env_or("SCRAPEFEED_CRASH_SEED", 7);
    let _hint = ReplayHint {
        seed,
        rounds: rounds / 2,
    };
    let mut rng = StdRng::seed_from_u64(seed);
    // Kills land within twice the time this machine takes to make the database (at least
    // 12 ms): a quiet machine makes it in a few ms, a loaded one with a busy disk in tens.
    let window = (creation_time() * 2).max(Duration::from_millis(12));
    let (mut absent, mut whole) = (0, 0);
    for round in 0..rounds {
        let dir = tempfile::tempdir().unwrap();
        let (mut child, _feeds) = start_without_origin(dir.path());
        let db = dir.path().join("data/scrapefeed.db");
        // The database is made in the data directory, apart from the feeds.
        let data = dir.path().join("data");
        let spawned = Instant::now();
        while spawned.elapsed() < Duration::from_secs(10)
            && child.try_wait().unwrap().is_none()
            && !std::fs::read_dir(&data).is_ok_and(|mut d| d.next().is_some())
        {
            std::thread::sleep(Duration::from_micros(200));
        }
        std::thread::sleep(Duration::from_micros(
            rng.random_range(0..window.as_micros() as u64),
        ));
        // SAFETY: kill(2) on our own child's pid, which is not reaped yet.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
        child.wait().unwrap();
        if !db.exists() {
            absent += 1;
            continue;
        }
        let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let read = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
            .and_then(|check| {
                conn.query_row("SELECT count(*) FROM entries", [], |r| r.get::<_, i64>(0))
                    .map(|n| (check, n))
            });
        match read {
            Ok((check, _)) => assert_eq!(check, "ok", "round {round}: integrity"),
            Err(e) => {
                let files: Vec<_> = std::fs::read_dir(&data)
                    .unwrap()
                    .map(|e| e.unwrap().file_name())
                    .collect();
                panic!("round {round}: a read-only reader fails: {e} (files: {files:?})");
            }
        }
        whole += 1;
    }
    println!(
        "database creation (kills within {window:?}): {absent} kills left none, {whole} left a whole one"
    );
    assert!(whole > 0, "no kill landed after the database was made");
}

/// `scrape` in a fresh directory with no origin: the start-up work before the first request
/// is what the test is about. Returns the child and its feeds directory.
fn start_without_origin(dir: &Path) -> (std::process::Child, PathBuf) {
    let config = write_config(dir, "http://127.0.0.1:9");
    let child = Command::new(env!("CARGO_BIN_EXE_scrapefeed"))
        .arg("--config")
        .arg(&config)
        .arg("scrape")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    (child, dir.join("feeds"))
}

/// How long, here and now, the binary takes from its first file in `data/` to the database
/// in place (median of three unkilled starts).
fn creation_time() -> Duration {
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let (mut child, _feeds) = start_without_origin(dir.path());
            let db = dir.path().join("data/scrapefeed.db");
            let data = dir.path().join("data");
            let limit = Instant::now() + Duration::from_secs(10);
            let mut first = None;
            while Instant::now() < limit && !db.exists() {
                if first.is_none() && std::fs::read_dir(&data).is_ok_and(|mut d| d.next().is_some())
                {
                    first = Some(Instant::now());
                }
                std::thread::sleep(Duration::from_micros(100));
            }
            let took = first.map_or(Duration::ZERO, |t| t.elapsed());
            child.wait().unwrap();
            took
        })
        .collect();
    times.sort();
    times[1]
}
