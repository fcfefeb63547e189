//! The scheduler: backoff, jitter, time at the edges, restarted loops, scrape-now wake-ups.

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
