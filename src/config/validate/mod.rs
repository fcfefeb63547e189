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

use std::ops::Range;
use std::path::Path;

use reqwest::header::HeaderMap;

use super::checked::{Checked, Parse};
use super::headers::Headers;
use super::locate::Env;
use super::raw::RawConfig;
use super::values::{CssSelector, TemplateText};
use super::{Config, ConfigError, Css, Template};

pub(super) fn validate(
    text: &str,
    file: &str,
    base_dir: &Path,
    env: Env<'_>,
) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
        file: file.to_string(),
        message: e.to_string().trim_end().to_string(),
    })?;
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

/// Collects problems while building the typed config.
struct Checker<'a> {
    src: &'a str,
    problems: Vec<String>,
}

impl Checker<'_> {
    fn config(&mut self, raw: RawConfig, base_dir: &Path, env: Env<'_>) -> Config {
        let server = self.server(raw.server, base_dir);
        let storage = self.storage(raw.storage, base_dir, env);
        let scheduler = self.scheduler(raw.scheduler);
        let limits = self.limits(raw.limits);
        let sites = self.sites(raw.site, &storage, &limits);
        Config {
            server,
            storage,
            scheduler,
            sites,
        }
    }

    fn position(&self, span: Range<usize>) -> String {
        let before = &self.src[..span.start.min(self.src.len())];
        let line = before.matches('\n').count() + 1;
        // Columns count characters, as the toml crate's own errors do.
        let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
            .chars()
            .count()
            + 1;
        format!("line {line}, column {column}")
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
