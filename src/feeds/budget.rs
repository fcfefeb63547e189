//! A least-recently-used map bounded by bytes rather than by count.
//!
//! Rendered feeds vary from a few kilobytes to megabytes, so a count bound would either
//! waste memory on small configs or blow it on large ones. Sizes are given by the caller
//! at insertion (and may be refreshed with `resize`, e.g. once compressed forms are added).
//! The newest entry is always kept, even alone over the budget, so the feed being served
//! is not rendered again on every request.
//!
//! Lookups are the hot path of the feed server, so they take a read lock and mark recency
//! with an atomic; only insertions and evictions write. Eviction scans for the oldest entry:
//! the map holds as many entries as fit the budget (tens to hundreds), so a scan is cheaper
//! than keeping an ordered index in step.

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{RwLock, RwLockWriteGuard};

struct Slot<V> {
    value: V,
    bytes: usize,
    used: AtomicU64,
}

struct Slots<K, V> {
    map: HashMap<K, Slot<V>>,
    held: usize,
}

pub struct BudgetCache<K, V> {
    budget: usize,
    clock: AtomicU64,
    slots: RwLock<Slots<K, V>>,
}

impl<K: Hash + Eq + Clone, V: Clone> BudgetCache<K, V> {
    pub fn new(budget: usize) -> Self {
        BudgetCache {
            budget,
            clock: AtomicU64::new(0),
            slots: RwLock::new(Slots {
                map: HashMap::default(),
                held: 0,
            }),
        }
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slots = self.slots.read().unwrap_or_else(|e| e.into_inner());
        let slot = slots.map.get(key)?;
        slot.used.store(self.tick(), Ordering::Relaxed);
        Some(slot.value.clone())
    }

    pub fn insert(&self, key: K, value: V, bytes: usize) {
        let mut slots = self.write();
        if let Some(old) = slots.map.remove(&key) {
            slots.held -= old.bytes;
        }
        slots.held += bytes;
        slots.map.insert(
            key.clone(),
            Slot {
                value,
                bytes,
                used: AtomicU64::new(self.tick()),
            },
        );
        self.evict_over_budget(&mut slots, &key);
    }

    /// Records a new size for the entry, if `still(value)` says it is the one measured.
    pub fn resize(&self, key: &K, bytes: usize, still: impl FnOnce(&V) -> bool) {
        let mut slots = self.write();
        let Some(slot) = slots.map.get_mut(key).filter(|s| still(&s.value)) else {
            return;
        };
        let old = std::mem::replace(&mut slot.bytes, bytes);
        slots.held = slots.held - old + bytes;
        self.evict_over_budget(&mut slots, key);
    }

    pub fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut slots = self.write();
        if let Some(slot) = slots.map.remove(key) {
            slots.held -= slot.bytes;
        }
    }

    pub fn held_bytes(&self) -> usize {
        self.slots.read().unwrap_or_else(|e| e.into_inner()).held
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .map
            .len()
    }

    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn write(&self) -> RwLockWriteGuard<'_, Slots<K, V>> {
        self.slots.write().unwrap_or_else(|e| e.into_inner())
    }

    fn evict_over_budget(&self, slots: &mut Slots<K, V>, keep: &K) {
        while slots.held > self.budget && slots.map.len() > 1 {
            let oldest = slots
                .map
                .iter()
                .filter(|(k, _)| *k != keep)
                .min_by_key(|(_, s)| s.used.load(Ordering::Relaxed))
                .map(|(k, _)| k.clone());
            let Some(oldest) = oldest else { break };
            if let Some(slot) = slots.map.remove(&oldest) {
                slots.held -= slot.bytes;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_recently_used_goes_until_the_budget_holds_and_the_newest_always_stays() {
        let cache = BudgetCache::new(100);
        cache.insert("a", 1, 40);
        cache.insert("b", 2, 40);
        assert_eq!(cache.get("a"), Some(1));
        cache.insert("c", 3, 40);
        assert_eq!(cache.get("b"), None, "least recently used");
        assert_eq!(cache.get("a"), Some(1));
        assert_eq!(cache.held_bytes(), 80);
        cache.resize(&"a", 70, |v| *v == 1);
        assert_eq!(cache.get("c"), None, "a grew, c was older");
        assert_eq!(cache.held_bytes(), 70);
        cache.resize(&"a", 5, |v| *v == 99);
        assert_eq!(cache.held_bytes(), 70, "not the value measured");
        cache.insert("huge", 4, 500);
        assert_eq!(cache.len(), 1, "alone over the budget, but kept");
        assert_eq!(cache.get("huge"), Some(4));
        cache.insert("huge", 5, 10);
        assert_eq!(cache.held_bytes(), 10, "replacing frees the old size");
        cache.remove("huge");
        assert_eq!(cache.held_bytes(), 0);
    }
}
