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

/// `entry` with every value a feed can carry: borrowed when it already is.
pub fn feed_safe(entry: &Entry) -> Cow<'_, Entry> {
    let title = text::line(&entry.title);
    let summary = entry.summary.as_deref().map(text::line);
    let body = entry.body.as_deref().map(text::html);
    let author = entry.author.as_deref().map(text::line);
    let tags: Vec<Cow<'_, str>> = entry.tags.iter().map(|t| text::line(t)).collect();
    let image = entry.image.as_deref().map(text::web_url);
    let borrowed = |value: &Option<Cow<'_, str>>| matches!(value, None | Some(Cow::Borrowed(_)));
    let clean = matches!(title, Cow::Borrowed(t) if !t.is_empty())
        && borrowed(&summary)
        && borrowed(&body)
        && borrowed(&author)
        && tags
            .iter()
            .all(|t| matches!(t, Cow::Borrowed(t) if !t.is_empty()))
        && matches!(image, None | Some(Some(Cow::Borrowed(_))));
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
        image: image.flatten().map(Cow::into_owned),
        url: entry.url.clone(),
        published: entry.published,
        updated: entry.updated,
        first_seen: entry.first_seen,
        date_source: entry.date_source.clone(),
    })
}
