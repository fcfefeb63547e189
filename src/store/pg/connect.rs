//! Reaching the shared store at start-up: wait for a server that is down, refuse at once a
//! server that refuses us.
//!
//! A server that is down, unreachable or still starting may come up any moment (a host
//! booting its database with the instances, a restart): the first connection is retried with
//! a backoff (1 s doubling to 30 s), logged as warnings naming the database by its redacted
//! URL, until it answers or the caller gives up (Ctrl-C). A server that answers but refuses
//! us (wrong password, unknown user or database, a malformed setting) will refuse the same
//! way next time: that is an error at once, so a typo is not hidden behind an endless wait.

use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client, NoTls};

use super::PgTarget;
use crate::store::StoreError;

/// How long one connection attempt may take before it counts as "unreachable".
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How the client words the failures that mean "no server there (yet)" (tokio-postgres'
/// `Kind::Connect`, `Io`, `Closed`, `Timeout`).
const TRANSIENT_WITHOUT_STATE: &[&str] = &[
    "error connecting to server",
    "error communicating with the server",
    "connection closed",
    "timeout waiting for server",
];

/// The waits between attempts: `first`, doubled after each failure, never above `max`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    /// 1 s doubling to 30 s.
    pub const START_UP: Backoff = Backoff {
        first: Duration::from_secs(1),
        max: Duration::from_secs(30),
    };
}

/// Whether an error means "not now" (retry) rather than "never" (fail at once). Only errors
/// that say the server is absent or not ready yet are transient; everything the server
/// answered with a reason (authentication, unknown database, bad parameter) is not.
pub fn is_transient(error: &postgres::Error) -> bool {
    match error.code() {
        // "the database system is starting up / shutting down", "too many connections".
        Some(code) => {
            *code == SqlState::CANNOT_CONNECT_NOW
                || *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::TOO_MANY_CONNECTIONS
        }
        // No SQL state: transient only when the server never answered or went away
        // (refused, reset, timed out, DNS); a TLS, authentication or configuration
        // failure on the client's side would fail the same way at every attempt.
        None => {
            let text = error.to_string();
            TRANSIENT_WITHOUT_STATE
                .iter()
                .any(|start| text.starts_with(start))
        }
    }
}

/// The error for a connection that failed for good, naming the redacted URL only.
pub fn refused(target: &PgTarget, error: &postgres::Error) -> StoreError {
    let message = match error.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => crate::errors::chain(error),
    };
    StoreError::PgUnavailable {
        url: target.redacted().to_string(),
        message,
    }
}

/// One connection to `target`, retried with `backoff` while the server is down; `Ok(None)`
/// when `give_up` says so after a failed attempt (it is asked every 100 ms while waiting),
/// so a `give_up` that is already true makes exactly one attempt.
pub fn first_connection(
    target: &PgTarget,
    backoff: Backoff,
    give_up: &dyn Fn() -> bool,
) -> Result<Option<Client>, StoreError> {
    let mut config = target.config();
    config.connect_timeout(CONNECT_TIMEOUT);
    let mut delay = backoff.first;
    let mut attempts = 0u32;
    loop {
        match config.connect(NoTls) {
            Ok(client) => {
                if attempts > 0 {
                    tracing::info!(database = %target, attempts, "database reachable");
                }
                return Ok(Some(client));
            }
            Err(error) if is_transient(&error) => {
                attempts += 1;
                let reason = refused(target, &error);
                tracing::warn!(
                    database = %target,
                    error = %reason,
                    retry_in_ms = delay.as_millis() as u64,
                    "database not reachable yet; retrying"
                );
                if !wait(delay, give_up) {
                    return Ok(None);
                }
                delay = (delay * 2).min(backoff.max);
            }
            Err(error) => return Err(refused(target, &error)),
        }
    }
}

/// Sleeps `delay` in short slices; false when `give_up` said so first.
fn wait(delay: Duration, give_up: &dyn Fn() -> bool) -> bool {
    let end = Instant::now() + delay;
    loop {
        if give_up() {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(100)));
    }
}
