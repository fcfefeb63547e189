//! robots.txt, fetched once per origin, cached, and obeyed (texting_robots parses it, the
//! crate tested against the robots.txt files of the top sites).
//!
//! Outcomes follow RFC 9309: a 4xx answer means no rules (everything allowed); a 5xx answer
//! or an unreachable server means "assume everything disallowed" for now — retried after a
//! short while rather than cached for a day. `Crawl-delay` widens the politeness gap.

use std::time::Duration;

use tokio::time::Instant;

/// The product token matched against `User-agent:` lines.
pub const AGENT: &str = "scrapefeed";
/// How long a fetched robots.txt is trusted.
pub const TTL: Duration = Duration::from_secs(24 * 3600);
/// How long an unreachable robots.txt blocks the origin before it is asked again.
pub const UNREACHABLE_TTL: Duration = Duration::from_secs(600);

/// What an origin's robots.txt says.
#[derive(Debug)]
pub enum Rules {
    /// No robots.txt (4xx) or an empty one.
    AllowAll,
    /// The server failed to answer: nothing may be fetched until it does.
    DisallowAll,
    Parsed(texting_robots::Robot),
}

impl Rules {
    /// Reads a robots.txt answer.
    pub fn from_answer(status: u16, body: &[u8]) -> Rules {
        match status {
            200..=299 => match texting_robots::Robot::new(AGENT, body) {
                Ok(robot) => Rules::Parsed(robot),
                // An unparseable file is treated like a missing one, as crawlers do.
                Err(_) => Rules::AllowAll,
            },
            400..=499 => Rules::AllowAll,
            _ => Rules::DisallowAll,
        }
    }

    pub fn allows(&self, url: &str) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::DisallowAll => false,
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
            _ => None,
        }
    }

    fn ttl(&self) -> Duration {
        match self {
            Rules::DisallowAll => UNREACHABLE_TTL,
            _ => TTL,
        }
    }
}

/// A cached answer.
#[derive(Debug)]
pub struct Cached {
    pub rules: Rules,
    pub fetched: Instant,
}

impl Cached {
    pub fn is_fresh(&self) -> bool {
        self.fetched.elapsed() < self.rules.ttl()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_follow_rfc_9309() {
        let robots = b"User-agent: *\nDisallow: /private/\n\nUser-agent: scrapefeed\nDisallow: /api/\nCrawl-delay: 2\n";
        let rules = Rules::from_answer(200, robots);
        assert!(!rules.allows("https://example.com/api/list"));
        assert!(
            rules.allows("https://example.com/private/page"),
            "our own group wins over *"
        );
        assert!(rules.allows("https://example.com/news/1"));
        assert_eq!(rules.crawl_delay(), Some(Duration::from_secs(2)));
        assert!(Rules::from_answer(404, b"").allows("https://example.com/anything"));
        assert!(!Rules::from_answer(503, b"").allows("https://example.com/anything"));
    }
}
