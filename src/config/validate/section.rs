//! `[[site.section]]`: what a section inherits from its site, its filter, and the listing
//! templates checked against the names it provides.

use std::time::Duration;

use url::Url;

use super::Checker;
use crate::config::checked::Checked;
use crate::config::choices::FilterField;
use crate::config::raw::RawSection;
use crate::config::values::FilterPattern;
use crate::config::{EntryFilter, FilterFields, ListingRules, Pattern, Section};

/// Names every listing template may use without declaring them.
const BUILTIN_NAMES: [&str; 3] = ["base_url", "section", "section_url"];

/// What a section takes from its site when it does not say: the site's own value, or for
/// `max_entries` and `max_age` the site's inherited one from `[storage]`.
pub(super) struct Inherited {
    pub interval: Duration,
    pub max_entries: usize,
    pub max_age: Option<Duration>,
}

impl Checker<'_> {
    pub(super) fn section(
        &mut self,
        raw: RawSection,
        site_id: &str,
        base_url: &Url,
        inherited: &Inherited,
    ) -> Section {
        let id = raw.id.raw().clone();
        let ctx = format!("site {site_id:?}, section {id:?}, ");
        self.take(raw.id, &ctx, "id");
        let path = raw
            .path
            .as_ref()
            .map_or_else(|| format!("/{id}"), |p| p.get_ref().clone());
        let url = base_url.join(&path).unwrap_or_else(|e| {
            let span = raw.path.as_ref().map(|p| p.span());
            self.problem(span, &ctx, "path", format!("{path:?}: {e}"));
            base_url.clone()
        });
        let params = raw
            .params
            .into_iter()
            .filter_map(|(key, value)| {
                let text = self.take(value, &ctx, &format!("params.{key}"))?;
                Some((key, text))
            })
            .collect();
        let interval = raw
            .interval
            .and_then(|interval| self.take(interval, &ctx, "interval"))
            .unwrap_or(inherited.interval);
        let max_entries = raw
            .max_entries
            .and_then(|n| self.take(n, &ctx, "max_entries"))
            .unwrap_or(inherited.max_entries);
        let filter = self.filter(raw.include, raw.exclude, &raw.filter_fields, &ctx);
        let max_age = raw
            .max_age
            .and_then(|age| self.take(age, &ctx, "max_age"))
            .or(inherited.max_age);
        Section {
            title: raw.title.unwrap_or_else(|| id.clone()),
            id,
            url,
            interval,
            max_entries,
            max_age,
            params,
            filter,
        }
    }

    /// `None` when the section declares no pattern: it keeps everything.
    fn filter(
        &mut self,
        include: Vec<Checked<FilterPattern>>,
        exclude: Vec<Checked<FilterPattern>>,
        fields: &[FilterField],
        ctx: &str,
    ) -> Option<EntryFilter> {
        let mut patterns = |list: Vec<Checked<FilterPattern>>, key: &str| -> Vec<Pattern> {
            list.into_iter()
                .filter_map(|p| self.take(p, ctx, key))
                .collect()
        };
        let include = patterns(include, "include");
        let exclude = patterns(exclude, "exclude");
        if include.is_empty() && exclude.is_empty() {
            return None;
        }
        Some(EntryFilter {
            include,
            exclude,
            fields: FilterFields {
                title: fields.contains(&FilterField::Title),
                summary: fields.contains(&FilterField::Summary),
                tags: fields.contains(&FilterField::Tags),
            },
        })
    }

    /// Every template name must be a built-in, a page parameter, or a param of this section.
    pub(super) fn check_templates(&mut self, listing: &ListingRules, section: &Section, ctx: &str) {
        let first_page = std::iter::once(("listing.url", &listing.url, false))
            .chain(listing.body.iter().map(|b| ("listing.body", b, false)));
        let next_pages = listing.pagination.iter().flat_map(|p| {
            std::iter::once(("listing.pagination.url", &p.url, true))
                .chain(p.body.iter().map(|b| ("listing.pagination.body", b, true)))
        });
        for (key, template, paged) in first_page.chain(next_pages) {
            for name in template.names() {
                if name == "cursor" && paged {
                    continue;
                }
                let known = BUILTIN_NAMES.contains(&name)
                    || listing.page_params.iter().any(|p| p.name == name)
                    || section.params.contains_key(name);
                if !known {
                    self.problem(
                        None,
                        ctx,
                        key,
                        format!(
                            "{{{{{name}}}}} is not provided for section {:?}: add `params.{name}` to the section or a `listing.page_params.{name}` rule",
                            section.id
                        ),
                    );
                }
            }
        }
    }
}
