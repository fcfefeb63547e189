//! The cluster-wide politeness slot of each origin, and the shared robots.txt: the
//! fetcher's `HostGate` on the shared database.
//!
//! A slot is a row: its holder (a token unique to one turn), until when the turn may be
//! held, and the earliest moment the next turn may start. A turn is taken by one statement
//! that succeeds only when the slot is free (no holder, or the hold expired) and its time
//! has come, both on the database's clock; a waiting instance asks again after the wait the
//! database reports, at most `POLL`, so a freed slot is taken soon. Releasing pushes
//! `next_allowed` to at least `gap` from now: the `min_delay` (and any `Retry-After`)
//! holds between requests of different instances as it does within one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{Cluster, ClusterError};
use crate::fetch::gate::{GateError, GateFuture, HeldTurn, HostGate, HostTicket};

/// Longest wait between two tries of a busy slot.
pub const POLL: Duration = Duration::from_millis(200);
/// Shortest wait between two tries: no busy loop on the database.
const MIN_POLL: Duration = Duration::from_millis(5);

/// The fetcher's gate on a cluster.
#[derive(Clone)]
pub struct HostSlots {
    cluster: Arc<Cluster>,
}

/// A turn this instance holds on one origin.
struct HeldSlot {
    cluster: Arc<Cluster>,
    origin: String,
    token: String,
}

impl HostSlots {
    pub fn new(cluster: Arc<Cluster>) -> HostSlots {
        HostSlots { cluster }
    }
}

impl Cluster {
    /// Takes `origin`'s turn for at most `hold` if it is free and due: `Ok(token)`, or
    /// `Err(wait)` with how long until it may be (by the database's clock, a short poll
    /// while someone holds it).
    pub fn try_host(
        &self,
        origin: &str,
        hold: Duration,
    ) -> Result<Result<String, Duration>, ClusterError> {
        static TURNS: AtomicU64 = AtomicU64::new(0);
        let token = format!("{} {}", self.id, TURNS.fetch_add(1, Ordering::Relaxed));
        let mut conn = self.conn()?;
        let taken = conn
            .query_opt(
                "INSERT INTO host_slots AS h (origin, holder, held_until, next_allowed)
                 VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3), clock_timestamp())
                 ON CONFLICT (origin) DO UPDATE
                   SET holder = EXCLUDED.holder, held_until = EXCLUDED.held_until
                   WHERE (h.holder IS NULL OR h.held_until < clock_timestamp())
                     AND h.next_allowed <= clock_timestamp()
                 RETURNING 1",
                &[&origin, &token, &hold.as_secs_f64()],
            )
            .map_err(self.failed("take a host's turn"))?;
        if taken.is_some() {
            return Ok(Ok(token));
        }
        let wait = conn
            .query_opt(
                "SELECT EXTRACT(EPOCH FROM (next_allowed - clock_timestamp()))::float8,
                        holder IS NOT NULL AND held_until >= clock_timestamp()
                 FROM host_slots WHERE origin = $1",
                &[&origin],
            )
            .map_err(self.failed("read a host's turn"))?;
        let wait = match wait {
            Some(row) if !row.get::<_, bool>(1) => {
                Duration::try_from_secs_f64(row.get::<_, f64>(0).max(0.0)).unwrap_or(POLL)
            }
            // Held (or just removed): ask again soon.
            _ => POLL,
        };
        Ok(Err(wait))
    }

    /// Frees the turn `token` holds on `origin` (if it still does: an expired hold may have
    /// been taken over) and keeps the next turn at least `gap` away, whoever holds it.
    pub fn release_host(
        &self,
        origin: &str,
        token: &str,
        gap: Duration,
    ) -> Result<(), ClusterError> {
        let gap = gap.min(Duration::from_secs(100 * 365 * 86_400));
        self.conn()?
            .execute(
                "UPDATE host_slots SET
                    next_allowed = GREATEST(next_allowed,
                                            clock_timestamp() + make_interval(secs => $3)),
                    held_until = CASE WHEN holder = $2 THEN NULL ELSE held_until END,
                    holder = CASE WHEN holder = $2 THEN NULL ELSE holder END
                 WHERE origin = $1",
                &[&origin, &token, &gap.as_secs_f64()],
            )
            .map_err(self.failed("release a host's turn"))?;
        Ok(())
    }

    /// The shared robots.txt of `origin` and its age, when younger than `max_age`.
    pub fn robots(
        &self,
        origin: &str,
        max_age: Duration,
    ) -> Result<Option<(String, Duration)>, ClusterError> {
        let row = self
            .conn()?
            .query_opt(
                "SELECT body, EXTRACT(EPOCH FROM (clock_timestamp() - fetched))::float8
                 FROM robots WHERE origin = $1
                   AND fetched > clock_timestamp() - make_interval(secs => $2)",
                &[&origin, &max_age.as_secs_f64()],
            )
            .map_err(self.failed("read a shared robots.txt"))?;
        Ok(row.map(|r| {
            let age = Duration::try_from_secs_f64(r.get::<_, f64>(1).max(0.0)).unwrap_or_default();
            (r.get(0), age)
        }))
    }

    /// Keeps `body` as `origin`'s robots.txt, read now.
    pub fn store_robots(&self, origin: &str, body: &str) -> Result<(), ClusterError> {
        // PostgreSQL text holds no NUL; such a file reads the same without them.
        let body = body.replace('\0', "");
        self.conn()?
            .execute(
                "INSERT INTO robots (origin, body, fetched) VALUES ($1, $2, clock_timestamp())
                 ON CONFLICT (origin) DO UPDATE SET body = EXCLUDED.body, fetched = EXCLUDED.fetched",
                &[&origin, &body],
            )
            .map_err(self.failed("store a shared robots.txt"))?;
        Ok(())
    }
}

impl HeldTurn for HeldSlot {
    fn release(self: Box<Self>, gap: Duration) {
        if let Err(error) = self.cluster.release_host(&self.origin, &self.token, gap) {
            // The hold expires by itself: the others wait at most its length.
            tracing::warn!(origin = %self.origin, %error, "could not release a host's turn; it frees itself when its hold ends");
        }
    }
}

impl HostGate for HostSlots {
    fn acquire<'a>(
        &'a self,
        origin: &'a str,
        hold: Duration,
        gap: Duration,
    ) -> GateFuture<'a, Result<HostTicket, GateError>> {
        Box::pin(async move {
            loop {
                let cluster = self.cluster.clone();
                let key = origin.to_string();
                // The ticket is made on the blocking thread: if this future is dropped
                // while the statement runs, the task's result (the ticket) is dropped by
                // the runtime, and its drop releases the turn.
                let attempt = tokio::task::spawn_blocking(move || {
                    cluster.try_host(&key, hold).map(|taken| {
                        taken.map(|token| {
                            let held = HeldSlot {
                                cluster: cluster.clone(),
                                origin: key,
                                token,
                            };
                            HostTicket::new(Box::new(held), gap)
                        })
                    })
                })
                .await
                .map_err(|e| GateError(e.to_string()))?
                .map_err(|e| GateError(e.to_string()))?;
                match attempt {
                    Ok(ticket) => return Ok(ticket),
                    Err(wait) => tokio::time::sleep(wait.clamp(MIN_POLL, POLL)).await,
                }
            }
        })
    }

    fn robots<'a>(
        &'a self,
        origin: &'a str,
        max_age: Duration,
    ) -> GateFuture<'a, Option<(String, Duration)>> {
        let key = origin.to_string();
        Box::pin(async move {
            let found = self
                .cluster
                .blocking(move |c| c.robots(&key, max_age))
                .await;
            found.unwrap_or_else(|error| {
                tracing::warn!(%error, "could not read the shared robots.txt; reading the site's");
                None
            })
        })
    }

    fn store_robots<'a>(&'a self, origin: &'a str, body: String) -> GateFuture<'a, ()> {
        let key = origin.to_string();
        Box::pin(async move {
            if let Err(error) = self
                .cluster
                .blocking(move |c| c.store_robots(&key, &body))
                .await
            {
                tracing::warn!(%error, "could not share a robots.txt; the others read it themselves");
            }
        })
    }
}
