//! HTTP fetching with politeness, robots.txt, retries, limits and charset decoding.
//!
//! One `Fetcher` is shared by every scrape. Requests to one origin go one at a time and at
//! least the site's `min_delay` (or the robots.txt `Crawl-delay`, if longer) apart, whatever
//! the number of sections scraped in parallel. The origin's slot is held for one attempt,
//! from its politeness wait to its answer, and handed on in arrival order, so sections of one
//! host take turns and a request that hangs delays the others by one timeout, not by all its
//! retries. A `429`/`503` with `Retry-After` pushes the origin's next slot back for everyone.
//! Nothing about one origin makes another wait (`origin`). Transient failures are retried
//! with backoff (`retry`); robots.txt is read once per origin and obeyed unless the site opts
//! out (`robots`); one that cannot be read makes the site unreachable for now
//! ([`FetchError::Unreachable`]), never banned. Bodies are read in chunks up to a limit
//! (after decompression, so a gzip bomb stops at the limit too), redirects are capped and
//! loops detected, and text is decoded from the declared or detected charset (`decode`).
//!
//! Every wait — for the slot, for robots.txt, the politeness gap, backoff, `Retry-After`, the
//! request itself — ends as soon as the caller's `CancellationToken` fires, with
//! [`FetchError::Cancelled`]; whatever is abandoned leaves the origin's state consistent.

mod decode;
pub mod gate;
mod head;
mod origin;
pub mod retry;
pub mod robots;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use reqwest::Method;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::config::Site;
use crate::model::Validators;
pub use decode::decode;
pub use gate::{HostGate, HostTicket};
use origin::{origin_key, Origin, Origins};
pub use retry::RetryPolicy;

/// The User-Agent sent when a site declares none: honest about who is asking.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "scrapefeed/",
    env!("CARGO_PKG_VERSION"),
    " (self-hosted website-to-feed server; +https://github.com/scrapefeed/scrapefeed)"
);
/// Largest body read, after decompression.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 10;

/// A request as the pipeline describes it.
#[derive(Debug)]
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a Url,
    /// Site-wide headers, then request-specific ones (which win).
    pub headers: [&'a HeaderMap; 2],
    pub body: Option<String>,
    pub timeout: Duration,
    /// Minimum gap between two requests to the same host.
    pub min_delay: Duration,
    pub retry: RetryPolicy,
    /// Whether robots.txt is consulted.
    pub robots: bool,
    /// Validators of the last answer: sent as `If-None-Match` / `If-Modified-Since`.
    pub validators: Option<&'a Validators>,
}

/// An empty header map for requests without their own headers.
static NO_HEADERS: std::sync::LazyLock<HeaderMap> = std::sync::LazyLock::new(HeaderMap::new);

impl<'a> Request<'a> {
    /// A request to one of `site`'s pages with the site's headers, timeouts and rules.
    pub fn new(site: &'a Site, method: Method, url: &'a Url) -> Request<'a> {
        Request {
            method,
            url,
            headers: [&site.headers, &NO_HEADERS],
            body: None,
            timeout: site.timeout,
            min_delay: site.min_delay,
            retry: RetryPolicy::from(&site.retry),
            robots: site.obey_robots,
            validators: None,
        }
    }

    /// A `GET` of one of `site`'s pages.
    pub fn get(site: &'a Site, url: &'a Url) -> Request<'a> {
        Request::new(site, Method::GET, url)
    }

    pub fn with_headers(mut self, headers: &'a HeaderMap) -> Request<'a> {
        self.headers[1] = headers;
        self
    }

    pub fn with_body(mut self, body: Option<String>) -> Request<'a> {
        self.body = body;
        self
    }

    /// Makes the request conditional on the resource having changed since `validators`.
    pub fn if_changed(mut self, validators: Option<&'a Validators>) -> Request<'a> {
        self.validators = validators.filter(|v| !v.is_empty());
        self
    }
}

/// A successful response, decoded.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL after redirects: relative links resolve against it.
    pub url: Url,
    pub status: u16,
    pub text: String,
    /// `304 Not Modified` to a conditional request: `text` is empty, nothing changed.
    pub not_modified: bool,
    /// The answer's `ETag` / `Last-Modified`, for the next conditional request.
    pub validators: Validators,
    /// The answer's `Content-Type` and `Content-Length` headers, as sent: what a `HEAD`
    /// learns (`head`).
    pub content: head::ContentHeaders,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{method} {url}: HTTP {status}{}", retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
    Status {
        method: String,
        url: String,
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("{url}: timed out after {seconds}s")]
    Timeout { url: String, seconds: u64 },
    #[error("{url}: {message}")]
    Network { url: String, message: String },
    #[error("{url}: body larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("{url}: disallowed by {robots} (set `obey_robots = false` for this site if you have permission)")]
    Robots { url: String, robots: String },
    /// robots.txt could not be read (5xx, `429`, timeout, connection error): the site is
    /// down or not reachable yet, and nothing is fetched until it answers. An outage, not
    /// a rule: the section retries soon (the scheduler's short backoff).
    #[error("site unreachable: robots.txt at {robots} could not be read: {cause}")]
    Unreachable {
        robots: String,
        cause: String,
        retry_after: Option<Duration>,
    },
    /// The caller stopped waiting (shutdown or a config reload): not a fault of the site.
    #[error("{url}: cancelled before an answer (shutdown or config reload)")]
    Cancelled { url: String },
    /// The host's cluster-wide turn could not be taken (`gate`): nothing was sent.
    #[error("{url}: cannot take the host's turn in the cluster: {message}")]
    Gate { url: String, message: String },
}

impl FetchError {
    /// HTTP 404 and 410: the resource is gone, retrying will not help.
    pub fn is_gone(&self) -> bool {
        matches!(
            self,
            FetchError::Status {
                status: 404 | 410,
                ..
            }
        )
    }

    /// Whether another attempt may succeed.
    fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => retry::retryable_status(*status),
            FetchError::Timeout { .. } | FetchError::Network { .. } => true,
            FetchError::TooLarge { .. }
            | FetchError::Robots { .. }
            // robots.txt is read once per attempt of the section: the section retries.
            | FetchError::Unreachable { .. }
            | FetchError::Cancelled { .. }
            // The section retries once the shared database answers.
            | FetchError::Gate { .. } => false,
        }
    }

    /// The request was abandoned because its scrape was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, FetchError::Cancelled { .. })
    }

    /// The site's robots.txt could not be read: the site is unreachable for now.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, FetchError::Unreachable { .. })
    }

    /// The URL of the request that failed.
    pub fn url(&self) -> &str {
        match self {
            FetchError::Status { url, .. }
            | FetchError::Timeout { url, .. }
            | FetchError::Network { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::Robots { url, .. }
            | FetchError::Cancelled { url }
            | FetchError::Gate { url, .. } => url,
            FetchError::Unreachable { robots, .. } => robots,
        }
    }

    /// The server's `Retry-After`, if it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. }
            | FetchError::Unreachable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// How much longer than its request's timeout a cluster-wide turn is held: the time to
/// read the answer and release, after which a killed instance's turn frees itself.
const GATE_HOLD_MARGIN: Duration = Duration::from_secs(5);

/// Shared HTTP client with per-origin politeness.
pub struct Fetcher {
    client: reqwest::Client,
    origins: Origins,
    max_body: usize,
    metrics: Option<std::sync::Arc<crate::metrics::Metrics>>,
    /// Politeness shared with other instances (a cluster); none alone.
    gate: Option<std::sync::Arc<dyn HostGate>>,
}

impl Fetcher {
    pub fn new() -> Result<Fetcher, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                if attempt.previous().contains(attempt.url()) {
                    let loop_at = attempt.url().to_string();
                    attempt.error(format!("redirect loop at {loop_at}"))
                } else if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
                } else {
                    attempt.follow()
                }
            }))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Fetcher {
            client,
            origins: Origins::default(),
            max_body: MAX_BODY_BYTES,
            metrics: None,
            gate: None,
        })
    }

    /// The same fetcher, recording request durations.
    pub fn with_metrics(mut self, metrics: std::sync::Arc<crate::metrics::Metrics>) -> Fetcher {
        self.metrics = Some(metrics);
        self
    }

    /// The same fetcher, also taking each origin's turn and robots.txt from `gate` (the
    /// cluster's, shared by every instance).
    pub fn with_gate(mut self, gate: std::sync::Arc<dyn HostGate>) -> Fetcher {
        self.gate = Some(gate);
        self
    }

    /// The same fetcher with a smaller body limit (tests of the limit).
    pub fn with_max_body(mut self, bytes: usize) -> Fetcher {
        self.max_body = bytes;
        self
    }

    /// Sends the request (retrying transient failures) and returns the decoded body of a
    /// 2xx answer. Ends at once with [`FetchError::Cancelled`] when `cancel` fires, whatever
    /// it is waiting for.
    pub async fn fetch(
        &self,
        req: Request<'_>,
        cancel: &CancellationToken,
    ) -> Result<Fetched, FetchError> {
        let url = req.url;
        tokio::select! {
            // Cancellation first: a fetch started after shutdown does not send anything.
            biased;
            () = cancel.cancelled() => Err(FetchError::Cancelled { url: url.to_string() }),
            result = self.fetch_with_retries(req) => result,
        }
    }

    /// `fetch` without cancellation. Every await in here may be abandoned at any point.
    async fn fetch_with_retries(&self, req: Request<'_>) -> Result<Fetched, FetchError> {
        let origin = self.origins.of(req.url);
        let mut min_delay = req.min_delay;
        if req.robots {
            let (allowed, crawl_delay, robots) = self.robots_for(&req, &origin).await?;
            if !allowed {
                return Err(FetchError::Robots {
                    url: req.url.to_string(),
                    robots,
                });
            }
            min_delay = min_delay.max(crawl_delay.unwrap_or_default());
        }
        let mut attempt = 0;
        loop {
            let result = self.attempt(&req, &origin, min_delay).await;
            match result {
                Err(error) if error.is_transient() && attempt < req.retry.retries => {
                    attempt += 1;
                    let backoff = req.retry.backoff(attempt, &mut rand::rng());
                    let wait = match error.retry_after() {
                        // Too long to wait within this run: the section backs off instead.
                        Some(after) if after > req.retry.max_wait => return Err(error),
                        Some(after) => after.max(backoff),
                        None => backoff,
                    };
                    tracing::debug!(url = %req.url, %error, attempt, wait_ms = wait.as_millis() as u64, "retrying");
                    // Outside the origin's slot: other requests to the origin go meanwhile,
                    // and the retry queues behind them.
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    /// One attempt, in the origin's turn.
    async fn attempt(
        &self,
        req: &Request<'_>,
        origin: &Origin,
        min_delay: Duration,
    ) -> Result<Fetched, FetchError> {
        let mut slot = origin.slot.lock().await;
        if let Some(at) = slot.next_allowed {
            tokio::time::sleep_until(at).await;
        }
        // The cluster's turn, inside the local one: the local slot already orders this
        // process's requests, the gate orders the instances'.
        let ticket = match &self.gate {
            Some(gate) => Some(
                gate.acquire(
                    &origin_key(req.url),
                    req.timeout + GATE_HOLD_MARGIN,
                    min_delay,
                )
                .await
                .map_err(|e| FetchError::Gate {
                    url: req.url.to_string(),
                    message: e.0,
                })?,
            ),
            None => None,
        };
        // Spaced from the start too: a request abandoned before its answer (cancelled)
        // still keeps the next one `min_delay` away.
        slot.hold_for(min_delay);
        let started = Instant::now();
        let result = self.send(req).await;
        if let Some(metrics) = &self.metrics {
            metrics.fetch(started.elapsed());
        }
        slot.hold_for(min_delay);
        let mut gap = min_delay;
        if let Some(after) = result.as_ref().err().and_then(FetchError::retry_after) {
            // The server asked everyone to wait: the whole origin waits.
            slot.hold_for(after.min(req.retry.max_wait));
            gap = gap.max(after.min(req.retry.max_wait));
        }
        if let Some(ticket) = ticket {
            ticket.release(gap).await;
        }
        result
    }

    /// (allowed, crawl delay, robots.txt URL) for the request's origin, reading robots.txt
    /// when it is not cached or stale; [`FetchError::Unreachable`] when it cannot be read.
    /// One read per origin at a time: requests that arrive during a read wait for it and
    /// use its answer, a failed one included; other origins do not wait at all.
    async fn robots_for(
        &self,
        req: &Request<'_>,
        origin: &Origin,
    ) -> Result<(bool, Option<Duration>, String), FetchError> {
        let robots_url = match req.url.join("/robots.txt") {
            Ok(u) => u,
            Err(_) => return Ok((true, None, String::new())),
        };
        // Whether this request queued behind another's read (which it may then share, even
        // a failed one) or found the cell free (a failed read in it is then an old one).
        let (mut cell, queued) = match origin.robots.try_lock() {
            Ok(cell) => (cell, false),
            Err(_) => (origin.robots.lock().await, true),
        };
        // Taken out while it is refreshed: a read abandoned halfway leaves the cell empty,
        // and the next request reads robots.txt again.
        let cached = match cell.take() {
            Some(cached) if cached.serves(queued) => cached,
            _ => match self.shared_robots(req.url).await {
                Some(shared) => shared,
                None => robots::Cached {
                    rules: self.read_robots(req, &robots_url, origin).await,
                    fetched: Instant::now(),
                },
            },
        };
        let answer = match &cached.rules {
            Ok(rules) => Ok((
                rules.allows(req.url.as_str()),
                rules.crawl_delay(),
                robots_url.to_string(),
            )),
            Err(unreachable) => Err(FetchError::Unreachable {
                robots: robots_url.to_string(),
                cause: unreachable.cause.clone(),
                retry_after: unreachable.retry_after,
            }),
        };
        *cell = Some(cached);
        answer
    }

    /// Reads robots.txt at `robots_url`, in the origin's turn, once (no retries: the
    /// section's next attempt is the retry).
    async fn read_robots(
        &self,
        req: &Request<'_>,
        robots_url: &Url,
        origin: &Origin,
    ) -> Result<robots::Rules, robots::Unreachable> {
        let robots_req = Request {
            method: Method::GET,
            url: robots_url,
            headers: [req.headers[0], &NO_HEADERS],
            body: None,
            timeout: req.timeout,
            min_delay: req.min_delay,
            retry: RetryPolicy {
                retries: 0,
                ..req.retry
            },
            robots: false,
            validators: None,
        };
        let outcome = self.attempt(&robots_req, origin, req.min_delay).await;
        let rules = robots::reading(&outcome);
        if let (Some(gate), Ok(_)) = (&self.gate, &rules) {
            // A readable answer only; a 4xx or an oversized file is "no rules", kept empty.
            let body = outcome.as_ref().map(|p| p.text.clone()).unwrap_or_default();
            gate.store_robots(&origin_key(req.url), body).await;
        }
        if let Err(unreachable) = &rules {
            tracing::warn!(url = %robots_url, cause = %unreachable.cause,
                "site unreachable: robots.txt could not be read; the site is paused until it can be");
        }
        rules
    }

    /// The cluster's copy of the origin's robots.txt, when one is fresh (`robots::TTL`).
    async fn shared_robots(&self, url: &Url) -> Option<robots::Cached> {
        let gate = self.gate.as_ref()?;
        let (body, age) = gate.robots(&origin_key(url), robots::TTL).await?;
        Some(robots::Cached {
            rules: Ok(robots::Rules::from_body(body.as_bytes())),
            fetched: Instant::now().checked_sub(age).unwrap_or_else(Instant::now),
        })
    }

    async fn send(&self, req: &Request<'_>) -> Result<Fetched, FetchError> {
        let url_text = req.url.to_string();
        let network = |e: reqwest::Error| classify(&url_text, req.timeout, e);
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
        headers.insert(
            ACCEPT,
            HeaderValue::from_static(
                "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
            ),
        );
        for map in req.headers {
            for (name, value) in map {
                headers.insert(name.clone(), value.clone());
            }
        }
        let mut builder = self
            .client
            .request(req.method.clone(), req.url.clone())
            .headers(headers)
            .timeout(req.timeout);
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        if let Some(v) = req.validators {
            if let Some(etag) = &v.etag {
                builder = builder.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(date) = &v.last_modified {
                builder = builder.header(reqwest::header::IF_MODIFIED_SINCE, date);
            }
        }
        let mut response = builder.send().await.map_err(network)?;
        let status = response.status().as_u16();
        let final_url = response.url().clone();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let validators = Validators {
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        };
        let content = head::ContentHeaders::of(response.headers());
        if status == 304 && req.validators.is_some() {
            return Ok(Fetched {
                url: final_url,
                status,
                text: String::new(),
                not_modified: true,
                validators: req.validators.cloned().unwrap_or_default(),
                content,
            });
        }
        if !response.status().is_success() {
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry::parse_retry_after(v, chrono::Utc::now()));
            return Err(FetchError::Status {
                method: req.method.to_string(),
                url: url_text,
                status,
                retry_after,
            });
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(network)? {
            if bytes.len() + chunk.len() > self.max_body {
                return Err(FetchError::TooLarge {
                    url: url_text,
                    limit: self.max_body,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            url: final_url,
            status,
            text: decode(&bytes, content_type.as_deref()),
            not_modified: false,
            validators,
            content,
        })
    }
}

fn classify(url: &str, timeout: Duration, error: reqwest::Error) -> FetchError {
    if error.is_timeout() {
        return FetchError::Timeout {
            url: url.to_string(),
            seconds: timeout.as_secs(),
        };
    }
    // reqwest's top-level message is generic ("error sending request"); the causes say why.
    FetchError::Network {
        url: url.to_string(),
        message: crate::errors::chain(&error.without_url()),
    }
}
