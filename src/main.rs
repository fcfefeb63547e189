//! The `scrapefeed` command: `serve`, `scrape`, `check`, `export`, `import`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use scrapefeed::app::App;
use scrapefeed::clock::{Clock, ShiftedClock, SystemClock};
use scrapefeed::config::Config;
use scrapefeed::metrics::ReloadResult;
use scrapefeed::{backup, check, reload, scheduler, server};

#[derive(Parser)]
#[command(
    name = "scrapefeed",
    version,
    about = "Turns website sections into RSS and Atom feeds"
)]
struct Cli {
    /// Configuration file.
    #[arg(long, global = true, default_value = "config.toml")]
    config: PathBuf,
    /// Pretend the current time is this RFC 3339 instant (the clock then runs on from it).
    /// For replaying scrapes and for tests of year inference.
    #[arg(
        long,
        global = true,
        value_name = "RFC3339",
        env = "SCRAPEFEED_NOW",
        hide_env_values = true
    )]
    now: Option<DateTime<Utc>>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the scheduler and the HTTP server until Ctrl-C or SIGTERM.
    Serve {
        /// Address to listen on (overrides `server.listen`).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Scrape now, store, write the feed files and exit; non-zero if any section failed.
    Scrape {
        /// Sections to scrape (`politics` or `tass/politics`); all when none are given.
        sections: Vec<String>,
    },
    /// Validate the config and preview what each section yields, storing nothing.
    Check {
        /// Print one JSON document instead of the readable report.
        #[arg(long)]
        json: bool,
        /// Sites or sections to preview (`tass`, `politics`, `tass/politics`); all when none.
        sections: Vec<String>,
    },
    /// Write every stored entry as JSON lines (a backup, or a move to another machine).
    Export {
        /// Output file; `-` for standard output.
        #[arg(long, short, default_value = "-")]
        output: PathBuf,
    },
    /// Store the entries of an export that the database lacks; existing ones are untouched.
    Import {
        /// File written by `export`; `-` for standard input.
        input: PathBuf,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::from_file(&cli.config)?;
    let clock: Arc<dyn Clock> = match cli.now {
        Some(start) => Arc::new(ShiftedClock::starting_at(start)),
        None => Arc::new(SystemClock),
    };
    match cli.command {
        Command::Serve { listen } => serve(&cli.config, config, clock, listen).await,
        Command::Scrape { sections } => scrape(config, clock, &sections).await,
        Command::Check { json, sections } => {
            if !json {
                println!("config {}: valid", cli.config.display());
            }
            let ok = check::run(&config, &sections, json, clock).await?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Export { output } => {
            let written = backup::export(&config.storage.database, &output)?;
            eprintln!(
                "exported {} entries and {} pruned URLs",
                written.entries, written.pruned
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { input } => {
            let done = backup::import(&config.storage.database, &input)?;
            eprintln!(
                "imported {} entries, {} already present and left untouched; {} pruned URLs remembered",
                done.inserted, done.existing, done.pruned
            );
            // The import marked the feeds it changed stale; writing them now makes the files
            // on disk serve the imported entries at once.
            let public_url = config.public_url();
            let app = App::open(config, clock, public_url, Default::default())?;
            app.export_stale().await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn scrape(
    config: Config,
    clock: Arc<dyn Clock>,
    only: &[String],
) -> anyhow::Result<ExitCode> {
    let mut chosen = Vec::new();
    for name in only {
        let (site, section) = config
            .find_section(name)
            .with_context(|| format!("no section named {name:?} in the config"))?;
        chosen.push((site.clone(), section.clone()));
    }
    if chosen.is_empty() {
        chosen = config
            .sections()
            .map(|(site, s)| (site.clone(), s.clone()))
            .collect();
    }
    let public_url = config.public_url();
    let concurrency = config.scheduler.concurrency;
    let app = App::open(config, clock, public_url, Default::default())?;
    let cancel = shutdown_token();
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut jobs = tokio::task::JoinSet::new();
    for (site, section) in chosen {
        let (app, cancel, permits) = (app.clone(), cancel.clone(), permits.clone());
        jobs.spawn(async move {
            let _permit = permits.acquire_owned().await;
            app.run_section(&site, &section, &cancel).await
        });
    }
    let mut failed = 0;
    while let Some(result) = jobs.join_next().await {
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                eprintln!("error: {}", scrapefeed::errors::chain(&e));
                failed += 1;
            }
            Err(e) => {
                eprintln!("error: scrape task failed: {e}");
                failed += 1;
            }
        }
    }
    // Merged feeds are written once, after every section, not once per section.
    if let Err(e) = app.export_stale().await {
        eprintln!("error: {}", scrapefeed::errors::chain(&e));
        failed += 1;
    }
    if failed > 0 {
        eprintln!("error: {failed} section(s) failed; see the log above");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// How often the server writes merged feeds whose sections changed (a request for one
/// renders it at once).
const EXPORT_PERIOD: std::time::Duration = std::time::Duration::from_secs(2);

async fn serve(
    config_path: &std::path::Path,
    config: Config,
    clock: Arc<dyn Clock>,
    listen: Option<SocketAddr>,
) -> anyhow::Result<ExitCode> {
    // Bound first: self links follow the address actually served (the real port when port 0
    // was asked for) unless a public URL is configured.
    let bound = server::listen::bind(listen.unwrap_or(config.server.listen))?;
    let addr = bound.local_addr();
    let public_url = |config: &Config| {
        config.server.public_url.clone().unwrap_or_else(|| {
            url::Url::parse(&format!("http://{addr}/")).expect("socket address forms a URL")
        })
    };
    let pages = Arc::new(server::Pages::load(&config.server.templates_dir)?);
    let metrics = Arc::new(scrapefeed::metrics::Metrics::default());
    let mut app = App::open(
        config.clone(),
        clock.clone(),
        public_url(&config),
        metrics.clone(),
    )?;
    let live = Arc::new(server::Live::new(app.clone(), pages));
    let cancel = shutdown_token();
    let workers = bound.serve(server::service(live.clone()), cancel.clone())?;
    tracing::info!(addr = %workers.local_addr(), workers = workers.count(), "serving feeds");
    let mut reloads = reload::Reloads::new(config_path);
    let mut start = scheduler::Start::Now;
    loop {
        let round = cancel.child_token();
        let running = tokio::spawn(scheduler::run(app.clone(), round.clone(), start));
        let exporting = tokio::spawn(app.clone().export_stale_every(EXPORT_PERIOD, round.clone()));
        // Wait for shutdown, or for a reload that yields a valid config.
        let next = loop {
            let why = tokio::select! {
                _ = cancel.cancelled() => break None,
                why = reloads.next() => why,
            };
            match load_for_reload(config_path) {
                Ok(loaded) => {
                    tracing::info!(reason = why, "reloading the config");
                    break Some(loaded);
                }
                Err(e) => {
                    tracing::error!(reason = why, error = %format!("{e:#}"),
                        "the new config is invalid; the running one stays");
                    metrics.reload(ReloadResult::Invalid);
                }
            }
        };
        // In-flight scrapes store their work before the old app goes.
        round.cancel();
        running.await.context("scheduler task failed")?;
        exporting.await.context("feed export task failed")?;
        let Some((config, pages)) = next else { break };
        if config.server.listen != app.config.server.listen && listen.is_none() {
            tracing::warn!("server.listen changed: it takes effect at the next restart");
        }
        match app.reopen(
            config.clone(),
            clock.clone(),
            public_url(&config),
            metrics.clone(),
        ) {
            Ok(new_app) => {
                live.replace(new_app.clone(), pages);
                app = new_app;
                metrics.reload(ReloadResult::Applied);
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "cannot apply the new config; the running one stays");
                metrics.reload(ReloadResult::Failed);
            }
        }
        start = scheduler::Start::Resume;
    }
    workers.stopped().await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Reads and validates the config and its templates for a reload.
fn load_for_reload(path: &std::path::Path) -> anyhow::Result<(Config, Arc<server::Pages>)> {
    let config = Config::from_file(path)?;
    let pages = Arc::new(server::Pages::load(&config.server.templates_dir)?);
    Ok((config, pages))
}

/// A token cancelled on Ctrl-C or SIGTERM.
fn shutdown_token() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing in-flight work");
        trigger.cancel();
    });
    token
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
