//! The `feed_exports` table: per feed, whether its exported files are stale, and the head
//! (digests, date, entry count) of what they hold, for the SQLite store.

use rusqlite::{params, Connection};

use super::sqlite::rfc3339;
use super::{ExportState, ExportedHead, StoreError};

pub(super) fn mark_stale(conn: &Connection, feed: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO feed_exports (feed, stale) VALUES (?1, 1)
         ON CONFLICT (feed) DO UPDATE SET stale = 1",
        params![feed],
    )?;
    Ok(())
}

pub(super) fn record(conn: &Connection, feed: &str, head: &ExportedHead) -> Result<(), StoreError> {
    let digests = serde_json::to_string(&head.digests).expect("strings serialize");
    conn.execute(
        "INSERT INTO feed_exports (feed, stale, fingerprint, digests, updated, entries)
         VALUES (?1, 0, ?2, ?3, ?4, ?5)
         ON CONFLICT (feed) DO UPDATE SET stale = 0, fingerprint = ?2, digests = ?3,
                                          updated = ?4, entries = ?5",
        params![
            feed,
            head.fingerprint,
            digests,
            rfc3339(&head.updated),
            head.entries as i64
        ],
    )?;
    Ok(())
}

pub(super) fn read(conn: &Connection) -> Result<Vec<ExportState>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT feed, stale, fingerprint, digests, updated, entries FROM feed_exports")?;
    let mut rows = stmt.query([])?;
    let mut states = Vec::new();
    while let Some(row) = rows.next()? {
        let feed: String = row.get(0)?;
        let stale: bool = row.get(1)?;
        let fingerprint: Option<String> = row.get(2)?;
        let digests: Option<String> = row.get(3)?;
        let updated: Option<String> = row.get(4)?;
        let entries: Option<i64> = row.get(5)?;
        let head = super::exported_head(fingerprint, digests, updated, entries)?;
        states.push(ExportState { feed, stale, head });
    }
    Ok(states)
}
