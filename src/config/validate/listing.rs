//! `[site.listing]`: the request, the items and the fields, whose shapes depend on the
//! listing's `type`, and pagination (`next` or `cursor`, templates inherited from the
//! listing).

use super::Checker;
use crate::config::choices::ListingType;
use crate::config::raw::{RawListing, RawPagination, RawSource};
use crate::config::values::CssSelector;
use crate::config::{
    JsonPath, ListingFields, ListingKind, ListingRules, PageParam, PageStep, Pagination, Rule,
    Source, Template,
};

impl Checker<'_> {
    pub(super) fn listing(&mut self, raw: RawListing, ctx: &str) -> ListingRules {
        let kind = match raw.kind {
            ListingType::Json => ListingKind::Json {
                items: JsonPath::parse(raw.items.get_ref()),
            },
            // `items` is a selector only in an HTML listing, so it is compiled here.
            ListingType::Html => {
                let compiled = CssSelector::compile(raw.items.get_ref());
                let css = self
                    .report(compiled, Some(raw.items.span()), ctx, "listing.items")
                    .unwrap_or_else(|| super::stand_in_selector(raw.items.get_ref().clone()));
                ListingKind::Html {
                    item: css.selector,
                    item_css: css.text,
                }
            }
        };
        let json = raw.kind == ListingType::Json;
        let url = self.template(raw.url, ctx, "listing.url");
        let body = raw.body.map(|b| self.template(b, ctx, "listing.body"));
        let mut source = |s: Option<RawSource>, key: &str| {
            s.map(|s| self.listing_source(s, json, ctx, &format!("listing.fields.{key}")))
        };
        let link = source(Some(raw.fields.link), "link").expect("link is required");
        let fields = ListingFields {
            link,
            title: source(raw.fields.title, "title"),
            summary: source(raw.fields.summary, "summary"),
            published: source(raw.fields.published, "published"),
            image: source(raw.fields.image, "image"),
        };
        let page_params = raw
            .page_params
            .into_iter()
            .map(|(name, p)| {
                let key = format!("listing.page_params.{name}");
                let css = self.selector(p.css, ctx, &format!("{key}.css"));
                PageParam {
                    selector: css.selector,
                    css: css.text,
                    attr: p.attr,
                    regex: p
                        .regex
                        .and_then(|r| self.take(r, ctx, &format!("{key}.regex"))),
                    name,
                }
            })
            .collect();
        let pagination = raw
            .pagination
            .and_then(|p| self.pagination(p, json, &url, body.as_ref(), ctx));
        ListingRules {
            kind,
            url,
            method: raw.method,
            body,
            headers: self.headers(raw.headers, ctx, "listing.headers"),
            fields,
            page_params,
            pagination,
        }
    }

    /// `None` when only the first page is read.
    fn pagination(
        &mut self,
        raw: RawPagination,
        json: bool,
        url: &Template,
        body: Option<&Template>,
        ctx: &str,
    ) -> Option<Pagination> {
        let key = "listing.pagination";
        let pages = self
            .take(raw.pages, ctx, &format!("{key}.pages"))
            .unwrap_or(1);
        let next = raw
            .next
            .map(|r| self.listing_source(r, json, ctx, &format!("{key}.next")));
        let cursor = raw
            .cursor
            .map(|r| self.listing_source(r, json, ctx, &format!("{key}.cursor")));
        let step = match (next, cursor) {
            (Some(next), None) => PageStep::NextLink(next),
            (None, Some(cursor)) => PageStep::Cursor(cursor),
            (None, None) => {
                if pages > 1 {
                    self.problem(
                        None,
                        ctx,
                        key,
                        "give `next` (a link to the next page) or `cursor`".into(),
                    );
                }
                return None;
            }
            (Some(_), Some(_)) => {
                self.problem(None, ctx, key, "give `next` or `cursor`, not both".into());
                return None;
            }
        };
        let next_url = match raw.url {
            Some(u) => self.template(u, ctx, &format!("{key}.url")),
            None => url.clone(),
        };
        let next_body = match raw.body {
            Some(b) => Some(self.template(b, ctx, &format!("{key}.body"))),
            None => body.cloned(),
        };
        if pages < 2 {
            return None;
        }
        Some(Pagination {
            pages,
            step,
            url: next_url,
            body: next_body,
        })
    }

    /// A listing field: `{ path }` in a JSON listing, `{ css }` in an HTML one.
    fn listing_source(&mut self, mut raw: RawSource, json: bool, ctx: &str, key: &str) -> Rule {
        let transform = self.transform(&mut raw, ctx, key);
        let source = if json {
            self.json_field(raw, ctx, key)
        } else {
            if raw.path.is_some() || raw.meta.is_some() || raw.json_ld.is_some() {
                self.problem(
                    None,
                    ctx,
                    key,
                    "an HTML listing field takes `css` (with `attr` or `html`)".into(),
                );
            }
            self.source_only(raw, ctx, key)
        };
        Rule { source, transform }
    }

    fn json_field(&mut self, raw: RawSource, ctx: &str, key: &str) -> Source {
        let Some(path) = &raw.path else {
            self.problem(
                None,
                ctx,
                key,
                "a JSON listing field needs `path = \"...\"`".into(),
            );
            return Source::Path(JsonPath(vec![]));
        };
        let extra = raw.css.is_some()
            || raw.meta.is_some()
            || raw.json_ld.is_some()
            || raw.attr.is_some()
            || raw.html.is_some();
        if extra {
            self.problem(
                Some(path.span()),
                ctx,
                key,
                "give only `path` in a JSON listing".into(),
            );
        }
        Source::Path(JsonPath::parse(path.get_ref()))
    }
}
