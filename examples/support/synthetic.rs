//! A synthetic TASS-shaped site for benchmarks: S sections × A articles, deterministic.
//!
//! The markup follows `tests/support/origin.rs` (the tests' faithful copy of tass.com):
//! section shells carrying `ng-init="sectionId = …"`, the JSON listing API, article pages with
//! `h1.news-header__title`, `.news-header__lead`, `.text-content .text-block`, `.news-media img`,
//! `a.tags__item`, `<dateformat time=…>`, a JSON-LD `NewsArticle` and `og:` tags. Unlike the
//! test origin, every page carries what a real news page carries around the article — inline
//! scripts, a navigation menu, a related-news column, a footer — so article pages weigh
//! 30–80 KB as real ones do, around bodies of 5–10 KB of paragraphs with mixed inline markup.
//!
//! Everything is a pure function of (section index, article index): the bench tools, the
//! criterion bench and the load origin all see the same bytes.

use std::fmt::Write;

/// The nine real TASS English sections; further sections are synthetic (`section-17`).
pub const TASS_SECTIONS: [(&str, u32, &str); 9] = [
    ("politics", 4954, "Russian Politics & Diplomacy"),
    ("world", 4844, "World"),
    ("economy", 4845, "Business & Economy"),
    ("defense", 4953, "Military & Defense"),
    ("emergencies", 4992, "Emergencies"),
    ("science", 4957, "Science & Space"),
    ("society", 4956, "Society & Culture"),
    ("sports", 4869, "Sport"),
    ("pressreview", 4981, "Press Review"),
];

/// Unix time of the newest article (2026-11-27T15:05:17Z); older ones step back in time.
pub const NEWEST: i64 = 1_795_791_917;

/// One section of the synthetic site.
#[derive(Debug, Clone)]
pub struct SectionSpec {
    pub index: usize,
    pub slug: String,
    pub id: u32,
    pub title: String,
}

/// Section `index`: the real TASS ones first, then `section-{index}` with id `100000+index`.
pub fn section(index: usize) -> SectionSpec {
    match TASS_SECTIONS.get(index) {
        Some((slug, id, title)) => SectionSpec {
            index,
            slug: slug.to_string(),
            id: *id,
            title: title.to_string(),
        },
        None => SectionSpec {
            index,
            slug: format!("section-{index}"),
            id: 100_000 + index as u32,
            title: format!("Section {index}"),
        },
    }
}

/// One article as the listing shows it.
#[derive(Debug, Clone)]
pub struct ArticleSpec {
    pub id: u64,
    pub path: String,
    pub title: String,
    pub lead: String,
    /// Unix seconds.
    pub published: i64,
}

/// Article `k` of section `s` (0 is the newest).
pub fn article(s: &SectionSpec, k: usize) -> ArticleSpec {
    let id = 2_000_000 + (s.index as u64) * 1000 + k as u64;
    let mut rng = Rng::new(id);
    let title = format!(
        "{} {} {} & \"{}\" on {}",
        cap(rng.word()),
        rng.word(),
        rng.word(),
        rng.word(),
        id
    );
    let lead = sentence(&mut rng, 24);
    ArticleSpec {
        id,
        path: format!("/{}/{}", s.slug, id),
        title,
        lead,
        published: NEWEST - (s.index as i64) * 7 - (k as i64) * 1800,
    }
}

/// The section page: an AngularJS shell around `ng-init="sectionId = …"`, with the chrome.
pub fn section_page(s: &SectionSpec) -> String {
    let mut out = String::with_capacity(40_000);
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html ng-app="tassApp" lang="en"><head><meta charset="utf-8"><title>{title} - TASS</title>
<meta name="description" content="{title} news from TASS">
<script src="/newtass/javascript/angular.min.js"></script>{scripts}</head>
<body>{nav}<div class="container" ng-init="counterTime = 520"></div>
<section class="section-page" id="news-list" ng-init="sectionId = {id}; excludeNewsIds = '';">
<div class="news-list" ng-repeat="news in newsList"><a ng-href="{{{{news.link}}}}">{{{{news.title}}}}</a></div>
</section>{footer}</body></html>"#,
        title = escape(&s.title),
        id = s.id,
        scripts = inline_scripts(s.id as u64),
        nav = navigation(),
        footer = footer(),
    );
    out
}

/// The listing API's answer: `{"newsList": [...], "lastTime": …}`, newest first, items
/// published before `before`, at most `limit`.
pub fn listing_json(articles: &[ArticleSpec], limit: usize, before: i64) -> String {
    let listed: Vec<&ArticleSpec> = articles
        .iter()
        .filter(|a| a.published < before)
        .take(limit)
        .collect();
    let items: Vec<serde_json::Value> = listed
        .iter()
        .map(|a| {
            serde_json::json!({
                "id": a.id, "title": a.title, "lead": a.lead, "link": a.path,
                "type": "news", "date": a.published,
            })
        })
        .collect();
    let last = listed.last().map(|a| a.published).unwrap_or(0);
    serde_json::json!({ "newsList": items, "lastTime": last }).to_string()
}

/// The article page, 30–80 KB (the size is drawn from the article id).
pub fn article_page(s: &SectionSpec, a: &ArticleSpec) -> String {
    let mut rng = Rng::new(a.id ^ 0x9e37_79b9_7f4a_7c15);
    let target = 30_000 + (rng.next() % 50_001) as usize;
    let (title, lead) = (escape(&a.title), escape(&a.lead));
    let published = rfc3339(a.published);
    let tags: Vec<String> = (0..2 + rng.below(3))
        .map(|_| cap(rng.word()).to_string())
        .collect();
    let json_ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": format!("https://tass.com{}", a.path)},
        "headline": a.title,
        "description": a.lead,
        "image": [format!("https://tass.com/img/{}.jpg", a.id)],
        "datePublished": published,
        "dateModified": published,
        "author": {"@type": "Organization", "name": "TASS"},
        "publisher": {"@type": "Organization", "name": "TASS"},
        "keywords": tags.join(", "),
    });
    let tag_links: String = tags
        .iter()
        .map(|t| {
            format!(
                r#"<a class="tags__item" href="/tag/{}">{t}</a>"#,
                t.to_lowercase()
            )
        })
        .collect();
    // The article text is a small part of a news page, as on tass.com (the saved tass.ru page
    // is 100 KB around a 5 KB body): 2 KB plus a tenth of the page; the chrome is the rest.
    let body = body_html(&mut rng, 2_000 + target / 10, a.id);
    let mut out = String::with_capacity(target + 4096);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en" ng-app="tassApp"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - TASS</title>
<meta name="description" content="{lead}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{lead}">
<meta property="og:url" content="https://tass.com{path}">
<meta property="og:image" content="https://tass.com/img/blocks/common/tass_logo_share_en.png">
<meta property="article:published_time" content="{published}">
<meta name="twitter:card" content="summary_large_image">
<link rel="canonical" href="https://tass.com{path}">
<link rel="stylesheet" href="/newtass/css/main.css">
<script type="application/ld+json">{json_ld}</script>
{scripts}
</head><body>
{nav}
<div class="header-newsblock"><div class="header-newsblock__date"><dateformat time="1" mode="print"></dateformat></div></div>
<div class="news" data-io-article-url="https://tass.com{path}"><div class="column">
<div class="news-header"><div class="news-header__top"><div class="news-header__date" ng-cloak="ng-cloak"><span class="news-header__date-date"><dateformat time="{unix}" mode="abs"></dateformat></span></div>
<div class="news-header__section"><a href="/{slug}">{section}</a></div></div>
<h1 class="news-header__title">{title}
</h1><div class="news-header__lead">{lead}</div></div>
<div class="news-media"><img src="/img/{id}.jpg" alt="{title}"><div class="news-media__caption">{caption}</div></div>
<div class="social-buttons" ng-controller="ShareCtrl"><button class="social__button social__button_vk" share="vk"></button><button class="social__button social__button_tw" share="tw"></button><button class="social__button social__button_tg" share="tg"></button></div>
<div class="text-content"><div class="text-block">{body}</div><div class="text-block"></div></div>
<div class="tags"><div class="tags__title">Tags</div><div class="tags__list">{tag_links}</div></div>
</div>"#,
        path = a.path,
        unix = a.published,
        slug = s.slug,
        section = escape(&s.title),
        id = a.id,
        caption = escape(&sentence(&mut rng, 10)),
        scripts = inline_scripts(a.id),
        nav = navigation(),
    );
    // The related-news column fills the page up to its drawn size.
    out.push_str(r#"<aside class="related-news"><div class="related-news__title">Read also</div><ul class="related-news__list">"#);
    while out.len() + 1500 < target {
        let other = 2_000_000 + rng.below(1_000_000);
        let _ = write!(
            out,
            r#"<li class="related-news__item"><a class="related-news__link" href="/{}/{other}"><span class="related-news__date"><dateformat time="{}" mode="rel"></dateformat></span><span class="related-news__text">{}</span></a></li>"#,
            s.slug,
            a.published - rng.below(86_400) as i64,
            escape(&sentence(&mut rng, 9)),
        );
    }
    out.push_str("</ul></aside></div>");
    out.push_str(&footer());
    out.push_str("</body></html>");
    out
}

/// Paragraphs of text with the inline markup news bodies carry, about `size` bytes.
fn body_html(rng: &mut Rng, size: usize, id: u64) -> String {
    let mut out = String::with_capacity(size + 1024);
    let _ = writeln!(
        out,
        "<p>MOSCOW, November 27. /TASS/. {} <a href=\"/world/{}\">related story</a> &amp; more.</p>",
        sentence(rng, 30),
        id - 1
    );
    let mut n = 0;
    while out.len() < size {
        n += 1;
        match n % 9 {
            3 => {
                let _ = writeln!(out, "<h2>{}</h2>", escape(&sentence(rng, 5)));
            }
            5 => {
                let _ = writeln!(
                    out,
                    "<blockquote><p>&quot;{}&quot;, he <em>said</em>.</p></blockquote>",
                    sentence(rng, 25)
                );
            }
            7 => {
                out.push_str("<ul>");
                for _ in 0..3 + rng.below(3) {
                    let _ = write!(out, "<li>{}</li>", sentence(rng, 8));
                }
                out.push_str("</ul>\n");
            }
            8 => {
                let _ = writeln!(
                    out,
                    "<figure><img src=\"/img/body/{id}-{n}.jpg\" alt=\"\"><figcaption>{}</figcaption></figure>",
                    sentence(rng, 7)
                );
            }
            _ => {
                let words = 20 + rng.below(30) as usize;
                let _ = writeln!(
                    out,
                    "<p>{} <strong>{}</strong> {} <a href=\"/economy/{}\">{}</a>, {}</p>",
                    sentence(rng, words),
                    rng.word(),
                    sentence(rng, 15),
                    2_000_000 + rng.below(100_000),
                    rng.word(),
                    sentence(rng, 12),
                );
            }
        }
    }
    out
}

/// The page's inline scripts (analytics, ads, app config): ~12 KB, as on tass.com.
fn inline_scripts(seed: u64) -> String {
    let mut out = String::with_capacity(13_000);
    for i in 0..12 {
        let _ = writeln!(
            out,
            "<script>(function(w,d){{var cfg={{id:{seed},slot:{i},lang:'en',sections:[4954,4844,4845,4953,4992,4957,4956,4869,4981]}};"
        );
        for j in 0..8 {
            let _ = writeln!(
                out,
                "w.__tass_{i}_{j}=function(a,b){{if(a&&b&&a.length>{j}){{return a.slice(0,{j}).concat(b)}}return cfg.sections.filter(function(x){{return x%{n}===0}})}};",
                n = j + 2
            );
        }
        out.push_str("})(window,document);</script>\n");
    }
    out
}

/// The site's navigation menu: ~100 links, identical on every page.
fn navigation() -> String {
    let mut out =
        String::from(r#"<header class="header"><nav class="menu"><ul class="menu__list">"#);
    for (slug, _, title) in TASS_SECTIONS {
        let _ = write!(
            out,
            r#"<li class="menu__item"><a class="menu__link" href="/{slug}">{}</a><ul class="menu__sub">"#,
            escape(title)
        );
        for k in 0..10 {
            let _ = write!(
                out,
                r#"<li class="menu__sub-item"><a class="menu__sub-link" href="/{slug}/topic-{k}">Topic {k}</a></li>"#
            );
        }
        out.push_str("</ul></li>");
    }
    out.push_str("</ul></nav></header>\n");
    out
}

fn footer() -> String {
    let mut out = String::from(r#"<footer class="footer"><div class="footer__links">"#);
    for k in 0..30 {
        let _ = write!(
            out,
            r#"<a class="footer__link" href="/info/{k}">Information page {k}</a>"#
        );
    }
    out.push_str("</div><div class=\"footer__copyright\">&copy; TASS Russian News Agency. All rights reserved.</div></footer>");
    out
}

const WORDS: [&str; 48] = [
    "the",
    "minister",
    "said",
    "Russia",
    "agreement",
    "government",
    "talks",
    "economic",
    "security",
    "president",
    "Moscow",
    "region",
    "would",
    "development",
    "international",
    "cooperation",
    "meeting",
    "according",
    "statement",
    "officials",
    "energy",
    "project",
    "percent",
    "market",
    "military",
    "council",
    "foreign",
    "growth",
    "delegation",
    "summit",
    "and",
    "of",
    "in",
    "to",
    "with",
    "for",
    "on",
    "that",
    "this",
    "year",
    "new",
    "first",
    "spokesman",
    "negotiations",
    "parliament",
    "budget",
    "exports",
    "infrastructure",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut out = String::with_capacity(words * 8);
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        let word = rng.word();
        if i == 0 {
            out.push_str(&cap(word));
        } else {
            out.push_str(word);
        }
    }
    out.push('.');
    out
}

fn cap(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `2026-11-27T18:05:17+03:00`: Moscow time, as TASS's JSON-LD gives it.
pub fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .expect("valid timestamp")
        .with_timezone(&chrono::FixedOffset::east_opt(3 * 3600).expect("valid offset"))
        .to_rfc3339()
}

/// splitmix64: tiny, deterministic, good enough for filler text.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len() as u64) as usize]
    }
}
