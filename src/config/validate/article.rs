//! `[site.article]` and the sources shared with listing fields: exactly one of `css`,
//! `meta`, `json_ld`; `attr` and `html` only with `css`, not together; `replace` only with
//! `regex`.

use super::Checker;
use crate::config::raw::{RawArticle, RawSource};
use crate::config::{ArticleRules, JsonPath, Rule, Source, Take, Transform};

impl Checker<'_> {
    pub(super) fn article(&mut self, raw: RawArticle, ctx: &str) -> ArticleRules {
        // A field left undeclared has no rules: the generic article reader (`extract::generic`)
        // reads it, as it reads a declared field whose rules all miss.
        let mut off = Vec::new();
        let mut list = |rules: Option<Vec<RawSource>>, field: &'static str| -> Vec<Rule> {
            let Some(rules) = rules else {
                return Vec::new();
            };
            if rules.is_empty() {
                off.push(field);
            }
            rules
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    if r.path.is_some() {
                        self.problem(None, ctx, &format!("article.{field}[{i}].path"), "`path` is for JSON listings; article fields take `css`, `meta` or `json_ld`".into());
                    }
                    self.source(r, ctx, &format!("article.{field}[{i}]"))
                })
                .collect()
        };
        let title = list(raw.title, "title");
        let summary = list(raw.summary, "summary");
        let body = list(raw.body, "body");
        let author = list(raw.author, "author");
        let tags = list(raw.tags, "tags");
        let image = list(raw.image, "image");
        let published = list(raw.published, "published");
        let updated = list(raw.updated, "updated");
        ArticleRules {
            title,
            summary,
            body,
            author,
            tags,
            image,
            published,
            updated,
            off,
            remove: raw
                .remove
                .into_iter()
                .map(|css| self.selector(css, ctx, "article.remove"))
                .collect(),
        }
    }

    fn source(&mut self, mut raw: RawSource, ctx: &str, key: &str) -> Rule {
        let transform = self.transform(&mut raw, ctx, key);
        let source = self.source_only(raw, ctx, key);
        Rule { source, transform }
    }

    /// Takes the clean-up keys out of `raw`.
    pub(super) fn transform(&mut self, raw: &mut RawSource, ctx: &str, key: &str) -> Transform {
        let has_regex = raw.regex.is_some();
        let regex = raw
            .regex
            .take()
            .and_then(|r| self.take(r, ctx, &format!("{key}.regex")));
        if raw.replace.is_some() && !has_regex {
            self.problem(
                None,
                ctx,
                &format!("{key}.replace"),
                "`replace` needs a `regex`".into(),
            );
        }
        Transform {
            regex,
            replace: raw.replace.take(),
            strip_prefix: raw.strip_prefix.take(),
            strip_suffix: raw.strip_suffix.take(),
        }
    }

    pub(super) fn source_only(&mut self, raw: RawSource, ctx: &str, key: &str) -> Source {
        let given = [raw.css.is_some(), raw.meta.is_some(), raw.json_ld.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if given != 1 && raw.path.is_none() {
            self.problem(
                None,
                ctx,
                key,
                "give exactly one of `css`, `meta`, `json_ld`".into(),
            );
        }
        if let Some(css) = raw.css {
            let take = match (raw.attr, raw.html.unwrap_or(false)) {
                (Some(_), true) => {
                    self.problem(
                        css.span(),
                        ctx,
                        key,
                        "`attr` and `html` exclude each other".into(),
                    );
                    Take::Text
                }
                (Some(attr), false) => Take::Attr(attr),
                (None, true) => Take::Html,
                (None, false) => Take::Text,
            };
            let css = self.selector(css, ctx, &format!("{key}.css"));
            return Source::Css {
                selector: css.selector,
                css: css.text,
                take,
            };
        }
        if raw.attr.is_some() || raw.html.is_some() {
            self.problem(None, ctx, key, "`attr` and `html` go with `css`".into());
        }
        if let Some(meta) = raw.meta {
            return Source::Meta(meta);
        }
        if let Some(path) = raw.json_ld {
            return Source::JsonLd(JsonPath::parse(&path).0);
        }
        Source::Meta(String::new())
    }
}
