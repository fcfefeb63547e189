//! Shared helpers for the integration tests: the local TASS origin, configs pointing at it,
//! running the real binary (`run` for one-shot commands, `Serve` for the server), the routes
//! in-process on known entries (`routes::InProcess`), and reading feeds back as a reader would
//! (feed-rs).

#![allow(dead_code)]

pub mod cluster;
pub mod faulty;
pub mod hostile;
pub mod origin;
pub mod pg;
pub mod routes;
pub mod serve;
pub mod static_origin;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// Not every test crate that includes this module starts a server.
#[allow(unused_imports)]
pub use serve::Serve;

/// The repository's own `config.toml` with `https://tass.com` replaced by the local origin —
/// exactly what a user pointing scrapefeed at a copy of the site would do — and the
/// politeness delay shortened so tests run fast.
pub fn write_config(dir: &Path, origin_url: &str) -> PathBuf {
    write_config_with(dir, origin_url, |text| text)
}

/// Like `write_config`, with a further edit of the text.
pub fn write_config_with(
    dir: &Path,
    origin_url: &str,
    edit: impl FnOnce(String) -> String,
) -> PathBuf {
    let repo =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml")).unwrap();
    assert!(
        repo.contains("https://tass.com"),
        "config.toml declares tass.com"
    );
    let text = repo
        .replace("https://tass.com", origin_url)
        .replace("min_delay = \"500ms\"", "min_delay = \"5ms\"");
    let path = dir.join("config.toml");
    std::fs::write(&path, edit(text)).unwrap();
    path
}

/// Runs the binary with `--config` and the given arguments.
pub fn run(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scrapefeed"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "info")
        .env_remove("SCRAPEFEED_LOG_FORMAT")
        .env_remove("SCRAPEFEED_FEEDS_DIR")
        .output()
        .expect("binary runs")
}

/// Panics with the binary's output unless it succeeded.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Parses a feed with feed-rs, as a reader would.
pub fn parse_feed(bytes: &[u8]) -> feed_rs::model::Feed {
    feed_rs::parser::parse(bytes).unwrap_or_else(|e| {
        panic!(
            "feed-rs cannot read the feed: {e}\n{}",
            String::from_utf8_lossy(bytes)
        )
    })
}
