//! The `fetch_state` table (listing validators and page parameters per feed) and the run
//! summaries behind `/healthz`, for the SQLite store.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};

use super::sqlite::parse_date;
use super::{FetchState, RunSummary, StoreError};
use crate::model::Validators;

pub(super) fn read(conn: &Connection, feed: &str) -> Result<FetchState, StoreError> {
    let row = conn
        .query_row(
            "SELECT etag, last_modified, page_params, params_read_ts FROM fetch_state WHERE feed = ?1",
            params![feed],
            |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((etag, last_modified, params, read_ts)) = row else {
        return Ok(FetchState::default());
    };
    let page_params = super::page_params(params, read_ts)?;
    Ok(FetchState {
        validators: Validators {
            etag,
            last_modified,
        },
        page_params,
    })
}

pub(super) fn write(conn: &Connection, feed: &str, state: &FetchState) -> Result<(), StoreError> {
    let (params_json, read_ts) = match &state.page_params {
        Some((map, at)) => (serde_json::to_string(map).ok(), Some(at.timestamp())),
        None => (None, None),
    };
    conn.execute(
        "INSERT INTO fetch_state (feed, etag, last_modified, page_params, params_read_ts) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (feed) DO UPDATE SET etag = ?2, last_modified = ?3, page_params = ?4, params_read_ts = ?5",
        params![feed, state.validators.etag, state.validators.last_modified, params_json, read_ts],
    )?;
    Ok(())
}

pub(super) fn run_summaries(conn: &Connection) -> Result<Vec<RunSummary>, StoreError> {
    let latest = latest_runs(conn)?;
    let mut last_success = conn.prepare_cached(
        "SELECT started, duration_ms FROM runs WHERE feed = ?1 AND error IS NULL
         ORDER BY id DESC LIMIT 1",
    )?;
    let mut streak = conn.prepare_cached(
        "SELECT COUNT(*) FROM runs WHERE feed = ?1 AND error IS NOT NULL
         AND id > COALESCE((SELECT MAX(id) FROM runs WHERE feed = ?1 AND error IS NULL), 0)",
    )?;
    let mut out = Vec::with_capacity(latest.len());
    for last in latest {
        let success: Option<(String, i64)> = last_success
            .query_row(params![last.feed], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let failures: i64 = streak.query_row(params![last.feed], |r| r.get(0))?;
        out.push(RunSummary::new(last, success, failures)?);
    }
    Ok(out)
}

/// The latest run of every feed.
pub(super) fn latest_runs(conn: &Connection) -> Result<Vec<super::RunRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT feed, started, duration_ms, error, new_entries, http_status, updated_entries FROM runs
         WHERE id IN (SELECT MAX(id) FROM runs GROUP BY feed) ORDER BY feed",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, Option<String>>(3)?,
            row.get::<_, i64>(4)?,
            row.get::<_, Option<i64>>(5)?,
            row.get::<_, i64>(6)?,
        ))
    })?;
    let mut runs = Vec::new();
    for row in rows {
        let (feed, started, duration_ms, error, new_entries, http_status, updated) = row?;
        runs.push(super::RunRecord {
            feed,
            started: parse_date("run start", &started)?.with_timezone(&Utc),
            duration_ms: duration_ms.max(0) as u64,
            error,
            http_status: http_status.and_then(|s| u16::try_from(s).ok()),
            new_entries: new_entries.max(0) as usize,
            updated_entries: updated.max(0) as usize,
        });
    }
    Ok(runs)
}
