//! `scrapefeed check`: validate the config and preview what each section yields, storing
//! nothing.
//!
//! For every section it reads the listing and a few article pages, through the same sequence
//! a scrape runs (`pipeline::sequence`), only watching, and reports, per item,
//! each field's value with the rule that produced it and the rules tried before it that
//! missed — so a declaration can be fixed without reading code. Declared rules that match
//! nothing on any previewed page are warnings, and so is whatever cleaning changed in a
//! previewed entry (a dropped `javascript:` image, a value cut to its `[limits]`), and so are
//! the slips that read without an error but yield wrong data (`slips`: links that are text,
//! a value every item shares, links that lead to no article). The report is printed as text
//! or, with `--json`, as one JSON document for scripts. It fails (non-zero exit) when a
//! section yields no items, no dates, or no readable article page.

mod slips;

use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::{Config, Section};
use crate::extract::{self, RuleTrace};
use crate::fetch::Fetcher;
use crate::listing::{self, Listing, ListingItem};
use crate::model::date_source;
use crate::pipeline::sequence::{self, ArticleRead, SectionInput, SitePlan, Steps};
use crate::pipeline::ScrapeError;

/// Articles previewed per section unless `--limit` or `--all` say otherwise.
pub const SAMPLE_ARTICLES: usize = 3;

/// How many of a section's listed articles `check` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// The first N.
    First(usize),
    /// Every listed article (to see a whole listing's dates at once).
    All,
}

impl Default for Sample {
    fn default() -> Sample {
        Sample::First(SAMPLE_ARTICLES)
    }
}

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
    /// What the reader skipped or could not find on the page (invalid JSON-LD, no main
    /// content).
    pub warnings: Vec<String>,
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
    sample: Sample,
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
            let plan = SitePlan::new(site);
            let preview = preview(&fetcher, &plan, section, sample, clock.as_ref()).await;
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

/// Reads a section's listing and first articles through the scrape sequence, storing
/// nothing.
pub async fn preview(
    fetcher: &Fetcher,
    plan: &SitePlan,
    section: &Section,
    sample: Sample,
    clock: &dyn Clock,
) -> SectionPreview {
    let site = &plan.site;
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
    let never = CancellationToken::new();
    match listing::read_page_params(fetcher, site, section, &never).await {
        Ok(params) => out.page_params = params,
        Err(e) => {
            out.error = Some(crate::errors::chain(&e));
            return out;
        }
    }
    let mut observer = Preview {
        plan,
        sample,
        articles: Vec::new(),
        traces: Vec::new(),
        cleanings: Vec::new(),
    };
    let input = SectionInput {
        fetcher,
        plan,
        section,
        page_params: &out.page_params,
        validators: None,
        clock,
    };
    let listing = match sequence::read_section(input, &mut observer, &never).await {
        Ok(read) => read.listing,
        Err(e) => {
            out.error = Some(crate::errors::chain(&e));
            return out;
        }
    };
    (out.listed, out.skipped, out.pages) = (listing.items.len(), listing.skipped, listing.pages);
    if out.listed == 0 {
        out.error = Some(format!(
            "the listing yielded no items: check `listing.items` and `listing.fields.link` (the page was read; {} items had no usable link)",
            out.skipped
        ));
        return out;
    }
    out.articles = observer.articles;
    out.warnings = slips::listing_slips(&listing, &site.listing.kind);
    let unread = slips::unread_articles(&out.articles);
    out.warnings.extend(unread.clone());
    out.warnings.extend(never_matched(&observer.traces));
    out.warnings.extend(observer.cleanings);
    out.warnings.extend(out.articles.iter().flat_map(|a| {
        a.warnings
            .iter()
            .map(move |w| format!("article {}: {w}", a.url))
    }));
    let dated = out
        .articles
        .iter()
        .filter(|a| a.published_rule != date_source::FIRST_SEEN)
        .count();
    out.ok = dated > 0 && unread.is_none();
    if unread.is_some() {
        out.error = Some(
            "no previewed article page could be read: see the warning on `listing.fields.link`"
                .into(),
        );
    } else if dated == 0 {
        out.error = Some("no previewed article has a date: check `article.published` and `listing.fields.published`".into());
    }
    out
}

/// `check`'s steps: the sampled listed articles, each recorded with every rule's result on
/// its page.
struct Preview<'p> {
    plan: &'p SitePlan,
    sample: Sample,
    articles: Vec<ArticlePreview>,
    traces: Vec<RuleTrace>,
    /// What cleaning changed in each previewed entry, as warnings.
    cleanings: Vec<String>,
}

impl Steps for Preview<'_> {
    async fn choose<'l>(
        &mut self,
        listing: &'l Listing,
    ) -> Result<Vec<&'l ListingItem>, ScrapeError> {
        let take = match self.sample {
            Sample::First(n) => n,
            Sample::All => usize::MAX,
        };
        Ok(listing.items.iter().take(take).collect())
    }

    fn observe(&mut self, article: &ArticleRead<'_>) {
        let trace = article
            .page
            .ok()
            .map(|page| extract::trace(&page.text, &self.plan.article));
        self.articles
            .push(article_preview(article, trace.as_deref()));
        self.traces.extend(trace.into_iter().flatten());
        // The entry the sequence built, built again to learn what cleaning changed in it.
        let (_, cleanings) = self.plan.assembler.entry_noting(
            article.item,
            article.extracted,
            article.entry.first_seen,
        );
        self.cleanings.extend(
            cleanings
                .iter()
                .map(|c| format!("article {}: {c}", article.item.url)),
        );
    }
}

fn article_preview(read: &ArticleRead<'_>, trace: Option<&[RuleTrace]>) -> ArticlePreview {
    let (item, extracted, entry) = (read.item, read.extracted, read.entry);
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
                (None, Some(v)) => (Some(v), Some(date_source::LISTING.to_string())),
                (None, None) => (None, None),
            };
            let missed = trace
                .into_iter()
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
    ArticlePreview {
        url: item.url.to_string(),
        fetch_error: read.page.err().map(|e| crate::errors::chain(e)),
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
                    .map(|p| (p.clone(), date_source::LISTING.to_string())),
            )
            .collect(),
        warnings: extracted.warnings.clone(),
    }
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
                _ => "— (nothing found: no rule or generic step matched)".to_string(),
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

/// A value on one line of a terminal: whitespace collapsed, controls (an escape sequence
/// would reach the terminal) removed, long values cut.
fn shorten(text: &str) -> String {
    let flat = crate::text::line(text).into_owned();
    if flat.chars().count() <= 90 {
        flat
    } else {
        format!("{}…", flat.chars().take(89).collect::<String>())
    }
}
