//! "Scrape now": one trigger per section, which its scheduling loop waits on beside its timer.
//!
//! A request wakes the loop early instead of running a scrape of its own, so a scrape started
//! by hand goes through exactly what a scheduled one does: the concurrency semaphore, the
//! fetcher's per-host politeness, the backoff bookkeeping. The loop reports its phase here
//! (`Trigger::begin` returns a guard for the run), which is what makes requests idempotent:
//!
//! - idle: the request is recorded and the loop woken; the answer is `Started`;
//! - already requested, waiting for a permit or scraping: nothing more is asked; the answer
//!   is `Joined`, with when the running scrape began. A section is never scraped twice at
//!   once, and a burst of clicks gives one scrape.
//!
//! A wake-up that finds no request pending (one answered by a scrape the timer started at
//! the same moment) is ignored, so a request never causes a second scrape right after the
//! one that served it. The guard returns the phase to idle even if the run panics, and
//! counts finished runs (`Trigger::runs`), so tests await a run instead of sleeping.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

/// What a "scrape now" request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScrapeNow {
    /// The section's loop was woken and will scrape as soon as a permit is free.
    Started,
    /// A scrape was already asked for, waiting for a permit or running (since when, if it
    /// has begun); the request rides on it.
    Joined {
        running_since: Option<DateTime<Utc>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Requested,
    Running { since: DateTime<Utc> },
}

/// One section's trigger.
#[derive(Debug)]
pub struct Trigger {
    phase: Mutex<Phase>,
    wake: Notify,
    runs: watch::Sender<u64>,
}

impl Default for Trigger {
    fn default() -> Trigger {
        Trigger {
            phase: Mutex::new(Phase::Idle),
            wake: Notify::new(),
            runs: watch::Sender::new(0),
        }
    }
}

impl Trigger {
    /// Asks for a scrape now, or joins the one already asked for or running.
    pub fn request(&self) -> ScrapeNow {
        let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        match *phase {
            Phase::Idle => {
                *phase = Phase::Requested;
                // Stored if the loop is not waiting yet: its next wait returns at once.
                self.wake.notify_one();
                ScrapeNow::Started
            }
            Phase::Requested => ScrapeNow::Joined {
                running_since: None,
            },
            Phase::Running { since } => ScrapeNow::Joined {
                running_since: Some(since),
            },
        }
    }

    /// Waits until `deadline` or a request, whichever comes first (the loop's timer).
    pub async fn wait(&self, deadline: Instant) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return,
                _ = self.wake.notified() => {
                    if self.is_requested() {
                        return;
                    }
                    // A stale wake-up: its request was served by a scrape already.
                }
            }
        }
    }

    fn is_requested(&self) -> bool {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) == Phase::Requested
    }

    /// Takes a pending request, if there is one, leaving the trigger idle: in a cluster
    /// the request is handed to the shared schedule (the section made due now), and
    /// whichever instance claims the section answers it (`scheduler::claiming`).
    pub fn take_request(&self) -> bool {
        let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        let requested = *phase == Phase::Requested;
        if requested {
            *phase = Phase::Idle;
        }
        requested
    }

    /// The loop is about to scrape (it then waits for a permit): requests join this run
    /// until the guard is dropped.
    pub fn begin(&self, now: DateTime<Utc>) -> Running<'_> {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = Phase::Running { since: now };
        Running { trigger: self }
    }

    /// How many runs have finished since the process started; changes after each.
    pub fn runs(&self) -> watch::Receiver<u64> {
        self.runs.subscribe()
    }
}

/// A run in progress: idle again when dropped, whether the run returned or panicked.
pub struct Running<'a> {
    trigger: &'a Trigger,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *self.trigger.phase.lock().unwrap_or_else(|e| e.into_inner()) = Phase::Idle;
        self.trigger
            .runs
            .send_modify(|runs| *runs = runs.wrapping_add(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const HOUR: Duration = Duration::from_secs(3600);

    /// Whether `wait` returns before a deadline an hour away (given 200 ms to).
    async fn woken(trigger: &Trigger) -> bool {
        let deadline = Instant::now() + HOUR;
        tokio::time::timeout(Duration::from_millis(200), trigger.wait(deadline))
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_request_wakes_the_wait_and_later_ones_join() {
        let trigger = Trigger::default();
        assert_eq!(trigger.request(), ScrapeNow::Started);
        assert_eq!(
            trigger.request(),
            ScrapeNow::Joined {
                running_since: None
            }
        );
        assert!(woken(&trigger).await, "woken at once, not after the hour");
        let since = DateTime::<Utc>::UNIX_EPOCH;
        let running = trigger.begin(since);
        assert_eq!(
            trigger.request(),
            ScrapeNow::Joined {
                running_since: Some(since)
            }
        );
        let mut runs = trigger.runs();
        drop(running);
        assert!(runs.has_changed().unwrap());
        assert_eq!(*runs.borrow_and_update(), 1);
        // Idle again: the joined request asked for nothing more.
        assert!(!woken(&trigger).await);
        assert_eq!(trigger.request(), ScrapeNow::Started);
        assert!(trigger.take_request(), "handed over");
        assert!(!trigger.take_request(), "once");
        assert_eq!(trigger.request(), ScrapeNow::Started, "idle again");
    }

    #[tokio::test]
    async fn a_request_served_by_a_timed_run_does_not_scrape_again() {
        let trigger = Trigger::default();
        // The request comes as the timer fires: the run begins without taking the wake-up.
        assert_eq!(trigger.request(), ScrapeNow::Started);
        drop(trigger.begin(DateTime::<Utc>::UNIX_EPOCH));
        assert!(!woken(&trigger).await, "the stale wake-up is ignored");
    }

    #[tokio::test]
    async fn the_timer_still_ends_the_wait() {
        let trigger = Trigger::default();
        tokio::time::timeout(Duration::from_secs(5), trigger.wait(Instant::now()))
            .await
            .expect("a past deadline returns at once");
    }

    #[test]
    fn a_panicking_run_leaves_the_trigger_idle() {
        let trigger = Trigger::default();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _running = trigger.begin(DateTime::<Utc>::UNIX_EPOCH);
            panic!("scrape exploded");
        }));
        assert_eq!(trigger.request(), ScrapeNow::Started);
    }
}
