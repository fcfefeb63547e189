//! The log as the real binary writes it: one JSON object per line with `--log-format json`
//! (or `SCRAPEFEED_LOG_FORMAT=json`), no colour unless standard error is a terminal and
//! `NO_COLOR` is unset, and a clear error for a format it does not know.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::origin::{Origin, SiteModel};
use support::{assert_success, write_config};

/// `scrapefeed --config CONFIG ARGS… scrape politics` with `envs`, its log at `info`.
fn scrape(config: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scrapefeed"))
        .arg("--config")
        .arg(config)
        .args(args)
        .args(["scrape", "politics"])
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .env_remove("SCRAPEFEED_LOG_FORMAT")
        .envs(envs.iter().copied())
        .output()
        .expect("binary runs")
}

/// Every line of `log` as a JSON object; panics on a line that is not one.
fn json_lines(log: &str) -> Vec<serde_json::Value> {
    log.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}\n{log}"));
            assert!(value.is_object(), "not an object: {line}");
            value
        })
        .collect()
}

#[test]
fn json_logs_are_one_object_per_line() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    for (args, envs) in [
        (&["--log-format", "json"][..], &[][..]),
        (&[][..], &[("SCRAPEFEED_LOG_FORMAT", "json")][..]),
    ] {
        let output = scrape(&config, args, envs);
        assert_success(&output);
        let log = String::from_utf8(output.stderr).unwrap();
        let events = json_lines(&log);
        assert!(!events.is_empty(), "a scrape logs something at info");
        for event in &events {
            assert!(event["timestamp"].is_string(), "{event}");
            assert!(event["level"].is_string(), "{event}");
            assert!(event["message"].is_string(), "{event}");
        }
    }
}

#[test]
fn text_logs_have_no_colour_when_stderr_is_not_a_terminal() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let output = scrape(&config, &[], &[]);
    assert_success(&output);
    let log = String::from_utf8(output.stderr).unwrap();
    assert!(log.contains(" INFO "), "{log}");
    assert!(!log.contains('\x1b'), "ANSI escapes in a piped log:\n{log}");
}

/// `script` (util-linux) runs a command on a pseudo-terminal: the only way to see what the
/// binary does for a terminal.
fn on_a_terminal(command: &str, no_color: Option<&str>) -> Option<String> {
    let script = Command::new("script")
        .args(["--quiet", "--return", "--command", command, "/dev/null"])
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .envs(no_color.map(|v| ("NO_COLOR", v)))
        .output();
    match script {
        Ok(output) if output.status.success() => {
            Some(String::from_utf8_lossy(&output.stdout).into())
        }
        Ok(output) => panic!(
            "script failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(_) if std::env::var_os("CI").is_some() => panic!("CI needs util-linux's script"),
        Err(_) => {
            eprintln!("skipped: no `script` command to give the binary a terminal");
            None
        }
    }
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let command = format!(
        "{} --config {} scrape politics",
        env!("CARGO_BIN_EXE_scrapefeed"),
        config.display()
    );
    let Some(coloured) = on_a_terminal(&command, None) else {
        return;
    };
    assert!(
        coloured.contains("\x1b["),
        "no colour on a terminal:\n{coloured}"
    );
    let plain = on_a_terminal(&command, Some("1")).unwrap();
    assert!(plain.contains("INFO"), "{plain}");
    assert!(!plain.contains('\x1b'), "colour despite NO_COLOR:\n{plain}");
}

#[test]
fn an_unknown_log_format_is_a_clear_error() {
    for (args, envs) in [
        (&["--log-format", "xml"][..], &[][..]),
        (&[][..], &[("SCRAPEFEED_LOG_FORMAT", "xml")][..]),
    ] {
        // Refused before the config is read: none is needed to see the error.
        let output = scrape(Path::new("/nonexistent/config.toml"), args, envs);
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("invalid value 'xml' for '--log-format <LOG_FORMAT>'"),
            "{stderr}"
        );
        assert!(stderr.contains("[possible values: text, json]"), "{stderr}");
    }
}

#[test]
fn a_failed_command_says_why_in_json_too() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let output = scrape(&missing, &["--log-format", "json"], &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let log = String::from_utf8(output.stderr).unwrap();
    let events = json_lines(&log);
    let last = events.last().expect("the failure is logged");
    assert_eq!(last["level"], "ERROR", "{log}");
    assert!(
        last["error"].as_str().unwrap().contains("missing.toml"),
        "the error names the file: {log}"
    );
}
