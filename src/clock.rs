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
    /// Saturates at the end of chrono's range rather than panicking there.
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
            .checked_add_signed(self.offset)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_started_at_the_end_of_time_stays_there() {
        let started = Utc::now();
        let clock = ShiftedClock::starting_at(DateTime::<Utc>::MAX_UTC);
        // Once the real clock has moved on, the shifted one would be past the range.
        while Utc::now() <= started {
            std::hint::spin_loop();
        }
        assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC);
    }
}
