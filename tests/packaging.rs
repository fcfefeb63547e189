//! What an install relies on: the systemd unit in `dist/` verifies and stays hardened, the
//! shell completions and the man page come from the binary alone (no config), and an
//! installed binary needs nothing from the source tree (templates are built in; the unit's
//! `--feeds-dir` puts the feed files where the service may write).
//!
//! A tool a test needs (systemd-analyze, bash, groff) may be missing on a developer's
//! machine: the test then says so and passes; under CI (`CI` set) it fails, since `.ci/run`
//! installs them.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use support::origin::{Origin, SiteModel};
use support::{assert_success, write_config, Serve};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs `program args…`, or `None` when the program is not installed (a failure under CI).
fn tool(program: &str, args: &[&str], setup: impl FnOnce(&mut Command)) -> Option<Output> {
    let mut command = Command::new(program);
    command.args(args);
    setup(&mut command);
    match command.output() {
        Ok(output) => Some(output),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{program} is not installed; .ci/run installs it"
            );
            eprintln!("skipped: {program} is not installed");
            None
        }
        Err(e) => panic!("cannot run {program}: {e}"),
    }
}

/// The binary with `args`, from an empty working directory and without a config: what a
/// packager runs at build time.
fn scrapefeed(args: &[&str]) -> Output {
    let cwd = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_scrapefeed"))
        .args(args)
        .current_dir(cwd.path())
        .env_remove("SCRAPEFEED_CONFIG")
        .output()
        .expect("binary runs");
    assert_success(&output);
    output
}

/// The subcommands `--help` lists, so a new one is checked without editing this test.
fn subcommands() -> Vec<String> {
    let help = String::from_utf8(scrapefeed(&["--help"]).stdout).unwrap();
    let names: Vec<String> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    assert!(names.contains(&"serve".to_string()), "{help}");
    names
}

/// The unit with its `ExecStart` pointed at the binary under test (verify checks that the
/// executable exists), in `dir`.
fn unit_for_test(dir: &Path) -> PathBuf {
    let unit = std::fs::read_to_string(repo("dist/scrapefeed.service")).unwrap();
    assert!(
        unit.contains("ExecStart=/usr/local/bin/scrapefeed "),
        "{unit}"
    );
    let unit = unit.replace(
        "/usr/local/bin/scrapefeed",
        env!("CARGO_BIN_EXE_scrapefeed"),
    );
    let path = dir.join("scrapefeed.service");
    std::fs::write(&path, unit).unwrap();
    path
}

/// A man page directory holding the binary's page: the unit's `Documentation=man:…` is
/// checked against it.
fn man_path(dir: &Path) -> PathBuf {
    let man = dir.join("man");
    std::fs::create_dir_all(man.join("man1")).unwrap();
    std::fs::write(man.join("man1/scrapefeed.1"), scrapefeed(&["man"]).stdout).unwrap();
    man
}

#[test]
fn the_systemd_unit_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_for_test(dir.path());
    let man = man_path(dir.path());
    let Some(output) = tool("systemd-analyze", &["verify"], |c| {
        c.arg(&unit).env("MANPATH", &man);
    }) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}\n{stderr}", output.status);
    assert!(stderr.trim().is_empty(), "warnings:\n{stderr}");
}

#[test]
fn the_systemd_unit_stays_hardened() {
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_for_test(dir.path());
    let Some(output) = tool("systemd-analyze", &["security", "--offline=yes"], |c| {
        c.arg(&unit);
    }) else {
        return;
    };
    let report = String::from_utf8_lossy(&output.stdout);
    let exposure: f64 = report
        .lines()
        .find_map(|line| line.split_once("Overall exposure level for scrapefeed.service: "))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level:\n{report}"));
    // docs/install.md quotes 1.2; 10 is an unhardened service.
    assert!(exposure <= 1.5, "exposure {exposure}:\n{report}");
}

#[test]
fn the_unit_outlasts_the_grace_period_and_reloads_with_sighup() {
    let unit = std::fs::read_to_string(repo("dist/scrapefeed.service")).unwrap();
    let setting = |key: &str| {
        unit.lines()
            .find_map(|line| line.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in the unit"))
            .to_string()
    };
    let stop = humantime::parse_duration(&setting("TimeoutStopSec")).unwrap();
    let site = r#"
        [[site]]
        id = "a"
        base_url = "https://a.example"
        [site.listing]
        type = "html"
        items = "li"
        [site.listing.fields]
        link = { css = "a", attr = "href" }
        [[site.section]]
        id = "x"
        path = "/x"
    "#;
    let config = scrapefeed::config::Config::parse(site, Path::new(".")).unwrap();
    let grace = config.server.shutdown_grace;
    assert!(
        stop > grace + Duration::from_secs(1),
        "TimeoutStopSec {stop:?} leaves no margin after server.shutdown_grace {grace:?}"
    );
    assert_eq!(setting("ExecReload"), "/bin/kill -HUP $MAINPID");
    assert!(setting("ExecStart").contains("--feeds-dir %C/scrapefeed serve"));
}

#[test]
fn bash_completion_is_valid_and_names_every_subcommand() {
    let script = String::from_utf8(scrapefeed(&["completions", "bash"]).stdout).unwrap();
    for name in subcommands() {
        assert!(script.contains(&name), "{name} missing from the completion");
    }
    assert!(script.contains("--log-format"), "global flags complete too");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scrapefeed.bash");
    std::fs::write(&file, &script).unwrap();
    let Some(output) = tool("bash", &["-n"], |c| {
        c.arg(&file);
    }) else {
        return;
    };
    assert!(
        output.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_shell_gets_a_completion() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = scrapefeed(&["completions", shell]).stdout;
        let script = String::from_utf8(script).unwrap();
        assert!(script.contains("scrapefeed"), "{shell}: {script}");
        assert!(script.contains("suggest"), "{shell}: {script}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_scrapefeed"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid value 'tcsh'"));
}

#[test]
fn the_man_page_formats_and_names_every_subcommand() {
    let page = String::from_utf8(scrapefeed(&["man"]).stdout).unwrap();
    assert!(page.contains(".TH scrapefeed 1 "), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scrapefeed.1");
    std::fs::write(&file, &page).unwrap();
    // -k: UTF-8 input, as man reads it; -ww: every warning; -z: no output, only the check.
    let Some(output) = tool("groff", &["-k", "-man", "-Tutf8", "-ww", "-z"], |c| {
        c.arg(&file);
    }) else {
        return;
    };
    let warnings = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && warnings.is_empty(), "{warnings}");
    // -P-cbou: plain text, no bold or underline by overstriking.
    let Some(output) = tool("groff", &["-k", "-man", "-Tutf8", "-P-cbou"], |c| {
        c.arg(&file);
    }) else {
        return;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    // Each command has its page, with its own options.
    for name in subcommands() {
        assert!(
            page.contains(&format!(".TH scrapefeed-{name} 1 ")),
            "no page for {name}"
        );
    }
    for option in ["--log-format", "--section-id", "--listen", "--json"] {
        assert!(text.contains(option), "{option} missing:\n{text}");
    }
}

/// Run from a directory without the source tree's `templates/` (the config's directory has
/// none either): the pages come from the copies built into the binary.
#[tokio::test]
async fn an_installed_binary_serves_its_pages_from_any_directory() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let elsewhere = tempfile::tempdir().unwrap();
    let mut serve = Serve::options(&config)
        .current_dir(elsewhere.path())
        .start();
    let client = reqwest::Client::new();
    let page = serve
        .poll_get(
            &client,
            "/",
            "the index page never came",
            Duration::from_secs(30),
            |status, body| (status == 200).then(|| String::from_utf8_lossy(body).into_owned()),
        )
        .await;
    assert!(page.contains("Russian Politics &amp; Diplomacy"), "{page}");
    serve.stop();
}

#[test]
fn feeds_dir_on_the_command_line_replaces_the_configs() {
    let origin = Origin::start(SiteModel::tass());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &origin.base_url());
    let cache = tempfile::tempdir().unwrap();
    let feeds = cache.path().join("feeds");
    let output = support::run(
        &config,
        &["--feeds-dir", feeds.to_str().unwrap(), "scrape", "politics"],
    );
    assert_success(&output);
    assert!(feeds.join("politics.rss").is_file(), "{:?}", feeds);
    assert!(
        !dir.path().join("feeds/politics.rss").exists(),
        "the config's feeds_dir was written too"
    );
}
