//! Following the other instances of a cluster: when one of them saves a change to a feed,
//! this one forgets what it cached of that feed (`FeedSet::invalidate`), so every instance
//! answers with the same bytes and ETags within a moment of the change; after a lost
//! connection, when notices may have been missed, it forgets everything
//! (`FeedSet::invalidate_all`).
//!
//! The notices come from `store::pg::Listener`, on a thread of its own; each one goes to the
//! app that is current when it arrives, since a reload replaces the app.

use std::sync::Arc;

use super::App;
use crate::store::pg::{Listener, Notice, PgTarget};

impl App {
    /// Forgets what a notice says changed elsewhere. Blocking (waits for a render in
    /// progress): call from a blocking context, as the listener's thread is.
    pub fn feed_notice(&self, notice: &Notice) {
        match notice {
            Notice::Changed { feed } => {
                if self.feeds.invalidate(feed) {
                    tracing::debug!(feed = %feed, "changed on another instance: rendered again on demand");
                }
            }
            Notice::Resync => {
                let feeds = self.feeds.invalidate_all();
                tracing::debug!(
                    feeds,
                    "listening again: every feed is rendered again on demand"
                );
            }
        }
    }
}

/// Starts following the feed changes of the shared store at `target`, whose own saves carry
/// `own_tag` (they are skipped: the saving instance refreshed its feed already). Each notice
/// goes to the app `current` returns at that moment (`server::Live::app`). Listening lasts
/// as long as the returned `Listener`: stop it (or drop it) at shutdown.
pub fn follow_feed_changes(
    target: PgTarget,
    own_tag: String,
    current: impl Fn() -> Arc<App> + Send + 'static,
) -> std::io::Result<Listener> {
    Listener::start(target, own_tag, move |notice| {
        current().feed_notice(&notice)
    })
}
