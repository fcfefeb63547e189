//! The process's stop signals: SIGTERM and SIGINT (Ctrl-C) start a graceful shutdown, a
//! second one exits at once. Kept out of `main.rs` so the binary stays a short list of
//! commands; nothing here knows the rest of the crate.

use std::sync::Arc;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

/// The process's answer to SIGTERM and SIGINT (Ctrl-C): the first cancels `token` and
/// starts the grace period; a second exits at once, whatever is running.
pub struct Shutdown {
    token: CancellationToken,
    /// When the first signal came; set before `token` is cancelled.
    began: Arc<std::sync::OnceLock<tokio::time::Instant>>,
}

impl Shutdown {
    /// Listens for the signals from now on.
    pub fn install() -> anyhow::Result<Shutdown> {
        let mut signals = Signals::new().context("cannot listen for SIGTERM and SIGINT")?;
        let token = CancellationToken::new();
        let began = Arc::new(std::sync::OnceLock::new());
        let (trigger, start) = (token.clone(), began.clone());
        tokio::spawn(async move {
            let first = signals.next().await;
            tracing::info!(
                signal = first.name,
                "shutting down: finishing in-flight work \
                (a second signal exits at once)"
            );
            start.get_or_init(tokio::time::Instant::now);
            trigger.cancel();
            let second = signals.next().await;
            tracing::warn!(signal = second.name, "second signal: exiting at once");
            std::process::exit(128 + second.number);
        });
        Ok(Shutdown { token, began })
    }

    /// Cancelled at the first signal.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Resolves `grace` after the first signal.
    pub async fn grace_over(&self, grace: std::time::Duration) {
        self.token.cancelled().await;
        let began = *self.began.get_or_init(tokio::time::Instant::now);
        tokio::time::sleep_until(began + grace).await;
    }
}

/// A stop signal that arrived.
struct Signal {
    name: &'static str,
    number: i32,
}

/// The stop signals, listened for once for the whole run.
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        {
            tokio::select! {
                Some(()) = self.terminate.recv() => Signal { name: "SIGTERM", number: libc::SIGTERM },
                Some(()) = self.interrupt.recv() => Signal { name: "SIGINT", number: libc::SIGINT },
                // Only if the runtime's signal driver is gone: no signal can come any more.
                else => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Signal {
                name: "Ctrl-C",
                number: 2,
            }
        }
    }
}
