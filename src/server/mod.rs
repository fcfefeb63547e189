//! HTTP routes (warp): feeds from memory, their preview pages, the index, OPML, health.
//!
//! `routes` builds the filter tree; handlers are plain functions over `Arc<App>`. Feeds are
//! answered by `feed` (from memory, with validators; `hot` takes plain feed requests past the
//! filter tree), pages by `pages` and `opml`. The server is the one place that maps outcomes
//! to HTTP statuses and makes HTTP headers: unknown paths 404, known paths with a method other
//! than GET or HEAD 405 with `Allow`. The operator's routes (`/admin/…`, "Scrape now") are in
//! `admin`, and exist only when an admin token is configured.

mod admin;
#[cfg(test)]
mod cluster_health;
mod feed;
mod hot;
pub mod listen;
mod metrics;
mod negotiate;
mod opml;
mod pages;
pub mod proxy;
mod suggest;

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use warp::http::{header, HeaderValue, Method, Response, StatusCode};
use warp::Filter;

use crate::app::{App, DatabaseHealth, SectionHealth};
use crate::feeds::FilesHealth;
use feed::feed;
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

/// What the HTTP workers serve: `public_url`'s path prefix stripped and the client marked
/// (`proxy`), then plain feed requests straight to their handler, everything else through
/// `routes` (see `hot`).
pub fn service(live: Arc<Live>) -> impl listen::Routes {
    let feeds_first = hot::FeedsFirst::new(live.clone(), warp::service(routes(live.clone())));
    proxy::BehindProxy::new(live, feeds_first)
}

/// All routes.
pub fn routes(live: Arc<Live>) -> impl Filter<Extract = (Reply,), Error = Infallible> + Clone {
    let (app_source, feed_source) = (live.clone(), live.clone());
    let admin = admin::routes(live.clone());
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
        .and(warp::cookie::optional::<String>(admin::COOKIE))
        .map(
            |method, app: Arc<App>, pages: Arc<Pages>, session: Option<String>| {
                get_or_head(&method).unwrap_or_else(|| {
                    let visitor = admin::Visitor::of(&app, session.as_deref());
                    let mut reply = html(pages.index(&app, &visitor));
                    // Per visitor (an operator's page holds their anti-forgery value) and
                    // live (health): never kept by a shared cache, revalidated by browsers.
                    let headers = reply.headers_mut();
                    headers.insert(
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("private, no-cache"),
                    );
                    headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
                    reply
                })
            },
        );
    let opml = warp::path!("opml")
        .and(warp::method())
        .and(with_app.clone())
        .and(warp::query::<std::collections::HashMap<String, String>>())
        .map(
            |method, app: Arc<App>, query: std::collections::HashMap<String, String>| {
                get_or_head(&method).unwrap_or_else(|| {
                    let listed =
                        match opml::Listed::from_query(query.get("merged").map(String::as_str)) {
                            Ok(listed) => listed,
                            Err(message) => return text(StatusCode::BAD_REQUEST, message + "\n"),
                        };
                    Response::builder()
                        .header(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")
                        .header(
                            header::CONTENT_DISPOSITION,
                            "inline; filename=\"scrapefeed.opml\"",
                        )
                        .body(Bytes::from(opml::opml(&app, listed)))
                        .expect("static response parts are valid")
                })
            },
        );
    let health = warp::path!("healthz")
        .and(warp::method())
        .and(with_app.clone())
        .map(|method, app| get_or_head(&method).unwrap_or_else(|| healthz(app)));
    let metrics = warp::path!("metrics")
        .and(warp::method())
        .and(warp::header::optional::<String>("accept"))
        .and(with_app.clone())
        .map(|method, accept, app| {
            get_or_head(&method).unwrap_or_else(|| metrics::metrics(app, accept))
        });
    let suggest = warp::path!("suggest")
        .and(warp::method())
        .and(warp::query::<Vec<(String, String)>>())
        .and(with_app.clone())
        .then(suggest::suggest);
    feed.or(index)
        .unify()
        .or(suggest)
        .unify()
        .or(opml)
        .unify()
        .or(health)
        .unify()
        .or(metrics)
        .unify()
        .or(admin)
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
            tracing::error!(error = %crate::errors::chain(&e), "page template failed");
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

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: DatabaseHealth,
    feed_files: FilesHealth,
    /// In a cluster, every instance on record and whether it is alive; absent alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    instances: Option<Vec<crate::cluster::InstanceState>>,
    sections: std::collections::BTreeMap<String, SectionHealth>,
}

/// `failing` (503) when every section fails or the database takes no more writes (nothing
/// scraped is stored: someone must act before a restart); `degraded` (200) while feed files
/// cannot be written (feeds are still served, from memory); else `ok`.
fn healthz(app: Arc<App>) -> Reply {
    let sections: std::collections::BTreeMap<String, SectionHealth> = app
        .config
        .sections()
        .map(|(_, s)| (s.id.clone(), app.health(&s.id)))
        .collect();
    let all_failing = !sections.is_empty() && sections.values().all(|h| h.consecutive_failures > 0);
    let storage = app.storage_health();
    let failing = all_failing || !storage.database.writable;
    let degraded = !storage.feed_files.writable || storage.feed_files.unwritten_feeds > 0;
    let body = Health {
        status: match (failing, degraded) {
            (true, _) => "failing",
            (false, true) => "degraded",
            (false, false) => "ok",
        },
        database: storage.database,
        feed_files: storage.feed_files,
        instances: app.cluster_instances(),
        sections,
    };
    Response::builder()
        .status(if failing {
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
