//! `scrapefeed check`: validate the config and preview what each section yields, storing
//! nothing.
//!
//! For every section it reads the listing and a few article pages, and prints each field's
//! value with the rule that produced it, or that no rule matched — so a declaration can be
//! fixed without reading code. It fails (non-zero exit) when a section yields no items or
//! no dates.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::assemble::assemble;
use crate::clock::Clock;
use crate::config::{Config, Section, Site};
use crate::extract::{extract, Extracted, Found};
use crate::fetch::{Fetcher, Request};
use crate::listing;

/// Articles previewed per section.
pub const SAMPLE_ARTICLES: usize = 3;

/// Previews the chosen sections (all when `only` is empty); returns whether all were fine.
pub async fn run(config: &Config, only: &[String], clock: Arc<dyn Clock>) -> anyhow::Result<bool> {
    let fetcher = Fetcher::new()?;
    let mut all_ok = true;
    for (site, section) in config.sections() {
        let wanted = only.is_empty()
            || only.iter().any(|o| {
                *o == section.id || *o == site.id || *o == format!("{}/{}", site.id, section.id)
            });
        if !wanted {
            continue;
        }
        let (report, ok) = preview(&fetcher, site, section, clock.as_ref()).await;
        print!("{report}");
        all_ok &= ok;
    }
    Ok(all_ok)
}

async fn preview(
    fetcher: &Fetcher,
    site: &Site,
    section: &Section,
    clock: &dyn Clock,
) -> (String, bool) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "== {}/{} ({}) — {}",
        site.id, section.id, section.title, section.url
    );
    let params = match listing::read_page_params(fetcher, site, section).await {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(out, "  ERROR {e}\n");
            return (out, false);
        }
    };
    for (name, value) in &params {
        let _ = writeln!(out, "  page parameter {name} = {value:?}");
    }
    let items = match listing::read_listing(fetcher, site, section, &params).await {
        Ok(l) => {
            let _ = writeln!(
                out,
                "  listing: {} items ({} skipped without a link)",
                l.items.len(),
                l.skipped
            );
            l.items
        }
        Err(e) => {
            let _ = writeln!(out, "  ERROR {e}\n");
            return (out, false);
        }
    };
    if items.is_empty() {
        let _ = writeln!(out, "  ERROR the listing yielded no items\n");
        return (out, false);
    }
    let listing_structured = site
        .listing
        .fields
        .published
        .as_ref()
        .is_some_and(|s| s.is_structured());
    let mut dated = 0;
    for item in items.iter().take(SAMPLE_ARTICLES) {
        let _ = writeln!(out, "  - {}", item.url);
        let page = fetcher
            .fetch(Request {
                method: reqwest::Method::GET,
                url: &item.url,
                headers: [&site.headers, &reqwest::header::HeaderMap::new()],
                body: None,
                timeout: site.timeout,
                min_delay: site.min_delay,
            })
            .await;
        let extracted = match page {
            Ok(page) => extract(&page.text, &page.url, &site.article),
            Err(e) => {
                let _ = writeln!(out, "      article page failed ({e}); listing data only");
                Extracted::default()
            }
        };
        let entry = assemble(site, item, &extracted, listing_structured, clock.now());
        field(&mut out, "title", &extracted.title, item.title.as_deref());
        field(
            &mut out,
            "summary",
            &extracted.summary,
            item.summary.as_deref(),
        );
        field(&mut out, "body", &extracted.body, None);
        field(&mut out, "author", &extracted.author, None);
        let tags = extracted.tags.as_ref().map(|t| Found {
            value: t.value.join(", "),
            rule: t.rule.clone(),
            structured: t.structured,
        });
        field(&mut out, "tags", &tags, None);
        field(&mut out, "image", &extracted.image, item.image.as_deref());
        let _ = writeln!(
            out,
            "      {:<9} {}  [{}]",
            "published",
            entry.published.to_rfc3339(),
            entry.date_source
        );
        if entry.date_source != "first-seen" {
            dated += 1;
        }
        for candidate in &extracted.published {
            let _ = writeln!(
                out,
                "                 candidate {:?} from {}",
                candidate.value, candidate.rule
            );
        }
    }
    let ok = dated > 0;
    if !ok {
        let _ = writeln!(out, "  ERROR no previewed article has a date: check `article.published` and `listing.fields.published`");
    }
    out.push('\n');
    (out, ok)
}

fn field(out: &mut String, name: &str, found: &Option<Found<String>>, listing: Option<&str>) {
    let line = match (found, listing) {
        (Some(f), _) => format!("{}  [{}]", shorten(&f.value), f.rule),
        (None, Some(l)) => format!("{}  [listing]", shorten(l)),
        (None, None) => "— (no rule matched)".to_string(),
    };
    let _ = writeln!(out, "      {name:<9} {line}");
}

fn shorten(text: &str) -> String {
    let flat = crate::html::collapse_whitespace(text);
    if flat.chars().count() <= 90 {
        flat
    } else {
        format!("{}…", flat.chars().take(89).collect::<String>())
    }
}
