//! The store contract: every behaviour the `Store` trait promises, run against both
//! backends — SQLite (in memory) and PostgreSQL (a fresh database per test,
//! `pg::testdb`). A behaviour is a function of a `Stores`, which opens stores of one kind;
//! `contract!` makes a `sqlite` and a `postgres` test of each. Without a PostgreSQL server
//! the `postgres` half is skipped on a developer's machine and fails under `CI`.

mod entries;
mod media;
mod retention;
mod transfer;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

use super::pg::testdb::TestDb;
use super::{ArticleState, Backend, Retention, ScrapedEntry, SqliteStore};
use crate::model::Entry;

/// Opens new, empty stores of one kind; keeps their databases until the test ends.
pub(super) struct Stores {
    postgres: bool,
    databases: Vec<TestDb>,
}

impl Stores {
    /// `None` when the kind is PostgreSQL and there is no server (outside CI).
    fn of(postgres: bool) -> Option<Stores> {
        let stores = Stores {
            postgres,
            databases: Vec::new(),
        };
        if postgres {
            // Checks the server once, so a behaviour never half-runs.
            let probe = TestDb::fresh()?;
            drop(probe);
        }
        Some(stores)
    }

    /// A new empty store.
    fn open(&mut self) -> Backend {
        if !self.postgres {
            return Backend::Sqlite(Arc::new(SqliteStore::in_memory().unwrap()));
        }
        let db = TestDb::fresh().expect("the server answered a moment ago");
        let store = db.open();
        self.databases.push(db);
        Backend::Postgres(Arc::new(store))
    }
}

/// Runs `behaviour` on SQLite, or on PostgreSQL when there is a server.
fn run(postgres: bool, behaviour: fn(&mut Stores)) {
    if let Some(mut stores) = Stores::of(postgres) {
        behaviour(&mut stores);
    }
}

/// One module per behaviour, with its `sqlite` and `postgres` tests.
macro_rules! contract {
    ($($behaviour:ident),* $(,)?) => {
        $(
            mod $behaviour {
                #[test]
                fn sqlite() {
                    crate::store::contract::run(false, super::$behaviour);
                }

                #[test]
                fn postgres() {
                    crate::store::contract::run(true, super::$behaviour);
                }
            }
        )*
    };
}
use contract;

fn keep(max_entries: usize) -> Retention {
    Retention {
        max_entries,
        max_age: None,
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 14, 12, 0, 0).unwrap()
}

/// An entry published at 14:`minute` (+03:00) on 2026-06-13.
fn entry(url: &str, minute: u32) -> ScrapedEntry {
    let published = FixedOffset::east_opt(3 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 6, 13, 14, minute, 0)
        .unwrap();
    ScrapedEntry {
        entry: Entry {
            url: url.into(),
            title: format!("title {url}"),
            summary: None,
            body: None,
            author: None,
            tags: vec!["a".into()],
            image: None,
            published,
            updated: None,
            first_seen: Utc.with_ymd_and_hms(2026, 6, 13, 12, 0, 0).unwrap(),
            date_source: "test".into(),
        },
        state: ArticleState::Complete,
    }
}

/// The URLs of `feed`, newest first.
fn urls(store: &Backend, feed: &str) -> Vec<String> {
    store
        .shared()
        .entries(feed, 1000)
        .unwrap()
        .into_iter()
        .map(|e| e.url)
        .collect()
}
