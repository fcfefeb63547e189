//! HTML pages from templates: the index of every feed and a preview page per feed.
//!
//! Templates are minijinja files named `*.html`, so every value is HTML-escaped by the engine.
//! An operator overrides a page by putting a file of the same name in the configured
//! templates directory; a page they did not override comes from the copy built into the
//! binary. The index announces every feed in every format with `<link rel="alternate">`, so
//! browsers and readers given the server's address discover them. A preview shows entries as
//! the feeds carry them (`render::feed_safe`): no control characters, and no image that is
//! not an `http(s)` URL (escaping alone would not stop `<img src="javascript:…">`).

use std::path::Path;

use chrono::SecondsFormat;
use minijinja::Environment;
use serde::Serialize;

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

    /// The index page.
    pub fn index(&self, app: &App) -> Result<String, minijinja::Error> {
        let catalog = app.feeds.catalog();
        let card = |spec: &FeedSpec| FeedCard::new(app, spec);
        let sites: Vec<IndexSite> = app
            .config
            .sites
            .iter()
            .map(|site| IndexSite {
                id: site.id.clone(),
                title: site.title.clone(),
                url: site.base_url.to_string(),
                feed: catalog.get(&site.id).map(|f| card(f)),
                sections: site
                    .sections
                    .iter()
                    .filter_map(|s| catalog.get(&s.id))
                    .map(|f| card(f))
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
        self.render(
            "index.html",
            minijinja::context! {
                sites => sites,
                all => catalog.get("all").map(|f| card(f)),
                alternates => alternates,
                opml => link(app, "opml"),
                suggest => app.config.server.suggest.then(|| link(app, "suggest")),
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
        let entries: Vec<PreviewEntry> = entries
            .iter()
            .map(|e| feed_safe(e))
            .map(|e| PreviewEntry {
                title: e.title.clone(),
                url: e.url.clone(),
                published: e.published.to_rfc3339_opts(SecondsFormat::Secs, true),
                summary: e.summary.clone(),
                image: e.image.clone(),
            })
            .collect();
        self.render(
            "feed.html",
            minijinja::context! {
                feed => FeedCard::new(app, spec),
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

fn link(app: &App, path: &str) -> String {
    let base = app.feeds.public_url();
    base.join(path)
        .map(String::from)
        .unwrap_or_else(|_| format!("/{path}"))
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
}

impl FeedCard {
    fn new(app: &App, spec: &FeedSpec) -> FeedCard {
        let head = app.feeds.last_head(&spec.name);
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
            updated: head
                .filter(|h| h.entries > 0)
                .map(|h| h.updated.to_rfc3339_opts(SecondsFormat::Secs, true)),
            state,
            failing,
            last_error: healths.iter().find_map(|h| h.last_error.clone()),
            health: matches!(spec.kind, FeedKind::Section { .. })
                .then(|| healths.into_iter().next())
                .flatten(),
        }
    }
}

#[derive(Serialize)]
struct IndexSite {
    id: String,
    title: String,
    url: String,
    feed: Option<FeedCard>,
    sections: Vec<FeedCard>,
}

#[derive(Serialize)]
struct PreviewEntry {
    title: String,
    url: String,
    published: String,
    summary: Option<String>,
    image: Option<String>,
}
