//! Backup and move: every stored entry out as JSON lines, and back in, idempotently.
//!
//! One line per entry, the fields exactly as stored (dates RFC 3339 with their offset,
//! first-seen in UTC, date source, article state and attempts), ordered by feed, then newest
//! first, then URL — so exporting the same entries always gives the same bytes, whatever
//! database they sit in. Import never changes an entry already present: (feed, url) is the
//! identity, and the first stored version wins, exactly as during scrapes.
//!
//! Retention's tombstones follow the entries, one `{"pruned": {feed, url, pruned_at}}` line
//! each: without them a moved instance would store again, as new, an article it had pruned
//! while the listing still shows it.

use std::io::{BufRead, Write};

use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::sqlite::{parse_date, rfc3339};
use super::{ArticleState, SqliteStore, Store, StoreError};

/// One exported entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRecord {
    /// The section id the entry belongs to.
    pub feed: String,
    pub url: String,
    pub title: String,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    pub image: Option<String>,
    pub published: DateTime<FixedOffset>,
    pub updated: Option<DateTime<FixedOffset>>,
    pub first_seen: DateTime<Utc>,
    pub date_source: String,
    /// `complete`, `retry` or `gone`.
    pub state: String,
    /// Article page attempts so far.
    pub attempts: u32,
}

/// A URL retention removed from a feed, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrunedRecord {
    pub feed: String,
    pub url: String,
    pub pruned_at: DateTime<Utc>,
}

/// The wrapper that tells a tombstone line from an entry line.
#[derive(Serialize)]
pub(super) struct PrunedLine<'a> {
    pub(super) pruned: &'a PrunedRecord,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOutcome {
    pub entries: usize,
    pub pruned: usize,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub inserted: usize,
    /// Lines whose (feed, url) was already stored: left untouched.
    pub existing: usize,
    /// Tombstones added (those already known, or of a stored entry, are skipped).
    pub pruned: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Write(std::io::Error),
    #[error("cannot read the import at line {line}: {source}")]
    Read { line: usize, source: std::io::Error },
    #[error("import line {line} is not an entry: {source}")]
    Parse {
        line: usize,
        source: serde_json::Error,
    },
    #[error("import line {line}: unknown article state {state:?}")]
    State { line: usize, state: String },
}

impl SqliteStore {
    /// Writes every stored entry, then every tombstone, to `out` as JSON lines.
    pub fn export(&self, out: &mut dyn Write) -> Result<ExportOutcome, TransferError> {
        let conn = self.conn();
        let mut written = ExportOutcome::default();
        let mut stmt = conn
            .prepare(
                "SELECT feed, url, title, summary, body, author, tags, image, published, updated,
                        first_seen, date_source, state, attempts
                 FROM entries ORDER BY feed, published_ts DESC, url",
            )
            .map_err(StoreError::from)?;
        let mut rows = stmt.query([]).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            write_line(out, &record_from(row)?)?;
            written.entries += 1;
        }
        let mut stmt = conn
            .prepare("SELECT feed, url, pruned_ts FROM pruned ORDER BY feed, url")
            .map_err(StoreError::from)?;
        let mut rows = stmt.query([]).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let ts: i64 = row.get(2).map_err(StoreError::from)?;
            let record = PrunedRecord {
                feed: row.get(0).map_err(StoreError::from)?,
                url: row.get(1).map_err(StoreError::from)?,
                pruned_at: DateTime::from_timestamp(ts, 0).ok_or(StoreError::Corrupt {
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

    /// Reads JSON lines written by `export` and stores the entries not present yet, in one
    /// transaction: a bad line anywhere imports nothing.
    pub fn import(&self, input: &mut dyn BufRead) -> Result<ImportOutcome, TransferError> {
        self.check_writable()?;
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(StoreError::from)?;
        let mut outcome = ImportOutcome::default();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO entries (feed, url, title, summary, body, author, tags, image, published,
                                          published_ts, updated, first_seen, date_source, state, attempts)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                     ON CONFLICT (feed, url) DO NOTHING",
                )
                .map_err(StoreError::from)?;
            for (index, line) in input.lines().enumerate() {
                let (r, state) = match read_line(index + 1, line)? {
                    None => continue,
                    Some(Line::Pruned(p)) => {
                        outcome.pruned += tx
                            .execute(
                                "INSERT INTO pruned (feed, url, pruned_ts)
                                 SELECT ?1, ?2, ?3 WHERE NOT EXISTS
                                     (SELECT 1 FROM entries WHERE feed = ?1 AND url = ?2)
                                 ON CONFLICT (feed, url) DO NOTHING",
                                params![p.feed, p.url, p.pruned_at.timestamp()],
                            )
                            .map_err(StoreError::from)?;
                        continue;
                    }
                    Some(Line::Entry(r, state)) => (r, state),
                };
                let tags = serde_json::to_string(&r.tags).unwrap_or_else(|_| "[]".into());
                let inserted = insert
                    .execute(params![
                        r.feed,
                        r.url,
                        r.title,
                        r.summary,
                        r.body,
                        r.author,
                        tags,
                        r.image,
                        rfc3339(&r.published),
                        r.published.timestamp(),
                        r.updated.as_ref().map(rfc3339),
                        r.first_seen
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        r.date_source,
                        state.as_str(),
                        r.attempts,
                    ])
                    .map_err(StoreError::from)?;
                if inserted == 1 {
                    outcome.inserted += 1;
                } else {
                    outcome.existing += 1;
                }
            }
        }
        if outcome.inserted > 0 {
            // Imported entries change feeds: their files are written at the next start.
            tx.execute(
                "INSERT INTO feed_exports (feed, stale) SELECT DISTINCT feed, 1 FROM entries WHERE true
                 ON CONFLICT (feed) DO UPDATE SET stale = 1",
                [],
            )
            .map_err(StoreError::from)?;
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(outcome)
    }
}

fn record_from(row: &rusqlite::Row<'_>) -> Result<ExportRecord, StoreError> {
    let tags: String = row.get(6)?;
    let published: String = row.get(8)?;
    let updated: Option<String> = row.get(9)?;
    let first_seen: String = row.get(10)?;
    Ok(ExportRecord {
        feed: row.get(0)?,
        url: row.get(1)?,
        title: row.get(2)?,
        summary: row.get(3)?,
        body: row.get(4)?,
        author: row.get(5)?,
        tags: serde_json::from_str(&tags).map_err(|_| StoreError::Corrupt {
            what: "tag list",
            value: tags.clone(),
        })?,
        image: row.get(7)?,
        published: parse_date("published date", &published)?,
        updated: updated
            .as_deref()
            .map(|u| parse_date("updated date", u))
            .transpose()?,
        first_seen: parse_date("first-seen time", &first_seen)?.with_timezone(&Utc),
        date_source: row.get(11)?,
        state: row.get(12)?,
        attempts: row.get(13)?,
    })
}

/// One line of an export, read.
pub(super) enum Line {
    Entry(Box<ExportRecord>, ArticleState),
    Pruned(PrunedRecord),
}

/// Reads line `line_no` of an import; `None` for a blank line.
pub(super) fn read_line(
    line_no: usize,
    line: std::io::Result<String>,
) -> Result<Option<Line>, TransferError> {
    let line = line.map_err(|source| TransferError::Read {
        line: line_no,
        source,
    })?;
    if line.trim().is_empty() {
        return Ok(None);
    }
    let parse_err = |source| TransferError::Parse {
        line: line_no,
        source,
    };
    let value: serde_json::Value = serde_json::from_str(&line).map_err(parse_err)?;
    if let Some(pruned) = value.get("pruned") {
        let p = PrunedRecord::deserialize(pruned).map_err(parse_err)?;
        return Ok(Some(Line::Pruned(p)));
    }
    let r = ExportRecord::deserialize(value).map_err(parse_err)?;
    let Some(state) = ArticleState::parse(&r.state) else {
        return Err(TransferError::State {
            line: line_no,
            state: r.state,
        });
    };
    Ok(Some(Line::Entry(Box::new(r), state)))
}

/// Writes one value as a JSON line.
pub(super) fn write_line<T: Serialize>(
    out: &mut dyn Write,
    value: &T,
) -> Result<(), TransferError> {
    serde_json::to_writer(&mut *out, value).map_err(|e| TransferError::Write(e.into()))?;
    out.write_all(b"\n").map_err(TransferError::Write)
}
