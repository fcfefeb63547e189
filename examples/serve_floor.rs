//! The floor under scrapefeed's `304`: the same workers (one current_thread runtime per core,
//! SO_REUSEPORT, TCP_NODELAY) answering every request with a fixed `304` carrying the headers
//! scrapefeed's has, through `hyper` alone or through `warp::serve` with a one-filter route.
//! What these cost per request is what hyper/tokio (and warp) cost before any route work.
//!
//!   cargo run --release --example serve_floor -- hyper 127.0.0.1:41010
//!   cargo run --release --example serve_floor -- warp 127.0.0.1:41011

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use socket2::{Domain, Protocol, Socket, Type};
use warp::http::{header, HeaderValue, Response, StatusCode};
use warp::Filter;

fn answer() -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    let headers = response.headers_mut();
    headers.reserve(6);
    headers.insert(
        header::ETAG,
        HeaderValue::from_static("\"fbc5c75ddef07f0fafa5e348312526cd\""),
    );
    headers.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_static("Sun, 29 Nov 2026 05:40:32 GMT"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=450"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

fn listener(addr: SocketAddr) -> std::net::TcpListener {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).unwrap();
    socket.set_reuse_address(true).unwrap();
    socket.set_reuse_port(true).unwrap();
    socket.set_nonblocking(true).unwrap();
    socket.set_tcp_nodelay(true).unwrap();
    socket.bind(&addr.into()).unwrap();
    socket.listen(1024).unwrap();
    socket.into()
}

async fn hyper_worker(listener: tokio::net::TcpListener) {
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(|_request| async {
                Ok::<_, Infallible>(answer().map(http_body_util::Full::new))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().expect("hyper or warp");
    let addr: SocketAddr = args.next().expect("address").parse().unwrap();
    let workers: Vec<_> = (0..std::thread::available_parallelism().map_or(1, |n| n.get()))
        .map(|_| {
            let listener = listener(addr);
            let kind = kind.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    if kind == "hyper" {
                        hyper_worker(listener).await
                    } else {
                        warp::serve(warp::any().map(answer))
                            .incoming(listener)
                            .run()
                            .await
                    }
                })
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
}
