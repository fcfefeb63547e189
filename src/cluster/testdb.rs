//! A fresh PostgreSQL database per unit test, like `tests/support/pg.rs` (which unit tests
//! cannot reach): `SCRAPEFEED_TEST_DATABASE_URL` names a superuser; without it the test is
//! skipped with a message, and fails when `CI` is set.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::store::pg::{self, PgPool, PgTarget};

/// A database that exists for one test, migrated to the latest schema.
pub struct TestDb {
    admin: String,
    name: String,
    pub target: PgTarget,
}

impl TestDb {
    /// A new database, or `None` without a server (outside CI). Callable from async tests.
    pub fn fresh() -> Option<TestDb> {
        super::off_runtime(TestDb::create)
    }

    fn create() -> Option<TestDb> {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let Some(admin) = std::env::var("SCRAPEFEED_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            if std::env::var_os("CI").is_some() {
                panic!("SCRAPEFEED_TEST_DATABASE_URL is not set: CI must provide PostgreSQL (tests/pg/cluster.sh)");
            }
            eprintln!("skipped: SCRAPEFEED_TEST_DATABASE_URL is not set (tests/pg/cluster.sh)");
            return None;
        };
        let name = format!(
            "sf_unit_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let mut client =
            postgres::Client::connect(&admin, postgres::NoTls).expect("connect to the test server");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        let mut url = url::Url::parse(&admin).expect("the admin URL is a URL");
        url.set_path(&format!("/{name}"));
        let target = PgTarget::parse(url.as_str()).expect("a postgres URL");
        let db = TestDb {
            admin,
            name,
            target,
        };
        let mut conn = pg::get(&db.pool(2), &db.target).expect("connect to the test database");
        pg::migrations::migrate(&mut conn).expect("migrate the test database");
        Some(db)
    }

    pub fn pool(&self, size: u32) -> PgPool {
        pg::pool(&self.target, size)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        super::off_runtime(|| self.drop_database());
    }
}

impl TestDb {
    fn drop_database(&self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
