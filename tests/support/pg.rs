//! A fresh PostgreSQL database per test, on the throwaway cluster `.ci/run` starts
//! (`tests/pg/cluster.sh`).
//!
//! `SCRAPEFEED_TEST_DATABASE_URL` is a superuser URL; each `TestDb` creates its own database
//! through it, so tests run in parallel without seeing each other's rows, and drops it at the
//! end. Without the variable (or with the server down) a test that needs PostgreSQL is
//! skipped with a message on a developer's machine, and **fails** when `CI` is set: CI must
//! run the real thing.
//!
//! To run these tests locally: `tests/pg/cluster.sh start /tmp/sfpg && set -a &&
//! source /tmp/sfpg/env && set +a && cargo test`.

use std::sync::atomic::{AtomicU32, Ordering};

/// The admin URL, when the tests have a PostgreSQL server.
pub fn admin_url() -> Option<String> {
    let url = std::env::var("SCRAPEFEED_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        unavailable("SCRAPEFEED_TEST_DATABASE_URL is not set");
    }
    url
}

/// What a test does without PostgreSQL: fail under CI, else say it is skipped.
fn unavailable(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{why}: this test needs PostgreSQL, and CI must provide it (tests/pg/cluster.sh)");
    }
    eprintln!("skipped: {why} (start one with tests/pg/cluster.sh; see tests/support/pg.rs)");
}

/// Runs `work` on a thread of its own: the synchronous client blocks on a runtime of its own,
/// which tokio forbids on a thread that drives async tasks (an async test's).
fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(work)
            .join()
            .expect("the database work panicked")
    })
}

/// A database that exists for one test.
pub struct TestDb {
    admin: String,
    pub name: String,
    /// Its URL, password included.
    pub url: String,
}

impl TestDb {
    /// A new empty database, or `None` (after `unavailable`) without a server.
    pub fn fresh() -> Option<TestDb> {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let admin = admin_url()?;
        let name = format!(
            "sf_test_{}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let created = off_runtime(|| {
            let mut client = postgres::Client::connect(&admin, postgres::NoTls)?;
            client.batch_execute(&format!("CREATE DATABASE {name}"))
        });
        if let Err(error) = created {
            unavailable(&format!(
                "cannot create a database on the test server: {error}"
            ));
            return None;
        }
        let mut url = url::Url::parse(&admin).expect("the admin URL is a URL");
        url.set_path(&format!("/{name}"));
        Some(TestDb {
            admin,
            name,
            url: url.to_string(),
        })
    }

    /// A client on the test's database (not on an async test's thread: see `with_client`).
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("connect to the test database")
    }

    /// Runs `work` with a client on the test's database (on a thread of its own, so async
    /// tests may call it).
    pub fn with_client<T: Send>(&self, work: impl FnOnce(&mut postgres::Client) -> T + Send) -> T {
        off_runtime(|| {
            let mut client = postgres::Client::connect(&self.url, postgres::NoTls)
                .expect("connect to the test database");
            work(&mut client)
        })
    }

    /// Restarts the whole server (`tests/pg/cluster.sh restart`): every connection breaks.
    pub fn restart_server() {
        let dir = std::env::var("SCRAPEFEED_TEST_PG_DIR")
            .expect("SCRAPEFEED_TEST_PG_DIR names the cluster tests/pg/cluster.sh started");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pg/cluster.sh");
        let status = std::process::Command::new(script)
            .args(["restart", &dir])
            .status()
            .expect("run tests/pg/cluster.sh");
        assert!(status.success(), "restarting PostgreSQL failed");
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        off_runtime(|| {
            if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
                let _ = client.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ));
            }
        });
    }
}
