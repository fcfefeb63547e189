//! How the routes meet the network: one single-threaded HTTP worker per core, as nginx runs.
//!
//! `bind` binds the address, then `Bound::serve` runs one worker thread per available core, each with its
//! own tokio `current_thread` runtime serving the same (cloned) routes on its own listening
//! socket. A connection lives its whole life on the worker that accepted it. The workers run
//! the accept loop `warp::serve` would (hyper-util's HTTP/1-or-2 connections, graceful
//! shutdown) themselves, because the routes are a hyper service rather than a warp filter:
//! plain feed requests bypass warp's filter tree (`super::hot`).
//!
//! Why not the multi-thread runtime everyone else uses: answering a feed from memory costs a
//! few microseconds, so a request's cost is the kernel's (TCP) plus the runtime's. A `perf`
//! profile of the multi-thread runtime answering `304`s showed the time mostly in the kernel
//! and in task switches between its worker threads (work stealing, wake-ups across threads);
//! the route code was a small part. Independent single-threaded workers never hand a
//! connection or a wake-up to another thread: less CPU per `304` and steadier throughput
//! when other processes load the machine (docs/performance.md, "Serving feeds", has the
//! figures). The scheduler and scrapes stay on the main runtime; the routes reach them only
//! through `Live`.
//!
//! Every connection is watched (`watch`): a client that keeps the server waiting — for a
//! request's head, between requests, for taking an answer — past the `[server]` timeouts is
//! dropped, so slow or silent clients cannot pile up. The workers share one cap on open
//! connections (`limits`), derived from the open-files limit the process raises at start;
//! a connection beyond it is answered `503` and closed.
//!
//! Invariants: every socket is bound before `bind` returns, so a taken address is an error
//! of `bind` (`cannot listen on ADDR: …`), never of a worker thread; after `shutdown` fires
//! each worker stops accepting, closes idle keep-alive connections, lets in-flight requests
//! finish for at most the grace period, drops whatever is left, and only then does
//! `Workers::stopped` return; no connection task outlives its worker.

mod counted;
mod limits;
mod peer;
mod sockets;
#[cfg(test)]
mod tests;
mod watch;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use warp::http::Request;

use crate::config::{ConnectionSettings, ServerSettings};
use counted::Counted;
pub use limits::{connection_cap, raise_open_files_limit, OpenFiles};
use limits::{Connections, Slot};
pub use peer::PeerAddr;
use peer::WithPeer;
use sockets::bind_sockets;
use watch::{Ended, Watch, Watched};

/// How the workers treat connections: the `[server]` settings with the cap worked out.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The timeouts (its `max_connections` is the configured one; `max_connections` below
    /// is the cap in force).
    pub limits: ConnectionSettings,
    pub max_connections: usize,
    /// How long in-flight requests may finish after `shutdown` fires.
    pub grace: Duration,
}

impl Rules {
    /// From `[server]`, with the cap derived from `open_files` (the limit now in force).
    pub fn new(server: &ServerSettings, open_files: Option<OpenFiles>) -> Rules {
        Rules {
            limits: server.connections,
            max_connections: connection_cap(
                server.connections.max_connections,
                open_files.map(|f| f.soft),
            ),
            grace: server.shutdown_grace,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start HTTP worker {index}")]
    Worker {
        index: usize,
        #[source]
        source: std::io::Error,
    },
}

/// The running HTTP workers.
pub struct Workers {
    local_addr: SocketAddr,
    stopped: Vec<oneshot::Receiver<()>>,
}

impl Workers {
    /// The address served (the real port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// How many workers serve.
    pub fn count(&self) -> usize {
        self.stopped.len()
    }

    /// Waits until every worker has finished its connections after the shutdown token fired.
    /// An error means a worker thread panicked.
    pub async fn stopped(self) -> Result<(), WorkerPanicked> {
        let mut result = Ok(());
        for (index, stopped) in self.stopped.into_iter().enumerate() {
            if stopped.await.is_err() {
                result = Err(WorkerPanicked { index });
            }
        }
        result
    }
}

/// A worker thread ended without finishing its shutdown.
#[derive(Debug, thiserror::Error)]
#[error("HTTP worker {index} panicked")]
pub struct WorkerPanicked {
    index: usize,
}

/// What a worker serves every connection with: one clone per connection.
pub trait Routes:
    hyper::service::Service<
        Request<Incoming>,
        Response = warp::reply::Response,
        Error = Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> Routes for S where
    S: hyper::service::Service<
            Request<Incoming>,
            Response = warp::reply::Response,
            Error = Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// Binds `addr` with one listening socket per core, without serving yet: the caller learns
/// the address actually bound (the port, when port 0 was asked for) before it builds what
/// the routes serve (self links name that address).
pub fn bind(addr: SocketAddr) -> Result<Bound, StartError> {
    bind_for(addr, worker_count())
}

/// One worker per core the process may use (cgroup quotas and affinity count).
fn worker_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Listening sockets, bound, not served yet.
pub struct Bound {
    listeners: Vec<std::net::TcpListener>,
    local_addr: SocketAddr,
}

fn bind_for(addr: SocketAddr, count: usize) -> Result<Bound, StartError> {
    let listen_error = |source| StartError::Listen { addr, source };
    let listeners = bind_sockets(addr, count.max(1)).map_err(listen_error)?;
    let local_addr = listeners[0].local_addr().map_err(listen_error)?;
    Ok(Bound {
        listeners,
        local_addr,
    })
}

impl Bound {
    /// The address bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves `routes` with one worker per socket until `shutdown` fires, then for at most
    /// `rules.grace`.
    pub fn serve(
        self,
        routes: impl Routes,
        shutdown: CancellationToken,
        rules: Rules,
    ) -> Result<Workers, StartError> {
        // Runtimes and registrations are made before any thread starts, so their errors leave
        // nothing running.
        let mut ready = Vec::with_capacity(self.listeners.len());
        for (index, listener) in self.listeners.into_iter().enumerate() {
            let worker_error = |source| StartError::Worker { index, source };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(worker_error)?;
            // The listener registers with the reactor of the runtime that will poll it.
            let listener = {
                let _entered = runtime.enter();
                tokio::net::TcpListener::from_std(listener).map_err(worker_error)?
            };
            ready.push((runtime, listener));
        }
        // Cancelled with `shutdown`, or by us if a later worker cannot start.
        let stop = shutdown.child_token();
        let connections = Connections::new(rules.max_connections);
        let mut stopped = Vec::with_capacity(ready.len());
        for (index, (runtime, listener)) in ready.into_iter().enumerate() {
            let worker = Worker {
                routes: routes.clone(),
                stop: stop.clone(),
                rules,
                connections: connections.clone(),
            };
            let (done, receiver) = oneshot::channel();
            std::thread::Builder::new()
                .name(format!("http-{index}"))
                .spawn(move || {
                    runtime.block_on(worker.serve(listener));
                    // No connection is left once `serve` returned; a blocking task a dropped
                    // request started (rendering a feed) is not waited for.
                    runtime.shutdown_background();
                    let _ = done.send(());
                })
                .map_err(|source| {
                    stop.cancel();
                    StartError::Worker { index, source }
                })?;
            stopped.push(receiver);
        }
        Ok(Workers {
            local_addr: self.local_addr,
            stopped,
        })
    }
}

#[cfg(test)]
fn start_with(
    addr: SocketAddr,
    routes: impl Routes,
    shutdown: CancellationToken,
    count: usize,
    rules: Rules,
) -> Result<Workers, StartError> {
    bind_for(addr, count)?.serve(routes, shutdown, rules)
}

/// What one worker serves with.
struct Worker<R> {
    routes: R,
    stop: CancellationToken,
    rules: Rules,
    connections: Arc<Connections>,
}

impl<R: Routes> Worker<R> {
    /// The accept loop, as `warp::serve(…).graceful(…)` runs it: each connection on a task of
    /// this worker, HTTP/1 or HTTP/2 as the client speaks. After `stop` fires the listener
    /// closes, idle connections close, and in-flight requests get `rules.grace` to finish
    /// before the rest are dropped.
    async fn serve(self, listener: tokio::net::TcpListener) {
        let mut tasks = JoinSet::new();
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                Some(ended) = tasks.join_next(), if !tasks.is_empty() => {
                    if let Err(e) = ended {
                        tracing::error!(error = %e, "a connection task failed");
                    }
                    continue;
                }
                () = self.stop.cancelled() => break,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            };
            match self.connections.open() {
                Some(slot) => tasks.spawn(connection(
                    stream,
                    self.routes.clone(),
                    self.rules.limits,
                    self.stop.clone(),
                    slot,
                )),
                None => tasks.spawn(self.connections.clone().refuse(stream)),
            };
        }
        drop(listener);
        // Each connection saw `stop` too and is closing gracefully.
        let drained = tokio::time::timeout(self.rules.grace, async {
            while tasks.join_next().await.is_some() {}
        });
        if drained.await.is_err() {
            tracing::warn!(
                connections = tasks.len(),
                grace = ?self.rules.grace,
                "dropping connections still open at the end of server.shutdown_grace"
            );
            tasks.shutdown().await;
        }
    }
}

/// Serves one connection until it ends, closes gracefully after `stop`, or is dropped for
/// keeping the server waiting (`watch`).
async fn connection(
    stream: tokio::net::TcpStream,
    routes: impl Routes,
    limits: ConnectionSettings,
    stop: CancellationToken,
    _slot: Slot,
) {
    let watch = Arc::new(Watch::new());
    let peer = stream.peer_addr().ok();
    let conn = auto::Builder::new(TokioExecutor::new())
        .serve_connection_with_upgrades(
            TokioIo::new(Watched::new(stream, watch.clone())),
            Counted::new(WithPeer::new(routes, peer), watch.clone()),
        )
        .into_owned();
    let close = auto::UpgradeableConnection::graceful_shutdown;
    match watch::drive(conn, close, &watch, &limits, &stop).await {
        Ended::Served(Ok(())) => {}
        Ended::Served(Err(e)) => tracing::debug!(error = %e, "connection ended with an error"),
        Ended::Dropped(why) => tracing::debug!(%why, "closed a connection"),
    }
}

/// A connection the client gave up on before it was accepted is no error of ours; anything
/// else (out of file descriptors, most likely) is logged and waited out for a second, as
/// hyper's and warp's servers do, rather than spinning on it.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "cannot accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
