//! Rendering feeds and writing their files: after a scrape changed a section (`refresh`),
//! in batches for what is stale or unwritten (`export_stale`), and on request (`document`
//! calls `render`). A feed's files are written after its entries commit and before its head
//! is recorded in the store; a write that fails leaves the feed current and unwritten, its
//! documents in memory (`writes`).

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::Utc;

use super::files::{file_name, file_path, write_all_atomically};
use super::{
    http_date, Document, FeedError, FeedKind, FeedSet, FeedSpec, FeedState, FilesHealth, Format,
    Head,
};
use crate::render;
use crate::store::{ExportedHead, Store};

impl FeedSet {
    /// Renders a section whose entries changed and writes its files; the merged feeds it
    /// belongs to become stale. Blocking: call from a blocking context.
    pub fn refresh(&self, store: &dyn Store, section: &str) -> Result<(), FeedError> {
        let spec = self
            .catalog
            .get(section)
            .ok_or_else(|| FeedError::Unknown(section.to_string()))?
            .clone();
        let _one_at_a_time = self.lock_rendering();
        self.set_stale(section);
        self.render(store, &spec, false)?;
        Ok(())
    }

    /// Whether any feed waits for `export_stale`: stale, or its files unwritten.
    /// Without a feeds directory nothing ever waits: stale feeds are rendered on request.
    pub fn has_stale(&self) -> bool {
        if self.dir.is_none() {
            return false;
        }
        let states = self.states.read().unwrap_or_else(|e| e.into_inner());
        states.values().any(|s| s.stale || s.unwritten)
    }

    /// Whether feed files can be written, for `/healthz`.
    pub fn files_health(&self) -> FilesHealth {
        self.writes.health(self.unwritten().len())
    }

    /// Names of the feeds whose files are unwritten, sorted.
    fn unwritten(&self) -> Vec<String> {
        let states = self.states.read().unwrap_or_else(|e| e.into_inner());
        let mut names: Vec<String> = states
            .iter()
            .filter(|(_, s)| s.unwritten)
            .map(|(name, _)| name.clone())
            .collect();
        names.sort_unstable();
        names
    }

    fn is_unwritten(&self, name: &str) -> bool {
        let states = self.states.read().unwrap_or_else(|e| e.into_inner());
        states.get(name).is_some_and(|s| s.unwritten)
    }

    /// Renders every stale feed and writes its files: sections first, then the merged feeds
    /// (which their sections' renders may have made stale); then writes the files of
    /// unwritten feeds again, stopping at the first that still fails, so a full disk costs
    /// one attempt per call however many feeds wait. Returns how many were rendered.
    /// Without a feeds directory there is nothing to write, and nothing is rendered: a stale
    /// feed (a merged one after its sections changed, any feed after another instance's
    /// notice) is rendered by its next request, so an instance does not render 10,000 feeds
    /// nobody asked it for. Blocking: call from a blocking context.
    pub fn export_stale(&self, store: &dyn Store) -> Result<usize, FeedError> {
        if self.dir.is_none() {
            return Ok(0);
        }
        let mut rendered = 0;
        // A write of this call failed already: no retry needed to learn that.
        let mut failed = false;
        for sections in [true, false] {
            let specs: Vec<Arc<FeedSpec>> = {
                let states = self.states.read().unwrap_or_else(|e| e.into_inner());
                self.catalog
                    .iter()
                    .filter(|s| matches!(s.kind, FeedKind::Section { .. }) == sections)
                    .filter(|s| states.get(&s.name).is_some_and(|st| st.stale))
                    .cloned()
                    .collect()
            };
            for spec in specs {
                let _one_at_a_time = self.lock_rendering();
                // A request may have rendered it meanwhile.
                if self.head(&spec.name).is_none() {
                    self.render(store, &spec, false)?;
                    rendered += 1;
                    failed |= self.is_unwritten(&spec.name);
                }
            }
        }
        if failed {
            return Ok(rendered);
        }
        for name in self.writes.retry_order(self.unwritten()) {
            let Some(spec) = self.catalog.get(&name).cloned() else {
                continue;
            };
            let _one_at_a_time = self.lock_rendering();
            // Its files may have been written meanwhile, or its entries changed (then it is
            // stale, and the next call renders it).
            if !self.is_unwritten(&name) || self.head(&name).is_none() {
                continue;
            }
            self.render(store, &spec, true)?;
            rendered += 1;
            if self.is_unwritten(&name) {
                break;
            }
        }
        Ok(rendered)
    }

    /// Renders one feed from the store, writes the files whose bytes changed (or are
    /// missing or unwritten; all of them with `rewrite`), records its head in the store once
    /// its files hold it, and makes it current. A write that fails leaves it current all the
    /// same, unwritten, with its documents in memory. Callers hold `rendering`.
    pub(super) fn render(
        &self,
        store: &dyn Store,
        spec: &Arc<FeedSpec>,
        rewrite: bool,
    ) -> Result<(Arc<Head>, [Arc<Document>; 3]), FeedError> {
        let entries = self.read_entries(store, spec)?;
        let media = self.read_media(store, spec, &entries)?;
        let documents = render::all_with(&spec.meta, &entries, &media)
            .map(|bytes| Arc::new(Document::new(bytes)));
        let (previous, was_unwritten) = {
            let states = self.states.read().unwrap_or_else(|e| e.into_inner());
            states
                .get(&spec.name)
                .map_or((None, false), |s| (s.head.clone(), s.unwritten))
        };
        let mut writes = Vec::new();
        for (dir, format) in self.dir.iter().flat_map(|d| Format::ALL.map(|f| (d, f))) {
            let doc = &documents[format.index()];
            let path = file_path(dir, &spec.name, format);
            let same = previous
                .as_ref()
                .is_some_and(|p| p.digest(format) == doc.digest());
            if rewrite || was_unwritten || !same || !path.exists() {
                writes.push((path, doc.identity().as_ref()));
            }
        }
        let written = self.write_files(&spec.name, &writes);
        // Without files, memory is the documents' only home besides a render.
        let memory_only = !written || self.dir.is_none();
        let digests = Format::ALL.map(|f| documents[f.index()].digest().to_string());
        let updated = render::feed_updated(&entries);
        let aggregates: Vec<&str> = match spec.kind {
            FeedKind::Section { .. } => self
                .catalog
                .aggregates_of(&spec.name)
                .map(|a| a.name.as_str())
                .collect(),
            _ => Vec::new(),
        };
        // Rendered again only because its file went missing, changed or was unwritten: the
        // merged feeds already agree with these bytes, and the store too unless they only
        // now reach the disk.
        let current = self.head(&spec.name);
        if let Some(current) = current.filter(|c| c.digests == digests) {
            self.metrics.render(false);
            if written && was_unwritten {
                // The merged feeds rendered since hold these entries already, and the store
                // knows; the others must stay stale there, should the process stop now.
                let behind: Vec<&str> = aggregates
                    .iter()
                    .copied()
                    .filter(|a| self.head(a).is_none() || self.is_unwritten(a))
                    .collect();
                self.record(store, spec, &current, &behind);
            }
            self.set_unwritten(&spec.name, !written);
            if memory_only {
                self.keep_all(&spec.name, &documents);
            }
            return Ok((current, documents));
        }
        self.metrics.render(true);
        let head = Arc::new(Head {
            last_modified: http_date(updated.with_timezone(&Utc)),
            updated,
            entries: entries.len(),
            generation: self.generations.fetch_add(1, Ordering::Relaxed) + 1,
            digests,
        });
        // Unwritten, the store keeps the feed stale (its save marked it), so a restart
        // renders it again and marks the merged feeds then.
        if written {
            self.record(store, spec, &head, &aggregates);
        }
        {
            let mut states = self.states.write().unwrap_or_else(|e| e.into_inner());
            states.insert(
                spec.name.clone(),
                FeedState {
                    head: Some(head.clone()),
                    stale: false,
                    unwritten: !written,
                },
            );
        }
        for format in Format::ALL {
            self.resident.remove(&file_name(&spec.name, format));
        }
        if memory_only {
            self.keep_all(&spec.name, &documents);
        }
        self.filtered.forget(&spec.name);
        for aggregate in aggregates {
            self.set_stale(aggregate);
        }
        Ok((head, documents))
    }

    /// Writes a feed's files; `false` (logged and shown in `/healthz`) if that failed.
    fn write_files(&self, name: &str, writes: &[(PathBuf, &[u8])]) -> bool {
        let Some(dir) = self.dir.as_ref().filter(|_| !writes.is_empty()) else {
            return true;
        };
        match write_all_atomically(dir, writes) {
            Ok(()) => {
                self.writes.succeeded(name);
                true
            }
            Err(error) => {
                self.writes.failed(name, &error);
                false
            }
        }
    }

    /// Records in the store that the feed's files hold `head`, and marks `aggregates`
    /// stale. A failure (the database refusing writes) is logged and goes no further: the
    /// files are written and served, and the store still has the feed stale, so a restart
    /// renders it again. Without files nothing is recorded: the record says what files
    /// hold, and under PostgreSQL the table is every instance's.
    fn record(&self, store: &dyn Store, spec: &FeedSpec, head: &Head, aggregates: &[&str]) {
        if self.dir.is_none() {
            return;
        }
        let exported = ExportedHead {
            fingerprint: spec.fingerprint.clone(),
            digests: head.digests.clone(),
            updated: head.updated,
            entries: head.entries,
        };
        if let Err(error) = store.record_export(&spec.name, &exported, aggregates) {
            tracing::warn!(feed = %spec.name, error = %crate::errors::chain(&error),
                "cannot record the feed's files in the database; a restart renders it again");
        }
    }

    fn set_unwritten(&self, name: &str, unwritten: bool) {
        let mut states = self.states.write().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = states.get_mut(name) {
            state.unwritten = unwritten;
        }
    }

    /// Keeps every format of an unwritten feed in memory: its files cannot serve them.
    fn keep_all(&self, name: &str, documents: &[Arc<Document>; 3]) {
        for format in Format::ALL {
            self.keep(name, format, &documents[format.index()]);
        }
    }

    /// Marks a feed stale: its head and documents no longer match its entries.
    pub(super) fn set_stale(&self, name: &str) {
        self.states
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_default()
            .stale = true;
        for format in Format::ALL {
            self.resident.remove(&file_name(name, format));
        }
    }
}
