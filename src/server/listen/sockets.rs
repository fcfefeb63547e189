//! The listening sockets: one per worker in an `SO_REUSEPORT` group where the kernel balances
//! one (Linux), else one socket shared by every worker.

use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

/// `count` listening sockets for `addr`, non-blocking, ready for tokio.
///
/// Where the kernel spreads connections over the sockets of one `SO_REUSEPORT` group (Linux),
/// each worker gets its own socket: it accepts only its own share of connections and never
/// wakes for another's. Elsewhere, or when the option is refused, the workers share one socket
/// (nginx's default), each accepting whatever it can; on Linux that measured slower
/// (docs/performance.md).
pub(super) fn bind_sockets(
    addr: SocketAddr,
    count: usize,
) -> std::io::Result<Vec<std::net::TcpListener>> {
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
pub(super) const REUSE_PORT_BALANCES: bool = cfg!(any(target_os = "linux", target_os = "android"));

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
