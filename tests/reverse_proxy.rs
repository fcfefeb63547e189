//! The nginx recipe of docs/reverse-proxy.md, for real: nginx (not a daemon, a temporary
//! config, a free port) in front of the real binary hosted at `/feeds-app/`, once stripping
//! the prefix (`proxy_pass http://…/;`) and once passing it on (`proxy_pass http://…;`).
//! Through it: a feed whose links carry the public URL, the index page, a `304`, the app's
//! own gzip; and the client address the server logs, believed only from the trusted proxy.
//!
//! nginx connects to the app from `127.0.0.2` (`proxy_bind`), the only trusted proxy; the
//! test's client connects from `127.0.0.3`, so "the forwarded address was used" and "it was
//! ignored" give different addresses. The test fails when nginx is missing and `CI` is set
//! (`.ci/run` installs it); elsewhere it says so and passes.

mod support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::origin::{Origin, SiteModel};
use support::{parse_feed, write_config_with, Serve};

const NGINX: &str = "/usr/sbin/nginx";
/// Where nginx connects to the app from: the trusted proxy.
const PROXY_SIDE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// Where the test's client connects from.
const CLIENT: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

/// nginx, stopped on drop.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The nginx binary, or `None` (with a note) where it is missing outside CI.
fn nginx() -> Option<&'static str> {
    if Path::new(NGINX).exists() {
        return Some(NGINX);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{NGINX} is missing: `apt-get install -y --no-install-recommends nginx` (.ci/run does)"
    );
    eprintln!("skipped: {NGINX} is missing (apt-get install nginx)");
    None
}

/// Two ports free right now. nginx cannot report the port it got for `:0`, so ports are
/// picked and handed to it; the kernel does not give them out again at once.
fn free_ports() -> (u16, u16) {
    let bind = || TcpListener::bind("127.0.0.1:0").unwrap();
    let (a, b) = (bind(), bind());
    let port = |l: &TcpListener| l.local_addr().unwrap().port();
    (port(&a), port(&b))
}

/// The recipe's `location` for `/feeds-app/` in front of `app`, with `pass` the
/// `proxy_pass` target.
fn location(pass: &str) -> String {
    format!(
        r#"
        location /feeds-app/ {{
            proxy_pass {pass};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_bind {PROXY_SIDE};
        }}"#
    )
}

/// Starts nginx with `strip` and `keep` servers (ports) in front of `app`.
fn start_nginx(dir: &Path, app: SocketAddr, strip: u16, keep: u16) -> Nginx {
    let strip_location = location(&format!("http://{app}/"));
    let keep_location = location(&format!("http://{app}"));
    let conf = format!(
        r#"
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    gzip off;
    server {{
        listen 127.0.0.1:{strip};
        {strip_location}
    }}
    server {{
        listen 127.0.0.1:{keep};
        {keep_location}
    }}
}}
"#,
        dir = dir.display()
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let child = Command::new(NGINX)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&path)
        .arg("-e")
        .arg("stderr")
        .stdin(Stdio::null())
        .spawn()
        .expect("nginx starts");
    let mut nginx = Nginx(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    for port in [strip, keep] {
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = nginx.0.try_wait().unwrap() {
                panic!("nginx exited: {status} (its errors are above)");
            }
            assert!(Instant::now() < deadline, "nginx did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    nginx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_in_front_at_a_sub_path() {
    let Some(_) = nginx() else { return };
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let (strip, keep) = free_ports();
    let public = format!("http://127.0.0.1:{strip}/feeds-app/");
    let config = write_config_with(dir.path(), &origin.base_url(), |text| {
        let listen = "listen = \"127.0.0.1:8080\"\n";
        let keys = format!("public_url = \"{public}\"\ntrusted_proxies = [\"{PROXY_SIDE}\"]\n");
        text.replacen(listen, &format!("{listen}{keys}"), 1)
    });
    let mut serve = Serve::options(&config)
        .env("RUST_LOG", "info,scrapefeed::access=debug")
        .start();
    serve.scraped().await;
    let nginx_dir = dir.path().join("nginx");
    std::fs::create_dir(&nginx_dir).unwrap();
    let _nginx = start_nginx(&nginx_dir, serve.addr(), strip, keep);

    let client = reqwest::Client::builder()
        .local_address(IpAddr::V4(CLIENT))
        .no_gzip()
        .build()
        .unwrap();
    let section = "politics";
    for port in [strip, keep] {
        let base = format!("http://127.0.0.1:{port}/feeds-app/");
        // A feed, its self link under the public URL.
        let feed = client
            .get(format!("{base}feeds/{section}.atom"))
            .send()
            .await
            .unwrap();
        assert_eq!(feed.status(), 200, "{base}");
        let etag = feed.headers()["etag"].to_str().unwrap().to_string();
        let body = feed.bytes().await.unwrap();
        let parsed = parse_feed(&body);
        assert!(
            parsed.links.iter().any(|l| l.rel.as_deref() == Some("self")
                && l.href == format!("{public}feeds/{section}.atom")),
            "{:?}",
            parsed.links
        );
        // The ETag passes through, and so does the 304.
        let again = client
            .get(format!("{base}feeds/{section}.atom"))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{base}");
        // The app compresses; nginx passes its gzip on.
        let gzipped = client
            .get(format!("{base}feeds/{section}.rss"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(gzipped.headers()["content-encoding"], "gzip");
        // The index, its links under the public URL.
        let index = client.get(&base).send().await.unwrap();
        assert_eq!(index.status(), 200);
        // minijinja escapes `/` in attributes as `&#x2f;`.
        let index = index.text().await.unwrap().replace("&#x2f;", "/");
        assert!(
            index.contains(&format!("{public}feeds/{section}.rss")),
            "{index}"
        );
    }

    // Through the trusted proxy the client is the test's address; straight to the app a
    // forged X-Forwarded-For is ignored.
    let through = format!("http://127.0.0.1:{strip}/feeds-app/healthz?via=proxy");
    client
        .get(through)
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    client
        .get(serve.url("/healthz?via=direct"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    let access = |via: &str| {
        serve.wait_for_log(
            |line| line.contains("scrapefeed::access") && line.contains(via),
            Duration::from_secs(10),
        )
    };
    let proxied = access("via=proxy");
    assert!(proxied.contains(&format!("client={CLIENT}")), "{proxied}");
    assert!(proxied.contains("scheme=http host=127.0.0.1 "), "{proxied}");
    let direct = access("via=direct");
    assert!(direct.contains(&format!("client={CLIENT}")), "{direct}");
    assert!(!direct.contains("203.0.113.9"), "{direct}");
    assert!(!proxied.contains("203.0.113.9"), "{proxied}");
}
