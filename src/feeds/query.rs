//! Query options on a feed URL: `?limit=N`, `?include=a,b`, `?exclude=c`.
//!
//! Parsed once into a normalized `FeedQuery` (keywords lower-cased, sorted, deduplicated), so
//! `?include=B,a` and `?include=a&include=b` name the same cached document. Keywords match
//! case-insensitively anywhere in an entry's title or summary: an entry is kept when it
//! matches at least one `include` keyword (or there are none) and no `exclude` keyword;
//! `limit` then keeps the newest N. Parameters we do not know (cache busters, tracking tags)
//! are ignored rather than refused, so a reader that appends them still gets the feed.

use url::form_urlencoded;

use crate::model::Entry;

/// A query string that cannot be honoured.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("limit {0:?} is not a whole number of at least 1")]
    Limit(String),
}

/// Filters asked for on a feed URL, in normal form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FeedQuery {
    pub limit: Option<usize>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl FeedQuery {
    /// Parses the raw query string (without `?`).
    pub fn parse(raw: &str) -> Result<FeedQuery, QueryError> {
        FeedQuery::from_pairs(form_urlencoded::parse(raw.as_bytes()))
    }

    /// Reads decoded `(key, value)` pairs, in request order.
    pub fn from_pairs<K, V>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<FeedQuery, QueryError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut query = FeedQuery::default();
        for (key, value) in pairs {
            let value = value.as_ref();
            match key.as_ref() {
                "limit" => {
                    let n = value
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| QueryError::Limit(value.to_string()))?;
                    query.limit = Some(n);
                }
                "include" => query.include.extend(keywords(value)),
                "exclude" => query.exclude.extend(keywords(value)),
                _ => {}
            }
        }
        for list in [&mut query.include, &mut query.exclude] {
            list.sort();
            list.dedup();
        }
        Ok(query)
    }

    /// No filter at all: the feed itself.
    pub fn is_empty(&self) -> bool {
        self.limit.is_none() && self.include.is_empty() && self.exclude.is_empty()
    }

    /// The canonical query string: the cache key, and the query in the filtered feed's
    /// self links.
    pub fn normalized(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        if let Some(n) = self.limit {
            out.append_pair("limit", &n.to_string());
        }
        if !self.include.is_empty() {
            out.append_pair("include", &self.include.join(","));
        }
        if !self.exclude.is_empty() {
            out.append_pair("exclude", &self.exclude.join(","));
        }
        out.finish()
    }

    /// The entries this query keeps, in their order.
    pub fn apply(&self, entries: &[Entry]) -> Vec<Entry> {
        entries
            .iter()
            .filter(|e| self.keeps(e))
            .take(self.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    fn keeps(&self, entry: &Entry) -> bool {
        if self.include.is_empty() && self.exclude.is_empty() {
            return true;
        }
        let text = format!(
            "{}\n{}",
            entry.title,
            entry.summary.as_deref().unwrap_or_default()
        )
        .to_lowercase();
        (self.include.is_empty() || self.include.iter().any(|k| text.contains(k.as_str())))
            && !self.exclude.iter().any(|k| text.contains(k.as_str()))
    }
}

fn keywords(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(|k| k.trim().to_lowercase())
        .filter(|k| !k.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn entry(title: &str, summary: Option<&str>) -> Entry {
        let at: DateTime<Utc> = "2025-06-13T11:53:00Z".parse().unwrap();
        Entry {
            url: format!("https://example.com/{title}"),
            title: title.into(),
            summary: summary.map(String::from),
            body: None,
            author: None,
            tags: vec![],
            image: None,
            published: at.fixed_offset(),
            updated: None,
            first_seen: at,
            date_source: "test".into(),
        }
    }

    #[test]
    fn parse_normalizes_so_equal_filters_share_a_key() {
        let a = FeedQuery::parse("include=Oil,%20gas&exclude=x&limit=5&utm_source=r").unwrap();
        let b = FeedQuery::parse("limit=5&include=gas&include=oil,oil&exclude=X").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.normalized(), "limit=5&include=gas%2Coil&exclude=x");
        assert!(FeedQuery::parse("utm_source=r&_=1").unwrap().is_empty());
        assert!(FeedQuery::parse("").unwrap().is_empty());
    }

    #[test]
    fn bad_limits_are_refused() {
        for raw in ["limit=0", "limit=-1", "limit=ten", "limit="] {
            assert!(
                matches!(FeedQuery::parse(raw), Err(QueryError::Limit(_))),
                "{raw}"
            );
        }
    }

    #[test]
    fn include_is_any_keyword_exclude_is_none_limit_keeps_the_first() {
        let entries = [
            entry("Oil prices rise", None),
            entry("Weather", Some("gas shortage in the north")),
            entry("Oil and gas sanctions", None),
            entry("Football", Some("Final")),
        ];
        let titles = |raw: &str| -> Vec<String> {
            FeedQuery::parse(raw)
                .unwrap()
                .apply(&entries)
                .into_iter()
                .map(|e| e.title)
                .collect()
        };
        assert_eq!(
            titles("include=OIL,gas"),
            ["Oil prices rise", "Weather", "Oil and gas sanctions"]
        );
        assert_eq!(titles("include=oil&exclude=sanctions"), ["Oil prices rise"]);
        assert_eq!(titles("exclude=gas"), ["Oil prices rise", "Football"]);
        assert_eq!(titles("limit=2"), ["Oil prices rise", "Weather"]);
        assert_eq!(titles("include=gas&limit=1"), ["Weather"]);
        assert_eq!(titles("include=final"), ["Football"]);
        assert_eq!(titles(""), titles("limit=100"));
    }
}
