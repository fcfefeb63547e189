//! The cluster on a real PostgreSQL (`store::pg::testdb`): several `Cluster`s with their own ids on one
//! database stand for several instances.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::fetch::HostGate;
use crate::store::pg::testdb::TestDb;

fn member(db: &TestDb, id: &str, expiry: Duration) -> Cluster {
    Cluster::join_as(
        db.pool(4),
        db.target.clone(),
        id.into(),
        "test-host".into(),
        expiry,
    )
    .expect("join")
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

/// Moves an instance's last beat into the past, as if it had died `ago` seconds ago.
fn silence(db: &TestDb, id: &str, ago: f64) {
    let mut conn = crate::store::pg::get(&db.pool(1), &db.target).unwrap();
    conn.execute(
        "UPDATE instances SET heartbeat = clock_timestamp() - make_interval(secs => $2) WHERE id = $1",
        &[&id, &ago],
    )
    .unwrap();
}

#[test]
fn each_due_section_is_claimed_by_exactly_one_instance() {
    let Some(db) = TestDb::migrated() else { return };
    let sections = names("s", 40);
    let members: Vec<Arc<Cluster>> = (0..3)
        .map(|i| Arc::new(member(&db, &format!("i{i}"), Duration::from_secs(60))))
        .collect();
    for m in &members {
        m.declare(&sections).unwrap();
    }
    let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = members
            .iter()
            .map(|m| {
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let got = m.claim(3).unwrap();
                        if got.is_empty() {
                            return mine;
                        }
                        mine.extend(got.into_iter().map(|c| c.section));
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let all: Vec<&String> = claimed.iter().flatten().collect();
    let unique: HashSet<&String> = all.iter().copied().collect();
    assert_eq!(all.len(), 40, "each section claimed once: {claimed:?}");
    assert_eq!(unique.len(), 40);
    assert!(
        members[0].claim(10).unwrap().is_empty(),
        "none due any more"
    );
    let owners: HashSet<Option<String>> = members[0]
        .leases()
        .unwrap()
        .into_iter()
        .map(|l| l.owner)
        .collect();
    assert!(!owners.contains(&None), "every lease is held: {owners:?}");
}

#[test]
fn only_declared_sections_are_claimed() {
    let Some(db) = TestDb::migrated() else { return };
    let a = member(&db, "a", Duration::from_secs(60));
    let b = member(&db, "b", Duration::from_secs(60));
    a.declare(&["x".into()]).unwrap();
    b.declare(&["y".into()]).unwrap();
    assert!(b.claim(5).unwrap().iter().all(|c| c.section == "y"));
    assert_eq!(
        a.claim(5).unwrap(),
        vec![Claim {
            section: "x".into(),
            failures: 0
        }]
    );
}

#[test]
fn an_unrenewed_lease_expires_and_another_instance_takes_it() {
    let Some(db) = TestDb::migrated() else { return };
    let expiry = Duration::from_millis(800);
    let a = member(&db, "a", expiry);
    let b = member(&db, "b", expiry);
    let s = vec!["s".to_string()];
    a.declare(&s).unwrap();
    b.declare(&s).unwrap();
    assert_eq!(a.claim(1).unwrap().len(), 1);
    assert!(b.claim(1).unwrap().is_empty(), "held by a");
    std::thread::sleep(expiry / 2);
    assert!(a.renew("s").unwrap(), "a renews in time");
    std::thread::sleep(expiry / 2 + Duration::from_millis(100));
    assert!(
        b.claim(1).unwrap().is_empty(),
        "the renewal extended the lease"
    );
    std::thread::sleep(expiry);
    let taken = b.claim(1).unwrap();
    assert_eq!(taken.len(), 1, "a's lease expired: b takes the section");
    assert!(!a.renew("s").unwrap(), "a learns it lost the lease");
    assert!(!a.release("s", Duration::from_secs(3600), 0).unwrap());
    assert!(b.release("s", Duration::from_secs(3600), 0).unwrap());
}

#[test]
fn release_sets_the_next_due_time_and_the_shared_failures() {
    let Some(db) = TestDb::migrated() else { return };
    let a = member(&db, "a", Duration::from_secs(60));
    let b = member(&db, "b", Duration::from_secs(60));
    let s = vec!["s".to_string()];
    a.declare(&s).unwrap();
    b.declare(&s).unwrap();
    assert_eq!(a.next_due_in().unwrap(), Some(Duration::ZERO));
    a.claim(1).unwrap();
    assert!(a.release("s", Duration::from_secs(600), 2).unwrap());
    let lease = &a.leases().unwrap()[0];
    assert_eq!((lease.owner.as_deref(), lease.failures), (None, 2));
    let due_in = b.next_due_in().unwrap().unwrap();
    assert!(
        due_in > Duration::from_secs(590) && due_in <= Duration::from_secs(600),
        "{due_in:?}"
    );
    assert!(b.claim(1).unwrap().is_empty(), "not due yet");
    assert!(b.due_now("s").unwrap(), "scrape now");
    assert_eq!(
        b.claim(1).unwrap(),
        vec![Claim {
            section: "s".into(),
            failures: 2
        }],
        "b goes on from a's failures"
    );
    assert!(!b.due_now("unknown").unwrap());
}

#[test]
fn a_restart_keeps_the_schedule() {
    let Some(db) = TestDb::migrated() else { return };
    let s = vec!["s".to_string()];
    let first = member(&db, "first", Duration::from_secs(60));
    first.declare(&s).unwrap();
    first.claim(1).unwrap();
    first.release("s", Duration::from_secs(900), 0).unwrap();
    first.leave().unwrap();
    let again = member(&db, "again", Duration::from_secs(60));
    again.declare(&s).unwrap();
    assert!(
        again.claim(1).unwrap().is_empty(),
        "still scheduled in 15 minutes"
    );
}

#[test]
fn a_lease_stays_while_any_instance_on_record_declares_its_section() {
    let Some(db) = TestDb::migrated() else { return };
    let a = member(&db, "a", Duration::from_secs(1)).with_forget_after(Duration::from_secs(30));
    let b = member(&db, "b", Duration::from_secs(1));
    a.declare(&["shared".into(), "a_only".into(), "dropped".into()])
        .unwrap();
    b.declare(&["shared".into(), "b_only".into()]).unwrap();
    // A reload on b drops "shared": a still declares it.
    b.declare(&["b_only".into()]).unwrap();
    // A reload on a drops "dropped": nobody declares it.
    a.declare(&["shared".into(), "a_only".into()]).unwrap();
    a.prune().unwrap();
    let sections = |c: &Cluster| -> Vec<String> {
        c.leases().unwrap().into_iter().map(|l| l.section).collect()
    };
    assert_eq!(sections(&a), ["a_only", "b_only", "shared"]);
    // b dies; a while later it is forgotten, and its sections with it.
    silence(&db, "b", 10.0);
    a.prune().unwrap();
    assert_eq!(
        sections(&a),
        ["a_only", "b_only", "shared"],
        "b is not forgotten yet"
    );
    silence(&db, "b", 31.0);
    a.heartbeat().unwrap();
    assert_eq!(sections(&a), ["a_only", "shared"]);
    let ids: Vec<String> = a.instances().unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(ids, ["a"]);
}

#[test]
fn instances_show_who_is_alive() {
    let Some(db) = TestDb::migrated() else { return };
    let a = member(&db, "a", Duration::from_secs(2));
    let b = member(&db, "b", Duration::from_secs(2));
    silence(&db, "b", 5.0);
    let live: Vec<(String, bool)> = a
        .instances()
        .unwrap()
        .into_iter()
        .map(|i| (i.id, i.live))
        .collect();
    assert_eq!(live, [("a".to_string(), true), ("b".to_string(), false)]);
    b.heartbeat().unwrap();
    assert!(a.instances().unwrap().iter().all(|i| i.live));
    b.leave().unwrap();
    assert_eq!(a.instances().unwrap().len(), 1);
    // A forgotten instance that beats again is back.
    b.heartbeat().unwrap();
    assert_eq!(a.instances().unwrap().len(), 2);
}

#[test]
fn errors_name_the_database_without_its_password() {
    let target = crate::store::pg::PgTarget::parse("postgres://u:s3cret@127.0.0.1:1/none").unwrap();
    let pool = r2d2::Pool::builder()
        .connection_timeout(Duration::from_millis(200))
        .build_unchecked(r2d2_postgres::PostgresConnectionManager::new(
            target.config(),
            postgres::NoTls,
        ));
    let error = Cluster::join(pool, target, Duration::from_secs(1))
        .err()
        .expect("no server there")
        .to_string();
    assert!(error.contains("postgres://u@127.0.0.1:1/none"), "{error}");
    assert!(!error.contains("s3cret"), "{error}");
}

const ORIGIN: &str = "http://origin.test:80";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn host_turns_never_overlap_across_instances_and_keep_min_delay() {
    let Some(db) = TestDb::migrated() else { return };
    let gap = Duration::from_millis(40);
    let turns = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..3 {
        let cluster = Arc::new(member(&db, &format!("i{i}"), Duration::from_secs(60)));
        for _ in 0..3 {
            let gate = HostSlots::new(cluster.clone());
            let turns = turns.clone();
            tasks.spawn(async move {
                for _ in 0..3 {
                    let ticket = gate
                        .acquire(ORIGIN, Duration::from_secs(30), gap)
                        .await
                        .unwrap();
                    let start = Instant::now();
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    let end = Instant::now();
                    turns.lock().unwrap().push((start, end));
                    ticket.release(gap).await;
                }
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let mut turns = turns.lock().unwrap().clone();
    assert_eq!(turns.len(), 27);
    turns.sort();
    for pair in turns.windows(2) {
        let (_, end) = pair[0];
        let (start, _) = pair[1];
        assert!(start >= end, "two turns overlap");
        // The database's clock and ours agree on one machine to well within a millisecond.
        assert!(
            start + Duration::from_millis(2) >= end + gap,
            "only {:?} between two turns",
            start - end
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_ticket_or_an_abandoned_wait_frees_the_turn() {
    let Some(db) = TestDb::migrated() else { return };
    let a = HostSlots::new(Arc::new(member(&db, "a", Duration::from_secs(60))));
    let b = HostSlots::new(Arc::new(member(&db, "b", Duration::from_secs(60))));
    let hold = Duration::from_secs(300);
    let ticket = a.acquire(ORIGIN, hold, Duration::ZERO).await.unwrap();
    // b waits; abandoned (cancelled), it must leave nothing held behind.
    let waited = tokio::time::timeout(
        Duration::from_millis(300),
        b.acquire(ORIGIN, hold, Duration::ZERO),
    )
    .await;
    assert!(waited.is_err(), "a holds the turn");
    drop(ticket);
    let taken = tokio::time::timeout(
        Duration::from_secs(3),
        b.acquire(ORIGIN, hold, Duration::ZERO),
    )
    .await
    .expect("a's dropped ticket freed the turn long before its hold ends")
    .unwrap();
    drop(taken);
    let again = tokio::time::timeout(
        Duration::from_secs(3),
        a.acquire(ORIGIN, hold, Duration::ZERO),
    )
    .await;
    assert!(again.is_ok(), "b's dropped ticket freed it too");
}

#[test]
fn a_killed_instances_turn_frees_itself_when_its_hold_ends() {
    let Some(db) = TestDb::migrated() else { return };
    let a = member(&db, "a", Duration::from_secs(60));
    let b = member(&db, "b", Duration::from_secs(60));
    let held = a.try_host(ORIGIN, Duration::from_millis(300)).unwrap();
    assert!(held.is_ok());
    // a is "killed": it never releases.
    assert!(b.try_host(ORIGIN, Duration::from_secs(1)).unwrap().is_err());
    std::thread::sleep(Duration::from_millis(350));
    assert!(b.try_host(ORIGIN, Duration::from_secs(1)).unwrap().is_ok());
}

#[test]
fn a_retry_after_gap_holds_every_instance_back() {
    let Some(db) = TestDb::migrated() else { return };
    let a = member(&db, "a", Duration::from_secs(60));
    let b = member(&db, "b", Duration::from_secs(60));
    let token = a.try_host(ORIGIN, Duration::from_secs(5)).unwrap().unwrap();
    a.release_host(ORIGIN, &token, Duration::from_secs(120))
        .unwrap();
    let wait = b
        .try_host(ORIGIN, Duration::from_secs(5))
        .unwrap()
        .unwrap_err();
    assert!(wait > Duration::from_secs(110), "{wait:?}");
    // A stale release (someone else's token) never shortens it.
    a.release_host(ORIGIN, "someone else", Duration::ZERO)
        .unwrap();
    assert!(b.try_host(ORIGIN, Duration::from_secs(5)).unwrap().is_err());
}

#[test]
fn robots_txt_is_shared_while_fresh() {
    let Some(db) = TestDb::migrated() else { return };
    let a = member(&db, "a", Duration::from_secs(60));
    let b = member(&db, "b", Duration::from_secs(60));
    assert_eq!(b.robots(ORIGIN, Duration::from_secs(60)).unwrap(), None);
    a.store_robots(ORIGIN, "User-agent: *\nDisallow: /private\0")
        .unwrap();
    let (body, age) = b.robots(ORIGIN, Duration::from_secs(60)).unwrap().unwrap();
    assert_eq!(body, "User-agent: *\nDisallow: /private");
    assert!(age < Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        b.robots(ORIGIN, Duration::from_millis(10)).unwrap(),
        None,
        "stale"
    );
}

#[tokio::test]
async fn joining_declaring_and_leaving_work_from_async_code() {
    // `App::open` runs in `serve`'s async fn: these calls must not panic there.
    let Some(db) = TestDb::migrated() else { return };
    let a = member(&db, "a", Duration::from_secs(60));
    a.declare(&["s".into()]).unwrap();
    a.leave().unwrap();
}
