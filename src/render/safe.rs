//! Stored entries as a feed may carry them: the cleaning `assemble` does, done again at
//! render for entries stored before it existed.
//!
//! An entry built by `assemble` is already clean, so this is a scan that borrows it back
//! unchanged (and re-rendering gives identical bytes). An old row gets its text made
//! XML-safe (`text::line`, `text::html`) and a lead image that is not an `http(s)` URL
//! dropped. Lengths are not cut here: the limits are a site's, and an old row ages out.

use std::borrow::Cow;

use crate::model::Entry;
use crate::text;

/// A feed's entries, each passed through [`feed_safe`] once, for every format rendered
/// from them (the scan runs over every stored body at every render: once, not per format).
pub struct SafeEntries<'a> {
    stored: &'a [Entry],
    safe: Vec<Cow<'a, Entry>>,
}

impl<'a> SafeEntries<'a> {
    pub fn new(entries: &'a [Entry]) -> SafeEntries<'a> {
        SafeEntries {
            stored: entries,
            safe: entries.iter().map(feed_safe).collect(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.safe.iter().map(|e| &**e)
    }

    pub fn len(&self) -> usize {
        self.safe.len()
    }

    pub fn is_empty(&self) -> bool {
        self.safe.is_empty()
    }

    /// The entries as stored: their dates, which cleaning never changes.
    pub fn stored(&self) -> &'a [Entry] {
        self.stored
    }
}

/// `entry` with every value a feed can carry: borrowed when it already is.
pub fn feed_safe(entry: &Entry) -> Cow<'_, Entry> {
    let title = text::line(&entry.title);
    let summary = entry.summary.as_deref().map(text::line);
    let body = entry.body.as_deref().map(text::html);
    let author = entry.author.as_deref().map(text::line);
    let tags: Vec<Cow<'_, str>> = entry.tags.iter().map(|t| text::line(t)).collect();
    let image_ok = entry.image.as_deref().is_none_or(text::is_web_url);
    let borrowed = |value: &Option<Cow<'_, str>>| match value {
        None => true,
        Some(Cow::Borrowed(v)) => !v.is_empty(),
        Some(Cow::Owned(_)) => false,
    };
    let clean = matches!(title, Cow::Borrowed(t) if !t.is_empty())
        && borrowed(&summary)
        && borrowed(&body)
        && borrowed(&author)
        && tags
            .iter()
            .all(|t| matches!(t, Cow::Borrowed(t) if !t.is_empty()))
        && image_ok;
    if clean {
        return Cow::Borrowed(entry);
    }
    let owned = |value: Option<Cow<'_, str>>| value.map(Cow::into_owned).filter(|v| !v.is_empty());
    Cow::Owned(Entry {
        title: Some(title.into_owned())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| entry.url.clone()),
        summary: owned(summary),
        body: owned(body),
        author: owned(author),
        tags: tags
            .into_iter()
            .map(Cow::into_owned)
            .filter(|t| !t.is_empty())
            .collect(),
        image: entry
            .image
            .as_deref()
            .and_then(text::web_url)
            .map(Cow::into_owned),
        url: entry.url.clone(),
        published: entry.published,
        updated: entry.updated,
        first_seen: entry.first_seen,
        date_source: entry.date_source.clone(),
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;
    use proptest::test_runner::RngSeed;

    use super::*;
    use crate::assemble::clean;
    use crate::model::TextLimits;

    /// Limits no generated value reaches: what is compared is cleaning alone.
    const UNLIMITED: TextLimits = TextLimits {
        title: usize::MAX,
        summary: usize::MAX,
        body: usize::MAX,
        tags: usize::MAX,
        tag_chars: usize::MAX,
    };

    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-z \t\r\n\u{0}-\u{1f}\u{7f}-\u{9f}\u{fffe}\u{ffff}<>&]{0,20}",
        ]
    }

    fn any_entry() -> impl Strategy<Value = Entry> {
        let image = prop_oneof![
            Just("https://example.com/i.jpg".to_string()),
            Just("javascript:alert(1)".to_string()),
            any_text(),
        ];
        (
            any_text(),
            proptest::option::of(any_text()),
            proptest::option::of(any_text()),
            proptest::option::of(any_text()),
            proptest::collection::vec(any_text(), 0..4),
            proptest::option::of(image),
        )
            .prop_map(|(title, summary, body, author, tags, image)| {
                let now = Utc.with_ymd_and_hms(2025, 6, 13, 12, 0, 0).unwrap();
                Entry {
                    url: "https://example.com/a".into(),
                    title,
                    summary,
                    body,
                    author,
                    tags,
                    image,
                    published: now.fixed_offset(),
                    updated: None,
                    first_seen: now,
                    date_source: "test".into(),
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 1000,
            rng_seed: RngSeed::Fixed(13),
            ..ProptestConfig::default()
        })]

        /// What render does to an old row is what assemble does to a new one (but for the
        /// limits), and an entry assemble cleaned is rendered as stored.
        #[test]
        fn render_cleans_as_assemble_does(entry in any_entry()) {
            let (cleaned, _) = clean(entry.clone(), &UNLIMITED);
            prop_assert!(matches!(feed_safe(&cleaned), Cow::Borrowed(_)));
            let mut rendered = feed_safe(&entry).into_owned();
            // Cleaning also drops repeated tags; rendering has no need to.
            let mut seen = Vec::new();
            rendered.tags.retain(|t| !seen.contains(t) && { seen.push(t.clone()); true });
            prop_assert_eq!(rendered, cleaned);
        }
    }
}
