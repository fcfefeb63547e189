//! Hearing what other instances saved: `LISTEN` on `FEED_CHANNEL`, one connection of its own.
//!
//! A save that changes a feed notifies in its transaction (`notice_payload(tag, feed)`), so a
//! notice arrives when, and only if, the change is visible. The listener hands each notice
//! from another store (its tag is not ours: the saving instance refreshed the feed itself)
//! to its callback as `Notice::Changed`.
//!
//! PostgreSQL keeps no notice for a session that was not listening, so whenever the
//! listener (re)connects it delivers `Notice::Resync` once `LISTEN` holds: whatever the
//! callback cached before may have changed unheard, and must be forgotten. A lost connection
//! (a server restart, a terminated backend, a dead network: TCP keepalives find that one) is
//! retried after 1 s, doubling to 30 s, and every log line names the database by its
//! redacted URL.
//!
//! The connection is not the pool's: `LISTEN` belongs to a session, and a pooled connection
//! goes back to others. The synchronous client blocks, so the listener runs on a thread of
//! its own (never on the async runtime, where the client would panic), waits for notices in
//! short slices and stops within a second of `Listener::stop` or its drop.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;

use super::{parse_notice, PgTarget, FEED_CHANNEL};

/// What the listener tells its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Another instance saved a change to this feed.
    Changed { feed: String },
    /// The listener (re)connected: notices sent meanwhile are lost, so nothing cached from
    /// the shared store can be trusted any more.
    Resync,
}

/// The first wait after a failed connection; it doubles up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long one wait for notices lasts before the stop request is looked at again.
const SLICE: Duration = Duration::from_millis(200);
/// How long `stop` waits for the thread (a connection attempt cannot be interrupted).
const STOP_WAIT: Duration = Duration::from_secs(1);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// An idle connection is probed after this long, so a dead peer is noticed.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);

/// The running listener. Dropping it stops it, like `stop`.
pub struct Listener {
    stop: Option<Sender<()>>,
    /// Disconnected once the thread ended (its sender is dropped with it).
    done: Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Starts listening on `target` in a thread of its own, skipping notices tagged
    /// `own_tag`. Returns at once (the first connection is made on the thread; failures are
    /// logged and retried, never returned). `deliver` runs on the listener's thread: it may
    /// block, and notices wait meanwhile.
    pub fn start(
        target: PgTarget,
        own_tag: String,
        deliver: impl FnMut(Notice) + Send + 'static,
    ) -> std::io::Result<Listener> {
        let (stop, stopped) = mpsc::channel();
        let (done_tx, done) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("pg-listen".into())
            .spawn(move || {
                let _done = done_tx;
                Listening {
                    target,
                    own_tag,
                    stopped,
                    deliver: Box::new(deliver),
                }
                .run();
            })?;
        Ok(Listener {
            stop: Some(stop),
            done,
            thread: Some(thread),
        })
    }

    /// Asks the listener to stop and waits for it, at most a second (a connection attempt
    /// in progress is left to end on its own).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        let Some(stop) = self.stop.take() else {
            return;
        };
        let _ = stop.send(());
        match self.done.recv_timeout(STOP_WAIT) {
            Err(RecvTimeoutError::Disconnected) | Ok(()) => {
                if let Some(thread) = self.thread.take() {
                    let _ = thread.join();
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                tracing::debug!("the database listener is still connecting; left to stop");
            }
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Why a session ended.
enum Ended {
    Stopped,
    Lost(String),
}

struct Listening {
    target: PgTarget,
    own_tag: String,
    stopped: Receiver<()>,
    deliver: Box<dyn FnMut(Notice) + Send>,
}

impl Listening {
    fn run(mut self) {
        let mut backoff = FIRST_BACKOFF;
        let mut lost = false;
        loop {
            let why = match self.connect() {
                Ok(client) => {
                    if lost {
                        tracing::info!(database = %self.target, "listening for feed changes again");
                    } else {
                        tracing::debug!(database = %self.target, "listening for feed changes");
                    }
                    backoff = FIRST_BACKOFF;
                    let ended = match self.deliver(Notice::Resync) {
                        Ok(()) => self.session(client),
                        Err(ended) => ended,
                    };
                    match ended {
                        Ended::Stopped => return,
                        Ended::Lost(why) => why,
                    }
                }
                Err(error) => error.to_string(),
            };
            lost = true;
            tracing::warn!(database = %self.target, error = %why, retry_in = ?backoff,
                "lost the database's feed change notices; feeds are rendered again once \
                 it is back");
            if self.wait(backoff) {
                return;
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        let mut config = self.target.config();
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives(true)
            .keepalives_idle(KEEPALIVE_IDLE)
            .application_name("scrapefeed-listen");
        let mut client = config.connect(postgres::NoTls)?;
        // The channel is a constant identifier; LISTEN takes no parameters.
        client.batch_execute(&format!("LISTEN {FEED_CHANNEL}"))?;
        Ok(client)
    }

    /// Hands a notice to the callback. One that panics is treated as a lost connection:
    /// what it was doing may be half done, so the listener connects again and the next
    /// `Resync` makes everything whole; the thread itself never dies of it.
    fn deliver(&mut self, notice: Notice) -> Result<(), Ended> {
        let deliver = &mut self.deliver;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| deliver(notice)))
            .map_err(|_| Ended::Lost("handling a notice panicked".into()))
    }

    /// Delivers notices until the connection is lost or a stop is asked.
    fn session(&mut self, mut client: postgres::Client) -> Ended {
        loop {
            if self.stop_asked() {
                return Ended::Stopped;
            }
            let next = client.notifications().timeout_iter(SLICE).next();
            match next {
                Ok(Some(notice)) if notice.channel() == FEED_CHANNEL => {
                    match parse_notice(notice.payload()) {
                        Some((tag, _)) if tag == self.own_tag => {}
                        Some((_, feed)) => {
                            let changed = Notice::Changed {
                                feed: feed.to_string(),
                            };
                            if let Err(ended) = self.deliver(changed) {
                                return ended;
                            }
                        }
                        None => tracing::debug!(
                            payload = notice.payload(),
                            "ignored a feed notice of another form"
                        ),
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) if client.is_closed() => {
                    return Ended::Lost("the connection closed".into());
                }
                Ok(None) => {}
                Err(error) => return Ended::Lost(error.to_string()),
            }
        }
    }

    fn stop_asked(&self) -> bool {
        !matches!(self.stopped.try_recv(), Err(TryRecvError::Empty))
    }

    /// Waits `period` unless a stop is asked first; `true` if it was.
    fn wait(&self, period: Duration) -> bool {
        !matches!(
            self.stopped.recv_timeout(period),
            Err(RecvTimeoutError::Timeout)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_listener_that_cannot_connect_retries_and_still_stops_within_a_second() {
        // Nothing listens on port 1: each attempt is refused at once.
        let target = PgTarget::parse("postgres://sf:s3cret@127.0.0.1:1/sf").unwrap();
        let (tx, rx) = mpsc::channel();
        let listener = Listener::start(target, "mine".into(), move |n| {
            let _ = tx.send(n);
        })
        .unwrap();
        // In its backoff by now (the first attempt fails at once).
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(300)),
            Err(RecvTimeoutError::Timeout),
            "no Resync without a connection"
        );
        let asked = Instant::now();
        listener.stop();
        assert!(asked.elapsed() < STOP_WAIT, "{:?}", asked.elapsed());
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(100)),
            Err(RecvTimeoutError::Disconnected)
        );
        // Dropped without `stop`, it stops too.
        let (tx, rx) = mpsc::channel::<Notice>();
        let target = PgTarget::parse("postgres://sf@127.0.0.1:1/sf").unwrap();
        drop(Listener::start(target, "mine".into(), move |n| drop(tx.send(n))).unwrap());
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(100)),
            Err(RecvTimeoutError::Disconnected)
        );
    }
}
