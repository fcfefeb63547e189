//! When to re-read the config while serving: on SIGHUP, and when the file changes.
//!
//! The file is polled (modification time and size, every `POLL`), not watched with inotify:
//! polling also works for configs on network file systems and for editors and deploy tools
//! that replace the file instead of writing it in place, and it needs no extra crate.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How often the config file is checked.
pub const POLL: Duration = Duration::from_secs(2);

/// What identifies one version of the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

/// Waits for reload requests on one config file.
pub struct Reloads {
    path: PathBuf,
    last: Option<Stamp>,
    #[cfg(unix)]
    hangup: Option<tokio::signal::unix::Signal>,
}

impl Reloads {
    pub fn new(path: &Path) -> Reloads {
        Reloads {
            path: path.to_path_buf(),
            last: stamp(path),
            #[cfg(unix)]
            hangup: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok(),
        }
    }

    /// Resolves at the next SIGHUP or change of the file (a file that disappears is not a
    /// change: an editor may be replacing it).
    pub async fn next(&mut self) -> &'static str {
        loop {
            #[cfg(unix)]
            let hangup = async {
                match self.hangup.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let hangup = std::future::pending::<()>();
            tokio::select! {
                _ = hangup => {
                    self.last = stamp(&self.path);
                    return "SIGHUP";
                }
                _ = tokio::time::sleep(POLL) => {
                    let now = stamp(&self.path);
                    if now.is_some() && now != self.last {
                        self.last = now;
                        return "config file changed";
                    }
                }
            }
        }
    }
}
