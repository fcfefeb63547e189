//! Runs every section on its own interval until shutdown.
//!
//! Each section has a loop: scrape at start-up, then again after its interval plus or minus
//! a random jitter, so sections configured alike do not fire together. A semaphore bounds
//! how many scrapes run at once; per-host politeness is the fetcher's job. On cancellation
//! the loops stop waiting at once, and a scrape in progress stops fetching, stores what it
//! has and returns: `run` resolves when every loop has finished.
//!
//! A failed run is tried again sooner than a success would be (`next_delay`): within a
//! minute after a first failure, then after two intervals, four, … up to six hours
//! (`backoff`). A site whose robots.txt cannot be read — down, or not reachable yet while
//! the machine boots — is retried after 30 s, doubling up to the interval and never beyond
//! (`unreachable_backoff`). A server's `Retry-After` wins when longer.
//!
//! `Start::Resume` (after a config reload) keeps each section's rhythm instead: a section
//! scraped recently waits for the rest of its interval, so reloading the config does not
//! scrape every site again at once.
//!
//! A loop never dies silently: `run` supervises them, and a loop that ends before shutdown
//! (a panic anywhere in a scrape, or a return) is logged, counted in the section's health
//! (`loop_restarts`, `last_loop_failure`, and as a failed run) and started again after the
//! failing section's backoff. "Scrape now" wakes a section's loop early through its
//! `app::Trigger`; a request while the section is queued or scraping joins that run. Time
//! arithmetic here saturates rather than overflows: an interval or a clock at the edge of
//! chrono's range gives a far-off next run, never a panic.
//!
//! With several instances on one PostgreSQL, `claiming` runs instead: the same scrapes and
//! the same waits (`next_delay`), scheduled by the cluster's shared leases.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;
use tokio::sync::Semaphore;
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::app::{App, SectionFailure};
use crate::config::{Section, Site};

/// When sections first run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Every section at once (start-up).
    Now,
    /// Each section one interval after its last attempt (a reload).
    Resume,
}

/// When one loop's first scrape is due.
#[derive(Debug, Clone, Copy)]
enum Begin {
    Now,
    Resume,
    /// A restarted loop: after this wait.
    After(Duration),
}

pub mod claiming;

/// Runs until `cancel` fires and every in-flight scrape has finished. In a cluster the
/// shared leases schedule the sections instead (`claiming`; they keep each section's
/// rhythm across restarts and reloads, so `start` has nothing to add).
pub async fn run(app: Arc<App>, cancel: CancellationToken, start: Start) {
    if let Some(cluster) = app.cluster().cloned() {
        return claiming::run(app, cluster, cancel).await;
    }
    let permits = Arc::new(Semaphore::new(app.config.scheduler.concurrency));
    let sections: Vec<(Arc<Site>, Section)> = app
        .config
        .sections()
        .map(|(site, section)| (site.clone(), section.clone()))
        .collect();
    let begin = match start {
        Start::Now => Begin::Now,
        Start::Resume => Begin::Resume,
    };
    let mut loops = JoinSet::new();
    let mut running = HashMap::new();
    let spawn = |loops: &mut JoinSet<()>, index: usize, begin: Begin| {
        let (site, section) = &sections[index];
        let handle = loops.spawn(section_loop(
            app.clone(),
            site.clone(),
            section.clone(),
            permits.clone(),
            cancel.clone(),
            begin,
        ));
        (handle.id(), index)
    };
    for index in 0..sections.len() {
        let (id, index) = spawn(&mut loops, index, begin);
        running.insert(id, index);
    }
    while let Some(joined) = loops.join_next_with_id().await {
        let (id, reason) = match joined {
            Ok((id, ())) => (id, "returned".to_string()),
            Err(error) => (error.id(), panic_reason(error)),
        };
        let Some(index) = running.remove(&id) else {
            continue;
        };
        let (site, section) = &sections[index];
        if cancel.is_cancelled() {
            if reason != "returned" {
                tracing::error!(site = %site.id, section = %section.id, %reason, "a section loop stopped during shutdown");
            }
            continue;
        }
        let failures = app.loop_stopped(&section.id, &reason);
        let wait = backoff(section.interval, failures, None);
        tracing::error!(site = %site.id, section = %section.id, %reason, restart_in_s = wait.as_secs(),
            "a section loop stopped unexpectedly; restarting it");
        let (id, index) = spawn(&mut loops, index, Begin::After(wait));
        running.insert(id, index);
    }
}

/// What ended a loop task, in a few words for the log and the health page.
fn panic_reason(error: JoinError) -> String {
    match error.try_into_panic() {
        Ok(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            format!("panicked: {message}")
        }
        Err(error) => error.to_string(),
    }
}

async fn section_loop(
    app: Arc<App>,
    site: Arc<Site>,
    section: Section,
    permits: Arc<Semaphore>,
    cancel: CancellationToken,
    begin: Begin,
) {
    let clock = &app.scraper.clock;
    let mut delay = match (begin, app.health(&section.id).last_attempt) {
        (Begin::Resume, Some(last)) => resume_delay(last, section.interval, clock.now()),
        (Begin::After(wait), _) => wait,
        _ => Duration::ZERO,
    };
    // A restarted loop goes on backing off from the failures so far, its death included.
    let mut failures = match begin {
        Begin::After(_) => app.health(&section.id).consecutive_failures,
        _ => 0,
    };
    loop {
        app.set_next_run(&section.id, after(clock.now(), delay));
        // "Scrape now" (`app::Trigger`) ends the wait early; the run then queues for a
        // permit like any other.
        let deadline = tokio::time::Instant::now()
            .checked_add(delay)
            .unwrap_or_else(far_future);
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = wait_for_turn(&app, &section.id, deadline) => {}
        }
        let running = app.trigger(&section.id).map(|t| t.begin(clock.now()));
        let permit = tokio::select! {
            _ = cancel.cancelled() => return,
            permit = permits.clone().acquire_owned() => permit,
        };
        // Errors are logged and recorded inside; the loop goes on regardless.
        let result = app.run_section(&site, &section, &cancel).await;
        drop(permit);
        drop(running);
        if cancel.is_cancelled() {
            return;
        }
        failures = if result.is_ok() {
            0
        } else {
            failures.saturating_add(1)
        };
        delay = next_delay(
            section.interval,
            failures,
            Outcome::of(result.as_ref().err()),
            app.config.scheduler.jitter,
            &mut rand::rng(),
        );
    }
}

/// Until `deadline`, or until someone asks for a scrape of the section now.
async fn wait_for_turn(app: &App, section: &str, deadline: tokio::time::Instant) {
    match app.trigger(section) {
        Some(trigger) => trigger.wait(deadline).await,
        None => tokio::time::sleep_until(deadline).await,
    }
}

/// A deadline no loop reaches (about 30 years), for a delay past what `Instant` can hold.
fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

/// `now + delay`, or the latest instant chrono can hold when that is further.
pub fn after(now: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(delay)
        .ok()
        .and_then(|delay| now.checked_add_signed(delay))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// What is left of `interval` since `last`: zero when it has passed, the whole interval
/// when `last + interval` is beyond chrono's range (it cannot be due yet).
pub fn resume_delay(last: DateTime<Utc>, interval: Duration, now: DateTime<Utc>) -> Duration {
    let due = TimeDelta::from_std(interval)
        .ok()
        .and_then(|interval| last.checked_add_signed(interval));
    match due {
        // Two instants in range are always less than a TimeDelta apart.
        Some(due) => (due - now).to_std().unwrap_or(Duration::ZERO).min(interval),
        None => interval,
    }
}

/// Longest wait between two tries of a failing section.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// The wait after a section's first failure (at most; less when its interval is shorter):
/// most failures pass (a site restarting, a network not up yet at boot), and waiting a
/// whole interval, or two, for them would leave a feed stale for no reason.
pub const FIRST_RETRY: Duration = Duration::from_secs(60);
/// The first wait while a site is unreachable (its robots.txt could not be read); it
/// doubles on each further try, up to the section's interval, never beyond: an outage
/// pauses a site, it does not ban it.
pub const UNREACHABLE_RETRY: Duration = Duration::from_secs(30);

/// How the last run ended, as far as the wait before the next one is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Scraped,
    /// The site's robots.txt could not be read (`SectionFailure::site_unreachable`).
    Unreachable {
        retry_after: Option<Duration>,
    },
    /// Any other failure.
    Failed {
        retry_after: Option<Duration>,
    },
}

impl Outcome {
    /// The outcome of a run that failed with `failure`, or succeeded (`None`).
    pub fn of(failure: Option<&SectionFailure>) -> Outcome {
        match failure {
            None => Outcome::Scraped,
            Some(f) if f.site_unreachable() => Outcome::Unreachable {
                retry_after: f.retry_after(),
            },
            Some(f) => Outcome::Failed {
                retry_after: f.retry_after(),
            },
        }
    }
}

/// The wait before the next scrape of a section whose last run ended with `outcome`, after
/// `failures` failed runs in a row (that one included). A success waits the interval,
/// spread by `jitter` either way. A failure waits its backoff (`backoff`,
/// `unreachable_backoff`), which the jitter only ever shortens — the first retry stays
/// within its minute — and never less than the server's `Retry-After`. However short, the
/// wait never makes a request sooner than the host's politeness allows: the fetcher holds
/// every request to a host (`min_delay`, `Crawl-delay`, `Retry-After`) whatever its section.
pub fn next_delay(
    interval: Duration,
    failures: u32,
    outcome: Outcome,
    jitter: f64,
    rng: &mut impl Rng,
) -> Duration {
    let (base, retry_after) = match outcome {
        Outcome::Scraped => return jittered(interval, jitter, rng),
        Outcome::Unreachable { retry_after } => (
            unreachable_backoff(interval, failures, retry_after),
            retry_after,
        ),
        Outcome::Failed { retry_after } => (backoff(interval, failures, retry_after), retry_after),
    };
    let asked = retry_after.unwrap_or_default().min(MAX_BACKOFF);
    jittered(base, jitter, rng).min(base).max(asked)
}

/// The wait before the next scrape of a failing section: within `FIRST_RETRY` after its
/// first failure, then twice its interval, four times, … up to `MAX_BACKOFF` (never below
/// the interval), and at least what the server asked for. No failure: the interval.
pub fn backoff(interval: Duration, failures: u32, retry_after: Option<Duration>) -> Duration {
    let wait = match failures {
        0 => interval,
        1 => FIRST_RETRY.min(interval),
        n => interval
            .saturating_mul(1u32 << (n - 1).min(16))
            .min(MAX_BACKOFF.max(interval)),
    };
    wait.max(retry_after.unwrap_or_default().min(MAX_BACKOFF))
}

/// The wait before reading an unreachable site's robots.txt again: `UNREACHABLE_RETRY`,
/// doubled on each further failure, up to the interval; at least what the server asked for.
pub fn unreachable_backoff(
    interval: Duration,
    failures: u32,
    retry_after: Option<Duration>,
) -> Duration {
    let doubled = UNREACHABLE_RETRY.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    doubled
        .min(interval)
        .max(retry_after.unwrap_or_default().min(MAX_BACKOFF))
}

/// `interval` spread by up to `jitter` (a fraction) either way.
pub fn jittered(interval: Duration, jitter: f64, rng: &mut impl Rng) -> Duration {
    if jitter <= 0.0 {
        return interval;
    }
    let factor = 1.0 + rng.random_range(-jitter..=jitter);
    // `Duration::mul_f64` panics past `Duration::MAX`.
    Duration::try_from_secs_f64(interval.as_secs_f64() * factor.max(0.0)).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests;
