//! A slowloris against a running `scrapefeed serve`: opens N connections that send nothing,
//! half a request head, or a head one byte at a time, and meanwhile times a real client's
//! requests; reports how the server treated both. Used by `benches/slowloris.sh`.
//!
//! ```sh
//! cargo run --example slowloris -- 127.0.0.1:8080 --connections 2000 --path /feeds/all.rss
//! ```
//!
//! Prints one `key=value` line: `opened` (connections the server accepted), `refused`
//! (answered `503` at once), `closed` (closed by the server before `--wait` ran out),
//! `open_after_wait`, `first_close_s` and `last_close_s` (seconds after the last was opened),
//! and the real client's `served`/`failed` requests with the median and worst latency in ms.
//! The real client asks every 100 ms on a fresh connection each time (the worst case: it
//! needs a free connection slot every time) until every slow connection is closed.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    addr: SocketAddr,
    connections: usize,
    path: String,
    wait: Duration,
}

fn args() -> Args {
    let mut raw = std::env::args().skip(1);
    let usage = "usage: slowloris ADDR [--connections N] [--path PATH] [--wait SECONDS]";
    let addr = raw.next().expect(usage).parse().expect(usage);
    let mut args = Args {
        addr,
        connections: 2000,
        path: "/feeds/all.rss".into(),
        wait: Duration::from_secs(120),
    };
    while let Some(flag) = raw.next() {
        let value = raw.next().expect(usage);
        match flag.as_str() {
            "--connections" => args.connections = value.parse().expect(usage),
            "--path" => args.path = value,
            "--wait" => args.wait = Duration::from_secs(value.parse().expect(usage)),
            _ => panic!("{usage}"),
        }
    }
    args
}

/// One slow connection's fate.
#[derive(Clone, Copy, PartialEq)]
enum Fate {
    Open,
    Refused,
    Closed(Instant),
}

fn main() {
    let args = args();
    let mut slow = Vec::with_capacity(args.connections);
    for i in 0..args.connections {
        let mut stream = TcpStream::connect(args.addr).expect("connect");
        let head: &[u8] = match i % 3 {
            0 => b"",
            1 => b"GET / HTTP/1.1\r\nHo",
            _ => b"GET / HTTP/1.1\r\nX-",
        };
        stream.write_all(head).expect("write");
        slow.push(stream);
    }
    let opened_at = Instant::now();
    let done = Arc::new(AtomicBool::new(false));

    // The dribbling third: a byte each every 500 ms, never finishing the head.
    let dribbling: Vec<TcpStream> = slow
        .iter()
        .skip(2)
        .step_by(3)
        .map(|s| s.try_clone().unwrap())
        .collect();
    let dribbler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut dribbling = dribbling;
            while !done.load(Ordering::Relaxed) && !dribbling.is_empty() {
                dribbling.retain_mut(|s| s.write_all(b"a").is_ok());
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };

    // The real client.
    let latencies = Arc::new(Mutex::new((Vec::new(), 0usize)));
    let client = {
        let (done, latencies, addr, path) = (
            done.clone(),
            latencies.clone(),
            args.addr,
            args.path.clone(),
        );
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let started = Instant::now();
                match fetch(addr, &path) {
                    Ok(()) => latencies.lock().unwrap().0.push(started.elapsed()),
                    Err(_) => latencies.lock().unwrap().1 += 1,
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };

    // Watch every slow connection for the server closing it.
    let fates: Vec<Fate> = std::thread::scope(|scope| {
        let chunks: Vec<_> = slow
            .chunks_mut(64)
            .map(|chunk| {
                scope.spawn(|| {
                    chunk
                        .iter_mut()
                        .map(|s| fate(s, opened_at + args.wait))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks.into_iter().flat_map(|c| c.join().unwrap()).collect()
    });
    done.store(true, Ordering::Relaxed);
    dribbler.join().unwrap();
    client.join().unwrap();

    let closes: Vec<f64> = fates
        .iter()
        .filter_map(|f| match f {
            Fate::Closed(at) => Some(at.duration_since(opened_at).as_secs_f64()),
            _ => None,
        })
        .collect();
    let refused = fates.iter().filter(|f| **f == Fate::Refused).count();
    let open = fates.iter().filter(|f| **f == Fate::Open).count();
    let (mut served, failed) = latencies.lock().unwrap().clone();
    served.sort();
    let ms = |d: Option<&Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    println!(
        "connections={} opened={} refused={refused} closed={} open_after_wait={open} \
         first_close_s={:.2} last_close_s={:.2} served={} failed={failed} \
         median_ms={:.1} worst_ms={:.1}",
        args.connections,
        args.connections - refused,
        closes.len(),
        closes.iter().cloned().fold(f64::NAN, f64::min),
        closes.iter().cloned().fold(f64::NAN, f64::max),
        served.len(),
        ms(served.get(served.len() / 2)),
        ms(served.last()),
    );
}

/// Reads until the server closes the connection or `deadline` passes.
fn fate(stream: &mut TcpStream, deadline: Instant) -> Fate {
    let mut buf = [0; 512];
    let mut refused = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Fate::Open;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) | Err(_) if refused => return Fate::Refused,
            Ok(0) => return Fate::Closed(Instant::now()),
            Ok(n) => refused |= buf[..n].starts_with(b"HTTP/1.1 503"),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Fate::Open
            }
            Err(_) => return Fate::Closed(Instant::now()),
        }
    }
}

/// One `GET` on a fresh connection, read to its end (`Connection: close`).
fn fetch(addr: SocketAddr, path: &str) -> std::io::Result<()> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    if answer.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(std::io::Error::other("not a 200"))
    }
}
