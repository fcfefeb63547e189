//! A fresh PostgreSQL database per in-crate test, on the throwaway cluster
//! (`tests/pg/cluster.sh`), as `tests/support/pg.rs` makes them for the integration tests.
//!
//! `SCRAPEFEED_TEST_DATABASE_URL` is a superuser URL. Without it, or without a server, a
//! test is skipped with a message on a developer's machine and **fails** when `CI` is set.

use std::sync::atomic::{AtomicU32, Ordering};

use super::{Backoff, PgStore, PgTarget};

/// A database that exists for one test, dropped at the end.
pub struct TestDb {
    admin: String,
    pub name: String,
    pub target: PgTarget,
}

/// What a test does without PostgreSQL: fail under CI, else say it is skipped.
fn unavailable(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{why}: this test needs PostgreSQL, and CI must provide it (tests/pg/cluster.sh)");
    }
    eprintln!("skipped: {why} (start one with tests/pg/cluster.sh; see tests/support/pg.rs)");
}

/// Short waits, for tests.
pub const QUICK: Backoff = Backoff {
    first: std::time::Duration::from_millis(20),
    max: std::time::Duration::from_millis(200),
};

impl TestDb {
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

    /// A new empty database, or `None` (after `unavailable`) without a server. Callable
    /// from async tests.
    pub fn fresh() -> Option<TestDb> {
        super::off_runtime(TestDb::create)
    }

    /// `fresh`, migrated to the latest schema (for code that uses the tables without opening
    /// a `PgStore`: the cluster's tests).
    pub fn migrated() -> Option<TestDb> {
        let db = TestDb::fresh()?;
        super::off_runtime(|| {
            let mut conn =
                super::get(&db.pool(2), &db.target).expect("connect to the test database");
            super::migrations::migrate(&mut conn).expect("migrate the test database");
        });
        Some(db)
    }

    /// A pool on the test's database (drop it off the runtime, as `PgStore` does).
    pub fn pool(&self, size: u32) -> super::PgPool {
        super::pool(&self.target, size)
    }

    fn create() -> Option<TestDb> {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let admin = TestDb::admin_url()?;
        let name = format!(
            "sf_unit_{}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let mut client = match postgres::Client::connect(&admin, postgres::NoTls) {
            Ok(client) => client,
            Err(error) => {
                unavailable(&format!("cannot connect to the test server: {error}"));
                return None;
            }
        };
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        let mut url = url::Url::parse(&admin).expect("the admin URL is a URL");
        url.set_path(&format!("/{name}"));
        Some(TestDb {
            admin,
            name,
            target: PgTarget::parse(url.as_str()).expect("a postgres URL"),
        })
    }

    /// The store on this database (migrated).
    pub fn open(&self) -> PgStore {
        PgStore::open_with(&self.target, 4, QUICK, &|| false)
            .expect("open the test database")
            .expect("not cancelled")
    }

    /// An admin client (to break things on purpose).
    pub fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&self.admin, postgres::NoTls).expect("connect as admin")
    }

    /// A client on the test's database.
    pub fn client(&self) -> postgres::Client {
        self.target
            .config()
            .connect(postgres::NoTls)
            .expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        super::off_runtime(|| {
            if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
                let _ = client.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ));
            }
        });
    }
}
