//! How long the HTTP server waits on a client, and on itself when it stops.
//!
//! Both are durations with an upper bound of an hour: anything longer is a typo (`"60m"` for
//! `"60s"`) that would let slow clients hold connections, or a stop hang, for that long.

use std::time::Duration;

use crate::config::checked::Parse;

use super::measures::at_most;

/// Above this a connection timeout or a grace period is surely a typo.
const LONGEST: Duration = Duration::from_secs(3600);

/// How long a client may keep the server waiting (for a request's head, between requests,
/// for taking an answer): more than 0, at most an hour.
pub struct ClientTimeout;

impl Parse for ClientTimeout {
    type Raw = String;
    type Value = Duration;
    const FORMAT: &'static str = "duration";

    fn parse(text: &String) -> Result<Duration, String> {
        let timeout = at_most(text, LONGEST)?;
        if timeout.is_zero() {
            return Err(format!("{text:?} must be more than 0"));
        }
        Ok(timeout)
    }
}

/// How long in-flight work may finish after a stop signal: 0 (drop it at once) to an hour.
pub struct GracePeriod;

impl Parse for GracePeriod {
    type Raw = String;
    type Value = Duration;
    const FORMAT: &'static str = "duration";

    fn parse(text: &String) -> Result<Duration, String> {
        at_most(text, LONGEST)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        let timeout = |text: &str| ClientTimeout::parse(&text.into());
        assert_eq!(timeout("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(timeout("1h"), Ok(LONGEST));
        assert_eq!(timeout("0s"), Err("\"0s\" must be more than 0".into()));
        assert!(timeout("61m").is_err());
        assert!(timeout("soon").unwrap_err().contains("is not a duration"));

        let grace = |text: &str| GracePeriod::parse(&text.into());
        assert_eq!(grace("0s"), Ok(Duration::ZERO));
        assert_eq!(grace("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(
            grace("2h"),
            Err("\"2h\" is longer than the maximum of 1 hour".into())
        );
    }
}
