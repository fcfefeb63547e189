//! Rules: where a value comes from on a page or in a JSON document (`Source`), and the
//! clean-up applied to what it yields (`Transform`).
//!
//! The listing fields and the article fields are both lists of rules. A rule is plain data
//! built at config load (its selector compiled); the `extract` and `listing` stages evaluate
//! it.

use regex::Regex;
use scraper::Selector;

/// A compiled CSS selector and its text as written (for messages, and for readers that
/// compile it their own way).
#[derive(Debug, Clone)]
pub struct Css {
    pub text: String,
    pub selector: Selector,
}

/// A source and the clean-up applied to what it yields.
#[derive(Debug, Clone)]
pub struct Rule {
    pub source: Source,
    pub transform: Transform,
}

impl Rule {
    pub fn new(source: Source) -> Rule {
        Rule {
            source,
            transform: Transform::default(),
        }
    }

    /// The source's description plus any clean-up, for `check` and logs.
    pub fn describe(&self) -> String {
        let mut text = self.source.describe();
        if let Some(regex) = &self.transform.regex {
            let verb = if self.transform.replace.is_some() {
                "replace"
            } else {
                "regex"
            };
            text.push_str(&format!(" {verb} {:?}", regex.as_str()));
        }
        if let Some(p) = &self.transform.strip_prefix {
            text.push_str(&format!(" strip_prefix {p:?}"));
        }
        if let Some(s) = &self.transform.strip_suffix {
            text.push_str(&format!(" strip_suffix {s:?}"));
        }
        text
    }

    pub fn is_structured(&self) -> bool {
        self.source.is_structured()
    }
}

/// Simple text clean-up declared next to a source.
#[derive(Debug, Clone, Default)]
pub struct Transform {
    pub regex: Option<Regex>,
    pub replace: Option<String>,
    pub strip_prefix: Option<String>,
    pub strip_suffix: Option<String>,
}

impl Transform {
    /// Applies the clean-up; `None` when a `regex` (without `replace`) does not match or
    /// nothing is left, so the next source gets its turn.
    pub fn apply(&self, value: &str) -> Option<String> {
        let mut text = match (&self.regex, &self.replace) {
            (Some(re), Some(with)) => re.replace_all(value, with.as_str()).into_owned(),
            (Some(re), None) => {
                let caps = re.captures(value)?;
                caps.get(1).or_else(|| caps.get(0))?.as_str().to_string()
            }
            (None, _) => value.to_string(),
        };
        if let Some(prefix) = &self.strip_prefix {
            if let Some(rest) = text.strip_prefix(prefix.as_str()) {
                text = rest.to_string();
            }
        }
        if let Some(suffix) = &self.strip_suffix {
            if let Some(rest) = text.strip_suffix(suffix.as_str()) {
                text = rest.to_string();
            }
        }
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    pub fn is_identity(&self) -> bool {
        self.regex.is_none() && self.strip_prefix.is_none() && self.strip_suffix.is_none()
    }
}

/// Where one value comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Css {
        selector: Selector,
        css: String,
        take: Take,
    },
    Meta(String),
    JsonLd(Vec<String>),
    Path(JsonPath),
}

/// What to take from an element matched by a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Take {
    Text,
    Html,
    Attr(String),
}

/// A dotted path into a JSON document: `newsList`, `data.items.0.title`. Empty = the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath(pub Vec<String>);

impl JsonPath {
    pub fn parse(text: &str) -> JsonPath {
        JsonPath(
            text.split('.')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    /// Follows the path; numeric segments index arrays.
    pub fn lookup<'a>(&self, value: &'a serde_json::Value) -> Option<&'a serde_json::Value> {
        self.0.iter().try_fold(value, |v, seg| match v {
            serde_json::Value::Object(map) => map.get(seg),
            serde_json::Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
    }
}

impl std::fmt::Display for JsonPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

impl Source {
    /// A short human description, used in `check` output and in logs.
    pub fn describe(&self) -> String {
        match self {
            Source::Css { css, take, .. } => {
                let what = match take {
                    Take::Text => "text".to_string(),
                    Take::Html => "html".to_string(),
                    Take::Attr(a) => format!("@{a}"),
                };
                format!("css {css:?} {what}")
            }
            Source::Meta(name) => format!("meta {name:?}"),
            Source::JsonLd(path) => format!("json_ld {:?}", path.join(".")),
            Source::Path(path) => format!("path {:?}", path.to_string()),
        }
    }

    /// Whether a date from this source is a machine-readable value rather than printed text:
    /// structured sources are trusted over printed datelines.
    pub fn is_structured(&self) -> bool {
        match self {
            Source::Css { take, .. } => matches!(take, Take::Attr(_)),
            Source::Meta(_) | Source::JsonLd(_) | Source::Path(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transform(
        regex: Option<&str>,
        replace: Option<&str>,
        prefix: Option<&str>,
        suffix: Option<&str>,
    ) -> Transform {
        Transform {
            regex: regex.map(|r| Regex::new(r).unwrap()),
            replace: replace.map(String::from),
            strip_prefix: prefix.map(String::from),
            strip_suffix: suffix.map(String::from),
        }
    }

    #[test]
    fn transforms_clean_values_or_reject_them() {
        let t = transform(None, None, None, Some(" - TASS"));
        assert_eq!(
            t.apply("Lavrov speaks - TASS").as_deref(),
            Some("Lavrov speaks")
        );
        assert_eq!(t.apply("No suffix").as_deref(), Some("No suffix"));
        let t = transform(Some(r"Published:\s*(.+)"), None, None, None);
        assert_eq!(
            t.apply("Published: 13 June 2019").as_deref(),
            Some("13 June 2019")
        );
        assert_eq!(
            t.apply("Updated: 13 June 2019"),
            None,
            "no match: the next source is tried"
        );
        let t = transform(Some(r"\s*\(photo\)"), Some(""), Some("BREAKING: "), None);
        assert_eq!(
            t.apply("BREAKING: Storm (photo) hits").as_deref(),
            Some("Storm hits")
        );
        assert_eq!(
            transform(None, None, Some("x"), None).apply("x"),
            None,
            "nothing left"
        );
    }
}
