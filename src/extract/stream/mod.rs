//! Reading an article page in one streaming pass, without building its DOM.
//!
//! Building html5ever's tree is most of what a scrape costs (see docs/performance.md), yet
//! an article's rules need only a few elements: the ones their selectors match, the meta
//! tags and the JSON-LD scripts. lol_html (already used for lazy images) matches the same
//! CSS selectors on the token stream in a fraction of the parse's time and reports where
//! each matched element starts and ends in the source; the values are then read from those
//! byte ranges (small fragments go through html5ever, so text and entities come out exactly
//! as from the DOM).
//!
//! A token stream cannot see what html5ever's tree construction does to malformed markup
//! (an unclosed `<li>`, a `<div>` that implicitly ends a `<p>`, misnested formatting), so
//! [`read`] refuses a page whenever a matched element's extent is not plainly delimited by
//! its own start and end tags, and the caller falls back to the DOM. The fallback is the
//! reference: `tests/extract_stream.rs` checks that whenever the stream accepts a page, it
//! reads exactly what the DOM reads, over real, synthetic and random malformed pages.

mod nesting;
mod plan;
mod read;

use std::ops::Range;

use lol_html::html_content::Element;

pub use plan::StreamPlan;
pub use read::{read, StreamPage};

/// An element a selector matched: where its tags are in the page.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    /// Lower-case tag name.
    pub(super) tag: String,
    /// The start tag.
    pub(super) start: Range<usize>,
    /// The end tag, once seen; `None` for void elements and for elements never closed.
    pub(super) end: Option<Range<usize>>,
    /// The end tag's name, to tell an element closed by its own end tag from one lol_html
    /// closed on its parent's.
    pub(super) end_name: Option<String>,
    /// Void or self-closing: it has no content and no end tag.
    pub(super) empty: bool,
}

impl Hit {
    pub(super) fn new(el: &Element<'_, '_>) -> Hit {
        Hit {
            tag: el.tag_name(),
            start: el.source_location().bytes(),
            end: None,
            end_name: None,
            empty: !el.can_have_content(),
        }
    }

    /// The whole element, tags included.
    pub(super) fn outer(&self) -> Range<usize> {
        self.start.start..self.end.as_ref().map_or(self.start.end, |e| e.end)
    }

    /// The content between the tags.
    pub(super) fn inner(&self) -> Range<usize> {
        self.start.end..self.end.as_ref().map_or(self.start.end, |e| e.start)
    }
}
