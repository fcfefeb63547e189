//! `serve`'s HTTP workers as a process: a second `serve` on a taken address fails with a
//! clear message instead of sharing it, and SIGTERM closes idle keep-alive connections on
//! every worker and exits cleanly.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::origin::{Origin, SiteModel};
use support::{run, write_config, Serve};

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
