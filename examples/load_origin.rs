//! A load origin for benchmarks: a synthetic TASS-shaped site of S sections × A articles,
//! generated once at start-up and served from memory on 127.0.0.1.
//!
//! ```sh
//! cargo run --release --example load_origin -- --sections 1000 --articles 20 --port 8090
//! cargo run --release --example load_origin -- --sections 1000 --articles 20 --port 8090 \
//!     --print-config > /tmp/load.toml            # a scrapefeed config pointing at it
//! cargo run --release --example load_origin -- --sections 1000 --articles 20 \
//!     --dump-pages /tmp/pages                    # every page as a file, then exit
//! curl -s http://127.0.0.1:8090/__stats          # request counters, by kind
//! ```
//!
//! It answers like `tests/support/origin.rs` (403 without a browser-like User-Agent and an
//! Accept header; section shells with `ng-init="sectionId = …"`; `POST
//! /userApi/categoryNewsList` honouring `sectionId`, `limit` and `lastTime`; article pages),
//! plus a permissive robots.txt. Every answer carries an ETag and `Last-Modified`, and a
//! request whose `If-None-Match` matches gets `304`: conditional requests are counted, so a
//! warm re-scrape shows whether the scraper uses them. `--latency-ms` delays every answer;
//! `--log-requests` prints one line per request (`unix_ms method path [section=id] status`).

#[path = "support/synthetic.rs"]
mod synthetic;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use clap::Parser;
use warp::http::{HeaderMap, Method, Response, StatusCode};
use warp::Filter;

use synthetic::{ArticleSpec, SectionSpec};

#[derive(Parser, Debug)]
#[command(about = "Serves a synthetic TASS-shaped site for benchmarks")]
struct Args {
    /// Number of sections (the nine real TASS ones first, then `section-N`).
    #[arg(long, default_value_t = 9)]
    sections: usize,
    /// Articles per section.
    #[arg(long, default_value_t = 20)]
    articles: usize,
    /// Delay before every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Port on 127.0.0.1 (0: any free port; the address is printed on stdout).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Print a scrapefeed config with every section pointing at this origin, and exit.
    #[arg(long)]
    print_config: bool,
    /// For `--print-config`: the sections' interval.
    #[arg(long, default_value = "15m")]
    interval: String,
    /// For `--print-config`: the scheduler's jitter.
    #[arg(long, default_value_t = 0.1)]
    jitter: f64,
    /// For `--print-config`: the scheduler's concurrency.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// For `--print-config`: the directory of the database and the feed files.
    #[arg(long, default_value = "feeds")]
    data_dir: String,
    /// Write every article page to DIR/{id}.html, every section page to
    /// DIR/section-page-{id}.html, and exit.
    #[arg(long, value_name = "DIR")]
    dump_pages: Option<PathBuf>,
    /// Print one line per request on stdout.
    #[arg(long)]
    log_requests: bool,
    /// Answer on 127.0.0.1 … 127.0.0.K, one host each (all loopback on Linux), and with
    /// `--print-config` declare K sites, one per host, sharing the sections: politeness is per
    /// host, so a cluster can only scale past one host's pace with several hosts.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=250))]
    hosts: u8,
    /// For `--print-config`: this database (a `postgres://` URL, say) instead of the SQLite
    /// file in `--data-dir`.
    #[arg(long)]
    database: Option<String>,
    /// For `--print-config`: no feed files (`storage.feeds_dir` unset).
    #[arg(long)]
    no_feed_files: bool,
}

/// A page held in memory with its validator.
struct Stored {
    body: Bytes,
    etag: String,
    content_type: &'static str,
}

impl Stored {
    fn new(body: String, content_type: &'static str) -> Stored {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        Stored {
            etag: format!("\"{:016x}\"", hasher.finish()),
            body: Bytes::from(body),
            content_type,
        }
    }
}

/// Requests seen, by kind (`/__stats` itself is not counted).
#[derive(Default)]
struct Stats {
    total: AtomicU64,
    forbidden: AtomicU64,
    robots: AtomicU64,
    section_pages: AtomicU64,
    listings: AtomicU64,
    articles: AtomicU64,
    not_found: AtomicU64,
    conditional: AtomicU64,
    not_modified: AtomicU64,
    bytes_sent: AtomicU64,
}

impl Stats {
    fn json(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        serde_json::json!({
            "total": get(&self.total),
            "forbidden": get(&self.forbidden),
            "robots": get(&self.robots),
            "section_pages": get(&self.section_pages),
            "listings": get(&self.listings),
            "articles": get(&self.articles),
            "not_found": get(&self.not_found),
            "conditional": get(&self.conditional),
            "not_modified": get(&self.not_modified),
            "bytes_sent": get(&self.bytes_sent),
        })
        .to_string()
    }
}

struct Site {
    pages: HashMap<String, Stored>,
    /// Articles of each section by numeric section id, newest first.
    listings: HashMap<u32, Vec<ArticleSpec>>,
    stats: Stats,
    latency: Duration,
    log: bool,
}

fn main() {
    let args = Args::parse();
    let sections: Vec<SectionSpec> = (0..args.sections).map(synthetic::section).collect();
    if args.print_config {
        print!("{}", config(&args, &sections));
        return;
    }
    let started = std::time::Instant::now();
    let mut pages = HashMap::new();
    let mut listings = HashMap::new();
    let mut article_bytes = 0usize;
    if let Some(dir) = &args.dump_pages {
        std::fs::create_dir_all(dir).expect("create the dump directory");
    }
    for s in &sections {
        let articles: Vec<ArticleSpec> = (0..args.articles)
            .map(|k| synthetic::article(s, k))
            .collect();
        for a in &articles {
            let page = synthetic::article_page(s, a);
            article_bytes += page.len();
            if let Some(dir) = &args.dump_pages {
                std::fs::write(dir.join(format!("{}.html", a.id)), &page).expect("write a page");
            } else {
                pages.insert(
                    a.path.clone(),
                    Stored::new(page, "text/html; charset=utf-8"),
                );
            }
        }
        let shell = synthetic::section_page(s);
        if let Some(dir) = &args.dump_pages {
            std::fs::write(dir.join(format!("section-page-{}.html", s.id)), &shell)
                .expect("write a page");
        } else {
            pages.insert(
                format!("/{}", s.slug),
                Stored::new(shell, "text/html; charset=utf-8"),
            );
            listings.insert(s.id, articles);
        }
    }
    let count = args.sections * args.articles;
    eprintln!(
        "load origin: {} sections x {} articles, {count} article pages, {:.1} MB, mean {:.1} KB, generated in {:.1}s",
        args.sections,
        args.articles,
        article_bytes as f64 / 1e6,
        article_bytes as f64 / 1e3 / count.max(1) as f64,
        started.elapsed().as_secs_f64()
    );
    if args.dump_pages.is_some() {
        return;
    }
    pages.insert(
        "/robots.txt".into(),
        Stored::new("User-agent: *\nDisallow:\n".into(), "text/plain"),
    );
    let site = Arc::new(Site {
        pages,
        listings,
        stats: Stats::default(),
        latency: Duration::from_millis(args.latency_ms),
        log: args.log_requests,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
            .await
            .expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("address").port();
        println!("http://{}", listener.local_addr().expect("address"));
        let mut more = Vec::new();
        for host in 2..=args.hosts {
            let addr = std::net::Ipv4Addr::new(127, 0, 0, host);
            more.push(
                tokio::net::TcpListener::bind((addr, port))
                    .await
                    .unwrap_or_else(|e| panic!("bind {addr}:{port}: {e}")),
            );
        }
        let routes = warp::method()
            .and(warp::path::full())
            .and(warp::header::headers_cloned())
            .and(warp::body::bytes())
            .and_then(
                move |method: Method,
                      path: warp::path::FullPath,
                      headers: HeaderMap,
                      body: Bytes| {
                    let site = site.clone();
                    async move {
                        if !site.latency.is_zero() {
                            tokio::time::sleep(site.latency).await;
                        }
                        Ok::<_, std::convert::Infallible>(answer(
                            &site,
                            &method,
                            path.as_str(),
                            &headers,
                            &body,
                        ))
                    }
                },
            );
        for listener in more {
            tokio::spawn(warp::serve(routes.clone()).incoming(listener).run());
        }
        warp::serve(routes).incoming(listener).run().await;
    });
}

fn answer(
    site: &Site,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response<Bytes> {
    let stats = &site.stats;
    if path == "/__stats" {
        return reply(
            StatusCode::OK,
            "application/json",
            stats.json().into(),
            None,
        );
    }
    stats.total.fetch_add(1, Ordering::Relaxed);
    let ua = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let if_none_match = headers
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if if_none_match.is_some() || headers.contains_key("if-modified-since") {
        stats.conditional.fetch_add(1, Ordering::Relaxed);
    }
    let mut section_id = None;
    let response = if !ua.contains("Mozilla/5.0") || !headers.contains_key("accept") {
        stats.forbidden.fetch_add(1, Ordering::Relaxed);
        reply(
            StatusCode::FORBIDDEN,
            "text/html",
            "<h1>403 Forbidden</h1>".into(),
            None,
        )
    } else if method == Method::POST && path == "/userApi/categoryNewsList" {
        stats.listings.fetch_add(1, Ordering::Relaxed);
        let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let id = request["sectionId"].as_u64().unwrap_or(0) as u32;
        section_id = Some(id);
        let limit = request["limit"].as_u64().unwrap_or(20) as usize;
        let before = request["lastTime"].as_i64().unwrap_or(i64::MAX);
        let articles = site.listings.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        let json = Stored::new(
            synthetic::listing_json(articles, limit, before),
            "application/json;charset=UTF-8",
        );
        validated(&json, if_none_match.as_deref(), stats)
    } else if method == Method::GET {
        match site.pages.get(path) {
            Some(page) => {
                let counter = match path.matches('/').count() {
                    _ if path == "/robots.txt" => &stats.robots,
                    1 => &stats.section_pages,
                    _ => &stats.articles,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                validated(page, if_none_match.as_deref(), stats)
            }
            None => {
                stats.not_found.fetch_add(1, Ordering::Relaxed);
                reply(
                    StatusCode::NOT_FOUND,
                    "text/html",
                    "<h1>404 Not Found</h1>".into(),
                    None,
                )
            }
        }
    } else {
        stats.not_found.fetch_add(1, Ordering::Relaxed);
        reply(
            StatusCode::NOT_FOUND,
            "text/html",
            "<h1>404 Not Found</h1>".into(),
            None,
        )
    };
    if site.log {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let section = section_id
            .map(|id| format!(" section={id}"))
            .unwrap_or_default();
        println!(
            "{ms} {method} {path}{section} {}",
            response.status().as_u16()
        );
    }
    response
}

/// The page, or `304` when the client already holds it.
fn validated(page: &Stored, if_none_match: Option<&str>, stats: &Stats) -> Response<Bytes> {
    if if_none_match.is_some_and(|tags| tags.split(',').any(|t| t.trim() == page.etag)) {
        stats.not_modified.fetch_add(1, Ordering::Relaxed);
        return reply(
            StatusCode::NOT_MODIFIED,
            page.content_type,
            Bytes::new(),
            Some(&page.etag),
        );
    }
    stats
        .bytes_sent
        .fetch_add(page.body.len() as u64, Ordering::Relaxed);
    reply(
        StatusCode::OK,
        page.content_type,
        page.body.clone(),
        Some(&page.etag),
    )
}

fn reply(
    status: StatusCode,
    content_type: &str,
    body: Bytes,
    etag: Option<&str>,
) -> Response<Bytes> {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", content_type);
    if let Some(etag) = etag {
        builder = builder
            .header("etag", etag)
            .header("last-modified", "Fri, 27 Nov 2026 15:05:17 GMT");
    }
    builder.body(body).expect("valid response")
}

/// A scrapefeed config declaring every section of this origin, politeness delays off.
fn config(args: &Args, sections: &[SectionSpec]) -> String {
    let database = args
        .database
        .clone()
        .unwrap_or_else(|| format!("{}/scrapefeed.db", args.data_dir));
    let feeds = if args.no_feed_files {
        String::new()
    } else {
        format!("feeds_dir = \"{}\"\n", args.data_dir)
    };
    let mut out = format!(
        r##"# Generated by `load_origin --print-config` for benchmarks: {sections} sections x {articles} articles on {hosts} host(s).
[server]
listen = "127.0.0.1:0"

[storage]
database = "{database}"
{feeds}max_entries = 100

[scheduler]
concurrency = {concurrency}
jitter = {jitter:?}
"##,
        sections = args.sections,
        articles = args.articles,
        hosts = args.hosts,
        concurrency = args.concurrency,
        jitter = args.jitter,
    );
    for host in 1..=args.hosts {
        let id = if args.hosts == 1 {
            "load".to_string()
        } else {
            format!("load-{host}")
        };
        out.push_str(&site(args, &id, host));
        for s in sections
            .iter()
            .skip(usize::from(host - 1))
            .step_by(usize::from(args.hosts))
        {
            out.push_str(&format!(
                "\n[[site.section]]\nid = \"{}\"\ntitle = \"{}\"\nparams = {{ section_id = {} }}\n",
                s.slug, s.title, s.id
            ));
        }
    }
    out
}

/// One site's declaration, on host 127.0.0.`host`.
fn site(args: &Args, id: &str, host: u8) -> String {
    let base = format!("http://127.0.0.{host}:{}", args.port);
    format!(
        r##"
[[site]]
id = "{id}"
title = "TASS (load origin)"
base_url = "{base}"
language = "en"
timezone = "Europe/Moscow"
interval = "{interval}"
min_delay = "0s"
timeout = "30s"
max_articles = {max_articles}

[site.headers]
"User-Agent" = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 (compatible; scrapefeed)"
"Accept" = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

[site.listing]
type = "json"
method = "POST"
url = "{{{{base_url}}}}/userApi/categoryNewsList"
body = '{{"sectionId": {{{{section_id}}}}, "limit": {articles}, "type": "all"}}'
items = "newsList"

[site.listing.headers]
"Content-Type" = "application/json;charset=UTF-8"
"Accept" = "application/json, text/plain, */*"

[site.listing.fields]
link = {{ path = "link" }}
title = {{ path = "title" }}
summary = {{ path = "lead" }}
published = {{ path = "date" }}

[site.listing.page_params.section_id]
css = '[ng-init*="sectionId"]'
attr = "ng-init"
regex = 'sectionId\s*=\s*(\d+)'

[site.article]
title = [{{ css = "h1.news-header__title" }}, {{ meta = "og:title" }}, {{ json_ld = "headline" }}]
summary = [{{ css = ".news-header__lead" }}, {{ meta = "og:description" }}, {{ json_ld = "description" }}]
body = [{{ css = ".text-content .text-block", html = true }}, {{ css = ".text-content", html = true }}]
author = [{{ json_ld = "author.name" }}, {{ meta = "author" }}]
tags = [{{ css = "a.tags__item" }}, {{ json_ld = "keywords" }}]
image = [{{ css = ".news-media img", attr = "src" }}, {{ meta = "og:image" }}]
published = [
    {{ json_ld = "datePublished" }},
    {{ meta = "article:published_time" }},
    {{ css = ".news-header__date dateformat[time]", attr = "time" }},
    {{ css = ".news-header__date" }},
]
updated = [{{ json_ld = "dateModified" }}, {{ meta = "article:modified_time" }}]
"##,
        articles = args.articles,
        interval = args.interval,
        max_articles = args.articles.max(20),
    )
}
