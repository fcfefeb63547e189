//! `[limits]` and `[site.limits]`: each value parsed where it was read; a site's own limit
//! replaces the top-level one key by key.

use super::Checker;
use crate::config::checked::{Checked, Parse};
use crate::config::defaults;
use crate::config::raw::{RawLimits, RawSiteLimits};
use crate::model::TextLimits;

impl Checker<'_> {
    /// The top-level limits, every site's defaults.
    pub(super) fn limits(&mut self, raw: RawLimits) -> TextLimits {
        TextLimits {
            title: self.limit(raw.title, "", "limits.title", defaults::title_limit),
            summary: self.limit(raw.summary, "", "limits.summary", defaults::summary_limit),
            body: self.limit(raw.body, "", "limits.body", defaults::body_limit),
            tags: self.limit(raw.tags, "", "limits.tags", defaults::tags_limit),
            tag_chars: self.limit(
                raw.tag_length,
                "",
                "limits.tag_length",
                defaults::tag_length_limit,
            ),
        }
    }

    /// A site's limits: its own where it sets them, the top-level ones elsewhere.
    pub(super) fn site_limits(
        &mut self,
        raw: Option<RawSiteLimits>,
        inherited: &TextLimits,
        ctx: &str,
    ) -> TextLimits {
        let Some(raw) = raw else {
            return *inherited;
        };
        TextLimits {
            title: self.own_limit(raw.title, ctx, "limits.title", inherited.title),
            summary: self.own_limit(raw.summary, ctx, "limits.summary", inherited.summary),
            body: self.own_limit(raw.body, ctx, "limits.body", inherited.body),
            tags: self.own_limit(raw.tags, ctx, "limits.tags", inherited.tags),
            tag_chars: self.own_limit(
                raw.tag_length,
                ctx,
                "limits.tag_length",
                inherited.tag_chars,
            ),
        }
    }

    /// A site's own limit, or the inherited one when it sets none (or once its problem is
    /// recorded).
    fn own_limit<P: Parse<Value = usize>>(
        &mut self,
        value: Option<Checked<P>>,
        ctx: &str,
        key: &str,
        inherited: usize,
    ) -> usize {
        value
            .and_then(|v| self.take(v, ctx, key))
            .unwrap_or(inherited)
    }

    /// A limit, or its default once its problem is recorded.
    fn limit<P: Parse<Value = usize>>(
        &mut self,
        value: Checked<P>,
        ctx: &str,
        key: &str,
        default: fn() -> Checked<P>,
    ) -> usize {
        self.take(value, ctx, key)
            .unwrap_or_else(|| default().valid())
    }
}
