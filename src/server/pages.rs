//! HTML pages from templates: the index of every feed and a preview page per feed.
//!
//! Templates are minijinja files named `*.html`, so every value is HTML-escaped by the engine.
//! An operator overrides a page by putting a file of the same name in the configured
//! templates directory; a page they did not override comes from the copy built into the
//! binary. The index announces every feed in every format with `<link rel="alternate">`, so
//! browsers and readers given the server's address discover them. A preview shows entries as
//! the feeds carry them (`render::feed_safe`): no control characters, and no image that is
//! not an `http(s)` URL (escaping alone would not stop `<img src="javascript:…">`).
//!
//! The index is also the operator's view: per section its state, the last error in full with
//! the URL that failed, the last success and the next run (relative, with the exact UTC time:
//! `when`), and, for a signed-in operator, a "Scrape now" form (`admin`). The page's language
//! is the interface's (English); each site's block carries the site's `lang`, so its names
//! are read out in their language, and the interface text inside it is marked English again.

mod when;

use std::path::Path;

use chrono::{DateTime, Utc};
use minijinja::Environment;
use serde::Serialize;

use super::admin::Visitor;
use crate::app::{App, SectionHealth, SectionState};
use crate::feeds::{FeedKind, FeedSpec, Format};
use crate::model::Entry;
use crate::render::feed_safe;

/// The built-in templates: (name, source).
const BUILT_IN: [(&str, &str); 2] = [
    ("index.html", include_str!("../../templates/index.html")),
    ("feed.html", include_str!("../../templates/feed.html")),
];

/// The page templates, loaded once at start-up.
pub struct Pages {
    env: Environment<'static>,
}

impl Pages {
    /// Loads each page from the operator's template directory, or the built-in one.
    pub fn load(dir: &Path) -> anyhow::Result<Pages> {
        let mut env = Environment::new();
        for (name, built_in) in BUILT_IN {
            let path = dir.join(name);
            let source = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => built_in.to_string(),
                Err(e) => anyhow::bail!("cannot read template {}: {e}", path.display()),
            };
            env.add_template_owned(name, source)
                .map_err(|e| anyhow::anyhow!("template {}: {e}", path.display()))?;
        }
        Ok(Pages { env })
    }

    fn render(&self, name: &str, context: minijinja::Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }

    /// The index page, as `visitor` may use it.
    pub fn index(&self, app: &App, visitor: &Visitor) -> Result<String, minijinja::Error> {
        let catalog = app.feeds.catalog();
        let now = app.scraper.clock.now();
        let operator = matches!(visitor, Visitor::Operator { .. });
        let card = |spec: &FeedSpec, site: &str| {
            let mut card = FeedCard::new(app, spec, now);
            card.status(app, spec, site, now, operator);
            card
        };
        let sites: Vec<IndexSite> = app
            .config
            .sites
            .iter()
            .map(|site| IndexSite {
                id: site.id.clone(),
                title: site.title.clone(),
                url: site.base_url.to_string(),
                lang: site.language_tag.as_deref().map(html_lang),
                feed: catalog.get(&site.id).map(|f| card(f, &site.title)),
                sections: site
                    .sections
                    .iter()
                    .filter_map(|s| catalog.get(&s.id))
                    .map(|f| card(f, &site.title))
                    .collect(),
            })
            .collect();
        let alternates: Vec<Alternate> = catalog
            .iter()
            .flat_map(|f| {
                Format::ALL.map(|format| Alternate {
                    title: format!("{} ({})", f.meta.title, label(format)),
                    mime: format.mime(),
                    href: f.url(format).to_string(),
                })
            })
            .collect();
        let operator = match visitor {
            Visitor::Nobody => None,
            Visitor::SignedOut => Some(OperatorView {
                signed_in: false,
                csrf: String::new(),
                login: link(app, "admin/login"),
                logout: link(app, "admin/logout"),
            }),
            Visitor::Operator { csrf } => Some(OperatorView {
                signed_in: true,
                csrf: csrf.clone(),
                login: link(app, "admin/login"),
                logout: link(app, "admin/logout"),
            }),
        };
        self.render(
            "index.html",
            minijinja::context! {
                sites => sites,
                all => catalog.get("all").map(|f| card(f, "every site")),
                alternates => alternates,
                opml => link(app, "opml"),
                suggest => app.config.server.suggest.then(|| link(app, "suggest")),
                operator => operator,
                version => env!("CARGO_PKG_VERSION"),
            },
        )
    }

    /// A feed's preview page: what a reader would show, with subscribe links.
    pub fn preview(
        &self,
        app: &App,
        spec: &FeedSpec,
        entries: &[Entry],
    ) -> Result<String, minijinja::Error> {
        let now = app.scraper.clock.now();
        let entries: Vec<PreviewEntry> = entries
            .iter()
            .map(|e| feed_safe(e))
            .map(|e| PreviewEntry {
                title: e.title.clone(),
                url: e.url.clone(),
                published: when::When::new(e.published.to_utc(), now),
                summary: e.summary.clone(),
                image: e.image.clone(),
            })
            .collect();
        let feed = FeedCard::new(app, spec, now);
        self.render(
            "feed.html",
            minijinja::context! {
                feed => feed,
                // The entries are in the site's language.
                lang => spec.meta.language.as_deref().map(html_lang),
                description => spec.meta.description.clone(),
                entries => entries,
                index => link(app, ""),
                version => env!("CARGO_PKG_VERSION"),
            },
        )
    }
}

fn label(format: Format) -> &'static str {
    match format {
        Format::Rss => "RSS",
        Format::Atom => "Atom",
        Format::Json => "JSON Feed",
    }
}

/// A language tag as HTML's `lang` wants it: BCP 47's hyphen (the config also accepts
/// `pt_BR`).
fn html_lang(tag: &str) -> String {
    tag.replace('_', "-")
}

pub(super) fn link(app: &App, path: &str) -> String {
    let base = app.feeds.public_url();
    base.join(path)
        .map(String::from)
        .unwrap_or_else(|_| format!("/{path}"))
}

/// The operator's part of the index: sign-in, or sign-out and the forms' anti-forgery value.
#[derive(Serialize)]
struct OperatorView {
    signed_in: bool,
    csrf: String,
    login: String,
    logout: String,
}

#[derive(Serialize)]
struct Alternate {
    title: String,
    mime: &'static str,
    href: String,
}

/// One feed as the pages show it.
#[derive(Serialize)]
struct FeedCard {
    id: String,
    title: String,
    label: String,
    /// The page on the site (or the index, for `all`).
    page: String,
    rss: String,
    atom: String,
    json: String,
    html: String,
    entries: usize,
    updated: Option<String>,
    /// `ok`, `waiting` (never scraped), `failing` or `unreachable` (the site's robots.txt
    /// could not be read: it is down or not reachable yet; asked again soon).
    state: &'static str,
    failing: usize,
    last_error: Option<String>,
    /// The section's own health record (sections only).
    health: Option<SectionHealth>,
    /// Where the feed belongs, for accessible names ("RSS feed for TASS: Politics").
    site: String,
    /// The last error's failing URL, when it is an http(s) URL (it becomes a link).
    error_url: Option<String>,
    last_success: Option<when::When>,
    next_run: Option<when::When>,
    /// `updated`, relative and exact (the index and the preview page).
    updated_when: Option<when::When>,
    /// Where "Scrape now" posts (sections, for a signed-in operator).
    scrape: Option<String>,
}

impl FeedCard {
    fn new(app: &App, spec: &FeedSpec, now: DateTime<Utc>) -> FeedCard {
        let head = app.feeds.last_head(&spec.name);
        let updated = head
            .as_ref()
            .filter(|h| h.entries > 0)
            .map(|h| when::When::new(h.updated.to_utc(), now));
        let healths: Vec<SectionHealth> = spec.members.iter().map(|m| app.health(m)).collect();
        let failing = healths
            .iter()
            .filter(|h| h.consecutive_failures > 0)
            .count();
        let state = if healths.iter().any(|h| h.state == SectionState::Unreachable) {
            "unreachable"
        } else if failing > 0 {
            "failing"
        } else if healths.iter().any(|h| h.last_success.is_some()) {
            "ok"
        } else {
            "waiting"
        };
        FeedCard {
            id: spec.name.clone(),
            title: spec.meta.title.clone(),
            label: spec.label.clone(),
            page: spec.meta.link.clone(),
            rss: spec.url(Format::Rss).to_string(),
            atom: spec.url(Format::Atom).to_string(),
            json: spec.url(Format::Json).to_string(),
            html: link(app, &format!("feeds/{}.html", spec.name)),
            entries: head.as_ref().map_or(0, |h| h.entries),
            updated: updated.as_ref().map(|when| when.utc.clone()),
            state,
            failing,
            last_error: healths.iter().find_map(|h| h.last_error.clone()),
            health: matches!(spec.kind, FeedKind::Section { .. })
                .then(|| healths.into_iter().next())
                .flatten(),
            site: String::new(),
            error_url: None,
            last_success: None,
            next_run: None,
            updated_when: updated,
            scrape: None,
        }
    }

    /// The operator's view of the card: times relative to `now`, the failing URL, and the
    /// "Scrape now" target when `operator` is signed in.
    fn status(
        &mut self,
        app: &App,
        spec: &FeedSpec,
        site: &str,
        now: DateTime<Utc>,
        operator: bool,
    ) {
        self.site = site.to_string();
        let Some(health) = &self.health else {
            return;
        };
        self.error_url = health
            .last_error_url
            .as_deref()
            .and_then(crate::text::web_url)
            .map(std::borrow::Cow::into_owned);
        self.last_success = health.last_success.map(|at| when::When::new(at, now));
        self.next_run = health.next_run.map(|at| {
            let mut next = when::When::new(at, now);
            next.relative = when::relative_due(at, now);
            next
        });
        if operator {
            self.scrape = Some(link(app, &format!("admin/sections/{}/scrape", spec.name)));
        }
    }
}

#[derive(Serialize)]
struct IndexSite {
    id: String,
    title: String,
    url: String,
    /// The site's language (`language` in its config), for its block's `lang`.
    lang: Option<String>,
    feed: Option<FeedCard>,
    sections: Vec<FeedCard>,
}

#[derive(Serialize)]
struct PreviewEntry {
    title: String,
    url: String,
    published: when::When,
    summary: Option<String>,
    image: Option<String>,
}
