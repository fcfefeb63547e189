//! A static origin for the example sites: serves a fixture directory on 127.0.0.1.
//!
//! `/` is `index.html`; `/news/x` is `news/x` or `news/x.html`; the query string is
//! ignored. Files are sent as they are, as `text/html` without a charset, so pages in
//! windows-1251 must declare it themselves — as many real sites do. Every answer carries an
//! `ETag` (a hash of the bytes) and honours `If-None-Match` with `304`; requests are logged.

use std::net::SocketAddr;
use std::path::PathBuf;

use warp::http::{Response, StatusCode};
use warp::Filter;

pub struct StaticOrigin {
    pub addr: SocketAddr,
    /// (path, status) of every request.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<(String, u16)>>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StaticOrigin {
    pub fn start(dir: PathBuf) -> StaticOrigin {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log_in = log.clone();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let routes = warp::path::full()
                    .and(warp::header::optional::<String>("if-none-match"))
                    .map(move |path: warp::path::FullPath, etag: Option<String>| {
                        let response = serve(&dir, path.as_str(), etag.as_deref());
                        log_in
                            .lock()
                            .unwrap()
                            .push((path.as_str().to_string(), response.status().as_u16()));
                        response
                    });
                warp::serve(routes)
                    .incoming(listener)
                    .graceful(async move {
                        let _ = stop_rx.await;
                    })
                    .run()
                    .await;
            });
        });
        StaticOrigin {
            addr: addr_rx.recv().expect("static origin started"),
            log,
            shutdown: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn serve(dir: &std::path::Path, path: &str, if_none_match: Option<&str>) -> Response<Vec<u8>> {
    let relative = path.trim_start_matches('/');
    let relative = if relative.is_empty() {
        "index.html"
    } else {
        relative
    };
    let candidates = [dir.join(relative), dir.join(format!("{relative}.html"))];
    let found = candidates
        .iter()
        .filter(|_| !relative.contains(".."))
        .find_map(|p| std::fs::read(p).ok().filter(|_| p.is_file()));
    match found {
        Some(bytes) => {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut hasher);
            let etag = format!("\"{:x}\"", hasher.finish());
            if if_none_match == Some(etag.as_str()) {
                return Response::builder()
                    .status(StatusCode::NOT_MODIFIED)
                    .header("etag", etag)
                    .body(Vec::new())
                    .unwrap();
            }
            Response::builder()
                .header("content-type", "text/html")
                .header("etag", etag)
                .body(bytes)
                .unwrap()
        }
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(b"not found".to_vec())
            .unwrap(),
    }
}

impl Drop for StaticOrigin {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
