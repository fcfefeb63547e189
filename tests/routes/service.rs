//! What the HTTP workers' service (`server::service`) adds to the routes, seen over an
//! in-memory connection: the fast path for plain feed requests (`server/hot.rs`), which must
//! answer as the warp route does, and hyper's handling of `HEAD`.

use super::routes;

/// `HEAD` as a client on a connection sees it: hyper drops the body and keeps the length.
#[tokio::test]
async fn head_has_the_get_headers_and_no_body() {
    let routes = routes().await;
    for path in [
        "/feeds/all.rss",
        "/feeds/world.json",
        "/feeds/all.rss?limit=1",
        "/feeds/news.html",
        "/",
        "/opml",
        "/healthz",
    ] {
        let get = routes.serve("GET", path, &[]).await;
        let head = routes.serve("HEAD", path, &[]).await;
        assert_eq!(head.status, 200, "HEAD {path}");
        assert!(head.body.is_empty(), "HEAD {path}");
        assert_eq!(
            head.header("content-length"),
            get.body.len().to_string(),
            "HEAD {path}"
        );
        for name in ["content-type", "etag", "last-modified", "cache-control"] {
            assert_eq!(
                head.headers.get(name),
                get.headers.get(name),
                "HEAD {path}: {name}"
            );
        }
    }
}

/// A request: method, path, headers.
type Request<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

/// The fast path of `server/hot.rs` takes plain feed requests past the warp routes; what
/// it answers must not differ from what they answer. Queries and other paths go through the
/// routes on both sides.
#[tokio::test]
async fn the_service_answers_feed_requests_as_the_warp_routes_do() {
    let routes = routes().await;
    let etag = routes
        .get("/feeds/world.rss")
        .await
        .header("etag")
        .to_string();
    let gzip_etag = routes
        .request("GET", "/feeds/world.rss", &[("accept-encoding", "gzip")])
        .await
        .header("etag")
        .to_string();
    let requests: Vec<Request> = vec![
        ("GET", "/feeds/world.rss", vec![]),
        (
            "GET",
            "/feeds/world.atom",
            vec![("accept-encoding", "gzip")],
        ),
        ("GET", "/feeds/all.json", vec![("accept-encoding", "br")]),
        ("GET", "/feeds/world.rss", vec![("if-none-match", &etag)]),
        (
            "GET",
            "/feeds/world.rss",
            vec![("accept-encoding", "gzip"), ("if-none-match", &gzip_etag)],
        ),
        (
            "GET",
            "/feeds/world.rss",
            vec![("if-none-match", "W/\"other\"")],
        ),
        (
            "GET",
            "/feeds/world.rss",
            vec![("if-modified-since", "Fri, 12 Jun 2026 05:30:00 GMT")],
        ),
        (
            "GET",
            "/feeds/world.rss",
            vec![("accept-encoding", "identity;q=0")],
        ),
        ("GET", "/feeds/world.html", vec![]),
        ("GET", "/feeds/nonexistent.rss", vec![]),
        ("GET", "/feeds/world.xml", vec![]),
        ("POST", "/feeds/world.rss", vec![]),
        ("DELETE", "/feeds/news.html", vec![]),
        ("GET", "/feeds/world.rss?limit=1", vec![]),
        ("GET", "/feeds/all.rss?limit=0", vec![]),
        ("GET", "/", vec![]),
    ];
    for (method, path, headers) in &requests {
        let routed = routes.request(method, path, headers).await;
        let mut served = routes.serve(method, path, headers).await;
        // What hyper adds on the wire: the date, and the length of any answer but a `304`.
        let length = (routed.status != 304).then(|| routed.body.len().into());
        assert_eq!(
            served.headers.remove("content-length"),
            length,
            "{method} {path} {headers:?}"
        );
        served.headers.remove("date");
        assert_eq!(served.status, routed.status, "{method} {path} {headers:?}");
        assert_eq!(
            served.headers, routed.headers,
            "{method} {path} {headers:?}"
        );
        assert!(served.body == routed.body, "{method} {path} {headers:?}");
    }
}
