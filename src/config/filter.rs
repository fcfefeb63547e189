//! Per-section include / exclude filters on title, summary and tags.
//!
//! A pattern is a keyword (matched case-insensitively as a substring) or, written between
//! slashes, a regex (`/^Putin\b/`, case-insensitive unless it sets its own flags). An entry
//! is kept when it matches at least one `include` pattern (or there are none) and no
//! `exclude` pattern. Patterns are compiled once at config load.

use regex::{Regex, RegexBuilder};

use crate::model::Entry;

/// One compiled pattern.
#[derive(Debug, Clone)]
pub enum Pattern {
    Keyword(String),
    Regex(Regex),
}

impl Pattern {
    /// `keyword` or `/regex/`.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let trimmed = text.trim();
        if trimmed.len() >= 2 && trimmed.starts_with('/') && trimmed.ends_with('/') {
            let body = &trimmed[1..trimmed.len() - 1];
            return RegexBuilder::new(body)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map(Pattern::Regex)
                .map_err(|e| format!("{trimmed:?} is not a valid regex: {e}"));
        }
        if trimmed.is_empty() {
            return Err("an empty pattern would match everything".into());
        }
        Ok(Pattern::Keyword(trimmed.to_lowercase()))
    }

    fn matches(&self, haystack: &str, lowered: &str) -> bool {
        match self {
            Pattern::Keyword(k) => lowered.contains(k.as_str()),
            Pattern::Regex(r) => r.is_match(haystack),
        }
    }
}

/// Which entry fields the patterns look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterFields {
    pub title: bool,
    pub summary: bool,
    pub tags: bool,
}

impl Default for FilterFields {
    fn default() -> Self {
        FilterFields {
            title: true,
            summary: true,
            tags: true,
        }
    }
}

/// A section's filter.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub include: Vec<Pattern>,
    pub exclude: Vec<Pattern>,
    pub fields: FilterFields,
}

impl EntryFilter {
    /// Whether the entry belongs in the feed.
    pub fn keeps(&self, entry: &Entry) -> bool {
        let mut texts: Vec<&str> = Vec::new();
        if self.fields.title {
            texts.push(&entry.title);
        }
        if self.fields.summary {
            texts.extend(entry.summary.as_deref());
        }
        if self.fields.tags {
            texts.extend(entry.tags.iter().map(String::as_str));
        }
        let lowered: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
        let any = |patterns: &[Pattern]| {
            patterns
                .iter()
                .any(|p| texts.iter().zip(&lowered).any(|(t, l)| p.matches(t, l)))
        };
        (self.include.is_empty() || any(&self.include)) && !any(&self.exclude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn entry(title: &str, summary: &str, tags: &[&str]) -> Entry {
        let at = Utc.with_ymd_and_hms(2026, 6, 13, 11, 53, 0).unwrap();
        Entry {
            url: "https://example.com/1".into(),
            title: title.into(),
            summary: Some(summary.into()),
            body: None,
            author: None,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            image: None,
            published: at.fixed_offset(),
            updated: None,
            first_seen: at,
            date_source: "test".into(),
        }
    }

    fn filter(include: &[&str], exclude: &[&str]) -> EntryFilter {
        EntryFilter {
            include: include.iter().map(|p| Pattern::parse(p).unwrap()).collect(),
            exclude: exclude.iter().map(|p| Pattern::parse(p).unwrap()).collect(),
            fields: FilterFields::default(),
        }
    }

    #[test]
    fn keywords_regexes_and_fields() {
        let e = entry("Putin meets Xi", "Talks in Moscow", &["Diplomacy"]);
        assert!(filter(&[], &[]).keeps(&e));
        assert!(filter(&["putin"], &[]).keeps(&e));
        assert!(!filter(&["football"], &[]).keeps(&e));
        assert!(!filter(&[], &["MOSCOW"]).keeps(&e));
        assert!(filter(&["/^putin\\b/"], &[]).keeps(&e));
        assert!(!filter(&["/^meets/"], &[]).keeps(&e));
        assert!(filter(&["diplomacy"], &[]).keeps(&e), "tags are searched");
        let mut titles_only = filter(&["diplomacy"], &[]);
        titles_only.fields = FilterFields {
            title: true,
            summary: false,
            tags: false,
        };
        assert!(!titles_only.keeps(&e));
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(Pattern::parse("/(unclosed/")
            .unwrap_err()
            .contains("not a valid regex"));
        assert!(Pattern::parse("  ").is_err());
    }
}
