//! Three instances of `scrapefeed serve` on one PostgreSQL database, against the local TASS
//! origin: each section is scraped once per interval by one of them, the origin never sees
//! two requests at once, every instance serves the same bytes, and a killed instance's work is
//! taken over when its lease expires. Needs PostgreSQL (tests/support/pg.rs): skipped without
//! one on a developer's machine, failed under CI.

mod support;

use std::time::{Duration, Instant};

use support::cluster;
use support::origin::{Origin, SiteModel, SECTIONS};
use support::pg::TestDb;
use support::Serve;

const FEEDS: [&str; 5] = [
    "/feeds/politics.rss",
    "/feeds/world.atom",
    "/feeds/sports.json",
    "/feeds/tass.rss",
    "/feeds/all.atom",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_scrape_each_section_once_per_interval_politely_and_serve_the_same_bytes() {
    let Some(db) = TestDb::fresh() else { return };
    let origin = Origin::start(SiteModel::tass());
    origin.site.lock().unwrap().delay = Some(Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let config = cluster::config(dir.path(), &origin, &db.url, "10s", "5s");
    let instances = cluster::start(&config, 3);
    let client = reqwest::Client::new();
    let all: Vec<&Serve> = instances.iter().collect();

    tokio::time::sleep(Duration::from_secs(34)).await;
    // Once per interval: every section's listing was asked for at least three times, each
    // call one interval after the last (plus the time a scrape takes and a claim's poll),
    // never twice in an interval, whichever instance asked.
    let gaps = cluster::listing_gaps(&origin);
    assert_eq!(
        gaps.len(),
        SECTIONS.len(),
        "every section was listed: {gaps:?}"
    );
    for (section, gaps) in &gaps {
        assert!(
            gaps.len() >= 2,
            "section {section} listed {} times",
            gaps.len() + 1
        );
        for gap in gaps {
            assert!(
                *gap >= Duration::from_millis(9_900) && *gap <= Duration::from_secs(14),
                "section {section}: listing calls {gap:?} apart (interval 10s): {gaps:?}"
            );
        }
    }
    assert_eq!(
        origin.peak_concurrency(),
        1,
        "the origin saw two requests at once"
    );

    let health = cluster::health(&client, &instances[0])
        .await
        .expect("healthz");
    let live = health["instances"]
        .as_array()
        .expect("healthz lists the instances")
        .iter()
        .filter(|i| i["live"] == true)
        .count();
    assert_eq!(live, 3, "{health:#}");
    for (slug, _, _) in SECTIONS {
        let section = &health["sections"][slug];
        assert!(
            !section["last_success"].is_null() && !section["next_run"].is_null(),
            "healthz on one instance shows the scrapes of all: {section:#}"
        );
    }

    for path in FEEDS {
        let (_, body) = cluster::agree(&client, &all, path, Duration::from_secs(5)).await;
        support::parse_feed(&body);
    }

    // A change: once one instance serves the new article, all of them serve the same bytes
    // within a second or two (the saving instance renders it; the others were told).
    origin
        .site
        .lock()
        .unwrap()
        .articles
        .push(cluster::fresh_article("politics", 2_000_001, 0));
    let deadline = Instant::now() + Duration::from_secs(20);
    'seen: loop {
        for serve in &instances {
            if let Some((200, _, body)) = cluster::get(&client, serve, "/feeds/politics.rss").await
            {
                if String::from_utf8_lossy(&body).contains("Breaking 2000001") {
                    break 'seen;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no instance scraped the new article"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for path in ["/feeds/politics.rss", "/feeds/tass.json", "/feeds/all.rss"] {
        let (_, body) = cluster::agree(&client, &all, path, Duration::from_secs(2)).await;
        assert!(
            String::from_utf8_lossy(&body).contains("Breaking 2000001"),
            "{path} agrees on the new article"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_s_sections_are_taken_over_when_its_lease_expires() {
    let Some(db) = TestDb::fresh() else { return };
    let origin = Origin::start(SiteModel::tass());
    // Slow answers: a scrape lasts long enough to be killed in the middle.
    origin.site.lock().unwrap().delay = Some(Duration::from_millis(250));
    let dir = tempfile::tempdir().unwrap();
    // One round only: a second listing call of a section is a takeover.
    let config = cluster::config(dir.path(), &origin, &db.url, "1h", "5s");
    let mut instances = cluster::start(&config, 3);
    let client = reqwest::Client::new();

    // Find an instance holding a lease mid-scrape, by its pid.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (victim, owned) = loop {
        let health = cluster::health(&client, &instances[0]).await;
        if let Some(health) = health {
            let pids: std::collections::HashMap<String, u64> = health["instances"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| Some((i["id"].as_str()?.to_string(), i["pid"].as_u64()?)))
                .collect();
            let owned: Vec<String> = health["sections"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, s)| s["owner"].is_string() && s["last_success"].is_null())
                .map(|(id, _)| id.clone())
                .collect();
            let owner = health["sections"]
                .as_object()
                .into_iter()
                .flatten()
                .find_map(|(_, s)| s["owner"].as_str().map(str::to_string));
            if let Some(pid) = owner.and_then(|o| pids.get(&o).copied()) {
                if let Some(index) = instances.iter().position(|s| u64::from(s.pid()) == pid) {
                    break (index, owned);
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no section was seen owned mid-scrape"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    };
    assert!(!owned.is_empty());
    let killed_at = Instant::now();
    instances[victim].signal(libc::SIGKILL);
    instances[victim].wait_exit(Duration::from_secs(10));
    let survivors: Vec<&Serve> = instances
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != victim)
        .map(|(_, s)| s)
        .collect();

    // Every section ends scraped, the killed one's included, by the survivors.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let health = cluster::health(&client, survivors[0]).await;
        let done = health.as_ref().is_some_and(|h| {
            h["sections"].as_object().is_some_and(|s| {
                s.len() == SECTIONS.len() && s.values().all(|s| !s["last_success"].is_null())
            })
        });
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sections were not taken over: {health:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Taken over only after the lease expired: the second listing call of a section came at
    // least a lease after the kill.
    let model = origin.model();
    for (slug, section_id, _) in SECTIONS {
        let calls: Vec<Instant> = origin
            .listing_calls()
            .into_iter()
            .filter(|(_, s)| *s == u64::from(section_id))
            .map(|(at, _)| at)
            .collect();
        if calls.len() > 1 {
            assert!(
                calls[1] >= killed_at + Duration::from_millis(4_500),
                "{slug} was taken over before its lease expired"
            );
        }
        // Nothing lost, nothing twice: every listed article once.
        let (_, body) = cluster::agree(
            &client,
            &survivors,
            &format!("/feeds/{slug}.rss"),
            Duration::from_secs(5),
        )
        .await;
        let feed = support::parse_feed(&body);
        let ids: std::collections::HashSet<&str> =
            feed.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), feed.entries.len(), "{slug}: an entry twice");
        assert_eq!(
            feed.entries.len(),
            model.in_section(slug).len(),
            "{slug}: entries lost"
        );
    }
    assert_eq!(
        origin.peak_concurrency(),
        1,
        "the origin saw two requests at once"
    );
}
