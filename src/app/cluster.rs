//! The app as one instance of a cluster (several instances on one PostgreSQL): what it
//! learns from the others and shows in `/healthz`.
//!
//! The scheduler's claiming loop (`scheduler::claiming`) refreshes this every heartbeat:
//! the instances on record, each section's lease (owner and next due time), and each
//! section's runs from the shared runs table, so the health an instance shows covers the
//! sections the others scraped too. A local run newer than the shared record keeps its own
//! details (the failing URL, an unreachable site).

use std::sync::Arc;

use crate::cluster::{Cluster, InstanceState, LeaseState};
use crate::store::RunSummary;

use super::{App, SectionHealth, SectionState};

impl App {
    /// The cluster this instance belongs to; `None` alone (SQLite).
    pub fn cluster(&self) -> Option<&Arc<Cluster>> {
        self.cluster.as_ref()
    }

    /// The instances on record at the last heartbeat, for `/healthz`; `None` alone.
    pub fn cluster_instances(&self) -> Option<Vec<InstanceState>> {
        self.cluster.as_ref()?;
        Some(
            self.instances
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        )
    }

    /// Wakes the claiming loop early (a "Scrape now" request).
    pub fn wake_claiming(&self) {
        self.claiming_wake.notify_one();
    }

    /// Until `wake_claiming` is called (or was, since the last wait).
    pub async fn claiming_woken(&self) {
        self.claiming_wake.notified().await;
    }

    /// Takes what the cluster says: the instances, and every declared section's lease.
    pub fn absorb_cluster_view(&self, instances: Vec<InstanceState>, leases: Vec<LeaseState>) {
        *self.instances.write().unwrap_or_else(|e| e.into_inner()) = instances;
        let mut health = self.health.write().unwrap_or_else(|e| e.into_inner());
        for lease in leases {
            if self.triggers.contains_key(&lease.section) {
                let h = health.entry(lease.section).or_default();
                h.owner = lease.owner;
                h.next_run = Some(lease.next_due);
            }
        }
    }

    /// Takes each section's runs as the store records them, where they are newer than what
    /// this instance saw itself (at open: all of them).
    pub fn absorb_run_summaries(&self, summaries: Vec<RunSummary>) {
        let mut health = self.health.write().unwrap_or_else(|e| e.into_inner());
        for summary in summaries {
            let h = health.entry(summary.last.feed.clone()).or_default();
            if h.last_attempt
                .is_some_and(|seen| seen >= summary.last.started)
            {
                continue;
            }
            *h = SectionHealth {
                state: if summary.consecutive_failures > 0 {
                    SectionState::Failing
                } else {
                    SectionState::Ok
                },
                last_attempt: Some(summary.last.started),
                last_success: summary.last_success,
                last_success_duration_ms: summary.last_success_duration_ms,
                consecutive_failures: summary.consecutive_failures,
                last_error: summary.last.error,
                last_http_status: summary.last.http_status,
                last_error_url: None,
                next_run: h.next_run,
                owner: h.owner.take(),
                loop_restarts: h.loop_restarts,
                last_loop_failure: h.last_loop_failure.take(),
            };
        }
    }
}
