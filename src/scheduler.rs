//! Runs every section on its own interval until shutdown.
//!
//! Each section has a loop: scrape at start-up, then again after its interval plus or minus
//! a random jitter, so sections configured alike do not fire together. A semaphore bounds
//! how many scrapes run at once; per-host politeness is the fetcher's job. On cancellation
//! the loops stop waiting at once, and a scrape in progress stops fetching, stores what it
//! has and returns: `run` resolves when every loop has finished.
//!
//! `Start::Resume` (after a config reload) keeps each section's rhythm instead: a section
//! scraped recently waits for the rest of its interval, so reloading the config does not
//! scrape every site again at once.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
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

/// Runs until `cancel` fires and every in-flight scrape has finished.
pub async fn run(app: Arc<App>, cancel: CancellationToken, start: Start) {
    let permits = Arc::new(Semaphore::new(app.config.scheduler.concurrency));
    let mut loops = JoinSet::new();
    for (site, section) in app.config.sections() {
        loops.spawn(section_loop(
            app.clone(),
            site.clone(),
            section.clone(),
            permits.clone(),
            cancel.clone(),
            start,
        ));
    }
    while let Some(result) = loops.join_next().await {
        if let Err(e) = result {
            tracing::error!(error = %e, "a section loop stopped unexpectedly");
        }
    }
}

async fn section_loop(
    app: Arc<App>,
    site: Arc<Site>,
    section: Section,
    permits: Arc<Semaphore>,
    cancel: CancellationToken,
    start: Start,
) {
    let mut delay = match (start, app.health(&section.id).last_attempt) {
        (Start::Resume, Some(last)) => {
            let due = last + chrono::Duration::from_std(section.interval).unwrap_or_default();
            (due - app.scraper.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
        }
        _ => Duration::ZERO,
    };
    let mut failures = 0u32;
    loop {
        let next = app.scraper.clock.now() + chrono::Duration::from_std(delay).unwrap_or_default();
        app.set_next_run(&section.id, next);
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        let permit = tokio::select! {
            _ = cancel.cancelled() => return,
            permit = permits.clone().acquire_owned() => permit,
        };
        // Errors are logged and recorded inside; the loop goes on regardless.
        let result = app.run_section(&site, &section, &cancel).await;
        drop(permit);
        if cancel.is_cancelled() {
            return;
        }
        failures = if result.is_ok() { 0 } else { failures + 1 };
        let base = backoff(
            section.interval,
            failures,
            result.as_ref().err().and_then(SectionFailure::retry_after),
        );
        delay = jittered(base, app.config.scheduler.jitter, &mut rand::rng());
    }
}

/// Longest wait between two tries of a failing section.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// The wait before the next scrape: the interval, doubled for each consecutive failure up to
/// `MAX_BACKOFF` (never below the interval), and at least what the server asked for.
pub fn backoff(interval: Duration, failures: u32, retry_after: Option<Duration>) -> Duration {
    let doubled = interval.saturating_mul(1u32 << failures.min(16));
    let capped = doubled.min(MAX_BACKOFF.max(interval));
    capped.max(retry_after.unwrap_or_default().min(MAX_BACKOFF))
}

/// `interval` spread by up to `jitter` (a fraction) either way.
pub fn jittered(interval: Duration, jitter: f64, rng: &mut impl Rng) -> Duration {
    if jitter <= 0.0 {
        return interval;
    }
    let factor = 1.0 + rng.random_range(-jitter..=jitter);
    interval.mul_f64(factor.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn failing_sections_back_off_and_recover() {
        let m15 = Duration::from_secs(900);
        assert_eq!(backoff(m15, 0, None), m15);
        assert_eq!(backoff(m15, 1, None), m15 * 2);
        assert_eq!(backoff(m15, 3, None), m15 * 8);
        assert_eq!(backoff(m15, 30, None), MAX_BACKOFF, "capped");
        assert_eq!(
            backoff(Duration::from_secs(86_400), 2, None),
            Duration::from_secs(86_400),
            "never below the interval"
        );
        assert_eq!(
            backoff(m15, 0, Some(Duration::from_secs(3600))),
            Duration::from_secs(3600),
            "Retry-After honoured"
        );
        assert_eq!(
            backoff(m15, 0, Some(Duration::from_secs(10 * 86_400))),
            MAX_BACKOFF
        );
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let mut rng = StdRng::seed_from_u64(7);
        let base = Duration::from_secs(900);
        let samples: Vec<_> = (0..1000).map(|_| jittered(base, 0.1, &mut rng)).collect();
        assert!(samples
            .iter()
            .all(|d| *d >= Duration::from_secs(810) && *d <= Duration::from_secs(990)));
        // Not all equal: the spread is real.
        assert!(samples.iter().any(|d| *d != samples[0]));
        assert_eq!(jittered(base, 0.0, &mut rng), base);
    }
}
