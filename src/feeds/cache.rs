//! A small bounded cache of filtered documents (`?limit=`, `?include=`, `?exclude=`).
//!
//! Keyed by feed, format and normalized query. Each slot remembers the generation of the feed
//! it was rendered from, so a document rendered from a feed that has since changed is never
//! served, even if it was stored after the change. At capacity, the least recently used slot
//! goes. A linear scan for the oldest slot is fine at this size and keeps the code obvious.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::catalog::Format;
use super::document::Document;

type Key = (String, Format, String);

struct Slot {
    generation: u64,
    used: u64,
    document: Arc<Document>,
}

#[derive(Default)]
struct Slots {
    map: HashMap<Key, Slot>,
    clock: u64,
}

/// Filtered documents, at most `capacity` of them.
pub struct QueryCache {
    capacity: usize,
    slots: Mutex<Slots>,
}

impl QueryCache {
    pub fn new(capacity: usize) -> QueryCache {
        QueryCache {
            capacity: capacity.max(1),
            slots: Mutex::new(Slots::default()),
        }
    }

    /// The cached document for this key, if it was rendered from `generation`.
    pub fn get(
        &self,
        feed: &str,
        format: Format,
        query: &str,
        generation: u64,
    ) -> Option<Arc<Document>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.clock += 1;
        let now = slots.clock;
        let key = (feed.to_string(), format, query.to_string());
        let slot = slots.map.get_mut(&key)?;
        if slot.generation != generation {
            return None;
        }
        slot.used = now;
        Some(slot.document.clone())
    }

    pub fn insert(
        &self,
        feed: &str,
        format: Format,
        query: &str,
        generation: u64,
        document: Arc<Document>,
    ) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.clock += 1;
        let used = slots.clock;
        let key = (feed.to_string(), format, query.to_string());
        if !slots.map.contains_key(&key) && slots.map.len() >= self.capacity {
            if let Some(oldest) = slots
                .map
                .iter()
                .min_by_key(|(_, s)| s.used)
                .map(|(k, _)| k.clone())
            {
                slots.map.remove(&oldest);
            }
        }
        slots.map.insert(
            key,
            Slot {
                generation,
                used,
                document,
            },
        );
    }

    /// Drops every document of a feed that changed: they can never be served again.
    pub fn forget(&self, feed: &str) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.map.retain(|(name, _, _), _| name != feed);
    }

    pub fn len(&self) -> usize {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Arc<Document> {
        Arc::new(Document::new(text.as_bytes().to_vec()))
    }

    #[test]
    fn least_recently_used_goes_first_and_stale_generations_miss() {
        let cache = QueryCache::new(2);
        cache.insert("a", Format::Rss, "limit=1", 1, doc("1"));
        cache.insert("a", Format::Rss, "limit=2", 1, doc("2"));
        assert!(cache.get("a", Format::Rss, "limit=1", 1).is_some());
        cache.insert("a", Format::Atom, "limit=1", 1, doc("3"));
        assert_eq!(cache.len(), 2);
        assert!(
            cache.get("a", Format::Rss, "limit=2", 1).is_none(),
            "evicted"
        );
        assert!(cache.get("a", Format::Rss, "limit=1", 1).is_some());
        assert!(cache.get("a", Format::Rss, "limit=1", 2).is_none(), "stale");
        cache.insert("b", Format::Rss, "limit=1", 1, doc("4"));
        cache.forget("a");
        assert_eq!(cache.len(), 1);
        assert!(cache.get("b", Format::Rss, "limit=1", 1).is_some());
    }
}
