//! Runs every section on its own interval until shutdown.
//!
//! Each section has a loop: scrape at start-up, then again after its interval plus or minus
//! a random jitter, so sections configured alike do not fire together. A semaphore bounds
//! how many scrapes run at once; per-host politeness is the fetcher's job. On cancellation
//! the loops stop waiting at once, and a scrape in progress stops fetching, stores what it
//! has and returns: `run` resolves when every loop has finished.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::{Section, Site};

/// Runs until `cancel` fires and every in-flight scrape has finished.
pub async fn run(app: Arc<App>, cancel: CancellationToken) {
    let permits = Arc::new(Semaphore::new(app.config.scheduler.concurrency));
    let mut loops = JoinSet::new();
    for (site, section) in app.config.sections() {
        loops.spawn(section_loop(
            app.clone(),
            site.clone(),
            section.clone(),
            permits.clone(),
            cancel.clone(),
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
) {
    let mut delay = Duration::ZERO;
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
        let _ = app.run_section(&site, &section, &cancel).await;
        drop(permit);
        if cancel.is_cancelled() {
            return;
        }
        delay = jittered(
            section.interval,
            app.config.scheduler.jitter,
            &mut rand::rng(),
        );
    }
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

    #[test]
    fn jitter_stays_within_bounds() {
        let mut rng = rand::rng();
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
