//! The time source, injectable so tests and replays can fix "now".
//!
//! Dates without a year are inferred from the fetch time, first-seen times are stamped from it,
//! and feeds never carry a date after it: all of that must be testable without waiting for
//! the calendar, so nothing in the pipeline calls `Utc::now()` directly.

use chrono::{DateTime, Utc};

/// Where the current time comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that started at a chosen instant and then runs at the real pace, so a `serve`
/// started "on January 1st" keeps moving forward like a real one.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    offset: chrono::Duration,
}

impl ShiftedClock {
    pub fn starting_at(start: DateTime<Utc>) -> ShiftedClock {
        ShiftedClock {
            offset: start - Utc::now(),
        }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}
