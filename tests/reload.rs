//! `serve` picks up a changed config without a restart — on SIGHUP or when the file
//! changes — and keeps running the old one when the new one is invalid.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::origin::{Origin, SiteModel};
use support::{free_port, write_config};

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for(client: &reqwest::Client, url: &str, what: &str, serve: &mut Serve) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(serve.0.try_wait().unwrap().is_none(), "serve exited");
        if let Ok(r) = client.get(url).send().await {
            let body = r.text().await.unwrap_or_default();
            if body.contains(what) {
                return body;
            }
        }
        assert!(Instant::now() < deadline, "{url} never showed {what:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_changes_apply_without_a_restart() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let original = std::fs::read_to_string(&config).unwrap();
    let port = free_port();
    let mut serve = Serve(
        Command::new(env!("CARGO_BIN_EXE_scrapefeed"))
            .args([
                "--config",
                config.to_str().unwrap(),
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let index = format!("http://127.0.0.1:{port}/");
    wait_for(
        &client,
        &index,
        "Russian Politics &amp; Diplomacy",
        &mut serve,
    )
    .await;

    // An invalid config is refused; the running one keeps serving.
    std::fs::write(
        &config,
        original.replace(
            "timezone = \"Europe/Moscow\"",
            "timezone = \"Mars/Olympus\"",
        ),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await; // two polls of the file
    let feed = client
        .get(format!("http://127.0.0.1:{port}/feeds/politics.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    assert!(serve.0.try_wait().unwrap().is_none());

    // A valid change of the file is applied: a renamed section.
    std::fs::write(
        &config,
        original.replace("Russian Politics & Diplomacy", "Politics (renamed)"),
    )
    .unwrap();
    wait_for(&client, &index, "Politics (renamed)", &mut serve).await;

    // SIGHUP re-reads it too, even without a change of modification time.
    std::fs::write(
        &config,
        original.replace("title = \"Sport\"", "title = \"Sport (after HUP)\""),
    )
    .unwrap();
    // SAFETY: signals our own child process.
    assert_eq!(
        unsafe { libc::kill(serve.0.id() as libc::pid_t, libc::SIGHUP) },
        0
    );
    let page = wait_for(&client, &index, "Sport (after HUP)", &mut serve).await;
    assert!(
        page.contains("Russian Politics &amp; Diplomacy"),
        "the earlier rename was undone by the new file"
    );
    let rss = wait_for(
        &client,
        &format!("http://127.0.0.1:{port}/feeds/sports.rss"),
        "Sport (after HUP)",
        &mut serve,
    )
    .await;
    assert!(rss.contains("<item>"), "entries still served after reloads");
}
