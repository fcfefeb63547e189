//! The routes in-process, for HTTP behaviour that needs no scrape and no process of its own.
//!
//! `InProcess::open` builds an `App` from inline TOML with its database and feeds directory in a
//! temporary directory, lets the test fill the store (entries, runs) before the app opens it,
//! and renders every feed, as a server would after its first scrapes. Requests are then
//! answered two ways:
//!
//! - `request` (and `get`) by `server::routes`, through `warp::test::request()`: the filter
//!   tree alone, as warp's `examples/todos.rs` tests its routes;
//! - `serve` by `server::service`, the hyper service every connection of the HTTP workers
//!   gets (plain feed requests on the fast path of `server/hot.rs`, the rest through the
//!   routes), on an in-memory connection served as a worker serves one. hyper then does what
//!   it does on a socket: drops the body of a `HEAD` answer and sets `Content-Length`.
//!
//! No origin, no binary, no port.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use scrapefeed::app::App;
use scrapefeed::clock::SystemClock;
use scrapefeed::config::Config;
use scrapefeed::metrics::Metrics;
use scrapefeed::model::Entry;
use scrapefeed::server::{self, Live, Pages};
use scrapefeed::store::{ArticleState, Retention, ScrapedEntry, SqliteStore, Store};
use warp::http::{HeaderMap, Request, Response};

/// An app whose feeds are rendered, and its routes.
pub struct InProcess {
    live: Arc<Live>,
    /// Holds the database and the feed files; removed on drop.
    _dir: tempfile::TempDir,
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl InProcess {
    /// An app for `config` (TOML; relative paths, including the default database and feeds
    /// directory, land in a fresh temporary directory) whose store `fill` wrote first, with
    /// every feed rendered.
    pub async fn open(config: &str, fill: impl FnOnce(&dyn Store)) -> InProcess {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::parse(config, dir.path()).unwrap_or_else(|e| panic!("{e}"));
        fill(&SqliteStore::open(&config.storage.database).unwrap());
        let pages = Arc::new(Pages::load(&config.server.templates_dir).unwrap());
        let public_url = config.public_url();
        let app = App::open(
            config,
            Arc::new(SystemClock),
            public_url,
            Arc::new(Metrics::default()),
        )
        .unwrap();
        app.export_stale().await.unwrap();
        InProcess {
            live: Arc::new(Live::new(app, pages)),
            _dir: dir,
        }
    }

    /// The temporary directory relative paths of the config resolve in (the database is
    /// `data/scrapefeed.db` there by default).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// `GET path` through the warp routes.
    pub async fn get(&self, path: &str) -> Answer {
        self.request("GET", path, &[]).await
    }

    /// The app the routes serve (to look at or drive its state).
    pub fn app(&self) -> Arc<App> {
        self.live.app()
    }

    /// A request through the warp routes (`server::routes`).
    pub async fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.request_with_body(method, path, headers, "").await
    }

    /// A request with a body (a url-encoded form) through the warp routes.
    pub async fn request_with_body(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Answer {
        let mut request = warp::test::request().method(method).path(path).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Answer::from(request.reply(&server::routes(self.live.clone())).await)
    }

    /// A request through the service the HTTP workers run (`server::service`), over a fresh
    /// in-memory HTTP/1.1 connection.
    pub async fn serve(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
        let (client, connection) = tokio::io::duplex(64 * 1024);
        let service = server::service(self.live.clone());
        let served = tokio::spawn(async move {
            hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(connection), service)
                .await
                .map_err(|e| e.to_string())
        });
        let (mut sender, client_side) = hyper::client::conn::http1::handshake(TokioIo::new(client))
            .await
            .unwrap();
        let client_side = tokio::spawn(client_side);
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "routes.test");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = sender
            .send_request(request.body(Empty::<Bytes>::new()).unwrap())
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        // Closing the client's side ends the connection; both ends must end cleanly.
        drop(sender);
        client_side.await.unwrap().unwrap();
        served.await.unwrap().unwrap();
        Answer::from(Response::from_parts(parts, body))
    }
}

impl From<Response<Bytes>> for Answer {
    fn from(response: Response<Bytes>) -> Answer {
        let (parts, body) = response.into_parts();
        Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }
}

impl Answer {
    /// A header's value; panics if the answer lacks it.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An entry with a title, a link and a date (RFC 3339), first seen when published; the
/// other fields empty.
pub fn entry(url: &str, title: &str, published: &str) -> Entry {
    let published = DateTime::parse_from_rfc3339(published).unwrap();
    Entry {
        url: url.into(),
        title: title.into(),
        summary: None,
        body: None,
        author: None,
        tags: Vec::new(),
        image: None,
        published,
        updated: None,
        first_seen: published.with_timezone(&Utc),
        date_source: "test".into(),
    }
}

/// Stores `entries` in `section`, as a scrape of complete article pages would.
pub fn save(store: &dyn Store, section: &str, entries: &[Entry]) {
    let scraped: Vec<ScrapedEntry> = entries
        .iter()
        .map(|entry| ScrapedEntry {
            entry: entry.clone(),
            state: ArticleState::Complete,
        })
        .collect();
    let keep_all = Retention {
        max_entries: 1000,
        max_age: None,
    };
    store
        .save(section, &scraped, &keep_all, Utc::now(), None)
        .unwrap();
}
