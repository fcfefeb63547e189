//! Raw config → typed `Config`, collecting every problem with its position and context.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use regex::Regex;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use scraper::Selector;
use toml::Spanned;
use url::Url;

use super::raw::*;
use super::*;

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_MAX_ENTRIES: usize = 100;
/// Enough for every feed of a few dozen sections; a large config keeps its most requested
/// feeds and renders the others again when asked (see `feeds`).
const DEFAULT_FEED_CACHE: usize = 16 << 20;
/// Above this a size is surely a typo (it would be held in memory).
const MAX_FEED_CACHE: u64 = 64 << 30;
const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);
const DEFAULT_MIN_DELAY: Duration = Duration::from_secs(1);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_MAX_ARTICLES: usize = 30;
/// Names every listing template may use without declaring them.
const BUILTIN_NAMES: [&str; 3] = ["base_url", "section", "section_url"];

pub(super) fn validate(text: &str, file: &str, base_dir: &Path) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
        file: file.to_string(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let mut check = Checker {
        src: text,
        problems: Vec::new(),
    };
    let config = check.config(raw, base_dir);
    if check.problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError::Invalid {
            file: file.to_string(),
            problems: check.problems,
        })
    }
}

struct Checker<'a> {
    src: &'a str,
    problems: Vec<String>,
}

impl Checker<'_> {
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

    fn problem(&mut self, span: Option<Range<usize>>, context: &str, key: &str, message: String) {
        let at = span
            .map(|s| format!("{}: ", self.position(s)))
            .unwrap_or_default();
        self.problems
            .push(format!("{at}{context}key `{key}`: {message}"));
    }

    fn config(&mut self, raw: RawConfig, base_dir: &Path) -> Config {
        let listen = match &raw.server.listen {
            Some(s) => self.socket_addr(s, "", "server.listen"),
            None => DEFAULT_LISTEN
                .parse()
                .expect("default listen address parses"),
        };
        let public_url = raw
            .server
            .public_url
            .as_ref()
            .and_then(|s| self.url(s, "", "server.public_url"));
        let resolve = |p: &str| base_dir.join(p);
        let feed_cache = self.feed_cache(raw.server.feed_cache.as_ref());
        let server = ServerSettings {
            listen,
            public_url,
            templates_dir: resolve(raw.server.templates.as_deref().unwrap_or("templates")),
            feed_cache_bytes: feed_cache,
        };
        let max_entries = raw.storage.max_entries.unwrap_or(DEFAULT_MAX_ENTRIES);
        if max_entries == 0 {
            self.problem(None, "", "storage.max_entries", "must be at least 1".into());
        }
        let storage = StorageSettings {
            database: resolve(
                raw.storage
                    .database
                    .as_deref()
                    .unwrap_or("feeds/scrapefeed.db"),
            ),
            feeds_dir: resolve(raw.storage.feeds_dir.as_deref().unwrap_or("feeds")),
            max_entries,
            max_age: self.max_age(raw.storage.max_age.as_ref(), "", "storage.max_age", None),
        };
        let jitter = raw.scheduler.jitter.unwrap_or(0.1);
        if !(0.0..=0.5).contains(&jitter) {
            self.problem(
                None,
                "",
                "scheduler.jitter",
                format!("{jitter} is not between 0 and 0.5"),
            );
        }
        let concurrency = raw.scheduler.concurrency.unwrap_or(4);
        if concurrency == 0 {
            self.problem(
                None,
                "",
                "scheduler.concurrency",
                "must be at least 1".into(),
            );
        }
        let scheduler = SchedulerSettings {
            concurrency: concurrency.max(1),
            jitter,
        };
        if raw.site.is_empty() {
            self.problem(
                None,
                "",
                "site",
                "no [[site]] is declared: there is nothing to scrape".into(),
            );
        }
        let mut sites = Vec::new();
        let mut section_ids: HashSet<String> = HashSet::new();
        let mut site_ids: HashSet<String> = HashSet::new();
        let mut site_spans = Vec::new();
        for raw_site in raw.site {
            site_spans.push((raw_site.id.get_ref().clone(), raw_site.id.span()));
            if !site_ids.insert(raw_site.id.get_ref().clone()) {
                self.problem(
                    Some(raw_site.id.span()),
                    "",
                    "site.id",
                    format!("site {:?} is declared twice", raw_site.id.get_ref()),
                );
            }
            let site = self.site(raw_site, max_entries, storage.max_age);
            for section in &site.sections {
                if !section_ids.insert(section.id.clone()) {
                    self.problem(
                        None,
                        &format!("site {:?}, ", site.id),
                        "section.id",
                        format!("section {:?} is declared twice; section ids name feeds and must be unique", section.id),
                    );
                }
            }
            sites.push(Arc::new(site));
        }
        // Site ids name the merged feed of their sections (`/feeds/{site}.rss`) beside the
        // section feeds and `/feeds/all.rss`, so the three must never meet.
        for (id, span) in site_spans {
            if id == "all" || section_ids.contains(&id) {
                self.problem(
                    Some(span),
                    "",
                    "site.id",
                    format!("site {id:?} has the name of a section or of \"all\"; site ids name the site's merged feed and must differ from every section id and \"all\""),
                );
            }
        }
        Config {
            server,
            storage,
            scheduler,
            sites,
        }
    }

    fn site(
        &mut self,
        raw: RawSite,
        default_max_entries: usize,
        default_max_age: Option<Duration>,
    ) -> Site {
        let id = raw.id.get_ref().clone();
        let ctx = format!("site {id:?}, ");
        if !is_slug(&id) {
            self.problem(
                Some(raw.id.span()),
                &ctx,
                "id",
                "use lower-case letters, digits, `-` and `_` only".into(),
            );
        }
        let base_url = self
            .url(&raw.base_url, &ctx, "base_url")
            .unwrap_or_else(|| Url::parse("http://invalid.invalid/").expect("static url"));
        let timezone = match &raw.timezone {
            Some(tz) => tz.get_ref().parse::<Tz>().unwrap_or_else(|_| {
                self.problem(
                    Some(tz.span()),
                    &ctx,
                    "timezone",
                    format!(
                        "{:?} is not an IANA timezone name (like \"Europe/Moscow\")",
                        tz.get_ref()
                    ),
                );
                Tz::UTC
            }),
            None => Tz::UTC,
        };
        // Any well-formed tag is accepted for the feeds; the date reader uses it when it
        // knows the language and otherwise tries all it knows.
        if let Some(l) = raw
            .language
            .as_ref()
            .filter(|l| !is_language_tag(l.get_ref()))
        {
            self.problem(
                Some(l.span()),
                &ctx,
                "language",
                format!(
                    "{:?} is not a language tag like \"en\" or \"pt-BR\"",
                    l.get_ref()
                ),
            );
        }
        let interval = self.duration(raw.interval.as_ref(), &ctx, "interval", DEFAULT_INTERVAL);
        if interval < Duration::from_secs(10) {
            self.problem(
                raw.interval.as_ref().map(|s| s.span()),
                &ctx,
                "interval",
                "must be at least 10s".into(),
            );
        }
        for (key, value) in [
            ("max_articles", raw.max_articles),
            ("max_entries", raw.max_entries),
        ] {
            if value == Some(0) {
                self.problem(None, &ctx, key, "must be at least 1".into());
            }
        }
        let max_age = self.max_age(raw.max_age.as_ref(), &ctx, "max_age", default_max_age);
        let headers = self.headers(&raw.headers, &ctx, "headers");
        let listing = self.listing(raw.listing, &ctx);
        let article = self.article(raw.article, &ctx);
        let mut sections = Vec::new();
        for raw_section in raw.section {
            let section = self.section(
                raw_section,
                &id,
                &base_url,
                interval,
                raw.max_entries.unwrap_or(default_max_entries),
                max_age,
            );
            self.check_templates(&listing, &section, &ctx);
            sections.push(section);
        }
        if sections.is_empty() {
            self.problem(
                None,
                &ctx,
                "section",
                "the site declares no [[site.section]]".into(),
            );
        }
        Site {
            title: raw.title.unwrap_or_else(|| id.clone()),
            id,
            base_url,
            language_tag: raw.language.map(|l| l.into_inner()),
            timezone,
            min_delay: self.duration(raw.min_delay.as_ref(), &ctx, "min_delay", DEFAULT_MIN_DELAY),
            timeout: self.duration(raw.timeout.as_ref(), &ctx, "timeout", DEFAULT_TIMEOUT),
            max_articles: raw.max_articles.unwrap_or(DEFAULT_MAX_ARTICLES),
            retry: RetrySettings {
                retries: raw.retries.unwrap_or(2),
                delay: self.duration(
                    raw.retry_delay.as_ref(),
                    &ctx,
                    "retry_delay",
                    Duration::from_secs(1),
                ),
                max_wait: self.duration(
                    raw.max_retry_wait.as_ref(),
                    &ctx,
                    "max_retry_wait",
                    Duration::from_secs(60),
                ),
            },
            obey_robots: raw.obey_robots.unwrap_or(true),
            headers,
            listing,
            article,
            sections,
        }
    }

    fn section(
        &mut self,
        mut raw: RawSection,
        site_id: &str,
        base_url: &Url,
        site_interval: Duration,
        max_entries: usize,
        max_age: Option<Duration>,
    ) -> Section {
        let id = raw.id.get_ref().clone();
        let ctx = format!("site {site_id:?}, section {id:?}, ");
        if !is_slug(&id) || id == "all" {
            self.problem(
                Some(raw.id.span()),
                &ctx,
                "id",
                "use lower-case letters, digits, `-` and `_` only (and not \"all\")".into(),
            );
        }
        let path = raw
            .path
            .as_ref()
            .map_or_else(|| format!("/{id}"), |p| p.get_ref().clone());
        let url = base_url.join(&path).unwrap_or_else(|e| {
            self.problem(
                raw.path.as_ref().map(|p| p.span()),
                &ctx,
                "path",
                format!("{path:?}: {e}"),
            );
            base_url.clone()
        });
        let mut params = BTreeMap::new();
        for (key, value) in std::mem::take(&mut raw.params) {
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    self.problem(
                        None,
                        &ctx,
                        &format!("params.{key}"),
                        format!("must be a string or a number, not {}", other.type_str()),
                    );
                    continue;
                }
            };
            params.insert(key, text);
        }
        let interval = self.duration(raw.interval.as_ref(), &ctx, "interval", site_interval);
        if interval < Duration::from_secs(10) && raw.interval.is_some() {
            let span = raw.interval.as_ref().map(|s| s.span());
            self.problem(span, &ctx, "interval", "must be at least 10s".into());
        }
        if raw.max_entries == Some(0) {
            self.problem(None, &ctx, "max_entries", "must be at least 1".into());
        }
        let filter = self.filter(&raw, &ctx);
        Section {
            title: raw.title.unwrap_or_else(|| id.clone()),
            id,
            url,
            interval,
            max_entries: raw.max_entries.unwrap_or(max_entries),
            max_age: self.max_age(raw.max_age.as_ref(), &ctx, "max_age", max_age),
            params,
            filter,
        }
    }

    fn filter(&mut self, raw: &RawSection, ctx: &str) -> Option<EntryFilter> {
        let mut patterns = |list: &[Spanned<String>], key: &str| -> Vec<Pattern> {
            list.iter()
                .filter_map(|p| {
                    Pattern::parse(p.get_ref())
                        .map_err(|e| self.problem(Some(p.span()), ctx, key, e))
                        .ok()
                })
                .collect()
        };
        let include = patterns(&raw.include, "include");
        let exclude = patterns(&raw.exclude, "exclude");
        let mut fields = FilterFields::default();
        if let Some(names) = &raw.filter_fields {
            fields = FilterFields {
                title: false,
                summary: false,
                tags: false,
            };
            for name in names {
                match name.get_ref().as_str() {
                    "title" => fields.title = true,
                    "summary" => fields.summary = true,
                    "tags" => fields.tags = true,
                    other => self.problem(
                        Some(name.span()),
                        ctx,
                        "filter_fields",
                        format!("{other:?} is not a filter field; use \"title\", \"summary\" or \"tags\""),
                    ),
                }
            }
        }
        if include.is_empty() && exclude.is_empty() {
            return None;
        }
        Some(EntryFilter {
            include,
            exclude,
            fields,
        })
    }

    /// Every template name must be a built-in, a page parameter, or a param of this section.
    fn check_templates(&mut self, listing: &ListingRules, section: &Section, ctx: &str) {
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

    fn listing(&mut self, raw: RawListing, ctx: &str) -> ListingRules {
        let kind_name = raw.kind.get_ref().as_str();
        let kind = match kind_name {
            "json" => ListingKind::Json {
                items: JsonPath::parse(raw.items.get_ref()),
            },
            "html" => {
                let selector = self.selector(&raw.items, ctx, "listing.items");
                ListingKind::Html {
                    item: selector,
                    item_css: raw.items.get_ref().clone(),
                }
            }
            other => {
                self.problem(
                    Some(raw.kind.span()),
                    ctx,
                    "listing.type",
                    format!("{other:?} is not a listing type; use \"html\" or \"json\""),
                );
                ListingKind::Json {
                    items: JsonPath(vec![]),
                }
            }
        };
        let json = matches!(kind, ListingKind::Json { .. });
        let url = match &raw.url {
            Some(u) => self.template(u, ctx, "listing.url"),
            None => Template::parse("{{section_url}}").expect("static template"),
        };
        let method = match raw
            .method
            .as_ref()
            .map(|m| m.get_ref().to_ascii_uppercase())
        {
            None => Method::GET,
            Some(m) if m == "GET" => Method::GET,
            Some(m) if m == "POST" => Method::POST,
            Some(m) => {
                let span = raw.method.as_ref().map(|s| s.span());
                self.problem(
                    span,
                    ctx,
                    "listing.method",
                    format!("{m:?} is not supported; use \"GET\" or \"POST\""),
                );
                Method::GET
            }
        };
        let body = raw
            .body
            .as_ref()
            .map(|b| self.template(b, ctx, "listing.body"));
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
                PageParam {
                    selector: self.selector(&p.css, ctx, &format!("{key}.css")),
                    css: p.css.get_ref().clone(),
                    attr: p.attr,
                    regex: p
                        .regex
                        .as_ref()
                        .and_then(|r| self.regex(r, ctx, &format!("{key}.regex"))),
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
            method,
            body,
            headers: self.headers(&raw.headers, ctx, "listing.headers"),
            fields,
            page_params,
            pagination,
        }
    }

    fn pagination(
        &mut self,
        raw: RawPagination,
        json: bool,
        url: &Template,
        body: Option<&Template>,
        ctx: &str,
    ) -> Option<Pagination> {
        let key = "listing.pagination";
        let pages = raw.pages.unwrap_or(1);
        if pages == 0 {
            self.problem(
                None,
                ctx,
                &format!("{key}.pages"),
                "must be at least 1".into(),
            );
        }
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
        let next_url = match &raw.url {
            Some(u) => self.template(u, ctx, &format!("{key}.url")),
            None => url.clone(),
        };
        let next_body = match &raw.body {
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

    fn listing_source(&mut self, raw: RawSource, json: bool, ctx: &str, key: &str) -> Rule {
        let transform = self.transform(&raw, ctx, key);
        let source = self.listing_source_only(raw, json, ctx, key);
        Rule { source, transform }
    }

    fn listing_source_only(&mut self, raw: RawSource, json: bool, ctx: &str, key: &str) -> Source {
        if json {
            if let Some(path) = &raw.path {
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
                return Source::Path(JsonPath::parse(path.get_ref()));
            }
            self.problem(
                None,
                ctx,
                key,
                "a JSON listing field needs `path = \"...\"`".into(),
            );
            return Source::Path(JsonPath(vec![]));
        }
        if raw.path.is_some() || raw.meta.is_some() || raw.json_ld.is_some() {
            self.problem(
                None,
                ctx,
                key,
                "an HTML listing field takes `css` (with `attr` or `html`)".into(),
            );
        }
        self.source_only(raw, ctx, key)
    }

    fn article(&mut self, raw: RawArticle, ctx: &str) -> ArticleRules {
        let defaults = super::defaults::article_sources();
        let mut list = |rules: Option<Vec<RawSource>>, key: &str, default: &str| -> Vec<Rule> {
            match rules {
                Some(rules) => rules
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| {
                        if r.path.is_some() {
                            self.problem(None, ctx, &format!("article.{key}[{i}].path"), "`path` is for JSON listings; article fields take `css`, `meta` or `json_ld`".into());
                        }
                        self.source(r, ctx, &format!("article.{key}[{i}]"))
                    })
                    .collect(),
                None => defaults(default).into_iter().map(Rule::new).collect(),
            }
        };
        ArticleRules {
            title: list(raw.title, "title", "title"),
            summary: list(raw.summary, "summary", "summary"),
            body: list(raw.body, "body", "body"),
            author: list(raw.author, "author", "author"),
            tags: list(raw.tags, "tags", "tags"),
            image: list(raw.image, "image", "image"),
            published: list(raw.published, "published", "published"),
            updated: list(raw.updated, "updated", "updated"),
            remove: raw
                .remove
                .iter()
                .map(|s| Css {
                    text: s.get_ref().clone(),
                    selector: self.selector(s, ctx, "article.remove"),
                })
                .collect(),
        }
    }

    fn source(&mut self, raw: RawSource, ctx: &str, key: &str) -> Rule {
        let transform = self.transform(&raw, ctx, key);
        let source = self.source_only(raw, ctx, key);
        Rule { source, transform }
    }

    fn transform(&mut self, raw: &RawSource, ctx: &str, key: &str) -> Transform {
        let regex = raw
            .regex
            .as_ref()
            .and_then(|r| self.regex(r, ctx, &format!("{key}.regex")));
        if raw.replace.is_some() && raw.regex.is_none() {
            self.problem(
                None,
                ctx,
                &format!("{key}.replace"),
                "`replace` needs a `regex`".into(),
            );
        }
        Transform {
            regex,
            replace: raw.replace.clone(),
            strip_prefix: raw.strip_prefix.clone(),
            strip_suffix: raw.strip_suffix.clone(),
        }
    }

    fn source_only(&mut self, raw: RawSource, ctx: &str, key: &str) -> Source {
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
        if let Some(css) = &raw.css {
            let take = match (&raw.attr, raw.html.unwrap_or(false)) {
                (Some(_), true) => {
                    self.problem(
                        Some(css.span()),
                        ctx,
                        key,
                        "`attr` and `html` exclude each other".into(),
                    );
                    Take::Text
                }
                (Some(attr), false) => Take::Attr(attr.clone()),
                (None, true) => Take::Html,
                (None, false) => Take::Text,
            };
            return Source::Css {
                selector: self.selector(css, ctx, &format!("{key}.css")),
                css: css.get_ref().clone(),
                take,
            };
        }
        if raw.attr.is_some() || raw.html.is_some() {
            self.problem(None, ctx, key, "`attr` and `html` go with `css`".into());
        }
        if let Some(meta) = raw.meta {
            return Source::Meta(meta.into_inner());
        }
        if let Some(path) = raw.json_ld {
            return Source::JsonLd(JsonPath::parse(path.get_ref()).0);
        }
        Source::Meta(String::new())
    }

    fn selector(&mut self, css: &Spanned<String>, ctx: &str, key: &str) -> Selector {
        Selector::parse(css.get_ref()).unwrap_or_else(|e| {
            self.problem(
                Some(css.span()),
                ctx,
                key,
                format!("{:?} is not a valid CSS selector: {e}", css.get_ref()),
            );
            Selector::parse("*").expect("static selector")
        })
    }

    fn regex(&mut self, text: &Spanned<String>, ctx: &str, key: &str) -> Option<Regex> {
        Regex::new(text.get_ref())
            .map_err(|e| {
                self.problem(
                    Some(text.span()),
                    ctx,
                    key,
                    format!("{:?} is not a valid regex: {e}", text.get_ref()),
                )
            })
            .ok()
    }

    fn template(&mut self, text: &Spanned<String>, ctx: &str, key: &str) -> Template {
        Template::parse(text.get_ref()).unwrap_or_else(|e| {
            self.problem(Some(text.span()), ctx, key, e);
            Template::parse("").expect("empty template")
        })
    }

    fn url(&mut self, text: &Spanned<String>, ctx: &str, key: &str) -> Option<Url> {
        match Url::parse(text.get_ref()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
            Ok(_) => {
                self.problem(
                    Some(text.span()),
                    ctx,
                    key,
                    format!("{:?} is not an http(s) URL", text.get_ref()),
                );
                None
            }
            Err(e) => {
                self.problem(
                    Some(text.span()),
                    ctx,
                    key,
                    format!("{:?} is not a URL: {e}", text.get_ref()),
                );
                None
            }
        }
    }

    fn socket_addr(&mut self, text: &Spanned<String>, ctx: &str, key: &str) -> SocketAddr {
        text.get_ref().parse().unwrap_or_else(|e| {
            self.problem(
                Some(text.span()),
                ctx,
                key,
                format!(
                    "{:?} is not an address like \"127.0.0.1:8080\": {e}",
                    text.get_ref()
                ),
            );
            DEFAULT_LISTEN
                .parse()
                .expect("default listen address parses")
        })
    }

    /// The `server.feed_cache` size: "16 MiB", "512 KiB", "1GB"…
    fn feed_cache(&mut self, text: Option<&Spanned<String>>) -> usize {
        let Some(text) = text else {
            return DEFAULT_FEED_CACHE;
        };
        match text.get_ref().trim().parse::<bytesize::ByteSize>() {
            Ok(size) if (1..=MAX_FEED_CACHE).contains(&size.as_u64()) => size.as_u64() as usize,
            Ok(_) => {
                self.problem(
                    Some(text.span()),
                    "",
                    "server.feed_cache",
                    format!(
                        "{:?} must be more than 0 and at most 64 GiB",
                        text.get_ref()
                    ),
                );
                DEFAULT_FEED_CACHE
            }
            Err(e) => {
                self.problem(
                    Some(text.span()),
                    "",
                    "server.feed_cache",
                    format!(
                        "{:?} is not a size like \"16 MiB\" or \"512KiB\": {e}",
                        text.get_ref()
                    ),
                );
                DEFAULT_FEED_CACHE
            }
        }
    }

    fn duration(
        &mut self,
        text: Option<&Spanned<String>>,
        ctx: &str,
        key: &str,
        default: Duration,
    ) -> Duration {
        let Some(text) = text else { return default };
        humantime::parse_duration(text.get_ref()).unwrap_or_else(|e| {
            self.problem(
                Some(text.span()),
                ctx,
                key,
                format!(
                    "{:?} is not a duration like \"15m\" or \"500ms\": {e}",
                    text.get_ref()
                ),
            );
            default
        })
    }

    /// A retention age: a duration of at least an hour (a smaller one is surely a typo that
    /// would empty the feed at every scrape), or `default` when not given.
    fn max_age(
        &mut self,
        text: Option<&Spanned<String>>,
        ctx: &str,
        key: &str,
        default: Option<Duration>,
    ) -> Option<Duration> {
        let Some(text) = text else { return default };
        let problems = self.problems.len();
        let age = self.duration(Some(text), ctx, key, Duration::ZERO);
        if self.problems.len() > problems {
            return default;
        }
        if age < Duration::from_secs(3600) {
            self.problem(
                Some(text.span()),
                ctx,
                key,
                format!("{:?} is shorter than an hour", text.get_ref()),
            );
            return default;
        }
        Some(age)
    }

    fn headers(&mut self, raw: &BTreeMap<String, String>, ctx: &str, key: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in raw {
            match (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                (Ok(n), Ok(v)) => {
                    map.insert(n, v);
                }
                _ => self.problem(
                    None,
                    ctx,
                    &format!("{key}.{name}"),
                    format!("{name:?}: {value:?} is not a valid HTTP header"),
                ),
            }
        }
        map
    }
}

/// `en`, `ru-RU`, `pt_BR`, `zh-Hant-TW`: letters, then letter/digit subtags.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split(['-', '_']);
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}
