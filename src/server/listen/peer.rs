//! A connection's service, wrapped to put the connection's peer address on each request, so
//! the routes can tell who asked (`server::proxy` decides whether a proxy's word on the real
//! client is believed).

use std::net::SocketAddr;

use warp::http::Request;

/// The address at the other end of a request's connection: the client, or a proxy in front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// A service that adds `PeerAddr` to every request's extensions.
#[derive(Clone)]
pub(super) struct WithPeer<S> {
    inner: S,
    peer: Option<SocketAddr>,
}

impl<S> WithPeer<S> {
    /// `peer` is `None` when the socket could not say (it closed already); requests then
    /// carry no `PeerAddr`.
    pub(super) fn new(inner: S, peer: Option<SocketAddr>) -> WithPeer<S> {
        WithPeer { inner, peer }
    }
}

impl<S, B> hyper::service::Service<Request<B>> for WithPeer<S>
where
    S: hyper::service::Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, mut request: Request<B>) -> Self::Future {
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(PeerAddr(peer));
        }
        self.inner.call(request)
    }
}
