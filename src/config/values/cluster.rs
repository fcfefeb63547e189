//! How long a section's lease lasts in a cluster (several instances on one PostgreSQL).

use std::time::Duration;

use crate::config::checked::Parse;

use super::measures::at_most;

/// Below this, a slow database answer or a pause could make a live instance's leases
/// expire and their sections run twice.
const SHORTEST: Duration = Duration::from_secs(5);
/// Above this, a killed instance's sections would wait too long to be taken over.
const LONGEST: Duration = Duration::from_secs(3600);

/// How long a killed instance's sections stay with it before another instance takes them:
/// 5 seconds to an hour.
pub struct LeaseExpiry;

impl Parse for LeaseExpiry {
    type Raw = String;
    type Value = Duration;
    const FORMAT: &'static str = "duration";

    fn parse(text: &String) -> Result<Duration, String> {
        let expiry = at_most(text, LONGEST)?;
        if expiry < SHORTEST {
            return Err(format!("{text:?} is shorter than the minimum of 5 seconds"));
        }
        Ok(expiry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        let expiry = |text: &str| LeaseExpiry::parse(&text.into());
        assert_eq!(expiry("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(expiry("5s"), Ok(SHORTEST));
        assert_eq!(
            expiry("4s"),
            Err("\"4s\" is shorter than the minimum of 5 seconds".into())
        );
        assert!(expiry("2h").is_err());
        assert!(expiry("soon").unwrap_err().contains("is not a duration"));
    }
}
