//! The fetcher's cluster-wide gate (`fetch::gate`), with an in-memory gate standing for the
//! cluster's (`cluster::HostSlots`, tested on PostgreSQL in `src/cluster/tests.rs`): two
//! fetchers (two instances) sharing one gate hit a host one request at a time and
//! `min_delay` apart; a `Retry-After` reaches the gate; robots.txt is taken from it and given
//! to it; an abandoned request frees its turn.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scrapefeed::config::Config;
use scrapefeed::fetch::gate::{GateError, GateFuture, HeldTurn, HostGate, HostTicket};
use scrapefeed::fetch::{FetchError, Fetcher, Request};
use support::faulty::Faulty;
use tokio_util::sync::CancellationToken;
use url::Url;

/// One host slot per origin in memory, with a record of every release's gap.
#[derive(Default)]
struct MemoryGate {
    state: Arc<Mutex<GateState>>,
}

#[derive(Default)]
struct GateState {
    held: HashMap<String, bool>,
    next_allowed: HashMap<String, Instant>,
    gaps: Vec<Duration>,
    robots: HashMap<String, String>,
    robots_stored: Vec<String>,
}

struct Held {
    state: Arc<Mutex<GateState>>,
    origin: String,
}

impl HeldTurn for Held {
    fn release(self: Box<Self>, gap: Duration) {
        let mut state = self.state.lock().unwrap();
        state.held.insert(self.origin.clone(), false);
        let at = Instant::now() + gap;
        let next = state.next_allowed.entry(self.origin.clone()).or_insert(at);
        *next = (*next).max(at);
        state.gaps.push(gap);
    }
}

impl HostGate for MemoryGate {
    fn acquire<'a>(
        &'a self,
        origin: &'a str,
        _hold: Duration,
        gap: Duration,
    ) -> GateFuture<'a, Result<HostTicket, GateError>> {
        Box::pin(async move {
            loop {
                {
                    let mut state = self.state.lock().unwrap();
                    let free = !state.held.get(origin).copied().unwrap_or(false);
                    let due = state
                        .next_allowed
                        .get(origin)
                        .is_none_or(|at| *at <= Instant::now());
                    if free && due {
                        state.held.insert(origin.to_string(), true);
                        let held = Held {
                            state: self.state.clone(),
                            origin: origin.to_string(),
                        };
                        return Ok(HostTicket::new(Box::new(held), gap));
                    }
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    }

    fn robots<'a>(
        &'a self,
        origin: &'a str,
        _max_age: Duration,
    ) -> GateFuture<'a, Option<(String, Duration)>> {
        let body = self.state.lock().unwrap().robots.get(origin).cloned();
        Box::pin(async move { body.map(|b| (b, Duration::from_secs(60))) })
    }

    fn store_robots<'a>(&'a self, origin: &'a str, body: String) -> GateFuture<'a, ()> {
        let mut state = self.state.lock().unwrap();
        state.robots_stored.push(origin.to_string());
        state.robots.insert(origin.to_string(), body);
        Box::pin(async {})
    }
}

fn config(origin: &Faulty, min_delay: &str) -> Config {
    let text = format!(
        r#"[[site]]
id = "faulty"
base_url = "{}"
timeout = "1s"
min_delay = "{min_delay}"
retries = 0
max_retry_wait = "5s"

[site.listing]
type = "html"
items = "ul.news li"

[site.listing.fields]
link = {{ css = "a", attr = "href" }}

[[site.section]]
id = "ok"
path = "/ok"
"#,
        origin.url("")
    );
    Config::parse(&text, Path::new(".")).unwrap()
}

async fn get(
    fetcher: &Fetcher,
    config: &Config,
    origin: &Faulty,
    path: &str,
    cancel: &CancellationToken,
) -> Result<String, FetchError> {
    let url = Url::parse(&origin.url(path)).unwrap();
    fetcher
        .fetch(Request::get(&config.sites[0], &url), cancel)
        .await
        .map(|p| p.text)
}

#[tokio::test]
async fn two_instances_sharing_a_gate_hit_a_host_one_at_a_time_and_min_delay_apart() {
    let origin = Faulty::start();
    let config = config(&origin, "150ms");
    let gate = Arc::new(MemoryGate::default());
    let instances: Vec<Fetcher> = (0..2)
        .map(|_| Fetcher::new().unwrap().with_gate(gate.clone()))
        .collect();
    let cancel = CancellationToken::new();
    let runs = instances.iter().enumerate().map(|(i, fetcher)| {
        let (config, origin, cancel) = (&config, &origin, &cancel);
        async move {
            for n in 0..3 {
                get(fetcher, config, origin, &format!("/ok/{i}-{n}"), cancel)
                    .await
                    .unwrap();
            }
        }
    });
    futures_util::future::join_all(runs).await;
    let mut hits: Vec<Instant> = origin.hits.lock().unwrap().iter().map(|h| h.at).collect();
    hits.sort();
    let robots = origin.hits_of("/robots.txt").len();
    // Both may read robots.txt when they start together, before either has shared it.
    assert!((1..=2).contains(&robots), "{robots} reads of robots.txt");
    assert_eq!(hits.len(), 6 + robots);
    for pair in hits.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(145),
            "two instances hit the host {:?} apart",
            pair[1] - pair[0]
        );
    }
    let state = gate.state.lock().unwrap();
    assert_eq!(
        state.gaps.len(),
        hits.len(),
        "every request took and gave back the cluster's turn"
    );
    assert_eq!(
        state.robots_stored.len(),
        robots,
        "each read of robots.txt is shared"
    );
}

#[tokio::test]
async fn a_retry_after_holds_the_cluster_back() {
    let origin = Faulty::start();
    let config = config(&origin, "0s");
    let gate = Arc::new(MemoryGate::default());
    let fetcher = Fetcher::new().unwrap().with_gate(gate.clone());
    let error = get(
        &fetcher,
        &config,
        &origin,
        "/retry-after/3",
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
    let gaps = gate.state.lock().unwrap().gaps.clone();
    assert_eq!(gaps.last(), Some(&Duration::from_secs(3)), "{gaps:?}");
}

#[tokio::test]
async fn robots_txt_comes_from_the_cluster_when_it_has_it() {
    let origin = Faulty::start();
    let config = config(&origin, "0s");
    let gate = Arc::new(MemoryGate::default());
    let key = format!("http://{}", origin.addr);
    gate.state
        .lock()
        .unwrap()
        .robots
        .insert(key, "User-agent: *\nDisallow: /ok/private\n".into());
    let fetcher = Fetcher::new().unwrap().with_gate(gate.clone());
    let error = get(
        &fetcher,
        &config,
        &origin,
        "/ok/private",
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, FetchError::Robots { .. }), "{error}");
    get(
        &fetcher,
        &config,
        &origin,
        "/ok/public",
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(
        origin.hits_of("/robots.txt").is_empty(),
        "the shared copy was used"
    );
    assert!(gate.state.lock().unwrap().robots_stored.is_empty());
}

#[tokio::test]
async fn an_unreadable_robots_txt_is_never_shared() {
    let origin = Faulty::start();
    origin
        .robots_down
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let config = config(&origin, "0s");
    let gate = Arc::new(MemoryGate::default());
    let fetcher = Fetcher::new().unwrap().with_gate(gate.clone());
    let error = get(
        &fetcher,
        &config,
        &origin,
        "/ok/a",
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(error.is_unreachable(), "{error}");
    assert!(gate.state.lock().unwrap().robots_stored.is_empty());
}

#[tokio::test]
async fn an_abandoned_request_frees_its_turn() {
    let origin = Faulty::start();
    let config = config(&origin, "0s");
    let gate = Arc::new(MemoryGate::default());
    let fetcher = Fetcher::new().unwrap().with_gate(gate.clone());
    // Robots first, so the hanging request is the one cancelled.
    get(
        &fetcher,
        &config,
        &origin,
        "/ok/a",
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        stop.cancel();
    });
    let error = get(&fetcher, &config, &origin, "/hang", &cancel)
        .await
        .unwrap_err();
    assert!(error.is_cancelled(), "{error}");
    let key = format!("http://{}", origin.addr);
    let deadline = Instant::now() + Duration::from_secs(2);
    while gate.state.lock().unwrap().held.get(&key) != Some(&false) {
        assert!(
            Instant::now() < deadline,
            "the cancelled request's turn is still held"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
