//! A misbehaving origin on 127.0.0.1, written on raw TCP so it can do what well-behaved
//! servers never do: hang, stall, close mid-body, stream forever, send a gzip bomb.
//!
//! Paths choose the behaviour (the query string is ignored):
//! - `/ok/...`         a small HTML listing or article (see `listing_page`, `article_page`)
//! - `/hang`           accepts, reads the request, never answers
//! - `/slow`           answers after 3 s
//! - `/close`          promises 100 000 bytes, sends 20, closes
//! - `/status/NNN`     answers that status (counted per path)
//! - `/flaky`          500 twice, then a listing
//! - `/limited`        429 with `Retry-After: 1` once, then a listing
//! - `/busy`           503 with `Retry-After: 120`, always
//! - `/retry-after/N`  503 with `Retry-After: N`, always
//! - `/mixed`          a listing of `/ok/article/1`, `/retry-after/30`, `/ok/article/2`
//! - `/loop/a` ↔ `/loop/b` redirect to each other
//! - `/endless`        a chunked body that never ends (until the client leaves, bounded)
//! - `/bomb`           a gzip body that inflates to 64 MiB of zeros
//! - `/garbage`        bytes that are not HTML at all
//! - `/cp1251`         a windows-1251 article with no charset anywhere
//! - `/robots.txt`     disallows `/status/418` for every agent; while `stall_robots` is set
//!   it is not answered (for at most 30 s); while `robots_down` is set it answers 503
//!
//! Every request is logged with its arrival time.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub at: Instant,
}

pub struct Faulty {
    pub addr: SocketAddr,
    pub hits: Arc<Mutex<Vec<Hit>>>,
    /// While set, `/ok` answers 500: a good section turning bad.
    pub broken: Arc<AtomicBool>,
    /// While set, `/robots.txt` is not answered: a robots.txt that stalls.
    pub stall_robots: Arc<AtomicBool>,
    /// While set, `/robots.txt` answers 503: a site that is down.
    pub robots_down: Arc<AtomicBool>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Faulty {
    pub fn start() -> Faulty {
        Faulty::start_on(std::net::TcpListener::bind("127.0.0.1:0").unwrap())
    }

    /// Starts on `listener`: a port the test chose earlier, say one it kept closed so far
    /// (a site coming up after the server).
    pub fn start_on(listener: std::net::TcpListener) -> Faulty {
        listener.set_nonblocking(true).unwrap();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let broken = Arc::new(AtomicBool::new(false));
        let stall_robots = Arc::new(AtomicBool::new(false));
        let robots_down = Arc::new(AtomicBool::new(false));
        let flags = Flags {
            broken: broken.clone(),
            stall_robots: stall_robots.clone(),
            robots_down: robots_down.clone(),
        };
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let log = hits.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                // Built before the address is handed out, so no request waits for it.
                let bomb = Arc::new(gzip_bomb());
                let listener = TcpListener::from_std(listener).unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut stop_rx => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let (log, bomb, flags) = (log.clone(), bomb.clone(), flags.clone());
                            tokio::spawn(async move { let _ = handle(stream, log, bomb, flags).await; });
                        }
                    }
                }
            });
            runtime.shutdown_timeout(Duration::from_millis(100));
        });
        Faulty {
            addr: addr_rx.recv().unwrap(),
            hits,
            broken,
            stall_robots,
            robots_down,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn hits_of(&self, path: &str) -> Vec<Instant> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .map(|h| h.at)
            .collect()
    }

    /// Waits until `path` has been requested at least `count` times; panics after `timeout`.
    pub async fn wait_for_hits(&self, path: &str, count: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.hits_of(path).len() < count {
            assert!(
                Instant::now() < deadline,
                "{path} requested {} times, not {count}, within {timeout:?}",
                self.hits_of(path).len()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Drop for Faulty {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The switches a test flips while the origin runs.
#[derive(Clone)]
struct Flags {
    broken: Arc<AtomicBool>,
    stall_robots: Arc<AtomicBool>,
    robots_down: Arc<AtomicBool>,
}

fn gzip_bomb() -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        encoder.write_all(&zeros).unwrap();
    }
    encoder.finish().unwrap()
}

async fn handle(
    mut stream: TcpStream,
    log: Arc<Mutex<Vec<Hit>>>,
    bomb: Arc<Vec<u8>>,
    flags: Flags,
) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
        if request.len() > 64 * 1024 {
            return Ok(());
        }
    }
    let head = String::from_utf8_lossy(&request);
    let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let path = target.split('?').next().unwrap_or("/").to_string();
    let count = {
        let mut log = log.lock().unwrap();
        log.push(Hit {
            path: path.clone(),
            at: Instant::now(),
        });
        log.iter().filter(|h| h.path == path).count()
    };
    let html = |body: &str| response("200 OK", "text/html; charset=utf-8", &[], body.as_bytes());
    let reply: Vec<u8> = match path.as_str() {
        "/robots.txt" => {
            // Polled rather than notified: the flag is flipped from the test's own runtime.
            let stalled_since = Instant::now();
            while flags.stall_robots.load(Ordering::SeqCst)
                && stalled_since.elapsed() < Duration::from_secs(30)
            {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            if flags.robots_down.load(Ordering::SeqCst) {
                response("503 Service Unavailable", "text/plain", &[], b"down")
            } else {
                response(
                    "200 OK",
                    "text/plain",
                    &[],
                    b"User-agent: *\nDisallow: /status/418\n",
                )
            }
        }
        "/hang" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return Ok(());
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            html(&listing_page())
        }
        "/close" => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 100000\r\nconnection: close\r\n\r\n";
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(b"<html><body>partial").await?;
            return stream.shutdown().await;
        }
        "/flaky" if count <= 2 => response("500 Internal Server Error", "text/plain", &[], b"oops"),
        "/flaky" => html(&listing_page()),
        "/limited" if count == 1 => response(
            "429 Too Many Requests",
            "text/plain",
            &[("retry-after", "1")],
            b"slow down",
        ),
        "/limited" => html(&listing_page()),
        "/busy" => response(
            "503 Service Unavailable",
            "text/plain",
            &[("retry-after", "120")],
            b"busy",
        ),
        p if p.starts_with("/retry-after/") => response(
            "503 Service Unavailable",
            "text/plain",
            &[("retry-after", p.trim_start_matches("/retry-after/"))],
            b"busy",
        ),
        "/mixed" => html(&mixed_listing_page()),
        "/loop/a" => response("302 Found", "text/plain", &[("location", "/loop/b")], b""),
        "/loop/b" => response("302 Found", "text/plain", &[("location", "/loop/a")], b""),
        "/endless" => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            stream.write_all(head.as_bytes()).await?;
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
            // Bounded: at most 1 GiB, or until the client hangs up.
            for _ in 0..16_384 {
                if stream.write_all(chunk.as_bytes()).await.is_err() {
                    break;
                }
            }
            return Ok(());
        }
        "/bomb" => response(
            "200 OK",
            "text/html",
            &[("content-encoding", "gzip")],
            &bomb,
        ),
        "/garbage" => response(
            "200 OK",
            "text/html",
            &[],
            b"\x00\x01\xff\xfe<<<>>>&&&;;\x00 not html </div></div></body>",
        ),
        "/cp1251" => {
            let text = "<html><head><title>Новости</title></head><body><h1 class=\"title\">Президент России провёл совещание с членами правительства</h1><p class=\"date\">13 июня 2026, 14:53</p><div class=\"text\"><p>Обсуждали развитие транспорта в регионах страны.</p></div></body></html>";
            let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
            response("200 OK", "text/html", &[], &bytes)
        }
        p if p.starts_with("/status/") => {
            let code = p.trim_start_matches("/status/");
            response(&format!("{code} Status"), "text/plain", &[], b"status")
        }
        "/ok" if flags.broken.load(Ordering::SeqCst) => {
            response("500 Internal Server Error", "text/plain", &[], b"broken")
        }
        p if p.starts_with("/ok/article") => html(&article_page(p)),
        p if p.starts_with("/ok") => html(&listing_page()),
        _ => response("404 Not Found", "text/plain", &[], b"not found"),
    };
    stream.write_all(&reply).await?;
    stream.shutdown().await
}

fn response(status: &str, content_type: &str, extra: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in extra {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Three articles: a good one, one in windows-1251 without a charset, one that is garbage.
pub fn listing_page() -> String {
    r#"<html><body><ul class="news">
<li><a href="/ok/article/1">Good article</a><time datetime="2026-06-13T14:53:00+03:00"></time></li>
<li><a href="/cp1251">Undeclared windows-1251 article</a><time datetime="2026-06-13T12:00:00+03:00"></time></li>
<li><a href="/garbage">Garbage article</a><time datetime="2026-06-13T10:00:00+03:00"></time></li>
</ul></body></html>"#
        .to_string()
}

/// A good article, one whose server keeps asking to retry in 30 s, and another good one.
pub fn mixed_listing_page() -> String {
    r#"<html><body><ul class="news">
<li><a href="/ok/article/1">First article</a><time datetime="2026-06-13T14:53:00+03:00"></time></li>
<li><a href="/retry-after/30">Article behind a Retry-After</a><time datetime="2026-06-13T12:00:00+03:00"></time></li>
<li><a href="/ok/article/2">Third article</a><time datetime="2026-06-13T10:00:00+03:00"></time></li>
</ul></body></html>"#
        .to_string()
}

fn article_page(path: &str) -> String {
    format!(
        r#"<html><body><h1 class="title">Article at {path}</h1><p class="date">13 June 2026, 14:53</p><div class="text"><p>Body.</p></div></body></html>"#
    )
}
