//! `serve`'s HTTP workers as a process: a second `serve` on a taken address fails with a
//! clear message instead of sharing it, and SIGTERM closes idle keep-alive connections on
//! every worker and exits cleanly.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::origin::{Origin, SiteModel};
use support::{free_port, write_config};

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(config: &std::path::Path, listen: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scrapefeed"));
    command
        .arg("--config")
        .arg(config)
        .args(["serve", "--listen", listen]);
    command
}

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
    let listen = format!("127.0.0.1:{}", free_port());
    let mut first = Serve(
        serve(&config, &listen)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut idle = Vec::new();
    while idle.is_empty() {
        assert!(first.0.try_wait().unwrap().is_none(), "serve exited");
        assert!(Instant::now() < deadline, "serve did not come up");
        match TcpStream::connect(&listen) {
            Ok(stream) => idle.push(stream),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    // Enough connections that every worker holds some (the kernel spreads them).
    for _ in 0..15 {
        idle.push(TcpStream::connect(&listen).unwrap());
    }
    for stream in &mut idle {
        // A hang fails the test instead of stalling it.
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        assert_eq!(get(stream, "/healthz"), "HTTP/1.1 200 OK");
    }

    let second = serve(&config, &listen).output().unwrap();
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

    // SAFETY: signals our own child process; no memory is shared.
    let sent = unsafe { libc::kill(first.0.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(sent, 0, "SIGTERM could not be sent");
    for stream in &mut idle {
        let mut rest = Vec::new();
        assert_eq!(stream.read_to_end(&mut rest).unwrap(), 0, "closed at once");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = first.0.try_wait().unwrap() {
            assert!(status.success(), "serve exited with {status} on SIGTERM");
            break;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}
