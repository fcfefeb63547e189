//! Several instances on one PostgreSQL: who is alive, which sections each declares, who
//! scrapes which section (leases), and the per-origin politeness every instance shares.
//!
//! The database is the coordinator, with the job-claiming pattern of the mature Postgres
//! queues (Oban, River, graphile-worker): no instance talks to another. Invariants:
//!
//! - **Exactly one scraper per section.** A section has one lease row; an instance takes it
//!   with `FOR UPDATE SKIP LOCKED` only when it is due and free (no owner, or the owner's
//!   lease expired), renews it while scraping, and hands it back with its next due time.
//!   A killed instance stops renewing, its leases expire after `lease_expiry`, and another
//!   instance takes the sections over (`leases`).
//! - **One clock.** Every comparison of times is made by the database on its own clock
//!   (`clock_timestamp()`); the instances' clocks may disagree and are never compared.
//! - **A section lives while someone declares it.** Each instance replaces its declarations
//!   at start and at reload; a lease is removed only when no instance still on record
//!   declares its section, so a reload that drops a section on one instance never disturbs
//!   another that keeps it. Instances silent for `forget_after` are forgotten (`prune`).
//! - **Politeness is cluster-wide.** One request at a time per origin and `min_delay` between
//!   them, across every instance, through a row per origin (`hosts`); robots.txt is shared.
//!
//! All calls here are blocking (the synchronous `postgres` client): callers run them on
//! tokio's blocking pool ([`Cluster::blocking`]).

mod hosts;
mod leases;
#[cfg(test)]
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::pg::{self, PgConnection, PgPool, PgTarget};
use crate::store::StoreError;

pub use hosts::HostSlots;
pub use leases::{Claim, LeaseState};

/// How often an instance says it is alive, relative to its lease expiry: several beats per
/// expiry, so one slow beat never makes a live instance look dead.
pub const BEATS_PER_EXPIRY: u32 = 4;
/// How long an instance that stopped beating stays on record, in lease expiries (an hour at
/// the default two minutes): long enough for a restart or a deployment to keep its
/// sections' schedules.
pub const FORGET_AFTER_EXPIRIES: u32 = 30;

/// What went wrong talking to the shared database, naming it by its redacted URL.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cluster: {url}: {action}: {source}")]
    Query {
        url: String,
        action: &'static str,
        #[source]
        source: postgres::Error,
    },
    #[error("cluster: {0}")]
    Unavailable(#[from] StoreError),
    #[error("cluster: the blocking task stopped: {0}")]
    Task(String),
}

/// One instance's membership of the cluster.
pub struct Cluster {
    /// Always `Some` until dropped (`Drop` takes it off the runtime's threads).
    pool: Option<PgPool>,
    target: PgTarget,
    id: String,
    lease_expiry: Duration,
    forget_after: Duration,
}

/// An instance as the cluster sees it, for `/healthz`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InstanceState {
    pub id: String,
    pub hostname: String,
    pub pid: i64,
    pub version: String,
    pub started: DateTime<Utc>,
    pub heartbeat: DateTime<Utc>,
    /// It beat within the lease expiry.
    pub live: bool,
}

impl Cluster {
    /// Registers this process as an instance (id: `{hostname}-{pid}-{random}`, new at every
    /// start) on the shared database `target`, whose schema `pool` is already migrated.
    /// Safe to call from async code.
    pub fn join(
        pool: PgPool,
        target: PgTarget,
        lease_expiry: Duration,
    ) -> Result<Cluster, ClusterError> {
        let hostname = hostname();
        let id = format!(
            "{hostname}-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        Cluster::join_as(pool, target, id, hostname, lease_expiry)
    }

    /// `join` with a chosen id and hostname (tests run several instances in one process).
    pub fn join_as(
        pool: PgPool,
        target: PgTarget,
        id: String,
        hostname: String,
        lease_expiry: Duration,
    ) -> Result<Cluster, ClusterError> {
        crate::store::pg::off_runtime(move || {
            Cluster::register(pool, target, id, hostname, lease_expiry)
        })
    }

    fn register(
        pool: PgPool,
        target: PgTarget,
        id: String,
        hostname: String,
        lease_expiry: Duration,
    ) -> Result<Cluster, ClusterError> {
        let cluster = Cluster {
            pool: Some(pool),
            target,
            id,
            lease_expiry,
            forget_after: lease_expiry.saturating_mul(FORGET_AFTER_EXPIRIES),
        };
        let pid = i64::from(std::process::id());
        cluster
            .conn()?
            .execute(
                "INSERT INTO instances (id, hostname, pid, version) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET heartbeat = clock_timestamp()",
                &[&cluster.id, &hostname, &pid, &env!("CARGO_PKG_VERSION")],
            )
            .map_err(cluster.failed("register the instance"))?;
        tracing::info!(instance = %cluster.id, database = %cluster.target, "joined the cluster");
        Ok(cluster)
    }

    /// The same instance, forgetting silent instances after `after` instead (tests).
    pub fn with_forget_after(mut self, after: Duration) -> Cluster {
        self.forget_after = after;
        self
    }

    /// This instance's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How long a lease lasts without renewal.
    pub fn lease_expiry(&self) -> Duration {
        self.lease_expiry
    }

    /// The shared database, without its password.
    pub fn target(&self) -> &PgTarget {
        &self.target
    }

    /// How often to call `heartbeat`.
    pub fn beat_every(&self) -> Duration {
        (self.lease_expiry / BEATS_PER_EXPIRY).max(Duration::from_millis(100))
    }

    /// Runs `work` on tokio's blocking pool: the synchronous client must never run on a
    /// runtime thread.
    pub async fn blocking<T, F>(self: &Arc<Self>, work: F) -> Result<T, ClusterError>
    where
        T: Send + 'static,
        F: FnOnce(&Cluster) -> Result<T, ClusterError> + Send + 'static,
    {
        let cluster = self.clone();
        tokio::task::spawn_blocking(move || work(&cluster))
            .await
            .map_err(|e| ClusterError::Task(e.to_string()))?
    }

    /// Says this instance is alive, registering it again if it was forgotten (a pause longer
    /// than `forget_after`), then does the housekeeping any live instance may do (`prune`).
    pub fn heartbeat(&self) -> Result<(), ClusterError> {
        let mut conn = self.conn()?;
        let beat = conn
            .execute(
                "UPDATE instances SET heartbeat = clock_timestamp() WHERE id = $1",
                &[&self.id],
            )
            .map_err(self.failed("beat"))?;
        if beat == 0 {
            let pid = i64::from(std::process::id());
            conn.execute(
                "INSERT INTO instances (id, hostname, pid, version) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET heartbeat = clock_timestamp()",
                &[&self.id, &hostname(), &pid, &env!("CARGO_PKG_VERSION")],
            )
            .map_err(self.failed("register the instance again"))?;
            tracing::warn!(instance = %self.id, "this instance had been forgotten (silent too long); registered again, its sections must be declared again");
        }
        drop(conn);
        self.prune()
    }

    /// Forgets instances silent for `forget_after` (their declarations go with them) and
    /// removes the leases of sections no instance on record declares.
    pub fn prune(&self) -> Result<(), ClusterError> {
        let mut conn = self.conn()?;
        let forgotten = conn
            .execute(
                "DELETE FROM instances
                 WHERE heartbeat < clock_timestamp() - make_interval(secs => $1)",
                &[&self.forget_after.as_secs_f64()],
            )
            .map_err(self.failed("forget silent instances"))?;
        let removed = conn
            .execute(
                "DELETE FROM leases l WHERE NOT EXISTS
                 (SELECT 1 FROM declarations d WHERE d.section = l.section)",
                &[],
            )
            .map_err(self.failed("remove undeclared sections' leases"))?;
        if forgotten + removed > 0 {
            tracing::info!(
                forgotten,
                removed,
                "cluster: forgot silent instances and the leases nobody declares"
            );
        }
        Ok(())
    }

    /// Every instance on record, live or not, oldest first.
    pub fn instances(&self) -> Result<Vec<InstanceState>, ClusterError> {
        let rows = self
            .conn()?
            .query(
                "SELECT id, hostname, pid, version, started, heartbeat,
                        heartbeat >= clock_timestamp() - make_interval(secs => $1)
                 FROM instances ORDER BY started, id",
                &[&self.lease_expiry.as_secs_f64()],
            )
            .map_err(self.failed("list the instances"))?;
        Ok(rows
            .iter()
            .map(|r| InstanceState {
                id: r.get(0),
                hostname: r.get(1),
                pid: r.get(2),
                version: r.get(3),
                started: r.get(4),
                heartbeat: r.get(5),
                live: r.get(6),
            })
            .collect())
    }

    /// Leaves the cluster (a clean stop): the instance's row and declarations go, and the
    /// leases it holds are freed for the others at once rather than at their expiry. Safe
    /// to call from async code.
    pub fn leave(&self) -> Result<(), ClusterError> {
        crate::store::pg::off_runtime(|| self.leave_now())
    }

    fn leave_now(&self) -> Result<(), ClusterError> {
        let mut conn = self.conn()?;
        conn.execute(
            "UPDATE leases SET owner = NULL, lease_until = NULL WHERE owner = $1",
            &[&self.id],
        )
        .map_err(self.failed("free the leases"))?;
        conn.execute("DELETE FROM instances WHERE id = $1", &[&self.id])
            .map_err(self.failed("leave the cluster"))?;
        Ok(())
    }

    fn conn(&self) -> Result<PgConnection, ClusterError> {
        let pool = self
            .pool
            .as_ref()
            .ok_or(ClusterError::Task("the cluster was dropped".into()))?;
        Ok(pg::get(pool, &self.target)?)
    }

    /// Maps a query's error to one naming the database and what was being done.
    fn failed(&self, action: &'static str) -> impl Fn(postgres::Error) -> ClusterError + '_ {
        move |source| ClusterError::Query {
            url: self.target.redacted().to_string(),
            action,
            source,
        }
    }
}

/// The synchronous client's connections block when closed: the last pool reference must not
/// be dropped on a runtime thread (where the last `Arc<Cluster>` may well go).
impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            crate::store::pg::off_runtime(move || drop(pool));
        }
    }
}

/// This machine's name, for the operator reading `/healthz`.
fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}
