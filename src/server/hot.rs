//! The service every connection gets: a plain feed request goes straight to `feed`, anything
//! else through the warp routes.
//!
//! Why: a `304` from memory costs little more than the kernel's share of the request, and
//! warp's filter tree was a good part of the rest (docs/performance.md, "What a `304` costs",
//! has the profile and the figures): per request warp clones the whole filter (and the `Arc`s
//! in it), builds its route state, tries every filter of the `feed` branch, allocates the
//! path segment and header strings, and wraps the answer twice. A request this module
//! recognises skips all of it and calls the same `feed` handler the warp route calls, with
//! the same arguments, so every header rule stays in one place.
//!
//! Invariant: a request is taken here only when the warp route would extract exactly the
//! same arguments — the path is `/feeds/` and one non-empty segment, there is no query
//! string, and the three headers `feed` reads are absent or valid strings (warp answers
//! `400` for an invalid one). Everything else, including every other path, goes to warp
//! unchanged.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::future::Either;
use warp::http::{header, Request};
use warp::Reply as _;

use super::{Conditions, Live};

/// What every request is answered with.
type Response = warp::reply::Response;

/// A hyper service: feed requests straight to `feed`, the rest to the warp routes `W`.
#[derive(Clone)]
pub struct FeedsFirst<W> {
    live: Arc<Live>,
    routes: W,
}

impl<W> FeedsFirst<W> {
    pub fn new(live: Arc<Live>, routes: W) -> FeedsFirst<W> {
        FeedsFirst { live, routes }
    }
}

/// The arguments `feed` takes from the request, when the request is one this path takes.
fn feed_request<B>(request: &Request<B>) -> Option<(String, Conditions)> {
    if request.uri().query().is_some() {
        return None;
    }
    let file = request.uri().path().strip_prefix("/feeds/")?;
    if file.is_empty() || file.contains('/') {
        return None;
    }
    let header = |name: header::HeaderName| match request.headers().get(name) {
        None => Some(None),
        Some(value) => value.to_str().ok().map(|v| Some(v.to_string())),
    };
    let conditions = Conditions {
        accept_encoding: header(header::ACCEPT_ENCODING)?,
        if_none_match: header(header::IF_NONE_MATCH)?,
        if_modified_since: header(header::IF_MODIFIED_SINCE)?,
    };
    Some((file.to_string(), conditions))
}

type FeedFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<W, B> hyper::service::Service<Request<B>> for FeedsFirst<W>
where
    W: tower_service::Service<Request<B>, Response = Response, Error = Infallible> + Clone,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<FeedFuture, W::Future>;

    fn call(&self, request: Request<B>) -> Self::Future {
        let Some((file, conditions)) = feed_request(&request) else {
            // warp's service is always ready: `call` needs no `poll_ready` first.
            let mut routes = self.routes.clone();
            return Either::Right(routes.call(request));
        };
        let method = request.method().clone();
        let (app, pages) = self.live.current();
        Either::Left(Box::pin(async move {
            let reply =
                super::feed::feed(file, method, conditions, Vec::new(), app.clone(), pages).await;
            app.metrics.response(reply.status().as_u16());
            Ok(reply.into_response())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(uri: &str, headers: &[(&str, &[u8])]) -> Option<String> {
        let mut request = Request::builder().uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        feed_request(&request.body(()).unwrap()).map(|(file, _)| file)
    }

    #[test]
    fn only_requests_the_warp_route_would_read_the_same_way_are_taken() {
        assert_eq!(taken("/feeds/all.rss", &[]).as_deref(), Some("all.rss"));
        assert_eq!(
            taken("/feeds/tass.json", &[("if-none-match", b"\"x\"")]).as_deref(),
            Some("tass.json")
        );
        // A query, another path, a longer path, an empty name: warp decides.
        for uri in [
            "/feeds/all.rss?limit=5",
            "/feeds/all.rss?",
            "/feeds/",
            "/feeds",
            "/feeds/a/b.rss",
            "/feeds/all.rss/",
            "/",
            "/healthz",
            "/feedsall.rss",
        ] {
            assert_eq!(taken(uri, &[]), None, "{uri}");
        }
        // A header warp cannot read as a string is warp's 400.
        assert_eq!(
            taken("/feeds/all.rss", &[("accept-encoding", b"gzip\xff")]),
            None
        );
    }

    #[test]
    fn the_conditions_are_the_request_headers() {
        let request = Request::builder()
            .uri("/feeds/all.rss")
            .header("accept-encoding", "gzip, br")
            .header("if-none-match", "\"a\", W/\"b\"")
            .header("if-modified-since", "Sun, 29 Nov 2026 05:40:32 GMT")
            .body(())
            .unwrap();
        let (_, conditions) = feed_request(&request).unwrap();
        assert_eq!(conditions.accept_encoding.as_deref(), Some("gzip, br"));
        assert_eq!(conditions.if_none_match.as_deref(), Some("\"a\", W/\"b\""));
        assert_eq!(
            conditions.if_modified_since.as_deref(),
            Some("Sun, 29 Nov 2026 05:40:32 GMT")
        );
    }
}
