//! How many connections the server holds: the open-files limit, the connection cap derived
//! from it, and the `503` a connection beyond the cap gets.
//!
//! Every connection is a file descriptor, so the process's open-files limit is the real cap:
//! past it `accept` fails and every client waits, the real ones too. At start the soft limit
//! is raised to the hard one (what an unprivileged process may do; systemd's default soft
//! limit is 1024, macOS's 256). The cap keeps `RESERVED` descriptors spare for the database,
//! feed files, templates and outgoing requests, so a flood of connections never starves the
//! scrapes.
//!
//! A connection beyond the cap is answered `503` with `Retry-After` rather than closed
//! unanswered, so a reader (or its user) learns why. The answer is written at once, without
//! reading the request (a fresh socket's send buffer takes it whole), then the socket lingers
//! for what the client sends, as nginx's `lingering_close`: closing it with the request
//! unread would reset the connection, and the client could lose the answer. At most
//! `MAX_LINGERING` refused sockets linger at once (they are descriptors too); beyond that a
//! refused socket is closed right after the answer.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Descriptors kept out of the connection cap for everything else the process opens.
const RESERVED: u64 = 128;
/// The largest cap derived from the limit: a bound on memory (a connection waiting for its
/// head holds hyper's read buffer), far above what feed readers need.
const LARGEST_DEFAULT: u64 = 16_384;
/// How long a refused socket waits for its client to finish sending and close.
const LINGER: Duration = Duration::from_secs(1);
/// At most this many refused sockets linger at once.
const MAX_LINGERING: usize = 64;
/// How often the log may say that the cap was reached.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// The whole answer to a connection beyond the cap.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain; charset=utf-8\r\n\
retry-after: 5\r\n\
connection: close\r\n\
content-length: 49\r\n\
\r\n\
too many connections: try again in a few seconds\n";

/// The open-files limit (`RLIMIT_NOFILE`) after `raise_open_files_limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    /// The soft limit found at start.
    pub was: u64,
    /// The soft limit now in force.
    pub soft: u64,
    pub hard: u64,
}

/// Raises the soft open-files limit as far as the hard limit allows and logs both; `None`
/// where there is no such limit to read (not Unix) or it cannot be read.
///
/// Written on `libc` (already a dependency, two calls) rather than with a crate for it.
/// macOS reports an unlimited hard limit but refuses a soft one above `OPEN_MAX` (10240),
/// so there the raise falls back to that, as Go's runtime does.
pub fn raise_open_files_limit() -> Option<OpenFiles> {
    #[cfg(unix)]
    {
        let (was, hard) = match nofile::get() {
            Ok(limits) => limits,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the open-files limit");
                return None;
            }
        };
        let mut soft = was;
        if was < hard {
            let raised = nofile::set(hard, hard)
                .or_else(|_| nofile::set(hard.min(10_240), hard))
                .and_then(|()| nofile::get());
            match raised {
                Ok((now, _)) => soft = now,
                Err(e) => tracing::warn!(soft = was, hard, error = %e,
                    "cannot raise the open-files limit to the hard limit"),
            }
        }
        tracing::info!(
            soft,
            hard,
            was,
            "open-files limit (each connection takes one)"
        );
        Some(OpenFiles { was, soft, hard })
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(unix)]
mod nofile {
    /// The soft and hard `RLIMIT_NOFILE`.
    // `rlim_t` is `u64` on the usual targets, not on all.
    #[allow(clippy::unnecessary_cast)]
    pub(super) fn get() -> std::io::Result<(u64, u64)> {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the struct it is given and nothing else.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok((limit.rlim_cur as u64, limit.rlim_max as u64))
    }

    pub(super) fn set(soft: u64, hard: u64) -> std::io::Result<()> {
        let limit = libc::rlimit {
            rlim_cur: soft as libc::rlim_t,
            rlim_max: hard as libc::rlim_t,
        };
        // SAFETY: setrlimit reads the struct it is given and nothing else.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

/// The connection cap: `configured` (`server.max_connections`) if the open-files limit
/// leaves room for it, else the most it leaves room for (with a warning); when not
/// configured, that limit minus `RESERVED`, at least half the limit, at most
/// `LARGEST_DEFAULT`. Without a known limit, `configured` or `LARGEST_DEFAULT`.
pub fn connection_cap(configured: Option<usize>, open_files: Option<u64>) -> usize {
    let Some(limit) = open_files else {
        return configured.unwrap_or(LARGEST_DEFAULT as usize);
    };
    let room = limit.saturating_sub(RESERVED).max(limit / 2).max(1);
    let room = usize::try_from(room).unwrap_or(usize::MAX);
    match configured {
        Some(cap) if cap > room => {
            tracing::warn!(
                max_connections = cap,
                open_files_limit = limit,
                using = room,
                "server.max_connections is more than the open-files limit leaves room for; \
                 using the most it allows"
            );
            room
        }
        Some(cap) => cap,
        None => room.min(LARGEST_DEFAULT as usize),
    }
}

/// The connections open on every worker, against the cap.
pub(super) struct Connections {
    max: usize,
    open: AtomicUsize,
    lingering: AtomicUsize,
    /// Refused since the log last said so.
    refused: AtomicU64,
    warned: Mutex<Option<Instant>>,
}

/// One open connection's place under the cap, given back when dropped.
pub(super) struct Slot(Arc<Connections>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Connections {
    pub(super) fn new(max: usize) -> Arc<Connections> {
        Arc::new(Connections {
            max,
            open: AtomicUsize::new(0),
            lingering: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
            warned: Mutex::new(None),
        })
    }

    /// A place for one more connection, if the cap allows it.
    pub(super) fn open(self: &Arc<Self>) -> Option<Slot> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max).then_some(open + 1)
            })
            .ok()
            .map(|_| Slot(self.clone()))
    }

    /// Answers `stream` `503` and closes it (see the module doc).
    pub(super) async fn refuse(self: Arc<Self>, mut stream: TcpStream) {
        self.note_refusal();
        if !matches!(stream.try_write(BUSY), Ok(n) if n == BUSY.len()) {
            return;
        }
        let lingering = self.lingering.fetch_add(1, Ordering::AcqRel);
        if lingering < MAX_LINGERING {
            let _ = stream.shutdown().await;
            let _ = tokio::time::timeout(LINGER, drain(&mut stream)).await;
        }
        self.lingering.fetch_sub(1, Ordering::AcqRel);
    }

    /// Counts a refusal, and logs the count at most once a `WARN_EVERY`.
    fn note_refusal(&self) {
        let refused = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
        let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
        if warned.is_some_and(|at| at.elapsed() < WARN_EVERY) {
            return;
        }
        *warned = Some(Instant::now());
        self.refused.fetch_sub(refused, Ordering::Relaxed);
        tracing::warn!(
            max_connections = self.max,
            refused,
            "connection limit reached: new connections are answered 503 \
             (server.max_connections; idle and slow clients are closed by the server timeouts)"
        );
    }
}

/// Reads and discards what the client sends until it closes (64 KiB at most).
async fn drain(stream: &mut TcpStream) {
    let mut buf = [0; 4096];
    let mut left: usize = 64 * 1024;
    while left > 0 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_states_its_length() {
        let text = std::str::from_utf8(BUSY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.ends_with(&format!("\r\ncontent-length: {}", body.len())));
    }

    #[test]
    fn caps_derived_from_the_open_files_limit() {
        assert_eq!(connection_cap(None, Some(20_000)), 16_384);
        assert_eq!(connection_cap(None, Some(1024)), 896);
        // A small limit keeps at least half for connections.
        assert_eq!(connection_cap(None, Some(256)), 128);
        assert_eq!(connection_cap(None, Some(100)), 50);
        assert_eq!(connection_cap(Some(500), Some(1024)), 500);
        assert_eq!(connection_cap(Some(50_000), Some(20_000)), 19_872);
        assert_eq!(connection_cap(Some(7), None), 7);
        assert_eq!(connection_cap(None, None), 16_384);
    }

    #[test]
    fn slots_are_given_back() {
        let connections = Connections::new(2);
        let a = connections.open().unwrap();
        let _b = connections.open().unwrap();
        assert!(connections.open().is_none());
        drop(a);
        assert!(connections.open().is_some());
    }

    #[cfg(unix)]
    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let limits = raise_open_files_limit().unwrap();
        assert!(limits.was <= limits.soft && limits.soft <= limits.hard);
        assert_eq!(nofile::get().unwrap().0, limits.soft);
    }
}
