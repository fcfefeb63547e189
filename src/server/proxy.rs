//! Serving behind a reverse proxy: the path prefix of `server.public_url`, and who the client
//! is (`forwarded`).
//!
//! `BehindProxy` is the outermost layer of the service every connection gets, so what it does
//! holds for every route, the fast feed path of `hot` and routes added later alike:
//!
//! - **The prefix.** With `public_url = "https://host/feeds-app/"` a request for
//!   `/feeds-app/feeds/world.rss` is answered as `/feeds/world.rss`. A request without the
//!   prefix is answered too, so both kinds of proxy work: one that strips the prefix
//!   (nginx `proxy_pass http://127.0.0.1:8080/;`) and one that passes the path as it came
//!   (`proxy_pass http://127.0.0.1:8080;`). Links never depend on which: they are always
//!   built from `public_url`.
//! - **The client.** Each request gets a `forwarded::Client` extension: the peer's address,
//!   or the client a trusted proxy names (`server.trusted_proxies`). The access log
//!   (`RUST_LOG=scrapefeed::access=debug`) shows it; routes read it with `client()`.
//!
//! Both settings are read from the app in force for each request, so a reload applies them.
//! Feed documents are rendered once for every reader, so their links come from `public_url`
//! alone, never from a request's `Host` or `X-Forwarded-Host`.

mod forwarded;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use warp::http::{uri::PathAndQuery, Method, Request, Response, Uri};
use warp::Filter;

pub use forwarded::Client;

use super::listen::PeerAddr;
use super::Live;

/// The log target of the access log.
const ACCESS: &str = "scrapefeed::access";

/// A service that strips `public_url`'s path prefix and marks who asked, in front of `inner`.
#[derive(Clone)]
pub struct BehindProxy<S> {
    live: Arc<Live>,
    inner: S,
}

impl<S> BehindProxy<S> {
    pub fn new(live: Arc<Live>, inner: S) -> BehindProxy<S> {
        BehindProxy { live, inner }
    }
}

impl<S, B, R> hyper::service::Service<Request<B>> for BehindProxy<S>
where
    S: hyper::service::Service<Request<B>, Response = Response<R>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Logged<S::Future>;

    fn call(&self, mut request: Request<B>) -> Self::Future {
        let app = self.live.app();
        let server = &app.config.server;
        if let Some(uri) = unprefixed(request.uri(), server.path_prefix()) {
            *request.uri_mut() = uri;
        }
        let peer = request.extensions().get::<PeerAddr>().map(|p| p.0);
        let client = forwarded::client(peer, request.headers(), &server.trusted_proxies);
        let line = tracing::enabled!(target: ACCESS, tracing::Level::DEBUG).then(|| AccessLine {
            client: client.clone(),
            method: request.method().clone(),
            path: request
                .uri()
                .path_and_query()
                .map_or_else(|| request.uri().path().to_string(), |p| p.to_string()),
        });
        request.extensions_mut().insert(client);
        Logged {
            inner: self.inner.call(request),
            line,
        }
    }
}

/// The request's URI without `prefix` (`"/feeds-app"`), or `None` when it does not start
/// with it (or there is none): `/feeds-app` and `/feeds-app/` are the index, `/feeds-app/x`
/// is `/x`, and `/feeds-appx` is left alone.
fn unprefixed(uri: &Uri, prefix: &str) -> Option<Uri> {
    if prefix.is_empty() {
        return None;
    }
    let rest = uri.path().strip_prefix(prefix)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let path = if rest.is_empty() { "/" } else { rest };
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

/// The `Client` of a request, for a route that needs to know who asked (a peer-less request,
/// as in `warp::test`, is a client with no address).
pub fn client() -> impl Filter<Extract = (Client,), Error = std::convert::Infallible> + Clone {
    warp::ext::optional::<Client>().map(Option::unwrap_or_default)
}

/// What the access log says of a request once it is answered.
struct AccessLine {
    client: Client,
    method: Method,
    path: String,
}

pin_project_lite::pin_project! {
    /// A request being answered; logs the access line, when the log wants it, with the status.
    pub struct Logged<F> {
        #[pin]
        inner: F,
        line: Option<AccessLine>,
    }
}

impl<F, R, E> Future for Logged<F>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answer = std::task::ready!(this.inner.poll(cx));
        if let (Some(line), Ok(response)) = (this.line.take(), &answer) {
            let or_dash = |v: Option<&str>| v.unwrap_or("-").to_string();
            let client = line
                .client
                .ip
                .map_or_else(|| "-".into(), |ip| ip.to_string());
            tracing::debug!(
                target: ACCESS,
                client = %client,
                scheme = %or_dash(line.client.scheme.as_deref()),
                host = %or_dash(line.client.host.as_deref()),
                method = %line.method,
                path = %line.path,
                status = response.status().as_u16(),
                "request"
            );
        }
        Poll::Ready(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripped(uri: &str, prefix: &str) -> Option<String> {
        unprefixed(&uri.parse().unwrap(), prefix).map(|u| u.to_string())
    }

    #[test]
    fn the_prefix_is_stripped_at_segment_boundaries_only() {
        let p = "/feeds-app";
        assert_eq!(
            stripped("/feeds-app/feeds/a.rss", p).as_deref(),
            Some("/feeds/a.rss")
        );
        assert_eq!(stripped("/feeds-app/", p).as_deref(), Some("/"));
        assert_eq!(stripped("/feeds-app", p).as_deref(), Some("/"));
        assert_eq!(
            stripped("/feeds-app/feeds/a.rss?limit=5", p).as_deref(),
            Some("/feeds/a.rss?limit=5")
        );
        assert_eq!(stripped("/feeds-appx/feeds/a.rss", p), None);
        assert_eq!(stripped("/feeds/a.rss", p), None);
        assert_eq!(stripped("/feeds/a.rss", ""), None);
        assert_eq!(
            stripped("/a/b/healthz", "/a/b").as_deref(),
            Some("/healthz")
        );
    }
}
