//! An entry's values made safe to store and to serve, once, where the entry is built.
//!
//! Every value, whatever it came from (article page, listing page, JSON API), goes through
//! `text`: plain text (title, summary, author, tags) becomes one XML-safe line, the body
//! XML-safe HTML, the image an absolute `http(s)` URL or nothing; then each is cut to the
//! site's `TextLimits`. The author is a line like the title and shares its limit. Cleaning is
//! idempotent: a clean entry comes back unchanged, which `render` relies on when it cleans
//! stored entries again. What was changed is returned as [`Cleaning`]s, for the log and for
//! `check`'s warnings; whitespace alone is not reported.

use std::fmt;

use crate::model::{Entry, TextLimits};
use crate::text;

/// Something cleaning changed in an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleaning {
    /// A URL that is not an absolute `http(s)` URL after resolution: dropped.
    NotWebUrl { field: &'static str, value: String },
    /// Characters feeds cannot carry (controls, noncharacters) removed from a field.
    Forbidden { field: &'static str },
    /// A value over its limit, cut; `unit` is "bytes" or "characters".
    Cut {
        field: &'static str,
        length: usize,
        limit: usize,
        unit: &'static str,
        key: &'static str,
    },
    /// More tags than the limit: the first ones kept.
    TagsDropped { found: usize, kept: usize },
}

impl fmt::Display for Cleaning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cleaning::NotWebUrl { field, value } => write!(
                f,
                "{field} {:?} is not an http(s) URL: dropped",
                shortened(value)
            ),
            Cleaning::Forbidden { field } => write!(
                f,
                "{field} held control characters or noncharacters, which feeds cannot carry: removed"
            ),
            Cleaning::Cut {
                field,
                length,
                limit,
                unit,
                key,
            } => write!(
                f,
                "{field} of {length} {unit} cut to {limit} (`limits.{key}`)"
            ),
            Cleaning::TagsDropped { found, kept } => write!(
                f,
                "{found} tags found, the first {kept} different ones kept (`limits.tags`)"
            ),
        }
    }
}

/// A value as a message may quote it: 80 characters at most.
fn shortened(value: &str) -> String {
    text::truncate_chars(value, 80).into_owned()
}

/// Cleans every value of `entry` and cuts it to `limits`.
pub fn clean(entry: Entry, limits: &TextLimits) -> (Entry, Vec<Cleaning>) {
    let mut notes = Vec::new();
    let mut title = line(&entry.title, "title", &mut notes);
    if title.is_empty() {
        title = entry.url.clone();
    }
    let title = cut(title, "title", limits.title, "title", &mut notes);
    let summary = entry
        .summary
        .map(|s| line(&s, "summary", &mut notes))
        .filter(|s| !s.is_empty())
        .map(|s| cut(s, "summary", limits.summary, "summary", &mut notes));
    let author = entry
        .author
        .map(|a| line(&a, "author", &mut notes))
        .filter(|a| !a.is_empty())
        .map(|a| cut(a, "author", limits.title, "title", &mut notes));
    let body = entry.body.map(|b| body(b, limits.body, &mut notes));
    let tags = tags(entry.tags, limits, &mut notes);
    let image = entry.image.and_then(|url| match text::web_url(&url) {
        Some(web) => Some(web.into_owned()),
        None => {
            notes.push(Cleaning::NotWebUrl {
                field: "image",
                value: url,
            });
            None
        }
    });
    let entry = Entry {
        title,
        summary,
        body: body.filter(|b| !b.is_empty()),
        author,
        tags,
        image,
        ..entry
    };
    (entry, notes)
}

/// A plain-text value as one clean line; a removed character is noted (once per field).
fn line(value: &str, field: &'static str, notes: &mut Vec<Cleaning>) -> String {
    let noted = Cleaning::Forbidden { field };
    if value.chars().any(text::is_forbidden) && !notes.contains(&noted) {
        notes.push(noted);
    }
    text::line(value).into_owned()
}

/// `value` cut to `limit` bytes.
fn cut(
    value: String,
    field: &'static str,
    limit: usize,
    key: &'static str,
    notes: &mut Vec<Cleaning>,
) -> String {
    if value.len() <= limit {
        return value;
    }
    notes.push(Cleaning::Cut {
        field,
        length: value.len(),
        limit,
        unit: "bytes",
        key,
    });
    text::truncate(&value, limit).into_owned()
}

fn body(body: String, limit: usize, notes: &mut Vec<Cleaning>) -> String {
    let body = match text::html(&body) {
        std::borrow::Cow::Borrowed(_) => body,
        std::borrow::Cow::Owned(clean) => {
            if body.chars().any(text::is_forbidden) {
                notes.push(Cleaning::Forbidden { field: "body" });
            }
            clean
        }
    };
    if body.len() <= limit {
        return body;
    }
    notes.push(Cleaning::Cut {
        field: "body",
        length: body.len(),
        limit,
        unit: "bytes",
        key: "body",
    });
    text::truncate_html(&body, limit).into_owned()
}

/// Tags as clean lines, each cut to its limit, without empty or repeated ones, at most
/// `limits.tags` of them. One note per kind of change, however many tags it concerns.
fn tags(raw: Vec<String>, limits: &TextLimits, notes: &mut Vec<Cleaning>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len().min(limits.tags));
    let found = raw.len();
    for tag in raw {
        let tag = line(&tag, "tag", notes);
        if tag.is_empty() {
            continue;
        }
        let length = tag.chars().count();
        let tag = if length > limits.tag_chars {
            if !notes
                .iter()
                .any(|n| matches!(n, Cleaning::Cut { field: "tag", .. }))
            {
                notes.push(Cleaning::Cut {
                    field: "tag",
                    length,
                    limit: limits.tag_chars,
                    unit: "characters",
                    key: "tag_length",
                });
            }
            text::truncate_chars(&tag, limits.tag_chars).into_owned()
        } else {
            tag
        };
        if out.contains(&tag) {
            continue;
        }
        if out.len() == limits.tags {
            notes.push(Cleaning::TagsDropped {
                found,
                kept: out.len(),
            });
            break;
        }
        out.push(tag);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    pub(crate) const LIMITS: TextLimits = TextLimits {
        title: 1024,
        summary: 8192,
        body: 1 << 20,
        tags: 50,
        tag_chars: 100,
    };

    fn entry() -> Entry {
        let now = Utc.with_ymd_and_hms(2025, 6, 13, 12, 0, 0).unwrap();
        Entry {
            url: "https://example.com/a".into(),
            title: "Title".into(),
            summary: None,
            body: None,
            author: None,
            tags: Vec::new(),
            image: None,
            published: now.fixed_offset(),
            updated: None,
            first_seen: now,
            date_source: "test".into(),
        }
    }

    #[test]
    fn hostile_values_are_cleaned_cut_and_reported() {
        let hostile = Entry {
            title: format!("Bad\u{1}\u{1F} {}", "x".repeat(5 << 20)),
            summary: Some("<script>alert(\"sum\")</script>\u{FFFE}".into()),
            body: Some(format!(
                "<p>a\u{0}b\r\n</p>{}",
                "<p>long</p>".repeat(200_000)
            )),
            author: Some("Ann\u{7}".into()),
            tags: (0..80).map(|i| format!("tag{i}\u{1}")).collect(),
            image: Some("javascript:alert(1)".into()),
            ..entry()
        };
        let (clean, notes) = clean(hostile, &LIMITS);
        assert!(clean.title.starts_with("Bad x") && clean.title.ends_with('…'));
        assert!(clean.title.len() <= 1024);
        assert_eq!(
            clean.summary.as_deref(),
            Some("<script>alert(\"sum\")</script>"),
            "plain text stays text: escaping is the renderer's"
        );
        let body = clean.body.unwrap();
        assert!(
            body.starts_with("<p>ab\n</p><p>long</p>"),
            "{}",
            &body[..40]
        );
        assert!(body.len() <= 1 << 20 && body.ends_with("…</p>"));
        assert_eq!(clean.author.as_deref(), Some("Ann"));
        assert_eq!(clean.tags.len(), 50);
        assert_eq!(clean.tags[0], "tag0");
        assert_eq!(clean.image, None);
        let notes: Vec<String> = notes.iter().map(|n| n.to_string()).collect();
        for expected in [
            "title held control characters or noncharacters, which feeds cannot carry: removed",
            "title of 5242884 bytes cut to 1024 (`limits.title`)",
            "body of 2200010 bytes cut to 1048576 (`limits.body`)",
            "80 tags found, the first 50 different ones kept (`limits.tags`)",
            "image \"javascript:alert(1)\" is not an http(s) URL: dropped",
        ] {
            assert!(
                notes.iter().any(|n| n == expected),
                "{expected}\nnot in {notes:#?}"
            );
        }
    }

    #[test]
    fn empty_values_fall_away_and_a_title_of_nothing_is_the_url() {
        let (clean, _) = clean(
            Entry {
                title: "\u{1}\u{2} ".into(),
                summary: Some("\u{FFFF}".into()),
                author: Some(" ".into()),
                body: Some(String::new()),
                tags: vec!["\u{1}".into(), "a".into(), " a ".into()],
                ..entry()
            },
            &LIMITS,
        );
        assert_eq!(clean.title, "https://example.com/a");
        assert_eq!(
            (clean.summary, clean.author, clean.body),
            (None, None, None)
        );
        assert_eq!(clean.tags, ["a"]);
    }

    #[test]
    fn a_clean_entry_comes_back_unchanged_and_unreported() {
        let good = Entry {
            title: "Мост через Каму откроют «в срок»".into(),
            summary: Some("A & B <agree>".into()),
            body: Some("<p>x\n\ty</p>".into()),
            author: Some("Анна Иванова".into()),
            tags: vec!["Транспорт".into()],
            image: Some("https://example.com/i.jpg".into()),
            ..entry()
        };
        assert_eq!(clean(good.clone(), &LIMITS), (good, Vec::new()));
    }
}
