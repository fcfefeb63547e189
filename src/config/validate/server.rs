//! `[server]`, `[storage]` and `[scheduler]`: values only, each parsed where it was read,
//! plus the paths resolved against the config file's directory.

use std::path::Path;

use super::Checker;
use crate::config::defaults;
use crate::config::raw::{RawScheduler, RawServer, RawStorage};
use crate::config::{SchedulerSettings, ServerSettings, StorageSettings};

impl Checker<'_> {
    pub(super) fn server(&mut self, raw: RawServer, base_dir: &Path) -> ServerSettings {
        let listen = self
            .take(raw.listen, "", "server.listen")
            .unwrap_or_else(|| defaults::listen().valid());
        let public_url = raw
            .public_url
            .and_then(|url| self.take(url, "", "server.public_url"));
        let feed_cache_bytes = self
            .take(raw.feed_cache, "", "server.feed_cache")
            .unwrap_or_else(|| defaults::feed_cache().valid());
        ServerSettings {
            listen,
            public_url,
            templates_dir: base_dir.join(raw.templates),
            feed_cache_bytes,
        }
    }

    pub(super) fn storage(&mut self, raw: RawStorage, base_dir: &Path) -> StorageSettings {
        let max_entries = self
            .take(raw.max_entries, "", "storage.max_entries")
            .unwrap_or_else(|| defaults::max_entries().valid());
        let max_age = raw
            .max_age
            .and_then(|age| self.take(age, "", "storage.max_age"));
        StorageSettings {
            database: base_dir.join(raw.database),
            feeds_dir: base_dir.join(raw.feeds_dir),
            max_entries,
            max_age,
        }
    }

    pub(super) fn scheduler(&mut self, raw: RawScheduler) -> SchedulerSettings {
        let jitter = self
            .take(raw.jitter, "", "scheduler.jitter")
            .unwrap_or_else(|| defaults::jitter().valid());
        let concurrency = self
            .take(raw.concurrency, "", "scheduler.concurrency")
            .unwrap_or_else(|| defaults::concurrency().valid());
        SchedulerSettings {
            concurrency,
            jitter,
        }
    }
}
