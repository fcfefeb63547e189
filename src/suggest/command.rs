//! The `suggest` command's edges: fetch the page politely, analyze it, print the declaration
//! and prove it with `check`'s preview.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::{analyze, Suggestion};
use crate::check::{self, Sample};
use crate::clock::Clock;
use crate::config::Config;
use crate::fetch::{Fetcher, Request};
use crate::pipeline::sequence::SitePlan;

/// What `scrapefeed suggest` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    pub section_id: Option<String>,
    /// Which candidate list to declare (1: the best).
    pub choose: usize,
    /// Write the declaration to this new file.
    pub write: Option<PathBuf>,
    pub json: bool,
}

/// A config that lets the fetcher reach `url` as a site would: its politeness, robots.txt
/// and headers. Only the site matters; the listing is never read.
fn fetch_config(url: &Url) -> anyhow::Result<Config> {
    let base = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default())
        + &url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let text = format!(
        "[[site]]\nid = \"suggest\"\nbase_url = \"{base}\"\n[site.listing]\ntype = \"html\"\nitems = \"a\"\n[site.listing.fields]\nlink = {{ css = \"a\", attr = \"href\" }}\n[[site.section]]\nid = \"page\"\n"
    );
    Ok(Config::parse(&text, std::path::Path::new("."))?)
}

/// Fetches the section page at `url` through `fetcher` (robots.txt, politeness, headers) and
/// analyzes it: the proposal, or why there is none, in one line.
pub async fn propose(
    fetcher: &Fetcher,
    url: &str,
    section_id: Option<&str>,
) -> anyhow::Result<Suggestion> {
    let requested = Url::parse(url).with_context(|| format!("{url:?} is not a URL"))?;
    if !matches!(requested.scheme(), "http" | "https") {
        anyhow::bail!("{requested}: only http(s) pages can be read");
    }
    let config = fetch_config(&requested)?;
    let never = CancellationToken::new();
    let page = fetcher
        .fetch(Request::get(&config.sites[0], &requested), &never)
        .await
        .map_err(|e| anyhow::anyhow!("{}", crate::errors::chain(&e)))?;
    Ok(analyze(&page.text, &requested, &page.url, section_id)?)
}

/// Runs `suggest`; `Ok(false)` when the proposal's preview lists no item. (Its other
/// findings, such as article pages without a date, are printed for the user to judge.)
pub async fn run(options: &Options, clock: Arc<dyn Clock>) -> anyhow::Result<bool> {
    let fetcher = Fetcher::new()?;
    let suggestion = propose(&fetcher, &options.url, options.section_id.as_deref()).await?;
    let choice = options.choose.max(1) - 1;
    if choice >= suggestion.lists.len() {
        anyhow::bail!(
            "--choose {}: the page has {} candidate list(s)",
            options.choose,
            suggestion.lists.len()
        );
    }
    let mut toml = suggestion.toml(choice);
    let proposed = Config::parse(&toml, std::path::Path::new("."))
        .context("the proposed declaration does not validate (a bug: please report it)")?;
    let Some((site, section)) = proposed.sections().next() else {
        anyhow::bail!("the proposed declaration has no section (a bug: please report it)");
    };
    let preview = check::preview(
        &fetcher,
        &SitePlan::new(site),
        section,
        Sample::First(3),
        clock.as_ref(),
    )
    .await;
    toml.push_str(&missed_by_the_reader(&preview));
    if let Some(path) = &options.write {
        if path.exists() {
            anyhow::bail!("{}: exists; not overwritten", path.display());
        }
        std::fs::write(path, &toml).with_context(|| format!("writing {}", path.display()))?;
    }
    if options.json {
        let doc = serde_json::json!({
            "suggestion": suggestion,
            "chosen": choice + 1,
            "toml": toml,
            "preview": preview,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{}", explanation(&suggestion, choice));
        println!("{toml}");
        print!("{}", check::render_text(&preview));
    }
    Ok(preview.listed > 0)
}

/// Article fields the generic reader found on none of the previewed pages it could read: a
/// comment naming the `[site.article]` key to declare for each.
fn missed_by_the_reader(preview: &check::SectionPreview) -> String {
    let read: Vec<&check::ArticlePreview> = preview
        .articles
        .iter()
        .filter(|a| a.fetch_error.is_none())
        .collect();
    if read.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for field in ["title", "body"] {
        let found = read.iter().any(|a| {
            a.fields
                .iter()
                .any(|f| f.field == field && f.rule.as_deref().is_some_and(|r| r != "listing"))
        });
        if !found {
            let _ = writeln!(
                out,
                "# The generic reader found no {field} on the {} sampled article(s): declare `[site.article]` `{field} = [...]` (docs/config.md).",
                read.len()
            );
        }
    }
    if read
        .iter()
        .all(|a| a.published_rule == crate::model::date_source::FIRST_SEEN)
    {
        let _ = writeln!(
            out,
            "# No sampled article gave a date: entries would be dated when first seen; declare `[site.article]` `published = [...]` or a listing `published` field."
        );
    }
    if !out.is_empty() {
        out.insert(0, '\n');
    }
    out
}

/// What was found, for a person: feeds, the candidate lists when the choice is close.
fn explanation(s: &Suggestion, choice: usize) -> String {
    let mut out = String::new();
    for (name, url) in &s.feeds {
        let _ = writeln!(out, "# feed already published: {url} ({name})");
    }
    let shown = if s.sure { 1 } else { s.lists.len().min(3) };
    if !s.sure {
        let _ = writeln!(
            out,
            "# unsure: {} lists score close; list 1 is declared below, `--choose N` declares another",
            shown
        );
    }
    for (i, list) in s.lists.iter().take(shown.max(choice + 1)).enumerate() {
        let _ = writeln!(
            out,
            "# list {}: {} items in {} (`{}`), first: {}",
            i + 1,
            list.count,
            list.region,
            list.items,
            list.sample
                .iter()
                .take(3)
                .map(|(t, _, _)| format!("{t:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out.push('\n');
    out
}
