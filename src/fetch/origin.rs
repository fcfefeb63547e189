//! What the fetcher keeps per origin (`scheme://host:port`): its politeness slot and its
//! robots.txt.
//!
//! Each origin has locks of its own and the map that finds them is held only for a lookup,
//! so nothing one origin does — a request that hangs, a robots.txt that stalls — makes a
//! request to another origin wait. Both locks are tokio's, which are fair: waiters are
//! served in the order they arrived. At the slot that makes the sections of one host take
//! turns, one request each, and a retry queues behind the requests that arrived while its
//! first attempt was running. At the robots.txt cell it makes the fetch single-flight:
//! requests that arrive while robots.txt is being read wait for that read and use its answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

use super::robots;

/// Every origin the fetcher has talked to.
#[derive(Default)]
pub(super) struct Origins {
    map: Mutex<HashMap<String, Arc<Origin>>>,
}

impl Origins {
    /// The state of `url`'s origin, made on first use.
    pub(super) fn of(&self, url: &Url) -> Arc<Origin> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(origin_key(url)).or_default().clone()
    }
}

/// One origin's state.
#[derive(Default)]
pub(super) struct Origin {
    /// Held for one request at a time, from its politeness wait to its answer.
    pub slot: tokio::sync::Mutex<Slot>,
    /// Held while robots.txt is read; `None` until the first read completes. A failed read
    /// stays only for the requests queued behind it (`robots::Cached::serves`).
    pub robots: tokio::sync::Mutex<Option<robots::Cached>>,
}

/// The politeness state of one origin.
#[derive(Debug, Default)]
pub(super) struct Slot {
    /// Earliest moment the next request may start.
    pub next_allowed: Option<Instant>,
}

impl Slot {
    /// Lets the next request start no sooner than `gap` from now (and no sooner than
    /// already set).
    pub fn hold_for(&mut self, gap: Duration) {
        let at = after(gap);
        self.next_allowed = Some(self.next_allowed.map_or(at, |set| set.max(at)));
    }
}

/// `gap` from now; a gap too long for the clock means "practically never".
fn after(gap: Duration) -> Instant {
    let now = Instant::now();
    // Thirty years, the span tokio itself uses for "far future".
    const FAR: Duration = Duration::from_secs(30 * 365 * 86_400);
    now.checked_add(gap)
        .or_else(|| now.checked_add(FAR))
        .unwrap_or(now)
}

/// `scheme://host:port`: the unit of politeness and of robots.txt.
pub(super) fn origin_key(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_scheme_host_and_port() {
        let origins = Origins::default();
        let url = |u: &str| Url::parse(u).unwrap();
        let a = origins.of(&url("https://tass.com/world"));
        assert!(Arc::ptr_eq(
            &a,
            &origins.of(&url("https://tass.com:443/x?y"))
        ));
        assert!(!Arc::ptr_eq(&a, &origins.of(&url("http://tass.com/world"))));
        assert!(!Arc::ptr_eq(&a, &origins.of(&url("https://tass.ru/world"))));
    }

    #[test]
    fn a_slot_only_moves_later_and_never_overflows() {
        let mut slot = Slot::default();
        slot.hold_for(Duration::from_secs(60));
        let first = slot.next_allowed.unwrap();
        slot.hold_for(Duration::ZERO);
        assert_eq!(
            slot.next_allowed,
            Some(first),
            "a shorter gap keeps the longer one"
        );
        slot.hold_for(Duration::MAX);
        assert!(slot.next_allowed.unwrap() > first + Duration::from_secs(365 * 86_400));
    }
}
