//! Listing item + article extraction → one `Entry`, with the date chosen by trust.
//!
//! The article page is the better source for every field, the listing the fallback: an
//! entry is never dropped because a field is missing. Dates are tried in order of trust —
//! the article's structured values, then the listing's, then printed text — and the first
//! that parses wins; a later candidate that disagrees by more than a few minutes is logged
//! with the URL. No date anywhere means the first-seen time, which the store keeps forever.
//! Nothing is ever dated after the scrape (`now`).
//!
//! Every value is cleaned here, where it enters (`clean`): XML-safe text, absolute `http(s)`
//! URLs, the site's length limits. A value that cleans to nothing (a title of control
//! characters, a `javascript:` image) gives way to the listing's, as a missing one would.

mod clean;

pub use clean::{clean, Cleaning};

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use chrono_tz::Tz;

use crate::config::Site;
use crate::dates::{self, DateContext, Language};
use crate::extract::{Extracted, Found};
use crate::listing::ListingItem;
use crate::model::{date_source, Entry, TextLimits};
use crate::text::{self, squashed};

/// Two candidates further apart than this are reported as a disagreement.
const DISAGREEMENT_SECONDS: i64 = 5 * 60;

/// A date candidate: the text and the rule it came from.
#[derive(Debug, Clone)]
struct Candidate<'a> {
    text: &'a str,
    rule: String,
    structured: bool,
}

/// A site's entry builder, made once per config: the site's zone and date language, and
/// whether its listing's dates are machine-readable values (then trusted like the article's
/// structured dates) or printed text.
#[derive(Debug, Clone)]
pub struct Assembler {
    site: String,
    /// The site's own title, squashed (`text::squashed`): a page title equal to it says
    /// nothing about the article.
    site_title: String,
    timezone: Tz,
    language: Option<Language>,
    listing_dates_structured: bool,
    limits: TextLimits,
}

impl Assembler {
    pub fn new(site: &Site) -> Assembler {
        Assembler {
            site: site.id.clone(),
            site_title: squashed(&site.title),
            timezone: site.timezone,
            // An unknown language is fine: the date reader then tries every one it knows.
            language: site.language_tag.as_deref().and_then(|t| t.parse().ok()),
            listing_dates_structured: site
                .listing
                .fields
                .published
                .as_ref()
                .is_some_and(|rule| rule.is_structured()),
            limits: site.limits,
        }
    }

    /// Whether a page's title says nothing of its article: the site's own title, or a word
    /// pages use for any page.
    fn says_nothing(&self, title: &str) -> bool {
        const BLANK: [&str; 8] = [
            "home",
            "homepage",
            "startseite",
            "accueil",
            "article",
            "news",
            "untitled",
            "index",
        ];
        let t = squashed(title);
        t.is_empty() || t == self.site_title || BLANK.contains(&t.as_str())
    }

    /// Builds the entry for `item`, logging what cleaning changed. `extracted` is empty when
    /// the article page was unavailable.
    pub fn entry(&self, item: &ListingItem, extracted: &Extracted, now: DateTime<Utc>) -> Entry {
        let (entry, cleanings) = self.entry_noting(item, extracted, now);
        for cleaning in &cleanings {
            tracing::warn!(site = %self.site, url = %entry.url, "{cleaning}");
        }
        entry
    }

    /// Builds the entry for `item`, and says what cleaning changed (`check` shows it).
    pub fn entry_noting(
        &self,
        item: &ListingItem,
        extracted: &Extracted,
        now: DateTime<Utc>,
    ) -> (Entry, Vec<Cleaning>) {
        let now = now.with_nanosecond(0).unwrap_or(now);
        let url = item.url.to_string();
        let ctx = DateContext {
            timezone: self.timezone,
            language: self.language,
            now,
        };
        let value = |found: &Option<Found<String>>| found.as_ref().map(|f| f.value.clone());
        // A value with nothing left once cleaned counts as missing.
        let usable =
            |text: &Option<String>| text.as_deref().is_some_and(|t| !text::line(t).is_empty());
        // A title the generic reader found that only names the site (or says nothing, like
        // "Home") gives way to the listing's.
        let page_title = value(&extracted.title).filter(|t| {
            let generic = extracted
                .title
                .as_ref()
                .is_some_and(|f| f.rule.starts_with("generic:"));
            !(generic && item.title.is_some() && self.says_nothing(t))
        });
        let title = [page_title, item.title.clone()]
            .into_iter()
            .find(usable)
            .flatten()
            .unwrap_or_else(|| url.clone());
        let mut cleanings = Vec::new();
        let image = [value(&extracted.image), item.image.clone()]
            .into_iter()
            .flatten()
            .find(|image| {
                let web = text::web_url(image).is_some();
                if !web {
                    cleanings.push(Cleaning::NotWebUrl {
                        field: "image",
                        value: image.clone(),
                    });
                }
                web
            });

        // Trust order: structured article values, the listing's field, then printed text.
        let listing_candidate = item.published.as_deref().map(|text| Candidate {
            text,
            rule: date_source::LISTING.into(),
            structured: self.listing_dates_structured,
        });
        let article = extracted.published.iter().map(|f| Candidate {
            text: &f.value,
            rule: f.rule.clone(),
            structured: f.structured,
        });
        let mut candidates: Vec<Candidate> = article.chain(listing_candidate).collect();
        candidates.sort_by_key(|c| !c.structured);
        let published = self.choose(&candidates, &ctx, &url);
        let (published, date_source) = match published {
            Some((date, rule)) => (date, rule),
            None => (
                now.with_timezone(&self.timezone).fixed_offset(),
                date_source::FIRST_SEEN.to_string(),
            ),
        };
        let mut updated_candidates: Vec<Candidate> = extracted
            .updated
            .iter()
            .map(|f| Candidate {
                text: &f.value,
                rule: f.rule.clone(),
                structured: f.structured,
            })
            .collect();
        updated_candidates.sort_by_key(|c| !c.structured);
        let updated = self
            .choose(&updated_candidates, &ctx, &url)
            .map(|(d, _)| d)
            .filter(|d| *d > published);

        let entry = Entry {
            title,
            summary: [value(&extracted.summary), item.summary.clone()]
                .into_iter()
                .find(usable)
                .flatten(),
            body: value(&extracted.body),
            author: value(&extracted.author),
            tags: extracted
                .tags
                .as_ref()
                .map(|t| t.value.clone())
                .unwrap_or_default(),
            image,
            published,
            updated,
            first_seen: now,
            date_source,
            url,
        };
        let (entry, more) = clean(entry, &self.limits);
        cleanings.extend(more);
        (entry, cleanings)
    }

    /// The first candidate that parses, clamped to `now`; logs unreadable and disagreeing
    /// ones.
    fn choose(
        &self,
        candidates: &[Candidate],
        ctx: &DateContext,
        url: &str,
    ) -> Option<(DateTime<FixedOffset>, String)> {
        let mut chosen: Option<(DateTime<FixedOffset>, String)> = None;
        for candidate in candidates {
            match dates::parse(candidate.text, ctx) {
                Ok(date) => {
                    let date = not_after(date.with_nanosecond(0).unwrap_or(date), ctx.now);
                    match &chosen {
                        None => chosen = Some((date, candidate.rule.clone())),
                        Some((first, rule))
                            if (date - *first).num_seconds().abs() > DISAGREEMENT_SECONDS =>
                        {
                            tracing::warn!(site = %self.site, %url, kept = %first.to_rfc3339(), kept_rule = %rule,
                                other = %date.to_rfc3339(), other_rule = %candidate.rule, text = %candidate.text,
                                "date sources disagree; keeping the more trusted one");
                        }
                        Some(_) => {}
                    }
                }
                Err(error) => {
                    tracing::warn!(site = %self.site, %url, rule = %candidate.rule, text = %candidate.text, %error, "cannot read date");
                }
            }
        }
        chosen
    }
}

/// A date after the scrape would pin the entry on top in readers: clamp it.
fn not_after(date: DateTime<FixedOffset>, now: DateTime<Utc>) -> DateTime<FixedOffset> {
    if date.with_timezone(&Utc) > now {
        now.with_timezone(date.offset())
    } else {
        date
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::extract::Found;
    use chrono::TimeZone;

    fn assembler() -> Assembler {
        let config = Config::parse(
            r#"[[site]]
id = "gazette"
title = "The Gazette"
base_url = "https://gazette.example"
[site.listing]
type = "html"
items = "li"
[site.listing.fields]
link = { css = "a", attr = "href" }
[[site.section]]
id = "news"
"#,
            std::path::Path::new("."),
        )
        .unwrap();
        Assembler::new(&config.sites[0])
    }

    fn title_of(page_title: &str, rule: &str, listed: Option<&str>) -> String {
        let item = ListingItem {
            url: url::Url::parse("https://gazette.example/a").unwrap(),
            title: listed.map(str::to_string),
            summary: None,
            published: None,
            image: None,
        };
        let extracted = Extracted {
            title: Some(Found {
                value: page_title.to_string(),
                rule: rule.to_string(),
                structured: false,
            }),
            ..Extracted::default()
        };
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        assembler().entry(&item, &extracted, now).title
    }

    #[test]
    fn a_generic_page_title_gives_way_to_the_listings() {
        let listed = Some("Council votes on the budget");
        assert_eq!(
            title_of("The Gazette", "generic: <title>", listed),
            "Council votes on the budget"
        );
        assert_eq!(
            title_of("Home", "generic: the article's <h1>", listed),
            "Council votes on the budget"
        );
        // A real headline from the page wins, and so does anything a declared rule found.
        assert_eq!(
            title_of("Budget passes", "generic: <title>", listed),
            "Budget passes"
        );
        assert_eq!(title_of("Home", "css \"h1\" text", listed), "Home");
        // With no listing title, the page's is better than the URL.
        assert_eq!(
            title_of("The Gazette", "generic: <title>", None),
            "The Gazette"
        );
    }
}
