//! The `site_icons` and `images` tables, for the SQLite store: what the feeds say beyond
//! their entries (a site's icons, the size and type of each lead image), as the pipeline
//! learnt them from the sites.
//!
//! A row in `images` means the image was asked about, whatever the answer: an image is
//! asked about once, so a failed `HEAD` is stored too (length and type unknown). Rows of
//! images no entry shows any more are removed when new ones are recorded, after a grace
//! period (an entry pruned from one feed may still be in another's merge).

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::StoreError;
use crate::model::{ImageFacts, SiteIcons};

/// How long an `images` row outlives the last entry showing its image.
const UNUSED_IMAGE_GRACE_SECS: i64 = 30 * 24 * 3600;

/// `Store::site_icons`.
pub(super) fn site_icons(
    conn: &Connection,
    site: &str,
) -> Result<Option<(SiteIcons, DateTime<Utc>)>, StoreError> {
    let row = conn
        .query_row(
            "SELECT icon, logo, checked_ts FROM site_icons WHERE site = ?1",
            params![site],
            |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        )
        .optional()?;
    Ok(row.map(|(icon, logo, ts)| {
        let at = Utc.timestamp_opt(ts, 0).single().unwrap_or_default();
        (SiteIcons { icon, logo }, at)
    }))
}

/// `Store::record_site_icons`.
pub(super) fn record_site_icons(
    conn: &Connection,
    site: &str,
    icons: &SiteIcons,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO site_icons (site, icon, logo, checked_ts) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (site) DO UPDATE SET icon = ?2, logo = ?3, checked_ts = ?4",
        params![site, icons.icon, icons.logo, at.timestamp()],
    )?;
    Ok(())
}

/// `Store::image_facts`.
pub(super) fn image_facts(
    conn: &Connection,
    urls: &[&str],
) -> Result<HashMap<String, ImageFacts>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT length, mime FROM images WHERE url = ?1")?;
    let mut found = HashMap::new();
    for &url in urls {
        if found.contains_key(url) {
            continue;
        }
        let row = stmt
            .query_row(params![url], |r| {
                Ok(ImageFacts {
                    length: r
                        .get::<_, Option<i64>>(0)?
                        .and_then(|n| u64::try_from(n).ok()),
                    mime: r.get(1)?,
                })
            })
            .optional()?;
        if let Some(facts) = row {
            found.insert(url.to_string(), facts);
        }
    }
    Ok(found)
}

/// `Store::record_images`: the new rows and the removal of unused old ones, in one
/// transaction.
pub(super) fn record_images(
    conn: &mut Connection,
    images: &[(String, ImageFacts)],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO images (url, length, mime, checked_ts) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (url) DO UPDATE SET length = ?2, mime = ?3, checked_ts = ?4",
        )?;
        for (url, facts) in images {
            let length = facts.length.and_then(|n| i64::try_from(n).ok());
            insert.execute(params![url, length, facts.mime, at.timestamp()])?;
        }
    }
    tx.execute(
        "DELETE FROM images WHERE checked_ts < ?1
         AND url NOT IN (SELECT image FROM entries WHERE image IS NOT NULL)",
        params![at.timestamp() - UNUSED_IMAGE_GRACE_SECS],
    )?;
    tx.commit()?;
    Ok(())
}
