//! Whether feed files can be written, and what is shown when they cannot.
//!
//! A full disk, a read-only mount, or a feeds directory removed or replaced must not take
//! feeds offline: the store and the rendered bytes are intact, only their copies in `feeds/`
//! are not. So `FeedSet` treats a failed write as a state of the process, not an error of
//! the request or the scrape that caused it: the feed stays current, served from memory,
//! and is marked unwritten for a later write. This module keeps that state: the first
//! failure is logged at error level with the path and the cause (the rest at debug level,
//! so ten thousand feeds do not flood the log), the recovery at info level, and `/healthz`
//! gets the cause without the server's paths (`FilesHealth`), since anyone may read it.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::FeedError;

/// The feed files as `/healthz` shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilesHealth {
    /// The last write succeeded (or none failed yet).
    pub writable: bool,
    /// Why writes fail, while they do, without paths (`cannot write feed files: no storage
    /// space`).
    pub error: Option<String>,
    /// When writes began to fail.
    pub failing_since: Option<DateTime<Utc>>,
    /// Feeds whose files do not hold what they serve: they are served from memory (or
    /// rendered again from the store) until a write succeeds.
    pub unwritten_feeds: usize,
}

/// Writes failing since, and why.
struct Failure {
    since: DateTime<Utc>,
    error: String,
}

#[derive(Default)]
pub(super) struct WriteState {
    failure: Mutex<Option<Failure>>,
    /// The feed the last retry began with, so a feed that always fails does not keep the
    /// others from being retried (`retry_order`).
    last_probe: Mutex<Option<String>>,
}

impl WriteState {
    /// Records and logs a failed write of `feed`'s files.
    pub(super) fn failed(&self, feed: &str, error: &FeedError) {
        let shown = public_cause(error);
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        match failure.as_mut() {
            None => {
                tracing::error!(
                    feed,
                    error = %crate::errors::chain(error),
                    "cannot write feed files: feeds are served from memory, and their files \
                     are written again once writes work"
                );
                *failure = Some(Failure {
                    since: Utc::now(),
                    error: shown,
                });
            }
            Some(failure) => {
                tracing::debug!(feed, error = %crate::errors::chain(error), "cannot write feed files");
                failure.error = shown;
            }
        }
    }

    /// Records a successful write.
    pub(super) fn succeeded(&self, feed: &str) {
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(was) = failure.take() {
            tracing::info!(feed, failing_since = %was.since, "feed files are written again");
        }
    }

    pub(super) fn health(&self, unwritten_feeds: usize) -> FilesHealth {
        let failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        FilesHealth {
            writable: failure.is_none(),
            error: failure.as_ref().map(|f| f.error.clone()),
            failing_since: failure.as_ref().map(|f| f.since),
            unwritten_feeds,
        }
    }

    /// `unwritten` (sorted names) in the order to retry them: starting after the feed the
    /// previous retry began with, which becomes the first of this one.
    pub(super) fn retry_order(&self, mut unwritten: Vec<String>) -> Vec<String> {
        let mut last = self.last_probe.lock().unwrap_or_else(|e| e.into_inner());
        let start = last
            .as_ref()
            .map_or(0, |l| unwritten.partition_point(|name| name <= l));
        let start = start.min(unwritten.len());
        unwritten.rotate_left(start);
        *last = unwritten.first().cloned();
        unwritten
    }
}

/// What failed, without the server's paths: the kind of I/O error (`no storage space`,
/// `not a directory`, `permission denied`).
fn public_cause(error: &FeedError) -> String {
    match error {
        FeedError::Write { source, .. } => format!("cannot write feed files: {}", source.kind()),
        _ => "cannot write feed files".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_take_turns_and_the_shown_cause_has_no_path() {
        let writes = WriteState::default();
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(writes.retry_order(names(&["a", "b", "c"])), ["a", "b", "c"]);
        assert_eq!(writes.retry_order(names(&["a", "b", "c"])), ["b", "c", "a"]);
        assert_eq!(writes.retry_order(names(&["a", "c"])), ["c", "a"]);
        assert_eq!(writes.retry_order(names(&["a", "b"])), ["a", "b"]);
        assert!(writes.retry_order(Vec::new()).is_empty());

        let full = FeedError::Write {
            path: "/srv/scrapefeed/feeds/all.rss".into(),
            source: std::io::Error::from_raw_os_error(libc::ENOSPC),
        };
        writes.failed("all", &full);
        let health = writes.health(3);
        assert!(!health.writable);
        assert_eq!(
            health.error.as_deref(),
            Some("cannot write feed files: no storage space")
        );
        assert_eq!(health.unwritten_feeds, 3);
        writes.succeeded("all");
        assert_eq!(writes.health(0).error, None);
        assert!(writes.health(0).writable);
    }
}
