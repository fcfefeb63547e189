//! The PostgreSQL store's records beside entries: fetch state, run history, site icons and
//! image facts — SQLite's `fetch_state` and `media` in PostgreSQL's SQL, with the same rows.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use postgres::GenericClient;

use crate::model::{ImageFacts, SiteIcons, Validators};
use crate::store::sqlite::parse_date;
use crate::store::{FetchState, RunRecord, RunSummary, StoreError};

/// Runs kept per feed in the history table (as SQLite's).
const RUNS_KEPT: i64 = 200;
/// How long an `images` row outlives the last entry showing its image (as SQLite's `media`).
const UNUSED_IMAGE_GRACE_SECS: i64 = 30 * 24 * 3600;

/// `Store::record_run`: the run, and the feed's history trimmed to `RUNS_KEPT`.
pub fn record_run(client: &mut impl GenericClient, run: &RunRecord) -> Result<(), StoreError> {
    let started = run
        .started
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    client.execute(
        "INSERT INTO runs (feed, started, duration_ms, error, new_entries, http_status, updated_entries)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &run.feed,
            &started,
            &i64::try_from(run.duration_ms).unwrap_or(i64::MAX),
            &run.error,
            &(run.new_entries as i64),
            &run.http_status.map(i32::from),
            &(run.updated_entries as i64),
        ],
    )?;
    client.execute(
        "DELETE FROM runs WHERE feed = $1 AND id NOT IN
             (SELECT id FROM runs WHERE feed = $1 ORDER BY id DESC LIMIT $2)",
        &[&run.feed, &RUNS_KEPT],
    )?;
    Ok(())
}

/// `Store::latest_runs`.
pub fn latest_runs(client: &mut impl GenericClient) -> Result<Vec<RunRecord>, StoreError> {
    let rows = client.query(
        "SELECT feed, started, duration_ms, error, new_entries, http_status, updated_entries
         FROM runs WHERE id IN (SELECT MAX(id) FROM runs GROUP BY feed) ORDER BY feed",
        &[],
    )?;
    let mut runs = Vec::with_capacity(rows.len());
    for row in rows {
        let started: String = row.try_get(1)?;
        let http_status: Option<i32> = row.try_get(5)?;
        runs.push(RunRecord {
            feed: row.try_get(0)?,
            started: parse_date("run start", &started)?.with_timezone(&Utc),
            duration_ms: row.try_get::<_, i64>(2)?.max(0) as u64,
            error: row.try_get(3)?,
            http_status: http_status.and_then(|s| u16::try_from(s).ok()),
            new_entries: row.try_get::<_, i64>(4)?.max(0) as usize,
            updated_entries: row.try_get::<_, i64>(6)?.max(0) as usize,
        });
    }
    Ok(runs)
}

/// `Store::run_summaries` (as SQLite's `fetch_state::run_summaries`).
pub fn run_summaries(client: &mut impl GenericClient) -> Result<Vec<RunSummary>, StoreError> {
    let latest = latest_runs(client)?;
    let last_success = client.prepare(
        "SELECT started, duration_ms FROM runs WHERE feed = $1 AND error IS NULL
         ORDER BY id DESC LIMIT 1",
    )?;
    let streak = client.prepare(
        "SELECT COUNT(*) FROM runs WHERE feed = $1 AND error IS NOT NULL
         AND id > COALESCE((SELECT MAX(id) FROM runs WHERE feed = $1 AND error IS NULL), 0)",
    )?;
    let mut out = Vec::with_capacity(latest.len());
    for last in latest {
        let success = match client.query_opt(&last_success, &[&last.feed])? {
            Some(row) => Some((row.try_get::<_, String>(0)?, row.try_get::<_, i64>(1)?)),
            None => None,
        };
        let failures: i64 = client.query_one(&streak, &[&last.feed])?.try_get(0)?;
        out.push(RunSummary::new(last, success, failures)?);
    }
    Ok(out)
}

/// `Store::fetch_state`.
pub fn fetch_state(client: &mut impl GenericClient, feed: &str) -> Result<FetchState, StoreError> {
    let Some(row) = client.query_opt(
        "SELECT etag, last_modified, page_params, params_read_ts FROM fetch_state WHERE feed = $1",
        &[&feed],
    )?
    else {
        return Ok(FetchState::default());
    };
    let params: Option<String> = row.try_get(2)?;
    let read_ts: Option<i64> = row.try_get(3)?;
    let page_params = crate::store::page_params(params, read_ts)?;
    Ok(FetchState {
        validators: Validators {
            etag: row.try_get(0)?,
            last_modified: row.try_get(1)?,
        },
        page_params,
    })
}

/// `Store::set_fetch_state`, and a save's state.
pub fn set_fetch_state(
    client: &mut impl GenericClient,
    feed: &str,
    state: &FetchState,
) -> Result<(), StoreError> {
    let (params_json, read_ts) = match &state.page_params {
        Some((map, at)) => (serde_json::to_string(map).ok(), Some(at.timestamp())),
        None => (None, None),
    };
    client.execute(
        "INSERT INTO fetch_state (feed, etag, last_modified, page_params, params_read_ts)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (feed) DO UPDATE SET etag = EXCLUDED.etag,
             last_modified = EXCLUDED.last_modified, page_params = EXCLUDED.page_params,
             params_read_ts = EXCLUDED.params_read_ts",
        &[
            &feed,
            &state.validators.etag,
            &state.validators.last_modified,
            &params_json,
            &read_ts,
        ],
    )?;
    Ok(())
}

/// `Store::site_icons`.
pub fn site_icons(
    client: &mut impl GenericClient,
    site: &str,
) -> Result<Option<(SiteIcons, DateTime<Utc>)>, StoreError> {
    let row = client.query_opt(
        "SELECT icon, logo, checked_ts FROM site_icons WHERE site = $1",
        &[&site],
    )?;
    row.map(|row| {
        let ts: i64 = row.try_get(2)?;
        let at = Utc.timestamp_opt(ts, 0).single().unwrap_or_default();
        Ok((
            SiteIcons {
                icon: row.try_get(0)?,
                logo: row.try_get(1)?,
            },
            at,
        ))
    })
    .transpose()
}

/// `Store::record_site_icons`.
pub fn record_site_icons(
    client: &mut impl GenericClient,
    site: &str,
    icons: &SiteIcons,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    client.execute(
        "INSERT INTO site_icons (site, icon, logo, checked_ts) VALUES ($1, $2, $3, $4)
         ON CONFLICT (site) DO UPDATE SET icon = EXCLUDED.icon, logo = EXCLUDED.logo,
             checked_ts = EXCLUDED.checked_ts",
        &[&site, &icons.icon, &icons.logo, &at.timestamp()],
    )?;
    Ok(())
}

/// `Store::image_facts`.
pub fn image_facts(
    client: &mut impl GenericClient,
    urls: &[&str],
) -> Result<HashMap<String, ImageFacts>, StoreError> {
    let rows = client.query(
        "SELECT url, length, mime FROM images WHERE url = ANY($1)",
        &[&urls],
    )?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let length: Option<i64> = row.try_get(1)?;
        found.insert(
            row.try_get(0)?,
            ImageFacts {
                length: length.and_then(|n| u64::try_from(n).ok()),
                mime: row.try_get(2)?,
            },
        );
    }
    Ok(found)
}

/// `Store::record_images`, on a transaction: the new rows, and unused old ones removed.
pub fn record_images(
    tx: &mut impl GenericClient,
    images: &[(String, ImageFacts)],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let insert = tx.prepare(
        "INSERT INTO images (url, length, mime, checked_ts) VALUES ($1, $2, $3, $4)
         ON CONFLICT (url) DO UPDATE SET length = EXCLUDED.length, mime = EXCLUDED.mime,
             checked_ts = EXCLUDED.checked_ts",
    )?;
    for (url, facts) in images {
        let length = facts.length.and_then(|n| i64::try_from(n).ok());
        tx.execute(&insert, &[url, &length, &facts.mime, &at.timestamp()])?;
    }
    tx.execute(
        "DELETE FROM images WHERE checked_ts < $1
         AND url NOT IN (SELECT image FROM entries WHERE image IS NOT NULL)",
        &[&(at.timestamp() - UNUSED_IMAGE_GRACE_SECS)],
    )?;
    Ok(())
}
