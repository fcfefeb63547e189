//! The PostgreSQL store: the store every instance of a cluster shares.
//!
//! Chosen by `storage.database = "postgres://…"` (or `SCRAPEFEED_DATABASE_URL`). It keeps the
//! SQLite store's semantics (see `store`): one transaction per save, entry identity, retention
//! and tombstones, fetch state, runs, export records, media; and it tells the other instances
//! which feeds a save changed (NOTIFY). The synchronous client runs on tokio's blocking pool
//! like SQLite (`store::AsyncStore`).

mod connect;
pub mod migrations;
pub mod notify;
mod pool;
mod queries;
mod records;
mod store;
#[cfg(test)]
pub(crate) mod testdb;
#[cfg(test)]
mod tests;
mod transfer;

pub use crate::config::pg_target::{redact, PgTarget, PgTargetError};
pub use connect::Backoff;
pub use notify::{Listener, Notice};
pub use pool::{get, pool, PgConnection, PgPool};
pub(crate) use store::off_runtime;
pub use store::PgStore;

/// The channel a save that changes a feed notifies on (`pg_notify` in the save's transaction,
/// so the notice is sent when, and only if, it commits). Every instance listens on it and
/// drops what it cached of that feed.
pub const FEED_CHANNEL: &str = "scrapefeed_feeds";

/// A notice's payload: `{tag} {feed}`, where `tag` names the store that saved (a random word
/// made at open, without spaces), so an instance can skip its own notices.
pub fn notice_payload(tag: &str, feed: &str) -> String {
    format!("{tag} {feed}")
}

/// (tag, feed) of a payload `notice_payload` made; `None` for any other text.
pub fn parse_notice(payload: &str) -> Option<(&str, &str)> {
    payload
        .split_once(' ')
        .filter(|(tag, feed)| !tag.is_empty() && !feed.is_empty())
}
