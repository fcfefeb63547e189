//! One connection's watchdog: a client that keeps the server waiting too long is dropped.
//!
//! A connection is always in one of three phases, told apart from what passes through it:
//! `Watched` (its socket) sees bytes arrive and writes the client does not take,
//! `super::counted::Counted` (its service) sees requests start and their answers end (when
//! hyper drops the answer's body, written or not). nginx's timeouts, by phase:
//!
//! - waiting for a request, no byte of it read: `header_timeout` from the connection's start
//!   for the first request (a client that sends nothing at all), `keep_alive_timeout` from
//!   the end of the last answer for later ones;
//! - a request's head arriving: `header_timeout` from its first byte (from the connection's
//!   start for the first request), whatever trickles in meanwhile (slowloris);
//! - answering: no limit, the server's own time never counts.
//!
//! In every phase, a write the client leaves untaken for `send_timeout` ends the connection.
//!
//! What "dropped" means: a connection past `keep_alive_timeout` is idle, so it is closed
//! gracefully (HTTP/1: at once; HTTP/2: `GOAWAY`, then closed when the client has taken it,
//! at most `CLOSE_LINGER` later). Any other expiry closes the socket at once: the client is
//! mid-request or not reading, so there is nothing graceful to say to it. When the server
//! stops, every connection is asked to close gracefully; one that is not answering a
//! request is closed `CLOSE_LINGER` later at most (a half-sent head is not waited for),
//! one that is gets the worker's grace period.
//!
//! Why not hyper's own `header_read_timeout`: it also bounds the wait between keep-alive
//! requests (the two timeouts would collapse into one), it does not run while hyper-util's
//! `auto` connection is still sniffing the protocol (a client that sends nothing is never
//! closed), and HTTP/2 has no equivalent at all. Pings (`keep_alive_interval`) would only
//! find dead peers, which the idle and send timeouts close anyway.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::ConnectionSettings;

/// How long an idle HTTP/2 connection may take to end after its `GOAWAY`.
const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// What one connection is doing, shared by its socket, its service and its task.
pub(super) struct Watch {
    state: Mutex<State>,
    /// The connection's task: woken when an answer ends on another task (HTTP/2 answers
    /// each stream on a task of its own), so it learns its new deadline.
    task: AtomicWaker,
    /// Whether the connection's task is polling the connection: an answer that ends then
    /// (every HTTP/1 answer) needs no wake-up, which would cost a whole extra poll of the
    /// connection, socket read included, per request.
    polling: AtomicBool,
}

struct State {
    phase: Phase,
    /// Since when a write has waited for the client to take data.
    blocked: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    /// No request being answered, no byte of the next one read. `first`: none yet at all.
    Waiting { since: Instant, first: bool },
    /// Bytes of a request read, its head not complete yet (HTTP/2: frames, no request).
    Head { since: Instant },
    /// This many requests being answered (HTTP/2 answers several at once).
    Busy { requests: usize },
}

/// Why a connection was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expired {
    /// No complete request head within `header_timeout`.
    Head,
    /// No new request within `keep_alive_timeout`.
    Idle,
    /// An answer untaken for `send_timeout`.
    NotReading,
    /// Asked to close gracefully (idle, or the server stopping), yet not closed
    /// `CLOSE_LINGER` later, nor answering a request.
    NotClosing,
}

impl std::fmt::Display for Expired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Expired::Head => "no complete request head within server.header_timeout",
            Expired::Idle => "idle for server.keep_alive_timeout",
            Expired::NotReading => "the client took no data for server.send_timeout",
            Expired::NotClosing => "still open after its graceful close",
        })
    }
}

impl Watch {
    /// A connection accepted now.
    pub(super) fn new() -> Watch {
        Watch {
            state: Mutex::new(State {
                phase: Phase::Waiting {
                    since: Instant::now(),
                    first: true,
                },
                blocked: None,
            }),
            task: AtomicWaker::new(),
            polling: AtomicBool::new(false),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Every update leaves the state whole: a panic elsewhere cannot have broken it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bytes_read(&self) {
        let mut state = self.state();
        if let Phase::Waiting { since, first } = state.phase {
            // The first request's head counts from the connection's start, as in nginx.
            let since = if first { since } else { Instant::now() };
            state.phase = Phase::Head { since };
        }
    }

    fn write_blocked(&self) {
        self.state().blocked.get_or_insert_with(Instant::now);
    }

    fn wrote(&self) {
        self.state().blocked = None;
    }

    pub(super) fn request_started(&self) {
        let mut state = self.state();
        state.phase = match state.phase {
            Phase::Busy { requests } => Phase::Busy {
                requests: requests + 1,
            },
            _ => Phase::Busy { requests: 1 },
        };
    }

    pub(super) fn request_ended(&self) {
        let mut state = self.state();
        state.phase = match state.phase {
            Phase::Busy { requests } if requests > 1 => Phase::Busy {
                requests: requests - 1,
            },
            _ => Phase::Waiting {
                since: Instant::now(),
                first: false,
            },
        };
        drop(state);
        if !self.polling.load(Ordering::Relaxed) {
            self.task.wake();
        }
    }

    /// When the connection expires as it is now, and why; `None` while it is answering and
    /// the client takes what it is sent. `closing`: when an idle close was asked for.
    fn deadline(
        &self,
        limits: &ConnectionSettings,
        closing: Option<Instant>,
    ) -> Option<(Instant, Expired)> {
        let state = self.state();
        let phase = match (state.phase, closing) {
            (Phase::Busy { .. }, _) => None,
            // The client gets a moment after its last answer, too (HTTP/2 acknowledges the
            // `GOAWAY`'s ping); closing sooner could reset the connection under that answer.
            (Phase::Waiting { since, .. }, Some(asked)) => {
                Some((asked.max(since) + CLOSE_LINGER, Expired::NotClosing))
            }
            (Phase::Head { .. }, Some(asked)) => Some((asked + CLOSE_LINGER, Expired::NotClosing)),
            (Phase::Waiting { since, first: true }, None) | (Phase::Head { since }, None) => {
                Some((since + limits.header_timeout, Expired::Head))
            }
            (Phase::Waiting { since, .. }, None) => {
                Some((since + limits.keep_alive_timeout, Expired::Idle))
            }
        };
        let blocked = state
            .blocked
            .map(|since| (since + limits.send_timeout, Expired::NotReading));
        match (phase, blocked) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        }
    }
}

/// How a connection ended.
pub(super) enum Ended<E> {
    /// hyper finished it: the client closed, or a graceful close completed.
    Served(Result<(), E>),
    /// Dropped for keeping the server waiting.
    Dropped(Expired),
}

/// Drives `conn` until it ends: on its own, gracefully once `stop` fires (through
/// `close_gracefully`), or dropped when its client keeps it waiting past `limits`.
pub(super) async fn drive<C, E>(
    conn: C,
    close_gracefully: impl Fn(Pin<&mut C>),
    watch: &Watch,
    limits: &ConnectionSettings,
    stop: &CancellationToken,
) -> Ended<E>
where
    C: Future<Output = Result<(), E>>,
{
    let mut conn = pin!(conn);
    let mut stopping = pin!(stop.cancelled());
    let mut stopped = false;
    let mut closing = None;
    // Armed lazily: a deadline moves with every request, and resetting a tokio timer costs
    // more than the rest of the watch. The timer stays at the earliest deadline it was set
    // to and is reset only for an earlier one; when it fires early (the deadline has moved
    // on since) it is set to the deadline of the moment.
    let mut timer = pin!(tokio::time::sleep(Duration::ZERO));
    let mut armed: Option<Instant> = None;
    let mut first_poll = true;
    poll_fn(|cx| loop {
        watch.task.register(cx.waker());
        watch.polling.store(true, Ordering::Relaxed);
        let polled = conn.as_mut().poll(cx);
        watch.polling.store(false, Ordering::Relaxed);
        if let Poll::Ready(result) = polled {
            return Poll::Ready(Ended::Served(result));
        }
        // The first poll registers for the stop; later ones only look (cheaper).
        if !stopped && (first_poll || stop.is_cancelled()) && stopping.as_mut().poll(cx).is_ready()
        {
            stopped = true;
            closing.get_or_insert_with(Instant::now);
            close_gracefully(conn.as_mut());
            // An idle connection ends on its next poll.
            continue;
        }
        first_poll = false;
        let Some((at, why)) = watch.deadline(limits, closing) else {
            return Poll::Pending;
        };
        if armed.is_none_or(|armed| at < armed) {
            timer.as_mut().reset(at);
            armed = Some(at);
            // Polled once to register this task; it wakes the task when it fires. (The
            // task's waker never changes, so one registration per reset is enough.)
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        } else if !timer.is_elapsed() {
            return Poll::Pending;
        }
        armed = None;
        if Instant::now() < at {
            continue;
        }
        if why == Expired::Idle && closing.is_none() {
            closing = Some(Instant::now());
            close_gracefully(conn.as_mut());
            continue;
        }
        return Poll::Ready(Ended::Dropped(why));
    })
    .await
}

/// A connection's socket, reporting to its `Watch`.
pub(super) struct Watched<T> {
    io: T,
    watch: Arc<Watch>,
    /// Whether the last write waited for the client (so `Watch` is told only of changes).
    blocked: bool,
}

impl<T> Watched<T> {
    pub(super) fn new(io: T, watch: Arc<Watch>) -> Watched<T> {
        Watched {
            io,
            watch,
            blocked: false,
        }
    }

    /// Tells the watch whether a write went through, once per change.
    fn after_write(&mut self, polled: &Poll<io::Result<usize>>) {
        match polled {
            Poll::Pending if !self.blocked => {
                self.blocked = true;
                self.watch.write_blocked();
            }
            Poll::Ready(Ok(n)) if *n > 0 && self.blocked => {
                self.blocked = false;
                self.watch.wrote();
            }
            _ => {}
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watch.bytes_read();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.after_write(&polled);
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.after_write(&polled);
        polled
    }

    /// hyper writes a whole answer with one `writev` when it can (`listen`'s `TCP_NODELAY`
    /// note): the wrapper must not hide that the socket takes them.
    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ConnectionSettings = ConnectionSettings {
        header_timeout: Duration::from_secs(60),
        keep_alive_timeout: Duration::from_secs(75),
        send_timeout: Duration::from_secs(30),
        max_connections: None,
    };

    fn why(watch: &Watch) -> Option<Expired> {
        watch.deadline(&LIMITS, None).map(|(_, why)| why)
    }

    #[test]
    fn phases_follow_requests_and_bytes() {
        let watch = Watch::new();
        let (accepted, _) = watch.deadline(&LIMITS, None).unwrap();
        assert_eq!(why(&watch), Some(Expired::Head), "a new connection");
        watch.bytes_read();
        assert_eq!(
            watch.deadline(&LIMITS, None),
            Some((accepted, Expired::Head)),
            "the first head counts from the connection's start"
        );
        // HTTP/2: two streams at once; the connection answers until both ended.
        watch.request_started();
        watch.request_started();
        assert_eq!(why(&watch), None);
        watch.request_ended();
        assert_eq!(why(&watch), None);
        watch.request_ended();
        assert_eq!(why(&watch), Some(Expired::Idle));
        watch.bytes_read();
        let (head, why_now) = watch.deadline(&LIMITS, None).unwrap();
        assert_eq!(why_now, Expired::Head);
        assert!(head > accepted, "a later head counts from its first byte");
    }

    #[test]
    fn an_untaken_write_expires_first_even_while_answering() {
        let watch = Watch::new();
        watch.request_started();
        watch.write_blocked();
        assert_eq!(why(&watch), Some(Expired::NotReading));
        watch.wrote();
        assert_eq!(why(&watch), None);
        watch.request_ended();
        watch.write_blocked();
        assert_eq!(why(&watch), Some(Expired::NotReading), "30 s before 75 s");
    }

    #[test]
    fn a_closing_connection_lingers_only_when_not_answering() {
        let watch = Watch::new();
        let asked = Instant::now();
        assert_eq!(
            watch.deadline(&LIMITS, Some(asked)),
            Some((asked + CLOSE_LINGER, Expired::NotClosing))
        );
        watch.request_started();
        assert_eq!(watch.deadline(&LIMITS, Some(asked)), None);
        watch.request_ended();
        let (at, why) = watch.deadline(&LIMITS, Some(asked)).unwrap();
        assert_eq!(why, Expired::NotClosing);
        assert!(at >= asked + CLOSE_LINGER, "counted from the last answer");
    }
}
