//! The PostgreSQL store's queries of entries and export records: the SQLite store's
//! (`store::sqlite`, `retention`, `exports`) in PostgreSQL's SQL, with the same rows and the
//! same text forms (RFC 3339 dates, JSON lists), so both stores answer alike and an export
//! of one imports into the other (the other records are in `records`). Each function runs on whatever client it is given: a pooled
//! connection, or the save's transaction.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::GenericClient;

use crate::model::Entry;
use crate::store::sqlite::{parse_date, rfc3339};
use crate::store::{ExportState, ExportedHead, Retention, SaveOutcome, ScrapedEntry, StoreError};

/// The shortest time a tombstone is kept (as SQLite's `retention`).
const TOMBSTONE_MIN_AGE: Duration = Duration::from_secs(30 * 86_400);

/// The columns `read_entry` reads, in its order.
const ENTRY_COLUMNS: &str =
    "url, title, summary, body, author, tags, image, published, updated, first_seen, date_source";

fn read_entry(row: &postgres::Row) -> Result<Entry, StoreError> {
    let tags: String = row.try_get(5)?;
    let published: String = row.try_get(7)?;
    let updated: Option<String> = row.try_get(8)?;
    let first_seen: String = row.try_get(9)?;
    Ok(Entry {
        url: row.try_get(0)?,
        title: row.try_get(1)?,
        summary: row.try_get(2)?,
        body: row.try_get(3)?,
        author: row.try_get(4)?,
        tags: serde_json::from_str(&tags).map_err(|_| StoreError::Corrupt {
            what: "tag list",
            value: tags,
        })?,
        image: row.try_get(6)?,
        published: parse_date("published date", &published)?,
        updated: updated
            .as_deref()
            .map(|u| parse_date("updated date", u))
            .transpose()?,
        first_seen: parse_date("first-seen time", &first_seen)?.with_timezone(&Utc),
        date_source: row.try_get(10)?,
    })
}

/// Canonical forms of stored URLs that are not canonical themselves (see SQLite's
/// `legacy_keys`): entries of old releases keep their URL and guid, and are still
/// recognised by the listing's canonical URL.
fn legacy_keys(client: &mut impl GenericClient, feed: &str) -> Result<HashSet<String>, StoreError> {
    let rows = client.query(
        "SELECT url FROM entries WHERE feed = $1 AND (strpos(url, '?') > 0 OR strpos(url, '#') > 0)",
        &[&feed],
    )?;
    let mut keys = HashSet::new();
    for row in rows {
        let url: String = row.try_get(0)?;
        if let Ok(parsed) = url::Url::parse(&url) {
            let canonical = crate::identity::canonical_url(&parsed).to_string();
            if canonical != url {
                keys.insert(canonical);
            }
        }
    }
    Ok(keys)
}

/// `Store::known`: stored, tombstoned, or a legacy entry's canonical URL.
pub fn known(
    client: &mut impl GenericClient,
    feed: &str,
    urls: &[String],
) -> Result<HashSet<String>, StoreError> {
    let rows = client.query(
        "SELECT url FROM entries WHERE feed = $1 AND url = ANY($2)
         UNION SELECT url FROM pruned WHERE feed = $1 AND url = ANY($2)",
        &[&feed, &urls],
    )?;
    let found: HashSet<String> = rows
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    let legacy = legacy_keys(client, feed)?;
    Ok(urls
        .iter()
        .filter(|url| found.contains(*url) || legacy.contains(*url))
        .cloned()
        .collect())
}

/// `Store::retry_candidates`.
pub fn retry_candidates(
    client: &mut impl GenericClient,
    feed: &str,
    max_attempts: u32,
) -> Result<Vec<String>, StoreError> {
    let max_attempts = i32::try_from(max_attempts).unwrap_or(i32::MAX);
    let rows = client.query(
        "SELECT url FROM entries WHERE feed = $1 AND state = 'retry' AND attempts < $2
         ORDER BY published_ts DESC",
        &[&feed, &max_attempts],
    )?;
    Ok(rows
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?)
}

/// `Store::save`'s writes, on the save's transaction: entries, retention, the export mark.
pub fn save_entries(
    tx: &mut impl GenericClient,
    feed: &str,
    entries: &[ScrapedEntry],
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<SaveOutcome, StoreError> {
    let insert = tx.prepare(
        "INSERT INTO entries (feed, url, title, summary, body, author, tags, image, published,
                              published_ts, updated, first_seen, date_source, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (feed, url) DO NOTHING",
    )?;
    // Only entries still waiting for their article page take new content; their identity
    // (url, published, first_seen, date_source) is never rewritten.
    let complete = tx.prepare(
        "UPDATE entries SET title = $3, summary = $4, body = $5, author = $6, tags = $7,
                            image = $8, updated = $9, state = $10, attempts = attempts + 1
         WHERE feed = $1 AND url = $2 AND state = 'retry'",
    )?;
    let mut outcome = SaveOutcome::default();
    for scraped in entries {
        let e = &scraped.entry;
        let tags = serde_json::to_string(&e.tags).unwrap_or_else(|_| "[]".into());
        let updated = e.updated.as_ref().map(rfc3339);
        let state = scraped.state.as_str();
        let inserted = tx.execute(
            &insert,
            &[
                &feed,
                &e.url,
                &e.title,
                &e.summary,
                &e.body,
                &e.author,
                &tags,
                &e.image,
                &rfc3339(&e.published),
                &e.published.timestamp(),
                &updated,
                &e.first_seen
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                &e.date_source,
                &state,
            ],
        )?;
        if inserted == 1 {
            outcome.inserted += 1;
            continue;
        }
        let changed = tx.execute(
            &complete,
            &[
                &feed, &e.url, &e.title, &e.summary, &e.body, &e.author, &tags, &e.image, &updated,
                &state,
            ],
        )?;
        outcome.updated += changed as usize;
    }
    outcome.pruned = apply_retention(tx, feed, retention, now)?;
    if outcome != SaveOutcome::default() {
        // In the same transaction: a crash before the feed's files are written leaves it
        // marked, and the next start writes them.
        mark_stale(tx, feed)?;
    }
    Ok(outcome)
}

/// SQLite's `retention::apply`: removes what `retention` no longer allows, tombstones it,
/// forgets old tombstones. Returns how many entries were removed.
fn apply_retention(
    tx: &mut impl GenericClient,
    feed: &str,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let now_ts = now.timestamp();
    let mut removed = 0;
    if let Some(max_age) = retention.max_age {
        let cutoff = seconds_before(now_ts, max_age);
        tx.execute(
            "INSERT INTO pruned (feed, url, pruned_ts)
             SELECT feed, url, $3 FROM entries WHERE feed = $1 AND published_ts < $2
             ON CONFLICT (feed, url) DO UPDATE SET pruned_ts = EXCLUDED.pruned_ts",
            &[&feed, &cutoff, &now_ts],
        )?;
        removed += tx.execute(
            "DELETE FROM entries WHERE feed = $1 AND published_ts < $2",
            &[&feed, &cutoff],
        )? as usize;
    }
    let beyond_count = "FROM entries WHERE feed = $1 AND id NOT IN (
        SELECT id FROM entries WHERE feed = $1 ORDER BY published_ts DESC, id DESC LIMIT $2)";
    let max_entries = i64::try_from(retention.max_entries).unwrap_or(i64::MAX);
    tx.execute(
        &format!(
            "INSERT INTO pruned (feed, url, pruned_ts) SELECT feed, url, $3 {beyond_count}
             ON CONFLICT (feed, url) DO UPDATE SET pruned_ts = EXCLUDED.pruned_ts"
        ),
        &[&feed, &max_entries, &now_ts],
    )?;
    removed += tx.execute(&format!("DELETE {beyond_count}"), &[&feed, &max_entries])? as usize;
    let keep = retention
        .max_age
        .map_or(TOMBSTONE_MIN_AGE, |age| age.max(TOMBSTONE_MIN_AGE));
    tx.execute(
        "DELETE FROM pruned WHERE feed = $1 AND pruned_ts < $2",
        &[&feed, &seconds_before(now_ts, keep)],
    )?;
    Ok(removed)
}

/// The Unix time `age` before `now_ts`, saturating (as SQLite's `retention`).
fn seconds_before(now_ts: i64, age: Duration) -> i64 {
    now_ts.saturating_sub(i64::try_from(age.as_secs()).unwrap_or(i64::MAX))
}

/// `Store::entries`.
pub fn entries(
    client: &mut impl GenericClient,
    feed: &str,
    limit: usize,
) -> Result<Vec<Entry>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = client.query(
        &format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE feed = $1
             ORDER BY published_ts DESC, id DESC LIMIT $2"
        ),
        &[&feed, &limit],
    )?;
    rows.iter().map(read_entry).collect()
}

/// `Store::merged_entries`: the newest copy of each article URL across `feeds`, newest
/// first (SQLite walks its date index for the same answer).
pub fn merged_entries(
    client: &mut impl GenericClient,
    feeds: &[String],
    cap: usize,
) -> Result<Vec<Entry>, StoreError> {
    let cap = i64::try_from(cap).unwrap_or(i64::MAX);
    let rows = client.query(
        &format!(
            "SELECT {ENTRY_COLUMNS} FROM (
                 SELECT DISTINCT ON (url) id, {ENTRY_COLUMNS}, published_ts FROM entries
                 WHERE feed = ANY($1) ORDER BY url, published_ts DESC, id DESC) newest
             ORDER BY published_ts DESC, id DESC LIMIT $2"
        ),
        &[&feeds, &cap],
    )?;
    rows.iter().map(read_entry).collect()
}

/// Marks `feed`'s exported files stale.
pub fn mark_stale(client: &mut impl GenericClient, feed: &str) -> Result<(), StoreError> {
    client.execute(
        "INSERT INTO feed_exports (feed, stale) VALUES ($1, true)
         ON CONFLICT (feed) DO UPDATE SET stale = true",
        &[&feed],
    )?;
    Ok(())
}

/// Records the head of `feed`'s files (not stale any more).
pub fn record_export(
    client: &mut impl GenericClient,
    feed: &str,
    head: &ExportedHead,
) -> Result<(), StoreError> {
    let digests = serde_json::to_string(&head.digests).unwrap_or_else(|_| "[]".into());
    let entries = i64::try_from(head.entries).unwrap_or(i64::MAX);
    client.execute(
        "INSERT INTO feed_exports (feed, stale, fingerprint, digests, updated, entries)
         VALUES ($1, false, $2, $3, $4, $5)
         ON CONFLICT (feed) DO UPDATE SET stale = false, fingerprint = EXCLUDED.fingerprint,
             digests = EXCLUDED.digests, updated = EXCLUDED.updated, entries = EXCLUDED.entries",
        &[
            &feed,
            &head.fingerprint,
            &digests,
            &rfc3339(&head.updated),
            &entries,
        ],
    )?;
    Ok(())
}

/// `Store::exports`.
pub fn exports(client: &mut impl GenericClient) -> Result<Vec<ExportState>, StoreError> {
    let rows = client.query(
        "SELECT feed, stale, fingerprint, digests, updated, entries FROM feed_exports",
        &[],
    )?;
    let mut states = Vec::with_capacity(rows.len());
    for row in rows {
        let fingerprint: Option<String> = row.try_get(2)?;
        let digests: Option<String> = row.try_get(3)?;
        let updated: Option<String> = row.try_get(4)?;
        let entries: Option<i64> = row.try_get(5)?;
        let head = crate::store::exported_head(fingerprint, digests, updated, entries)?;
        states.push(ExportState {
            feed: row.try_get(0)?,
            stale: row.try_get(1)?,
            head,
        });
    }
    Ok(states)
}
