//! The schedule of an instance in a cluster: instead of one loop per section, one loop that
//! claims due sections from the shared leases (`cluster`), as many as it has free permits
//! (`scheduler.concurrency`, per instance), and runs each with `App::run_section`, exactly
//! as a section loop would.
//!
//! While a section runs its lease is renewed every third of the lease expiry; a renewal
//! that finds the lease taken (this instance was silent past the expiry and another took
//! the section over) stops the scrape, which keeps what it has, like a cancelled one. A
//! finished run hands the section back due after `next_delay` (interval and jitter, or the
//! backoff from the failures every instance shares, or `Retry-After`). A run stopped by
//! shutdown hands its section back due at once, so another instance takes it now rather
//! than at the lease's expiry.
//!
//! The loop asks for due work every `POLL` (one query), and at once when a run ends or a
//! "Scrape now" arrives (the request makes the section due now for the whole cluster:
//! whichever instance claims it first scrapes it). Beside it, `upkeep` beats the heartbeat
//! and refreshes what `/healthz` shows of the cluster. Every wait ends on cancellation;
//! the shared database being unreachable is logged and retried, never fatal.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{next_delay, Outcome};
use crate::app::App;
use crate::cluster::{Claim, Cluster};
use crate::config::{Section, Site};

/// How often the loop asks for due sections when nothing wakes it sooner.
pub const POLL: Duration = Duration::from_secs(1);
/// How often `/healthz`'s view of the cluster is refreshed (and the heartbeat beaten, if
/// the lease expiry asks for it more often).
pub const VIEW_EVERY: Duration = Duration::from_secs(2);
/// The wait before trying the shared database again after an error.
const RETRY: Duration = Duration::from_secs(5);

/// Runs this instance's share of the cluster's sections until `cancel` fires and every
/// scrape it started has finished and been handed back.
pub async fn run(app: Arc<App>, cluster: Arc<Cluster>, cancel: CancellationToken) {
    run_polling(app, cluster, cancel, POLL).await
}

/// `run`, asking for due work every `poll` (tests use a short one).
pub async fn run_polling(
    app: Arc<App>,
    cluster: Arc<Cluster>,
    cancel: CancellationToken,
    poll: Duration,
) {
    let sections: HashMap<String, (Arc<Site>, Section)> = app
        .config
        .sections()
        .map(|(site, section)| (section.id.clone(), (site.clone(), section.clone())))
        .collect();
    let ids: Vec<String> = sections.keys().cloned().collect();
    if !retrying(&cancel, "declare this instance's sections", || {
        let ids = ids.clone();
        cluster.blocking(move |c| c.declare(&ids))
    })
    .await
    {
        return;
    }
    let upkeep = tokio::spawn(upkeep(app.clone(), cluster.clone(), cancel.clone()));
    let permits = Arc::new(Semaphore::new(app.config.scheduler.concurrency));
    let mut running = JoinSet::new();
    while !cancel.is_cancelled() {
        let asked: Vec<String> = ids
            .iter()
            .filter(|id| app.trigger(id).is_some_and(|t| t.take_request()))
            .cloned()
            .collect();
        if !asked.is_empty() {
            let made_due = cluster
                .blocking(move |c| asked.iter().try_for_each(|s| c.due_now(s).map(drop)))
                .await;
            if let Err(error) = made_due {
                tracing::error!(%error, "cannot make the sections asked for due now");
            }
        }
        let free = permits.available_permits();
        let mut wait = poll;
        let claims = match cluster.blocking(move |c| c.claim(free)).await {
            Ok(claims) => claims,
            Err(error) => {
                // The database is down or unreachable: asked again less often meanwhile.
                tracing::error!(%error, retry_in_s = RETRY.as_secs(), "cannot claim due sections");
                wait = RETRY;
                Vec::new()
            }
        };
        for claim in claims {
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                break;
            };
            match sections.get(&claim.section) {
                Some((site, section)) => {
                    running.spawn(run_claimed(
                        app.clone(),
                        cluster.clone(),
                        (site.clone(), section.clone()),
                        claim,
                        cancel.clone(),
                        permit,
                    ));
                }
                // Declared when the claim was made, gone from the config since: no scrape.
                None => {
                    let section = claim.section;
                    let _ = cluster
                        .blocking(move |c| c.release(&section, Duration::ZERO, claim.failures))
                        .await;
                }
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => {}
            _ = app.claiming_woken() => {}
            _ = tokio::time::sleep(wait) => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
        }
    }
    while running.join_next().await.is_some() {}
    let _ = upkeep.await;
}

/// Runs one claimed section, renewing its lease meanwhile, and hands it back.
async fn run_claimed(
    app: Arc<App>,
    cluster: Arc<Cluster>,
    (site, section): (Arc<Site>, Section),
    claim: Claim,
    cancel: CancellationToken,
    permit: OwnedSemaphorePermit,
) {
    let clock = &app.scraper.clock;
    let running = app.trigger(&section.id).map(|t| t.begin(clock.now()));
    let scrape_cancel = cancel.child_token();
    let scrape = app.run_section(&site, &section, &scrape_cancel);
    tokio::pin!(scrape);
    let (result, lost) = tokio::select! {
        result = &mut scrape => (result, false),
        () = renew_until_lost(&cluster, &section.id, &scrape_cancel) => {
            tracing::warn!(section = %section.id, instance = %cluster.id(),
                "lost the section's lease (silent past its expiry): stopping its scrape");
            // The scrape stops at once and keeps what it has.
            scrape_cancel.cancel();
            (scrape.await, true)
        }
    };
    if lost {
        // The lease, and the section's schedule, are its new owner's now.
        return;
    }
    drop(running);
    let stopped = cancel.is_cancelled() && result.is_err();
    let (delay, failures) = if stopped {
        // Interrupted by shutdown: due again now, for whichever instance is still up.
        (Duration::ZERO, claim.failures)
    } else {
        let failures = match &result {
            Ok(_) => 0,
            Err(_) => claim.failures.saturating_add(1),
        };
        let outcome = Outcome::of(result.as_ref().err());
        let delay = next_delay(
            section.interval,
            failures,
            outcome,
            app.config.scheduler.jitter,
            &mut rand::rng(),
        );
        (delay, failures)
    };
    app.set_next_run(&section.id, super::after(clock.now(), delay));
    let id = section.id.clone();
    match cluster
        .blocking(move |c| c.release(&id, delay, failures))
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(section = %section.id, "the section's lease was taken over before its run ended")
        }
        Err(error) => {
            tracing::error!(section = %section.id, %error, "cannot hand the section back; its lease expires by itself")
        }
    }
    drop(permit);
}

/// Renews the lease every third of its expiry; returns when it is lost (not on errors:
/// the lease may still be ours when the database answers again). Ends with `cancel`.
async fn renew_until_lost(cluster: &Arc<Cluster>, section: &str, cancel: &CancellationToken) {
    let every = (cluster.lease_expiry() / 3).max(Duration::from_millis(50));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return std::future::pending().await,
            _ = tokio::time::sleep(every) => {}
        }
        let id = section.to_string();
        match cluster.blocking(move |c| c.renew(&id)).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => tracing::warn!(%section, %error, "cannot renew the section's lease"),
        }
    }
}

/// Beats the heartbeat and refreshes the cluster's view in `/healthz`, every beat or every
/// `VIEW_EVERY` if sooner, until cancelled.
async fn upkeep(app: Arc<App>, cluster: Arc<Cluster>, cancel: CancellationToken) {
    loop {
        let view = cluster
            .blocking(|c| {
                c.heartbeat()?;
                Ok((c.instances()?, c.leases()?))
            })
            .await;
        match view {
            Ok((instances, leases)) => app.absorb_cluster_view(instances, leases),
            Err(error) => tracing::error!(%error, "cannot beat the cluster's heartbeat"),
        }
        match app.store.run(|store| store.run_summaries()).await {
            Ok(summaries) => app.absorb_run_summaries(summaries),
            Err(error) => {
                tracing::warn!(error = %crate::errors::chain(&error), "cannot read the shared runs")
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(cluster.beat_every().min(VIEW_EVERY)) => {}
        }
    }
}

/// Runs `attempt` until it succeeds (`true`) or `cancel` fires (`false`), logging failures.
async fn retrying<F, Fut>(cancel: &CancellationToken, what: &str, mut attempt: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), crate::cluster::ClusterError>>,
{
    loop {
        match attempt().await {
            Ok(()) => return true,
            Err(error) => tracing::error!(%error, "cannot {what}; trying again"),
        }
        tokio::select! {
            _ = cancel.cancelled() => return false,
            _ = tokio::time::sleep(RETRY) => {}
        }
    }
}

#[cfg(test)]
mod tests;
