//! The generic article reader: every field a site does not declare, or whose declared rules
//! all miss, read from what real pages carry without any site rule.
//!
//! - Metadata (`meta`): the main article's JSON-LD, Open Graph and `article:*`, Parse.ly,
//!   Sailthru, Dublin Core and microdata metas, then the article's `<h1>`, header `<time>` and
//!   byline. Titles lose the site's name (`title`).
//! - The body (`content`): the page's main content, found by scoring its blocks (see there),
//!   with lazy images resolved (`images`), then sanitized like any declared body.
//!
//! Every value says which generic step produced it, so `check` can show it, and whatever
//! the reader had to skip or could not find (invalid JSON-LD, no main content) is a warning
//! in [`Extracted::warnings`](super::Extracted), which `check` prints and the scrape logs.

mod content;
mod markup;
mod meta;
mod slim;
mod title;

pub(super) use slim::{slimmed, SLIM_ABOVE};

use std::collections::HashMap;

use scraper::Html;
use serde_json::Value;
use url::Url;

use super::json_ld::{main_article, JsonLd};
use super::{markup_within, sanitize, Extracted, Found};
use crate::config::ArticleRules;

/// What the generic reader reads a page from. `html` is `None` when the page was read by the
/// streaming pass and no DOM was built: only the metadata steps run then.
pub(super) struct Page<'a> {
    pub(super) html: Option<&'a Html>,
    pub(super) json_ld: &'a JsonLd,
    /// The main article's JSON-LD object, if the page has one.
    main: Option<&'a Value>,
    pub(super) meta: &'a HashMap<String, Vec<String>>,
    pub(super) url: &'a Url,
}

impl<'a> Page<'a> {
    pub(super) fn new(
        html: Option<&'a Html>,
        json_ld: &'a JsonLd,
        meta: &'a HashMap<String, Vec<String>>,
        url: &'a Url,
    ) -> Page<'a> {
        Page {
            html,
            json_ld,
            main: main_article(&json_ld.objects, url),
            meta,
            url,
        }
    }
}

/// Fills every field of `extracted` but the body that is still empty, and notes the page's
/// unreadable JSON-LD.
pub(super) fn fill_metadata(extracted: &mut Extracted, page: &Page<'_>, rules: &ArticleRules) {
    extracted
        .warnings
        .extend(page.json_ld.problems.iter().cloned());
    let reads = |field: &str| rules.generic_reads(field);
    if extracted.title.is_none() && reads("title") {
        extracted.title = page.title();
    }
    if extracted.summary.is_none() && reads("summary") {
        extracted.summary = page.summary();
    }
    if extracted.author.is_none() && reads("author") {
        extracted.author = page.author();
    }
    if extracted.tags.is_none() && reads("tags") {
        extracted.tags = page.tags();
    }
    if extracted.image.is_none() && reads("image") {
        extracted.image = page.image();
    }
    if extracted.published.is_empty() && reads("published") {
        extracted.published = page.published();
    }
    if extracted.updated.is_empty() && reads("updated") {
        extracted.updated = page.updated();
    }
}

/// The body from the page's main content, when the rules gave none; a page whose main
/// content cannot be found keeps no body and says why in the warnings. `body_markup` caps
/// the markup given to the sanitizer, as for declared bodies.
pub(super) fn fill_body(
    extracted: &mut Extracted,
    page: &Page<'_>,
    rules: &ArticleRules,
    body_markup: usize,
) {
    let Some(html) = page.html.filter(|_| rules.generic_reads("body")) else {
        return;
    };
    match content::main_content(html) {
        Ok(main) => {
            extracted.body = Some(Found {
                value: sanitize(&markup_within(vec![main.markup], body_markup), page.url),
                rule: format!("generic: main content ({})", main.how),
                structured: false,
            });
        }
        Err(why) => match page.article_body() {
            // A page that renders its text with scripts often still states it in JSON-LD.
            Some((text, step)) => {
                let markup: String = text
                    .split('\n')
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(|line| format!("<p>{}</p>", html_escape::encode_text(line)))
                    .collect();
                extracted.body = Some(Found {
                    value: sanitize(&markup_within(vec![markup], body_markup), page.url),
                    rule: format!("generic: {step}"),
                    structured: true,
                });
            }
            None => extracted.warnings.push(why.to_string()),
        },
    }
}

#[cfg(test)]
mod tests;
