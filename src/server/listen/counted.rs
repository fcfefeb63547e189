//! A connection's service, wrapped to tell the connection's `Watch` when each request starts
//! and when its answer ends: when hyper drops the answer's body (written whole, or not: a
//! `HEAD`, a client gone), or the request's future if the request is abandoned first.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::body::{Body, Frame, SizeHint};

use super::watch::Watch;

/// A connection's service, telling its `Watch` when each request starts and its answer ends.
#[derive(Clone)]
pub(super) struct Counted<S> {
    inner: S,
    watch: Arc<Watch>,
}

impl<S> Counted<S> {
    pub(super) fn new(inner: S, watch: Arc<Watch>) -> Counted<S> {
        Counted { inner, watch }
    }
}

/// One request being answered; its end is reported when this is dropped, with the answer's
/// body or, if the request is abandoned first, with its future.
struct InFlight(Arc<Watch>);

impl InFlight {
    fn new(watch: &Arc<Watch>) -> InFlight {
        watch.request_started();
        InFlight(watch.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_ended();
    }
}

impl<S, R, B> hyper::service::Service<R> for Counted<S>
where
    S: hyper::service::Service<R, Response = hyper::Response<B>>,
{
    type Response = hyper::Response<Tracked<B>>;
    type Error = S::Error;
    type Future = Answering<S::Future>;

    fn call(&self, request: R) -> Self::Future {
        let in_flight = InFlight::new(&self.watch);
        Answering {
            inner: self.inner.call(request),
            in_flight: Some(in_flight),
        }
    }
}

pin_project_lite::pin_project! {
    /// A request's answer being made; hands its `InFlight` on to the answer's body.
    pub(super) struct Answering<F> {
        #[pin]
        inner: F,
        in_flight: Option<InFlight>,
    }
}

impl<F, B, E> Future for Answering<F>
where
    F: Future<Output = Result<hyper::Response<B>, E>>,
{
    type Output = Result<hyper::Response<Tracked<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = std::task::ready!(this.inner.poll(cx))?;
        let in_flight = this.in_flight.take();
        Poll::Ready(Ok(response.map(|body| Tracked {
            body,
            _in_flight: in_flight,
        })))
    }
}

pin_project_lite::pin_project! {
    /// An answer's body, unchanged; the request ends when hyper drops it.
    pub(super) struct Tracked<B> {
        #[pin]
        body: B,
        _in_flight: Option<InFlight>,
    }
}

impl<B: Body> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        self.project().body.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
