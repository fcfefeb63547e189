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

/// Runs until `cancel` fires and every in-flight scrape has finished.
pub async fn run(app: Arc<App>, cancel: CancellationToken, start: Start) {
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
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn failing_sections_back_off_and_recover() {
        let m15 = Duration::from_secs(900);
        assert_eq!(backoff(m15, 0, None), m15);
        assert_eq!(
            backoff(m15, 1, None),
            FIRST_RETRY,
            "the first retry within a minute"
        );
        assert_eq!(
            backoff(Duration::from_secs(20), 1, None),
            Duration::from_secs(20),
            "never later than the interval"
        );
        assert_eq!(backoff(m15, 2, None), m15 * 2);
        assert_eq!(backoff(m15, 3, None), m15 * 4);
        assert_eq!(backoff(m15, 4, None), m15 * 8);
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
            backoff(m15, 1, Some(Duration::from_secs(3600))),
            Duration::from_secs(3600),
            "a longer Retry-After wins over the first retry"
        );
        assert_eq!(
            backoff(m15, 0, Some(Duration::from_secs(10 * 86_400))),
            MAX_BACKOFF
        );
    }

    #[test]
    fn an_unreachable_site_is_retried_soon_doubling_up_to_the_interval() {
        let m15 = Duration::from_secs(900);
        let waits: Vec<u64> = (1..=8)
            .map(|n| unreachable_backoff(m15, n, None).as_secs())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 900, 900, 900]);
        assert_eq!(
            unreachable_backoff(Duration::from_secs(10), 1, None),
            Duration::from_secs(10),
            "an interval shorter than the first step caps it"
        );
        assert_eq!(unreachable_backoff(m15, u32::MAX, None), m15);
        assert_eq!(
            unreachable_backoff(m15, 1, Some(Duration::from_secs(120))),
            Duration::from_secs(120),
            "a 503's Retry-After on robots.txt wins when longer"
        );
    }

    #[test]
    fn jitter_never_lengthens_a_retry_nor_undercuts_retry_after() {
        let mut rng = StdRng::seed_from_u64(3);
        let m15 = Duration::from_secs(900);
        for _ in 0..500 {
            let first = next_delay(m15, 1, Outcome::Failed { retry_after: None }, 0.5, &mut rng);
            assert!(
                first <= FIRST_RETRY && first >= FIRST_RETRY / 2,
                "{first:?}"
            );
            let down = next_delay(
                m15,
                2,
                Outcome::Unreachable { retry_after: None },
                0.5,
                &mut rng,
            );
            assert!(down <= Duration::from_secs(60), "{down:?}");
            let asked = Duration::from_secs(300);
            let busy = next_delay(
                m15,
                1,
                Outcome::Failed {
                    retry_after: Some(asked),
                },
                0.5,
                &mut rng,
            );
            assert_eq!(busy, asked, "the server's wait, not less");
            let scraped = next_delay(m15, 0, Outcome::Scraped, 0.1, &mut rng);
            assert!(scraped >= m15.mul_f64(0.9) && scraped <= m15.mul_f64(1.1));
        }
    }

    #[test]
    fn time_arithmetic_saturates_at_the_edges() {
        let (min, max) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let year = Duration::from_secs(31_557_600);
        assert_eq!(after(now, Duration::from_secs(60)).timestamp(), 60);
        for delay in [Duration::MAX, year * 300_000, year * 1_000_000_000] {
            assert_eq!(after(now, delay), max, "{delay:?}");
            assert_eq!(after(max, delay), max);
        }
        assert_eq!(after(max, Duration::from_secs(1)), max);
        assert_eq!(after(min, Duration::ZERO), min);

        let m15 = Duration::from_secs(900);
        assert_eq!(resume_delay(now, m15, now), m15);
        assert_eq!(resume_delay(min, m15, now), Duration::ZERO, "long overdue");
        assert_eq!(
            resume_delay(max, m15, now),
            m15,
            "last + interval past the range"
        );
        assert_eq!(resume_delay(max, Duration::MAX, min), Duration::MAX);
        assert_eq!(
            resume_delay(now, year * 300_000, now),
            year * 300_000,
            "never longer than the interval"
        );

        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..100 {
            assert!(jittered(Duration::MAX, 0.5, &mut rng) >= Duration::MAX / 2);
        }
        assert_eq!(
            backoff(Duration::MAX, u32::MAX, Some(Duration::MAX)),
            Duration::MAX
        );
    }

    /// A clock that panics once, the first time it is read after being armed: a stand-in
    /// for any bug that kills a section's loop.
    struct TrapClock(std::sync::atomic::AtomicBool);

    impl crate::clock::Clock for TrapClock {
        fn now(&self) -> DateTime<Utc> {
            if self.0.swap(false, std::sync::atomic::Ordering::SeqCst) {
                panic!("clock exploded");
            }
            Utc::now()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_loop_that_dies_is_restarted_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::config::Config::parse(
            r#"[[site]]
id = "example"
base_url = "http://127.0.0.1:9/"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
interval = "10s"
"#,
            dir.path(),
        )
        .unwrap();
        let clock = Arc::new(TrapClock(false.into()));
        let url = url::Url::parse("http://127.0.0.1:8080/").unwrap();
        let app = App::open(config, clock.clone(), url, Default::default()).unwrap();
        clock.0.store(true, std::sync::atomic::Ordering::SeqCst);
        let cancel = CancellationToken::new();
        let scheduler = tokio::spawn(run(app.clone(), cancel.clone(), Start::Now));
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let health = loop {
            let health = app.health("news");
            if health.loop_restarts > 0 && health.next_run.is_some() {
                break health;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "not restarted: {health:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        assert_eq!(health.loop_restarts, 1);
        assert_eq!(
            health.last_loop_failure.as_deref(),
            Some("panicked: clock exploded")
        );
        assert_eq!(health.consecutive_failures, 1, "counted as a failed run");
        assert!(health.last_error.unwrap().contains("clock exploded"));
        // The restarted loop waits for the failing section's backoff before scraping: its
        // first failure, so a minute at most (the interval here, 10 s).
        let wait = (health.next_run.unwrap() - Utc::now()).num_seconds();
        assert!((5..=10).contains(&wait), "{wait}");
        let shown = serde_json::to_value(app.health("news")).unwrap();
        assert_eq!(shown["loop_restarts"], 1);
        assert_eq!(shown["last_loop_failure"], "panicked: clock exploded");
        // Shutdown still ends every loop, the restarted one included.
        cancel.cancel();
        tokio::time::timeout(Duration::from_secs(10), scheduler)
            .await
            .expect("the scheduler stops")
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn scrape_now_wakes_the_loop_long_before_its_interval() {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::config::Config::parse(
            r#"[[site]]
id = "example"
base_url = "http://127.0.0.1:9/"
interval = "1h"
retries = 0

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
            dir.path(),
        )
        .unwrap();
        let url = url::Url::parse("http://127.0.0.1:8080/").unwrap();
        let app = App::open(
            config,
            Arc::new(crate::clock::SystemClock),
            url,
            Default::default(),
        )
        .unwrap();
        let mut runs = app.trigger("news").unwrap().runs();
        let cancel = CancellationToken::new();
        let scheduler = tokio::spawn(run(app.clone(), cancel.clone(), Start::Now));
        let ran = |n: u64| {
            let mut runs = runs.clone();
            async move {
                tokio::time::timeout(Duration::from_secs(20), runs.wait_for(|r| *r >= n))
                    .await
                    .is_ok()
            }
        };
        assert!(ran(1).await, "the start-up scrape");
        // The next scheduled run is hours away (an hour, doubled for the failure).
        assert_eq!(app.scrape_now("news"), Some(crate::app::ScrapeNow::Started));
        assert!(
            matches!(
                app.scrape_now("news"),
                Some(crate::app::ScrapeNow::Joined { .. })
            ),
            "a second request joins the first"
        );
        assert!(ran(2).await, "woken by the request, not the timer");
        assert_eq!(
            *runs.borrow_and_update(),
            2,
            "the two requests made one scrape"
        );
        assert_eq!(app.scrape_now("nope"), None);
        cancel.cancel();
        tokio::time::timeout(Duration::from_secs(10), scheduler)
            .await
            .expect("the scheduler stops")
            .unwrap();
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
