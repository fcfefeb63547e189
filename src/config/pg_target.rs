//! Where the shared store is: a `postgres://` URL, and the same URL fit to print.
//!
//! It lives in `config` because the config checks `storage.database` once, at load; the
//! store (`store::pg`) re-exports it and connects with it.
//!
//! The URL carries the password (from the config, or `SCRAPEFEED_DATABASE_URL` so it stays out
//! of the file); every message, log line and page names the database by `redacted`, which
//! has no password in it, in the user part or in a `password=` parameter.

use std::fmt;
use std::str::FromStr;

/// A PostgreSQL database to connect to.
#[derive(Clone, PartialEq, Eq)]
pub struct PgTarget {
    url: String,
    redacted: String,
}

/// Why a `postgres://` URL was refused.
#[derive(Debug, thiserror::Error)]
#[error("{redacted} is not a PostgreSQL URL: {why}")]
pub struct PgTargetError {
    pub redacted: String,
    pub why: String,
}

impl PgTarget {
    /// Whether `text` names a PostgreSQL database rather than an SQLite file.
    pub fn is_postgres_url(text: &str) -> bool {
        let lower = text.trim_start().to_ascii_lowercase();
        lower.starts_with("postgres://") || lower.starts_with("postgresql://")
    }

    pub fn parse(text: &str) -> Result<PgTarget, PgTargetError> {
        let redacted = redact(text);
        let refuse = |why: String| PgTargetError {
            redacted: redacted.clone(),
            why,
        };
        if !PgTarget::is_postgres_url(text) {
            return Err(refuse("it does not start with postgres://".into()));
        }
        postgres::Config::from_str(text.trim()).map_err(|e| refuse(e.to_string()))?;
        Ok(PgTarget {
            url: text.trim().to_string(),
            redacted,
        })
    }

    /// The URL with its password, for the client only.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL without its password: what messages show.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// The client's settings.
    pub fn config(&self) -> postgres::Config {
        postgres::Config::from_str(&self.url).expect("checked by parse")
    }
}

impl fmt::Display for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// Never the password, even in `{:?}`.
impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgTarget({})", self.redacted)
    }
}

/// `text` without a password: none in the user part, none in a `password=` parameter. Text
/// that is no URL at all is not shown (it could be the password itself, misplaced).
pub fn redact(text: &str) -> String {
    let Ok(mut url) = url::Url::parse(text.trim()) else {
        return "(an unreadable database URL)".into();
    };
    let _ = url.set_password(None);
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("password"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if url.query().is_some() {
        if pairs.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows() {
        let target = PgTarget::parse("postgres://feeds:s3cret@db.lan:5433/scrapefeed").unwrap();
        assert_eq!(target.redacted(), "postgres://feeds@db.lan:5433/scrapefeed");
        assert!(!format!("{target} {target:?}").contains("s3cret"));
        let target =
            PgTarget::parse("postgresql://feeds@db/sf?password=s3cret&sslmode=disable").unwrap();
        assert_eq!(
            target.redacted(),
            "postgresql://feeds@db/sf?sslmode=disable"
        );
        let error = PgTarget::parse("postgres://feeds:s3cret@db:notaport/sf").unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
        assert!(!PgTarget::is_postgres_url("data/scrapefeed.db"));
    }
}
