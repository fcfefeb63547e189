//! `[limits]` and `[site.limits]` as written: how long an entry's values may be.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::config::checked::Checked;
use crate::config::defaults;
use crate::config::values::{TagCount, TagLength, TextSize};

/// `[limits]`: the longest values an entry keeps; longer ones are cut when the entry is
/// built. Every key has a default.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Longest title, a size from 64 B to 16 MiB (default "1 KiB").
    #[serde(default = "defaults::title_limit")]
    pub title: Checked<TextSize>,
    /// Longest summary, a size from 64 B to 16 MiB (default "8 KiB").
    #[serde(default = "defaults::summary_limit")]
    pub summary: Checked<TextSize>,
    /// Longest body after sanitizing, a size from 64 B to 16 MiB (default "1 MiB").
    #[serde(default = "defaults::body_limit")]
    pub body: Checked<TextSize>,
    /// Most tags kept per entry, 0 to 1000 (default 50).
    #[serde(default = "defaults::tags_limit")]
    pub tags: Checked<TagCount>,
    /// Most characters of one tag, 1 to 1000 (default 100).
    #[serde(default = "defaults::tag_length_limit")]
    pub tag_length: Checked<TagLength>,
}

/// `[site.limits]`: the site's own limits; each key inherits `[limits]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSiteLimits {
    /// Longest title; inherits `limits.title`.
    pub title: Option<Checked<TextSize>>,
    /// Longest summary; inherits `limits.summary`.
    pub summary: Option<Checked<TextSize>>,
    /// Longest body after sanitizing; inherits `limits.body`.
    pub body: Option<Checked<TextSize>>,
    /// Most tags kept per entry; inherits `limits.tags`.
    pub tags: Option<Checked<TagCount>>,
    /// Most characters of one tag; inherits `limits.tag_length`.
    pub tag_length: Option<Checked<TagLength>>,
}
