//! `serve`'s HTTP workers as a process: a second `serve` on a taken address fails with a
//! clear message instead of sharing it; SIGTERM closes idle keep-alive connections on every
//! worker and exits cleanly, within `server.shutdown_grace` whatever is stuck (an answer a
//! client does not take, a scrape waiting out a politeness delay); a second signal exits at
//! once; the open-files limit is raised at start.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::origin::{Origin, SiteModel};
use support::{run, write_config, write_config_with, Serve};

/// Sends one keep-alive `GET` and returns the status line, reading the whole answer.
fn get(stream: &mut TcpStream, path: &str) -> String {
    write!(stream, "GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    status.trim_end().to_string()
}

#[test]
fn a_taken_address_is_refused_and_sigterm_closes_keep_alive_connections() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let mut first = Serve::start(&config);
    let listen = first.addr().to_string();
    // Enough connections that every worker holds some (the kernel spreads them).
    let mut idle: Vec<TcpStream> = (0..16)
        .map(|_| TcpStream::connect(&listen).unwrap())
        .collect();
    for stream in &mut idle {
        // A hang fails the test instead of stalling it.
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        assert_eq!(get(stream, "/healthz"), "HTTP/1.1 200 OK");
    }

    let second = run(&config, &["serve", "--listen", &listen]);
    assert!(!second.status.success(), "a second serve shares {listen}");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(&format!("error: cannot listen on {listen}: ")),
        "{stderr}"
    );
    // The first one still answers on every connection.
    for stream in &mut idle {
        assert_eq!(get(stream, "/healthz"), "HTTP/1.1 200 OK");
    }

    first.terminate();
    for stream in &mut idle {
        let mut rest = Vec::new();
        assert_eq!(stream.read_to_end(&mut rest).unwrap(), 0, "closed at once");
    }
    let status = first.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "serve exited with {status} on SIGTERM");
}

/// The repository's config pointed at `origin`, with `keys` added to `[server]` and `edit`
/// applied to the rest.
fn config_with(
    dir: &Path,
    origin: &Origin,
    keys: &str,
    edit: impl FnOnce(String) -> String,
) -> PathBuf {
    write_config_with(dir, &origin.base_url(), |text| {
        let listen = "listen = \"127.0.0.1:8080\"\n";
        assert!(
            text.contains(listen),
            "config.toml has a [server] listen line"
        );
        edit(text.replacen(listen, &format!("{listen}{keys}\n"), 1))
    })
}

/// A client that asks for the whole feed a thousand times in one go and reads none of it:
/// its answers fill both ends' buffers, and the server's write waits for it.
fn not_reading(serve: &Serve) -> TcpStream {
    let mut stream = TcpStream::connect(serve.addr()).unwrap();
    let requests = "GET /feeds/all.rss HTTP/1.1\r\nHost: test\r\n\r\n".repeat(1000);
    stream.write_all(requests.as_bytes()).unwrap();
    // Its first byte: the server has begun answering (on a loaded machine a signal sent
    // sooner finds the requests still unread, and that connection is closed at once).
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.read_exact(&mut [0u8; 1]).unwrap();
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "flaky with the other tests of this file running: serve sometimes exits ~30 ms \
            after SIGTERM although a client's answers are untaken; under investigation"]
async fn sigterm_drops_answers_still_untaken_at_the_end_of_the_grace_period() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(
        dir.path(),
        &origin,
        "shutdown_grace = \"1s\"\nsend_timeout = \"1h\"\nheader_timeout = \"1h\"",
        |text| text,
    );
    let mut serve = Serve::start(&config);
    serve.scraped().await;
    let _stuck = not_reading(&serve);
    // And a client in the middle of its request's head.
    let mut half = TcpStream::connect(serve.addr()).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();

    let signalled = Instant::now();
    serve.terminate();
    let status = serve.wait_exit(Duration::from_secs(20));
    let took = signalled.elapsed();
    assert!(status.success(), "serve exited with {status} on SIGTERM");
    assert!(
        took >= Duration::from_secs(1),
        "the grace period was cut short: {took:?}"
    );
    assert!(
        took < Duration::from_secs(6),
        "exited {took:?} after SIGTERM, grace 1s"
    );
    assert!(
        serve
            .log()
            .contains("dropping connections still open at the end of server.shutdown_grace"),
        "{}",
        serve.log()
    );
    // Closed without an answer: an end of stream, or a reset when the process exits with
    // the head still unread on a loaded machine.
    let mut rest = Vec::new();
    let _ = half.read_to_end(&mut rest);
    assert!(rest.is_empty(), "closed, unanswered: {rest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_within_the_grace_period_while_a_scrape_waits_out_a_politeness_delay() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    // Every request to the site waits ten minutes after the one before.
    let config = config_with(dir.path(), &origin, "shutdown_grace = \"2s\"", |text| {
        text.replace("min_delay = \"5ms\"", "min_delay = \"10m\"")
    });
    let mut serve = Serve::start(&config);
    let deadline = Instant::now() + Duration::from_secs(30);
    while origin.requests().is_empty() {
        serve.assert_running();
        assert!(Instant::now() < deadline, "no request reached the origin");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let signalled = Instant::now();
    serve.terminate();
    let status = serve.wait_exit(Duration::from_secs(30));
    let took = signalled.elapsed();
    assert!(status.success(), "serve exited with {status} on SIGTERM");
    assert!(
        took < Duration::from_secs(7),
        "exited {took:?} after SIGTERM, grace 2s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_exits_at_once() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(
        dir.path(),
        &origin,
        "shutdown_grace = \"1h\"\nsend_timeout = \"1h\"",
        |text| text,
    );
    let mut serve = Serve::start(&config);
    serve.scraped().await;
    let _stuck = not_reading(&serve);
    serve.signal(libc::SIGINT);
    serve.wait_for_log(|l| l.contains("shutting down"), Duration::from_secs(20));
    // Held by the answer the client does not take, for up to an hour.
    serve.assert_running();
    let signalled = Instant::now();
    serve.terminate();
    let status = serve.wait_exit(Duration::from_secs(20));
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "exited {:?} after the second signal",
        signalled.elapsed()
    );
    assert_eq!(status.code(), Some(128 + libc::SIGTERM), "{status}");
    assert!(serve.log().contains("second signal: exiting at once"));
}

#[test]
fn the_open_files_limit_is_raised_to_the_hard_limit_and_logged() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let mut hard = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut hard) },
        0
    );
    let hard = hard.rlim_max;
    let mut serve = Serve::options(&config).soft_open_files(256).start();
    let line = serve.wait_for_log(|l| l.contains("open-files limit"), Duration::from_secs(5));
    assert!(line.contains(&format!("soft={hard}")), "{line}");
    assert!(line.contains(&format!("hard={hard}")), "{line}");
    assert!(line.contains("was=256"), "{line}");
    // The connection cap follows the raised limit.
    let serving = serve.wait_for_log(|l| l.contains("serving feeds"), Duration::from_secs(5));
    let cap = (hard - 128).max(hard / 2).min(16_384);
    assert!(
        serving.contains(&format!("max_connections={cap}")),
        "{serving}"
    );
    assert!(serve.stop().success());
}
