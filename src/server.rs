//! HTTP routes (warp): feeds from memory, the index page, health.
//!
//! `routes` builds the filter tree; handlers are plain functions over `Arc<App>`. Feeds are
//! served from the rendered bytes kept by `FeedSet`, with strong ETags and `Last-Modified`
//! so polling readers get `304 Not Modified`. This module is the one place that maps
//! outcomes to HTTP statuses.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use minijinja::Environment;
use serde::Serialize;
use warp::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use warp::Filter;

use crate::app::{App, SectionHealth};
use crate::feeds::Document;

/// The index page template shipped with the binary, used when `templates/index.html` is absent.
const DEFAULT_INDEX: &str = include_str!("../templates/index.html");

type Reply = Response<Bytes>;

/// The page templates, loaded once at start-up.
pub struct Pages {
    env: Environment<'static>,
}

impl Pages {
    /// Loads `index.html` from the operator's template directory, or the built-in one.
    pub fn load(dir: &std::path::Path) -> anyhow::Result<Pages> {
        let path = dir.join("index.html");
        let source = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => DEFAULT_INDEX.to_string(),
            Err(e) => anyhow::bail!("cannot read template {}: {e}", path.display()),
        };
        let mut env = Environment::new();
        env.add_template_owned("index.html", source)
            .map_err(|e| anyhow::anyhow!("template {}: {e}", path.display()))?;
        Ok(Pages { env })
    }
}

/// All routes.
pub fn routes(
    app: Arc<App>,
    pages: Arc<Pages>,
) -> impl Filter<Extract = (Reply,), Error = Infallible> + Clone {
    let with_app = warp::any().map(move || app.clone());
    let get_or_head = warp::get().or(warp::head()).unify();
    let feed = warp::path!("feeds" / String)
        .and(get_or_head)
        .and(with_app.clone())
        .and(warp::header::headers_cloned())
        .map(feed);
    let index = warp::path::end()
        .and(get_or_head)
        .and(with_app.clone())
        .map(move |app: Arc<App>| index(&app, &pages));
    let health = warp::path!("healthz")
        .and(get_or_head)
        .and(with_app)
        .map(healthz);
    feed.or(index)
        .unify()
        .or(health)
        .unify()
        .recover(
            |rejection: warp::Rejection| async move { Ok::<_, Infallible>(rejected(rejection)) },
        )
        .unify()
}

fn text(status: StatusCode, body: String) -> Reply {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Bytes::from(body))
        .expect("static response parts are valid")
}

fn rejected(rejection: warp::Rejection) -> Reply {
    if rejection.is_not_found() {
        text(
            StatusCode::NOT_FOUND,
            "not found: the list of feeds is at /\n".into(),
        )
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: use GET or HEAD\n".into(),
        )
    } else {
        text(
            StatusCode::BAD_REQUEST,
            format!("bad request: {rejection:?}\n"),
        )
    }
}

fn feed(file: String, app: Arc<App>, request: HeaderMap) -> Reply {
    let (name, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    let content_type = match ext {
        "rss" => "application/rss+xml; charset=utf-8",
        "atom" => "application/atom+xml; charset=utf-8",
        _ => {
            return text(
                StatusCode::NOT_FOUND,
                format!("no feed named {file:?}: feeds end in .rss or .atom; the list is at /\n"),
            )
        }
    };
    let Some((_, section)) = app.config.find_section(name) else {
        return text(
            StatusCode::NOT_FOUND,
            format!("no section named {name:?}: the list of feeds is at /\n"),
        );
    };
    let Some(rendered) = app.feeds.get(&section.id) else {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("feed {name:?} is not rendered yet\n"),
        );
    };
    let doc: &Document = if ext == "rss" {
        &rendered.rss
    } else {
        &rendered.atom
    };
    let last_modified = rendered.updated.with_timezone(&Utc);
    let max_age = (section.interval.as_secs() / 2).clamp(60, 3600);
    let builder = Response::builder()
        .header(header::ETAG, &doc.etag)
        .header(header::LAST_MODIFIED, http_date(last_modified))
        .header(header::CACHE_CONTROL, format!("public, max-age={max_age}"))
        .header(header::VARY, "Accept-Encoding");
    if not_modified(&request, &doc.etag, last_modified) {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Bytes::new())
            .expect("static response parts are valid");
    }
    builder
        .header(header::CONTENT_TYPE, content_type)
        .body(doc.bytes.clone())
        .expect("static response parts are valid")
}

/// `If-None-Match` decides when present; otherwise `If-Modified-Since` (RFC 9110 §13.2.2).
fn not_modified(request: &HeaderMap, etag: &str, last_modified: DateTime<Utc>) -> bool {
    if let Some(value) = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return value
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag);
    }
    request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| last_modified.timestamp() <= since.timestamp())
}

fn http_date(d: DateTime<Utc>) -> HeaderValue {
    HeaderValue::from_str(&d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .expect("date is ASCII")
}

#[derive(Serialize)]
struct IndexSection {
    id: String,
    title: String,
    page: String,
    rss: String,
    atom: String,
    entries: usize,
    updated: Option<String>,
    health: SectionHealth,
}

#[derive(Serialize)]
struct IndexSite {
    id: String,
    title: String,
    url: String,
    sections: Vec<IndexSection>,
}

fn index(app: &App, pages: &Pages) -> Reply {
    let base = app.feeds.public_url();
    let link = |path: String| base.join(&path).map(String::from).unwrap_or(path);
    let sites: Vec<IndexSite> = app
        .config
        .sites
        .iter()
        .map(|site| IndexSite {
            id: site.id.clone(),
            title: site.title.clone(),
            url: site.base_url.to_string(),
            sections: site
                .sections
                .iter()
                .map(|s| {
                    let rendered = app.feeds.get(&s.id);
                    IndexSection {
                        id: s.id.clone(),
                        title: s.title.clone(),
                        page: s.url.to_string(),
                        rss: link(format!("feeds/{}.rss", s.id)),
                        atom: link(format!("feeds/{}.atom", s.id)),
                        entries: rendered.as_ref().map_or(0, |r| r.entries),
                        updated: rendered
                            .filter(|r| r.entries > 0)
                            .map(|r| r.updated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                        health: app.health(&s.id),
                    }
                })
                .collect(),
        })
        .collect();
    let rendered = pages.env.get_template("index.html").and_then(|t| {
        t.render(minijinja::context! { sites => sites, version => env!("CARGO_PKG_VERSION") })
    });
    match rendered {
        Ok(html) => Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Bytes::from(html))
            .expect("static response parts are valid"),
        Err(e) => {
            tracing::error!(error = %e, "index template failed");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("index template failed: {e}\n"),
            )
        }
    }
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    sections: std::collections::BTreeMap<String, SectionHealth>,
}

fn healthz(app: Arc<App>) -> Reply {
    let sections: std::collections::BTreeMap<String, SectionHealth> = app
        .config
        .sections()
        .map(|(_, s)| (s.id.clone(), app.health(&s.id)))
        .collect();
    let all_failing = !sections.is_empty() && sections.values().all(|h| h.consecutive_failures > 0);
    let body = Health {
        status: if all_failing { "failing" } else { "ok" },
        sections,
    };
    Response::builder()
        .status(if all_failing {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        })
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Bytes::from(
            serde_json::to_vec_pretty(&body).unwrap_or_default(),
        ))
        .expect("static response parts are valid")
}
