//! The workers over real sockets: balancing, pipelining, a taken address, shutdown, and the
//! connection hygiene (timeouts, the cap, the grace period).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;

use bytes::Bytes;
use warp::http::Response;

use super::sockets::REUSE_PORT_BALANCES;
use super::*;

/// The length of `/big`: more than the kernel buffers of both ends of a loopback connection
/// hold, so a client that does not read leaves the server's write waiting.
const BIG: usize = 64 << 20;

/// Rules no test here runs into unless it means to: nginx's timeouts, room for every
/// connection, a grace period longer than any test.
fn lenient() -> Rules {
    Rules {
        limits: ConnectionSettings {
            header_timeout: Duration::from_secs(60),
            keep_alive_timeout: Duration::from_secs(75),
            send_timeout: Duration::from_secs(60),
            max_connections: None,
        },
        max_connections: 10_000,
        grace: Duration::from_secs(60),
    }
}

/// Routes that answer with the name of the worker thread; `/hold` first reports that it
/// started, then waits for `release`; `/big` answers `BIG` bytes.
fn routes(started: mpsc::Sender<()>, release: CancellationToken) -> impl Routes {
    use warp::Filter;
    let started = std::sync::Arc::new(std::sync::Mutex::new(started));
    let routes = warp::path::full().then(move |path: warp::path::FullPath| {
        let (started, release) = (started.clone(), release.clone());
        async move {
            if path.as_str() == "/hold" {
                started.lock().unwrap().send(()).unwrap();
                release.cancelled().await;
            }
            if path.as_str() == "/big" {
                return Response::new(Bytes::from(vec![b'x'; BIG]));
            }
            let name = std::thread::current().name().unwrap_or("?").to_string();
            Response::new(Bytes::from(name))
        }
    });
    hyper_util::service::TowerToHyperService::new(warp::service(routes))
}

fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// Sends one keep-alive GET and reads the answer's body (the answers have no chunking).
fn get(stream: &mut TcpStream, path: &str) -> String {
    // A hang fails the test instead of stalling it.
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
    read_answer(&mut BufReader::new(&*stream))
}

#[test]
fn every_worker_answers_its_share_of_connections() {
    let shutdown = CancellationToken::new();
    let (started, _) = mpsc::channel();
    let workers = start_with(
        any_port(),
        routes(started, CancellationToken::new()),
        shutdown.clone(),
        2,
        lenient(),
    )
    .unwrap();
    assert_eq!(workers.count(), 2);
    // The kernel spreads connections by their addresses; 64 of them all landing on one
    // worker would be a 1 in 2^63 chance, or a worker that does not serve.
    let mut names = std::collections::BTreeSet::new();
    let mut connections = Vec::new();
    for _ in 0..64 {
        let mut stream = TcpStream::connect(workers.local_addr()).unwrap();
        names.insert(get(&mut stream, "/"));
        connections.push(stream);
    }
    if REUSE_PORT_BALANCES {
        assert_eq!(names, ["http-0", "http-1"].map(String::from).into());
    } else {
        assert!(names.iter().all(|n| n.starts_with("http-")), "{names:?}");
    }
    shutdown.cancel();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(workers.stopped()).unwrap();
}

/// Reads one answer (status line, headers, body) from a keep-alive connection and
/// returns its body (the answers have no chunking).
fn read_answer(reader: &mut BufReader<&TcpStream>) -> String {
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
    String::from_utf8(body).unwrap()
}

#[test]
fn pipelined_requests_are_answered_without_waiting_for_the_clients_ack() {
    let shutdown = CancellationToken::new();
    let (started, _) = mpsc::channel();
    let workers = start_with(
        any_port(),
        routes(started, CancellationToken::new()),
        shutdown.clone(),
        2,
        lenient(),
    )
    .unwrap();
    let stream = TcpStream::connect(workers.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut reader = BufReader::new(&stream);
    // Two requests in one write: the second answer is written while the first is not
    // acknowledged yet. With Nagle's algorithm on the server's socket it waits for the
    // client's delayed ACK (40 ms on Linux); without it, a round takes well under a
    // millisecond. A new connection acknowledges at once for a while, hiding the delay:
    // the rounds that count come after 20 unmeasured ones. The fastest of them is immune
    // to a busy machine's odd slow round.
    let mut round = || {
        let started = std::time::Instant::now();
        (&stream)
            .write_all(
                b"GET /a HTTP/1.1\r\nHost: test\r\n\r\nGET /b HTTP/1.1\r\nHost: test\r\n\r\n",
            )
            .unwrap();
        read_answer(&mut reader);
        read_answer(&mut reader);
        started.elapsed()
    };
    for _ in 0..20 {
        round();
    }
    let fastest = (0..10).map(|_| round()).min().unwrap();
    assert!(
        fastest < std::time::Duration::from_millis(20),
        "the fastest round of two pipelined requests took {fastest:?}"
    );
    shutdown.cancel();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(workers.stopped()).unwrap();
}

#[test]
fn a_second_server_on_the_same_address_is_refused() {
    let shutdown = CancellationToken::new();
    let (started, _) = mpsc::channel();
    let release = CancellationToken::new();
    let first = start_with(
        any_port(),
        routes(started.clone(), release.clone()),
        shutdown.clone(),
        2,
        lenient(),
    )
    .unwrap();
    let addr = first.local_addr();
    let second = start_with(
        addr,
        routes(started, release),
        shutdown.clone(),
        2,
        lenient(),
    );
    match second {
        Err(e @ StartError::Listen { .. }) => {
            assert_eq!(e.to_string(), format!("cannot listen on {addr}"))
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a second server shares {addr}"),
    }
    shutdown.cancel();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(first.stopped()).unwrap();
}

#[test]
fn shutdown_closes_idle_connections_and_finishes_requests_in_flight() {
    let shutdown = CancellationToken::new();
    let (started, started_rx) = mpsc::channel();
    let release = CancellationToken::new();
    let workers = start_with(
        any_port(),
        routes(started, release.clone()),
        shutdown.clone(),
        2,
        lenient(),
    )
    .unwrap();
    let addr = workers.local_addr();
    // Idle keep-alive connections, on whichever workers the kernel chose.
    let mut idle = Vec::new();
    for _ in 0..8 {
        let mut stream = TcpStream::connect(addr).unwrap();
        get(&mut stream, "/");
        idle.push(stream);
    }
    // And a request in flight.
    let in_flight = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        get(&mut stream, "/hold")
    });
    started_rx.recv().unwrap();

    let (stopped_tx, stopped_rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        stopped_tx
            .send(runtime.block_on(workers.stopped()))
            .unwrap();
    });
    shutdown.cancel();
    // Idle connections are closed by the server: reading gives end of file.
    for mut stream in idle {
        let mut rest = Vec::new();
        assert_eq!(stream.read_to_end(&mut rest).unwrap(), 0);
    }
    // The held request keeps its worker running until it is answered.
    assert!(
        stopped_rx.try_recv().is_err(),
        "stopped with a request in flight"
    );
    release.cancel();
    assert!(in_flight.join().unwrap().starts_with("http-"));
    stopped_rx.recv().unwrap().unwrap();
    waiter.join().unwrap();
}

/// `lenient()` with other timeouts.
fn timeouts(header: Duration, keep_alive: Duration, send: Duration) -> Rules {
    Rules {
        limits: ConnectionSettings {
            header_timeout: header,
            keep_alive_timeout: keep_alive,
            send_timeout: send,
            max_connections: None,
        },
        ..lenient()
    }
}

/// Two workers serving `routes` under `rules`.
fn start(routes: impl Routes, rules: Rules) -> (Workers, CancellationToken) {
    let shutdown = CancellationToken::new();
    let workers = start_with(any_port(), routes, shutdown.clone(), 2, rules).unwrap();
    (workers, shutdown)
}

fn plain_routes() -> impl Routes {
    routes(mpsc::channel().0, CancellationToken::new())
}

/// Waits for the workers to stop; a hang fails the test after 30 s.
fn wait_stopped(workers: Workers) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), workers.stopped()).await })
        .expect("the workers stop in time")
        .unwrap();
}

/// Whether the server closes `stream` within `within`, reading (and counting into `read`)
/// whatever it sent first: end of file, or a reset when it closed with our bytes unread.
fn closed_within(stream: &mut TcpStream, within: Duration, read: &mut usize) -> bool {
    let deadline = std::time::Instant::now() + within;
    let mut buf = vec![0; 1 << 16];
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return false;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(n) => *read += n,
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

fn closed(stream: &mut TcpStream) -> bool {
    closed_within(stream, Duration::from_secs(30), &mut 0)
}

#[test]
fn slow_and_silent_clients_are_closed_by_the_header_timeout_while_real_ones_are_served() {
    let header_timeout = Duration::from_secs(2);
    let (workers, shutdown) = start(
        plain_routes(),
        timeouts(
            header_timeout,
            Duration::from_secs(75),
            Duration::from_secs(60),
        ),
    );
    let addr = workers.local_addr();
    let opened = std::time::Instant::now();
    // 300 slow clients: a third send nothing, a third half a head, a third a byte of a head
    // every 50 ms (slowloris proper: always sending, never done).
    let (mut silent, mut half, mut dribbling) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..300 {
        let mut stream = TcpStream::connect(addr).unwrap();
        match i % 3 {
            0 => silent.push(stream),
            1 => {
                stream.write_all(b"GET / HTTP/1.1\r\nHost: te").unwrap();
                half.push(stream);
            }
            _ => {
                stream.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").unwrap();
                dribbling.push(stream);
            }
        }
    }
    let dribbler = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !dribbling.is_empty() && std::time::Instant::now() < deadline {
            // A write fails once the server has closed the connection (and reset it).
            dribbling.retain_mut(|stream| stream.write_all(b"a").is_ok());
            std::thread::sleep(Duration::from_millis(50));
        }
        dribbling.len()
    });
    // A real client is served meanwhile.
    let mut real = TcpStream::connect(addr).unwrap();
    assert!(get(&mut real, "/").starts_with("http-"));
    assert!(
        opened.elapsed() < header_timeout,
        "the real client was served only after {:?}",
        opened.elapsed()
    );
    for stream in silent.iter_mut().chain(&mut half) {
        assert!(closed(stream), "a slow client was never closed");
    }
    assert!(
        opened.elapsed() >= header_timeout,
        "closed before the header timeout"
    );
    assert_eq!(dribbler.join().unwrap(), 0, "dribbling clients left open");
    // The real client's idle keep-alive connection is held to the keep-alive timeout, not
    // to the header timeout: it is still served.
    assert!(get(&mut real, "/").starts_with("http-"));
    shutdown.cancel();
    wait_stopped(workers);
}

#[test]
fn idle_connections_close_after_the_keep_alive_timeout_and_slow_answers_are_never_cut() {
    let timeout = Duration::from_millis(500);
    let (started, started_rx) = mpsc::channel();
    let release = CancellationToken::new();
    let (workers, shutdown) = start(
        routes(started, release.clone()),
        timeouts(timeout, timeout, Duration::from_secs(60)),
    );
    let addr = workers.local_addr();
    let mut idle = TcpStream::connect(addr).unwrap();
    get(&mut idle, "/");
    let answered = std::time::Instant::now();
    let held = std::thread::spawn(move || get(&mut TcpStream::connect(addr).unwrap(), "/hold"));
    started_rx.recv().unwrap();
    assert!(closed(&mut idle), "an idle connection was never closed");
    assert!(
        answered.elapsed() >= timeout,
        "closed before the keep-alive timeout"
    );
    // The held request has now taken longer than both timeouts; answering time never counts.
    std::thread::sleep(2 * timeout);
    release.cancel();
    assert!(held.join().unwrap().starts_with("http-"));
    shutdown.cancel();
    wait_stopped(workers);
}

#[test]
fn a_client_that_takes_none_of_its_answer_is_dropped_after_the_send_timeout() {
    let send_timeout = Duration::from_millis(500);
    let (workers, shutdown) = start(
        plain_routes(),
        timeouts(
            Duration::from_secs(60),
            Duration::from_secs(75),
            send_timeout,
        ),
    );
    let mut stream = TcpStream::connect(workers.local_addr()).unwrap();
    stream
        .write_all(b"GET /big HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    // Not reading is the behaviour under test: the server's write waits meanwhile.
    std::thread::sleep(4 * send_timeout);
    let mut read = 0;
    assert!(
        closed_within(&mut stream, Duration::from_secs(30), &mut read),
        "a client that did not read was never dropped"
    );
    assert!(read < BIG, "the whole answer was sent ({read} bytes)");
    shutdown.cancel();
    wait_stopped(workers);
}

#[test]
fn connections_beyond_the_cap_are_answered_503_and_closed() {
    let rules = Rules {
        max_connections: 4,
        ..lenient()
    };
    let (workers, shutdown) = start(plain_routes(), rules);
    let addr = workers.local_addr();
    // Answered, so surely counted, on either worker: the cap is shared.
    let mut open: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
    for stream in &mut open {
        assert!(get(stream, "/").starts_with("http-"));
    }
    let mut beyond = TcpStream::connect(addr).unwrap();
    beyond
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    beyond
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    beyond.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{answer}"
    );
    assert!(answer.contains("\r\nretry-after: 5\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\ntoo many connections: try again in a few seconds\n"));
    // A closed connection gives its place back.
    drop(open.pop());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        let mut reader = BufReader::new(&stream);
        let mut status = String::new();
        let _ = reader.read_line(&mut status);
        if status.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the place was never given back"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    shutdown.cancel();
    wait_stopped(workers);
}

#[test]
fn requests_still_in_flight_at_the_end_of_the_grace_period_are_dropped() {
    let grace = Duration::from_millis(300);
    let (started, started_rx) = mpsc::channel();
    let (workers, shutdown) = start(
        routes(started, CancellationToken::new()),
        Rules { grace, ..lenient() },
    );
    let mut held = TcpStream::connect(workers.local_addr()).unwrap();
    held.write_all(b"GET /hold HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    started_rx.recv().unwrap();
    let stopping = std::time::Instant::now();
    shutdown.cancel();
    wait_stopped(workers);
    assert!(
        stopping.elapsed() >= grace,
        "stopped before the grace period ended"
    );
    let mut read = 0;
    assert!(closed_within(&mut held, Duration::from_secs(5), &mut read));
    assert_eq!(read, 0, "the held request was answered");
}

#[test]
fn http2_requests_are_served_and_a_silent_http2_client_is_closed() {
    let header_timeout = Duration::from_millis(500);
    let (workers, shutdown) = start(
        plain_routes(),
        timeouts(
            header_timeout,
            Duration::from_secs(75),
            Duration::from_secs(60),
        ),
    );
    let url = format!("http://{}/", workers.local_addr());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .http2_prior_knowledge()
            .build()
            .unwrap();
        for _ in 0..3 {
            let answer = client.get(&url).send().await.unwrap();
            assert_eq!(answer.version(), reqwest::Version::HTTP_2);
            assert!(answer.text().await.unwrap().starts_with("http-"));
        }
    });
    // The connection preface and empty settings, then nothing.
    let mut silent = TcpStream::connect(workers.local_addr()).unwrap();
    silent
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .unwrap();
    assert!(
        closed(&mut silent),
        "a silent HTTP/2 client was never closed"
    );
    shutdown.cancel();
    wait_stopped(workers);
}
