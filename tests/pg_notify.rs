//! Feed change notices between instances on one PostgreSQL: the listener
//! (`store::pg::Listener`) on a real server, and an app following them
//! (`app::follow_feed_changes`) answering with the new bytes and ETag within a second of
//! another instance's change.
//!
//! Needs the test cluster (`tests/pg/cluster.sh`, see `tests/support/pg.rs`): skipped without
//! it, failing under `CI`.

mod support;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use scrapefeed::app::follow_feed_changes;
use scrapefeed::store::pg::{notice_payload, Listener, Notice, PgTarget, FEED_CHANNEL};
use support::pg::TestDb;
use support::routes::{entry, save, InProcess};

fn notify(client: &mut postgres::Client, tag: &str, feed: &str) {
    client
        .execute(
            "SELECT pg_notify($1, $2)",
            &[&FEED_CHANNEL, &notice_payload(tag, feed)],
        )
        .unwrap();
}

fn changed(feed: &str) -> Notice {
    Notice::Changed { feed: feed.into() }
}

#[test]
fn the_listener_delivers_other_stores_notices_and_resyncs_after_a_lost_connection() {
    let Some(db) = TestDb::fresh() else { return };
    let target = PgTarget::parse(&db.url).unwrap();
    let (tx, rx) = mpsc::channel();
    let listener = Listener::start(target, "mine".into(), move |notice| {
        let boom = notice == changed("boom");
        let _ = tx.send(notice);
        assert!(!boom, "a callback that panics");
    })
    .unwrap();
    let wait = Duration::from_secs(10);
    assert_eq!(
        rx.recv_timeout(wait),
        Ok(Notice::Resync),
        "once LISTEN holds"
    );

    let mut client = db.client();
    notify(&mut client, "mine", "one");
    notify(&mut client, "theirs", "two");
    // A save that rolls back notifies nobody.
    let mut transaction = client.transaction().unwrap();
    transaction
        .execute(
            "SELECT pg_notify($1, $2)",
            &[&FEED_CHANNEL, &notice_payload("theirs", "three")],
        )
        .unwrap();
    transaction.rollback().unwrap();
    client
        .execute("SELECT pg_notify($1, 'garbage')", &[&FEED_CHANNEL])
        .unwrap();
    notify(&mut client, "theirs", "four");
    assert_eq!(rx.recv_timeout(wait), Ok(changed("two")), "its own skipped");
    assert_eq!(rx.recv_timeout(wait), Ok(changed("four")));
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());

    // The server drops the listener's session: it connects again and says notices may
    // have been lost.
    let killed = client
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = 'scrapefeed-listen'",
            &[],
        )
        .unwrap();
    assert_eq!(killed, 1);
    assert_eq!(rx.recv_timeout(wait), Ok(Notice::Resync));
    notify(&mut client, "theirs", "five");
    assert_eq!(rx.recv_timeout(wait), Ok(changed("five")));
    // A callback that panics may have left its work half done: the listener lives on, and
    // connects again so that a Resync makes everything whole.
    notify(&mut client, "theirs", "boom");
    assert_eq!(rx.recv_timeout(wait), Ok(changed("boom")));
    assert_eq!(rx.recv_timeout(wait), Ok(Notice::Resync));
    notify(&mut client, "theirs", "six");
    assert_eq!(rx.recv_timeout(wait), Ok(changed("six")));

    let asked = Instant::now();
    listener.stop();
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(100)),
        Err(mpsc::RecvTimeoutError::Disconnected),
        "the thread ended, and its callback with it"
    );
    let sessions: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = 'scrapefeed-listen'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(sessions, 0, "its connection closed");
}

const CONFIG: &str = r#"
[[site]]
id = "news"
title = "News"
base_url = "https://news.example"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "world"
title = "World"
path = "/world"
"#;

/// An instance hears another's save and answers with the new document within a second;
/// its ETag and Last-Modified are those of a fresh render of the store.
#[test]
fn an_app_answers_with_the_new_etag_within_a_second_of_another_instances_change() {
    let Some(db) = TestDb::fresh() else { return };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let instance = runtime.block_on(InProcess::open(CONFIG, |store| {
        save(
            store,
            "world",
            &[entry(
                "https://news.example/a",
                "A",
                "2026-06-13T10:00:00+03:00",
            )],
        )
    }));
    let app = instance.app();
    let follower = app.clone();
    let listener = follow_feed_changes(
        PgTarget::parse(&db.url).unwrap(),
        "mine".into(),
        move || follower.clone(),
    )
    .unwrap();
    // LISTEN holds once its Resync dropped every head the open rendered.
    let listening = Instant::now();
    while app.feeds.head("all").is_some() {
        assert!(listening.elapsed() < Duration::from_secs(10), "no Resync");
        std::thread::sleep(Duration::from_millis(10));
    }
    let before = runtime.block_on(instance.get("/feeds/all.atom"));
    assert_eq!(before.status, 200);

    // Another instance saves to the shared store and notifies.
    save(
        app.store.blocking(),
        "world",
        &[entry(
            "https://news.example/b",
            "B",
            "2026-06-13T11:00:00+03:00",
        )],
    );
    let unheard = runtime.block_on(instance.get("/feeds/all.atom"));
    assert_eq!(
        unheard.header("etag"),
        before.header("etag"),
        "not heard yet"
    );
    notify(&mut db.client(), "theirs", "world");
    let sent = Instant::now();
    let after = loop {
        let answer = runtime.block_on(instance.get("/feeds/all.atom"));
        if answer.header("etag") != before.header("etag") {
            break answer;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(1),
            "still the old feed"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(String::from_utf8_lossy(&after.body).contains("news.example/b"));
    assert_ne!(
        after.header("last-modified"),
        before.header("last-modified")
    );
    // The section itself, and the validators a fresh instance would compute.
    let world = runtime.block_on(instance.get("/feeds/world.rss"));
    assert!(String::from_utf8_lossy(&world.body).contains("news.example/b"));
    let fresh = runtime.block_on(InProcess::open(CONFIG, |store| {
        for (url, title, at) in [
            ("https://news.example/a", "A", "2026-06-13T10:00:00+03:00"),
            ("https://news.example/b", "B", "2026-06-13T11:00:00+03:00"),
        ] {
            save(store, "world", &[entry(url, title, at)]);
        }
    }));
    let expected = runtime.block_on(fresh.get("/feeds/all.atom"));
    assert_eq!(after.body, expected.body);
    assert_eq!(after.header("etag"), expected.header("etag"));
    listener.stop();
}
