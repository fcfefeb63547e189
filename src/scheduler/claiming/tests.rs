//! The claiming loop on a real PostgreSQL (`store::pg::testdb`), with apps standing for
//! instances. Their sections point at a closed port: each scrape fails at once (robots.txt
//! unreachable), which is all these tests need to count runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::*;
use crate::store::pg::testdb::TestDb;

const SECTIONS: [&str; 4] = ["s0", "s1", "s2", "s3"];

fn config(dir: &std::path::Path) -> crate::config::Config {
    config_of(dir, &SECTIONS)
}

fn config_of(dir: &std::path::Path, sections: &[&str]) -> crate::config::Config {
    let sections: String = sections
        .iter()
        .map(|s| format!("[[site.section]]\nid = \"{s}\"\npath = \"/{s}\"\n\n"))
        .collect();
    crate::config::Config::parse(
        &format!(
            r#"[[site]]
id = "example"
base_url = "http://127.0.0.1:9/"
interval = "1h"
min_delay = "50ms"
retries = 0

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = {{ css = "a", attr = "href" }}

{sections}"#
        ),
        dir,
    )
    .unwrap()
}

struct Instance {
    app: Arc<App>,
}

/// An instance whose store is in `dir`: instances given one dir share their store (one
/// SQLite file, standing for the shared PostgreSQL store here).
fn instance(db: &TestDb, id: &str, expiry: Duration, dir: &std::path::Path) -> Instance {
    let config = config(dir);
    let store = crate::store::SqliteStore::open(&config.storage.database).unwrap();
    let cluster = Cluster::join_as(
        db.pool(4),
        db.target.clone(),
        id.into(),
        "test".into(),
        expiry,
    )
    .unwrap();
    let app = App::open_in_cluster(
        store,
        Arc::new(cluster),
        config,
        Arc::new(crate::clock::SystemClock),
        url::Url::parse("http://127.0.0.1:8080/").unwrap(),
        Default::default(),
    )
    .unwrap();
    Instance { app }
}

fn start(instance: &Instance, cancel: &CancellationToken) -> tokio::task::JoinHandle<()> {
    let app = instance.app.clone();
    let cluster = app.cluster().unwrap().clone();
    tokio::spawn(run_polling(
        app,
        cluster,
        cancel.clone(),
        Duration::from_millis(50),
    ))
}

fn runs(instances: &[&Instance], section: &str) -> u64 {
    instances
        .iter()
        .map(|i| *i.app.trigger(section).unwrap().runs().borrow())
        .sum()
}

fn all_runs(instances: &[&Instance]) -> u64 {
    SECTIONS.iter().map(|s| runs(instances, s)).sum()
}

async fn until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "not within {timeout:?}: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_scrape_each_section_once_and_scrape_now_reaches_either() {
    let Some(db) = TestDb::migrated() else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = instance(&db, "a", Duration::from_secs(60), dir.path());
    let b = instance(&db, "b", Duration::from_secs(60), dir.path());
    let cancel = CancellationToken::new();
    let loops = [start(&a, &cancel), start(&b, &cancel)];
    let both = [&a, &b];
    until("every section scraped", Duration::from_secs(20), || {
        all_runs(&both) >= 4
    })
    .await;
    // Failed (the site unreachable), they are due again after 30 s, not sooner.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for s in SECTIONS {
        assert_eq!(runs(&both, s), 1, "{s} scraped once across the cluster");
    }
    // What /healthz shows: both instances alive, each section's next run from its lease.
    until("the cluster's view", Duration::from_secs(20), || {
        b.app
            .cluster_instances()
            .is_some_and(|i| i.len() == 2 && i.iter().all(|i| i.live))
    })
    .await;
    until("next runs from the leases", Duration::from_secs(20), || {
        SECTIONS.iter().all(|s| {
            let h = b.app.health(s);
            h.consecutive_failures == 1
                && h.owner.is_none()
                && h.next_run
                    .is_some_and(|at| at > chrono::Utc::now() + chrono::TimeDelta::seconds(20))
        })
    })
    .await;
    // "Scrape now" on b: one more run of s2, by whichever instance claims it.
    assert_eq!(b.app.scrape_now("s2"), Some(crate::app::ScrapeNow::Started));
    until("s2 scraped again", Duration::from_secs(20), || {
        runs(&both, "s2") == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(all_runs(&both), 5, "nothing else ran");
    cancel.cancel();
    for l in loops {
        tokio::time::timeout(Duration::from_secs(10), l)
            .await
            .expect("the loop stops")
            .unwrap();
    }
    // Every lease handed back.
    let leases = b
        .app
        .cluster()
        .unwrap()
        .clone()
        .blocking(|c| c.leases())
        .await
        .unwrap();
    assert!(leases.iter().all(|l| l.owner.is_none()), "{leases:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_instances_section_is_taken_over_after_its_lease_expires() {
    let Some(db) = TestDb::migrated() else { return };
    let expiry = Duration::from_millis(1500);
    // "dead" claims s0 and is killed: it never renews nor releases.
    let dead = Arc::new(
        Cluster::join_as(
            db.pool(1),
            db.target.clone(),
            "dead".into(),
            "test".into(),
            expiry,
        )
        .unwrap(),
    );
    let claimed = dead
        .blocking(|c| {
            c.declare(&["s0".to_string()])?;
            c.claim(1)
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let claimed_at = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let alive = instance(&db, "alive", expiry, dir.path());
    let cancel = CancellationToken::new();
    let running = start(&alive, &cancel);
    let mut s0 = alive.app.trigger("s0").unwrap().runs();
    tokio::time::timeout(Duration::from_secs(20), s0.wait_for(|r| *r >= 1))
        .await
        .expect("s0 taken over")
        .unwrap();
    let waited = claimed_at.elapsed();
    assert!(
        waited >= expiry,
        "taken over after {waited:?}, before the lease expired"
    );
    assert_eq!(runs(&[&alive], "s1"), 1, "the free sections ran at once");
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the loop stops")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reload_keeps_the_schedule_and_drops_only_what_nobody_declares() {
    let Some(db) = TestDb::migrated() else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = instance(&db, "a", Duration::from_secs(60), dir.path());
    // b declares s3 too, without running (as an instance that just started would).
    let b = Cluster::join_as(
        db.pool(1),
        db.target.clone(),
        "b".into(),
        "test".into(),
        Duration::from_secs(60),
    )
    .unwrap();
    let cancel = CancellationToken::new();
    let first = start(&a, &cancel);
    until("every section scraped", Duration::from_secs(20), || {
        all_runs(&[&a]) >= 4
    })
    .await;
    cancel.cancel();
    first.await.unwrap();
    // The reload drops s2 and s3; b still declares s3.
    let b = Arc::new(b);
    b.blocking(|c| c.declare(&["s3".to_string()]))
        .await
        .unwrap();
    let reloaded = Instance {
        app: a
            .app
            .reopen(
                config_of(dir.path(), &["s0", "s1"]),
                Arc::new(crate::clock::SystemClock),
                url::Url::parse("http://127.0.0.1:8080/").unwrap(),
                Default::default(),
            )
            .unwrap(),
    };
    let cancel = CancellationToken::new();
    let second = start(&reloaded, &cancel);
    let cluster = reloaded.app.cluster().unwrap().clone();
    let mut sections = Vec::new();
    until("s2's lease removed", Duration::from_secs(20), || {
        let leases = std::thread::scope(|s| s.spawn(|| cluster.leases().unwrap()).join().unwrap());
        sections = leases.into_iter().map(|l| l.section).collect();
        sections.len() == 3
    })
    .await;
    assert_eq!(sections, ["s0", "s1", "s3"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        runs(&[&reloaded], "s0") + runs(&[&reloaded], "s1"),
        0,
        "the reload scraped nothing again"
    );
    cancel.cancel();
    second.await.unwrap();
}
