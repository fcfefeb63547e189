//! Declaration slips `check` can see in what a section yielded: rules that read without an
//! error yet produce the wrong data — a link rule that took the link's text instead of its
//! `href`, a rule that gives every item the same value, links that lead to no article.
//!
//! Each finding is one warning that starts with the config key to fix
//! (`listing.fields.link: …`). The functions are pure, over the listing and the previewed
//! articles; they never fail a section themselves: `check::preview` decides that.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use url::Url;

use super::{shorten, ArticlePreview};
use crate::config::ListingKind;
use crate::listing::{Listing, ListingItem};

/// Fewer items than this may share a value by chance (two stories from the same day).
const SHARED_VALUE_MIN_ITEMS: usize = 3;

/// The listing's slips: links that read as text, a value every item has.
pub fn listing_slips(listing: &Listing, kind: &ListingKind) -> Vec<String> {
    let json = matches!(kind, ListingKind::Json { .. });
    let mut slips = Vec::new();
    slips.extend(text_links(&listing.items, json));
    slips.extend(shared_link(listing, json));
    slips.extend(shared_values(&listing.items, json));
    slips
}

/// Links that read as words rather than addresses: what a link rule gives when it takes an
/// element's text (`link = { css = "a" }`) — "Some headline here" resolved against the
/// listing becomes `https://site/Some%20headline%20here`, a page no site has.
pub fn text_links(items: &[ListingItem], json: bool) -> Option<String> {
    let texts: Vec<String> = items.iter().filter_map(|i| link_text(&i.url)).collect();
    let example = texts.first()?;
    let fix = if json {
        "does its `path` name the link rather than the title?"
    } else {
        "add `attr = \"href\"`?"
    };
    Some(format!(
        "listing.fields.link: {} of {} links look like text, not URLs (e.g. {:?}): {fix}",
        texts.len(),
        items.len(),
        shorten(example)
    ))
}

/// The words of a link that reads as text: a path segment with a space in it (`%20` once
/// resolved), unless it is a file name (`Annual Report.pdf`). Only the path is looked at:
/// text resolved against a URL lands there, while a query or fragment may hold spaces
/// by design.
fn link_text(url: &Url) -> Option<String> {
    url.path_segments()?
        .map(|segment| percent_decode_str(segment).decode_utf8_lossy())
        .find(|segment| segment.trim().contains(char::is_whitespace) && !is_file_name(segment))
        .map(Cow::into_owned)
}

/// Ends in an extension (`.pdf`, `.html`): 1 to 5 letters or digits after the last dot.
fn is_file_name(segment: &str) -> bool {
    segment.rsplit_once('.').is_some_and(|(name, extension)| {
        !name.is_empty()
            && (1..=5).contains(&extension.len())
            && extension.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Every item had the same link: the listing drops an item whose link an earlier item of the
/// page had, so such a listing keeps one item and counts the rest as duplicates.
fn shared_link(listing: &Listing, json: bool) -> Option<String> {
    let [only] = listing.items.as_slice() else {
        return None;
    };
    let rows = 1 + listing.duplicates;
    (rows >= SHARED_VALUE_MIN_ITEMS).then(|| shared("link", rows, only.url.as_str(), json))
}

/// Listing fields whose value is the same for every item (and there are enough items for
/// that to be no coincidence).
pub fn shared_values(items: &[ListingItem], json: bool) -> Vec<String> {
    type Get = for<'a> fn(&'a ListingItem) -> Option<&'a String>;
    let fields: [(&str, Get); 4] = [
        ("title", |i| i.title.as_ref()),
        ("summary", |i| i.summary.as_ref()),
        ("published", |i| i.published.as_ref()),
        ("image", |i| i.image.as_ref()),
    ];
    if items.len() < SHARED_VALUE_MIN_ITEMS {
        return Vec::new();
    }
    fields
        .into_iter()
        .filter_map(|(field, get)| {
            let value = get(&items[0])?;
            let all_same = items.iter().all(|i| get(i) == Some(value));
            // A listing may show only the day, and a day's stories share it.
            let telling = field != "published" || names_a_moment(value);
            (all_same && telling).then(|| shared(field, items.len(), value, json))
        })
        .collect()
}

/// A date that says more than the day: a time of day, or a Unix timestamp.
fn names_a_moment(published: &str) -> bool {
    let digits = published.trim();
    published.contains(':') || (digits.len() >= 9 && digits.bytes().all(|b| b.is_ascii_digit()))
}

fn shared(field: &str, items: usize, value: &str, json: bool) -> String {
    let cause = if json {
        "does its `path` name a value of the item itself?"
    } else if field == "image" {
        "the selector probably matches outside the item, or reads a lazy-loading placeholder (try `attr = \"data-src\"`)"
    } else {
        "the selector probably matches outside the item"
    };
    format!(
        "listing.fields.{field}: all {items} items have the same {field} {:?}: {cause}",
        shorten(value)
    )
}

/// Not one previewed article page could be read (a 404, any fetch error): the links most
/// likely lead nowhere. The warning carries the first error.
pub fn unread_articles(articles: &[ArticlePreview]) -> Option<String> {
    let first = articles.first()?.fetch_error.as_ref()?;
    if articles.iter().any(|a| a.fetch_error.is_none()) {
        return None;
    }
    Some(format!(
        "listing.fields.link: none of the {} previewed article pages could be read (first: {first}): do the links lead to the articles?",
        articles.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(link: &str) -> ListingItem {
        ListingItem {
            url: Url::parse("https://site.example/news/")
                .unwrap()
                .join(link)
                .unwrap(),
            title: None,
            summary: None,
            published: None,
            image: None,
        }
    }

    fn titled(link: &str, title: &str) -> ListingItem {
        ListingItem {
            title: Some(title.into()),
            ..item(link)
        }
    }

    fn article(fetch_error: Option<&str>) -> ArticlePreview {
        ArticlePreview {
            url: "https://site.example/news/a".into(),
            fetch_error: fetch_error.map(String::from),
            fields: Vec::new(),
            published: String::new(),
            published_rule: String::new(),
            date_candidates: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn links_that_read_as_text_are_told_from_addresses() {
        let cases = [
            ("Some headline here", Some("Some headline here")),
            ("  Spaced out  ", Some("Spaced out")),
            (
                "Путин встретился с делегацией",
                Some("Путин встретился с делегацией"),
            ),
            (
                "Mr. Smith goes to Washington",
                Some("Mr. Smith goes to Washington"),
            ),
            ("/news/2026/06/council-votes", None),
            ("council-votes.html", None),
            ("https://other.example/a/b?q=two%20words#x%20y", None),
            ("/files/Annual Report.pdf", None),
            ("Headline", None), // one word: no telling it from a slug
            ("/c++-tips", None),
        ];
        for (link, want) in cases {
            assert_eq!(link_text(&item(link).url).as_deref(), want, "{link:?}");
        }
    }

    #[test]
    fn text_links_are_counted_with_an_example_and_the_fix() {
        let items = [
            item("Some headline here"),
            item("/news/ok"),
            item("Another one"),
        ];
        assert_eq!(
            text_links(&items, false).unwrap(),
            "listing.fields.link: 2 of 3 links look like text, not URLs (e.g. \"Some headline here\"): add `attr = \"href\"`?"
        );
        assert!(text_links(&items, true).unwrap().contains("`path`"));
        assert_eq!(text_links(&[item("/a"), item("b.html")], false), None);
    }

    #[test]
    fn a_value_every_item_shares_is_named_with_its_key() {
        let same = [
            titled("/a", "Top"),
            titled("/b", "Top"),
            titled("/c", "Top"),
        ];
        assert_eq!(
            shared_values(&same, false),
            ["listing.fields.title: all 3 items have the same title \"Top\": the selector probably matches outside the item"]
        );
        // Two items may share a title; three different ones are fine; so is a missing one.
        assert!(shared_values(&same[..2], false).is_empty());
        let differ = [titled("/a", "A"), titled("/b", "B"), titled("/c", "A")];
        assert!(shared_values(&differ, false).is_empty());
        let missing = [titled("/a", "Top"), titled("/b", "Top"), item("/c")];
        assert!(shared_values(&missing, false).is_empty());
    }

    #[test]
    fn a_shared_day_is_normal_a_shared_moment_is_not() {
        let dated = |published: &str| -> Vec<ListingItem> {
            ["/a", "/b", "/c"]
                .map(|l| ListingItem {
                    published: Some(published.into()),
                    ..item(l)
                })
                .into()
        };
        assert!(shared_values(&dated("14 June 2026"), false).is_empty());
        assert!(shared_values(&dated("2026-06-14"), false).is_empty());
        for moment in ["2026-06-14T12:00:00Z", "13 июня 2019, 14:53", "1560426780"] {
            let warnings = shared_values(&dated(moment), false);
            assert_eq!(warnings.len(), 1, "{moment}");
            assert!(warnings[0].starts_with("listing.fields.published: all 3 items"));
        }
    }

    #[test]
    fn a_link_every_item_shares_shows_as_one_item_and_duplicates() {
        let listing = |items: Vec<ListingItem>, duplicates| Listing {
            items,
            duplicates,
            ..Listing::default()
        };
        assert_eq!(
            shared_link(&listing(vec![item("/top")], 19), false).unwrap(),
            "listing.fields.link: all 20 items have the same link \"https://site.example/top\": the selector probably matches outside the item"
        );
        assert_eq!(shared_link(&listing(vec![item("/top")], 1), false), None);
        assert_eq!(
            shared_link(&listing(vec![item("/a"), item("/b")], 5), false),
            None
        );
    }

    #[test]
    fn articles_are_unread_only_when_every_one_failed() {
        let failed = article(Some("GET https://site.example/news/a: HTTP 404"));
        assert_eq!(
            unread_articles(&[failed, article(Some("later"))]).unwrap(),
            "listing.fields.link: none of the 2 previewed article pages could be read (first: GET https://site.example/news/a: HTTP 404): do the links lead to the articles?"
        );
        assert_eq!(unread_articles(&[article(Some("x")), article(None)]), None);
        assert_eq!(unread_articles(&[]), None);
    }
}
