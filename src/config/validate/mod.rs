//! Raw config → typed `Config`: the checks that involve more than one key, and the report.
//!
//! Values that can be wrong in themselves were parsed while the file was read (`Checked`,
//! `values`); here each is taken where the typed settings need it, and its problem, if any,
//! is reported then. What remains are the checks no single value can make: template names
//! against what each section provides, unique ids, the shape of a listing field for the
//! listing's `type`, `next` versus `cursor`, `attr` versus `html`, exactly one of `css` /
//! `meta` / `json_ld`, and the inheritance storage → site → section.
//!
//! Every problem is collected, never returned early, so a user sees them all at once. A value
//! with a problem is replaced by a harmless stand-in (its default, `*` for a selector) only
//! so that checking can go on; the config is rejected anyway. Problems read
//! `line L, column C: site "x", section "y", key `k`: message`, the position given when the
//! problem is about one value; columns count characters, as the toml crate's own errors do.
//!
//! By subject: `server` (server, storage, scheduler), `limits`, `site` (sites and their ids),
//! `section`, `listing`, `article`.

mod article;
mod limits;
mod listing;
mod section;
mod server;
mod site;
mod wording;

use std::ops::Range;
use std::path::Path;

use reqwest::header::HeaderMap;
use serde::Deserialize;
use toml::de::DeTable;

use super::checked::{Checked, Parse};
use super::headers::Headers;
use super::locate::Env;
use super::raw::RawConfig;
use super::secrets;
use super::values::{CssSelector, TemplateText};
use super::{Config, ConfigError, Css, Template};

pub(super) fn validate(
    text: &str,
    file: &str,
    base_dir: &Path,
    env: Env<'_>,
) -> Result<Config, ConfigError> {
    let syntax = |e: toml::de::Error| ConfigError::Syntax {
        file: file.to_string(),
        message: quoted(text, e.span(), &wording::humanize(e.message())),
    };
    let mut document = DeTable::parse(text).map_err(syntax)?;
    let unset = secrets::substitute(document.get_mut(), env);
    if !unset.is_empty() {
        let problems = unset
            .into_iter()
            .map(|u| format!("{}: key `{}`: {}", position(text, u.span), u.key, u.message))
            .collect();
        return Err(ConfigError::Invalid {
            file: file.to_string(),
            problems,
        });
    }
    let raw = RawConfig::deserialize(toml::de::Deserializer::from(document)).map_err(syntax)?;
    let mut check = Checker {
        src: text,
        problems: Vec::new(),
    };
    let config = check.config(raw, base_dir, env);
    if check.problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError::Invalid {
            file: file.to_string(),
            problems: check.problems,
        })
    }
}

/// `line L, column C` of a byte offset; columns count characters, as editors do.
fn position(src: &str, span: Range<usize>) -> String {
    let before = &src[..floor_char_boundary(src, span.start)];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    format!("line {line}, column {column}")
}

/// The largest char boundary at or before `at`, within `src`.
fn floor_char_boundary(src: &str, at: usize) -> usize {
    let mut at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A message about what TOML itself rejected, with its position and the line it is on, the
/// value underlined.
fn quoted(src: &str, span: Option<Range<usize>>, message: &str) -> String {
    let Some(span) = span else {
        return message.to_string();
    };
    let start = floor_char_boundary(src, span.start);
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let line = src[line_start..line_end].trim_end_matches('\r');
    let indent = src[line_start..start].chars().count();
    let end = floor_char_boundary(src, span.end.min(line_end).max(start));
    let width = src[start..end].chars().count().max(1);
    let number = src[..start].matches('\n').count() + 1;
    let gutter = " ".repeat(number.to_string().len());
    format!(
        "{}: {message}\n  {number} | {line}\n  {gutter} | {}{}",
        position(src, span),
        " ".repeat(indent),
        "^".repeat(width)
    )
}

/// Collects problems while building the typed config.
struct Checker<'a> {
    src: &'a str,
    problems: Vec<String>,
}

impl Checker<'_> {
    fn config(&mut self, raw: RawConfig, base_dir: &Path, env: Env<'_>) -> Config {
        let server = self.server(raw.server, base_dir, env);
        let storage = self.storage(raw.storage, base_dir, env);
        let scheduler = self.scheduler(raw.scheduler);
        let cluster = self.cluster(raw.cluster);
        let limits = self.limits(raw.limits);
        let sites = self.sites(raw.site, &storage, &limits);
        Config {
            server,
            storage,
            scheduler,
            cluster,
            sites,
        }
    }

    fn position(&self, span: Range<usize>) -> String {
        position(self.src, span)
    }

    /// Records a problem; `context` is `site "x", ` or `site "x", section "y", ` or empty.
    fn problem(&mut self, span: Option<Range<usize>>, context: &str, key: &str, message: String) {
        let at = span
            .map(|s| format!("{}: ", self.position(s)))
            .unwrap_or_default();
        self.problems
            .push(format!("{at}{context}key `{key}`: {message}"));
    }

    /// The outcome of a parse, or `None` once its problem is recorded.
    fn report<T>(
        &mut self,
        outcome: Result<T, String>,
        span: Option<Range<usize>>,
        context: &str,
        key: &str,
    ) -> Option<T> {
        outcome
            .map_err(|message| self.problem(span, context, key, message))
            .ok()
    }

    /// A checked value, or `None` once its problem is recorded.
    fn take<P: Parse>(&mut self, value: Checked<P>, context: &str, key: &str) -> Option<P::Value> {
        let span = value.span();
        self.report(value.into_value(), span, context, key)
    }

    /// A selector, or `*` (with the text as written) once its problem is recorded.
    fn selector(&mut self, css: Checked<CssSelector>, context: &str, key: &str) -> Css {
        let written = css.raw().clone();
        self.take(css, context, key)
            .unwrap_or_else(|| stand_in_selector(written))
    }

    /// A template, or an empty one once its problem is recorded.
    fn template(&mut self, text: Checked<TemplateText>, context: &str, key: &str) -> Template {
        self.take(text, context, key)
            .unwrap_or_else(|| Template::parse("").expect("empty template"))
    }

    /// The valid headers; each invalid one is a problem under `{key}.{name}`.
    fn headers(&mut self, raw: Headers, context: &str, key: &str) -> HeaderMap {
        let (map, invalid) = raw.into_parts();
        for header in invalid {
            let key = format!("{key}.{}", header.name);
            self.problem(Some(header.span), context, &key, header.message);
        }
        map
    }
}

/// Matches any element: stands in for a selector that did not compile.
fn stand_in_selector(written: String) -> Css {
    Css {
        text: written,
        selector: scraper::Selector::parse("*").expect("static selector"),
    }
}
