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
//! Invariants: every socket is bound before `bind` returns, so a taken address is an error
//! of `bind` (`cannot listen on ADDR: …`), never of a worker thread; after `shutdown` fires
//! each worker stops accepting, closes idle keep-alive connections, lets in-flight requests
//! finish, and only then does `Workers::stopped` return.

use std::convert::Infallible;
use std::net::SocketAddr;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use warp::http::Request;

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

    /// Serves `routes` with one worker per socket until `shutdown` fires.
    pub fn serve(
        self,
        routes: impl Routes,
        shutdown: CancellationToken,
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
        let mut stopped = Vec::with_capacity(ready.len());
        for (index, (runtime, listener)) in ready.into_iter().enumerate() {
            let server = serve(listener, routes.clone(), stop.clone());
            let (done, receiver) = oneshot::channel();
            std::thread::Builder::new()
                .name(format!("http-{index}"))
                .spawn(move || {
                    runtime.block_on(server);
                    // Tasks still owned by the runtime (none once graceful shutdown returned)
                    // are dropped with it, before `stopped` learns this worker is done.
                    drop(runtime);
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
) -> Result<Workers, StartError> {
    bind_for(addr, count)?.serve(routes, shutdown)
}

/// One worker's accept loop, as `warp::serve(…).graceful(…)` runs it: each connection on a
/// task of this worker, HTTP/1 or HTTP/2 as the client speaks; after `stop` fires the
/// listener closes, idle connections close, and in-flight requests finish before it returns.
async fn serve(listener: tokio::net::TcpListener, routes: impl Routes, stop: CancellationToken) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stop.cancelled() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                accept_failed(e).await;
                continue;
            }
        };
        let connection = auto::Builder::new(TokioExecutor::new())
            .serve_connection_with_upgrades(TokioIo::new(stream), routes.clone())
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
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
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
}

/// `count` listening sockets for `addr`, non-blocking, ready for tokio.
///
/// Where the kernel spreads connections over the sockets of one `SO_REUSEPORT` group (Linux),
/// each worker gets its own socket: it accepts only its own share of connections and never
/// wakes for another's. Elsewhere, or when the option is refused, the workers share one socket
/// (nginx's default), each accepting whatever it can; on Linux that measured slower
/// (docs/performance.md).
fn bind_sockets(addr: SocketAddr, count: usize) -> std::io::Result<Vec<std::net::TcpListener>> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if count > 1 {
        if let Some(group) = bind_group(addr, count)? {
            return Ok(group);
        }
    }
    let first = socket(addr)?;
    let mut all = Vec::with_capacity(count);
    for _ in 1..count {
        all.push(first.try_clone()?);
    }
    all.insert(0, first);
    Ok(all)
}

/// Whether this kernel balances connections over an `SO_REUSEPORT` group; BSDs and macOS
/// accept the option but do not balance with it.
#[cfg(test)]
const REUSE_PORT_BALANCES: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// `count` sockets of one `SO_REUSEPORT` group on `addr`, or `None` if the option is refused.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn bind_group(
    addr: SocketAddr,
    count: usize,
) -> std::io::Result<Option<Vec<std::net::TcpListener>>> {
    // A group lets any later socket of the same user join it, so a second scrapefeed started
    // on the same address would silently take half the connections instead of failing with
    // "address in use". Binding an ordinary socket first keeps that error: it fails when
    // anything listens on the address. It also turns port 0 into the port the group shares.
    let addr = {
        let probe = new_socket(addr)?;
        probe.bind(&addr.into())?;
        probe
            .local_addr()?
            .as_socket()
            .expect("a TCP socket has an IP address")
    };
    let mut group = Vec::with_capacity(count);
    for _ in 0..count {
        let socket = new_socket(addr)?;
        if socket.set_reuse_port(true).is_err() {
            return Ok(None);
        }
        group.push(listen(socket, addr)?);
    }
    Ok(Some(group))
}

/// A plain listening socket on `addr`.
fn socket(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    listen(new_socket(addr)?, addr)
}

/// A non-blocking TCP socket for `addr`'s family, with `SO_REUSEADDR` as tokio's own
/// `TcpListener::bind` sets it: a restart may bind while old connections linger in TIME_WAIT.
///
/// `TCP_NODELAY` is set here, on the listening socket, because accepted connections inherit
/// it (Linux and the BSDs), so no accepted connection needs a `setsockopt` of its own. hyper
/// writes each answer whole (head and body in one `writev` when the socket takes it), so
/// Nagle's algorithm has little to merge; what it does do is hold a small answer while the
/// previous small answer on the connection is unacknowledged, and clients delay their ACKs
/// (40 ms on Linux), so the second of two pipelined answers waited for that ACK. nginx sets the
/// option on keep-alive connections for the same reason (`tcp_nodelay on`).
fn new_socket(addr: SocketAddr) -> std::io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.set_tcp_nodelay(true)?;
    Ok(socket)
}

fn listen(socket: Socket, addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    socket.bind(&addr.into())?;
    // tokio's default backlog.
    socket.listen(1024)?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::sync::mpsc;

    use bytes::Bytes;
    use warp::http::Response;

    use super::*;

    /// Routes that answer with the name of the worker thread; `/hold` first reports that it
    /// started, then waits for `release`.
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
        )
        .unwrap();
        let addr = first.local_addr();
        let second = start_with(addr, routes(started, release), shutdown.clone(), 2);
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
}
