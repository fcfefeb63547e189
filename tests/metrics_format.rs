//! `/metrics` of the real server, read by Prometheus's own checker: the Prometheus text
//! format (no `Accept`) must pass `promtool check metrics` with no lint problem, and the
//! OpenMetrics answer must be well formed (promtool reads only the 0.0.4 format on stdin, so
//! it gets a structural check here). Both carry the build, every section's last success and
//! the process's metrics.
//!
//! Fails when promtool is missing and `CI` is set (`.ci/run` installs Debian's
//! `prometheus`, which ships it); elsewhere it says so and checks the rest.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use support::origin::{Origin, SiteModel};
use support::{write_config, Serve};

const PROMTOOL: &str = "/usr/bin/promtool";

/// `promtool check metrics` on `text`: its exit status and what it said.
fn promtool_check(text: &str) -> Option<(bool, String)> {
    if !Path::new(PROMTOOL).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{PROMTOOL} is missing: `apt-get install -y --no-install-recommends prometheus` (.ci/run does)"
        );
        eprintln!("promtool check skipped: {PROMTOOL} is missing (apt-get install prometheus)");
        return None;
    }
    let mut child = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), said))
}

/// The names every exposition must hold a sample of.
const SAMPLES: [&str; 9] = [
    "scrapefeed_build_info{",
    "scrapefeed_section_last_success_timestamp_seconds{site=\"tass\",section=\"politics\"}",
    "scrapefeed_scrapes_total{",
    "process_cpu_seconds_total ",
    "process_resident_memory_bytes ",
    "process_virtual_memory_bytes ",
    "process_open_fds ",
    "process_max_fds ",
    "process_start_time_seconds ",
];

/// OpenMetrics, structurally: every line a `# HELP`/`# TYPE`/`# UNIT` descriptor or a
/// sample of the family last declared, one `# EOF` at the very end.
fn assert_openmetrics(text: &str) {
    let body = text
        .strip_suffix("# EOF\n")
        .unwrap_or_else(|| panic!("no # EOF at the end:\n{text}"));
    assert!(!body.contains("# EOF"), "{text}");
    let mut family = String::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut words = rest.split(' ');
            family = words.next().unwrap().to_string();
            let kind = words.next().unwrap();
            assert!(
                ["counter", "gauge", "histogram", "info", "unknown"].contains(&kind),
                "{line}"
            );
            assert!(
                !family.ends_with("_total"),
                "OpenMetrics names the family: {line}"
            );
        } else if !line.starts_with("# HELP ") && !line.starts_with("# UNIT ") {
            assert!(
                line.starts_with(&family),
                "{line} outside its family {family}"
            );
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_pass_promtool_and_openmetrics_is_well_formed() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let mut serve = Serve::start(&write_config(dir.path(), &origin.base_url()));
    serve.scraped().await;
    let client = reqwest::Client::new();

    let plain = client.get(serve.url("/metrics")).send().await.unwrap();
    assert_eq!(
        plain.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let plain = plain.text().await.unwrap();
    for sample in SAMPLES {
        assert!(plain.contains(sample), "{sample} in\n{plain}");
    }
    assert!(
        !plain.contains("# EOF") && !plain.contains("# UNIT"),
        "{plain}"
    );
    if let Some((ok, said)) = promtool_check(&plain) {
        assert!(ok, "promtool check metrics failed:\n{said}\n{plain}");
        assert!(said.trim().is_empty(), "promtool lint:\n{said}\n{plain}");
    }

    let openmetrics = client
        .get(serve.url("/metrics"))
        .header("accept", "application/openmetrics-text; version=1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(
        openmetrics.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let openmetrics = openmetrics.text().await.unwrap();
    for sample in SAMPLES {
        assert!(openmetrics.contains(sample), "{sample} in\n{openmetrics}");
    }
    assert_openmetrics(&openmetrics);
}
