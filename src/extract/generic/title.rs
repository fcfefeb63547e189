//! Titles without the site's name: `<title>` and `og:title` usually end in " | Site" or
//! " - Site" (some begin with "Site: "), which a feed reader already shows beside each entry.
//!
//! The site's name comes from the page (`og:site_name`, `application-name`, the JSON-LD
//! publisher or `WebSite`) and from its host (`www.cnn.com` → `cnn`). A part is cut only when
//! it is short and names the site, so a headline with a dash in it keeps its words.

use serde_json::Value;

use super::Page;
use crate::html::json_text;
use crate::text::squashed;

/// Separators between a headline and the site's name, widest first.
const SEPARATORS: [&str; 10] = [
    " | ", " – ", " — ", " -- ", " - ", " :: ", " · ", " » ", " / ", ": ",
];

/// Separators written without spaces (CJK titles: "标题-新华网", "見出し：日本経済新聞"): a
/// part after one is cut only when it is exactly a name the page gives itself.
const TIGHT_SEPARATORS: [char; 7] = ['-', '|', '｜', '：', '_', '—', '–'];

/// A part longer than this many words is a headline, not a site's name.
const MAX_NAME_WORDS: usize = 5;

/// The names the page goes by, normalized (`text::squashed`).
pub(super) fn site_names(page: &Page<'_>) -> Vec<String> {
    let mut names: Vec<String> = ["og:site_name", "application-name", "twitter:site"]
        .iter()
        .filter_map(|m| page.meta.get(*m)?.first().map(|v| json_text(v)))
        .collect();
    for object in &page.json_ld.objects {
        if let Some(name) = object
            .get("publisher")
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
        {
            names.push(name.to_string());
        }
        let is_site = object.get("@type").and_then(Value::as_str) == Some("WebSite");
        if let Some(name) = object
            .get("name")
            .and_then(Value::as_str)
            .filter(|_| is_site)
        {
            names.push(name.to_string());
        }
    }
    if let Some(host) = page.url.host_str() {
        let labels: Vec<&str> = host.split('.').collect();
        // The registrable label: `www.cnn.com` → `cnn`, `news.bbc.co.uk` → `bbc`.
        let skip = [
            "www", "com", "co", "org", "net", "news", "uk", "gov", "edu", "m",
        ];
        if let Some(label) = labels.iter().rev().skip(1).find(|l| !skip.contains(l)) {
            names.push(label.to_string());
        }
        names.push(host.trim_start_matches("www.").to_string());
    }
    let mut out: Vec<String> = names.iter().map(|n| squashed(n)).collect();
    out.retain(|n| n.chars().count() >= 2);
    out.sort();
    out.dedup();
    out
}

/// Whether `part` names the site: short, and equal to a name, or containing the host's label
/// ("CNN Politics"), or contained in the host ("BBC" in bbc.co.uk).
fn names_site(part: &str, sites: &[String]) -> bool {
    let words = part.split_whitespace().count();
    if words == 0 || words > MAX_NAME_WORDS {
        return false;
    }
    let part = squashed(part);
    !part.is_empty()
        && sites.iter().any(|site| {
            part == *site
                || (site.len() >= 3 && part.contains(site.as_str()))
                || (part.len() >= 3 && site.contains(part.as_str()))
        })
}

/// `title` without a leading or trailing site name.
pub(super) fn without_site(title: &str, sites: &[String]) -> String {
    let mut title = title.trim().to_string();
    // Titles such as "Story - Section - Site" lose one part per pass.
    for _ in 0..2 {
        let mut cut = false;
        for sep in SEPARATORS {
            if let Some((head, tail)) = title.rsplit_once(sep) {
                if !head.trim().is_empty() && names_site(tail, sites) {
                    title = head.trim().to_string();
                    cut = true;
                    break;
                }
            }
            if let Some((head, tail)) = title.split_once(sep) {
                if !tail.trim().is_empty() && names_site(head, sites) && sep != ": " {
                    title = tail.trim().to_string();
                    cut = true;
                    break;
                }
            }
        }
        if !cut {
            if let Some((head, tail)) = title.rsplit_once(TIGHT_SEPARATORS) {
                if !head.trim().is_empty() && names_site_exactly(tail, sites) {
                    title = head.trim().to_string();
                    continue;
                }
            }
            break;
        }
    }
    title
}

/// Whether `part` is a name the page gives itself, or the start of one ("日本経済新聞" of
/// "日本経済新聞 電子版").
fn names_site_exactly(part: &str, sites: &[String]) -> bool {
    let part = squashed(part);
    part.chars().count() >= 2
        && sites
            .iter()
            .any(|s| *s == part || (part.chars().count() >= 3 && s.starts_with(part.as_str())))
}

/// Whether the whole title is only the site's name: no title of this page at all.
pub(super) fn is_site_name(title: &str, sites: &[String]) -> bool {
    let t = squashed(title);
    !t.is_empty() && sites.contains(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites() -> Vec<String> {
        vec!["cnn".into(), "cnn.com".into(), "theguardian".into()]
            .into_iter()
            .map(|s: String| squashed(&s))
            .collect()
    }

    #[test]
    fn site_suffixes_and_prefixes_are_cut() {
        let s = sites();
        assert_eq!(
            without_site("Alito and Prelogar | CNN Politics", &s),
            "Alito and Prelogar"
        );
        assert_eq!(without_site("A storm - CNN", &s), "A storm");
        assert_eq!(without_site("CNN - A storm", &s), "A storm");
        assert_eq!(
            without_site("Brexit – live | Politics | The Guardian", &s),
            "Brexit – live | Politics"
        );
    }

    #[test]
    fn headlines_with_separators_keep_their_words() {
        let s = sites();
        assert_eq!(
            without_site("Trump - the man who would be king", &s),
            "Trump - the man who would be king"
        );
        assert_eq!(
            without_site("Paris: a city at war", &s),
            "Paris: a city at war"
        );
        assert!(is_site_name("CNN", &s));
        let cjk = vec![squashed("新华网"), squashed("日本経済新聞")];
        assert_eq!(
            without_site("短缺药品保供稳价-新华网", &cjk),
            "短缺药品保供稳价"
        );
        assert_eq!(without_site("見出し ：日本経済新聞", &cjk), "見出し");
        assert_eq!(without_site("Covid-19 spreads", &cjk), "Covid-19 spreads");
        assert!(!is_site_name("CNN wins", &s));
    }
}
