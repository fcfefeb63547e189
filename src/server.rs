//! HTTP routes (warp): feeds from memory, their preview pages, the index, OPML, health.
//!
//! `routes` builds the filter tree; handlers are plain functions over `Arc<App>`. A feed
//! request is answered from bytes `FeedSet` rendered when the feed last changed: negotiate the
//! encoding (`negotiate`), compare validators, copy an `Arc`. Work happens on a blocking
//! thread only the first time something is asked for after a change: a compressed form not
//! made yet, a filtered view (`?limit=`, `?include=`, `?exclude=`), or a feed that fell out of
//! the memory budget (a conditional request for it is still answered from its head). This
//! module is the one place that maps outcomes to HTTP statuses: unknown paths 404, known
//! paths with a method other than GET or HEAD 405 with `Allow`.

mod hot;
pub mod listen;
mod negotiate;
mod opml;
mod pages;

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use warp::http::{header, HeaderValue, Method, Response, StatusCode};
use warp::Filter;

use crate::app::{App, SectionHealth};
use crate::feeds::{Document, FeedError, FeedQuery, Format, Head};
use crate::store::Store;
pub use negotiate::negotiate;
pub use pages::Pages;

type Reply = Response<Bytes>;

/// What the routes serve: swapped whole when the config is reloaded, so a request sees
/// either the old app or the new one, never a mix.
pub struct Live {
    current: std::sync::RwLock<(Arc<App>, Arc<Pages>)>,
}

impl Live {
    pub fn new(app: Arc<App>, pages: Arc<Pages>) -> Live {
        Live {
            current: std::sync::RwLock::new((app, pages)),
        }
    }

    pub fn app(&self) -> Arc<App> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .clone()
    }

    pub fn pages(&self) -> Arc<Pages> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    /// The app and the pages of one config, read under one lock.
    pub fn current(&self) -> (Arc<App>, Arc<Pages>) {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn replace(&self, app: Arc<App>, pages: Arc<Pages>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = (app, pages);
    }
}

/// What the HTTP workers serve: plain feed requests straight to their handler, everything
/// else through `routes` (see `hot`).
pub fn service(live: Arc<Live>) -> impl listen::Routes {
    hot::FeedsFirst::new(live.clone(), warp::service(routes(live)))
}

/// All routes.
pub fn routes(live: Arc<Live>) -> impl Filter<Extract = (Reply,), Error = Infallible> + Clone {
    let (app_source, feed_source) = (live.clone(), live.clone());
    let with_app = warp::any().map(move || app_source.app());
    let with_pages = warp::any().map(move || live.pages());
    // A feed request needs both; one lock read instead of two.
    let with_app_and_pages = warp::any().map(move || feed_source.current()).untuple_one();
    // `query::<Vec<…>>` reads an absent query as empty; `query::raw` would reject it, and
    // building a rejection on every plain feed request is measurable.
    let query = warp::query::<Vec<(String, String)>>();
    let feed = warp::path!("feeds" / String)
        .and(warp::method())
        .and(conditions())
        .and(query)
        .and(with_app_and_pages)
        .then(feed);
    let index = warp::path::end()
        .and(warp::method())
        .and(with_app.clone())
        .and(with_pages)
        .map(|method, app: Arc<App>, pages: Arc<Pages>| {
            get_or_head(&method).unwrap_or_else(|| html(pages.index(&app)))
        });
    let opml = warp::path!("opml")
        .and(warp::method())
        .and(with_app.clone())
        .map(|method, app: Arc<App>| {
            get_or_head(&method).unwrap_or_else(|| {
                Response::builder()
                    .header(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")
                    .header(
                        header::CONTENT_DISPOSITION,
                        "inline; filename=\"scrapefeed.opml\"",
                    )
                    .body(Bytes::from(opml::opml(&app)))
                    .expect("static response parts are valid")
            })
        });
    let health = warp::path!("healthz")
        .and(warp::method())
        .and(with_app.clone())
        .map(|method, app| get_or_head(&method).unwrap_or_else(|| healthz(app)));
    let metrics = warp::path!("metrics")
        .and(warp::method())
        .and(with_app.clone())
        .map(|method, app: Arc<App>| {
            get_or_head(&method).unwrap_or_else(|| {
                Response::builder()
                    .header(
                        header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )
                    .header(header::CACHE_CONTROL, "no-store")
                    .body({
                        app.metrics.set_feed_cache_bytes(app.feeds.resident_bytes());
                        Bytes::from(app.metrics.encode())
                    })
                    .expect("static response parts are valid")
            })
        });
    feed.or(index)
        .unify()
        .or(opml)
        .unify()
        .or(health)
        .unify()
        .or(metrics)
        .unify()
        .recover(
            |rejection: warp::Rejection| async move { Ok::<_, Infallible>(rejected(rejection)) },
        )
        .unify()
        .and(with_app)
        .map(|reply: Reply, app: Arc<App>| {
            app.metrics.response(reply.status().as_u16());
            reply
        })
}

/// The request headers a feed answer depends on, read without copying the whole header map.
struct Conditions {
    accept_encoding: Option<String>,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
}

fn conditions() -> impl Filter<Extract = (Conditions,), Error = warp::Rejection> + Clone {
    use warp::header::optional;
    optional::<String>("accept-encoding")
        .and(optional::<String>("if-none-match"))
        .and(optional::<String>("if-modified-since"))
        .map(
            |accept_encoding, if_none_match, if_modified_since| Conditions {
                accept_encoding,
                if_none_match,
                if_modified_since,
            },
        )
}

/// `None` for GET and HEAD (hyper drops the body of a HEAD answer itself, keeping its
/// `Content-Length`); otherwise the 405 answer.
fn get_or_head(method: &Method) -> Option<Reply> {
    if method == Method::GET || method == Method::HEAD {
        return None;
    }
    let mut reply = text(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {method} not allowed: use GET or HEAD\n"),
    );
    reply
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    Some(reply)
}

fn text(status: StatusCode, body: String) -> Reply {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Bytes::from(body))
        .expect("static response parts are valid")
}

fn html(page: Result<String, minijinja::Error>) -> Reply {
    match page {
        Ok(html) => Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Bytes::from(html))
            .expect("static response parts are valid"),
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("page template failed: {e}\n"),
            )
        }
    }
}

fn rejected(rejection: warp::Rejection) -> Reply {
    if rejection.is_not_found() {
        text(
            StatusCode::NOT_FOUND,
            "not found: the list of feeds is at /\n".into(),
        )
    } else {
        text(
            StatusCode::BAD_REQUEST,
            format!("bad request: {rejection:?}\n"),
        )
    }
}

async fn feed(
    file: String,
    method: Method,
    request: Conditions,
    query: Vec<(String, String)>,
    app: Arc<App>,
    pages: Arc<Pages>,
) -> Reply {
    if let Some(refused) = get_or_head(&method) {
        return refused;
    }
    let (name, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    let Some(spec) = app.feeds.catalog().get(name).cloned() else {
        return text(
            StatusCode::NOT_FOUND,
            format!("no feed named {name:?}: the list of feeds is at /\n"),
        );
    };
    if ext == "html" {
        let (task_app, task_name) = (app.clone(), name.to_string());
        let loaded = blocking(&app, name, move |store| {
            task_app.feeds.entries(store, &task_name)
        })
        .await;
        return match loaded {
            Ok((_, entries)) => html(pages.preview(&app, &spec, &entries)),
            Err(reply) => reply,
        };
    }
    let Some(format) = Format::from_ext(ext) else {
        return text(
            StatusCode::NOT_FOUND,
            format!(
                "no feed named {file:?}: feeds end in .rss, .atom or .json \
                 (.html for a preview); the list is at /\n"
            ),
        );
    };
    let query = match FeedQuery::from_pairs(query) {
        Ok(query) => query,
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("bad query: {e}\n")),
    };
    let Some(encoding) = negotiate(request.accept_encoding.as_deref()) else {
        return text(
            StatusCode::NOT_ACCEPTABLE,
            "not acceptable: Accept-Encoding refuses identity, gzip and br\n".into(),
        );
    };
    // Headers go straight into a map sized for all of them: `Response::builder()` would
    // check each name and value again and grow the map on the way.
    let headers = |etag: HeaderValue, head: &Head| {
        let mut response = Response::new(Bytes::new());
        let headers = response.headers_mut();
        headers.reserve(6);
        headers.insert(header::ETAG, etag);
        headers.insert(header::LAST_MODIFIED, head.last_modified.clone());
        headers.insert(header::CACHE_CONTROL, spec.cache_control.clone());
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        response
    };
    // The head alone answers a conditional request for the whole feed, in memory or not.
    let head = app.feeds.head(name);
    if let Some(head) = head.as_ref().filter(|_| query.is_empty()) {
        let cached = app.feeds.cached(&file, format, head);
        let etag = match &cached {
            Some(doc) => doc.etag(encoding).clone(),
            None => head.etag(format, encoding),
        };
        if not_modified(&request, &etag, head.updated.with_timezone(&Utc)) {
            return not_modified_reply(headers(etag, head));
        }
        if let Some(doc) = cached {
            return send(headers(etag, head), &app, name, format, &doc, encoding).await;
        }
    }
    let found = if query.is_empty() {
        let (task_app, task_name) = (app.clone(), name.to_string());
        blocking(&app, name, move |store| {
            task_app.feeds.document(store, &task_name, format)
        })
        .await
    } else {
        let cached = head
            .as_ref()
            .and_then(|h| Some(h.clone()).zip(app.feeds.filtered_cached(name, format, &query, h)));
        match cached {
            Some(found) => Ok(found),
            None => {
                let (task_app, task_name) = (app.clone(), name.to_string());
                blocking(&app, name, move |store| {
                    task_app.feeds.filtered(store, &task_name, format, &query)
                })
                .await
            }
        }
    };
    let (head, document) = match found {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let etag = document.etag(encoding).clone();
    if not_modified(&request, &etag, head.updated.with_timezone(&Utc)) {
        return not_modified_reply(headers(etag, &head));
    }
    send(
        headers(etag, &head),
        &app,
        name,
        format,
        &document,
        encoding,
    )
    .await
}

/// The `200` answer with the document in the negotiated encoding, compressing it on a
/// blocking thread if no request did yet.
async fn send(
    mut response: Reply,
    app: &Arc<App>,
    name: &str,
    format: Format,
    document: &Arc<Document>,
    encoding: crate::feeds::Encoding,
) -> Reply {
    let variant = match document.ready(encoding) {
        Some(variant) => variant,
        None => {
            let (app, task_name, document) = (app.clone(), name.to_string(), document.clone());
            let compressed = tokio::task::spawn_blocking(move || {
                app.feeds.compress(&task_name, format, &document, encoding)
            })
            .await;
            match compressed {
                Ok(variant) => variant,
                Err(e) => {
                    return text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("cannot compress feed {name:?}: {e}\n"),
                    )
                }
            }
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Some(token) = encoding.token() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
    }
    *response.body_mut() = variant.bytes;
    response
}

fn not_modified_reply(mut response: Reply) -> Reply {
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    response
}

/// Runs a `FeedSet` call that may read files, SQLite or render, on a blocking thread. The
/// error is the reply to send: `404` when the feed is unknown, `500` when it failed.
async fn blocking<T: Send + 'static>(
    app: &App,
    name: &str,
    work: impl FnOnce(&dyn Store) -> Result<Option<T>, FeedError> + Send + 'static,
) -> Result<T, Reply> {
    let failure = match app.store.run(work).await {
        Ok(Some(found)) => return Ok(found),
        Ok(None) => {
            return Err(text(
                StatusCode::NOT_FOUND,
                format!("no feed named {name:?}: the list of feeds is at /\n"),
            ))
        }
        Err(e) => crate::errors::chain(&e),
    };
    tracing::error!(feed = name, error = %failure, "cannot render the feed");
    Err(text(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("cannot render feed {name:?}: {failure}\n"),
    ))
}

/// `If-None-Match` decides when present; otherwise `If-Modified-Since` (RFC 9110 §13.2.2).
/// Entity tags compare weakly here, as the RFC asks for `If-None-Match`, so a proxy that
/// weakened our tag (`W/"…"`) still revalidates.
fn not_modified(request: &Conditions, etag: &HeaderValue, last_modified: DateTime<Utc>) -> bool {
    if let Some(value) = &request.if_none_match {
        let etag = etag.as_bytes();
        return value
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t.as_bytes() == etag);
    }
    request
        .if_modified_since
        .as_deref()
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| last_modified.timestamp() <= since.timestamp())
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
