//! Slow clients against the real binary: hundreds of connections that send nothing, half a
//! request head, or a head one byte at a time are closed by `server.header_timeout`, while a
//! real reader is served its feed meanwhile; connections beyond `server.max_connections` are
//! answered `503` and closed. (`examples/slowloris.rs` runs the same with thousands.)

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::origin::{Origin, SiteModel};
use support::{parse_feed, write_config_with, Serve};

/// A server on the local TASS copy with `keys` added to `[server]`, once every section has
/// been scraped.
async fn serve_with(dir: &std::path::Path, origin: &Origin, keys: &str) -> Serve {
    let config = write_config_with(dir, &origin.base_url(), |text| {
        let listen = "listen = \"127.0.0.1:8080\"\n";
        text.replacen(listen, &format!("{listen}{keys}\n"), 1)
    });
    let mut serve = Serve::start(&config);
    serve.scraped().await;
    serve
}

/// Whether the server closes `stream` within `within`: end of file, or a reset when it
/// closed with our bytes unread.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut buf = [0; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false
            }
            Err(_) => return true,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_connections_are_closed_by_the_header_timeout_and_readers_are_served() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let header_timeout = Duration::from_secs(2);
    let serve = serve_with(dir.path(), &origin, "header_timeout = \"2s\"").await;
    let addr = serve.addr();
    let opened = Instant::now();
    let mut slow = Vec::new();
    for i in 0..300 {
        let mut stream = TcpStream::connect(addr).unwrap();
        match i % 3 {
            0 => {}
            1 => stream
                .write_all(b"GET /feeds/all.rss HTTP/1.1\r\nHo")
                .unwrap(),
            _ => stream
                .write_all(b"GET /feeds/all.rss HTTP/1.1\r\nX-")
                .unwrap(),
        }
        slow.push(stream);
    }
    // A third keep sending a byte of their head now and then, never finishing it.
    let dribbling: Vec<TcpStream> = slow
        .iter()
        .skip(2)
        .step_by(3)
        .map(|s| s.try_clone().unwrap())
        .collect();
    let dribbler = std::thread::spawn(move || {
        let mut dribbling = dribbling;
        let deadline = Instant::now() + Duration::from_secs(30);
        while !dribbling.is_empty() && Instant::now() < deadline {
            dribbling.retain_mut(|stream| stream.write_all(b"a").is_ok());
            std::thread::sleep(Duration::from_millis(100));
        }
    });

    // A reader gets its feed while every slow connection is open.
    let answer = reqwest::get(serve.url("/feeds/all.rss")).await.unwrap();
    assert_eq!(answer.status(), 200);
    let feed = parse_feed(&answer.bytes().await.unwrap());
    assert!(!feed.entries.is_empty());
    assert!(
        opened.elapsed() < header_timeout,
        "the reader was served only after {:?}",
        opened.elapsed()
    );

    for stream in &mut slow {
        assert!(
            closed_within(stream, Duration::from_secs(30)),
            "a slow connection is still open\n{}",
            serve.log()
        );
    }
    assert!(
        opened.elapsed() >= header_timeout,
        "closed before the timeout"
    );
    dribbler.join().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_max_connections_are_answered_503() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let serve = serve_with(dir.path(), &origin, "max_connections = 3").await;
    // The readiness poll's connections may still be closing: a few tries.
    let mut held: Vec<TcpStream> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while held.len() < 3 {
        let mut stream = TcpStream::connect(serve.addr()).unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        let mut first = [0; 12];
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream.read_exact(&mut first).unwrap();
        if &first == b"HTTP/1.1 200" {
            held.push(stream);
        }
        assert!(Instant::now() < deadline, "three connections never fit");
    }
    // A raw client: the server may answer before the request is sent, which an HTTP client
    // such as reqwest takes for a broken exchange.
    let mut extra = TcpStream::connect(serve.addr()).unwrap();
    let _ = extra.write_all(b"GET /feeds/all.rss HTTP/1.1\r\nHost: test\r\n\r\n");
    extra
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = extra.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 503"), "{answer}");
    assert!(answer.contains("\r\nretry-after: 5\r\n"), "{answer}");
    assert!(answer.contains("too many connections"), "{answer}");
    let line = serve.wait_for_log(
        |l| l.contains("connection limit reached"),
        Duration::from_secs(5),
    );
    assert!(line.contains("max_connections=3"), "{line}");
}
