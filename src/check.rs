//! `scrapefeed check`: validate the config and preview what each section yields, storing
//! nothing.
//!
//! For every section it reads the listing and a few article pages and reports, per item,
//! each field's value with the rule that produced it and the rules tried before it that
//! missed — so a declaration can be fixed without reading code. Declared rules that match
//! nothing on any previewed page are warnings. The report is printed as text or, with
//! `--json`, as one JSON document for scripts. It fails (non-zero exit) when a section
//! yields no items or no dates.

use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

use crate::assemble::assemble;
use crate::clock::Clock;
use crate::config::{Config, Section, Site};
use crate::extract::{extract, trace, Extracted, RuleTrace};
use crate::fetch::{Fetcher, Request};
use crate::listing::{self, ListingItem};

/// Articles previewed per section.
pub const SAMPLE_ARTICLES: usize = 3;

/// What one section yields.
#[derive(Debug, Serialize)]
pub struct SectionPreview {
    pub site: String,
    pub section: String,
    pub url: String,
    pub page_params: std::collections::BTreeMap<String, String>,
    pub listed: usize,
    pub skipped: usize,
    pub pages: usize,
    pub articles: Vec<ArticlePreview>,
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub ok: bool,
}

/// One previewed article.
#[derive(Debug, Serialize)]
pub struct ArticlePreview {
    pub url: String,
    pub fetch_error: Option<String>,
    pub fields: Vec<FieldPreview>,
    pub published: String,
    pub published_rule: String,
    /// Every date candidate found on the page: (value, rule).
    pub date_candidates: Vec<(String, String)>,
}

/// One field of one article.
#[derive(Debug, Serialize)]
pub struct FieldPreview {
    pub field: &'static str,
    pub value: Option<String>,
    /// The rule that produced the value (`listing` when the listing filled in).
    pub rule: Option<String>,
    /// Rules tried before it (or all of them) that matched nothing.
    pub missed: Vec<String>,
}

/// Previews the chosen sections (all when `only` is empty) and prints the report; returns
/// whether every section was fine.
pub async fn run(
    config: &Config,
    only: &[String],
    json: bool,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<bool> {
    let fetcher = Fetcher::new()?;
    let mut previews = Vec::new();
    for (site, section) in config.sections() {
        let wanted = only.is_empty()
            || only.iter().any(|o| {
                *o == section.id || *o == site.id || *o == format!("{}/{}", site.id, section.id)
            });
        if wanted {
            let preview = preview(&fetcher, site, section, clock.as_ref()).await;
            if !json {
                print!("{}", render_text(&preview));
            }
            previews.push(preview);
        }
    }
    if only
        .iter()
        .any(|o| config.find_section(o).is_none() && !config.sites.iter().any(|s| s.id == *o))
    {
        anyhow::bail!("no site or section named {:?} in the config", only);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&previews)?);
    }
    Ok(previews.iter().all(|p| p.ok))
}

/// Reads a section's listing and first articles, storing nothing.
pub async fn preview(
    fetcher: &Fetcher,
    site: &Site,
    section: &Section,
    clock: &dyn Clock,
) -> SectionPreview {
    let mut out = SectionPreview {
        site: site.id.clone(),
        section: section.id.clone(),
        url: section.url.to_string(),
        page_params: Default::default(),
        listed: 0,
        skipped: 0,
        pages: 0,
        articles: Vec::new(),
        warnings: Vec::new(),
        error: None,
        ok: false,
    };
    match listing::read_page_params(fetcher, site, section).await {
        Ok(params) => out.page_params = params,
        Err(e) => {
            out.error = Some(crate::errors::chain(&e));
            return out;
        }
    }
    let items = match listing::read_listing(fetcher, site, section, &out.page_params, None).await {
        Ok(l) => {
            (out.listed, out.skipped, out.pages) = (l.items.len(), l.skipped, l.pages);
            l.items
        }
        Err(e) => {
            out.error = Some(crate::errors::chain(&e));
            return out;
        }
    };
    if items.is_empty() {
        out.error = Some(format!(
            "the listing yielded no items: check `listing.items` and `listing.fields.link` (the page was read; {} items had no usable link)",
            out.skipped
        ));
        return out;
    }
    let mut traces: Vec<RuleTrace> = Vec::new();
    for item in items.iter().take(SAMPLE_ARTICLES) {
        let (article, trace) = preview_article(fetcher, site, item, clock).await;
        out.articles.push(article);
        traces.extend(trace.into_iter().flatten());
    }
    out.warnings = never_matched(&traces);
    let dated = out
        .articles
        .iter()
        .filter(|a| a.published_rule != "first-seen")
        .count();
    out.ok = dated > 0;
    if !out.ok {
        out.error = Some("no previewed article has a date: check `article.published` and `listing.fields.published`".into());
    }
    out
}

async fn preview_article(
    fetcher: &Fetcher,
    site: &Site,
    item: &ListingItem,
    clock: &dyn Clock,
) -> (ArticlePreview, Option<Vec<RuleTrace>>) {
    let page = fetcher.fetch(Request::get(site, &item.url)).await;
    let (extracted, trace, fetch_error) = match page {
        Ok(page) => (
            extract(&page.text, &page.url, &site.article),
            Some(trace(&page.text, &site.article)),
            None,
        ),
        Err(e) => (Extracted::default(), None, Some(crate::errors::chain(&e))),
    };
    let listing_structured = site
        .listing
        .fields
        .published
        .as_ref()
        .is_some_and(|s| s.is_structured());
    let entry = assemble(site, item, &extracted, listing_structured, clock.now());
    let listing_value = |field: &str| match field {
        "title" => item.title.clone(),
        "summary" => item.summary.clone(),
        "image" => item.image.clone(),
        _ => None,
    };
    let chosen = |field: &str| -> Option<(String, String)> {
        let found = match field {
            "title" => extracted.title.as_ref(),
            "summary" => extracted.summary.as_ref(),
            "body" => extracted.body.as_ref(),
            "author" => extracted.author.as_ref(),
            "image" => extracted.image.as_ref(),
            "tags" => {
                return extracted
                    .tags
                    .as_ref()
                    .map(|t| (t.value.join(", "), t.rule.clone()));
            }
            _ => None,
        };
        found.map(|f| (f.value.clone(), f.rule.clone()))
    };
    let fields = ["title", "summary", "body", "author", "tags", "image"]
        .into_iter()
        .map(|field| {
            let (value, rule) = match (chosen(field), listing_value(field)) {
                (Some((v, r)), _) => (Some(v), Some(r)),
                (None, Some(v)) => (Some(v), Some("listing".to_string())),
                (None, None) => (None, None),
            };
            let missed = trace
                .iter()
                .flatten()
                .filter(|t| t.field == field)
                .take_while(|t| Some(&t.rule) != rule.as_ref())
                .filter(|t| t.value.is_none())
                .map(|t| t.rule.clone())
                .collect();
            FieldPreview {
                field,
                value,
                rule,
                missed,
            }
        })
        .collect();
    let article = ArticlePreview {
        url: item.url.to_string(),
        fetch_error,
        fields,
        published: entry.published.to_rfc3339(),
        published_rule: entry.date_source.clone(),
        date_candidates: extracted
            .published
            .iter()
            .map(|c| (c.value.clone(), c.rule.clone()))
            .chain(
                item.published
                    .iter()
                    .map(|p| (p.clone(), "listing".to_string())),
            )
            .collect(),
    };
    (article, trace)
}

/// Rules that matched nothing on any previewed page.
fn never_matched(traces: &[RuleTrace]) -> Vec<String> {
    let mut seen: Vec<(&str, &str, bool)> = Vec::new();
    for t in traces {
        match seen
            .iter_mut()
            .find(|(f, r, _)| *f == t.field && *r == t.rule)
        {
            Some(entry) => entry.2 |= t.value.is_some(),
            None => seen.push((t.field, &t.rule, t.value.is_some())),
        }
    }
    seen.into_iter()
        .filter(|(_, _, hit)| !hit)
        .map(|(field, rule, _)| {
            format!("article.{field}: {rule} matched nothing on the previewed pages")
        })
        .collect()
}

/// The human-readable report of one section.
pub fn render_text(p: &SectionPreview) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "== {}/{} — {}", p.site, p.section, p.url);
    for (name, value) in &p.page_params {
        let _ = writeln!(out, "  page parameter {name} = {value:?}");
    }
    if p.pages > 0 {
        let _ = writeln!(
            out,
            "  listing: {} items from {} page(s) ({} skipped without a link)",
            p.listed, p.pages, p.skipped
        );
    }
    for a in &p.articles {
        let _ = writeln!(out, "  - {}", a.url);
        if let Some(e) = &a.fetch_error {
            let _ = writeln!(out, "      article page failed ({e}); listing data only");
        }
        for f in &a.fields {
            let line = match (&f.value, &f.rule) {
                (Some(v), Some(r)) => format!("{}  [{r}]", shorten(v)),
                _ => "— (no rule matched)".to_string(),
            };
            let _ = writeln!(out, "      {:<9} {line}", f.field);
            if !f.missed.is_empty() {
                let _ = writeln!(out, "                 missed: {}", f.missed.join("; "));
            }
        }
        let _ = writeln!(
            out,
            "      {:<9} {}  [{}]",
            "published", a.published, a.published_rule
        );
        for (value, rule) in &a.date_candidates {
            let _ = writeln!(out, "                 candidate {value:?} from {rule}");
        }
    }
    for w in &p.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
    if let Some(e) = &p.error {
        let _ = writeln!(out, "  ERROR {e}");
    }
    out.push('\n');
    out
}

fn shorten(text: &str) -> String {
    let flat = crate::html::collapse_whitespace(text);
    if flat.chars().count() <= 90 {
        flat
    } else {
        format!("{}…", flat.chars().take(89).collect::<String>())
    }
}
