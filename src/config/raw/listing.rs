//! `[site.listing]` and `[site.article]` as written: where a section's articles are listed
//! and how each source of a value is declared.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::config::checked::Checked;
use crate::config::choices::{HttpMethod, ListingType};
use crate::config::defaults;
use crate::config::headers::Headers;
use crate::config::values::{CssSelector, PageCount, RegexText, TemplateText};

/// `[site.listing]`: where the list of articles comes from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawListing {
    /// What the listing answer is: "html" or "json"; required.
    #[serde(rename = "type")]
    pub kind: ListingType,
    /// URL template of the listing request (default "{{section_url}}").
    #[serde(default = "defaults::listing_url")]
    pub url: Checked<TemplateText>,
    /// HTTP method of the listing request (default "GET").
    #[serde(default = "defaults::listing_method")]
    pub method: HttpMethod,
    /// Request body template, JSON-escaped; none by default.
    pub body: Option<Checked<TemplateText>>,
    /// Extra request headers for the listing request; none by default.
    #[serde(default)]
    pub headers: Headers,
    /// JSON: dotted path to the array of items. HTML: CSS selector of one item. Required.
    #[schemars(with = "String")]
    pub items: Spanned<String>,
    /// Where each item's fields are; required.
    pub fields: RawListingFields,
    /// Parameters read from the section page itself (a selector plus a regex); none by
    /// default.
    #[serde(default)]
    pub page_params: BTreeMap<String, RawPageParam>,
    /// Following pages of the listing; by default only the first page is read.
    pub pagination: Option<RawPagination>,
}

/// `[site.listing.fields]`: per-item field locations. For a JSON listing each value is
/// `{ path = "..." }`; for an HTML listing a `css` rule evaluated inside the item.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawListingFields {
    /// The article URL; required.
    pub link: RawSource,
    /// Fallback title; none by default.
    pub title: Option<RawSource>,
    /// Fallback summary; none by default.
    pub summary: Option<RawSource>,
    /// A date candidate; none by default.
    pub published: Option<RawSource>,
    /// Fallback image; none by default.
    pub image: Option<RawSource>,
}

/// `[site.listing.page_params.NAME]`: a value read from the section page.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPageParam {
    /// The elements to look at, over the whole page; required.
    pub css: Checked<CssSelector>,
    /// Read this attribute instead of the element's text; none by default.
    pub attr: Option<String>,
    /// The value is its first capture group (or whole match); none by default: the whole
    /// trimmed value.
    pub regex: Option<Checked<RegexText>>,
}

/// `[site.listing.pagination]`: reading more than the first page of a listing.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPagination {
    /// Listing pages read per scrape, the first included, 1 to 100 (default 1).
    #[serde(default = "defaults::pages")]
    pub pages: Checked<PageCount>,
    /// The next page's URL, read from the current page (`css` + `attr` or `path`); one of
    /// `next` and `cursor` is required when `pages` > 1.
    pub next: Option<RawSource>,
    /// A value of the current page fed into the next request as `{{cursor}}`; the other way
    /// to reach the next page.
    pub cursor: Option<RawSource>,
    /// URL template of the following pages; inherits the listing `url`.
    pub url: Option<Checked<TemplateText>>,
    /// Body template of the following pages; inherits the listing `body`.
    pub body: Option<Checked<TemplateText>>,
}

/// `[site.article]`: for each field, sources tried in order. A field that is not declared,
/// or whose sources all miss on a page, is read by the generic article reader.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawArticle {
    /// Sources of the title; the generic reader when undeclared.
    pub title: Option<Vec<RawSource>>,
    /// Sources of the summary; the generic reader when undeclared.
    pub summary: Option<Vec<RawSource>>,
    /// Sources of the body (sanitized HTML); the generic reader when undeclared.
    pub body: Option<Vec<RawSource>>,
    /// Sources of the author; the generic reader when undeclared.
    pub author: Option<Vec<RawSource>>,
    /// Sources of the tags; the generic reader when undeclared.
    pub tags: Option<Vec<RawSource>>,
    /// Sources of the image; the generic reader when undeclared.
    pub image: Option<Vec<RawSource>>,
    /// Sources of published-date candidates; the generic reader when undeclared.
    pub published: Option<Vec<RawSource>>,
    /// Sources of updated-date candidates; the generic reader when undeclared.
    pub updated: Option<Vec<RawSource>>,
    /// Selectors of elements removed from the body before it is kept; none by default.
    #[serde(default)]
    pub remove: Vec<Checked<CssSelector>>,
}

/// One source of a field: exactly one of `css`, `meta`, `json_ld` (article pages) or `css`,
/// `path` (listing items), with an optional clean-up. No key has a default: an absent one
/// is simply not used.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// A JSON path inside a JSON listing's item (the only key such a field takes).
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    /// A CSS selector; the element's text unless `attr` or `html` says otherwise.
    pub css: Option<Checked<CssSelector>>,
    /// With `css`: take this attribute instead of the text; none by default.
    pub attr: Option<String>,
    /// With `css`: take the inner HTML instead of the text (default false).
    pub html: Option<bool>,
    /// `<meta content>` of tags whose `property`, `name` or `itemprop` equals this (article
    /// pages only).
    pub meta: Option<String>,
    /// A dotted path into the page's JSON-LD (article pages only).
    pub json_ld: Option<String>,
    /// Keep only the first capture group (or the whole match) of this regex; with
    /// `replace`, replace every match instead. None by default.
    pub regex: Option<Checked<RegexText>>,
    /// With `regex`: the replacement of every match (`$1` for a group); none by default.
    pub replace: Option<String>,
    /// Text removed from the start of the value when present; none by default.
    pub strip_prefix: Option<String>,
    /// Text removed from the end of the value when present (`" - TASS"`); none by default.
    pub strip_suffix: Option<String>,
}
