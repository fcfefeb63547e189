//! A least-recently-used map bounded by bytes rather than by count.
//!
//! Rendered feeds vary from a few kilobytes to megabytes, so a count bound would either
//! waste memory on small configs or blow it on large ones. Sizes are given by the caller
//! at insertion (and may be refreshed with `resize`, e.g. once compressed forms are added).
//! The newest entry is always kept, even alone over the budget, so the feed being served
//! is not rendered again on every request. Eviction scans for the oldest entry: the map
//! holds as many entries as fit the budget (tens to hundreds), so a scan is cheaper than
//! keeping an ordered index in step.

use std::collections::HashMap;
use std::hash::Hash;

struct Slot<V> {
    value: V,
    bytes: usize,
    used: u64,
}

pub struct BudgetCache<K, V> {
    budget: usize,
    held: usize,
    clock: u64,
    slots: HashMap<K, Slot<V>>,
}

impl<K: Hash + Eq + Clone, V: Clone> BudgetCache<K, V> {
    pub fn new(budget: usize) -> Self {
        BudgetCache {
            budget,
            held: 0,
            clock: 0,
            slots: HashMap::new(),
        }
    }

    pub fn get(&mut self, key: &K) -> Option<V> {
        self.clock += 1;
        let now = self.clock;
        let slot = self.slots.get_mut(key)?;
        slot.used = now;
        Some(slot.value.clone())
    }

    pub fn insert(&mut self, key: K, value: V, bytes: usize) {
        self.remove(&key);
        self.clock += 1;
        self.held += bytes;
        self.slots.insert(
            key.clone(),
            Slot {
                value,
                bytes,
                used: self.clock,
            },
        );
        self.evict_over_budget(&key);
    }

    /// Records a new size for an entry (a no-op if it is gone).
    pub fn resize(&mut self, key: &K, bytes: usize) {
        let Some(slot) = self.slots.get_mut(key) else {
            return;
        };
        self.held = self.held - slot.bytes + bytes;
        slot.bytes = bytes;
        self.evict_over_budget(key);
    }

    pub fn remove(&mut self, key: &K) {
        if let Some(slot) = self.slots.remove(key) {
            self.held -= slot.bytes;
        }
    }

    pub fn held_bytes(&self) -> usize {
        self.held
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    fn evict_over_budget(&mut self, keep: &K) {
        while self.held > self.budget && self.slots.len() > 1 {
            let oldest = self
                .slots
                .iter()
                .filter(|(k, _)| *k != keep)
                .min_by_key(|(_, s)| s.used)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => self.remove(&k),
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_recently_used_goes_until_the_budget_holds_and_the_newest_always_stays() {
        let mut cache = BudgetCache::new(100);
        cache.insert("a", 1, 40);
        cache.insert("b", 2, 40);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.insert("c", 3, 40);
        assert_eq!(cache.get(&"b"), None, "least recently used");
        assert_eq!(cache.get(&"a"), Some(1));
        assert_eq!(cache.held_bytes(), 80);
        cache.resize(&"a", 70);
        assert_eq!(cache.get(&"c"), None, "a grew, c was older");
        assert_eq!(cache.held_bytes(), 70);
        cache.insert("huge", 4, 500);
        assert_eq!(cache.len(), 1, "alone over the budget, but kept");
        assert_eq!(cache.get(&"huge"), Some(4));
        cache.insert("huge", 5, 10);
        assert_eq!(cache.held_bytes(), 10, "replacing frees the old size");
        cache.remove(&"huge");
        assert_eq!(cache.held_bytes(), 0);
    }
}
