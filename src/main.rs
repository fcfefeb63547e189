//! The `scrapefeed` command: `serve`, `scrape`, `check`, `suggest`, `export`, `import`, and
//! `completions` and `man` for packaging.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{CommandFactory, Parser, Subcommand};

use scrapefeed::app::App;
use scrapefeed::clock::{Clock, ShiftedClock, SystemClock};
use scrapefeed::config::{self, Config};
use scrapefeed::logs::LogFormat;
use scrapefeed::metrics::ReloadResult;
use scrapefeed::shutdown::Shutdown;
use scrapefeed::{backup, check, reload, scheduler, server};

#[derive(Parser)]
#[command(
    name = "scrapefeed",
    version,
    about = "Turns website sections into RSS and Atom feeds"
)]
struct Cli {
    /// Configuration file. Without it: $SCRAPEFEED_CONFIG, ./config.toml,
    /// $XDG_CONFIG_HOME/scrapefeed/config.toml, /etc/scrapefeed/config.toml, the first found.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
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
    /// How the log on standard error is written: readable lines, or one JSON object per line.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "SCRAPEFEED_LOG_FORMAT",
        default_value_t = LogFormat::Text
    )]
    log_format: LogFormat,
    /// Directory of the feed files (overrides `storage.feeds_dir`); a relative path is
    /// relative to the current directory. The systemd unit sets it to its cache directory.
    #[arg(long, global = true, value_name = "DIR", env = "SCRAPEFEED_FEEDS_DIR")]
    feeds_dir: Option<PathBuf>,
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
        /// Articles previewed per section (the first N listed).
        #[arg(long, default_value_t = check::SAMPLE_ARTICLES, conflicts_with = "all")]
        limit: usize,
        /// Preview every listed article of each section (a whole listing's dates at once).
        #[arg(long)]
        all: bool,
        /// Sites or sections to preview (`tass`, `politics`, `tass/politics`); all when none.
        sections: Vec<String>,
    },
    /// Propose a site declaration from a section page's URL alone, and preview it.
    Suggest {
        /// The section page (`https://example.com/world`).
        url: String,
        /// The section's id in the declaration (default: the URL's last path segment).
        #[arg(long)]
        section_id: Option<String>,
        /// Declare candidate list N instead of the best (the report numbers them).
        #[arg(long, default_value_t = 1)]
        choose: usize,
        /// Write the declaration to this new file (never overwrites).
        #[arg(long)]
        write: Option<PathBuf>,
        /// Print one JSON document instead of the readable report.
        #[arg(long)]
        json: bool,
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
    /// Print a completion script for SHELL (`scrapefeed completions bash > …`); needs no config.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page as roff (`scrapefeed man | man -l -`); needs no config.
    Man,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    scrapefeed::logs::init(cli.log_format);
    if let Some(printed) = packaging(&cli.command) {
        return match printed {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write to standard output: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let format = cli.log_format;
    let result = runtime.block_on(run(cli));
    // Whatever still runs was abandoned on purpose (a stop's grace period ran out, with a
    // scrape or a request stuck): exit now rather than wait for it.
    runtime.shutdown_background();
    match result {
        Ok(code) => code,
        Err(e) => {
            match format {
                // A collector reading one object per line gets the reason too.
                LogFormat::Json => tracing::error!(error = %format!("{e:#}"), "exiting"),
                LogFormat::Text => eprintln!("error: {e:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

/// Prints what `completions` and `man` ask for; `None` for the other commands.
///
/// The text is built in memory and written once, so a closed pipe (`| head`) is an error
/// reported like any other instead of a panic inside the generator.
fn packaging(command: &Command) -> Option<std::io::Result<()>> {
    let mut text = Vec::new();
    match command {
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "scrapefeed", &mut text);
        }
        Command::Man => {
            // The main page lists the commands as `scrapefeed-serve(1)` and so on: their
            // pages follow it in the same document, so one file holds every option.
            let main = Cli::command();
            let pages = std::iter::once(main.clone()).chain(main.get_subcommands().map(|sub| {
                sub.clone()
                    .name(format!("scrapefeed-{}", sub.get_name()))
                    .version(env!("CARGO_PKG_VERSION"))
            }));
            for page in pages {
                if let Err(e) = clap_mangen::Man::new(page).render(&mut text) {
                    return Some(Err(e));
                }
            }
        }
        _ => return None,
    }
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(&text).and_then(|()| out.flush()) {
        // The reader had enough (`| head`): as for any filter, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Some(Ok(())),
        written => Some(written),
    }
}

/// Settings given on the command line (or its environment variables) that replace the
/// config's, at start and at every reload.
struct Overrides {
    feeds_dir: Option<PathBuf>,
}

impl Overrides {
    fn apply(&self, mut config: Config) -> Config {
        if let Some(dir) = &self.feeds_dir {
            config.storage.feeds_dir = Some(dir.clone());
        }
        config
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        feeds_dir: cli.feeds_dir.clone(),
    };
    let clock: Arc<dyn Clock> = match cli.now {
        Some(start) => Arc::new(ShiftedClock::starting_at(start)),
        None => Arc::new(SystemClock),
    };
    if let Command::Suggest {
        url,
        section_id,
        choose,
        write,
        json,
    } = &cli.command
    {
        // Needs no config: the page is all it reads.
        let options = scrapefeed::suggest::Options {
            url: url.clone(),
            section_id: section_id.clone(),
            choose: *choose,
            write: write.clone(),
            json: *json,
        };
        let ok = scrapefeed::suggest::run(&options, clock).await?;
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let config_path = config::locate(cli.config.as_deref(), &config::process_env)?;
    let mut config = overrides.apply(Config::from_file(&config_path)?);
    if !matches!(cli.command, Command::Check { .. }) {
        // Before the database is opened: it may be moved out of `feeds/`.
        config::settle(&mut config.storage)?;
    }
    match cli.command {
        Command::Suggest { .. } | Command::Completions { .. } | Command::Man => {
            anyhow::bail!("this command is answered before the config is read")
        }
        Command::Serve { listen } => serve(&config_path, &overrides, config, clock, listen).await,
        Command::Scrape { sections } => scrape(config, clock, &sections).await,
        Command::Check {
            json,
            limit,
            all,
            sections,
        } => {
            let sample = if all {
                check::Sample::All
            } else {
                check::Sample::First(limit)
            };
            if !json {
                println!("config {}: valid", config_path.display());
            }
            let ok = check::run(&config, &sections, sample, json, clock).await?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Export { output } => {
            let written = backup::export(&config.storage, &output)?;
            eprintln!(
                "exported {} entries and {} pruned URLs",
                written.entries, written.pruned
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { input } => {
            let done = backup::import(&config.storage, &input)?;
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
    let grace = config.server.shutdown_grace;
    let app = App::open(config, clock, public_url, Default::default())?;
    let shutdown = Shutdown::install()?;
    let cancel = shutdown.token();
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
    loop {
        let result = tokio::select! {
            result = jobs.join_next() => match result {
                Some(result) => result,
                None => break,
            },
            () = shutdown.grace_over(grace) => {
                eprintln!(
                    "error: {} section(s) still running at the end of server.shutdown_grace; abandoned",
                    jobs.len()
                );
                return Ok(ExitCode::FAILURE);
            }
        };
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
    let exported = tokio::select! {
        exported = app.export_stale() => exported,
        () = shutdown.grace_over(grace) => {
            eprintln!("error: the merged feeds were not written by the end of server.shutdown_grace");
            return Ok(ExitCode::FAILURE);
        }
    };
    if let Err(e) = exported {
        eprintln!("error: {}", scrapefeed::errors::chain(&e));
        failed += 1;
    }
    // A one-shot run on a shared database took the hosts' cluster-wide turns as a member;
    // it leaves now rather than show as a dead instance until it is forgotten.
    if let Some(cluster) = app.cluster() {
        if let Err(error) = cluster.leave() {
            tracing::warn!(%error, "cannot leave the cluster; this run's record expires by itself");
        }
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
    overrides: &Overrides,
    config: Config,
    clock: Arc<dyn Clock>,
    listen: Option<SocketAddr>,
) -> anyhow::Result<ExitCode> {
    // Each connection is a file descriptor: raised before anything is opened.
    let open_files = server::listen::raise_open_files_limit();
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
    // Installed first: a stop signal ends the wait for a PostgreSQL server that is down.
    let shutdown = Shutdown::install()?;
    let cancel = shutdown.token();
    let mut app = App::open_until(
        config.clone(),
        clock.clone(),
        public_url(&config),
        metrics.clone(),
        &cancel,
    )?;
    let live = Arc::new(server::Live::new(app.clone(), pages));
    // On PostgreSQL: what other instances change is dropped from this one's caches at once.
    let _listener = match app.postgres() {
        Some(pg) => {
            let current = live.clone();
            Some(
                scrapefeed::app::follow_feed_changes(
                    pg.target().clone(),
                    pg.tag().to_string(),
                    move || current.app(),
                )
                .context("cannot start listening for feed changes")?,
            )
        }
        None => None,
    };
    if app.cluster().is_some() && config.server.public_url.is_none() {
        tracing::warn!(
            "several instances share this database, and server.public_url is not set: each \
             instance's feeds name its own address, so instances serve different bytes and \
             ETags; set server.public_url to the address readers use (the load balancer's)"
        );
    }
    // Like `listen`, these apply until the next restart.
    let rules = server::listen::Rules::new(&config.server, open_files);
    let grace = rules.grace;
    let workers = bound.serve(server::service(live.clone()), cancel.clone(), rules)?;
    tracing::info!(addr = %workers.local_addr(), workers = workers.count(),
        max_connections = rules.max_connections, "serving feeds");
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
            match load_for_reload(config_path, overrides) {
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
        // In-flight scrapes store their work before the old app goes; after a stop signal
        // they get what is left of the grace period.
        round.cancel();
        let finished = async {
            running.await.context("scheduler task failed")?;
            exporting.await.context("feed export task failed")
        };
        tokio::select! {
            finished = finished => finished?,
            () = shutdown.grace_over(grace) => {
                tracing::warn!(?grace, "scrapes still running at the end of server.shutdown_grace: abandoned");
                break;
            }
        }
        let Some((config, pages)) = next else { break };
        let changes = reload::Changes::between(&app.config, &config);
        for key in
            reload::restart_only_changes(&app.config.server, &config.server, listen.is_some())
        {
            tracing::warn!("server.{key} changed: it takes effect at the next restart");
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
                tracing::info!("reload: {changes}");
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "cannot apply the new config; the running one stays");
                metrics.reload(ReloadResult::Failed);
            }
        }
        start = scheduler::Start::Resume;
    }
    // The other instances take this one's sections at once, not at their leases' expiry.
    if let Some(cluster) = app.cluster() {
        if let Err(error) = cluster.leave() {
            tracing::warn!(%error, "cannot leave the cluster; its leases expire by themselves");
        }
    }
    // The workers keep to the grace period themselves; this only bounds a worker that
    // does not.
    tokio::select! {
        stopped = workers.stopped() => stopped?,
        () = async {
            shutdown.grace_over(grace).await;
            tokio::time::sleep(WORKERS_MARGIN).await;
        } => tracing::warn!("HTTP workers still running after server.shutdown_grace: abandoned"),
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// How long after the grace period the HTTP workers may take to drop their last connections.
const WORKERS_MARGIN: std::time::Duration = std::time::Duration::from_millis(500);

/// Reads and validates the config and its templates for a reload.
fn load_for_reload(
    path: &std::path::Path,
    overrides: &Overrides,
) -> anyhow::Result<(Config, Arc<server::Pages>)> {
    let mut config = overrides.apply(Config::from_file(path)?);
    // The running process has the database open: never moved now, only followed.
    config.storage.follow_unmoved();
    let pages = Arc::new(server::Pages::load(&config.server.templates_dir)?);
    Ok((config, pages))
}
