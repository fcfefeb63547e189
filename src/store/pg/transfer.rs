//! Export and import for the PostgreSQL store: the same JSON lines as the SQLite store's
//! (`store::transfer`), byte for byte for the same entries, so `scrapefeed export` of an
//! SQLite instance piped into `scrapefeed import -` of a PostgreSQL one moves it whole.
//!
//! Same rules: the first stored version of an entry wins, tombstones are kept (unless the
//! entry itself is stored), a bad line anywhere imports nothing (one transaction). Text is
//! ordered with the "C" collation, which compares bytes as SQLite does, so both stores
//! export the same entries in the same order. Every feed an import changed is marked stale
//! and notified, like a save.

use std::collections::BTreeSet;
use std::io::{BufRead, Write};

use chrono::{DateTime, Utc};

use super::PgStore;
use crate::store::sqlite::{parse_date, rfc3339};
use crate::store::transfer::{read_line, write_line, Line, PrunedLine};
use crate::store::{
    ExportOutcome, ExportRecord, ImportOutcome, PrunedRecord, StoreError, TransferError,
};

impl PgStore {
    /// Writes every stored entry, then every tombstone, to `out` as JSON lines, from one
    /// snapshot of the database.
    pub fn export(&self, out: &mut (dyn Write + Send)) -> Result<ExportOutcome, TransferError> {
        let result = self.with(|conn| {
            let mut tx = conn
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            Ok(export_in(&mut tx, out))
        });
        result?
    }

    /// Reads JSON lines written by `export` (of either store) and stores the entries not
    /// present yet, in one transaction.
    pub fn import(&self, input: &mut (dyn BufRead + Send)) -> Result<ImportOutcome, TransferError> {
        let result = self.with(|conn| {
            let mut tx = conn.transaction()?;
            let outcome = match import_in(&mut tx, input) {
                Ok(outcome) => outcome,
                Err(error) => return Ok(Err(error)),
            };
            for feed in &outcome.1 {
                crate::store::pg::queries::mark_stale(&mut tx, feed)?;
                self.notify(&mut tx, feed)?;
            }
            tx.commit()?;
            Ok(Ok(outcome.0))
        });
        result?
    }
}

fn export_in(
    tx: &mut postgres::Transaction<'_>,
    out: &mut dyn Write,
) -> Result<ExportOutcome, TransferError> {
    let mut written = ExportOutcome::default();
    let rows = tx
        .query(
            r#"SELECT feed, url, title, summary, body, author, tags, image, published, updated,
                      first_seen, date_source, state, attempts
               FROM entries ORDER BY feed COLLATE "C", published_ts DESC, url COLLATE "C""#,
            &[],
        )
        .map_err(StoreError::from)?;
    for row in rows {
        write_line(out, &record_from(&row)?)?;
        written.entries += 1;
    }
    let rows = tx
        .query(
            r#"SELECT feed, url, pruned_ts FROM pruned ORDER BY feed COLLATE "C", url COLLATE "C""#,
            &[],
        )
        .map_err(StoreError::from)?;
    for row in rows {
        let ts: i64 = row.try_get(2).map_err(StoreError::from)?;
        let record = PrunedRecord {
            feed: row.try_get(0).map_err(StoreError::from)?,
            url: row.try_get(1).map_err(StoreError::from)?,
            pruned_at: DateTime::<Utc>::from_timestamp(ts, 0).ok_or(StoreError::Corrupt {
                what: "pruning time",
                value: ts.to_string(),
            })?,
        };
        write_line(out, &PrunedLine { pruned: &record })?;
        written.pruned += 1;
    }
    out.flush().map_err(TransferError::Write)?;
    Ok(written)
}

/// The import's rows, and the feeds that gained entries.
fn import_in(
    tx: &mut postgres::Transaction<'_>,
    input: &mut dyn BufRead,
) -> Result<(ImportOutcome, BTreeSet<String>), TransferError> {
    let mut outcome = ImportOutcome::default();
    let mut changed = BTreeSet::new();
    let insert = tx
        .prepare(
            "INSERT INTO entries (feed, url, title, summary, body, author, tags, image, published,
                                  published_ts, updated, first_seen, date_source, state, attempts)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             ON CONFLICT (feed, url) DO NOTHING",
        )
        .map_err(StoreError::from)?;
    let tombstone = tx
        .prepare(
            "INSERT INTO pruned (feed, url, pruned_ts)
             SELECT $1, $2, $3 WHERE NOT EXISTS
                 (SELECT 1 FROM entries WHERE feed = $1 AND url = $2)
             ON CONFLICT (feed, url) DO NOTHING",
        )
        .map_err(StoreError::from)?;
    for (index, line) in input.lines().enumerate() {
        let (r, state) = match read_line(index + 1, line)? {
            None => continue,
            Some(Line::Pruned(p)) => {
                outcome.pruned += tx
                    .execute(&tombstone, &[&p.feed, &p.url, &p.pruned_at.timestamp()])
                    .map_err(StoreError::from)? as usize;
                continue;
            }
            Some(Line::Entry(r, state)) => (r, state),
        };
        let tags = serde_json::to_string(&r.tags).unwrap_or_else(|_| "[]".into());
        let attempts = i32::try_from(r.attempts).unwrap_or(i32::MAX);
        let inserted = tx
            .execute(
                &insert,
                &[
                    &r.feed,
                    &r.url,
                    &r.title,
                    &r.summary,
                    &r.body,
                    &r.author,
                    &tags,
                    &r.image,
                    &rfc3339(&r.published),
                    &r.published.timestamp(),
                    &r.updated.as_ref().map(rfc3339),
                    &r.first_seen
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    &r.date_source,
                    &state.as_str(),
                    &attempts,
                ],
            )
            .map_err(StoreError::from)?;
        if inserted == 1 {
            outcome.inserted += 1;
            changed.insert(r.feed);
        } else {
            outcome.existing += 1;
        }
    }
    Ok((outcome, changed))
}

fn record_from(row: &postgres::Row) -> Result<ExportRecord, StoreError> {
    let tags: String = row.try_get(6)?;
    let published: String = row.try_get(8)?;
    let updated: Option<String> = row.try_get(9)?;
    let first_seen: String = row.try_get(10)?;
    let attempts: i32 = row.try_get(13)?;
    Ok(ExportRecord {
        feed: row.try_get(0)?,
        url: row.try_get(1)?,
        title: row.try_get(2)?,
        summary: row.try_get(3)?,
        body: row.try_get(4)?,
        author: row.try_get(5)?,
        tags: serde_json::from_str(&tags).map_err(|_| StoreError::Corrupt {
            what: "tag list",
            value: tags.clone(),
        })?,
        image: row.try_get(7)?,
        published: parse_date("published date", &published)?,
        updated: updated
            .as_deref()
            .map(|u| parse_date("updated date", u))
            .transpose()?,
        first_seen: parse_date("first-seen time", &first_seen)?.with_timezone(&Utc),
        date_source: row.try_get(11)?,
        state: row.try_get(12)?,
        attempts: u32::try_from(attempts).unwrap_or(0),
    })
}
