//! Three instances on one PostgreSQL while the origin keeps publishing, with instances killed
//! (`kill -9`) and started again and the database server restarted mid-run. Afterwards:
//! every entry ever served is still served, once, with the same guid and date; the origin
//! never saw two requests at once; every instance serves the same bytes.
//!
//! Alone in its test binary: it restarts the test cluster's server, which would break the
//! connections of any PostgreSQL test running beside it (cargo runs test binaries one after
//! another).

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use support::cluster;
use support::origin::{Origin, SiteModel, SECTIONS};
use support::pg::TestDb;
use support::Serve;

/// Every entry seen in any feed: (feed, guid) → published date.
type Seen = HashMap<(String, String), Option<chrono::DateTime<chrono::Utc>>>;

async fn observe(client: &reqwest::Client, serve: &Serve, seen: &mut Seen) {
    for (slug, _, _) in SECTIONS {
        let path = format!("/feeds/{slug}.rss");
        let Some((200, _, body)) = cluster::get(client, serve, &path).await else {
            continue;
        };
        let feed = support::parse_feed(&body);
        let mut ids = std::collections::HashSet::new();
        for entry in feed.entries {
            assert!(
                ids.insert(entry.id.clone()),
                "{path}: {} served twice",
                entry.id
            );
            let key = (slug.to_string(), entry.id.clone());
            match seen.get(&key) {
                Some(date) => assert_eq!(
                    *date, entry.published,
                    "{path}: {} changed its date",
                    entry.id
                ),
                None => {
                    seen.insert(key, entry.published);
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_instances_and_a_restarted_database_lose_and_duplicate_nothing() {
    let Some(db) = TestDb::fresh() else { return };
    let origin = Origin::start(SiteModel::tass());
    origin.site.lock().unwrap().delay = Some(Duration::from_millis(10));
    let dir = tempfile::tempdir().unwrap();
    let config = cluster::config(dir.path(), &origin, &db.url, "10s", "5s");
    let mut instances = cluster::start(&config, 3);
    let client = reqwest::Client::new();
    let mut seen = Seen::new();
    let started = Instant::now();
    let mut published = 0u64;
    let mut next_publish = Duration::ZERO;
    // (time, what): kills and restarts of instances, and one of the database.
    let mut plan = vec![
        (Duration::from_secs(10), "kill 0"),
        (Duration::from_secs(20), "restart database"),
        (Duration::from_secs(30), "kill 1"),
        (Duration::from_secs(40), "kill 2"),
    ];
    plan.reverse();
    let mut turn = 0usize;
    while started.elapsed() < Duration::from_secs(50) {
        if started.elapsed() >= next_publish {
            let (slug, _, _) = SECTIONS[published as usize % SECTIONS.len()];
            origin
                .site
                .lock()
                .unwrap()
                .articles
                .push(cluster::fresh_article(
                    slug,
                    3_000_000 + published,
                    published as i64,
                ));
            published += 1;
            next_publish += Duration::from_millis(1_500);
        }
        if plan.last().is_some_and(|(at, _)| started.elapsed() >= *at) {
            let (_, what) = plan.pop().unwrap();
            match what {
                "restart database" => TestDb::restart_server(),
                kill => {
                    let index: usize = kill[5..].parse().unwrap();
                    instances[index].signal(libc::SIGKILL);
                    instances[index].wait_exit(Duration::from_secs(10));
                    instances[index] = cluster::start_one(&config);
                }
            }
        }
        observe(&client, &instances[turn % 3], &mut seen).await;
        turn += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Quiet: every published article ends up served by every instance, the same bytes.
    let all: Vec<&Serve> = instances.iter().collect();
    let model = origin.model();
    let deadline = Instant::now() + Duration::from_secs(90);
    for (slug, _, _) in SECTIONS {
        let path = format!("/feeds/{slug}.rss");
        loop {
            let (_, body) = cluster::agree(&client, &all, &path, Duration::from_secs(30)).await;
            let feed = support::parse_feed(&body);
            if feed.entries.len() == model.in_section(slug).len() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{path}: {} entries, {} articles listed",
                feed.entries.len(),
                model.in_section(slug).len()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let before = seen.len();
    for serve in &instances {
        observe(&client, serve, &mut seen).await;
    }
    let total: usize = SECTIONS
        .iter()
        .map(|(slug, _, _)| model.in_section(slug).len())
        .sum();
    assert_eq!(seen.len(), total, "every entry ever served is still served");
    assert!(
        before > 0 && published >= 30,
        "the run observed and published"
    );
    assert_eq!(
        origin.peak_concurrency(),
        1,
        "the origin saw two requests at once"
    );
}
