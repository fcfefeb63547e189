//! The real binary's `serve` as a child process, the way every server test runs it.
//!
//! `Serve::start` runs `scrapefeed --config PATH serve --listen 127.0.0.1:0` and learns the
//! port the kernel gave it from the server's own `serving feeds addr=…` log line. No port is
//! picked in advance, so no other process can take it between the pick and the bind, and the
//! test starts as soon as the listener is bound: no fixed sleep, only a generous deadline.
//!
//! A thread drains the child's stderr into a shared log from the first byte to the last, so
//! the child never blocks on a full pipe and a test can read what the server logged
//! (`log`, `wait_for_log`). Lines are kept without their ANSI colour codes. The child is
//! killed when the `Serve` is dropped; a test that fails while a server runs prints the end
//! of its log.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a server may take to bind its listener: generous, for a loaded machine.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How often `poll_get` asks again.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// A running `scrapefeed serve`, killed on drop.
pub struct Serve {
    child: Child,
    addr: SocketAddr,
    log: Arc<Log>,
    reader: Option<JoinHandle<()>>,
}

/// How to start a server: `Serve::options(config)…start()`.
pub struct Options {
    config: PathBuf,
    listen: String,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    soft_open_files: Option<u64>,
    current_dir: Option<PathBuf>,
}

impl Serve {
    /// Starts `serve` with `config` on a port of the kernel's choosing; panics with the log if
    /// it exits or reports no address in time.
    pub fn start(config: &Path) -> Serve {
        Serve::options(config).start()
    }

    /// Options for a server with `config`: `127.0.0.1:0`, `RUST_LOG=info`, no extra arguments.
    pub fn options(config: &Path) -> Options {
        Options {
            config: config.to_path_buf(),
            listen: "127.0.0.1:0".into(),
            args: Vec::new(),
            envs: Vec::new(),
            soft_open_files: None,
            current_dir: None,
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` followed by `path` (`""` for the bare base).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The process id, for signals.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the server logged so far, one line per line, without colour codes.
    pub fn log(&self) -> String {
        self.log.state.lock().unwrap().lines.join("\n")
    }

    /// The first logged line (from the start of the log) that `matches`, waiting up to
    /// `timeout` for it; panics with the log if the server exits or the time runs out.
    pub fn wait_for_log(&self, matches: impl FnMut(&str) -> bool, timeout: Duration) -> String {
        self.log
            .wait_for(matches, Instant::now() + timeout)
            .unwrap_or_else(|why| panic!("no such log line: {why}\n{}", self.log_section()))
    }

    /// Panics with the log if the server has exited.
    pub fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!("serve exited with {status}\n{}", self.log_section());
        }
    }

    /// Sends SIGTERM, as a service manager stopping the server would.
    pub fn terminate(&self) {
        self.signal(libc::SIGTERM);
    }

    /// Sends `signal` to the server.
    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid, which is not reaped while `self` lives.
        let sent = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(sent, 0, "signal {signal} could not be sent");
    }

    /// Waits up to `timeout` for the server to exit; panics with the log if it does not.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() >= deadline {
                panic!(
                    "serve did not exit within {timeout:?}\n{}",
                    self.log_section()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGTERM, then the exit status (within 20 s).
    pub fn stop(&mut self) -> ExitStatus {
        self.terminate();
        self.wait_exit(Duration::from_secs(20))
    }

    /// Waits until `/healthz` shows every section scraped once (within a minute).
    #[allow(dead_code)]
    pub async fn scraped(&mut self) {
        self.poll_get(
            &reqwest::Client::new(),
            "/healthz",
            "sections were not scraped in time",
            Duration::from_secs(60),
            |_, body| {
                let health: serde_json::Value = serde_json::from_slice(body).unwrap();
                let sections = health["sections"].as_object().unwrap();
                sections
                    .values()
                    .all(|s| !s["last_success"].is_null())
                    .then_some(())
            },
        )
        .await;
    }

    /// Polls `GET path` until `ready` accepts an answer (status and body) and returns what it
    /// made of it; panics with the log if the server exits or `timeout` passes first. `what`
    /// names the awaited state in that message.
    pub async fn poll_get<T>(
        &mut self,
        client: &reqwest::Client,
        path: &str,
        what: &str,
        timeout: Duration,
        mut ready: impl FnMut(u16, &[u8]) -> Option<T>,
    ) -> T {
        let url = self.url(path);
        let deadline = Instant::now() + timeout;
        loop {
            self.assert_running();
            if let Ok(response) = client.get(&url).send().await {
                let status = response.status().as_u16();
                let body = response.bytes().await.expect("an answer's body");
                if let Some(done) = ready(status, &body) {
                    return done;
                }
            }
            if Instant::now() >= deadline {
                panic!(
                    "{url}: {what}: not within {timeout:?}\n{}",
                    self.log_section()
                );
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    fn log_section(&self) -> String {
        format!(
            "--- serve log ---\n{}\n--- end of serve log ---",
            self.log()
        )
    }
}

impl Options {
    /// Listens on `addr` instead of `127.0.0.1:0`.
    pub fn listen(mut self, addr: impl Into<String>) -> Options {
        self.listen = addr.into();
        self
    }

    /// Adds an argument after `serve --listen ADDR` (global options such as `--now` go there too).
    pub fn arg(mut self, arg: impl Into<OsString>) -> Options {
        self.args.push(arg.into());
        self
    }

    /// Sets an environment variable (`SCRAPEFEED_NOW`, or a `RUST_LOG` that still lets the
    /// `serving feeds` line through at info level).
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Options {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Starts the server with this soft open-files limit (`ulimit -Sn`), as a service
    /// manager's lower default would.
    pub fn soft_open_files(mut self, limit: u64) -> Options {
        self.soft_open_files = Some(limit);
        self
    }

    /// Runs the server in `dir` (the test's own directory otherwise).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Options {
        self.current_dir = Some(dir.into());
        self
    }

    /// Starts the server; panics with its log if it does not come up.
    pub fn start(self) -> Serve {
        self.try_start()
            .unwrap_or_else(|failure| panic!("{failure}"))
    }

    /// Starts the server, or says why not (the error holds the whole log).
    pub fn try_start(self) -> Result<Serve, String> {
        let mut command = Command::new(env!("CARGO_BIN_EXE_scrapefeed"));
        command
            .arg("--config")
            .arg(&self.config)
            .args(["serve", "--listen", &self.listen])
            .args(&self.args)
            .env("RUST_LOG", "info")
            // The `serving feeds addr=…` line is read as text; feed files go where the
            // config says.
            .env_remove("SCRAPEFEED_LOG_FORMAT")
            .env_remove("SCRAPEFEED_FEEDS_DIR")
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(dir) = &self.current_dir {
            command.current_dir(dir);
        }
        if let Some(soft) = self.soft_open_files {
            use std::os::unix::process::CommandExt;
            // SAFETY: between fork and exec only async-signal-safe calls: getrlimit and
            // setrlimit on the child's own limits.
            unsafe {
                command.pre_exec(move || {
                    let mut limit = libc::rlimit {
                        rlim_cur: 0,
                        rlim_max: 0,
                    };
                    if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    limit.rlim_cur = soft as libc::rlim_t;
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = command.spawn().expect("the scrapefeed binary starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Log::default());
        let reader = {
            let log = log.clone();
            std::thread::spawn(move || log.drain(stderr))
        };
        let mut serve = Serve {
            child,
            // Replaced below, once the server has said where it listens.
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            log,
            reader: Some(reader),
        };
        let started = serve.log.wait_for(
            |line| serving_addr(line).is_some(),
            Instant::now() + START_TIMEOUT,
        );
        match started {
            Ok(line) => {
                serve.addr = serving_addr(&line).unwrap();
                Ok(serve)
            }
            Err(why) => {
                let status = match serve.child.try_wait().unwrap() {
                    Some(status) => status.to_string(),
                    None => "still running".into(),
                };
                Err(format!(
                    "serve did not start ({why}; {status})\n{}",
                    serve.log_section()
                ))
            }
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        if std::thread::panicking() {
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(60)..];
            eprintln!(
                "--- last {} lines of the serve log ---\n{}",
                tail.len(),
                tail.join("\n")
            );
        }
    }
}

/// The listening address in the server's `serving feeds … addr=IP:PORT …` line.
fn serving_addr(line: &str) -> Option<SocketAddr> {
    if !line.contains("serving feeds") {
        return None;
    }
    line.split_whitespace()
        .find_map(|token| token.strip_prefix("addr="))
        .and_then(|addr| addr.trim_matches('"').parse().ok())
}

/// `text` without ANSI escape sequences (the log's colours: `ESC [ … m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        // A control sequence runs to its final byte, '@'..='~'; any other escape is two
        // characters long.
        if chars.next() == Some('[') {
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
    }
    out
}

/// The server's log as it arrives, shared between the draining thread and the test.
#[derive(Default)]
struct Log {
    state: Mutex<LogState>,
    grew: Condvar,
}

#[derive(Default)]
struct LogState {
    lines: Vec<String>,
    /// The server closed its stderr: it exited.
    closed: bool,
}

impl Log {
    /// Reads `stderr` line by line until it closes.
    fn drain(&self, stderr: impl std::io::Read) {
        let mut reader = BufReader::new(stderr);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf);
                    let line = strip_ansi(line.trim_end_matches(['\n', '\r']));
                    self.state.lock().unwrap().lines.push(line);
                    self.grew.notify_all();
                }
            }
        }
        self.state.lock().unwrap().closed = true;
        self.grew.notify_all();
    }

    /// The first line that `matches`, or why none came before `deadline`.
    fn wait_for(
        &self,
        mut matches: impl FnMut(&str) -> bool,
        deadline: Instant,
    ) -> Result<String, String> {
        let mut state = self.state.lock().unwrap();
        let mut checked = 0;
        loop {
            if let Some(line) = state.lines[checked..].iter().find(|l| matches(l.as_str())) {
                return Ok(line.clone());
            }
            checked = state.lines.len();
            if state.closed {
                return Err("the server closed its log: it exited".into());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err("timed out".into());
            }
            state = self.grew.wait_timeout(state, deadline - now).unwrap().0;
        }
    }
}
