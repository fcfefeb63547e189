//! `scrapefeed suggest URL`: a site declaration proposed from a section page alone.
//!
//! [`analyze`] reads the page (pure: no network): the feeds it already links to, its
//! candidate article lists (`lists`), the next-page link, its language and a guessed
//! timezone. [`Suggestion::toml`] writes the declaration, commented; `command` fetches the
//! page through the scraper's own fetcher, refuses what is not a section page (not HTML, a
//! login wall, an app shell, a redirect to another host, no repeated links) with one line,
//! and proves the declaration with `check`'s preview.

mod command;
mod lists;
mod page;
mod toml;

pub use command::{propose, run, Options};
pub use lists::List;

use std::collections::HashSet;

use scraper::Html;
use url::Url;

/// What a section page yields.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Suggestion {
    /// The page, after redirects.
    pub url: String,
    /// Feeds the page links to: (title or type, URL).
    pub feeds: Vec<(String, String)>,
    /// Candidate lists, best first; the first is the proposal.
    pub lists: Vec<List>,
    /// The next-page link's selector, if the page has one.
    pub next: Option<String>,
    /// `<html lang>` (or the page's language meta), primary subtag.
    pub language: Option<String>,
    /// A timezone guessed from the offsets of the list's dates and the language.
    pub timezone: Option<String>,
    /// The site's name, from `og:site_name` or `<title>`.
    pub site_title: Option<String>,
    pub site_id: String,
    pub section_id: String,
    /// How sure the proposal is: `false` when another list scores close to the first.
    pub sure: bool,
}

/// Why a page cannot be suggested for, said in one line.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SuggestError {
    #[error("{0}: not an HTML page ({1})")]
    NotHtml(String, &'static str),
    #[error("{0}: the page asks for a login (it has a password field and no article list); scrapefeed reads public pages only")]
    LoginWall(String),
    #[error("{0}: the page is an app shell (scripts, no article links): its articles come from a JSON API the page calls; declare a JSON listing (docs/config.md, \"[site.listing]\", type = \"json\")")]
    AppShell(String),
    #[error("{0}: redirected to another host ({1}); suggest for that URL instead if it is the same site")]
    OtherHost(String, String),
    #[error("{0}: no repeated links to articles found (at least 3 blocks each linking to an article of the same site are needed)")]
    NoList(String),
}

/// Reads a section page: the proposal and what it rests on. `requested` is the URL asked
/// for, `page.url`'s host must match it.
pub fn analyze(
    text: &str,
    requested: &Url,
    url: &Url,
    section_id: Option<&str>,
) -> Result<Suggestion, SuggestError> {
    let shown = url.to_string();
    let host = |u: &Url| {
        u.host_str()
            .map(|h| h.trim_start_matches("www.").to_string())
    };
    if host(url) != host(requested) {
        return Err(SuggestError::OtherHost(
            requested.to_string(),
            url.host_str().unwrap_or_default().to_string(),
        ));
    }
    page::refuse_non_html(text, &shown)?;
    let html = Html::parse_document(text);
    let item_list: HashSet<String> = page::item_list_urls(&html, url);
    let lists = lists::candidates(&html, url, &item_list);
    if lists.is_empty() {
        return Err(if page::has_password_field(&html) {
            SuggestError::LoginWall(shown)
        } else if page::is_app_shell(&html) {
            SuggestError::AppShell(shown)
        } else {
            SuggestError::NoList(shown)
        });
    }
    let sure = lists
        .get(1)
        .is_none_or(|second| second.score < lists[0].score * 0.7);
    let language = page::language(&html);
    let timezone = page::timezone_guess(&lists[0], language.as_deref());
    Ok(Suggestion {
        url: shown,
        feeds: page::feeds(&html, url),
        next: page::next_link(&html),
        site_title: page::site_title(&html),
        site_id: site_id(url),
        section_id: section_id
            .map(str::to_string)
            .unwrap_or_else(|| section_id_of(url)),
        language,
        timezone,
        lists,
        sure,
    })
}

/// The site's id: the first label of its registrable domain (`www.cnn.com` → `cnn`,
/// `news.bbc.co.uk` → `bbc`).
fn site_id(url: &Url) -> String {
    let site = lists::site_of(url).unwrap_or_else(|| "site".to_string());
    ident(site.split('.').next().unwrap_or("site"))
}

/// The section's id: the path's last segment (`/world/europe/` → `europe`), else `front`.
fn section_id_of(url: &Url) -> String {
    url.path()
        .trim_end_matches('/')
        .rsplit('/')
        .find(|s| !s.is_empty())
        .map(|s| ident(s.trim_end_matches(".html").trim_end_matches(".htm")))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "front".to_string())
}

/// Letters, digits and `-`, lower-cased: what ids may hold.
fn ident(text: &str) -> String {
    let id: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    id.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests;
