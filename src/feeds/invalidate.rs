//! Forgetting what another instance changed: with several instances on one PostgreSQL, a
//! save on one of them makes the others' heads and bytes of that feed old. The listener
//! (`store::pg::notify`, wired in `app`) calls `invalidate` for each notice, and
//! `invalidate_all` when notices may have been missed (after a reconnect).
//!
//! Invalidating takes the rendering lock, like every render: a render that read the store
//! before the change either finished before (and its head is marked stale now) or starts
//! after (and reads the change). So no request is answered with a head newer than its bytes
//! or older, and a feed is never left current with entries it does not hold.

use super::{FeedKind, FeedSet};

impl FeedSet {
    /// Marks a feed whose entries changed elsewhere stale, with the merged feeds a section
    /// belongs to (its site's and `all`), and drops their documents from memory, so their
    /// next request (or export) renders them from the store. Returns whether this instance
    /// knows the feed (another instance's config may declare sections this one does not).
    /// Blocking (waits for a render in progress): call from a blocking context.
    pub fn invalidate(&self, feed: &str) -> bool {
        let Some(spec) = self.catalog.get(feed).cloned() else {
            return false;
        };
        let _one_at_a_time = self.lock_rendering();
        self.forget(&spec.name);
        if matches!(spec.kind, FeedKind::Section { .. }) {
            for aggregate in self.catalog.aggregates_of(&spec.name) {
                self.forget(&aggregate.name);
            }
        }
        true
    }

    /// `invalidate` for every feed: after notices may have been lost (the listener's
    /// connection broke), nothing cached can be trusted. Returns how many feeds there are.
    pub fn invalidate_all(&self) -> usize {
        let _one_at_a_time = self.lock_rendering();
        let mut feeds = 0;
        for spec in self.catalog.iter() {
            self.forget(&spec.name);
            feeds += 1;
        }
        feeds
    }

    /// Stale, and nothing of it left in memory. Callers hold `rendering`.
    fn forget(&self, name: &str) {
        self.set_stale(name);
        self.filtered.forget(name);
    }
}
