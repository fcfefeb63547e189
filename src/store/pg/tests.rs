//! The PostgreSQL store's bad input: refusals at once, a server down at start waited for, a
//! newer schema refused, a connection lost mid-transaction, calls from async code. The
//! store's semantics shared with SQLite are in `store::contract`.

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};

use super::testdb::{TestDb, QUICK};
use super::{migrations, PgStore, PgTarget};
use crate::model::Entry;
use crate::store::{ArticleState, Retention, ScrapedEntry, Store, StoreError};

/// The admin URL with `edit` applied.
fn admin_url_with(edit: impl FnOnce(&mut url::Url)) -> Option<String> {
    let mut url = url::Url::parse(&TestDb::admin_url()?).unwrap();
    edit(&mut url);
    Some(url.to_string())
}

fn open_once(url: &str) -> Result<Option<PgStore>, StoreError> {
    PgStore::open_with(&PgTarget::parse(url).unwrap(), 2, QUICK, &|| false)
}

fn entry(url: &str) -> ScrapedEntry {
    let published = chrono::FixedOffset::east_opt(3600)
        .unwrap()
        .with_ymd_and_hms(2026, 6, 13, 10, 0, 0)
        .unwrap();
    ScrapedEntry {
        entry: Entry {
            url: url.into(),
            title: url.into(),
            summary: None,
            body: None,
            author: None,
            tags: vec![],
            image: None,
            published,
            updated: None,
            first_seen: Utc.with_ymd_and_hms(2026, 6, 13, 12, 0, 0).unwrap(),
            date_source: "test".into(),
        },
        state: ArticleState::Complete,
    }
}

const ALL: Retention = Retention {
    max_entries: 100,
    max_age: None,
};

#[test]
fn a_wrong_password_fails_at_once_without_showing_it() {
    let Some(url) = admin_url_with(|u| u.set_password(Some("wrong-secret-7")).unwrap()) else {
        return;
    };
    let started = Instant::now();
    let error = open_once(&url).err().expect("refused").to_string();
    assert!(started.elapsed() < Duration::from_secs(5), "not retried");
    assert!(error.contains("28P01"), "{error}");
    assert!(
        error.contains(PgTarget::parse(&url).unwrap().redacted()),
        "{error}"
    );
    assert!(!error.contains("wrong-secret-7"), "{error}");
}

#[test]
fn an_unknown_database_fails_at_once_without_the_password() {
    let Some(url) = admin_url_with(|u| u.set_path("/sf_no_such_database")) else {
        return;
    };
    let password = url::Url::parse(&url)
        .unwrap()
        .password()
        .unwrap()
        .to_string();
    let started = Instant::now();
    let error = open_once(&url).err().expect("refused").to_string();
    assert!(started.elapsed() < Duration::from_secs(5), "not retried");
    assert!(error.contains("3D000"), "{error}");
    assert!(error.contains("sf_no_such_database"), "{error}");
    assert!(!error.contains(&password), "{error}");
}

/// A port nothing listens on (bound, then freed).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_server_that_is_down_is_waited_for_until_cancelled() {
    let url = format!("postgres://u:secret@127.0.0.1:{}/db", closed_port());
    let started = Instant::now();
    let give_up = move || started.elapsed() > Duration::from_millis(600);
    let opened = PgStore::open_with(&PgTarget::parse(&url).unwrap(), 2, QUICK, &give_up);
    assert!(matches!(opened, Ok(None)), "{:?}", opened.err());
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the wait ends soon after"
    );
}

/// Forwards every connection on `listener` to `to`, both ways, until the process ends.
fn forward(listener: TcpListener, to: std::net::SocketAddr) {
    for client in listener.incoming() {
        let Ok(client) = client else { continue };
        let Ok(server) = TcpStream::connect(to) else {
            continue;
        };
        for (mut from, mut into) in [
            (client.try_clone().unwrap(), server.try_clone().unwrap()),
            (server, client),
        ] {
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut from, &mut into);
                let _ = into.shutdown(std::net::Shutdown::Both);
            });
        }
    }
}

#[test]
fn a_server_that_comes_up_late_is_connected_to() {
    let Some(db) = TestDb::fresh() else { return };
    let real = {
        let config = db.target.config();
        let host = match &config.get_hosts()[0] {
            postgres::config::Host::Tcp(host) => host.clone(),
            other => panic!("the test server is on TCP: {other:?}"),
        };
        let port = config.get_ports()[0];
        std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
            .unwrap()
            .next()
            .unwrap()
    };
    let port = closed_port();
    let mut late = url::Url::parse(db.target.url()).unwrap();
    late.set_host(Some("127.0.0.1")).unwrap();
    late.set_port(Some(port)).unwrap();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("the port is still free");
        forward(listener, real);
    });
    let started = Instant::now();
    let give_up = move || started.elapsed() > Duration::from_secs(30);
    let store = PgStore::open_with(&PgTarget::parse(late.as_str()).unwrap(), 2, QUICK, &give_up)
        .unwrap()
        .expect("connected once the server came up");
    assert!(started.elapsed() >= Duration::from_millis(400));
    store
        .save("f", &[entry("u1")], &ALL, Utc::now(), None)
        .unwrap();
    assert_eq!(store.entries("f", 10).unwrap().len(), 1);
}

#[test]
fn a_newer_schema_is_refused_naming_the_database_and_versions() {
    let Some(db) = TestDb::fresh() else { return };
    drop(db.open());
    let newer = migrations::LATEST + 1;
    db.client()
        .execute("UPDATE scrapefeed_schema SET version = $1", &[&newer])
        .unwrap();
    let error = PgStore::open_with(&db.target, 2, QUICK, &|| false)
        .err()
        .expect("refused");
    assert!(matches!(error, StoreError::PgTooNew { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains(db.target.redacted()), "{text}");
    assert!(text.contains(&format!("version {newer}")), "{text}");
    assert!(
        text.contains(&format!("({})", migrations::LATEST)),
        "{text}"
    );
    assert!(!text.contains("scrapefeed-test"), "{text}");
}

/// The backends of the test's database that wait for a lock.
fn waiting_backends(admin: &mut postgres::Client, db: &str) -> Vec<i32> {
    admin
        .query(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
            &[&db],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn a_connection_lost_mid_save_commits_nothing_and_the_next_call_works() {
    let Some(db) = TestDb::fresh() else { return };
    let store = std::sync::Arc::new(db.open());
    // Hold the export marks: the save inserts its entries, then waits at its mark.
    let mut holder = db.client();
    let mut hold = holder.transaction().unwrap();
    hold.batch_execute("LOCK TABLE feed_exports IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let saving = {
        let store = store.clone();
        std::thread::spawn(move || {
            store.save("f", &[entry("u1"), entry("u2")], &ALL, Utc::now(), None)
        })
    };
    let mut admin = db.admin();
    let deadline = Instant::now() + Duration::from_secs(20);
    let pid = loop {
        if let Some(pid) = waiting_backends(&mut admin, &db.name).first() {
            break *pid;
        }
        assert!(Instant::now() < deadline, "the save never waited");
        std::thread::sleep(Duration::from_millis(20));
    };
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap();
    let error = saving.join().unwrap().expect_err("the connection was lost");
    assert!(error.to_string().contains(db.target.redacted()), "{error}");
    hold.rollback().unwrap();
    // Nothing of the save is stored, and the next calls get a sound connection.
    assert!(store.entries("f", 10).unwrap().is_empty());
    let outcome = store
        .save("f", &[entry("u1"), entry("u2")], &ALL, Utc::now(), None)
        .unwrap();
    assert_eq!(outcome.inserted, 2);
}

#[test]
fn connections_killed_between_calls_are_replaced() {
    let Some(db) = TestDb::fresh() else { return };
    let store = db.open();
    store
        .save("f", &[entry("u1")], &ALL, Utc::now(), None)
        .unwrap();
    let mut admin = db.admin();
    let killed: i64 = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1",
            &[&db.name],
        )
        .unwrap()
        .get(0);
    assert!(killed >= 1);
    for _ in 0..3 {
        assert_eq!(store.entries("f", 10).unwrap().len(), 1);
    }
}

/// The synchronous client panics on a runtime thread; the store moves off it: opening
/// (as `App::open` does inside `serve`), queries, a save, an export.
#[test]
fn calls_from_async_code_do_not_panic() {
    // The test's own database is made and dropped outside the runtime.
    let Some(db) = TestDb::fresh() else { return };
    let target = db.target.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let store = PgStore::open(&target, 2, &tokio_util::sync::CancellationToken::new())
            .unwrap()
            .expect("opened");
        store
            .save("f", &[entry("u1")], &ALL, Utc::now(), None)
            .unwrap();
        assert_eq!(store.entries("f", 10).unwrap().len(), 1);
        let mut out = Vec::new();
        store.export(&mut out).unwrap();
        assert!(!out.is_empty());
    });
}

#[test]
fn a_save_that_changes_a_feed_notifies_with_the_store_tag() {
    let Some(db) = TestDb::fresh() else { return };
    let store = db.open();
    let mut listener = db.client();
    listener
        .batch_execute(&format!("LISTEN {}", super::FEED_CHANNEL))
        .unwrap();
    store
        .save("f", &[entry("u1")], &ALL, Utc::now(), None)
        .unwrap();
    // Nothing changed: no notice.
    store
        .save("f", &[entry("u1")], &ALL, Utc::now(), None)
        .unwrap();
    use postgres::fallible_iterator::FallibleIterator;
    let mut notices = listener.notifications();
    // Every notice sent, until a second passes without one.
    let payloads: Vec<String> = notices
        .timeout_iter(Duration::from_secs(1))
        .map(|notice| Ok(notice.payload().to_string()))
        .collect()
        .unwrap();
    assert_eq!(payloads, [super::notice_payload(store.tag(), "f")]);
    assert_eq!(super::parse_notice(&payloads[0]), Some((store.tag(), "f")));
}

#[test]
fn only_an_absent_server_is_waited_for() {
    // A TLS requirement the client cannot meet fails the same way every time: at once.
    let Some(url) = admin_url_with(|u| u.set_query(Some("sslmode=require"))) else {
        return;
    };
    let started = Instant::now();
    let error = open_once(&url).err().expect("refused").to_string();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "not retried: {error}"
    );
    assert!(error.contains("TLS"), "{error}");
}

/// Work that `AsyncStore::run` put on a blocking thread runs there; elsewhere on a runtime
/// it moves to a thread of its own.
#[tokio::test]
async fn store_work_moves_off_the_runtime_only_when_it_must() {
    use crate::store::{AsyncStore, SqliteStore};
    use std::thread;
    let here = || thread::current().id();
    assert_ne!(super::store::off_runtime(here), thread::current().id());
    let store = AsyncStore::new(SqliteStore::in_memory().unwrap());
    let stayed = store
        .run(move |_| {
            Ok::<_, StoreError>(super::store::off_runtime(here) == thread::current().id())
        })
        .await
        .unwrap();
    assert!(stayed, "a blocking-pool thread may block");
    // Plain spawn_blocking work (not the store's) is not assumed to be blocking-safe.
    let moved = tokio::task::spawn_blocking(move || {
        super::store::off_runtime(here) != thread::current().id()
    })
    .await
    .unwrap();
    assert!(moved);
}

#[test]
fn an_import_notifies_each_feed_it_changed_once() {
    use postgres::fallible_iterator::FallibleIterator;
    let Some(db) = TestDb::fresh() else { return };
    let source = db.open();
    for feed in ["a", "b"] {
        source
            .save(feed, &[entry("u1"), entry("u2")], &ALL, Utc::now(), None)
            .unwrap();
    }
    let mut lines = Vec::new();
    source.export(&mut lines).unwrap();
    let other = TestDb::fresh().expect("the server answered a moment ago");
    let store = other.open();
    store
        .save("a", &[entry("u1")], &ALL, Utc::now(), None)
        .unwrap();
    let mut listener = other.client();
    listener
        .batch_execute(&format!("LISTEN {}", super::FEED_CHANNEL))
        .unwrap();
    let done = store.import(&mut lines.as_slice()).unwrap();
    assert_eq!((done.inserted, done.existing), (3, 1));
    let mut notices = listener.notifications();
    let mut payloads: Vec<String> = notices
        .timeout_iter(Duration::from_secs(1))
        .map(|notice| Ok(notice.payload().to_string()))
        .collect()
        .unwrap();
    payloads.sort();
    let expected = ["a", "b"].map(|feed| super::notice_payload(store.tag(), feed));
    assert_eq!(payloads, expected);
}
