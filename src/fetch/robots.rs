//! robots.txt, fetched once per origin, cached, and obeyed (texting_robots parses it, the
//! crate tested against the robots.txt files of the top sites).
//!
//! Outcomes follow RFC 9309 §2.3.1: a 4xx answer (401 and 403 included) means no rules,
//! everything allowed. A 5xx answer, a `429`, a timeout or a connection that fails means the
//! site is unreachable *for now*: nothing is fetched, and the request fails with
//! [`super::FetchError::Unreachable`] — never with "disallowed", which would tell the
//! operator to change their config for what is an outage. A failed read is not cached: the
//! requests that queued behind it share its answer (the sections of a site starting
//! together make one read), and the next request after it reads robots.txt again, so the
//! site is paused only until robots.txt answers (the scheduler's short backoff paces those
//! reads). `Crawl-delay` widens the politeness gap.

use std::time::Duration;

use tokio::time::Instant;

use super::{FetchError, Fetched};

/// The product token matched against `User-agent:` lines.
pub const AGENT: &str = "scrapefeed";
/// How long a fetched robots.txt is trusted.
pub const TTL: Duration = Duration::from_secs(24 * 3600);

/// What an origin's robots.txt says.
#[derive(Debug)]
pub enum Rules {
    /// No robots.txt (4xx), an empty or unparseable one, or one too large to read.
    AllowAll,
    Parsed(texting_robots::Robot),
}

/// robots.txt could not be read: the site is unreachable for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// Why, without the URL: `HTTP 503`, `timed out after 30s`, the connection's error.
    pub cause: String,
    /// The server's `Retry-After`, when its answer gave one.
    pub retry_after: Option<Duration>,
}

/// What a robots.txt request's outcome means (RFC 9309 §2.3.1). `429` counts as
/// unreachable although it is a 4xx: a server saying "too many requests" has not said
/// "no rules", and reading that as "allow all" would crawl it harder.
pub fn reading(outcome: &Result<Fetched, FetchError>) -> Result<Rules, Unreachable> {
    match outcome {
        Ok(page) => Ok(Rules::from_body(page.text.as_bytes())),
        Err(FetchError::Status {
            status: code @ (429 | 500..=599),
            retry_after,
            ..
        }) => Err(Unreachable {
            cause: format!("HTTP {code}"),
            retry_after: *retry_after,
        }),
        Err(FetchError::Status { status, .. }) if (400..=499).contains(status) => {
            Ok(Rules::AllowAll)
        }
        // RFC 9309 §2.5 lets crawlers stop at 500 KiB; a larger file is no rule for us.
        Err(FetchError::TooLarge { .. }) => Ok(Rules::AllowAll),
        Err(FetchError::Timeout { seconds, .. }) => Err(Unreachable {
            cause: format!("timed out after {seconds}s"),
            retry_after: None,
        }),
        Err(FetchError::Network { message, .. }) => Err(Unreachable {
            cause: message.clone(),
            retry_after: None,
        }),
        // 1xx/3xx answers that reached us, or anything else: not a readable file.
        Err(other) => Err(Unreachable {
            cause: other.to_string(),
            retry_after: None,
        }),
    }
}

impl Rules {
    /// Parses a 2xx robots.txt body. An unparseable file is treated like a missing one, as
    /// crawlers do.
    pub fn from_body(body: &[u8]) -> Rules {
        match texting_robots::Robot::new(AGENT, body) {
            Ok(robot) => Rules::Parsed(robot),
            Err(_) => Rules::AllowAll,
        }
    }

    pub fn allows(&self, url: &str) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::Parsed(robot) => robot.allowed(url),
        }
    }

    /// `Crawl-delay`, when declared.
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Rules::Parsed(robot) => robot
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(60.0))),
            Rules::AllowAll => None,
        }
    }
}

/// The last read of an origin's robots.txt.
#[derive(Debug)]
pub struct Cached {
    pub rules: Result<Rules, Unreachable>,
    pub fetched: Instant,
}

impl Cached {
    /// Whether a request may use this read instead of reading again. Rules are trusted for
    /// a day. A failed read only answers the requests that were queued behind it
    /// (`queued`): a later request reads again, so an outage is never remembered as a ban.
    pub fn serves(&self, queued: bool) -> bool {
        match &self.rules {
            Ok(_) => self.fetched.elapsed() < TTL,
            Err(_) => queued,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, retry_after: Option<Duration>) -> Result<Fetched, FetchError> {
        Err(FetchError::Status {
            method: "GET".into(),
            url: "https://example.com/robots.txt".into(),
            status: code,
            retry_after,
        })
    }

    #[test]
    fn rules_follow_rfc_9309() {
        let robots = b"User-agent: *\nDisallow: /private/\n\nUser-agent: scrapefeed\nDisallow: /api/\nCrawl-delay: 2\n";
        let rules = Rules::from_body(robots);
        assert!(!rules.allows("https://example.com/api/list"));
        assert!(
            rules.allows("https://example.com/private/page"),
            "our own group wins over *"
        );
        assert!(rules.allows("https://example.com/news/1"));
        assert_eq!(rules.crawl_delay(), Some(Duration::from_secs(2)));
    }

    #[test]
    fn a_4xx_robots_txt_allows_everything() {
        for code in [400, 401, 403, 404, 410, 451] {
            let rules = reading(&status(code, None)).expect("no rules, not unreachable");
            assert!(rules.allows("https://example.com/anything"), "{code}");
        }
        let too_large = Err(FetchError::TooLarge {
            url: "https://example.com/robots.txt".into(),
            limit: 10,
        });
        assert!(reading(&too_large).is_ok());
    }

    #[test]
    fn a_5xx_or_a_failed_connection_is_unreachable_not_a_ban() {
        for code in [429, 500, 502, 503, 504] {
            let unreachable = reading(&status(code, None)).expect_err("unreachable");
            assert_eq!(unreachable.cause, format!("HTTP {code}"));
        }
        let busy = reading(&status(503, Some(Duration::from_secs(90)))).unwrap_err();
        assert_eq!(busy.retry_after, Some(Duration::from_secs(90)));
        let refused = Err(FetchError::Network {
            url: "http://127.0.0.1:9/robots.txt".into(),
            message: "error sending request: tcp connect error: Connection refused".into(),
        });
        assert!(reading(&refused)
            .unwrap_err()
            .cause
            .contains("Connection refused"));
        let slow = Err(FetchError::Timeout {
            url: "http://127.0.0.1:9/robots.txt".into(),
            seconds: 30,
        });
        assert_eq!(reading(&slow).unwrap_err().cause, "timed out after 30s");
    }

    #[test]
    fn a_failed_read_serves_only_the_requests_queued_behind_it() {
        let failed = Cached {
            rules: Err(Unreachable {
                cause: "HTTP 503".into(),
                retry_after: None,
            }),
            fetched: Instant::now(),
        };
        assert!(failed.serves(true), "shared with the requests that waited");
        assert!(!failed.serves(false), "a later request reads again");
        let read = Cached {
            rules: Ok(Rules::AllowAll),
            fetched: Instant::now(),
        };
        assert!(read.serves(false) && read.serves(true));
    }
}
