//! An optional second politeness gate, shared by several processes: with a cluster
//! (`cluster::HostSlots`), an attempt takes its origin's cluster-wide turn inside the local
//! slot, so three instances never hit a host harder than one does. robots.txt goes through
//! it too: read from the shared copy while fresh, stored there after a successful read.
//!
//! The fetcher knows only this trait (fetch sits below the cluster). A turn is a
//! [`HostTicket`]: released with the gap the next request must keep, or, when the attempt is
//! abandoned (cancelled, dropped), released on drop with the plain `min_delay` gap, so a
//! turn is never left held; a process killed while holding one loses it at its hold's end.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future a gate returns (the trait is used as `dyn HostGate`).
pub type GateFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Politeness shared with other processes.
pub trait HostGate: Send + Sync {
    /// Waits for `origin`'s turn (`scheme://host:port`), held for at most `hold`; `gap` is
    /// the wait the next request keeps if the ticket is dropped unreleased. Dropping the
    /// future abandons the wait and frees any turn it took.
    fn acquire<'a>(
        &'a self,
        origin: &'a str,
        hold: Duration,
        gap: Duration,
    ) -> GateFuture<'a, Result<HostTicket, GateError>>;

    /// The shared robots.txt body of `origin` and its age, if one younger than `max_age` is
    /// kept. Failures read as "none kept": robots.txt is then read from the site.
    fn robots<'a>(
        &'a self,
        origin: &'a str,
        max_age: Duration,
    ) -> GateFuture<'a, Option<(String, Duration)>>;

    /// Keeps `body`, the robots.txt just read from `origin` (empty for "no rules"), for
    /// the others. Only readable answers are stored: an outage is never shared as rules.
    fn store_robots<'a>(&'a self, origin: &'a str, body: String) -> GateFuture<'a, ()>;
}

/// Why a turn could not be taken (the shared database is unreachable): the request is not
/// sent, since politeness could not be guaranteed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct GateError(pub String);

/// A held turn, released by blocking work (a database update).
pub trait HeldTurn: Send {
    /// Frees the turn; the next request waits at least `gap` from now.
    fn release(self: Box<Self>, gap: Duration);
}

/// One origin's turn, held until released or dropped.
pub struct HostTicket {
    held: Option<Box<dyn HeldTurn>>,
    gap_on_drop: Duration,
}

impl HostTicket {
    /// A turn that, dropped unreleased, keeps the next request `gap_on_drop` away.
    pub fn new(held: Box<dyn HeldTurn>, gap_on_drop: Duration) -> HostTicket {
        HostTicket {
            held: Some(held),
            gap_on_drop,
        }
    }

    /// Frees the turn, the next request `gap` away; off the runtime's threads. The release
    /// happens even if this future is dropped once started.
    pub async fn release(mut self, gap: Duration) {
        if let Some(held) = self.held.take() {
            let _ = tokio::task::spawn_blocking(move || held.release(gap)).await;
        }
    }
}

impl Drop for HostTicket {
    fn drop(&mut self) {
        let Some(held) = self.held.take() else {
            return;
        };
        let gap = self.gap_on_drop;
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(move || held.release(gap))),
            Err(_) => held.release(gap),
        }
    }
}
